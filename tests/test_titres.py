"""From a bill to money: identities and imputations as data, the titres de recettes of a
year (summing exactly to its bill), the produits à rattacher, the journal of what was
issued and the corrections of an issued year — to the cent, on the shipped Redon and
Rouen services, in a copy of the data directory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pydantic import ValidationError

from conftest import ROOT, run, run_process
from servcommun import language
from servcommun.engine.result import MemberRef
from servcommun.identity import Issuer, luhn_valid, siret_of
from servcommun.render.titres import COLUMNS, EXAMPLE, KINDS
from servcommun.titres import (
    Booking,
    Debtor,
    Titling,
    Titre,
    TitreKind,
    attachment_name,
    corrections,
    number_titres,
)

SERVICES = (
    "redon-agglomeration",
    "rouen",
    "ads-exemple",
    "prorata-exemple",
    "cotisation-exemple",
    "indexe-exemple",
    "pool-exemple",
    "rh-exemple",
    "cout-unitaire-exemple",
    "reglement-exemple",
)


def _json(*args: str, cwd: Path = ROOT) -> dict:  # type: ignore[type-arg]
    result = run(*args, "--format", "json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _data_directory(tmp_path: Path) -> Path:
    """A copy of the repository's data directory (servcommun.toml, tariffs, examples)."""
    here = tmp_path / "donnees"
    here.mkdir()
    shutil.copy(ROOT / "servcommun.toml", here / "servcommun.toml")
    shutil.copytree(ROOT / "tariffs", here / "tariffs", symlinks=True)
    shutil.copytree(ROOT / "examples", here / "examples", symlinks=True)
    return here


def _cents(text: str) -> Decimal:
    return Decimal(text)


# -- identities -------------------------------------------------------------------------


def test_siren_and_siret_are_checked_by_their_luhn_key() -> None:
    assert luhn_valid("243500741")  # Redon Agglomération
    assert luhn_valid("213502362")  # the commune of Redon
    assert not luhn_valid("213502326")  # two digits swapped
    assert siret_of("243500741") == "24350074100018"
    assert luhn_valid(siret_of("217605401"))
    issuer = {
        "name": "Redon Agglomération",
        "siret": "24350074100019",
        "address": {"lines": ["3 rue Charles Sillard"], "postcode": "35600", "city": "Redon"},
        "ordonnateur": {"title": "Le Président", "name": "Camille Exemple"},
        "comptable": {"name": "SGC de Redon"},
        "payment_terms": "À réception",
        "appeal": {"court": "Tribunal administratif de Rennes"},
    }
    with pytest.raises(ValidationError) as refused:
        Issuer.model_validate(issuer)
    assert refused.value.errors()[0]["type"] == "siret"
    with pytest.raises(ValidationError) as mismatched:
        Issuer.model_validate({**issuer, "siret": "24350074100018", "siren": "213502362"})
    assert mismatched.value.errors()[0]["type"] == "siret-siren"
    assert Issuer.model_validate({**issuer, "siret": "24350074100018"}).siren_number == (
        "243500741"
    )


def test_the_shipped_redon_example_names_every_debtor() -> None:
    data = _json("titres", "--year", "2026")
    debtors = [t["debtor"] for t in data["titres"]]
    assert all(luhn_valid(d["siret"]) and d["siret"].startswith(d["siren"]) for d in debtors)
    redon = next(d for d in debtors if d["id"] == "35236")
    assert redon == {
        "id": "35236",
        "name": "Redon",
        "siren": "213502362",
        "siret": "21350236200014",
        "addressee": "Madame, Monsieur le Maire",
        "address": "Mairie",
        "postcode": "35600",
        "city": "Redon",
        "chorus_service": "FINANCES",
        "engagement": "EJ-2026-0042",
        "deliberation": "Conseil municipal de Redon, 2023-076 of 05/10/2023",
    }
    assert data["issuer"]["siren"] == "243500741"
    assert data["issuer"]["appeal"]["court"] == "Tribunal administratif de Rennes"
    assert data["example"] == "EXAMPLE — illustrative data"  # its issuer is illustrative


# -- the titres of a year ----------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_the_titres_of_every_shipped_service_sum_exactly_to_its_bill(service: str) -> None:
    bill = _json("bill", "--year", "2026", "--service", service)
    titres = _json("titres", "--year", "2026", "--service", service)
    assert titres["total"] == bill["total"]
    assert sum(_cents(t["amount_ttc"]) for t in titres["titres"]) == _cents(bill["total"])
    # one titre per debtor, titling month and imputation
    keys = [
        (t["debtor"]["id"], t["titled"], t["imputation"]["nature"], t["imputation"]["analytic"])
        for t in titres["titres"]
    ]
    assert len(keys) == len(set(keys))
    # every line billed is in one titre, or its member is listed without one
    lines = sorted(
        (s["member"]["id"], line["code"], line["amount"])
        for s in bill["statements"]
        if s.get("billed", True)
        for line in s["lines"]
        if line["amount"] != "0.00"
    )
    titled = sorted(
        (t["debtor"]["id"], line["code"], line["amount"])
        for t in titres["titres"]
        for line in t["lines"]
        if line["amount"] != "0.00"
    )
    assert titled == lines
    assert [r["member"]["id"] for r in titres["needs_review"]] == [
        r["member"]["id"] for r in bill["needs_review"]
    ]
    # amounts outside the scope of VAT: excluding tax = total, tax nil
    assert all(t["tax"] == "0.00" and t["amount_ht"] == t["amount_ttc"] for t in titres["titres"])


def test_redon_2026_titres_to_the_cent() -> None:
    data = _json("titres", "--year", "2026")
    assert data["total"] == "102949.00" and len(data["titres"]) == 22
    by_number = {t["number"]: t for t in data["titres"]}
    # audits titled on delivery, in the exercice 2026; annual contributions in January 2027
    assert [(n, t["debtor"]["name"], t["amount_ttc"]) for n, t in by_number.items()][:3] == [
        ("2026-0001", "Sixt-sur-Aff", "3500.00"),
        ("2026-0002", "Langon", "990.00"),
        ("2026-0003", "Saint-Vincent-sur-Oust", "3500.00"),
    ]
    sixt = next(
        t for t in data["titres"] if t["debtor"]["id"] == "35328" and t["titled"] == "2027-01"
    )
    # the audit credit is in the socle's titre (5 394,50 − 3 500)
    assert sixt["amount_ttc"] == "1894.50" and sixt["number"].startswith("2027-")
    assert sixt["date"] == "2027-01-01" and sixt["exercice"] == 2027
    assert sixt["imputation"] == {
        "nature": "70875",
        "chapter": "70",
        "function": "020",
        "analytic": "SI-SOCLE",
        "tax_regime": "outside-scope",
        "tax_mention": "TVA non applicable, article 256 B du CGI",
        "to_confirm": True,
    }
    assert sixt["attachment"] == "2026-35328-sixt-sur-aff.pdf"
    assert sixt["settlement"] == {"mode": "revenue-title", "attribution_year": None}
    # Langon: an audit (April) and the purchasing group (January 2027), two titres
    langon = [t for t in data["titres"] if t["debtor"]["id"] == "35145"]
    assert [(t["titled"], t["amount_ttc"]) for t in langon] == [
        ("2026-04", "990.00"),
        ("2027-01", "1104.50"),
    ]
    # the produits à rattacher of 2026: what is titled in January 2027
    assert data["accruals_total"] == "94959.00"
    assert sum(_cents(a["amount"]) for a in data["accruals"]) == Decimal("102949.00") - (
        Decimal("3500.00") + Decimal("990.00") + Decimal("3500.00")
    )
    assert {a["exercice"] for a in data["accruals"]} == {2026}
    # the member needing review has no titre, and is listed with the reason
    [review] = data["needs_review"]
    assert review["member"] == {"id": "44067", "name": "Guémené-Penfao"}
    assert "record an override with the reference of the decision" in review["reason"]


def test_a_given_date_of_issue_puts_every_titre_in_its_exercice() -> None:
    data = _json("titres", "--year", "2026", "--date", "2026-12-15")
    assert {(t["date"], t["exercice"]) for t in data["titres"]} == {("2026-12-15", 2026)}
    assert [t["number"] for t in data["titres"]][:2] == ["2026-0001", "2026-0002"]
    assert data["accruals"] == []  # nothing titled after the exercice
    wrong = run("titres", "--year", "2026", "--date", "15/12/2026")
    assert wrong.returncode == 2 and "YYYY-MM-DD" in wrong.stderr


def test_the_pièce_justificative_is_the_statement_servcommun_statements_writes() -> None:
    from servcommun.render.statements import statement_file_name

    for member in (
        MemberRef("35236", "Redon"),
        MemberRef("2A004", "Ajaccio"),
        MemberRef("ccas", "C.C.A.S."),
    ):
        assert attachment_name(2026, member) == statement_file_name(2026, member)


def test_rouen_titres_bill_the_ville_and_the_ccas_not_the_carrier() -> None:
    data = _json("titres", "--year", "2026", "--service", "rouen")
    assert [(t["debtor"]["id"], t["imputation"]["nature"]) for t in data["titres"]] == [
        ("ville", "70875"),
        ("ccas", "70878"),  # not a member commune of the GFP: autres redevables
    ]
    assert data["issuer"]["name"] == "Métropole Rouen Normandie"
    assert data["total"] == _json("bill", "--year", "2026", "--service", "rouen")["total"]


def test_a_statement_wide_cap_reduces_the_titre_billing_the_most() -> None:
    data = _json("titres", "--year", "2026", "--service", "prorata-exemple")
    ville = {tuple(t["offers"]): t for t in data["titres"] if t["debtor"]["id"] == "35913"}
    assert set(ville) == {("socle",), ("hebergement",)}  # each offer its own imputation
    socle, hosting = ville[("socle",)], ville[("hebergement",)]
    # socle 2 500 + 11 400 − 1 900 (its cap), then the cap of the whole statement, −2 000
    assert [line["code"] for line in socle["lines"]][-1] == "statement.cap"
    assert (socle["amount_ttc"], hosting["amount_ttc"]) == ("10000.00", "5000.00")


def test_csv_plain_and_french_dialects() -> None:
    plain = run("titres", "--year", "2026")
    assert plain.returncode == 0
    rows = list(csv.DictReader(io.StringIO(plain.stdout)))
    assert list(rows[0])[:4] == ["kind", "status", "number", "exercice"]
    kinds = [row["kind"] for row in rows]
    assert kinds.count("titre") == 22 and kinds.count("accrual") == 19
    assert kinds.count("review") == 1
    assert sum(_cents(r["amount_ttc"]) for r in rows if r["kind"] == "titre") == Decimal(
        "102949.00"
    )
    review = next(row for row in rows if row["kind"] == "review")
    assert review["debtor_id"] == "44067" and review["reason"] and review["amount_ttc"] == ""
    assert "1 member has no titre" in plain.stderr
    assert {row["note"] for row in rows} == {"EXAMPLE — illustrative data"}
    assert {row["imputation_note"] for row in rows if row["kind"] == "titre"} == {
        "assumption to confirm with the public accountant"
    }
    french = run("titres", "--year", "2026", "--csv-dialect", "fr")
    assert french.stdout.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(french.stdout.removeprefix("\ufeff")), delimiter=";"))
    header, body = table[0], table[1:]
    # a document: the catalogue's French words, the tariff's locale (no --lang given)
    with language.speaking("fr"):
        said = {name: language._(heading) for name, heading in COLUMNS}
        titre = language._(KINDS[TitreKind.TITRE][1])
    assert header == list(said.values())
    amounts = [row[header.index(said["amount_ttc"])] for row in body if row[0] == titre]
    assert len(amounts) == 22 and all("," in a and "." not in a for a in amounts)
    assert sum(Decimal(a.replace(",", ".")) for a in amounts) == Decimal("102949.00")
    dates = {row[header.index(said["date"])] for row in body if row[0] == titre}
    assert "01/01/2027" in dates


def test_xlsx_has_the_titres_the_accruals_and_the_members_without_one(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert (
        run("titres", "--year", "2026", "--format", "xlsx", "--output", str(first)).returncode == 0
    )
    assert (
        run("titres", "--year", "2026", "--format", "xlsx", "--output", str(second)).returncode == 0
    )
    assert first.read_bytes() == second.read_bytes()
    book = openpyxl.load_workbook(first)
    with language.speaking("fr"):  # a document: in the tariff's language
        sheets = [language._(name) for name in ("Titres", "Accruals", "Needs review")]
        mark, total = language._(EXAMPLE), language._(dict(COLUMNS)["amount_ttc"])
    assert book.sheetnames == sheets
    sheet = book[sheets[0]]
    assert sheet["A1"].value == mark
    header = [cell.value for cell in sheet[2]]
    column = header.index(total) + 1
    amounts = [sheet.cell(row, column).value for row in range(3, sheet.max_row + 1)]
    assert len(amounts) == 22 and round(sum(amounts), 2) == 102949.00
    assert book[sheets[2]].max_row == 3  # the mark, the header, Guémené-Penfao
    assert run("titres", "--year", "2026", "--format", "xlsx").returncode == 2


def test_the_bundled_example_is_marked_and_never_issued(tmp_path: Path) -> None:
    result = run("titres", "--year", "2026", "--output", "titres.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "bundled Redon Agglomération example" in result.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "titres.csv").read_text())))
    assert {row["note"] for row in rows} == {"EXAMPLE — illustrative data"}
    refused = run("issue", "--year", "2026", cwd=tmp_path)
    assert refused.returncode == 1 and "bundled example is never issued" in refused.stderr
    assert not (tmp_path / "journal").exists()


def test_an_offer_that_bills_without_an_imputation_is_a_located_error(tmp_path: Path) -> None:
    here = _data_directory(tmp_path)
    tariff = here / "tariffs" / "redon-agglomeration-2022.yaml"
    text = tariff.read_text(encoding="utf-8")
    start = text.index("    imputation:", text.index("  - id: audit"))
    end = text.index("    review:", start)
    tariff.write_text(text[:start] + text[end:], encoding="utf-8")
    result = run_process("titres", "--year", "2026", cwd=here)
    assert result.returncode == 1 and result.stdout == ""
    assert (
        result.stderr.splitlines()[0].startswith("tariffs/redon-agglomeration-2022.yaml:")
        and ": imputation-missing offer 'audit' has no imputation" in result.stderr
    )
    assert "Traceback" not in result.stderr
    checked = run("check", cwd=here)  # the service has an issuer: an error for check too
    assert checked.returncode == 1 and "imputation-missing" in checked.stdout


def test_an_invalid_siret_is_one_located_line(tmp_path: Path) -> None:
    here = _data_directory(tmp_path)
    roster = here / "examples" / "redon" / "roster.yaml"
    roster.write_text(
        roster.read_text(encoding="utf-8").replace('"21350236200014"', '"21350236200015"'),
        encoding="utf-8",
    )
    result = run_process("titres", "--year", "2026", cwd=here)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("examples/redon/roster.yaml:") and ": siret " in line
    assert "21350236200015 has a wrong check digit" in line


# -- the journal and the corrections -----------------------------------------------------


def test_issue_then_corrections_bring_each_member_to_its_new_figure(tmp_path: Path) -> None:
    here = _data_directory(tmp_path)
    issued = run("issue", "--year", "2026", cwd=here)
    assert issued.returncode == 0, issued.stderr
    assert issued.stderr.splitlines()[0] == (
        "journal/redon-agglomeration.yaml: 2026 issued (2026-02, 2026-04, 2026-09, 2027-01): "
        "22 titres (2026-0001–2027-0019), €102,949.00"
    )
    journal = here / "journal" / "redon-agglomeration.yaml"
    before = journal.read_bytes()
    # issuing again is refused: an issued titre never changes
    again = run("issue", "--year", "2026", cwd=here)
    assert again.returncode == 1 and "already-issued" in again.stderr
    assert "--corrections" in again.stderr
    assert run("issue", "--year", "2026", "--month", "2026-02", cwd=here).returncode == 1
    # after issue, titres lists them as issued, with their numbers
    listed = _json("titres", "--year", "2026", cwd=here)
    assert {t["status"] for t in listed["titres"]} == {"issued"} and len(listed["titres"]) == 22
    numbers = {(t["debtor"]["id"], t["titled"]): t["number"] for t in listed["titres"]}
    # Pipriac's population corrected (3 948 → 4 100); Sixt-sur-Aff's audit delivered in
    # November 2025, not February 2026: it is 2025's, and the credit is lost (joined on
    # 1 June 2026, more than 6 months after it)
    roster = here / "examples" / "redon" / "roster.yaml"
    text = roster.read_text(encoding="utf-8")
    text = text.replace(
        "population: {2025: 3948, 2026: 3948}", "population: {2025: 3948, 2026: 4100}"
    ).replace("{offer: audit, delivered: 2026-02-10}", "{offer: audit, delivered: 2025-11-20}")
    roster.write_text(text, encoding="utf-8")
    bill = _json("bill", "--year", "2026", cwd=here)
    assert bill["total"] == "103177.00"  # 102 949 + 152 × 1,50 − 3 500 + 3 500
    assert [
        (m["member"]["id"], m["issued"], m["current"], m["difference"])
        for m in bill["issued"]["changed"]
    ] == [
        ("35219", "9422.00", "9650.00", "228.00"),
        ("35328", "5394.50", "5394.50", "0.00"),
    ]
    assert bill["issued"]["changed"][1]["months"] == [
        {"titled": "2026-02", "issued": "3500.00", "current": "0.00"},
        {"titled": "2027-01", "issued": "1894.50", "current": "5394.50"},
    ]
    table = run("bill", "--year", "2026", cwd=here)
    assert "2 members' figures changed since" in table.stdout
    assert "servcommun titres --year 2026 --corrections" in table.stderr
    fixes = _json("titres", "--year", "2026", "--corrections", "--date", "2027-03-15", cwd=here)
    assert [
        (
            t["kind"],
            t["number"],
            t["date"],
            t["titled"],
            t["debtor"]["id"],
            t["amount_ttc"],
            t["corrects"],
            t["issued_before"],
            t["issued_after"],
        )
        for t in fixes["titres"]
    ] == [
        (
            "annulation",
            "2027-0020",
            "2027-03-15",
            "2026-02",
            "35328",
            "-3500.00",
            numbers[("35328", "2026-02")],
            "3500.00",
            "0.00",
        ),
        (
            "complementary",
            "2027-0021",
            "2027-03-15",
            "2027-01",
            "35219",
            "228.00",
            numbers[("35219", "2027-01")],
            "9422.00",
            "9650.00",
        ),
        (
            "complementary",
            "2027-0022",
            "2027-03-15",
            "2027-01",
            "35328",
            "3500.00",
            numbers[("35328", "2027-01")],
            "1894.50",
            "5394.50",
        ),
    ]
    assert numbers[("35328", "2026-02")] == "2026-0001"
    assert fixes["total"] == "228.00"
    assert Decimal(listed["total"]) + Decimal(fixes["total"]) == Decimal(bill["total"])
    assert "Annulation of titre 2026-0001" in fixes["titres"][0]["object"]
    # nothing read the journal to write it: bill, titres and check leave its bytes
    assert run("check", cwd=here).returncode == 0
    run(
        "titres",
        "--year",
        "2026",
        "--format",
        "xlsx",
        "--output",
        str(tmp_path / "t.xlsx"),
        cwd=here,
    )
    assert journal.read_bytes() == before
    # the corrections need their date; then they are recorded, and nothing is left
    assert run("issue", "--year", "2026", "--corrections", cwd=here).returncode == 2
    recorded = run("issue", "--year", "2026", "--corrections", "--date", "2027-03-15", cwd=here)
    assert recorded.returncode == 0, recorded.stderr
    assert journal.read_bytes().startswith(before)  # appended, never rewritten
    assert _json("titres", "--year", "2026", "--corrections", cwd=here)["titres"] == []
    again = run("issue", "--year", "2026", "--corrections", "--date", "2027-03-16", cwd=here)
    assert again.returncode == 0 and "nothing to correct" in again.stderr
    settled = _json("bill", "--year", "2026", cwd=here)
    assert settled["issued"]["changed"] == []
    assert settled["issued"]["issued_total"] == settled["total"] == "103177.00"


def test_a_month_issued_alone_and_the_numbers_going_on(tmp_path: Path) -> None:
    here = _data_directory(tmp_path)
    assert run("issue", "--year", "2026", "--month", "2026-04", cwd=here).returncode == 0
    listed = _json("titres", "--year", "2026", cwd=here)
    issued = [t for t in listed["titres"] if t["status"] == "issued"]
    assert [(t["number"], t["debtor"]["id"]) for t in issued] == [("2026-0001", "35145")]
    fresh = [t["number"] for t in listed["titres"] if t["status"] == "to-issue"]
    assert fresh[:2] == ["2026-0002", "2026-0003"]  # after the journal's last number
    unknown = run("issue", "--year", "2026", "--month", "2026-05", cwd=here)
    assert unknown.returncode == 1 and "no line of 2026 is titled in 2026-05" in unknown.stderr
    assert run("issue", "--year", "2026", "--month", "2026-02", cwd=here).returncode == 0
    both = _json("titres", "--year", "2026", cwd=here)
    assert [t["number"] for t in both["titres"] if t["status"] == "issued"] == [
        "2026-0001",
        "2026-0002",
    ]


def test_a_journal_edited_by_hand_is_a_located_error_for_every_command(tmp_path: Path) -> None:
    here = _data_directory(tmp_path)
    assert run("issue", "--year", "2026", "--month", "2026-02", cwd=here).returncode == 0
    assert run("issue", "--year", "2026", cwd=here).returncode == 0
    journal = here / "journal" / "redon-agglomeration.yaml"
    text = journal.read_text(encoding="utf-8")
    digests = [n for n, line in enumerate(text.splitlines(), start=1) if line.startswith("digest:")]
    journal.write_text(text.replace("amount: '3500.00'", "amount: '3000.00'", 1), encoding="utf-8")
    located = f"journal/redon-agglomeration.yaml:{digests[0]}:9: journal-digest "
    for command in (
        ("check",),
        ("titres", "--year", "2026"),
        ("bill", "--year", "2026"),
        ("issue", "--year", "2026", "--corrections", "--date", "2027-03-15"),
    ):
        result = run_process(*command, cwd=here)
        assert result.returncode == 1, command
        assert located in result.stdout + result.stderr, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
    # a removed entry breaks the chain: the next one no longer follows it
    entries = text.split("\n---\n")
    journal.write_text(entries[0] + "\n---\n" + entries[2], encoding="utf-8")
    result = run("check", cwd=here)
    assert result.returncode == 1 and "does not follow the entry before it" in result.stdout
    journal.write_text(text, encoding="utf-8")
    assert run("check", cwd=here).returncode == 0


def test_no_output_replaces_a_journal(tmp_path: Path) -> None:
    here = _data_directory(tmp_path)
    assert run("issue", "--year", "2026", "--month", "2026-02", cwd=here).returncode == 0
    journal = here / "journal" / "redon-agglomeration.yaml"
    before = journal.read_bytes()
    for command in ("titres", "bill"):
        result = run(command, "--year", "2026", "--output", str(journal), "--force", cwd=here)
        assert result.returncode == 1 and "output-is-input" in result.stderr
    assert journal.read_bytes() == before


def test_the_bundled_example_has_the_repository_example_s_issuer() -> None:
    import tomllib

    shipped = tomllib.loads((ROOT / "servcommun.toml").read_text(encoding="utf-8"))
    bundled = tomllib.loads(
        (ROOT / "src" / "servcommun" / "bundled" / "servcommun.toml").read_text(encoding="utf-8")
    )
    service = "redon-agglomeration"
    assert bundled["services"][service]["issuer"] == shipped["services"][service]["issuer"]


# -- the computation, on its own ---------------------------------------------------------


def _titre(
    number: str, amount: str, kind: TitreKind = TitreKind.TITRE, corrects: str | None = None
) -> Titre:
    from servcommun.message import msg

    return Titre(
        kind=kind,
        number=number,
        exercice=int(number[:4]) if number else 2027,
        date=dt.date(2027, 1, 1),
        year=2026,
        titled="2027-01",
        debtor=Debtor("35236", "Redon"),
        booking=Booking("70875", "70", "020", None, "outside-scope", "TVA non applicable"),
        object=msg("object"),
        offers=("socle",),
        lines=(),
        amount=Decimal(amount),
        settlement="revenue-title",
        attachment="2026-35236-redon.pdf",
        corrects=corrects,
    )


def test_numbers_go_on_after_the_journal_in_each_exercice() -> None:
    journal = [_titre("2027-0007", "10.00"), _titre("2026-0003", "10.00")]
    fresh = [_titre("", "1.00"), replace(_titre("", "2.00"), exercice=2028)]
    assert [t.number for t in number_titres(fresh, journal)] == ["2027-0008", "2028-0001"]


def test_a_figure_gone_annuls_every_titre_that_still_stands() -> None:
    """Nothing owed any more: the titre and its complement are annulled, each by its own
    annulation naming it (the complement first), for what is left of each."""
    from servcommun.engine.result import Bill

    issued = [
        _titre("2027-0001", "100.00"),
        _titre("2027-0005", "30.00", TitreKind.COMPLEMENTARY, "2027-0001"),
        _titre("2027-0006", "-20.00", TitreKind.REDUCTION, "2027-0001"),
    ]
    bill = Bill("s", 2026, "EUR", "fr_FR", statements=())
    titling = Titling("Service", {"socle": "Socle"}, {}, {})
    fixes = corrections(bill, titling, issued, ["2027-01"], dt.date(2027, 3, 1))
    assert [(t.kind, t.amount, t.corrects, t.number) for t in fixes.titres] == [
        (TitreKind.ANNULATION, Decimal("-30.00"), "2027-0005", "2027-0007"),
        (TitreKind.ANNULATION, Decimal("-80.00"), "2027-0001", "2027-0008"),
    ]
    assert sum((t.amount for t in [*issued, *fixes.titres]), Decimal(0)) == 0


def test_a_statement_of_an_issued_year_says_how_its_difference_is_titled(tmp_path: Path) -> None:
    from pypdf import PdfReader

    here = _data_directory(tmp_path)
    assert run("issue", "--year", "2026", cwd=here).returncode == 0
    roster = here / "examples" / "redon" / "roster.yaml"
    text = roster.read_text(encoding="utf-8")
    roster.write_text(  # Pipriac's population corrected: 3 948 → 4 100 (+152 × 1,50 €)
        text.replace(
            "population: {2025: 3948, 2026: 3948}", "population: {2025: 3948, 2026: 4100}"
        ),
        encoding="utf-8",
    )
    folder = tmp_path / "relevés"
    result = run(
        *("statements", "--year", "2026", "--output", str(folder), "--lang", "fr"),
        *("--member", "35219", "--member", "35013"),
        cwd=here,
    )
    assert result.returncode == 0, result.stderr
    # said on stderr as bill says it: the titres that correct it are listed by titres
    assert "servcommun titres --year 2026 --corrections" in result.stderr, result.stderr
    said = PdfReader(folder / "2026-35219-pipriac.pdf").pages[0].extract_text()
    said = " ".join(said.replace("\u00a0", " ").replace("\u202f", " ").split())
    assert (
        "Titres déjà émis pour l’exercice : 9 422,00 € ; présent relevé : 9 650,00 €. La "
        "différence, 228,00 €, fera l’objet d’un titre complémentaire." in said
    ), said
    unchanged = PdfReader(folder / "2026-35013-bains-sur-oust.pdf").pages[0].extract_text()
    assert "déjà émis" not in unchanged
