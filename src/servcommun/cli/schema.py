"""``servcommun schema``: the JSON Schema of a file format, for editors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from servcommun.cli.app import Force, Lang, app, deliver, fail
from servcommun.formats import Kind
from servcommun.language import N_


@app.command(
    help=N_(
        "JSON Schema of the tariff file format (or --kind roster|budget|consumption|index). "
        "The shipped YAML files point editors at schema/<kind>.schema.json with a "
        "yaml-language-server modeline; regenerate those with --output "
        "schema/<kind>.schema.json --force."
    )
)
def schema(
    kind: Annotated[Kind, typer.Option("--kind", help=N_("The file format."))] = Kind.TARIFF,
    output: Annotated[
        Path | None, typer.Option(help=N_("Write to this file (atomically)."))
    ] = None,
    force: Force = False,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.diagnostics import InputError
    from servcommun.schemas import json_schema_text

    try:
        deliver(json_schema_text(kind), output, force)
    except InputError as error:
        fail(error.diagnostics)
