"""A unit price that is a coefficient on the member's own declared figure: hours billed at
the commune's declared hourly cost × 1.10 (``unit-price`` entries of the form ``{figure,
coefficient}``): the amount rounded once per line, fractions read exactly, weights, the
year read, a member lacking its figure, the checks of the tariff, the shipped example."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from conftest import ROOT, run
from servcommun.diagnostics import InputError
from servcommun.engine.bill import bill_member
from servcommun.engine.result import NeedsReview, Statement
from servcommun.loader import load_tariff
from servcommun.render.words import say
from servcommun.roster import Member, Subscription
from servcommun.tariff import Tariff
from servcommun.terms import Act, ContractedVolume

HOURS = ROOT / "tariffs" / "examples" / "heures-cout-propre.yaml"


def _tariff(path: Path = HOURS) -> Tariff:
    tariff = load_tariff(path)
    assert isinstance(tariff, Tariff)
    return tariff


def _member(
    figures: dict[int, str],
    acts: list[tuple[str, str]] = (),  # type: ignore[assignment]
    *,
    unit: str = "heure-agent",
    volumes: tuple[ContractedVolume, ...] = (),
) -> Member:
    return Member(
        id="35001",
        name="Commune exemple",
        figures={"cout_horaire": {year: Decimal(value) for year, value in figures.items()}},
        subscriptions=(Subscription(offer="heures", start=dt.date(2026, 1, 1), volumes=volumes),),
        consumption=tuple(
            Act(unit=unit, date=dt.date.fromisoformat(day), quantity=quantity)
            for day, quantity in acts
        ),
    )


def _variant(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    """The example tariff with each ``old`` written ``new``, without its worked examples."""
    text = HOURS.read_text(encoding="utf-8").split("\nexamples:")[0] + "\n"
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "heures.yaml"
    path.write_text(text.replace("../../schema/", ""), encoding="utf-8")
    return path


def _amounts(billed: Statement | NeedsReview | None) -> list[tuple[str, Decimal]]:
    assert isinstance(billed, Statement)
    return [(line.code, line.amount) for line in billed.lines]


def test_hours_at_the_declared_hourly_cost_times_the_coefficient() -> None:
    member = _member({2026: "31.50"}, [("2026-03-02", "7"), ("2026-03-09", "5")])
    billed = bill_member(_tariff(), member, 2026)
    # 7 + 5 = 12 h; 31,50 × 1,10 = 34,65 an hour; 12 × 34,65 = 415,80
    assert _amounts(billed) == [("heures.heures", Decimal("415.80"))]
    assert isinstance(billed, Statement)
    assert say(billed.lines[0].basis) == (
        "12 × Heures (02/03/2026–09/03/2026) × 1.10 × coût horaire 2026 (declared: €31.50) "
        "(price from 01/01/2026, EXEMPLE-2025-52)"
    )


def test_the_amount_is_rounded_once_on_the_line_not_the_hourly_price() -> None:
    billed = bill_member(_tariff(), _member({2026: "28.37"}, [("2026-04-06", "12")]), 2026)
    # 28,37 × 1,10 = 31,207 an hour, kept exact: 12 × 31,207 = 374,484 → 374,48
    # (an hourly price rounded first, 31,21, would make 374,52)
    assert _amounts(billed) == [("heures.heures", Decimal("374.48"))]


def test_fractions_of_an_hour_are_read_exactly_and_rounded_half_up() -> None:
    thirds = _member({2026: "28.37"}, [("2026-05-04", "7/3"), ("2026-05-11", "1/3")])
    # 7/3 + 1/3 = 8/3 h; 8/3 × 31,207 = 249,656 / 3 = 83,218 666… → 83,22
    assert _amounts(bill_member(_tariff(), thirds, 2026)) == [("heures.heures", Decimal("83.22"))]
    half = _member({2026: "30.45"}, [("2026-06-01", "1")])
    # 30,45 × 1,10 = 33,495 → 33,50 (half-up)
    assert _amounts(bill_member(_tariff(), half, 2026)) == [("heures.heures", Decimal("33.50"))]


def test_a_member_lacking_its_hourly_cost_for_the_year_needs_review() -> None:
    # a cost of 2025 does not stand for 2026's: never billed 0
    missing = bill_member(_tariff(), _member({2025: "29.80"}, [("2026-03-02", "4")]), 2026)
    assert isinstance(missing, NeedsReview)
    assert say(missing.reason) == (
        "Heures d'agents du service commun: the roster gives no coût horaire "
        "('cout_horaire') for 2026"
    )
    assert not missing.missing_data  # the roster's own figure: check of the roster warns
    # the figure is asked for the year the offer is held, hours or not (said before the
    # consumption file arrives)
    assert isinstance(bill_member(_tariff(), _member({2025: "29.80"}), 2026), NeedsReview)


def test_the_figure_of_the_year_before_when_the_tariff_says_so(tmp_path: Path) -> None:
    tariff = _tariff(_variant(tmp_path, ("year: billed}", "year: previous}")))
    member = _member({2025: "31.50"}, [("2026-03-02", "12")])
    billed = bill_member(tariff, member, 2026)
    # 2026 reads the hourly cost of 2025: 12 × 31,50 × 1,10 = 415,80
    assert _amounts(billed) == [("heures.heures", Decimal("415.80"))]
    assert isinstance(billed, Statement)
    assert "1.10 × coût horaire 2025 (declared: €31.50)" in say(billed.lines[0].basis)


def test_a_weighted_unit_and_a_contracted_minimum_due(tmp_path: Path) -> None:
    tariff = _tariff(
        _variant(
            tmp_path,
            (
                "- {id: heure-agent, label: Heures}",
                "- {id: heure-agent, label: Heures, minimum_due: true}\n"
                '          - {id: heure-nuit, label: Heures de nuit, weight: "1.5"}',
            ),
        )
    )
    member = _member(
        {2026: "31.50"},
        [("2026-02-02", "4"), ("2026-02-03", "2")],
        volumes=(ContractedVolume(unit="heure-agent", minimum=Decimal("10")),),
    )
    member = member.model_copy(
        update={
            "consumption": (
                *member.consumption,
                Act(unit="heure-nuit", date=dt.date(2026, 2, 4), quantity=Decimal("3")),
            )
        }
    )
    billed = bill_member(tariff, member, 2026)
    # day hours: 6 × 34,65 = 207,90; night hours: 3 × 1,5 × 34,65 = 155,925 → 155,93;
    # 6 of the 10 hours contracted: 4 not consumed, due × 34,65 = 138,60
    assert _amounts(billed) == [
        ("heures.heures", Decimal("207.90")),
        ("heures.heures", Decimal("155.93")),
        ("heures.heures", Decimal("138.60")),
    ]
    assert isinstance(billed, Statement)
    assert say(billed.lines[1].basis).startswith(
        "3 × Heures de nuit (04/02/2026) × 1.5 equivalent × 1.10 × coût horaire 2026"
    )


def test_a_price_list_moving_to_the_declared_cost_mid_year(tmp_path: Path) -> None:
    tariff = _tariff(
        _variant(
            tmp_path,
            (
                "          - {from: 2026-01-01, figure: cout_horaire",
                '          - {from: 2026-01-01, price: "30.00"}\n'
                "          - {from: 2026-07-01, figure: cout_horaire",
            ),
        )
    )
    member = _member({2026: "31.50"}, [("2026-03-02", "10"), ("2026-09-07", "2")])
    # March at 30,00: 10 × 30,00 = 300,00; September at 34,65: 2 × 34,65 = 69,30
    assert _amounts(bill_member(tariff, member, 2026)) == [
        ("heures.heures", Decimal("300.00")),
        ("heures.heures", Decimal("69.30")),
    ]
    # the declared cost is in force in 2026: a member without it needs review
    assert isinstance(bill_member(tariff, _member({}, [("2026-03-02", "10")]), 2026), NeedsReview)


def _refused(path: Path) -> list[tuple[str, int, int, str]]:
    try:
        load_tariff(path)
    except InputError as error:
        return [(d.code, d.line, d.column, say(d.message)) for d in error.diagnostics]
    raise AssertionError("the tariff was accepted")


def test_check_refuses_an_unknown_figure_or_a_quantity_at_its_line(tmp_path: Path) -> None:
    line = next(
        number
        for number, text in enumerate(HOURS.read_text(encoding="utf-8").splitlines(), 1)
        if "figure: cout_horaire, coefficient" in text
    )
    unknown = _refused(_variant(tmp_path, ("figure: cout_horaire,", "figure: cout_horair,")))
    assert unknown == [
        (
            "unknown-figure",
            line,
            40,
            "the tariff declares no figure 'cout_horair' (amount figures: cout_horaire): "
            "correct the id, or declare it under figures: {id: cout_horair, label: …, "
            "kind: amount, year: billed}",
        )
    ]
    quantity = _refused(_variant(tmp_path, ("kind: amount, year: billed", "kind: quantity")))
    assert [(code, at) for code, at, _, _ in quantity] == [("figure-kind", line)]
    assert "is a quantity: a price per unit is a coefficient on an amount" in quantity[0][3]


def test_a_figure_goes_with_its_coefficient_and_alone(tmp_path: Path) -> None:
    for written in (
        "figure: cout_horaire,\n             reference",  # no coefficient
        'price: "30.00", figure: cout_horaire, coefficient: "1.10",\n             reference',
    ):
        path = _variant(
            tmp_path,
            ('figure: cout_horaire, coefficient: "1.10",\n             reference', written),
        )
        assert [code for code, *_ in _refused(path)] == ["price-entry"]
    zero = _variant(tmp_path, ('coefficient: "1.10"', 'coefficient: "0"'))
    # a coefficient of 0 would bill every hour nothing
    assert [(code, column) for code, _, column, _ in _refused(zero)] == [("invalid-value", 67)]


def test_check_recomputes_the_worked_examples(tmp_path: Path) -> None:
    path = tmp_path / "heures.yaml"
    text = HOURS.read_text(encoding="utf-8").replace("../../schema/", "")
    path.write_text(text.replace('total: "415.80"', 'total: "415.81"'), encoding="utf-8")
    assert [code for code, *_ in _refused(path)] == ["example-mismatch"]


def test_the_shipped_example_billed_through_the_cli() -> None:
    result = run("bill", "--service", "heures-cout-propre", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # 35931: 7 + 5 = 12 h × 31,50 × 1,10 = 415,80
    # 35932: 12 + 7/3 + 1/3 = 44/3 h × 28,37 × 1,10 = 44/3 × 31,207 = 457,702 666… → 457,70
    assert {s["member"]["id"]: s["total"] for s in data["statements"]} == {
        "35931": "415.80",
        "35932": "457.70",
    }
    assert data["total"] == "873.50"
    assert [r["member"]["id"] for r in data["needs_review"]] == ["35933"]
    assert "coût horaire ('cout_horaire') for 2026" in data["needs_review"][0]["reason"]
    line = data["statements"][0]["lines"][0]
    assert line["basis_data"] == {
        "rule": "unit-price",
        "counted": {
            "quantity": "12",
            "unit": "Heures",
            "dates": {"first": "2026-03-02", "last": "2026-03-09"},
        },
        "price": {"coefficient": "1.10", "label": "coût horaire", "year": 2026, "value": "31.50"},
        "dated": {"start": "2026-01-01", "reference": "EXEMPLE-2025-52"},
    }
    table = run("bill", "--service", "heures-cout-propre", "--year", "2026", "--detail")
    assert table.returncode == 0, table.stderr
    assert "415.80" in table.stdout and "457.70" in table.stdout and "35933" in table.stdout


def test_the_basis_in_french() -> None:
    result = run(
        "--lang",
        "fr",
        "bill",
        "--service",
        "heures-cout-propre",
        "--year",
        "2026",
        "--format",
        "json",
    )
    basis = json.loads(result.stdout)["statements"][0]["lines"][0]["basis"]
    assert basis == (
        "12 × Heures (02/03/2026–09/03/2026) × 1,10 × coût horaire 2026 (montant déclaré\u00a0: "
        "31,50\u00a0€) (prix applicable à compter du 01/01/2026, EXEMPLE-2025-52)"
    )


def test_check_of_the_roster_warns_of_the_member_lacking_its_cost() -> None:
    result = run("check", "examples/heures-cout-propre/", "--format", "json")
    warnings = [
        (d["code"], d["line"])
        for d in json.loads(result.stdout)["diagnostics"]
        if d["code"] == "needs-review"
    ]
    assert warnings == [("needs-review", 22)]
