"""Command line: parse options, run the pipeline, pick a renderer. Nothing more.

One module per command (``cli.commands`` registers the one invoked); heavy libraries are
imported inside the commands, so that each command loads only what it uses.
"""

from __future__ import annotations

import errno
import gc
import io
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer


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
    from servcommun.cli.commands import application, language_asked
    from servcommun.language import choose

    arguments = sys.argv[1:]
    # the language is chosen before the commands are built: their help is in it
    choose(language_asked(arguments))
    _results_in_utf8()
    try:
        code = run(application(arguments), arguments)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
    except OSError as error:
        code = unwritable_stdout(error)
    except Exception as error:  # the last resort: never a traceback
        internal_error(error)
    raise SystemExit(code)


def _results_in_utf8() -> None:
    """Results redirected to a file or a pipe are UTF-8 whatever the console's code page
    (a Windows cp1252 console cannot encode the no-break spaces of French figures); a
    console that cannot show a character shows a replacement, never a traceback."""
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        sys.stdout = _Closed()
    elif sys.stdout.isatty():
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    else:
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    if sys.stderr is not None:
        sys.stderr.reconfigure(errors="replace")  # type: ignore[union-attr]


class _Closed(io.TextIOBase):
    """A standard output that was closed: writing to it is the error it would have been."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def unwritable_stdout(error: OSError) -> int:
    """What a user sees when the results cannot be written: nothing for a reader that
    stopped reading (``servcommun bill | head``), one line for anything else (a full
    disk: ``> /dev/full``), exit 1."""
    # stdout is gone: later writes (Python's own flush at exit) must not fail again
    if isinstance(sys.stdout, _Closed):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (open until the process ends)
    else:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if error.errno != errno.EPIPE:
        from servcommun.diagnostics import os_reason
        from servcommun.language import _
        from servcommun.render.words import say

        said = _("servcommun: the results cannot be written to the standard output: {reason}")
        print(said.format(reason=say(os_reason(error))), file=sys.stderr)
    return 1


def run(app: typer.Typer, arguments: list[str]) -> int:
    """Run the command ``arguments`` name; a usage error is said in the language in use
    (Typer would say it in English), exit 2."""
    # the exceptions of the Click that Typer vendors (its version is pinned)
    from typer import Abort
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
    from typer.main import get_command

    from servcommun.cli import framework
    from servcommun.language import _

    command = get_command(app)
    try:
        code = command.main(arguments, prog_name="servcommun", standalone_mode=False)
    except NoArgsIsHelpError as error:  # its message is the help page, already translated
        print(error.format_message(), file=sys.stderr)
        return error.exit_code
    except UsageError as error:
        if error.ctx is not None:
            print(framework.help_text(error.ctx.get_usage()), file=sys.stderr)
            print(
                _("Try '{command} --help' for help.").format(command=error.ctx.command_path),
                file=sys.stderr,
            )
            print(file=sys.stderr)
        print(_("Error: ") + framework.usage_error(error.format_message()), file=sys.stderr)
        return error.exit_code
    except ClickException as error:
        print(_("Error: ") + error.format_message(), file=sys.stderr)
        return error.exit_code
    except Abort:
        print(_("Aborted!"), file=sys.stderr)
        return 1
    return code if isinstance(code, int) else 0


def internal_error(error: BaseException) -> None:
    """What a user sees of a fault of servcommun itself: one line saying what to report,
    exit 1 — every wrong input has its own located message before it gets here."""
    where = error.__traceback__
    while where is not None and where.tb_next is not None:
        where = where.tb_next
    place = (
        f"{os.path.basename(where.tb_frame.f_code.co_filename)}:{where.tb_lineno}"
        if where is not None
        else "?"
    )
    try:
        from servcommun.language import _

        explained = _(
            "{error} at {place}: {detail} — this is a fault of servcommun, not of your "
            "files: please report it with the command you ran and the files it read"
        )
    except Exception:  # the catalogue itself may be what failed
        explained = "{error} at {place}: {detail}"
    said = explained.format(error=type(error).__name__, place=place, detail=error)
    print(f"servcommun: internal-error {said}", file=sys.stderr)
    raise SystemExit(1)
