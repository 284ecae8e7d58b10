"""A roster against the official table (``servcommun.communes``): warnings, each at the
roster's line where the member or the figure is written.

- an INSEE code that is no longer a commune's (merged into a commune nouvelle, or
  associated): the current code; an unknown one; a name or SIREN not the commune's;
- a population that differs from the official figure of its kind for the year in force
  (the kind the tariff bills on, unless the roster names another): the official figure
  and its millésime;
- a commune outside the service's EPCI, when ``servcommun.toml`` names it
  (``epci = "243500741"``).

Years the table does not cover (and SIREN member ids) are not compared.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from servcommun.communes import KINDS, OfficialTable, name_key
from servcommun.diagnostics import Diagnostic, Severity
from servcommun.message import Message, msg
from servcommun.reader import Document
from servcommun.roster import Roster, is_insee_code
from servcommun.roster_population import roster_kind
from servcommun.tariff import Tariff


def official_warnings(
    doc: Document,
    roster: Roster,
    tariffs: Sequence[Tariff],
    table: OfficialTable,
    epci: str | None = None,
) -> Iterator[Diagnostic]:
    """Every difference between ``roster`` and the official table, as warnings."""
    service_epci = table.epci_named(epci) if epci else None

    def warning(path: tuple[str | int, ...], code: str, message: Message) -> Diagnostic:
        return replace(doc.diagnostic(path, code, message), severity=Severity.WARNING)

    for index, member in enumerate(roster.members):
        here = ("members", index)
        if not is_insee_code(member.id):  # a SIREN, an RNA number: not a commune's code
            continue
        commune = table.commune(member.id)
        if commune is None:
            former = table.former_commune(member.id)
            if former is None:
                yield warning(
                    (*here, "id"),
                    "unknown-commune",
                    msg(
                        "{member} is not the INSEE code of a commune of the official table",
                        member=member.id,
                    ),
                )
                continue
            current = table.commune(former.current)
            merged_into = (
                msg("{code} {name}", code=former.current, name=current.name)
                if current
                else former.current
            )
            yield warning(
                (*here, "id"),
                "former-commune",
                msg(
                    "{member} {name} is no longer a commune: it is part of {current}; write "
                    "the current code and name",
                    member=member.id,
                    name=former.name or member.name,
                    current=merged_into,
                ),
            )
            continue
        if name_key(member.name) != name_key(commune.name):
            yield warning(
                (*here, "name"),
                "commune-name",
                msg(
                    "'{name}' is not the official name of {member}: '{official}'",
                    name=member.name,
                    member=member.id,
                    official=commune.name,
                ),
            )
        if member.siren is not None and commune.siren and member.siren != commune.siren:
            yield warning(
                (*here, "siren"),
                "commune-siren",
                msg(
                    "SIREN {siren} is not that of {member} {name}: {official}",
                    siren=member.siren,
                    member=member.id,
                    name=commune.name,
                    official=commune.siren,
                ),
            )
        if service_epci is not None and commune.epci != service_epci.siren:
            elsewhere = table.epci_named(commune.epci)
            belongs = (
                msg("it belongs to {epci} ({siren})", epci=elsewhere.name, siren=elsewhere.siren)
                if elsewhere
                else msg("it belongs to no EPCI")
            )
            yield warning(
                (*here, "id"),
                "outside-epci",
                msg(
                    "{member} {name} is not a commune of the service's EPCI {epci} ({siren}): "
                    "{belongs}",
                    member=member.id,
                    name=commune.name,
                    epci=service_epci.name,
                    siren=service_epci.siren,
                    belongs=belongs,
                ),
            )
        figures: list[tuple[tuple[str | int, ...], str, int, int]] = [
            ((*here, "population", year), _kind_of(roster, tariffs, year), year, value)
            for year, value in member.population.items()
        ]
        figures += [
            ((*here, "populations", str(kind), year), str(kind), year, value)
            for kind, by_year in member.populations.items()
            for year, value in by_year.items()
        ]
        for path, kind, year, value in figures:
            if kind not in KINDS:
                continue
            official = table.population(member.id, kind, year)
            if official is not None and official.value != value:
                yield warning(
                    path,
                    "population-official",
                    msg(
                        "the population {kind} of {member} {name} in force in {year:year} is "
                        "{official:count} (millésime {millesime:year}, {source}), not "
                        "{population:count}",
                        kind=kind,
                        member=member.id,
                        name=commune.name,
                        year=year,
                        official=official.value,
                        millesime=official.millesime,
                        source=official.source,
                        population=value,
                    ),
                )


def _kind_of(roster: Roster, tariffs: Sequence[Tariff], year: int) -> str:
    """The kind of a roster member's ``population`` figure of ``year``."""
    covering = [t for t in tariffs if t.covers(year)] or list(tariffs)
    tariff = max(covering, key=lambda t: t.valid_from, default=None)
    kind = tariff.population.kind if tariff is not None and tariff.population else "totale"
    return roster_kind(roster, str(kind))
