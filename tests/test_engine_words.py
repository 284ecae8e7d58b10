"""What the engine says, in English (the language of the message ids): a count of one in
the singular, years as written, amounts and percentages formatted for the language, one
template for each sentence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import member
from servcommun.engine.bill import bill_member, bill_members
from servcommun.engine.context import ServiceData
from servcommun.engine.keys import KeyDerivationError, derive_share
from servcommun.engine.result import NeedsReview, Statement
from servcommun.engine.simulate import ScenarioError, simulate
from servcommun.render.words import say
from servcommun.roster import Member, Override, Subscription
from servcommun.rules._indexation import rounded
from servcommun.tariff import Tariff
from servcommun.terms import Places, RoundingMode
from test_simulate import scenario
from test_tariff_shapes import INDEXED, commune, grid, statement

D = Decimal

PER_INHABITANT = """\
offers:
  - id: contribution
    label: Contribution
    billing: annual
    titled: next-january
    article: art. 5
    parts:
      - code: variable
        label: Par habitant
        article: art. 5
        rule: per-inhabitant
        rate: "1.50"
"""


def test_one_inhabitant_is_said_in_the_singular() -> None:
    tariff = grid(PER_INHABITANT)
    one = statement(tariff, commune(("contribution", "2025-01-01"), population=1))
    many = statement(tariff, commune(("contribution", "2025-01-01"), population=2163))
    assert say(one.lines[0].basis) == "1 inhabitant × €1.50"
    assert say(many.lines[0].basis) == "2,163 inhabitants × €1.50"


@pytest.mark.parametrize(
    ("mode", "places", "said"),
    [
        (RoundingMode.HALF_UP, 1, "rounded half up to 1 decimal"),
        (RoundingMode.HALF_UP, 4, "rounded half up to 4 decimals"),
        (RoundingMode.DOWN, 1, "truncated to 1 decimal"),
        (RoundingMode.UP, 2, "rounded up to 2 decimals"),
    ],
)
def test_a_rounding_says_its_decimals(mode: RoundingMode, places: int, said: str) -> None:
    assert say(rounded(Places(places=places, mode=mode))) == said


def test_the_deliberations_a_bill_rests_on_are_said_with_their_date() -> None:
    tariff = grid(PER_INHABITANT)
    bill = bill_members(tariff, [commune(("contribution", "2025-01-01"))], 2026)
    assert [say(source) for source in bill.sources] == ["Conseil, 1 of 01/12/2024"]


def test_both_missing_index_years_are_named() -> None:
    tariff = grid(INDEXED.format(year="billed", applies_to="coefficient"))
    newcomer = Member(
        id="35901",
        name="Commune",
        population={2027: 1000},
        subscriptions=(Subscription(offer="contribution", start=dt.date(2025, 1, 1)),),
    )
    # neither the reference year (2023) nor the billed year (2027) has a value
    data = ServiceData(indices={"ipc": {2026: D("117.55")}})
    outcome = bill_member(tariff, newcomer, 2027, data)
    assert isinstance(outcome, NeedsReview)
    assert say(outcome.reason) == (
        "Contribution: the index 'ipc' has no value for 2023 and 2027 (art. 5)"
    )


def test_a_negotiated_line_says_so_in_its_basis(redon: Tariff) -> None:
    override = Override(
        offer="socle-complet", amount=D("12000.00"), reference="Délibération CC_2026_04"
    )
    outcome = bill_member(
        redon, member(9312, ("socle-complet", "2026-01-01"), overrides=(override,)), 2026
    )
    assert isinstance(outcome, Statement)
    assert outcome.lines[0].label == "Socle complet"  # the tariff's own words
    assert say(outcome.lines[0].basis) == "negotiated amount, override: Délibération CC_2026_04"


def test_a_credit_window_of_one_month_is_said_in_the_singular(redon: Tariff) -> None:
    tariff = redon.model_copy(
        update={
            "offers": tuple(
                offer.model_copy(
                    update={
                        "parts": tuple(
                            part.model_copy(update={"within_months": 1})
                            if part.rule == "credit"
                            else part
                            for part in offer.parts
                        )
                    }
                )
                for offer in redon.offers
            )
        }
    )
    outcome = bill_member(
        tariff,
        member(2355, ("audit", "2026-02-10"), ("socle-complet", "2026-03-01")),
        2026,
    )
    assert isinstance(outcome, Statement)
    credit = next(line for line in outcome.lines if line.code == "socle-complet.audit-credit")
    assert say(credit.basis) == "Audit delivered 10/02/2026, joined 01/03/2026 (within 1 month)"


def test_a_derived_key_never_exceeds_a_hundred_percent() -> None:
    key = {"metropole": D("53.32"), "ville": D("46.68")}
    with pytest.raises(KeyDerivationError) as raised:
        derive_share(key, party="ccas", target=D("2000000"), base=D("1000000"), take_from="ville")
    assert say(raised.value.message) == (
        "€2,000,000.00 is 200% of €1,000,000.00: the key would exceed 100%"
    )


def test_unknown_offers_are_said_in_the_plural(redon: Tariff) -> None:
    with pytest.raises(ScenarioError) as raised:
        simulate(redon, [], scenario("socle", "groupe"))
    assert say(raised.value.message).startswith("unknown offers socle, groupe (offers: ")
    with pytest.raises(ScenarioError) as raised:
        simulate(redon, [], scenario("socle"))
    assert say(raised.value.message).startswith("unknown offer socle (offers: ")


def test_a_simulation_outside_its_years_says_them_as_years(redon: Tariff) -> None:
    sim = simulate(
        redon, [], scenario("socle-complet", join="2029-03-01", from_year=2026, to_year=2027)
    )
    assert "joined on 01/03/2029, outside the years shown (2026–2027)" in [
        say(note) for note in sim.notes
    ]


def test_a_newcomer_without_a_name_is_named_in_the_language_in_use(redon: Tariff) -> None:
    from servcommun.language import speaking
    from servcommun.render.newcomer import newcomer_named

    sim = simulate(redon, [], scenario("socle-complet", to_year=2026))
    assert sim.unnamed  # the engine says no name: the renderers do
    assert newcomer_named(sim).member.name == "New commune"
    with speaking("fr"):
        assert newcomer_named(sim).member.name == "Nouvelle commune"
    named = simulate(redon, [], scenario("socle-complet", to_year=2026, name="Bains-sur-Oust"))
    assert not named.unnamed and newcomer_named(named).member.name == "Bains-sur-Oust"
