"""Command line: parse options, run the pipeline, pick a renderer. Nothing more.

One module per command (``cli.commands`` registers the one invoked); heavy libraries are
imported inside the commands, so that each command loads only what it uses.
"""

import gc
import os
import sys


def main() -> None:
    # `--version` alone answers before Typer is even imported: scripts and package
    # managers call it, and it should cost no more than starting Python.
    if sys.argv[1:] == ["--version"]:
        from servcommun import __version__

        print(f"servcommun {__version__}")
        return
    # A command is a short process that builds large trees (YAML nodes, models, lines)
    # and frees them at exit: the cyclic collector would only re-scan them, at up to
    # 40 % of the run time on a 35 000-member roster. Reference counting still frees
    # everything that is not a cycle.
    gc.disable()
    # Pydantic looks for third-party plugins (observability hooks) by scanning every
    # installed package's entry points on first use; servcommun's models use none.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from servcommun.cli.commands import application

    try:
        application(sys.argv[1:])()
    except Exception as error:  # the last resort: never a traceback
        internal_error(error)


def internal_error(error: BaseException) -> None:
    """What a user sees of a fault of servcommun itself: one line saying what to report,
    exit 1 — every wrong input has its own located message before it gets here."""
    where = error.__traceback__
    while where is not None and where.tb_next is not None:
        where = where.tb_next
    place = (
        f" at {os.path.basename(where.tb_frame.f_code.co_filename)}:{where.tb_lineno}"
        if where is not None
        else ""
    )
    print(
        f"servcommun: internal-error {type(error).__name__}{place}: {error} — this is a "
        "fault of servcommun, not of your files: please report it with the command you "
        "ran and the files it read",
        file=sys.stderr,
    )
    raise SystemExit(1)
