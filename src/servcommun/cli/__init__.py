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

    application(sys.argv[1:])()
