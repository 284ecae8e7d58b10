"""Advances (acomptes) during the year and the final statement (décompte définitif):
the exact split of the instalments, their titres and their record in the journal, the
final statement's balance (a titre), credit (a reduction of the advances) or nothing to
issue, what the PDF statement says of it, the corrections once it is issued, and the
advances of the journal nothing deducts any more. Every figure is computed by hand in
a comment; the data directory is a copy in tmp_path (never the repository's)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ROOT, run
from servcommun.advances import split

D = Decimal
ERRORS = ROOT / "tests" / "errors"


def test_split_puts_the_remainder_on_the_last_instalment() -> None:
    # 10 000,00 / 3 = 3 333,333… → 3 333,33 twice, 10 000,00 − 6 666,66 = 3 333,34
    assert split(D("10000.00"), 3) == [D("3333.33"), D("3333.33"), D("3333.34")]
    # 10 078,50 / 4 = 2 519,625 → 2 519,62 × 3 = 7 558,86; 10 078,50 − 7 558,86 = 2 519,64
    assert split(D("10078.50"), 4) == [D("2519.62")] * 3 + [D("2519.64")]
    # 5 735,00 / 4 = 1 433,75 exactly
    assert split(D("5735.00"), 4) == [D("1433.75")] * 4
    # 0,05 in 12 monthly instalments: 0,00 eleven times, the 0,05 on the last
    assert split(D("0.05"), 12) == [D("0.00")] * 11 + [D("0.05")]
    for cents in (1, 99, 100001, 123456789):
        amount = D(cents) / 100
        for count in range(1, 13):
            parts = split(amount, count)
            assert sum(parts) == amount and len(parts) == count


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """The repository's data directory, copied (the example service ``acomptes``)."""
    shutil.copy(ROOT / "servcommun.toml", tmp_path / "servcommun.toml")
    for folder in ("tariffs", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def _titres(cwd: Path, *args: str) -> dict:
    result = run(
        "titres", "--service", "acomptes", "--year", "2026", "--format", "json", *args, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) | {"stderr": result.stderr}


def _issue(cwd: Path, *args: str) -> None:
    result = run("issue", "--service", "acomptes", "--year", "2026", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr


def _rows(listing: dict) -> list[tuple[str, str, str, str, str]]:
    return [
        (t["status"], t["kind"], t["titled"], t["debtor"]["id"], t["amount_ttc"])
        for t in listing["titres"]
    ]


def test_an_instalment_is_called_on_last_years_final_amount(data: Path) -> None:
    listing = _titres(data, "--instalment", "1")
    # 35931: 2025 = 1 500 + 2 451 × 3,50 = 10 078,50 → 2 519,62 on 1 January
    # 35932: 2025 = 1 500 + 1 210 × 3,50 = 5 735,00 → 1 433,75
    # 35933 joined in 2026: no 2025 amount, no advance (said)
    assert _rows(listing) == [
        ("to-issue", "advance", "2026-01", "35931", "2519.62"),
        ("to-issue", "advance", "2026-01", "35932", "1433.75"),
    ]
    first = listing["titres"][0]
    assert first["date"] == "2026-01-01" and first["number"] == "2026-0001"
    assert first["instalment"] == 1 and first["deducted_in"] == "2027-01"
    assert first["object"].startswith("Advance 1 of 4: ")
    assert listing["notes"] == [
        "35933 Commune exemple des Prés: no final amount of 2025 to call advances on: no "
        "advance is called, its whole 2026 is titled by the final statement"
    ]
    fourth = _titres(data, "--instalment", "4")
    # the remainder on the last: 10 078,50 − 3 × 2 519,62 = 2 519,64, on 1 October
    assert _rows(fourth)[0] == ("to-issue", "advance", "2026-10", "35931", "2519.64")
    assert fourth["titres"][0]["date"] == "2026-10-01"


def test_the_final_statement_deducts_the_advances_issued(data: Path) -> None:
    for instalment in ("1", "2", "3", "4"):
        _issue(data, "--instalment", instalment)
    journal = (data / "journal" / "acomptes.yaml").read_text(encoding="utf-8")
    assert journal.count("kind: advance") == 8 and "instalment: 4" in journal
    listing = _titres(data)
    final = [t for t in listing["titres"] if t["status"] == "to-issue"]
    # 35931: 2026 = 1 500 + 2 390 × 3,50 = 9 865,00; advances 10 078,50: a credit of
    # 213,50, a reduction of its latest advance (2026-0007, 2 519,64)
    # 35932: 2026 = 1 500 + 1 262 × 3,50 = 5 917,00; advances 5 735,00: 182,00 due
    # 35933: 1 500 + 830 × 3,50 = 4 405,00, no advance: titled whole
    assert [
        (t["kind"], t["debtor"]["id"], t["amount_ttc"], t.get("corrects"), t.get("issued_before"))
        for t in final
    ] == [
        ("reduction", "35931", "-213.50", "2026-0007", "10078.50"),
        ("balance", "35932", "182.00", None, "5735.00"),
        ("balance", "35933", "4405.00", None, "0.00"),
    ]
    assert final[1]["issued_after"] == "5917.00"
    assert {line["code"]: line["amount"] for line in final[1]["lines"]} == {
        "contribution.fixed": "1500.00",
        "contribution.variable": "4417.00",
        "advances": "-5735.00",
    }
    # the year's titres still sum to its bill: 9 865,00 + 5 917,00 + 4 405,00 = 20 187,00
    assert listing["total"] == "20187.00"
    assert listing["notes"] == [
        "35933 Commune exemple des Prés: the final statement of 2026 is computed with no "
        "advance issued: its whole amount, €4,405.00, is titled"
    ]
    bill = json.loads(
        run("bill", "--service", "acomptes", "--year", "2026", "--format", "json", cwd=data).stdout
    )
    assert bill["total"] == "20187.00"
    # the statements say it, with the advances' numbers
    assert (
        run(
            "statements",
            "--service",
            "acomptes",
            "--year",
            "2026",
            "--output",
            str(data / "out"),
            cwd=data,
        ).returncode
        == 0
    )
    lande = " ".join(
        page.extract_text()
        for page in PdfReader(data / "out" / "2026-35931-commune-exemple-de-la-lande.pdf").pages
    )
    # a document speaks the tariff's locale (fr_FR)
    lande = " ".join(lande.replace("\u00a0", " ").replace("\u202f", " ").split())
    assert "trop-perçu de 213,50 € en faveur du membre" in lande
    assert "(titres 2026-0001, 2026-0003, 2026-0005, 2026-0007)" in lande
    pres = " ".join(
        page.extract_text()
        for page in PdfReader(data / "out" / "2026-35933-commune-exemple-des-pres.pdf").pages
    )
    assert "aucun acompte n'a été émis pour l'exercice" in " ".join(pres.split())


def test_an_issued_final_statement_is_corrected_on_the_actual_amount(data: Path) -> None:
    for instalment in ("1", "2", "3", "4"):
        _issue(data, "--instalment", instalment)
    _issue(data, "--month", "2027-01")
    assert _titres(data, "--corrections")["titres"] == []
    roster = data / "examples" / "acomptes" / "roster.yaml"
    roster.write_text(roster.read_text().replace("2026: 2390", "2026: 2400"))
    # 10 more inhabitants × 3,50 = 35,00: issued 10 078,50 − 213,50 = 9 865,00, now 9 900,00
    corrections = _titres(data, "--corrections")["titres"]
    assert [(t["kind"], t["debtor"]["id"], t["amount_ttc"]) for t in corrections] == [
        ("complementary", "35931", "35.00")
    ]
    assert (corrections[0]["issued_before"], corrections[0]["issued_after"]) == (
        "9865.00",
        "9900.00",
    )


def test_a_final_statement_equal_to_the_advances_issues_nothing(tmp_path: Path) -> None:
    # the catalogue's case, forecast base: Redon 9 312 × 2,00 = 18 624,00 = 4 × 4 656,00
    folder = tmp_path / "exemple"
    shutil.copytree(ERRORS / "advance-member", folder)
    shutil.rmtree(folder / "journal")
    shutil.copy(ERRORS / "advance-offer" / "roster.yaml", folder / "roster.yaml")
    roster = folder / "roster.yaml"
    roster.write_text(roster.read_text().replace("cotisation", "contribution"))
    for instalment in ("1", "2", "3", "4"):
        result = run("issue", "--year", "2026", "--instalment", instalment, cwd=folder)
        assert result.returncode == 0, result.stderr
    result = run("titres", "--year", "2026", cwd=folder)
    rows = [row.split(",") for row in result.stdout.splitlines()[1:]]
    assert [(r[0], r[1], r[6], r[7]) for r in rows if r[1] != "issued"] == [
        ("settled", "nothing-to-issue", "2027-01", "35236")
    ]
    assert (
        "final statement: €18,624.00, advances called €18,624.00: nothing to issue" in result.stdout
    )
    assert "0 titres to issue" in result.stderr


def test_an_advance_nothing_deducts_is_a_located_warning(tmp_path: Path) -> None:
    folder = tmp_path / "exemple"
    shutil.copytree(ERRORS / "advance-member", folder)
    result = run("titres", "--year", "2026", cwd=folder)
    assert result.returncode == 0
    assert (
        "journal/exemple.yaml:36:3: advance-member warning: advance 2026-0002 of 2026 "
        "(€1,000.00) was issued to 35001 Acigné, no longer in the roster"
    ) in result.stderr


def test_an_instalment_the_tariff_does_not_call_is_refused(data: Path) -> None:
    result = run("titres", "--service", "acomptes", "--year", "2026", "--instalment", "5", cwd=data)
    assert result.returncode == 1
    assert "unknown-instalment" in result.stderr
    assert "called in 4 instalments; write --instalment 1 to 4" in result.stderr
    other = run(
        "titres", "--service", "indexe-exemple", "--year", "2026", "--instalment", "1", cwd=data
    )
    assert other.returncode == 1 and "the tariff calls no advances" in other.stderr


def test_bill_compares_the_issued_figures_once_the_final_statement_is_issued(data: Path) -> None:
    _issue(data, "--instalment", "1")
    bill = ["bill", "--service", "acomptes", "--year", "2026", "--format", "json"]
    # an advance is no figure of the bill: nothing issued to compare yet
    assert "issued" not in json.loads(run(*bill, cwd=data).stdout)
    for instalment in ("2", "3", "4"):
        _issue(data, "--instalment", instalment)
    _issue(data, "--month", "2027-01")
    issued = json.loads(run(*bill, cwd=data).stdout)["issued"]
    # advances 10 078,50 + 5 735,00, then −213,50 + 182,00 + 4 405,00 = 20 187,00
    assert (issued["issued_total"], issued["current_total"], issued["changed"]) == (
        "20187.00",
        "20187.00",
        [],
    )
    assert issued["months"] == ["2027-01"] and issued["titres"] == 11  # 8 advances, 3 final
