"""Where results go: the standard output whatever it is (a file in another code page, a
full disk, a closed pipe), ``--output -``, and never over what is not a regular file; the
format a file's extension names."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import ROOT, run

BILL = ("bill", "--year", "2026")


def _process(args: tuple[str, ...], **options: object) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    env.update(options.pop("env", {}))  # type: ignore[arg-type]
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "servcommun", *args], cwd=ROOT, env=env, timeout=120, **options
    )


def test_a_redirected_output_is_utf8_whatever_the_console_code_page(tmp_path: Path) -> None:
    # a Windows console in cp1252 cannot encode the narrow no-break space of « 2 163 »
    target = tmp_path / "bill.csv"
    with target.open("wb") as stdout:
        result = _process(
            (*BILL, "--format", "csv", "--csv-dialect", "fr", "--lang", "fr"),
            stdout=stdout,
            stderr=subprocess.PIPE,
            env={"PYTHONIOENCODING": "cp1252"},
        )
    assert result.returncode == 0, result.stderr
    text = target.read_bytes().decode("utf-8")  # not cp1252: no character was lost
    assert text.startswith("\ufeff") and "10\u202f086 habitants × 0,25\u00a0€" in text


def test_a_full_disk_is_one_line_and_exit_1() -> None:
    with open("/dev/full", "wb") as full:
        result = _process(BILL, stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert lines[-1] == (
        "servcommun: the results cannot be written to the standard output: No space left on device"
    )
    assert b"Traceback" not in result.stderr


def test_a_closed_standard_output_is_one_line_and_exit_1(tmp_path: Path) -> None:
    command = f"{sys.executable} -m servcommun bill --year 2026 >&-"
    result = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "cannot be written to the standard output: Bad file descriptor" in result.stderr
    assert "Traceback" not in result.stderr
    # with --output, a closed stdout is no matter
    written = tmp_path / "bill.csv"
    command = f"{sys.executable} -m servcommun bill --year 2026 --output {written} >&-"
    assert subprocess.run(["bash", "-c", command], cwd=ROOT, timeout=120).returncode == 0
    assert written.read_text(encoding="utf-8").startswith("member_id,")


def test_a_reader_that_stops_reading_is_no_error() -> None:
    command = f"{sys.executable} -m servcommun bill --year 2026 --format csv | head -c 10"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], cwd=ROOT, capture_output=True, timeout=120
    )
    assert result.stdout == b"member_id,"
    assert b"Traceback" not in result.stderr and b"BrokenPipe" not in result.stderr


def test_output_dash_is_the_standard_output() -> None:
    json_bill = run(*BILL, "--format", "json", "--output", "-")
    assert json_bill.returncode == 0 and json_bill.stdout.startswith("{")
    workbook = _process((*BILL, "--format", "xlsx", "--output", "-"), capture_output=True)
    assert workbook.returncode == 0 and workbook.stdout.startswith(b"PK\x03\x04")


@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_what_is_not_a_regular_file_is_never_replaced(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target.csv"
    target.write_text("kept", encoding="utf-8")
    output = tmp_path / "bill.csv"
    if kind == "link":
        output.symlink_to(target)
    else:
        os.mkfifo(output)
    result = run(*BILL, "--format", "csv", "--output", str(output), "--force")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{output}:1:1: output-not-regular not a regular file (a link, a named pipe or a "
        "device): write the output to a file name of its own, or to the standard output "
        "with --output -"
    )
    assert target.read_text(encoding="utf-8") == "kept"
    assert output.is_symlink() if kind == "link" else output.is_fifo()


def test_the_format_follows_the_extension_and_a_contradiction_is_refused(tmp_path: Path) -> None:
    workbook = tmp_path / "bill.xlsx"
    assert run(*BILL, "--output", str(workbook)).returncode == 0
    assert workbook.read_bytes().startswith(b"PK\x03\x04")
    as_csv = tmp_path / "bill.csv"
    assert run(*BILL, "--output", str(as_csv)).returncode == 0
    assert as_csv.read_text(encoding="utf-8").startswith("member_id,")
    wrong = tmp_path / "wrong.xlsx"
    result = run(*BILL, "--format", "csv", "--output", str(wrong))
    assert result.returncode == 2 and not wrong.exists()
    assert "--format csv does not write a .xlsx file" in result.stderr


def test_a_text_longer_than_a_cell_is_cut_where_the_workbook_says_so() -> None:
    import dataclasses
    import io

    from openpyxl import load_workbook
    from tests.test_bill_properties import INPUTS, TARIFF, YEAR

    from servcommun import language
    from servcommun.engine.bill import bill_members
    from servcommun.render.xlsx import CELL_MAX, bill_xlsx

    language.choose("en")
    bill = bill_members(TARIFF, [], YEAR)
    inputs = dataclasses.replace(INPUTS, notes=("x" * 40_000,))
    offers = [(offer.id, offer.label) for offer in TARIFF.offers]
    sheets = load_workbook(io.BytesIO(bill_xlsx(bill, offers, inputs))).worksheets
    cells = [c.value for s in sheets for r in s.iter_rows() for c in r if isinstance(c.value, str)]
    [cut] = [cell for cell in cells if cell.startswith("xxx")]
    assert len(cut) == CELL_MAX
    assert cut.endswith(
        " […] (cut: 40,000 characters in all; the CSV and the JSON have the whole text)"
    )


@pytest.mark.parametrize("columns", ["130", "100", "60"])
def test_the_summary_never_cuts_a_name_nor_drops_the_total(columns: str) -> None:
    result = _process(
        ("bill", "--year", "2026", "--lang", "fr"),
        capture_output=True,
        text=True,
        env={"COLUMNS": columns},
    )
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line[:7].strip().isdigit()]
    assert len(rows) == 20  # the Redon example's 20 members billed in 2026
    # every row ends with its total (« 8 026,00 »), and no name is cut with an ellipsis
    assert all(re.search(r"\d,\d\d\s*$", row) for row in rows), result.stdout
    assert "…" not in result.stdout.split("Effectifs")[0]
    if columns != "60":
        assert any("La Chapelle-de-Brain" in row for row in rows)


def test_no_home_directory_is_no_matter(tmp_path: Path) -> None:
    # the cache's default folder comes from the home directory: without one, no cache
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_CACHE_HOME")}
    env.pop("SERVCOMMUN_CACHE", None)
    result = subprocess.run(
        [sys.executable, "-m", "servcommun", "bill", "--year", "2026", "--format", "csv"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("member_id,") and "Traceback" not in result.stderr
