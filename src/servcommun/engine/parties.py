"""The parties a convention names, as the members its tariff bills.

A tariff that lists its ``parties`` (Rouen: the Métropole, the Ville, the CCAS) has no
roster: each party is a member holding every annual offer of the tariff while it is in
force, without population (its rules need none). ``bill_parties`` bills a year's budget
to them with the same engine as any roster.
"""

from __future__ import annotations

from servcommun.budget import Budget
from servcommun.engine.bill import bill_members, budget_data
from servcommun.engine.result import Bill
from servcommun.roster import Member, Roster, Subscription
from servcommun.tariff import Tariff
from servcommun.terms import Billing


def party_members(tariff: Tariff) -> tuple[Member, ...]:
    """Each party of ``tariff`` as a member subscribed to its annual offers from the
    tariff's first day to its last (open when it has none), in the tariff's order."""
    subscriptions = tuple(
        Subscription(offer=offer.id, start=tariff.valid_from, end=tariff.valid_until)
        for offer in tariff.offers
        if offer.billing is Billing.ANNUAL
    )
    # built without the roster's validation: that is for communes (an INSEE code or a
    # SIREN, a population by year), and a party has a slug for id and no population
    return tuple(
        Member.model_construct(
            id=party.id, name=party.name, population={}, subscriptions=subscriptions
        )
        for party in tariff.parties
    )


def party_roster(tariff: Tariff) -> Roster:
    """The roster a tariff's parties stand for."""
    return Roster.model_construct(service=tariff.service, members=party_members(tariff))


def bill_parties(tariff: Tariff, budget: Budget) -> Bill:
    """``budget``'s year billed to the parties of ``tariff``: its lines shared by the
    tariff's keys, one statement per party, the carrier's own share not billed."""
    return bill_members(tariff, party_members(tariff), budget.year, budget_data(budget))
