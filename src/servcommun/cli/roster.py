"""``servcommun roster init``: a roster of an EPCI's communes with their official
populations (the bundled table, and the populations imported into the data directory)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from servcommun.cli.app import Force, Lang, ServiceName, command_group, config_here, fail
from servcommun.cli.notes import option_problem, say_note
from servcommun.language import N_
from servcommun.message import msg, msg_n

roster_app = command_group("roster", N_("Rosters: a new one from the official table."))


@roster_app.command(
    "init",
    help=N_(
        "A roster of an EPCI's communes with their SIREN and their official population of "
        "the kind the service's tariff bills on, and no subscription."
    ),
)
def init(
    output: Annotated[
        Path, typer.Option("--output", "-o", help=N_("Roster file to write: .yaml, or .csv."))
    ],
    epci: Annotated[
        str | None,
        typer.Option(
            "--epci",
            metavar=N_("NAME|SIREN"),
            help=N_('The EPCI: "Redon Agglomération" or 243500741.'),
        ),
    ] = None,
    communes: Annotated[
        list[str] | None,
        typer.Option(
            "--commune", metavar=N_("CODE"), help=N_("Add this commune (INSEE code); repeatable.")
        ),
    ] = None,
    years: Annotated[
        list[int] | None,
        typer.Option(
            "--year",
            min=1900,
            max=2999,
            help=N_(
                "A year of populations in force (repeatable; default: every year the table holds)."
            ),
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            metavar=N_("KIND"),
            help=N_("totale or municipale (default: the tariff's kind)."),
        ),
    ] = None,
    service: ServiceName = None,
    force: Force = False,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.communes import KINDS, official_table
    from servcommun.diagnostics import InputError
    from servcommun.output import refuse_existing, write_atomic
    from servcommun.pipeline import load_tariffs
    from servcommun.roster_init import RosterInitError, initial_roster, roster_csv, roster_yaml

    if kind is not None and kind not in KINDS:
        say_note(
            msg(
                "{option}: '{kind}' is not one of {kinds}",
                option="--kind",
                kind=kind,
                kinds=", ".join(KINDS),
            )
        )
        raise typer.Exit(2)
    if output.suffix.lower() not in (".yaml", ".yml", ".csv"):
        say_note(msg("{option}: a roster is a .yaml (or .yml) or .csv file", option="--output"))
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
        fail([option_problem(error.option, error.code, error.message)])
    held = tuple(
        msg("{year:year} (millésime {millesime:year})", year=year, millesime=millesime)
        for year, millesime in roster.millesimes.items()
    )
    say_note(
        msg_n(
            "{file}: {count:count} commune, population {kind} in force in {years}",
            "{file}: {count:count} communes, population {kind} in force in {years}",
            n="count",
            file=str(output),
            count=len(roster.members),
            kind=kind,
            years=held,
        )
    )
