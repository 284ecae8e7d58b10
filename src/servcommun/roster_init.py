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

from servcommun.communes import BUNDLED_SOURCE, IN_FORCE_DELAY, Commune, Epci, OfficialTable
from servcommun.message import Message, msg, msg_n


class RosterInitError(Exception):
    """A wrong option: ``option``, a diagnostic ``code`` and what is wrong (``said``, a
    ``Message``; ``message``, it said in the language in use)."""

    def __init__(self, option: str, code: str, said: Message) -> None:
        super().__init__(said.text)
        self.option, self.code, self.said = option, code, said

    @property
    def message(self) -> str:
        from servcommun.render.words import say

        return say(self.said)


SHOWN = 5  # EPCI named when a name matches several


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
                "--epci",
                "unknown-epci",
                msg("no EPCI à fiscalité propre named or numbered '{epci}'", epci=epci),
            )
        if len(matches) > 1:
            shown = "; ".join(f"{e.name} ({e.siren})" for e in matches[:SHOWN])
            raise RosterInitError(
                "--epci",
                "ambiguous-epci",
                msg_n(
                    "'{epci}' matches {count:count} EPCI: {shown} and {more:count} more; give "
                    "its SIREN",
                    "'{epci}' matches {count:count} EPCI: {shown} and {more:count} more; give "
                    "its SIREN",
                    n="more",
                    epci=epci,
                    count=len(matches),
                    shown=shown,
                    more=len(matches) - SHOWN,
                )
                if len(matches) > SHOWN
                else msg(
                    "'{epci}' matches {count:count} EPCI: {shown}; give its SIREN",
                    epci=epci,
                    count=len(matches),
                    shown=shown,
                ),
            )
        found = matches[0]
    chosen = {c.code: c for c in table.members_of(found)} if found else {}
    for code in communes:
        commune = table.commune(code)
        if commune is None:
            former = table.former_commune(code)
            raise RosterInitError(
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
        chosen[code] = commune
    if not chosen:
        raise RosterInitError(
            "--epci",
            "no-member",
            msg("give {epci} or {commune}", epci="--epci", commune="--commune"),
        )
    held = table.years(kind)
    if not held:
        raise RosterInitError(
            "--kind",
            "no-official-population",
            msg("the official table has no population {kind}", kind=kind),
        )
    wanted = list(years) or held
    for year in wanted:
        if not table.covers(kind, year):
            raise RosterInitError(
                "--year",
                "no-official-population",
                msg(
                    "the official table has no population {kind} in force in {year:year} (it "
                    "has {held}): import INSEE's file of millésime {millesime:year} with "
                    "{command}",
                    kind=kind,
                    year=year,
                    held=_years(held),
                    millesime=year - IN_FORCE_DELAY,
                    command="`servcommun population import`",
                ),
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
                msg(
                    "{code} {name}: the official table has no population {kind} for {years}",
                    code=code,
                    name=chosen[code].name,
                    kind=kind,
                    years=_years(wanted),
                ),
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
    """The roster in YAML, with what its figures are in comments (in the language in use)
    and in ``population``."""
    from servcommun.render.words import say

    source = _source(roster)
    said = say(_header(roster, source))
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


def _header(roster: InitialRoster, source: str) -> Message:
    """The comment a new roster opens with: whose communes, and what their figures are."""
    years = tuple(
        msg("{year:year} millésime {millesime:year}", year=year, millesime=millesime)
        for year, millesime in roster.millesimes.items()
    )
    values = {
        "count": len(roster.members),
        "kind": roster.kind,
        "years": years,
        "source": source,
        "command": "`servcommun roster init`",
    }
    if roster.epci is not None:
        return msg_n(
            "Roster of the {count:count} commune of {epci} (SIREN {siren}), written by "
            "{command} from the official table: population {kind} in force on 1 January of "
            "each year ({years}), {source}. No subscription yet: add each member's "
            "subscriptions, audits and engineering days.",
            "Roster of the {count:count} communes of {epci} (SIREN {siren}), written by "
            "{command} from the official table: population {kind} in force on 1 January of "
            "each year ({years}), {source}. No subscription yet: add each member's "
            "subscriptions, audits and engineering days.",
            n="count",
            epci=roster.epci.name,
            siren=roster.epci.siren,
            **values,
        )
    return msg_n(
        "Roster of the {count:count} commune named, written by {command} from the official "
        "table: population {kind} in force on 1 January of each year ({years}), {source}. No "
        "subscription yet: add each member's subscriptions, audits and engineering days.",
        "Roster of the {count:count} communes named, written by {command} from the official "
        "table: population {kind} in force on 1 January of each year ({years}), {source}. No "
        "subscription yet: add each member's subscriptions, audits and engineering days.",
        n="count",
        **values,
    )


def _years(years: Sequence[int]) -> tuple[Message, ...]:
    """Years said one after another (``2024, 2025``)."""
    return tuple(msg("{year:year}", year=year) for year in years)


def _source(roster: InitialRoster) -> str:
    bundled = f"{BUNDLED_SOURCE} (Licence Ouverte)"
    return "; ".join(bundled if s == BUNDLED_SOURCE else s for s in roster.sources)
