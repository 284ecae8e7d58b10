"""Threshold effects: members near a population bracket boundary and what crossing it
would change for them, computed by billing them on each side (art. 7.1, 7.2.1, 7.2.2)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from conftest import member, run
from servcommun.engine.thresholds import Direction, boundaries, near_boundaries, offer_curve
from servcommun.tariff import Tariff

D = Decimal
SOCLE, AUDIT, GROUP = "socle-complet", "audit", "groupement-achats"


def test_the_boundaries_of_the_redon_grid(redon: Tariff) -> None:
    found = {b.first: b.codes for b in boundaries(redon.offers)}
    assert sorted(found) == [1500, 3000, 8001]
    assert "socle-complet.review" in found[8001]  # art. 7.1 (*): negotiated above 8000
    assert "groupement-achats.fixed" in found[8001]  # plus de 8000: 3 500 €
    assert {"socle-complet.fixed", "audit.price", "groupement-achats.fixed"} <= set(found[3000])


@pytest.mark.parametrize(
    ("population", "offer", "first", "direction", "below", "above"),
    [
        (1499, SOCLE, 1500, Direction.UP, "3748.50", "4250.00"),
        (1500, SOCLE, 1500, Direction.DOWN, "3748.50", "4250.00"),
        (2999, SOCLE, 3000, Direction.UP, "6498.50", "7000.00"),  # the example
        (3000, SOCLE, 3000, Direction.DOWN, "6498.50", "7000.00"),
        (8000, GROUP, 8001, Direction.UP, "4000.00", "5500.25"),  # 2 000 + 2 000 → 3 500 + 2 000,25
        (8001, GROUP, 8001, Direction.DOWN, "4000.00", "5500.25"),
        (1499, AUDIT, 1500, Direction.UP, "990.00", "3500.00"),
        (2999, GROUP, 3000, Direction.UP, "1999.75", "2750.00"),
    ],
)
def test_member_one_inhabitant_from_each_boundary(
    redon: Tariff,
    population: int,
    offer: str,
    first: int,
    direction: Direction,
    below: str,
    above: str,
) -> None:
    start = "2026-03-01"
    near = near_boundaries(redon, [member(population, (offer, start))], 2026, within=1)
    [item] = [n for n in near if n.boundary.first == first]
    assert (item.direction, item.distance) == (direction, 1)
    assert (item.below, item.above) == (D(below), D(above))
    assert item.amount_now == (D(below) if direction is Direction.UP else D(above))


def test_socle_at_8000_would_need_review_above(redon: Tariff) -> None:
    [item] = near_boundaries(redon, [member(8000, (SOCLE, "2024-01-01"))], 2026, within=1)
    assert item.boundary.first == 8001
    assert (item.below, item.above) == (D("14500.00"), None)
    assert item.boundary.codes == ("socle-complet.review",)


def test_within_is_a_distance_in_inhabitants(redon: Tariff) -> None:
    commune = [member(2950, (SOCLE, "2024-01-01"))]
    assert near_boundaries(redon, commune, 2026, within=49) == ()
    [item] = near_boundaries(redon, commune, 2026, within=50)
    assert (item.distance, item.amount_now) == (50, D("6425.00"))
    assert item.change == D("501.50")


def test_included_offer_boundaries_do_not_count(redon: Tariff) -> None:
    # the purchasing group is included in the socle: its 3000 boundary is the socle's,
    # and a member far from every boundary is not listed
    commune = [member(3000, (SOCLE, "2024-01-01"), (GROUP, "2024-01-01"))]
    [item] = near_boundaries(redon, commune, 2026, within=1)
    assert item.boundary.codes == ("socle-complet.fixed",)
    assert near_boundaries(redon, [member(2355, (SOCLE, "2024-01-01"))], 2026, 100) == ()


def test_members_not_active_are_left_out(redon: Tariff) -> None:
    assert near_boundaries(redon, [member(2999, (SOCLE, "2028-01-01"))], 2026, 10) == ()


def test_offer_curve_is_billed_by_the_engine(redon: Tariff) -> None:
    segments = offer_curve(redon, SOCLE, 2026, 10000)
    assert [(s.population_from, s.population_to) for s in segments] == [
        (1, 1499),
        (1500, 2999),
        (3000, 8000),
        (8001, 10000),
    ]
    assert (segments[1].amount_from, segments[1].amount_to) == (D("4250.00"), D("6498.50"))
    assert segments[3].review


def test_thresholds_command_on_the_example_roster() -> None:
    result = run("thresholds", "--year", "2026", "--within", "150", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["year"], data["within"]) == (2026, 150)
    rieux = next(m for m in data["members"] if m["member"]["id"] == "56194")  # 2 917 inhabitants
    assert (rieux["boundary"], rieux["direction"], rieux["distance"]) == (3000, "up", 83)
    assert (rieux["below"], rieux["above"], rieux["change"]) == ("6498.50", "7000.00", "501.50")
    table = run("thresholds", "--year", "2026", "--within", "150")
    assert table.returncode == 0 and "Rieux" in table.stdout


def test_thresholds_on_a_cost_sharing_service_says_why_not() -> None:
    result = run("thresholds", "--year", "2026", "--service", "rouen")
    assert result.returncode == 1
    assert "contribution-grid" in result.stderr and "Traceback" not in result.stderr
