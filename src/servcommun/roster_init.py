"""A new roster from the official table: an EPCI's communes (and others named), their
SIREN and their legal populations of one kind for the years the table holds.

``initial_roster`` chooses and ``roster_yaml``/``roster_csv`` write; nothing here reads
files but the table (``servcommun.communes``).
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from servcommun.communes import BUNDLED_SOURCE, Commune, Epci, OfficialTable


class RosterInitError(Exception):
    """A wrong option: ``option``, a diagnostic ``code`` and the ``message``."""

    def __init__(self, option: str, code: str, message: str) -> None:
        super().__init__(message)
        self.option, self.code, self.message = option, code, message


@dataclass(frozen=True)
class InitialMember:
    commune: Commune
    population: dict[int, int]  # year in force -> figure


@dataclass(frozen=True)
class InitialRoster:
    service: str
    kind: str
    epci: Epci | None
    members: tuple[InitialMember, ...]
    millesimes: dict[int, int]  # year in force -> millésime
    sources: tuple[str, ...]


def initial_roster(
    table: OfficialTable,
    *,
    service: str,
    kind: str,
    epci: str | None,
    communes: Sequence[str] = (),
    years: Sequence[int] = (),
) -> InitialRoster:
    """The communes of ``epci`` (SIREN or name) and ``communes`` (INSEE codes), with their
    population of ``kind`` for ``years`` (none: every year the table holds it for)."""
    found: Epci | None = None
    if epci is not None:
        matches = table.find_epci(epci)
        if not matches:
            raise RosterInitError(
                "--epci", "unknown-epci", f"no EPCI à fiscalité propre named or numbered '{epci}'"
            )
        if len(matches) > 1:
            shown = "; ".join(f"{e.name} ({e.siren})" for e in matches[:5])
            more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
            raise RosterInitError(
                "--epci",
                "ambiguous-epci",
                f"'{epci}' matches {len(matches)} EPCI: {shown}{more}; give its SIREN",
            )
        found = matches[0]
    chosen = {c.code: c for c in table.members_of(found)} if found else {}
    for code in communes:
        commune = table.commune(code)
        if commune is None:
            former = table.former_commune(code)
            hint = f": it is now part of {former.current}" if former else ""
            raise RosterInitError(
                "--commune", "unknown-commune", f"'{code}' is not the INSEE code of a commune{hint}"
            )
        chosen[code] = commune
    if not chosen:
        raise RosterInitError("--epci", "no-member", "give --epci or --commune")
    held = table.years(kind)
    if not held:
        raise RosterInitError(
            "--kind", "no-official-population", f"the official table has no population {kind}"
        )
    wanted = list(years) or held
    for year in wanted:
        if not table.covers(kind, year):
            raise RosterInitError(
                "--year",
                "no-official-population",
                f"the official table has no population {kind} in force in {year} (it has "
                f"{', '.join(map(str, held))}): import INSEE's file of millésime {year - 3} "
                "with `servcommun population import`",
            )
    members = []
    millesimes: dict[int, int] = {}
    sources: dict[str, None] = {}
    for code in sorted(chosen):
        figures = {}
        for year in wanted:
            official = table.population(code, kind, year)
            if official is not None:
                figures[year] = official.value
                millesimes[year] = official.millesime
                sources[official.source] = None
        if not figures:
            raise RosterInitError(
                "--commune",
                "no-official-population",
                f"{code} {chosen[code].name}: the official table has no population {kind} "
                f"for {', '.join(map(str, wanted))}",
            )
        members.append(InitialMember(chosen[code], figures))
    return InitialRoster(
        service, kind, found, tuple(members), dict(sorted(millesimes.items())), tuple(sources)
    )


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _flow(mapping: dict[int, int]) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in mapping.items()) + "}"


def roster_yaml(roster: InitialRoster) -> str:
    """The roster in YAML, with what its figures are in comments and in ``population``."""
    years = ", ".join(f"{year} millésime {m}" for year, m in roster.millesimes.items())
    source = _source(roster)
    where = f"of {roster.epci.name} (SIREN {roster.epci.siren})" if roster.epci else "named"
    said = (
        f"Roster of the {_communes(len(roster.members))} {where}, written by `servcommun roster "
        f"init` from the official table: population {roster.kind} in force on 1 January of "
        f"each year ({years}), {source}. No subscription yet: add each member's "
        "subscriptions, audits and engineering days."
    )
    lines = [
        *(f"# {line}" for line in textwrap.wrap(said, 86, break_on_hyphens=False)),
        f"service: {roster.service}",
        "population:",
        f"  kind: {roster.kind}",
        f"  millesimes: {_flow(roster.millesimes)}",
        f"  source: {_quoted(source)}",
        "members:",
    ]
    for member in roster.members:
        commune = member.commune
        lines += [f'  - id: "{commune.code}"', f"    name: {_quoted(commune.name)}"]
        if commune.siren:
            lines.append(f'    siren: "{commune.siren}"')
        lines.append(f"    population: {_flow(member.population)}")
    return "\n".join(lines) + "\n"


def roster_csv(roster: InitialRoster) -> str:
    """The roster in CSV (comma separated): ``id``, ``name``, ``siren``,
    ``population_<year>``. A CSV roster has no room for the kind and source: the YAML one
    keeps them."""
    years = list(roster.millesimes)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["id", "name", "siren", *(f"population_{year}" for year in years)])
    for member in roster.members:
        commune = member.commune
        writer.writerow(
            [
                commune.code,
                commune.name,
                commune.siren,
                *(member.population.get(year, "") for year in years),
            ]
        )
    return text.getvalue()


def _communes(count: int) -> str:
    return f"{count} commune" if count == 1 else f"{count} communes"


def _source(roster: InitialRoster) -> str:
    bundled = f"{BUNDLED_SOURCE} (Licence Ouverte)"
    return "; ".join(bundled if s == BUNDLED_SOURCE else s for s in roster.sources)
