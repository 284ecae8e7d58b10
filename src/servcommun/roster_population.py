"""What a roster says of its populations: their kind, millésimes and source.

A roster's ``population: {2026: 7100}`` figures are of the kind its tariff bills on
(``population.kind``), unless the roster's ``population.kind`` names another; a member's
``populations`` holds figures of other kinds (``{municipale: {2026: 6950}}``), so that one
roster serves tariffs of different kinds. ``resolve_population_kind`` gives a roster's
members the figures of the tariff's kind.
"""

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from servcommun.message import msg
from servcommun.tariff import PopulationKind
from servcommun.terms import Frozen, Year

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.reader import Document
    from servcommun.roster import Roster
    from servcommun.tariff import Tariff

Siren = Annotated[
    str,
    Field(pattern=r"^\d{9}$", description="SIREN number of the commune (9 digits), as text"),
]


class RosterPopulation(Frozen):
    """The kind of the members' ``population`` figures (absent: the tariff's), their
    millésime by year in force, and where they were read."""

    kind: PopulationKind | None = None
    millesimes: dict[Year, Year] = Field(
        default_factory=dict, description="census millésime of each year's figures"
    )
    source: str = ""


def roster_kind(roster: "Roster", tariff_kind: str) -> str:
    """The kind of ``roster``'s ``population`` figures."""
    if roster.population is not None and roster.population.kind is not None:
        return str(roster.population.kind)
    return tariff_kind


def resolve_population_kind(roster: "Roster", tariff_kind: str) -> "Roster":
    """``roster`` with each member's ``population`` of the tariff's kind: the figures of
    its ``populations`` of that kind complete (and, for a same year, replace) those of
    ``population`` when these are of the tariff's kind, and replace them otherwise."""
    same = roster_kind(roster, tariff_kind) == tariff_kind
    if same and not any(member.populations for member in roster.members):
        return roster  # every roster written before kinds were told apart
    members = []
    for member in roster.members:
        figures = dict(member.populations.get(PopulationKind(tariff_kind), {}))
        if same:
            figures = {**member.population, **figures}
        members.append(
            member.model_copy(update={"population": figures})
            if figures != member.population
            else member
        )
    return roster.model_copy(update={"members": tuple(members)})


def kind_problems(doc: "Document", roster: "Roster", tariff: "Tariff") -> "list[Diagnostic]":
    """A member with no figure of the tariff's kind for a year of the tariff that it gives
    a figure of another kind for: the roster's figures are not those the tariff bills on."""
    wanted = str(tariff.population.kind) if tariff.population else None
    if wanted is None or roster_kind(roster, wanted) == wanted:
        return []
    problems = []
    for index, member in enumerate(roster.members):
        of_kind = member.populations.get(PopulationKind(wanted), {})
        for year in sorted(member.population):
            if tariff.covers(year) and year not in of_kind:
                where = f"populations: {{{wanted}: {{{year}: …}}}}"
                problems.append(
                    doc.diagnostic(
                        ("members", index, "population", year),
                        "population-kind",
                        msg(
                            "the tariff bills on the population {wanted}; this figure is the "
                            "population {kind} (the roster's population kind): give the "
                            "member's {wanted} of {year:year} in '{where}'",
                            wanted=wanted,
                            kind=roster_kind(roster, wanted),
                            year=year,
                            where=where,
                        ),
                    )
                )
    return problems
