"""Command line: parse options, run the pipeline, pick a renderer. Nothing more.

One module per command; importing them registers them on the app. Heavy libraries are
imported inside the commands, so that each command loads only what it uses.
"""

from servcommun.cli import bill  # noqa: F401  (registers the command)
from servcommun.cli.app import app


def main() -> None:
    app()
