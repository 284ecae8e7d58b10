"""``servcommun population import``: INSEE's legal populations of a millésime into the
data directory (``populations/<millésime>.csv``), used by ``roster init``, ``simulate
--commune`` and ``check`` beside the bundled table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from servcommun.cli.app import Lang, command_group, fail
from servcommun.cli.notes import say_note
from servcommun.language import N_, _
from servcommun.message import msg, msg_n

population_app = command_group(
    "population", N_("Legal populations: import INSEE's file of a millésime.")
)


@population_app.command(
    "import",
    help=N_(
        "Read INSEE's legal populations (population municipale and totale of each commune) "
        "of a millésime into the data directory."
    ),
)
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            show_default=False,
            metavar=N_("FILE"),
            help=N_("INSEE's legal-population file saved as CSV (donnees_communes.csv)."),
        ),
    ],
    millesime: Annotated[
        int | None,
        typer.Option(
            "--millesime",
            min=1990,
            max=2999,
            help=N_(
                "Census year of the figures, in force from 1 January three years later "
                "(default: the one year the file name states)."
            ),
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help=N_("Replace the millésime already imported."))
    ] = False,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.communes import bundled_table, in_force_year
    from servcommun.config import find_config
    from servcommun.diagnostics import InputError
    from servcommun.output import write_atomic
    from servcommun.population_import import (
        decode,
        destination,
        millesime_of,
        read_legal_populations,
        table_text,
    )

    if file.suffix.lower() in (".xlsx", ".xls", ".zip"):
        say_note(
            msg(
                "{file}: save the « Communes » sheet (or the zip's donnees_communes.csv) as CSV",
                file=str(file),
            )
        )
        raise typer.Exit(2)
    millesime = millesime or millesime_of(file.name)
    if millesime is None:
        say_note(msg("{file}: give its millésime (--millesime 2023)", file=file.name))
        raise typer.Exit(2)
    config = find_config(Path.cwd())
    if config is None:
        fail([_("servcommun.toml not found here or above: run the import in a data directory")])
    target = destination(config.parent, millesime)
    try:
        communes = read_legal_populations(decode(file.read_bytes()), str(file))
        target.parent.mkdir(exist_ok=True)
        write_atomic(target, table_text(communes).encode("utf-8"), force=force)
    except InputError as error:
        fail(error.diagnostics)
    except OSError as error:
        fail([f"{file}:1:1: unreadable {error.strerror or error}"])
    unknown = sum(1 for c in communes if bundled_table().commune(c.code) is None)
    values = {
        "file": str(target),
        "count": len(communes),
        "millesime": millesime,
        "year": in_force_year(millesime),
    }
    if not unknown:
        say_note(
            msg_n(
                "{file}: {count:count} commune, millésime {millesime:year}, in force from "
                "1 January {year:year}",
                "{file}: {count:count} communes, millésime {millesime:year}, in force from "
                "1 January {year:year}",
                n="count",
                **values,
            )
        )
        return
    elsewhere = msg_n(
        "{unknown:count} code is not a commune of {geography:year}",
        "{unknown:count} codes are not communes of {geography:year}",
        n="unknown",
        unknown=unknown,
        geography=2026,  # the communes of the bundled table
    )
    say_note(
        msg_n(
            "{file}: {count:count} commune, millésime {millesime:year}, in force from "
            "1 January {year:year}; {elsewhere}",
            "{file}: {count:count} communes, millésime {millesime:year}, in force from "
            "1 January {year:year}; {elsewhere}",
            n="count",
            elsewhere=elsewhere,
            **values,
        )
    )
