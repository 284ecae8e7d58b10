"""The name of a simulated newcomer given none, in the language in use: the simulation's
table, JSON and picture say it (the engine leaves it unnamed)."""

from __future__ import annotations

from dataclasses import replace

from servcommun import language
from servcommun.engine.simulate import Simulation
from servcommun.language import N_

NEW_COMMUNE = N_("New commune")
"""The name of a new commune simulated without a name."""
NEW_PARTY = N_("New party")
"""The name of a new party simulated without a name (its id stays ``nouvelle-partie``)."""


def newcomer_named(sim: Simulation) -> Simulation:
    """``sim`` with its newcomer named wherever the simulation names it: one given no name
    (the engine leaves it ``unnamed``) is the new commune or the new party, in the
    language in use (« Nouvelle commune », « Nouvelle partie »)."""
    if not sim.unnamed:
        return sim
    name = language._(NEW_PARTY if sim.key is not None else NEW_COMMUNE)
    parties = tuple(  # cost sharing: the newcomer is the party of the member's id
        replace(party, name=name) if party.id == sim.member.id else party
        for party in sim.impact.parties
    )
    return replace(
        sim,
        member=replace(sim.member, name=name),
        # the boundaries near the newcomer's population: all of them are its
        near=tuple(replace(near, member=replace(near.member, name=name)) for near in sim.near),
        impact=replace(sim.impact, parties=parties),
    )
