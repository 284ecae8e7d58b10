"""The application with every command registered (importing a command module registers it)."""

from servcommun.cli import (  # noqa: F401  (each import registers a command)
    bill,
    check,
    diff,
    key,
    plot,
    schema,
    simulate,
    statements,
    thresholds,
)
from servcommun.cli.app import app

__all__ = ["app"]
