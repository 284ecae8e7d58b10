"""The rule registry: every rule of the tariff language is one module, documented, with a
case in the error catalogue; nothing outside the rule modules tests a part's class."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT
from servcommun.rules import RULES
from servcommun.tariff import Tariff
from test_check import CATALOGUE, ERRORS

SOURCE = ROOT / "src" / "servcommun"


def test_every_rule_module_defines_one_rule_named_after_it() -> None:
    modules = sorted(
        path.stem
        for path in (SOURCE / "rules").glob("*.py")
        if path.stem not in ("__init__", "base") and not path.stem.startswith("_")
    )
    ids = [rule.model_fields["rule"].annotation.__args__[0] for rule in RULES]  # type: ignore[union-attr]
    assert ids == [module.replace("_", "-") for module in modules]
    # the rules of the two source conventions among them (a new rule touches no test here)
    assert {"bracket-amount", "per-inhabitant", "credit", "budget-lines"} <= set(ids)


def test_every_rule_has_a_section_of_the_format_reference() -> None:
    page = (ROOT / "docs" / "tariff-format.md").read_text(encoding="utf-8")
    headings = [line for line in page.splitlines() if line.startswith("#### ")]
    for rule in RULES:
        rule_id = rule.model_fields["rule"].annotation.__args__[0]  # type: ignore[union-attr]
        assert any(f"`{rule_id}`" in heading for heading in headings), rule_id


def test_every_rule_has_a_case_in_the_error_catalogue() -> None:
    texts = {
        case: "\n".join(
            path.read_text(encoding="utf-8", errors="replace")  # a case may be Latin-1
            for path in (
                [ERRORS / case] if (ERRORS / case).is_file() else (ERRORS / case).rglob("*")
            )
            if path.is_file()
        )
        for case in CATALOGUE
    }
    for rule in RULES:
        rule_id = rule.model_fields["rule"].annotation.__args__[0]  # type: ignore[union-attr]
        assert any(
            re.search(rf"rule: {re.escape(rule_id)}\b(?!-)", text) for text in texts.values()
        ), f"no case of tests/errors/ exercises the rule '{rule_id}'"


def test_no_isinstance_on_a_part_class_outside_the_rule_modules() -> None:
    part_classes = {rule.__name__ for rule in RULES} | {"PartRule", "LimitPart", "KeyedPart"}
    found = []
    for path in SOURCE.rglob("*.py"):
        if path.parent.name == "rules":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
                named = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                named |= {n.attr for n in ast.walk(node.args[1]) if isinstance(n, ast.Attribute)}
                if named & part_classes:
                    found.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    assert not found


def test_the_engine_builds_no_sentence() -> None:
    """No f-string of the engine is text for a reader: its messages are ``msg`` templates
    and values, said by the renderers (codes and ids may be formatted)."""
    sentences = []
    for path in (SOURCE / "engine").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
                if re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", text):
                    sentences.append(f"{path.name}:{node.lineno}: {text!r}")
    assert not sentences


def test_a_tariff_asks_its_parts_what_they_need(redon: Tariff) -> None:
    # Redon: brackets, per inhabitant, days beyond an allowance, a credit; no budget
    assert redon.uses_population() and not redon.takes_budget() and not redon.has_pools()
    parts = {part.code: part for _, part in redon.parts()}
    assert [unit.id for unit in parts["extra-days"].allowance_units()] == ["jour-ingenierie"]
    assert parts["audit-credit"].credits() == ("audit", 6)
    assert not parts["audit-credit"].NEGOTIATED and parts["fixed"].NEGOTIATED


def test_rosters_of_the_former_forms_get_a_migration_message(redon: Tariff, tmp_path: Path) -> None:
    from servcommun.diagnostics import InputError
    from servcommun.loader import load_roster

    roster = tmp_path / "roster.yaml"
    roster.write_text(
        'service: exemple\nmembers:\n  - {id: "35236", name: Redon, population: {2026: 9000},\n'
        "     own_it_department: true}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as raised:
        load_roster(roster, redon)
    said = [(d.code, d.line, d.text) for d in raised.value.diagnostics]
    assert said[0][:2] == ("roster-migration", 3)
    assert "attributes: {own_it_department: true}" in said[0][2]


def test_a_rate_on_a_figure_the_member_declares(tmp_path: Path) -> None:
    from servcommun.engine.bill import bill_member
    from servcommun.engine.result import NeedsReview, Statement
    from servcommun.loader import load_tariff
    from servcommun.render.words import say
    from servcommun.roster import Member, Subscription

    text = (ROOT / "tests" / "errors" / "per-attribute-undeclared.yaml").read_text()
    path = tmp_path / "t.yaml"
    path.write_text(text.replace("attribute: masse_salarial\n", "attribute: masse_salariale\n"))
    tariff = load_tariff(path)  # its worked example is recomputed: 1 250 000 × 0,80 %
    assert isinstance(tariff, Tariff)

    def member(attributes: dict[str, object]) -> Member:
        return Member.model_validate(
            {
                "id": "35001",
                "name": "CCAS",
                "population": {2026: 1000},
                "attributes": attributes,
                "subscriptions": [Subscription(offer="cotisation", start=dt.date(2026, 7, 1))],
            }
        )

    billed = bill_member(tariff, member({"masse_salariale": "987654.32"}), 2026)
    assert isinstance(billed, Statement)
    # 987 654,32 × 0,80 % = 7 901,23456 → 7 901,23 (no proration in this tariff)
    assert [(line.code, line.amount) for line in billed.lines] == [
        ("cotisation.taux", Decimal("7901.23"))
    ]
    assert say(billed.lines[0].basis) == "0.8% of €987,654.32"
    missing = bill_member(tariff, member({}), 2026)
    assert isinstance(missing, NeedsReview)
    assert "the roster gives no masse salariale déclarée" in say(missing.reason)


def test_shipped_salary_mass_example_billed_through_the_cli() -> None:
    from conftest import run

    result = run("bill", "--service", "cotisation-exemple", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    # Redon: 6 843 210,55 × 0,80 % = 54 745,68 + 162 agents × 150 = 24 300
    # Pipriac: 1 187 400 × 0,80 % = 9 499,20 + 31 × 150 = 4 650
    assert totals == {"35236": "79045.68", "35219": "14149.20"}
    assert data["total"] == "93194.88"
    # Langon declared no salary mass: listed, never billed from a guess
    assert [r["member"]["id"] for r in data["needs_review"]] == ["35145"]
    assert "masse salariale ('masse_salariale') for 2026" in data["needs_review"][0]["reason"]


def test_an_amount_not_set_yet_puts_the_member_in_review_until_an_override(
    tmp_path: Path,
) -> None:
    from servcommun.engine.bill import bill_member
    from servcommun.engine.result import NeedsReview, Statement
    from servcommun.loader import load_tariff
    from servcommun.render.words import say
    from servcommun.roster import Member, Override, Subscription

    text = (ROOT / "tests" / "errors" / "amount-pending-reason.yaml").read_text()
    path = tmp_path / "t.yaml"
    path.write_text(
        text.replace(
            "rule: amount-pending}",
            "rule: amount-pending,\n         reason: fixé par une délibération à venir}",
        )
    )
    tariff = load_tariff(path)
    commune = Member(
        id="35236",
        name="Redon",
        population={2026: 10086},
        subscriptions=(Subscription(offer="archives", start=dt.date(2026, 1, 1)),),
    )
    pending = bill_member(tariff, commune, 2026)
    assert isinstance(pending, NeedsReview)
    assert "the amount is not set yet (fixé par une délibération à venir)" in say(pending.reason)
    decided = Override(
        offer="archives", part="forfait", amount=Decimal("1800.00"), reference="DCM 2026-14"
    )
    billed = bill_member(tariff, commune.model_copy(update={"overrides": (decided,)}), 2026)
    assert isinstance(billed, Statement)
    assert [(line.code, line.amount) for line in billed.lines] == [
        ("archives.forfait", Decimal("1800.00"))
    ]


def test_a_rate_per_inhabitant_changing_by_year_in_one_version(tmp_path: Path) -> None:
    from servcommun.engine.bill import bill_member
    from servcommun.engine.result import Statement
    from servcommun.loader import load_tariff
    from servcommun.render.words import say
    from servcommun.roster import Member, Subscription

    text = (ROOT / "tests" / "errors" / "rate-start.yaml").read_text()
    path = tmp_path / "t.yaml"
    path.write_text(text.replace("from: 2027-07-01", "from: 2027-01-01"))
    tariff = load_tariff(path)
    commune = Member(
        id="35219",
        name="Pipriac",
        population={2026: 3948, 2027: 3948},
        subscriptions=(Subscription(offer="socle", start=dt.date(2026, 1, 1)),),
    )
    billed = [bill_member(tariff, commune, year) for year in (2026, 2027)]
    assert all(isinstance(statement, Statement) for statement in billed)
    # 3 948 × 1,50 = 5 922,00 in 2026; 3 948 × 1,60 = 6 316,80 from 2027
    assert [s.total for s in billed if isinstance(s, Statement)] == [
        Decimal("5922.00"),
        Decimal("6316.80"),
    ]
    later = billed[1]
    assert isinstance(later, Statement)
    assert say(later.lines[0].basis) == (
        "3,948 inhabitants × €1.60 (rate from 01/01/2027, DCC 2027-05)"
    )


def test_a_fault_of_servcommun_is_one_line_to_report_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import servcommun.billing
    from servcommun import cli

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a fault planted by this test")

    monkeypatch.setattr(servcommun.billing, "billed", broken)
    monkeypatch.setattr("gc.disable", lambda: None)  # the command's, not the test session's
    monkeypatch.setattr("sys.argv", ["servcommun", "bill", "--year", "2026"])
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "Traceback" not in said[0]
    assert said[0].startswith("servcommun: internal-error RuntimeError at test_rules.py:")
    assert "a fault planted by this test" in said[0] and "please report it" in said[0]
