"""`servcommun check`: the shipped files pass, and every bad input of the error catalogue
(`tests/errors/`, hledger's way) fails with its code at its line and column, in the text,
JSON and GitHub formats, without a traceback. The catalogue runs in this process; a few of
its cases run as real processes too, bounded in time and memory, for the exit codes and
the three formats as a user's shell or CI receives them."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import ROOT, run, run_process, write

ERRORS = ROOT / "tests" / "errors"
CATALOGUE_TARIFF = ERRORS / "_valid" / "tariff.yaml"  # rosters of the catalogue are of it

# case (a file of tests/errors/, or a folder) → (file at fault, code, line, column). A
# folder with a servcommun.toml is checked from inside with no argument (the files the
# configuration names); another folder is checked as a whole; a roster-* file is checked
# with the catalogue's tariff.
CATALOGUE: dict[str, tuple[str, str, int, int]] = {
    # reading: YAML syntax and YAML 1.1 traps
    "yaml-syntax-unclosed.yaml": ("", "yaml-syntax", 23, 11),
    "yaml-syntax-tab.yaml": ("", "yaml-syntax", 11, 1),
    "yaml-syntax-two-documents.yaml": ("", "yaml-syntax", 41, 1),
    "control-character.yaml": ("", "yaml-syntax", 3, 17),
    "duplicate-key.yaml": ("", "duplicate-key", 13, 5),
    "yaml-bool-no.yaml": ("", "yaml-bool", 6, 9),
    "roster-yaml-bool.yaml": ("", "yaml-bool", 5, 11),
    "yaml-sexagesimal.yaml": ("", "yaml-sexagesimal", 28, 15),
    "roster-yaml-octal.yaml": ("", "yaml-octal", 4, 9),
    "yaml-date-impossible.yaml": ("", "yaml-date", 5, 13),
    "roster-yaml-date.yaml": ("", "yaml-date", 13, 35),
    "yaml-alias-bomb.yaml": ("", "yaml-alias", 3, 8),
    "yaml-tag-python-object.yaml": ("", "yaml-tag", 4, 8),
    "yaml-merge.yaml": ("", "yaml-merge", 30, 5),
    "yaml-number-20-digits.yaml": ("", "yaml-number", 40, 31),
    "yaml-depth.yaml": ("", "yaml-depth", 2, 71),
    "empty.yaml": ("", "empty-file", 1, 1),
    "comments-only.yaml": ("", "empty-file", 1, 1),
    "not-a-mapping.yaml": ("", "not-a-mapping", 2, 1),
    "unknown-kind.yaml": ("", "unknown-kind", 2, 1),
    # shape (Pydantic errors placed back on the YAML nodes)
    "missing-key.yaml": ("", "missing-key", 2, 1),
    "missing-kind.yaml": ("", "missing-key", 3, 1),
    "unknown-key.yaml": ("", "unknown-key", 9, 1),
    "unknown-choice.yaml": ("", "unknown-choice", 12, 14),
    "unknown-rule.yaml": ("", "unknown-choice", 27, 15),
    "wrong-type.yaml": ("", "wrong-type", 28, 15),
    "wrong-date-format.yaml": ("", "wrong-type", 5, 13),
    "roster-id-number.yaml": ("", "wrong-type", 4, 9),
    "roster-population-decimal.yaml": ("", "wrong-type", 11, 24),
    "roster-population-zero.yaml": ("", "invalid-value", 11, 24),
    "roster-duplicate-year.yaml": ("", "duplicate-key", 9, 7),
    "roster-override-no-reference.yaml": ("", "missing-key", 10, 9),
    # money that cannot be read exactly to the cent; amounts and rates non-negative
    "number-format.yaml": ("", "number-format", 22, 41),
    "money-precision.yaml": ("", "money-precision", 22, 41),
    "too-large.yaml": ("", "too-large", 40, 31),
    "negative-amount.yaml": ("", "negative", 40, 31),
    "negative-rate.yaml": ("", "negative", 28, 15),
    # brackets
    "bracket-gap.yaml": ("", "bracket-gap", 23, 20),
    "bracket-overlap.yaml": ("", "bracket-overlap", 23, 20),
    "bracket-order.yaml": ("", "bracket-order", 23, 30),
    "bracket-start.yaml": ("", "bracket-start", 22, 20),
    "bracket-end.yaml": ("", "bracket-end", 23, 30),
    "bracket-open.yaml": ("", "bracket-open", 22, 13),
    # references, duplicates, worked examples
    "unknown-offer.yaml": ("", "unknown-offer", 32, 19),
    "credit-source.yaml": ("", "credit-source", 33, 21),
    "duplicate-offer.yaml": ("", "duplicate-offer", 29, 9),
    "duplicate-part.yaml": ("", "duplicate-part", 24, 15),
    "staffing-order.yaml": ("", "staffing-order", 48, 14),
    "example-mismatch.yaml": ("", "example-mismatch", 49, 14),
    "example-unknown-line.yaml": ("", "unknown-line", 49, 15),
    # unit price × quantity: price lists, units, acts
    "price-order.yaml": ("", "price-order", 27, 20),
    "price-start.yaml": ("", "price-start", 24, 20),
    "price-units.yaml": ("", "price-units", 27, 26),
    "price-entry.yaml": ("", "price-entry", 25, 13),
    "unit-price-figure-entry.yaml": ("", "price-entry", 25, 13),
    "unit-price-figure-unknown.yaml": ("", "unknown-figure", 25, 40),
    "unit-price-figure-kind.yaml": ("", "figure-kind", 25, 40),
    "duplicate-unit.yaml": ("", "duplicate-unit", 31, 18),
    "annual-rule.yaml": ("", "annual-rule", 19, 15),
    "act-outside-subscription": ("roster.yaml", "act-outside-subscription", 10, 41),
    "consumption-unknown-unit": ("actes-2026.csv", "unknown-unit", 3, 7),
    "act-year": ("actes-2026.csv", "act-year", 3, 25),
    "volume-maximum": ("roster.yaml", "volume-maximum", 12, 63),
    "volume-unit": ("roster.yaml", "volume-unit", 9, 26),
    "volume-bounds": ("roster.yaml", "volume-bounds", 9, 19),
    "quantity-fraction": ("roster.yaml", "quantity-fraction", 9, 63),
    "free-units.yaml": ("", "free-units", 24, 13),
    "minimum-due.yaml": ("", "minimum-due", 20, 15),
    # one-off missions quoted, then billed on delivery
    "mission-offer.yaml": ("", "mission-offer", 19, 15),
    "mission-quote": ("roster.yaml", "mission-quote", 7, 38),
    # indexation
    "example-index.yaml": ("", "example-index", 50, 11),
    # unit cost (CGCT D5211-16)
    "unit-cost-adjustment.yaml": ("", "unknown-part", 40, 13),
    # pools
    "pool-layers.yaml": ("", "pool-layers", 42, 11),
    "pool-undefined-key.yaml": ("", "undefined-key", 25, 68),
    "pool-ratio.yaml": ("", "pool-ratio", 27, 24),
    "unknown-member": ("tariff.yaml", "unknown-member", 21, 89),
    "single-line.yaml": ("", "single-line", 32, 11),
    "key-unrounded.yaml": ("", "key-unrounded", 14, 29),
    "key-rounding-form.yaml": ("", "key-rounding-form", 13, 17),
    # floors and caps
    "limit-order.yaml": ("", "limit-order", 38, 17),
    "limit-prorated.yaml": ("", "limit-prorated", 42, 90),
    "reserved-offer-id.yaml": ("", "reserved-offer-id", 29, 9),
    "rule-migration.yaml": ("", "rule-migration", 31, 9),
    "duplicate-category.yaml": ("", "duplicate-category", 31, 13),
    "per-attribute-undeclared.yaml": ("", "unknown-attribute", 21, 20),
    "amount-pending-reason.yaml": ("", "missing-key", 15, 9),
    "quantity-step.yaml": ("", "quantity-step", 30, 77),
    "rounding-step.yaml": ("", "rounding-step", 20, 13),
    "weekly-maximum.yaml": ("", "weekly-maximum", 33, 55),
    "hours-per-day.yaml": ("", "hours-per-day", 21, 24),
    "rate-start.yaml": ("", "rate-start", 22, 20),
    # percent-of-figure: declared figures, dated percentages, statutory ceilings
    "percent-of-figure-ceiling.yaml": ("", "rate-ceiling", 23, 18),
    "percent-of-figure-kind.yaml": ("", "figure-kind", 22, 17),
    "percent-of-figure-source.yaml": ("", "percent-source", 18, 9),
    "percent-of-figure-start.yaml": ("", "rate-start", 25, 20),
    "percent-of-figure-unknown.yaml": ("", "unknown-figure", 22, 17),
    "figure-unknown-roster": ("roster.yaml", "unknown-figure", 6, 15),
    "per-inhabitant-ceiling.yaml": ("", "rate-ceiling", 22, 38),
    # keys (cost sharing by the parties a tariff names)
    "sharing-key-sum.yaml": ("", "key-sum", 15, 7),
    "key-start.yaml": ("", "key-start", 15, 16),
    "key-start-day.yaml": ("", "key-start", 16, 16),
    "key-dated-sum.yaml": ("", "key-sum", 18, 11),
    "key-dated-source.yaml": ("", "key-source", 12, 5),
    "sharing-unknown-party.yaml": ("", "unknown-party", 17, 7),
    "key-rounding.yaml": ("", "key-rounding", 31, 9),
    "undefined-key.yaml": ("", "undefined-key", 24, 89),
    "agent-shares": ("budget-2026.yaml", "agent-shares", 7, 40),
    # validity periods
    "validity-order.yaml": ("", "validity-order", 6, 14),
    "validity-overlap": ("validity-overlap/exemple-2026.yaml", "validity-overlap", 5, 13),
    "validity-gap": ("validity-gap/exemple-2026.yaml", "validity-gap", 5, 13),
    # rosters
    "roster-member-id-4-digits.yaml": ("", "member-id", 4, 9),
    "roster-member-id-corsica.yaml": ("", "member-id", 9, 9),
    "roster-duplicate-member.yaml": ("", "duplicate-member", 9, 9),
    "roster-subscription-order.yaml": ("", "subscription-order", 8, 48),
    "roster-subscription-overlap.yaml": ("", "subscription-overlap", 9, 31),
    "roster-subscription-dates.yaml": ("", "subscription-dates", 8, 9),
    "roster-unknown-offer.yaml": ("", "unknown-offer", 13, 17),
    "roster-override-part.yaml": ("", "override-part", 10, 30),
    "roster-override-unused.yaml": ("", "override-unused", 10, 81),
    "roster-override-migration.yaml": ("", "override-migration", 10, 9),
    "roster-unknown-attribute.yaml": ("", "unknown-attribute", 7, 18),
    "roster-attribute-type.yaml": ("", "attribute-type", 7, 37),
    "roster-settlement-not-provided.yaml": ("", "settlement-not-provided", 11, 17),
    "roster-no-tariff.yaml": ("", "no-tariff", 2, 10),
    "budget-no-tariff.yaml": ("", "no-tariff", 2, 10),
    # servcommun.toml and the files it names
    "toml-syntax": ("servcommun.toml", "toml-syntax", 3, 25),
    "toml-not-utf8": ("servcommun.toml", "not-utf8", 1, 4),
    "toml-type-tariffs": ("servcommun.toml", "config-type", 3, 11),
    "toml-type-roster": ("servcommun.toml", "config-type", 4, 10),
    "toml-type-services": ("servcommun.toml", "config-type", 2, 12),
    "toml-type-default": ("servcommun.toml", "config-type", 2, 11),
    "toml-unknown-key": ("servcommun.toml", "config-key", 3, 1),
    "toml-placeholder": ("servcommun.toml", "config-placeholder", 4, 11),
    "toml-placeholder-unclosed": ("servcommun.toml", "config-placeholder", 4, 15),
    "not-found": ("servcommun.toml", "not-found", 3, 13),
    "service-mismatch": ("tariff.yaml", "service-mismatch", 3, 10),
    "csv-columns": ("roster.csv", "csv-columns", 3, 1),
    "config-path": ("servcommun.toml", "config-path", 4, 10),
    "csv-duplicate-column": ("roster.csv", "duplicate-column", 1, 31),
    "csv-date-day-first": ("roster.csv", "wrong-type", 3, 20),
    # bodies that are not communes: id forms, no population, exclusive categories
    "roster-member-id-form.yaml": ("", "member-id", 4, 9),
    "member-id-form.yaml": ("", "member-id-form", 10, 5),
    "roster-population-missing.yaml": ("", "population-missing", 9, 5),
    "unknown-category.yaml": ("", "unknown-category", 54, 42),
    "exclusive-categories": ("roster.yaml", "exclusive-categories", 5, 43),
    "consumption-unknown-party": ("actes-2026.csv", "unknown-member", 3, 1),
    # identities, imputations and the journal of the titres issued
    "roster-siret.yaml": ("", "siret", 6, 12),
    "roster-siren.yaml": ("", "siren", 6, 12),
    "roster-siret-siren.yaml": ("", "siret-siren", 7, 12),
    "issuer-siret": ("servcommun.toml", "siret", 7, 9),
    "imputation-missing": ("tariff.yaml", "imputation-missing", 37, 9),
    "journal-digest": ("journal/exemple.yaml", "journal-digest", 57, 9),
    # warnings (checked with --strict): a roster against the official table
    "roster-former-commune.yaml": ("", "former-commune", 5, 9),
    "roster-commune-name.yaml": ("", "commune-name", 5, 11),
    "roster-population-official.yaml": ("", "population-official", 7, 24),
    "roster-unknown-commune.yaml": ("", "unknown-commune", 4, 9),
    "roster-commune-siren.yaml": ("", "commune-siren", 6, 12),
    "outside-epci": ("roster.yaml", "outside-epci", 6, 9),
    # warnings: a mission delivered beyond its quote by more than the tolerance
    "mission-overrun": ("roster.yaml", "mission-overrun", 10, 19),
    # warnings: advances of the journal no final statement deducts any more
    "advance-member": ("journal/exemple.yaml", "advance-member", 36, 3),
    "advance-offer": ("journal/exemple.yaml", "advance-offer", 15, 3),
}
WARNINGS = {code for _, code, _, _ in list(CATALOGUE.values())[-9:]}
"""The catalogue's warnings: their cases are checked with ``--strict``, to exit 1."""

# generated into tmp_path rather than committed: name → (content, code, line, column)
LATIN_1 = "# Fégréac, saved in Latin-1\nservice: exemple\nmembers:\n  - name: Fégréac\n"
GENERATED: dict[str, tuple[bytes, str, int, int]] = {
    "binary.yaml": (b"kind: contribution-grid\nservice: ex\x00\x01emple\n", "binary-file", 2, 12),
    "not-utf8.yaml": (LATIN_1.encode("latin-1"), "not-utf8", 1, 4),
    "fifty-megabytes.yaml": (b"", "file-too-large", 1, 1),  # written in _prepare
}

MEMORY_LIMIT = 1 << 30  # 1 GiB of address space per run
TIME_LIMIT = 60  # seconds per run; a run takes well under one


def _prepare(case: str, tmp_path: Path) -> tuple[list[str], Path]:
    """Copy (or write) a case into ``tmp_path``, away from the repository's own
    servcommun.toml; the arguments and working directory to check it with."""
    if case in GENERATED:
        target = tmp_path / case
        if case == "fifty-megabytes.yaml":
            member = b'  - {id: "35236", name: Redon, population: {2026: 9312}}\n'
            with target.open("wb") as stream:
                stream.write(b"service: exemple\nmembers:\n")
                stream.write(member * (50 * 1024 * 1024 // len(member) + 1))
        else:
            target.write_bytes(GENERATED[case][0])
        return [case], tmp_path
    source = ERRORS / case
    if source.is_dir():
        shutil.copytree(source, tmp_path / case)
        if (source / "servcommun.toml").exists():
            return [], tmp_path / case
        return [case], tmp_path
    shutil.copy(source, tmp_path / case)
    if case.startswith("roster-"):
        shutil.copy(CATALOGUE_TARIFF, tmp_path / "_tariff.yaml")
        return ["_tariff.yaml", case], tmp_path
    return [case], tmp_path


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


FORMATS = ("text", "json", "github")


def _check_all_formats(args: list[str], cwd: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """``servcommun check`` in the three formats, in this process."""
    return {fmt: run("check", *args, "--format", fmt, cwd=cwd) for fmt in FORMATS}


def _check_all_formats_as_processes(
    args: list[str], cwd: Path
) -> dict[str, subprocess.CompletedProcess[str]]:
    """``servcommun check`` in the three formats, as three bounded processes at once."""
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    processes = {
        fmt: subprocess.Popen(
            [sys.executable, "-m", "servcommun", "check", *args, "--format", fmt],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_bounded,
        )
        for fmt in FORMATS
    }
    results = {}
    for fmt, process in processes.items():
        try:
            stdout, stderr = process.communicate(timeout=TIME_LIMIT)
        except subprocess.TimeoutExpired:
            for other in processes.values():
                other.kill()
            pytest.fail(f"check --format {fmt} {' '.join(args)} ran over {TIME_LIMIT} s")
        results[fmt] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return results


def _expected(case: str) -> tuple[str, str, int, int]:
    if case in GENERATED:
        _, code, line, column = GENERATED[case]
        return case, code, line, column
    file, code, line, column = CATALOGUE[case]
    return file or case, code, line, column


@pytest.mark.parametrize("case", [*CATALOGUE, *GENERATED])
def test_error_catalogue(case: str, tmp_path: Path) -> None:
    args, cwd = _prepare(case, tmp_path)
    if _expected(case)[1] in WARNINGS:  # a warning fails the check with --strict
        args.append("--strict")
    _assert_found(case, _check_all_formats(args, cwd))


# the formats and exit codes of real processes, bounded in time and memory, on the cases
# that would cost the most if a guard failed (an alias bomb, deep nesting, 50 MB, bytes
# that are not text), a located problem with its excerpt, and a configuration folder
AS_PROCESSES = (
    "yaml-alias-bomb.yaml",
    "yaml-depth.yaml",
    "fifty-megabytes.yaml",
    "binary.yaml",
    "bracket-gap.yaml",
    "csv-columns",
)


@pytest.mark.parametrize("case", AS_PROCESSES)
def test_error_catalogue_as_real_processes(case: str, tmp_path: Path) -> None:
    args, cwd = _prepare(case, tmp_path)
    if _expected(case)[1] in WARNINGS:
        args.append("--strict")
    _assert_found(case, _check_all_formats_as_processes(args, cwd))


def _assert_found(case: str, results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    """Each format exits 1 with no traceback, and locates the case's problem."""
    file, code, line, column = _expected(case)
    for fmt, result in results.items():
        assert result.returncode == 1, (fmt, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, (fmt, result.stderr)
        assert "internal-error" not in result.stdout, result.stdout

    text = results["text"].stdout.splitlines()
    severity = "warning" if code in WARNINGS else "error"
    located = f"{file}:{line}:{column}: {code} "
    assert any(row.startswith(located) for row in text), "\n".join(text)
    assert text[-1].endswith("checked)" if severity == "error" else "warning") and (
        " problem" in text[-1]
    )

    data = json.loads(results["json"].stdout)
    assert {"file": file, "line": line, "column": column, "code": code, "severity": severity} in [
        {key: d[key] for key in ("file", "line", "column", "code", "severity")}
        for d in data["diagnostics"]
    ], data["diagnostics"]
    assert data["summary"]["errors" if severity == "error" else "warnings"] >= 1

    command = f"::{severity} file={file},line={line},col={column},title={code}::{code} "
    assert any(row.startswith(command) for row in results["github"].stdout.splitlines()), results[
        "github"
    ].stdout


def test_catalogue_covers_every_file_of_tests_errors() -> None:
    on_disk = {path.name for path in ERRORS.iterdir() if not path.name.startswith("_")}
    assert on_disk == set(CATALOGUE)
    assert len(CATALOGUE) + len(GENERATED) >= 40


def test_catalogue_base_files_are_valid() -> None:
    result = run("check", str(ERRORS / "_valid"))
    assert result.returncode == 0, result.stdout
    assert result.stdout == "2 files checked, no problems\n"


# -- the shipped files ------------------------------------------------------------------


def test_shipped_tariffs_and_examples_pass() -> None:
    result = run_process("check", "tariffs/", "examples/")
    assert result.returncode == 0, result.stdout
    # every YAML file, and the CSV consumption files servcommun.toml names
    # (a link to a tariff, in a data directory of examples/, is the tariff: checked once)
    shipped = sum(
        1
        for folder in ("tariffs", "examples")
        for path in (ROOT / folder).rglob("*.yaml")
        if not path.is_symlink()
    )
    shipped += sum(1 for _ in (ROOT / "examples").rglob("*.csv"))
    assert result.stdout.splitlines()[-1].startswith(f"{shipped} files checked, no problems")
    assert "Traceback" not in result.stderr


def test_default_checks_the_files_of_servcommun_toml() -> None:
    result = run("check", "--format", "json")
    assert result.returncode == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["files"][0] == "servcommun.toml"
    assert "tariffs/redon-agglomeration-2022.yaml" in data["files"]
    assert "examples/redon/roster.yaml" in data["files"]


def test_review_needed_is_a_warning_and_strict_makes_it_fail() -> None:
    # the example roster deliberately holds a commune with its own IT department and no
    # override (Guémené-Penfao): reported, but the check passes
    result = run("check", "tariffs/redon-agglomeration-2022.yaml", "examples/redon/roster.yaml")
    assert result.returncode == 0, result.stdout
    [review] = [row for row in result.stdout.splitlines() if ": needs-review " in row]
    assert review.startswith("examples/redon/roster.yaml:") and (
        ": needs-review warning: member 44067 Guémené-Penfao needs review in 2026" in review
    )
    # its populations are the official ones: no other warning
    assert result.stdout.splitlines()[-1] == "2 files checked, no problems, 1 warning"
    github = run(
        "check",
        "tariffs/redon-agglomeration-2022.yaml",
        "examples/redon/roster.yaml",
        "--format",
        "github",
    )
    assert github.stdout.startswith("::warning file=examples/redon/roster.yaml,")
    strict = run(
        "check", "tariffs/redon-agglomeration-2022.yaml", "examples/redon/roster.yaml", "--strict"
    )
    assert strict.returncode == 1


def test_no_paths_and_no_config_is_a_usage_error_saying_what_to_give(tmp_path: Path) -> None:
    """A pre-commit hook in a repository without servcommun.toml: checking the bundled
    example instead would pass whatever the user's files say."""
    (tmp_path / "tariff.yaml").write_text("not: [a tariff\n")  # never looked at
    result = run_process("check", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "servcommun check: no files given and no servcommun.toml here or above: give the "
        "files or folders to check (servcommun check tariffs/ roster.yaml), or run it in a "
        "data directory"
    ]
    # the files given are checked, with no word of the bundled example
    given = run("check", "tariff.yaml", cwd=tmp_path)
    assert given.returncode == 1 and "tariff.yaml:2:1: yaml-syntax" in given.stdout
    assert "bundled" not in given.stderr


def test_missing_path_is_a_usage_error() -> None:
    result = run_process("check", "no-such-folder/")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_every_problem_of_every_file_in_one_run(tmp_path: Path) -> None:
    for case in ("bracket-gap.yaml", "money-precision.yaml", "yaml-alias-bomb.yaml"):
        shutil.copy(ERRORS / case, tmp_path / case)
    result = run("check", ".", cwd=tmp_path)
    assert result.returncode == 1
    codes = [
        row.split(": ", 1)[1].split()[0]
        for row in result.stdout.splitlines()
        if row.count(":") >= 3 and not row.startswith(" ")
    ]
    assert {"bracket-gap", "money-precision", "yaml-alias"} <= set(codes)
    assert result.stdout.splitlines()[-1].endswith("in 3 files (3 files checked)")


def test_folders_skip_hidden_files_and_unnamed_csv(tmp_path: Path) -> None:
    shutil.copy(CATALOGUE_TARIFF, tmp_path / "tariff.yaml")
    write(tmp_path / ".github" / "workflows" / "ci.yml", "on: push\n")
    write(tmp_path / "exports" / "bill-2026.csv", "member_id,amount\n35236,5828.00\n")
    result = run("check", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout == "1 file checked, no problems\n"


def test_text_quotes_the_line_with_a_caret(tmp_path: Path) -> None:
    shutil.copy(ERRORS / "bracket-gap.yaml", tmp_path / "bracket-gap.yaml")
    result = run("check", "bracket-gap.yaml", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "bracket-gap.yaml:23:20: bracket-gap brackets 0–1,499 and 1,600–8,000 leave "
        "1,500–1,599 uncovered",
        '  23 |           - {from: 1600, to: 8000, amount: "2000.00"}',
        "     |                    ^",
        "1 problem in 1 file (1 file checked)",
    ]


def test_messages_say_what_to_write_instead(tmp_path: Path) -> None:
    cases = {
        "roster-member-id-4-digits.yaml": 'write "01004"',
        "roster-member-id-corsica.yaml": '"2A004" or "2B004"',
        "number-format.yaml": 'write "1500.00"',
        "yaml-bool-no.yaml": "quote it ('no')",
        "yaml-sexagesimal.yaml": "quote it ('1:30')",
        "bracket-overlap.yaml": "write 'from: 1500'",
    }
    shutil.copy(CATALOGUE_TARIFF, tmp_path / "_tariff.yaml")
    for case in cases:
        shutil.copy(ERRORS / case, tmp_path / case)
    result = run("check", "_tariff.yaml", *cases, cwd=tmp_path)
    for case, advice in cases.items():
        assert any(
            row.startswith(f"{case}:") and advice in row for row in result.stdout.splitlines()
        ), (case, result.stdout)


def test_service_ends_allows_a_gap(tmp_path: Path) -> None:
    shutil.copytree(ERRORS / "validity-gap", tmp_path / "tariffs")
    first = tmp_path / "tariffs" / "exemple-2024.yaml"
    first.write_text(
        first.read_text().replace(
            "valid_until: 2025-06-30", "valid_until: 2025-06-30\nservice_ends: true"
        )
    )
    result = run("check", "tariffs", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


# -- bill reads the same files with the same one-line errors ------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "bracket-gap.yaml",
        "yaml-alias-bomb.yaml",
        "too-large.yaml",
        "yaml-depth.yaml",
        "example-mismatch.yaml",
    ],
)
def test_bill_reports_a_broken_tariff_like_check(case: str, tmp_path: Path) -> None:
    shutil.copy(ERRORS / case, tmp_path / "tariff.yaml")
    shutil.copy(ERRORS / "_valid" / "roster.yaml", tmp_path / "roster.yaml")
    write(
        tmp_path / "servcommun.toml",
        """
        [services.exemple]
        tariffs = ["tariff.yaml"]
        roster = "roster.yaml"
    """,
    )
    _same_first_error(tmp_path)


@pytest.mark.parametrize(
    "case",
    [
        "roster-member-id-4-digits.yaml",
        "roster-subscription-overlap.yaml",
        "roster-yaml-octal.yaml",
        "roster-subscription-order.yaml",
        "roster-unknown-offer.yaml",
    ],
)
def test_bill_reports_a_broken_roster_like_check(case: str, tmp_path: Path) -> None:
    shutil.copy(CATALOGUE_TARIFF, tmp_path / "tariff.yaml")
    shutil.copy(ERRORS / case, tmp_path / "roster.yaml")
    write(
        tmp_path / "servcommun.toml",
        """
        [services.exemple]
        tariffs = ["tariff.yaml"]
        roster = "roster.yaml"
    """,
    )
    _same_first_error(tmp_path)


def _same_first_error(folder: Path) -> None:
    checked = run("check", cwd=folder)
    billed = run("bill", "--year", "2026", cwd=folder)
    assert billed.returncode == checked.returncode == 1
    assert "Traceback" not in billed.stderr and billed.stdout == ""
    first_error = next(
        row
        for row in checked.stdout.splitlines()
        if ": " in row and not row.startswith(" ") and " warning: " not in row
    )
    assert billed.stderr.splitlines()[0] == first_error


# -- schema and editors -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["tariff", "roster", "budget", "consumption", "index"])
def test_committed_schema_is_the_generated_one(kind: str) -> None:
    from servcommun import language
    from servcommun.formats import Kind
    from servcommun.schemas import json_schema_text

    committed = (ROOT / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8")
    language.choose("fr")  # the hovers a French editor shows
    assert committed == json_schema_text(Kind(kind)), (
        f"schema/{kind}.schema.json is stale: servcommun schema --lang fr --kind {kind} "
        f"--output schema/{kind}.schema.json --force"
    )


def test_schema_command_prints_the_tariff_schema() -> None:
    result = run("schema", "--lang", "fr")
    assert result.returncode == 0
    assert result.stdout == (ROOT / "schema" / "tariff.schema.json").read_text(encoding="utf-8")
    english = json.loads(run("schema").stdout)  # the tests' language
    french = json.loads(result.stdout)
    assert (
        english["description"].startswith("One version")
        and french["description"] != english["description"]
    )


SHIPPED = sorted(
    path
    for path in [*(ROOT / "tariffs").rglob("*.yaml"), *(ROOT / "examples").rglob("*.yaml")]
    if not path.is_symlink()  # a link stands for its target, checked where it is
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_files_point_editors_at_their_schema_and_follow_it(path: Path) -> None:
    from servcommun.formats import kind_of
    from servcommun.reader import parse_yaml

    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# yaml-language-server: $schema=")
    schema_path = (path.parent / first_line.split("$schema=", 1)[1]).resolve()
    doc = parse_yaml(path.read_text(encoding="utf-8"), path.name)
    kind = kind_of(doc.data, "")
    assert schema_path == ROOT / "schema" / f"{kind}.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(_as_json(doc.data)))
    assert not errors, [error.message for error in errors]


def _as_json(value: object) -> object:
    """The data as an editor sees it: dates and decimals as text, keys as text."""
    if isinstance(value, dict):
        return {str(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)


def test_pre_commit_hook_runs_the_check() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(hook for hook in hooks if hook["id"] == "servcommun-check")
    assert hook["entry"] == "servcommun check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False


# -- the pieces, in process ------------------------------------------------------------


def test_github_format_escapes_what_workflow_commands_reserve() -> None:
    from servcommun.diagnostics import Diagnostic, Report
    from servcommun.message import msg
    from servcommun.render.diagnostics import github

    report = Report(
        ("a,b:c.yaml",),
        (Diagnostic("a,b:c.yaml", 3, 7, "key-sum", msg("sums to 99 %\nadd 1")),),
    )
    assert github(report).splitlines()[0] == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=7,title=key-sum::key-sum sums to 99 %25%0Aadd 1"
    )


def test_exact_to_the_cent_reads_digits_not_quantize() -> None:
    from decimal import Decimal

    from servcommun.money import has_cents_only

    assert has_cents_only(Decimal("1500.100")) and has_cents_only(Decimal("1E+30"))
    assert not has_cents_only(Decimal("1500.005")) and not has_cents_only(Decimal("1E-400000"))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("kind: contribution-grid\n", "tariff"),
        ("kind: cost-sharing\n", "tariff"),
        ("kind: grille\n", "tariff"),
        ("members: []\n", "roster"),
        ("year: 2026\nlines: []\n", "budget"),
        ("# yaml-language-server: $schema=../../schema/roster.schema.json\nservice: x\n", "roster"),
        ("title: notes\n", None),
    ],
)
def test_kind_of_a_file_from_its_content(text: str, kind: str | None) -> None:
    from servcommun.formats import kind_of
    from servcommun.reader import parse_yaml

    found = kind_of(parse_yaml(text, "f.yaml").data, text)
    assert (found.value if found else None) == kind


def test_versions_in_order_whatever_the_order_of_the_files() -> None:
    from servcommun.checks import check_versions
    from servcommun.loader import tariff_problems
    from servcommun.reader import parse_yaml

    base = CATALOGUE_TARIFF.read_text(encoding="utf-8")

    def version(name: str, start: str, end: str | None, ends: bool = False) -> tuple:  # type: ignore[type-arg]
        period = (
            f"valid_from: {start}\n"
            + (f"valid_until: {end}\n" if end else "")
            + ("service_ends: true\n" if ends else "")
        )
        doc = parse_yaml(base.replace("valid_from: 2024-01-01\n", period), name)
        tariff, problems = tariff_problems(doc)
        assert not problems
        return doc, tariff

    a = version("a.yaml", "2024-01-01", "2024-12-31")
    b = version("b.yaml", "2025-01-01", "2025-06-30", ends=True)
    c = version("c.yaml", "2026-01-01", None)
    assert list(check_versions([c, a, b])) == []
    d = version("d.yaml", "2026-06-01", None)
    assert [(p.file, p.code) for p in check_versions([d, c])] == [("d.yaml", "validity-overlap")]


@pytest.mark.parametrize("kind", ["tariff", "budget", "consumption", "index"])
def test_the_format_reference_page_names_every_key_of_the_schema(kind: str) -> None:
    import re

    page = (ROOT / "docs" / "tariff-format.md").read_text(encoding="utf-8")
    schema = json.loads((ROOT / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    definitions = [schema, *schema.get("$defs", {}).values()]
    keys = {key for definition in definitions for key in definition.get("properties", {})}
    # and every rule and kind a file can say
    keys |= {
        definition["properties"][tag]["const"]
        for definition in definitions
        for tag in ("rule", "kind")
        if "const" in definition.get("properties", {}).get(tag, {})
    }
    missing = sorted(
        key for key in keys if not re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", page)
    )
    assert not missing, f"docs/tariff-format.md does not describe {missing}"


def test_github_annotations_name_files_from_the_repository_root_and_summarise_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # run from a subfolder of the repository: the pull request knows paths from its root
    workspace = tmp_path / "repo"
    folder = workspace / "donnees" / "tarifs"
    folder.mkdir(parents=True)
    shutil.copy(ERRORS / "bracket-gap.yaml", folder / "bracket-gap.yaml")
    summary_file = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_WORKSPACE", str(workspace))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    result = run("check", "bracket-gap.yaml", "--format", "github", cwd=folder)
    assert result.returncode == 1
    assert result.stdout.startswith(
        "::error file=donnees/tarifs/bracket-gap.yaml,line=23,col=20,title=bracket-gap::"
    )
    said = summary_file.read_text(encoding="utf-8")
    assert said.startswith("## servcommun check\n\n1 problem in 1 file")
    assert "| `bracket-gap.yaml:23:20` | error `bracket-gap` |" in said


def test_the_summary_counts_with_the_noun_each_number_asks_for() -> None:
    from servcommun.diagnostics import Diagnostic, Report, Severity
    from servcommun.message import msg
    from servcommun.render.diagnostics import markdown_summary, summary

    def problem(file: str, severity: Severity = Severity.ERROR) -> Diagnostic:
        return Diagnostic(file, 1, 1, "bracket-gap", msg("a problem"), severity=severity)

    warning = problem("b.yaml", Severity.WARNING)
    assert summary(Report(("a.yaml",), ())) == "1 file checked, no problems"
    assert summary(Report(("a.yaml", "b.yaml"), (warning,))) == (
        "2 files checked, no problems, 1 warning"
    )
    assert summary(Report(("a.yaml", "b.yaml"), (warning, warning))) == (
        "2 files checked, no problems, 2 warnings"
    )
    assert summary(Report(("a.yaml",), (problem("a.yaml"),))) == (
        "1 problem in 1 file (1 file checked)"
    )
    many = Report(("a.yaml", "b.yaml", "c.yaml"), (problem("a.yaml"), problem("b.yaml"), warning))
    assert summary(many) == "2 problems in 2 files, 1 warning (3 files checked)"
    said = markdown_summary(many)
    assert "| place | code | message |" in said
    assert "| `b.yaml:1:1` | warning `bracket-gap` | a problem |" in said


def test_a_key_off_by_a_point_or_by_points_says_how_many() -> None:
    from decimal import Decimal

    from servcommun.key_checks import key_shares
    from servcommun.reader import Document
    from servcommun.render.words import say
    from servcommun.tariff import Tariff

    doc = Document("k.yaml", "shares:\n  a: 1\n", {}, {})
    tariff = Tariff.model_construct(parties=())

    def said(*shares: str) -> list[str]:
        key = {f"p{i}": Decimal(share) for i, share in enumerate(shares)}
        return [say(d.message) for d in key_shares(doc, (), key, Decimal("0.01"), tariff)]

    assert said("60.00", "39.00") == ["the key sums to 99%, not 100%: add 1 point (60.00 + 39.00)"]
    assert said("60.00", "41.50") == [
        "the key sums to 101.5%, not 100%: remove 1.5 points (60.00 + 41.50)"
    ]
    assert said("60.00", "38.125") == [
        "38.125% is written beyond the key's precision (0.01%): round it, or set 'precision'",
        "the key sums to 98.125%, not 100%: add 1.875 points (60.00 + 38.125)",
    ]
