"""`servcommun diff`: every member under two grids (or in two years), the differences in
euros and percent, and the totals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import REDON, member, run
from servcommun.engine.bill import bill_members
from servcommun.engine.diff import Standing, diff_bills
from servcommun.loader import load_tariff
from servcommun.tariff import Tariff

D = Decimal
SOCLE, GROUP = "socle-complet", "groupement-achats"


@pytest.fixture
def dearer(tmp_path: Path) -> Path:
    """The Redon tariff with the socle's fixed part below 1500 inhabitants at 1 600 €."""
    text = REDON.read_text(encoding="utf-8")
    old = '{from: 0, to: 1499, amount: "1500.00"}'
    assert text.count(old) == 1
    path = tmp_path / "redon-dearer.yaml"
    path.write_text(text.replace(old, '{from: 0, to: 1499, amount: "1600.00"}'), encoding="utf-8")
    return path


def test_diff_between_two_grids(redon: Tariff, dearer: Path) -> None:
    other = load_tariff(dearer)
    assert isinstance(other, Tariff)
    roster = [
        member(1000, (SOCLE, "2024-01-01"), id="35001"),
        member(2355, (SOCLE, "2024-01-01"), id="35002"),
        member(1000, (GROUP, "2024-01-01"), id="35003"),
        member(9312, (SOCLE, "2024-01-01"), id="35004"),
    ]
    diff = diff_bills(bill_members(redon, roster, 2026), bill_members(other, roster, 2026))
    rows = {row.member.id: row for row in diff.members}
    assert (rows["35001"].before, rows["35001"].after) == (D("3000.00"), D("3100.00"))
    assert (rows["35001"].difference, rows["35001"].percent) == (D("100.00"), D("3.3"))
    assert rows["35002"].difference == D(0) and rows["35003"].difference == D(0)
    assert rows["35004"].standing_before is Standing.NEEDS_REVIEW
    assert rows["35004"].difference is None
    assert (diff.before.total, diff.after.total) == (
        D("8532.50") + D("1000.00"),
        D("8632.50") + D("1000.00"),
    )
    assert (diff.difference, diff.percent) == (D("100.00"), D("1.0"))
    assert [row.member.id for row in diff.changed] == ["35001"]


def test_member_on_one_side_only_counts_as_zero_on_the_other(redon: Tariff) -> None:
    leaving = member(1036, (SOCLE, "2023-01-01", "2025-12-31"), id="35237")
    diff = diff_bills(bill_members(redon, [leaving], 2025), bill_members(redon, [leaving], 2026))
    [row] = diff.members
    assert (row.before, row.after, row.standing_after) == (D("3054.00"), D(0), Standing.ABSENT)
    assert (row.difference, row.percent) == (D("-3054.00"), D("-100.0"))


def test_diff_command_two_tariffs_json(dearer: Path) -> None:
    result = run(
        "diff",
        "--year",
        "2026",
        "--tariff",
        str(REDON),
        "--tariff",
        str(dearer),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["a"]["label"], data["b"]["label"]) == (REDON.name, dearer.name)
    changed = {
        row["member"]["id"]: row
        for row in data["members"]
        if row["difference"] not in (None, "0.00")
    }
    # the socle members of the example roster below 1500 inhabitants: four, +100 € each
    assert set(changed) == {"35064", "35237", "56011", "56216"}
    assert changed["35237"] == {
        "member": {"id": "35237", "name": "Renac"},
        "a": "3081.00",  # 1 500 + 1,50 × 1 054
        "b": "3181.00",
        "difference": "100.00",
        "percent": "3.2",  # 100 / 3 081
    }
    total = data["total"]
    assert (total["a"], total["b"], total["difference"]) == ("102949.00", "103349.00", "400.00")
    assert D(total["a"]) == sum(D(row["a"]) for row in data["members"] if row["a"])


def test_diff_command_two_years_table() -> None:
    result = run("diff", "--year", "2025", "--year", "2026", "--changed")
    assert result.returncode == 0, result.stderr
    out = result.stdout.replace("\u202f", " ")
    assert "2025 → 2026" in out
    assert "Pipriac" in out and "+1,000.00" in out  # 9 engineering days in 2026, 4 in 2025
    assert "+11.9%" in out and "14 members unchanged not shown" in out
    assert "Bains-sur-Oust" not in out  # unchanged


def test_diff_needs_two_sides() -> None:
    result = run("diff", "--year", "2026")
    assert result.returncode == 2
    assert "two --tariff" in result.stderr


def test_diff_reports_a_broken_tariff_with_its_place(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        REDON.read_text(encoding="utf-8").replace("kind: contribution-grid", "kind: grid"),
        encoding="utf-8",
    )
    result = run("diff", "--year", "2026", "--tariff", str(REDON), "--tariff", str(broken))
    assert result.returncode == 1
    assert "broken.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_a_draft_whose_worked_examples_no_longer_match_is_compared_with_a_warning(
    tmp_path: Path,
) -> None:
    """A draft changes the figures its worked examples were written for: the comparison is
    what it is for, and the warning says where the examples to update are said."""
    text = REDON.read_text(encoding="utf-8")
    old = '{from: 1500, to: 2999, amount: "2000.00"}'
    assert text.count(old) == 1
    draft = tmp_path / "draft.yaml"
    draft.write_text(text.replace(old, '{from: 1500, to: 2999, amount: "2100.00"}'), "utf-8")
    result = run("diff", "--year", "2026", "--tariff", str(REDON), "--tariff", str(draft))
    assert result.returncode == 0, result.stderr
    assert "figures of its worked examples no longer match this grid" in result.stderr
    assert "(servcommun check " in result.stderr and "draft.yaml says which" in result.stderr
    # the example roster's socle members of 1 500 to 2 999 inhabitants: +100 € each
    assert "+700.00" in result.stdout
    checked = run("check", str(draft))
    assert checked.returncode == 1 and "example-mismatch" in checked.stdout
