"""Exports for the finance office (issue 6), read back with real readers: the ``csv``
module with the French dialect, openpyxl for the workbook, pypdf for the statements;
byte-identical output for the same inputs; ``--output`` atomic and never over an existing
file or folder without ``--force``."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from conftest import ROOT, run, run_process, write
from servcommun import language
from servcommun.cli.commands import application
from servcommun.diagnostics import InputError
from servcommun.output import write_atomic, write_folder_atomic
from servcommun.render.csv import COLUMNS
from servcommun.render.statements import INDEX_COLUMNS

TARIFF = ROOT / "tariffs" / "redon-agglomeration-2022.yaml"
EXAMPLE_TOTAL = Decimal("102949.00")  # the Redon example roster in 2026


def spaces(text: str) -> str:
    """Babel's fr_FR narrow no-break space and no-break space, and the lines a table cell
    wraps, as single plain spaces."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def ok(*args: str, cwd: Path = ROOT) -> str:
    result = run(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def english() -> None:
    """Documents in English, whatever their tariff's locale, as ``--lang en`` asks before
    the command line is parsed (``servcommun.cli.main``; ``run`` calls the application
    itself): the French of the catalogue is not what these tests read."""
    language.choose("en")


@pytest.fixture(scope="module")
def example_json() -> dict:  # type: ignore[type-arg]
    return json.loads(ok("bill", "--year", "2026", "--format", "json"))


@pytest.fixture(scope="module")
def convention(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the convention's own figures: 2 355 inhabitants pay 5 532,50 €
    (art. 7.1); an audit then the socle within 6 months (art. 7.2.1); a town above 8000
    inhabitants that needs review."""
    folder = tmp_path_factory.mktemp("convention")
    write(
        folder / "servcommun.toml",
        f"""
        [services.redon-agglomeration]
        tariffs = ["{TARIFF}"]
        roster = "roster.yaml"
    """,
    )
    write(
        folder / "roster.yaml",
        """
        service: redon-agglomeration
        members:
          - id: "35999"
            name: "Saint-Exemple-sur-Vilaine"
            population: {2026: 2355}
            subscriptions:
              - {offer: socle-complet, start: 2024-01-01}
          - id: "35998"
            name: "Crédit-l'Abbaye"
            population: {2026: 2163}
            subscriptions:
              - {offer: audit, delivered: 2026-02-10}
              - {offer: socle-complet, start: 2026-06-01}
          - id: "35997"
            name: "Grande-Ville"
            population: {2026: 9312}
            subscriptions:
              - {offer: socle-complet, start: 2024-01-01}
    """,
    )
    return folder


# -- CSV ----------------------------------------------------------------------------------


def test_csv_french_dialect_reads_back(tmp_path: Path, example_json: dict) -> None:  # type: ignore[type-arg]
    target = tmp_path / "bill.csv"
    english()
    ok(
        "--lang",
        "en",  # its headings and words in English: the French dialect is a number form
        "bill",
        "--year",
        "2026",
        "--format",
        "csv",
        "--csv-dialect",
        "fr",
        "--output",
        str(target),
    )
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM a French spreadsheet needs
    with target.open(encoding="utf-8-sig", newline="") as stream:
        header, *cells = csv.reader(stream, delimiter=";")
    assert header == [
        "Member id",
        "Member name",
        "Financial year",
        "Line code",
        "Label",
        "Basis",
        "Article",
        "Titled",
        "Amount",
        "Billed",
        "Settlement",
        "Attribution year",
        "Attribution before",
        "Attribution after",
        "Status",
        "Reason",
    ]
    rows = [dict(zip(COLUMNS, cell, strict=True)) for cell in cells]  # in the plain order
    review = [row for row in rows if row["status"] == "needs review"]
    assert [(row["member_id"], row["amount"], row["billed"]) for row in review] == [
        ("44067", "", "No")
    ]
    assert review[0]["reason"]  # why, in words
    rows = [row for row in rows if row["status"] == "billed"]
    amounts = [Decimal(row["amount"].replace(",", ".")) for row in rows]
    assert all("." not in row["amount"] and "," in row["amount"] for row in rows)
    assert sum(amounts) == EXAMPLE_TOTAL
    by_member: dict[str, Decimal] = {}
    for row, amount in zip(rows, amounts, strict=True):
        by_member[row["member_id"]] = by_member.get(row["member_id"], Decimal(0)) + amount
    assert by_member == {s["member"]["id"]: Decimal(s["total"]) for s in example_json["statements"]}
    credit = next(row for row in rows if row["code"] == "socle-complet.audit-credit")
    assert (credit["member_id"], credit["amount"], credit["reference"], credit["year"]) == (
        "35328",
        "-3500,00",
        "art. 7.2.1",
        "2026",
    )


def test_csv_plain_dialect() -> None:
    text = ok("bill", "--year", "2026", "--format", "csv")
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["amount"] for row in rows} >= {"3500.00", "-3500.00"}
    assert sum(Decimal(row["amount"] or "0") for row in rows) == EXAMPLE_TOTAL


# -- XLSX ---------------------------------------------------------------------------------


def test_xlsx_reads_back_with_numbers_formats_and_totals_that_add_up(
    tmp_path: Path, example_json: dict
) -> None:  # type: ignore[type-arg]
    target = tmp_path / "bill.xlsx"
    english()
    ok("--lang", "en", "bill", "--year", "2026", "--format", "xlsx", "--output", str(target))
    formulas = openpyxl.load_workbook(target)
    values = openpyxl.load_workbook(target, data_only=True)  # the values formulas carry
    assert formulas.sheetnames == ["Summary", "Detail", "Parameters"]

    summary, summary_values = formulas["Summary"], values["Summary"]
    header = [cell.value for cell in summary[1]]
    assert header[:4] == ["Member", "Name", "Population", "Status"]
    assert header[-2:] == ["Total", "Remark"]
    assert summary.freeze_panes == "C2"
    assert summary.column_dimensions["B"].width >= len("Saint-Vincent-sur-Oust")
    first, total = header.index("Socle complet"), header.index("Total")

    def money(cell) -> Decimal:  # type: ignore[no-untyped-def]
        assert isinstance(cell.value, int | float), cell.value  # a number, never text
        assert formulas[cell.parent.title][cell.coordinate].number_format.startswith('"€"#,##0.00')
        return Decimal(str(cell.value))

    rows = list(summary_values.iter_rows(min_row=2))
    total_row, member_rows = rows[-1], rows[:-1]
    assert total_row[0].value == "Total"
    assert total_row[1].value == f"{len(example_json['statements'])} members billed"
    billed = [row for row in member_rows if row[3].value == "billed"]
    review = [row for row in member_rows if row[3].value == "needs review"]
    assert len(billed) == len(example_json["statements"]) and len(review) == 1
    assert (
        review[0][0].value == "44067"
        and "propre service informatique" in review[0][total + 1].value
    )
    for row in billed:
        offers = [money(cell) for cell in row[first:total] if cell.value is not None]
        assert sum(offers) == money(row[total])
    for column in range(first, total + 1):
        assert money(total_row[column]) == sum(
            (money(row[column]) for row in billed if row[column].value is not None), Decimal(0)
        )
    assert money(total_row[total]) == EXAMPLE_TOTAL == Decimal(example_json["total"])
    # totals are live formulas, so that an edited cell still adds up
    assert summary.cell(2, total + 1).value == f"=SUM(E2:{summary.cell(2, total).column_letter}2)"
    assert str(summary.cell(len(rows) + 1, total + 1).value).startswith("=SUMIF(")
    assert '"billed"' in str(summary.cell(len(rows) + 1, total + 1).value)  # the status said
    assert summary.cell(2, 1).value == "35013" and summary.cell(2, 3).value == 3684

    detail = values["Detail"]
    assert formulas["Detail"].freeze_panes == "A2"
    assert [c.value for c in detail[1]] == [
        "Member",
        "Name",
        "Financial year",
        "Line code",
        "Label",
        "Basis",
        "Article",
        "Titled",
        "Amount",
        "Status",
    ]
    lines = list(detail.iter_rows(min_row=2))
    assert len(lines) == sum(len(s["lines"]) for s in example_json["statements"])
    assert sum(money(line[8]) for line in lines) == EXAMPLE_TOTAL

    inputs = {row[0].value: row[1].value for row in values["Parameters"].iter_rows(min_row=2)}
    assert inputs["Billed year"] == 2026
    assert inputs["Tariff file"] == "tariffs/redon-agglomeration-2022.yaml"
    assert inputs["Tariff SHA-256"] == hashlib.sha256(TARIFF.read_bytes()).hexdigest()
    assert inputs["Roster file"] == "examples/redon/roster.yaml"
    assert inputs["Tariff in force"] == "from 28/03/2022 (open-ended)"
    assert inputs["Members asked for"] == "all"
    assert str(inputs["Document date"]).startswith("31/12/2026 (the end of the billed year")
    assert values.properties.created.year == 2026  # from the billed year, not the clock


def test_xlsx_needs_an_output_file() -> None:
    result = run_process("bill", "--year", "2026", "--format", "xlsx")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "--format xlsx needs --output FILE.xlsx"


# -- PDF statements -------------------------------------------------------------------------


def test_statements_one_pdf_per_billed_member_and_an_index(
    tmp_path: Path, convention: Path
) -> None:
    folder = tmp_path / "relevés"
    english()
    result = run(
        "--lang", "en", "statements", "--year", "2026", "--output", str(folder), cwd=convention
    )
    assert result.returncode == 0, result.stderr
    assert (
        "2 statements and index.csv written to" in result.stderr
        and "; 1 member needs review, listed in index.csv" in result.stderr
    )
    assert sorted(p.name for p in folder.iterdir()) == [
        "2026-35998-credit-l-abbaye.pdf",
        "2026-35999-saint-exemple-sur-vilaine.pdf",
        "index.csv",
    ]

    with (folder / "index.csv").open(encoding="utf-8-sig", newline="") as stream:
        header, *cells = csv.reader(stream, delimiter=";")
    assert header == [
        "Member id",
        "Member name",
        "Financial year",
        "File",
        "Total",
        "Status",
        "Reason",
        "Statement no.",
        "Date of issue",
    ]
    index = {cell[0]: dict(zip(INDEX_COLUMNS, cell, strict=True)) for cell in cells}
    assert (index["35999"]["number"], index["35999"]["date"]) == ("2026-35999", "01/01/2027")
    assert (index["35998"]["number"], index["35998"]["date"]) == ("2026-35998", "01/01/2027")
    assert (index["35997"]["number"], index["35997"]["date"]) == ("", "")
    assert index["35999"]["file"] == "2026-35999-saint-exemple-sur-vilaine.pdf"
    assert index["35999"]["total"] == "5532,50"  # the French dialect's number form
    assert (index["35997"]["file"], index["35997"]["status"]) == ("", "needs review")
    assert "9,312 above 8,000" in index["35997"]["reason"]

    reader = PdfReader(folder / "2026-35999-saint-exemple-sur-vilaine.pdf")
    assert len(reader.pages) == 1
    text = spaces(reader.pages[0].extract_text())
    for expected in (
        "Service commun des systèmes d'information et du numérique",
        "Contribution statement — financial year 2026",
        "Saint-Exemple-sur-Vilaine",
        "INSEE code: 35999",
        "Population: 2,355 inhabitants",
        "Population used: 2,355 inhabitants, total population in force on 1 January 2026.",
        "Part fixe",
        "Part variable",
        "bracket 1,500–2,999",
        "art. 7.1",
        "January 2027",
        "€2,000.00",
        "€3,532.50",
        "Total €5,532.50",
        "Titled: €5,532.50 in January 2027.",
        "32_CC_2022_56 of 28/03/2022",
        "Issued on 1 January 2027",
        "Contribution statement 2026 — Saint-Exemple-sur-Vilaine (35999) — page 1/1",
    ):
        assert expected in text, expected
    assert reader.metadata is not None
    assert str(reader.metadata["/CreationDate"]).startswith("D:20261231")

    credit = spaces(PdfReader(folder / "2026-35998-credit-l-abbaye.pdf").pages[0].extract_text())
    assert "-€3,500.00" in credit and "February 2026" in credit  # audit titled on delivery
    assert "Total €5,244.50" in credit


def test_statements_refuse_a_non_empty_folder_without_force(
    tmp_path: Path, convention: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()  # an empty folder may be taken
    assert (
        run("statements", "--year", "2026", "--output", str(folder), cwd=convention).returncode == 0
    )
    (folder / "mine.txt").write_text("keep me")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = run("statements", "--year", "2026", "--output", str(folder), cwd=convention)
    assert result.returncode == 1 and "--force" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    statement = "2026-35999-saint-exemple-sur-vilaine.pdf"
    (folder / statement).write_bytes(b"an old statement")
    result = run(
        "statements",
        "--year",
        "2026",
        "--output",
        str(folder),
        "--force",
        "--member",
        "35999",
        cwd=convention,
    )
    assert result.returncode == 0, result.stderr
    assert (
        f"1 statement replaced in {folder}; the other statements and index.csv left as they are"
    ) in result.stderr
    # --member replaces its own statement only: the others, the index and mine.txt stay
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert set(after) == set(before) and after[statement].startswith(b"%PDF-")
    assert {name: after[name] for name in after if name != statement} == {
        name: before[name] for name in before if name != statement
    }
    result = run("statements", "--year", "2026", "--output", str(folder), "--force", cwd=convention)
    assert result.returncode == 0, result.stderr  # the whole folder, made anew
    assert "mine.txt" not in {p.name for p in folder.iterdir()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left aside


def test_statements_of_a_cost_sharing_service(tmp_path: Path) -> None:
    """The carrier's own share is listed, not billed: no PDF for it; the parties' PDFs
    name the carrier as the issuer."""
    folder = tmp_path / "rouen"
    english()
    ok(
        "--lang",
        "en",
        "statements",
        "--year",
        "2026",
        "--service",
        "rouen",
        "--output",
        str(folder),
        "--csv-dialect",
        "plain",
    )
    with (folder / "index.csv").open(encoding="utf-8", newline="") as stream:
        index = list(csv.DictReader(stream))
    carrier = [row for row in index if row["status"] == "not billed"]
    billed = [row for row in index if row["status"] == "billed"]
    assert len(carrier) == 1 and carrier[0]["file"] == "" and billed
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [row["file"] for row in billed] + ["index.csv"]
    )
    for row in billed:
        text = spaces(
            " ".join(page.extract_text() for page in PdfReader(folder / row["file"]).pages)
        )
        # the carrier issues them: its name, SIRET and ordonnateur, from servcommun.toml
        assert text.startswith(f"EXAMPLE — illustrative data {carrier[0]['member_name']}")
        assert "SIRET 20002341400010" in text and "Dominique Exemple" in text
        assert f"Identifier: {row['member_id']}" in text
        assert f"Total €{Decimal(row['total']):,.2f}" in text


# -- reproducible -----------------------------------------------------------------------------


def test_same_inputs_give_byte_identical_files(
    tmp_path: Path, convention: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def produce(run_dir: Path) -> dict[str, bytes]:
        run_dir.mkdir()
        for name, args in {
            "bill.json": ("--format", "json"),
            "bill.csv": ("--format", "csv", "--csv-dialect", "fr"),
            "bill.xlsx": ("--format", "xlsx"),
        }.items():
            ok("bill", "--year", "2026", *args, "--output", str(run_dir / name), cwd=convention)
        ok("statements", "--year", "2026", "--output", str(run_dir / "pdf"), cwd=convention)
        return {
            str(p.relative_to(run_dir)): p.read_bytes()
            for p in sorted(run_dir.rglob("*"))
            if p.is_file()
        }

    first = produce(tmp_path / "first")
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # another clock, another zone
    second = produce(tmp_path / "second")
    assert len(first) == 6 and first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name


# -- safe output ------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["json", "csv", "xlsx"])
def test_output_over_an_existing_file_needs_force(tmp_path: Path, format: str) -> None:
    target = tmp_path / f"bill.{format}"
    target.write_bytes(b"old content")
    result = run("bill", "--year", "2026", "--format", format, "--output", str(target))
    assert result.returncode == 1
    assert (
        result.stderr.strip() == f"{target}:1:1: output-exists file exists: use --force "
        "to replace it"
    )
    assert target.read_bytes() == b"old content"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_interrupted_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "bill.csv"
    target.write_text("old")

    def interrupted(source: object, destination: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new", force=True)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["bill.csv"]


def test_sigterm_during_a_write_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "bill.xlsx"

    def killed(descriptor: int) -> None:  # the job is stopped while the data is flushed
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(os, "fsync", killed)
    with pytest.raises(SystemExit) as stopped:
        write_atomic(target, b"workbook", force=False)
    assert stopped.value.code == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler given back


def test_interrupted_cli_write_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "bill.json"
    target.write_text("old")

    def disk_full(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(os, "replace", disk_full)
    result = CliRunner().invoke(
        application(),
        ["bill", "--year", "2026", "--format", "json", "--output", str(target), "--force"],
    )
    assert result.exit_code == 1, result.output
    assert "output-unwritable cannot write: No space left on device" in result.output
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["bill.json"]


def test_interrupted_folder_write_keeps_the_old_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "statements"
    folder.mkdir()
    (folder / "old.pdf").write_bytes(b"old")
    real_replace = os.replace
    calls: list[str] = []

    def fails_second_time(source: str, destination: str) -> None:
        calls.append(str(source))
        if len(calls) == 2:  # the old folder is aside, the new one fails to move in
            raise KeyboardInterrupt
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", fails_second_time)
    with pytest.raises(KeyboardInterrupt):
        write_folder_atomic(folder, {"new.pdf": b"new", "index.csv": b"x"}, force=True)
    monkeypatch.setattr(os, "replace", real_replace)
    assert [p.name for p in tmp_path.iterdir()] == ["statements"]
    assert [p.name for p in folder.iterdir()] == ["old.pdf"]

    with pytest.raises(InputError):  # and without --force it is never touched
        write_folder_atomic(folder, {"new.pdf": b"new"}, force=False)
    write_folder_atomic(folder, {"new.pdf": b"new"}, force=True)
    assert [p.name for p in folder.iterdir()] == ["new.pdf"]
    assert [p.name for p in tmp_path.iterdir()] == ["statements"]
