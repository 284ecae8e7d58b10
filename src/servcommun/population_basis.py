"""Which population a year's bill was computed on: the kind the tariff bills on and,
when the roster says so, the millésime and source of its figures.

Kept with the bill in the cache (``servcommun.billing``): this module imports nothing but
``message``, so that a bill served from the cache still says it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from servcommun.message import Message, msg

if TYPE_CHECKING:
    from servcommun.roster import Roster
    from servcommun.tariff import Tariff


@dataclass(frozen=True)
class PopulationBasis:
    kind: str  # totale, municipale, dgf
    year: int  # the year in force: the population on 1 January of the billed year
    millesime: int | None = None  # when the roster states it
    source: str = ""

    def sentence(self) -> Message:
        """What the figures are, as a statement says it: « population totale in force on
        1 January 2026, millésime 2023 »."""
        if self.millesime is None:
            return msg(
                "population {kind} in force on 1 January {year:year}",
                kind=self.kind,
                year=self.year,
            )
        return msg(
            "population {kind} in force on 1 January {year:year}, millésime {millesime:year}",
            kind=self.kind,
            year=self.year,
            millesime=self.millesime,
        )

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "in_force": self.year}
        if self.millesime is not None:
            data["millesime"] = self.millesime
        if self.source:
            data["source"] = self.source
        return data


def basis_of(tariff: Tariff, roster: Roster | None, year: int) -> PopulationBasis | None:
    """The population basis of ``year``'s bill, or None for a tariff that uses none."""
    if tariff.population is None:
        return None
    said = roster.population if roster is not None else None
    return PopulationBasis(
        kind=str(tariff.population.kind),
        year=year,
        millesime=said.millesimes.get(year) if said is not None else None,
        source=said.source if said is not None else "",
    )


def with_population(data: dict[str, Any], basis: PopulationBasis | None) -> dict[str, Any]:
    """A bill's JSON with its population basis (extra keys): ``population`` at the top,
    and ``population_kind`` (and ``population_millesime``) on each statement's member."""
    if basis is None:
        return data
    data["population"] = basis.as_json()
    # each statement as it comes: a bill's JSON makes them one at a time (render.json)
    data["statements"] = (_with_kind(statement, basis) for statement in data["statements"])
    return data


def _with_kind(statement: dict[str, Any], basis: PopulationBasis) -> dict[str, Any]:
    member = statement["member"]
    if member.get("population") is not None:
        member["population_kind"] = basis.kind
        if basis.millesime is not None:
            member["population_millesime"] = basis.millesime
    return statement
