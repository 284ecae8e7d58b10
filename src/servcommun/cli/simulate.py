"""``servcommun simulate``: a prospective member's schedule and its impact on the service."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NamedTuple, NoReturn

import typer

from servcommun.cli.app import Force, Lang, ServiceName, app, config_here, deliver, fail, print_rich
from servcommun.cli.notes import bad_parameter, option_problem, say_note, usage_error
from servcommun.language import N_, _
from servcommun.message import Message, msg

if TYPE_CHECKING:
    from servcommun.engine.simulate import Scenario, ScenarioError

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ".").removesuffix("%").strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise bad_parameter(msg("{text} is not a number (4.5)", text=repr(text)))
    return value


def _amount(text: str) -> Decimal:
    """An amount in euros, exact to the cent: ``-12400.00``, ``185 000,00``."""
    from servcommun.money import has_cents_only

    plain = "".join(text.split()).removesuffix("€").replace(",", ".")  # 185 000,00 €
    try:
        value = Decimal(plain)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or abs(value) >= Decimal("1E12"):
        raise bad_parameter(msg("{text} is not an amount (185000.00)", text=repr(text)))
    if not has_cents_only(value):
        raise bad_parameter(msg("{text} is not exact to the cent (185000.00)", text=repr(text)))
    return value


# The scenario options, shared with `servcommun plot schedule`.
Population = Annotated[
    int | None,
    typer.Option(
        "--population",
        min=1,
        metavar=N_("N"),
        help=N_("Inhabitants of the commune (legal population)."),
    ),
]
MemberId = Annotated[
    str | None,
    typer.Option(
        "--member",
        metavar=N_("ID"),
        help=N_(
            "Start from this roster member (INSEE code or SIREN): its name, "
            "population, current subscriptions, acts and attribution de compensation."
        ),
    ),
]
Offers = Annotated[
    list[str] | None,
    typer.Option(
        "--offer",
        metavar=N_("OFFER"),
        help=N_("An offer of the tariff (socle-complet, audit, groupement-achats); repeatable."),
    ),
]
Name = Annotated[str | None, typer.Option("--name", help=N_("Name shown for the commune."))]
CommuneCode = Annotated[
    str | None,
    typer.Option(
        "--commune",
        metavar=N_("CODE"),
        help=N_(
            "A commune by its INSEE code: its name and official population of the tariff's "
            "kind (the latest in force by --from-year) from the official table."
        ),
    ),
]
AuditDate = Annotated[
    dt.datetime | None,
    typer.Option(
        "--audit",
        formats=DATE_FORMATS,
        metavar=N_("DATE"),
        help=N_("Delivery date of the audit (YYYY-MM-DD); implies the audit offer."),
    ),
]
JoinDate = Annotated[
    dt.datetime | None,
    typer.Option(
        "--join",
        formats=DATE_FORMATS,
        metavar=N_("DATE"),
        help=N_("Start of the annual offers (default: 1 January of --from-year)."),
    ),
]
Days = Annotated[
    Decimal | None,
    typer.Option(
        "--days",
        parser=_decimal,
        metavar=N_("DAYS"),
        help=N_("Engineering days expected each year."),
    ),
]
FromYear = Annotated[
    int | None,
    typer.Option(
        "--from-year", min=1900, max=2999, help=N_("First year (default: the current year).")
    ),
]
ToYear = Annotated[
    int | None,
    typer.Option("--to-year", min=1900, max=2999, help=N_("Last year (default: --from-year + 2).")),
]
Share = Annotated[
    Decimal | None,
    typer.Option(
        "--share",
        parser=_decimal,
        metavar=N_("PERCENT"),
        help=N_("Cost sharing: the new party's percentage of the key."),
    ),
]
TakeFrom = Annotated[
    str | None,
    typer.Option(
        "--take-from",
        help=N_("Cost sharing: the party giving up that share (default: the carrier)."),
    ),
]
Acts = Annotated[
    list[str] | None,
    typer.Option(
        "--act",
        metavar=N_("UNIT=QUANTITY"),
        help=N_(
            "Units expected each year, as acts dated on the first day of membership of the "
            "year (permis-construire=30); repeatable."
        ),
    ),
]
Attribution = Annotated[
    Decimal | None,
    typer.Option(
        "--attribution",
        parser=_amount,
        metavar=N_("AMOUNT"),
        help=N_(
            "Attribution de compensation, the same every year (may be negative), for a tariff "
            "settling by deduction from it."
        ),
    ),
]


class ScenarioOption(NamedTuple):
    """How the command line gives a field of the scenario: its option, and the value it
    takes as the option's metavar names it."""

    option: str
    metavar: str = ""

    @property
    def usage(self) -> str:
        """The option and the value it takes, as a message asking for it writes them
        (``--share PERCENT``)."""
        return f"{self.option} {_(self.metavar)}" if self.metavar else self.option


SCENARIO_OPTIONS: dict[str, ScenarioOption] = {
    "offers": ScenarioOption("--offer", N_("OFFER")),
    "from_year": ScenarioOption("--from-year"),
    "to_year": ScenarioOption("--to-year"),
    "population": ScenarioOption("--population", N_("N")),
    "name": ScenarioOption("--name"),
    "base_member": ScenarioOption("--member", N_("ID")),
    "audit": ScenarioOption("--audit", N_("DATE")),
    "join": ScenarioOption("--join", N_("DATE")),
    "days": ScenarioOption("--days", N_("DAYS")),
    "share": ScenarioOption("--share", N_("PERCENT")),
    "take_from": ScenarioOption("--take-from"),
    "acts": ScenarioOption("--act", N_("UNIT=QUANTITY")),
    "attribution": ScenarioOption("--attribution", N_("AMOUNT")),
}
"""Each field of the scenario (``engine.simulate.ScenarioField``, by its value) as the options
above give it: the engine's messages name the fields, the command line says them as its
options (``join`` → ``--join``)."""


def as_options(message: Message) -> Message:
    """A message of the simulation with each field of the scenario it names said as its
    option (``--join``), and each field it asks for as the option and the value it takes
    (``--share PERCENT``), in the messages it says inside it too."""
    from servcommun.engine.simulate import FieldToGive, ScenarioField

    def said(value: object) -> object:
        if isinstance(value, ScenarioField):
            return SCENARIO_OPTIONS[value].option
        if isinstance(value, FieldToGive):
            return SCENARIO_OPTIONS[value.field].usage
        if isinstance(value, Message):  # before tuple: a message is a named tuple
            return as_options(value)
        if isinstance(value, tuple):
            return tuple(said(item) for item in value)
        return value

    return message._replace(values=tuple((name, said(value)) for name, value in message.values))


def scenario_refused(error: ScenarioError) -> NoReturn:
    """A scenario the engine cannot simulate: a usage error naming the options."""
    usage_error(as_options(error.message))


Within = Annotated[
    int,
    typer.Option(
        "--within", min=0, help=N_("Warn when the population is this close to a bracket boundary.")
    ),
]


class SimulateFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command(
    help=N_(
        "What a new commune (or a member taking more offers) would pay over the years, the "
        "audit credit it wins or loses, and what its joining does to the service."
    )
)
def simulate(
    offer: Offers = None,
    population: Population = None,
    member: MemberId = None,
    name: Name = None,
    audit: AuditDate = None,
    join: JoinDate = None,
    days: Days = None,
    from_year: FromYear = None,
    to_year: ToYear = None,
    service: ServiceName = None,
    share: Share = None,
    take_from: TakeFrom = None,
    act: Acts = None,
    attribution: Attribution = None,
    within: Within = 100,
    commune: CommuneCode = None,
    format: Annotated[SimulateFormat, typer.Option("--format", help=N_("Output format."))] = (
        SimulateFormat.TABLE
    ),
    output: Annotated[
        Path | None, typer.Option(help=N_("Write to this file (atomically)."))
    ] = None,
    force: Force = False,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.analysis import simulate as run_simulation
    from servcommun.cli.app import refuse_output
    from servcommun.diagnostics import InputError
    from servcommun.engine.simulate import ScenarioError

    config = config_here()
    if commune is not None:
        if member is not None:
            usage_error(msg("--commune and --member: give one of them"))
        name, population = _official_commune(config, service, commune, from_year, name, population)
    scenario = scenario_from_options(
        offer,
        population,
        member,
        name,
        audit,
        join,
        days,
        from_year,
        to_year,
        share,
        take_from,
        acts=act,
        attribution=attribution,
    )
    try:
        if output is not None:
            refuse_output(output, force)
        loaded, result = run_simulation(config, service, scenario, within)
        notes = tuple(as_options(note) for note in result.notes)
        _emit(dataclasses.replace(result, notes=notes), loaded, format, output, force)
    except InputError as error:
        fail(error.diagnostics)
    except ScenarioError as error:
        scenario_refused(error)


def scenario_from_options(
    offer: list[str] | None,
    population: int | None,
    member: str | None,
    name: str | None,
    audit: dt.datetime | None,
    join: dt.datetime | None,
    days: Decimal | None,
    from_year: int | None,
    to_year: int | None,
    share: Decimal | None = None,
    take_from: str | None = None,
    *,
    acts: list[str] | None = None,
    attribution: Decimal | None = None,
) -> Scenario:
    """The engine's scenario; the clock is read here (the engine never reads it)."""
    from servcommun.engine.simulate import Scenario
    from servcommun.pipeline import today

    first = from_year if from_year is not None else today().year
    return Scenario(
        offers=tuple(offer or ()),
        from_year=first,
        to_year=to_year if to_year is not None else first + 2,
        population=population,
        name=name,
        base_member=member,
        audit=audit.date() if audit else None,
        join=join.date() if join else None,
        days=days,
        share=share,
        take_from=take_from,
        acts=tuple(_act(text) for text in acts or ()),
        attribution=attribution,
    )


def _act(text: str) -> tuple[str, Decimal]:
    """``permis-construire=30`` → the unit and its quantity a year (a usage error else)."""
    unit, equals, quantity = text.partition("=")
    if not equals or not unit.strip():
        usage_error(
            msg(
                "{option} {text}: write UNIT=QUANTITY ({option} permis-construire=30)",
                option="--act",
                text=text,
            )
        )
    try:
        value = Decimal(quantity.strip().replace(",", "."))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        usage_error(
            msg(
                "{option} {text}: {quantity} is not a quantity (30, 2.5)",
                option="--act",
                text=text,
                quantity=repr(quantity.strip()),
            )
        )
    return unit.strip(), value


def _official_commune(  # type: ignore[no-untyped-def]
    config, service: str | None, code: str, from_year: int | None, name, population
) -> tuple[str, int]:
    """The commune's name and population (those given win), from the official table: the
    latest figure of the tariff's kind in force by the first simulated year (said on
    stderr, with its millésime)."""
    from servcommun.communes import latest_population, official_table
    from servcommun.diagnostics import InputError
    from servcommun.pipeline import tariff_for_year, today

    first = from_year if from_year is not None else today().year
    try:
        _, tariff = tariff_for_year(config, config.service(service), first)
    except InputError as error:
        fail(error.diagnostics)
    kind = str(tariff.population.kind) if tariff.population else "totale"
    table = official_table(None if config.bundled else config.root)
    found = table.commune(code)
    if found is None:
        former = table.former_commune(code)
        fail(
            [
                option_problem(
                    "--commune",
                    "unknown-commune",
                    msg(
                        "'{code}' is not the INSEE code of a commune: it is now part of {current}",
                        code=code,
                        current=former.current,
                    )
                    if former
                    else msg("'{code}' is not the INSEE code of a commune", code=code),
                )
            ]
        )
    if population is None:
        official = latest_population(table, code, kind, first)
        if official is None:
            fail(
                [
                    option_problem(
                        "--commune",
                        "no-official-population",
                        msg(
                            "the official table has no population {kind} of {code} {name}: "
                            "give {option}",
                            kind=kind,
                            code=code,
                            name=found.name,
                            option="--population",
                        ),
                    )
                ]
            )
        population = official.value
        say_note(
            msg(
                "{code} {name}: population {kind} {population:count} in force in {year:year} "
                "(millésime {millesime:year}, {source})",
                code=code,
                name=found.name,
                kind=kind,
                population=official.value,
                year=official.year,
                millesime=official.millesime,
                source=official.source,
            )
        )
    return name or found.name, population


def _emit(result, loaded, format, output, force) -> None:  # type: ignore[no-untyped-def]
    from servcommun.render.amounts import money

    tariff = loaded.tariff

    def fmt(amount: Decimal) -> str:
        return money(amount, tariff.currency, tariff.locale)

    if format is SimulateFormat.JSON:
        from servcommun.render.json import dumps
        from servcommun.render.simulation import simulation_json, warnings

        for message in warnings(result, fmt):
            print(message, file=sys.stderr)
        deliver(
            dumps(
                simulation_json(result, service=tariff.service, currency=tariff.currency, fmt=fmt)
            ),
            output,
            force,
        )
        return
    from servcommun.render.simulation import simulation_table

    offers = {offer.id: offer.label for offer in tariff.offers}
    print_rich(
        lambda width: simulation_table(
            result,
            title=tariff.title,
            offers=offers,
            currency=tariff.currency,
            locale=tariff.locale,
        ),
        output,
        force,
    )
