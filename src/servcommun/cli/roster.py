"""``servcommun roster init``: a roster of an EPCI's communes with their official
populations (the bundled table, and the populations imported into the data directory)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from servcommun.cli.app import app, config_here, fail

roster_app = typer.Typer(
    help="Rosters: a new one from the official table.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(roster_app, name="roster")


@roster_app.command("init")
def init(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Roster file to write: .yaml, or .csv.")
    ],
    epci: Annotated[
        str | None,
        typer.Option(
            "--epci", metavar="NAME|SIREN", help='The EPCI: "Redon Agglomération" or 243500741.'
        ),
    ] = None,
    communes: Annotated[
        list[str] | None,
        typer.Option(
            "--commune", metavar="CODE", help="Add this commune (INSEE code); repeatable."
        ),
    ] = None,
    years: Annotated[
        list[int] | None,
        typer.Option(
            "--year",
            min=1900,
            max=2999,
            help="A year of populations in force (repeatable; default: every year the table "
            "holds).",
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", metavar="KIND", help="totale or municipale (default: the tariff's kind)."
        ),
    ] = None,
    service: Annotated[
        str | None, typer.Option(help="Service of servcommun.toml (default: its 'default').")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace --output if it exists.")] = False,
) -> None:
    """A roster of an EPCI's communes with their SIREN and their official population of
    the kind the service's tariff bills on, and no subscription."""
    from servcommun.communes import KINDS, official_table
    from servcommun.diagnostics import InputError
    from servcommun.output import refuse_existing, write_atomic
    from servcommun.pipeline import load_tariffs
    from servcommun.roster_init import RosterInitError, initial_roster, roster_csv, roster_yaml

    if kind is not None and kind not in KINDS:
        print(f"--kind: '{kind}' is not one of {', '.join(KINDS)}", file=sys.stderr)
        raise typer.Exit(2)
    if output.suffix.lower() not in (".yaml", ".yml", ".csv"):
        print("--output: a roster is a .yaml (or .yml) or .csv file", file=sys.stderr)
        raise typer.Exit(2)
    try:
        refuse_existing(output, force)
        config = config_here()
        chosen = config.service(service)
        tariffs = load_tariffs(config, chosen)
        latest = max((t for _, t in tariffs), key=lambda t: t.valid_from)
        if kind is None:
            kind = str(latest.population.kind) if latest.population else "totale"
        roster = initial_roster(
            official_table(None if config.bundled else config.root),
            service=latest.service,
            kind=kind,
            epci=epci,
            communes=communes or (),
            years=years or (),
        )
        text = roster_csv(roster) if output.suffix.lower() == ".csv" else roster_yaml(roster)
        write_atomic(output, text.encode("utf-8"), force=force)
    except InputError as error:
        fail(error.diagnostics)
    except RosterInitError as error:
        fail([f"{error.option}: {error.code} {error.message}"])
    held = ", ".join(f"{year} (millésime {m})" for year, m in roster.millesimes.items())
    print(
        f"{output}: {len(roster.members)} commune{'s' if len(roster.members) > 1 else ''}, "
        f"population {kind} in force in {held}",
        file=sys.stderr,
    )
