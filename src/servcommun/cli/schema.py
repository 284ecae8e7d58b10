"""``servcommun schema``: the JSON Schema of a file format, for editors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from servcommun.cli.app import app, deliver, fail
from servcommun.formats import Kind


@app.command()
def schema(
    kind: Annotated[Kind, typer.Option("--kind", help="The file format.")] = Kind.TARIFF,
    output: Annotated[Path | None, typer.Option(help="Write to this file (atomically).")] = None,
    force: Annotated[bool, typer.Option(help="Replace --output if it exists.")] = False,
) -> None:
    """JSON Schema of the tariff file format (or --kind roster|budget|consumption|index).
    The shipped YAML files point editors at schema/<kind>.schema.json with a
    yaml-language-server modeline; regenerate those with --output
    schema/<kind>.schema.json --force."""
    from servcommun.diagnostics import InputError
    from servcommun.schemas import json_schema_text

    try:
        deliver(json_schema_text(kind), output, force)
    except InputError as error:
        fail(error.diagnostics)
