"""Command line: parse options, run the pipeline, pick a renderer. Nothing more.

One module per command; importing them registers them on the app. Heavy libraries are
imported inside the commands, so that each command loads only what it uses.
"""

import gc

from servcommun.cli import (
    bill,  # noqa: F401  (registers the command)
    check,  # noqa: F401
    diff,  # noqa: F401
    key,  # noqa: F401
    plot,  # noqa: F401
    schema,  # noqa: F401
    simulate,  # noqa: F401
    statements,  # noqa: F401
    thresholds,  # noqa: F401
)
from servcommun.cli.app import app


def main() -> None:
    # A command is a short process that builds large trees (YAML nodes, models, lines)
    # and frees them at exit: the cyclic collector would only re-scan them, at up to
    # 40 % of the run time on a 35 000-member roster. Reference counting still frees
    # everything that is not a cycle.
    gc.disable()
    app()
