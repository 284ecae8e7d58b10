"""A statement fit to send (issue 16, item 2): the PDF of a shipped Redon member, read back
with pypdf, carries its issuer and addressee, its place, date and number of issue, its
object, its lines, its total in figures and in words, its imputation, how it is settled,
a note for every special case the engine applied, the service's deliberations and the
member's own, its legal basis and appeal mention, a signature block, and the example's
mark when the data is one — in French, and in English with --lang en."""

from __future__ import annotations

import csv
import json
import re
import shutil
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REDON, ROOT, run
from servcommun.render.amount_words import amount_in_words

MEMBERS = {  # the shipped Redon example's special cases
    "35328": "2026-35328-sixt-sur-aff.pdf",  # audit, then the socle joined on 1 June 2026
    "56154": "2026-56154-peillac.pdf",  # audit 12/03/2025, joined 01/01/2026: credit lost
    "56001": "2026-56001-allaire.pdf",  # socle complet and purchasing group: the group waived
    "35237": "2026-35237-renac.pdf",  # leaves on 30/06/2026
    "44128": "2026-44128-plesse.pdf",  # own IT department: an override
    "35236": "2026-35236-redon.pdf",  # Chorus Pro references, the tariff's own deliberation
}


def _text(path: Path) -> str:
    """Every page's text, its spaces (no-break ones included) and line ends made one."""
    pages = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(re.sub(r"[\u00a0\u202f]", " ", pages).split())


def _statements(folder: Path, *args: str, cwd: Path = ROOT) -> dict[str, str]:
    """The statements of the members asked, made in ``folder``: file name → text."""
    result = run("statements", "--year", "2026", "--output", str(folder), *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return {p.name: _text(p) for p in sorted(folder.glob("*.pdf"))}


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The special cases of the shipped example, as the finance officer sends them."""
    folder = tmp_path_factory.mktemp("releves") / "2026"
    members = [arg for member in MEMBERS for arg in ("--member", member)]
    said = _statements(folder, "--lang", "fr", *members)
    pages = {name: len(PdfReader(folder / name).pages) for name in said}
    assert pages == dict.fromkeys(MEMBERS.values(), 1)  # one page each
    return said


# -- the total in words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "fr", "en"),
    [
        ("0.01", "un centime", "one cent"),
        ("1", "un euro", "one euro"),
        ("80", "quatre-vingts euros", "eighty euros"),
        ("71.00", "soixante et onze euros", "seventy-one euros"),
        ("1000000", "un million d'euros", "one million euros"),
        ("1000200", "un million deux cents euros", "one million, two hundred euros"),
        (
            "5394.50",
            "cinq mille trois cent quatre-vingt-quatorze euros et cinquante centimes",
            "five thousand, three hundred and ninety-four euros and fifty cents",
        ),
        ("0", "zéro euro", "zero euros"),
        (
            "200.80",
            "deux cents euros et quatre-vingts centimes",
            "two hundred euros and eighty cents",
        ),
        ("-12.50", "moins douze euros et cinquante centimes", "minus twelve euros and fifty cents"),
    ],
)
def test_amounts_in_words_as_a_french_finance_officer_writes_them(
    amount: str, fr: str, en: str
) -> None:
    assert amount_in_words(Decimal(amount), "fr") == fr
    assert amount_in_words(Decimal(amount), "en") == en


# -- a statement fit to send -----------------------------------------------------------------


def test_a_statement_names_its_issuer_its_addressee_its_number_and_its_object(
    french: dict[str, str],
) -> None:
    sixt = french[MEMBERS["35328"]]
    for expected in (
        # the issuer, from servcommun.toml
        "Redon Agglomération Service commun des systèmes d'information et du numérique",
        "3 rue Charles Sillard CS 40264 35605 Redon Cedex SIRET 24350074100018",
        # the addressee and its references, from the roster
        "Madame, Monsieur le Maire Sixt-sur-Aff Mairie 35550 Sixt-sur-Aff",
        "Code INSEE : 35328 SIRET 21350328700012",
        # the statement's own number and its object
        "Relevé de contribution — exercice 2026 Relevé n° : 2026-35328",
        "Objet : Contribution au service commun — Service commun des systèmes d'information "
        "et du numérique — Redon Agglomération : Socle complet, Audit — exercice 2026",
        "Population : 2 263 habitants",
    ):
        assert expected in sixt, expected


def test_a_statement_gives_its_lines_its_total_in_figures_and_words_and_its_imputation(
    french: dict[str, str],
) -> None:
    sixt = french[MEMBERS["35328"]]
    for expected in (
        "Socle complet — Part fixe tranche 1 500–2 999 art. 7.1 janvier 2027 2 000,00 €",
        "Audit : réalisation le 10/02/2026, adhésion le 01/06/2026 (dans le délai de 6 mois)",
        "Total 5 394,50 €",
        "Arrêté à la somme de : cinq mille trois cent quatre-vingt-quatorze euros et "
        "cinquante centimes",
        "Titrage : 3 500,00 € en février 2026, 1 894,50 € en janvier 2027.",
        "Socle complet : compte 70875, chapitre 70, fonction 020, code analytique SI-SOCLE",
        "Audit : compte 70875, chapitre 70, fonction 020, code analytique SI-AUDIT",
        "Imputation : hypothèse à confirmer avec le comptable public.",
        "TVA non applicable, article 256 B du CGI.",
    ):
        assert expected in sixt, expected


def test_a_statement_says_how_it_is_settled_on_what_it_rests_and_who_signs_it(
    french: dict[str, str],
) -> None:
    sixt = french[MEMBERS["35328"]]
    for expected in (
        "Règlement Par titre de recettes. Payable auprès du comptable public : Service de "
        "gestion comptable de Redon. À réception de l'avis des sommes à payer",
        "Conseil communautaire de Redon Agglomération, 32_CC_2022_56 du 28/03/2022 : "
        "création et fonctionnement du service commun",
        "Délibération du membre : Conseil municipal de Sixt-sur-Aff, DCM-2025-328 du 27/12/2025",
        "Article L5211-4-2 du CGCT (services communs) et convention du service commun "
        "(art. 7.1, art. 7.2.1)",
        "Dans le délai de 2 mois suivant sa notification (CGCT art. L1617-5), la somme "
        "mentionnée au présent relevé peut être contestée en saisissant directement le "
        "Tribunal administratif de Rennes.",
        # the first day of its latest titling month, in full, the French way
        "Fait à Redon, le 1er janvier 2027 Le Président de Redon Agglomération, Camille Exemple",
    ):
        assert expected in sixt, expected


def test_each_member_shows_its_own_deliberation_not_another_members(
    french: dict[str, str],
) -> None:
    redon = french[MEMBERS["35236"]]
    assert "Délibération du membre : Conseil municipal de Redon, 2023-076 du 05/10/2023" in redon
    assert redon.count("2023-076") == 1  # the tariff's list leaves it to Redon's own line
    assert "Code service Chorus Pro : FINANCES Numéro d’engagement : EJ-2026-0042" in redon
    for member, name in MEMBERS.items():
        if member != "35236":
            assert "2023-076" not in french[name], name
            assert "32_CC_2022_56" in french[name], name


def test_every_special_case_the_engine_applied_is_noted(french: dict[str, str]) -> None:
    notes = {
        "35328": "Socle complet : adhésion le 01/06/2026 ; la grille ne prévoit pas de "
        "prorata : l’année entière est due.",
        "56154": "Audit : réalisation le 12/03/2025, adhésion le 01/01/2026, au-delà du délai "
        "de 6 mois, échu le 12/09/2025 : la déduction de 3 500,00 € est perdue (art. 7.2.1).",
        "56001": "Groupement d'achats : non facturé, compris dans l’offre « Socle complet » à "
        "laquelle le membre adhère.",
        "35237": "Socle complet : départ le 30/06/2026 ; la grille ne prévoit pas de prorata : "
        "l’année entière est due.",
        "44128": "Socle complet : le membre a son propre service informatique ; facturé au "
        "montant négocié de 6 400,00 € au lieu de la grille (dérogation : Décision du "
        "Président n° 2024-187 du 16/12/2024",
    }
    for member, note in notes.items():
        assert "Observations • Population retenue : " in french[MEMBERS[member]]
        assert note in french[MEMBERS[member]], member
    peillac = french[MEMBERS["56154"]]
    assert (
        "Population retenue : 1 901 habitants, population totale en vigueur au 1er janvier "
        "2026, millésime 2022." in peillac
    )
    assert "Total 4 851,50 €" in peillac  # no credit deducted: 2 000 + 1 901 × 1,50
    allaire = french[MEMBERS["56001"]]
    assert "Groupement d'achats — " not in allaire  # no line of the waived offer
    # a member with nothing special has the population only
    redon = french[MEMBERS["35236"]]
    observations = redon[redon.index("Observations") : redon.index("Délibérations")]
    assert observations.count("•") == 1


def test_the_notes_are_in_the_bills_json_too() -> None:
    result = run("bill", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    notes = {s["member"]["id"]: s.get("notes") for s in json.loads(result.stdout)["statements"]}
    assert notes["56154"] == [
        "Audit delivered 12/03/2025, joined 01/01/2026: beyond the window of 6 months, which "
        "ended on 12/09/2025; the €3,500.00 credit is lost (art. 7.2.1)"
    ]
    assert notes["56001"] == [
        "Groupement d'achats is not billed: it is included in Socle complet, which the member holds"
    ]
    assert notes["35237"] == [
        "Socle complet: left on 30/06/2026; the tariff has no proration: the whole year is owed"
    ]
    assert notes["44128"][0].startswith(
        "Socle complet: le membre a son propre service informatique; billed at the negotiated "
        "amount of €6,400.00 instead of the grid (override: Décision du Président n° 2024-187"
    )
    assert notes["35236"] is None  # nothing special: no key, as before


def test_a_statement_settled_by_deduction_gives_the_attribution_before_and_after(
    tmp_path: Path,
) -> None:
    said = _statements(tmp_path / "reglement", "--lang", "fr", "--service", "reglement-exemple")
    deducted = said["2026-35951-commune-exemple-de-la-lande.pdf"]
    assert (
        "Règlement Par imputation sur l'attribution de compensation 2027 (art. 9 ; CGCT art. "
        "L5211-4-2) : 185 000,00 € − 7 536,00 € = 177 464,00 €." in deducted
    )
    assert "Arrêté à la somme de : sept mille cinq cent trente-six euros" in deducted
    assert "titre de recettes" not in deducted
    titled = said["2026-35953-commune-exemple-des-saules.pdf"]
    assert "Règlement Par titre de recettes (art. 9 ; CGCT art. L5211-4-2)." in titled
    # no issuer in servcommun.toml for this service: dated, the appeal said in general
    assert "Émis le 1er janvier 2027" in titled
    assert "peut être contestée devant la juridiction compétente" in titled
    # its roster is marked illustrative
    assert all(text.startswith("EXEMPLE — données illustratives") for text in said.values())


def test_the_date_of_issue_may_be_given_and_the_index_lists_numbers_and_dates(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "releves"
    said = _statements(folder, "--lang", "fr", "--member", "35328", "--date", "2026-12-15")
    assert "Fait à Redon, le 15 décembre 2026" in said["2026-35328-sixt-sur-aff.pdf"]
    with (folder / "index.csv").open(encoding="utf-8-sig", newline="") as stream:
        header, row = list(csv.reader(stream, delimiter=";"))
    assert header[-2:] == ["Relevé n°", "Date d’émission"]
    assert row[:4] == ["35328", "Sixt-sur-Aff", "2026", "2026-35328-sixt-sur-aff.pdf"]
    assert row[-2:] == ["2026-35328", "15/12/2026"]
    result = run(
        "statements", "--year", "2026", "--output", str(tmp_path / "x"), "--date", "15/12/2026"
    )
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_the_same_statement_in_english(tmp_path: Path) -> None:
    said = _statements(tmp_path / "en", "--lang", "en", "--member", "35328", "--member", "56154")
    sixt = said["2026-35328-sixt-sur-aff.pdf"]
    for expected in (
        "EXAMPLE — illustrative data",
        "Statement no.: 2026-35328",
        "Object: Shared service contribution — Service commun des systèmes d'information et "
        "du numérique — Redon Agglomération: Socle complet, Audit — financial year 2026",
        "Total €5,394.50",
        "Amount in words: five thousand, three hundred and ninety-four euros and fifty cents",
        "Titled: €3,500.00 in February 2026, €1,894.50 in January 2027.",
        "Socle complet: account 70875, chapter 70, function 020, analytic code SI-SOCLE",
        "Payable to the public accountant: Service de gestion comptable de Redon.",
        "Socle complet: joined on 01/06/2026; the tariff has no proration: the whole year is owed.",
        "Member's deliberation: Conseil municipal de Sixt-sur-Aff, DCM-2025-328 of 27/12/2025",
        "Article L5211-4-2 of the CGCT (services communs)",
        "Within 2 months of its notification (CGCT art. L1617-5), the sum this statement "
        "states may be contested by bringing it directly before the Tribunal administratif "
        "de Rennes.",
        "Done at Redon, on 1 January 2027 Le Président de Redon Agglomération, Camille Exemple",
    ):
        assert expected in sixt, expected
    assert "the €3,500.00 credit is lost (art. 7.2.1)." in said["2026-56154-peillac.pdf"]


# -- the example's mark ----------------------------------------------------------------------


def test_the_bundled_example_is_marked_on_every_page(tmp_path: Path) -> None:
    """No servcommun.toml here or above: the bundled example, marked on each page."""
    nowhere = tmp_path / "vide"
    nowhere.mkdir()
    folder = tmp_path / "releves"
    said = _statements(folder, "--member", "35328", cwd=nowhere)
    reader = PdfReader(folder / "2026-35328-sixt-sur-aff.pdf")
    # in the tariff's language, French, whatever the interface's
    assert all(
        page.extract_text().startswith("EXEMPLE — données illustratives") for page in reader.pages
    )
    assert "SIRET 24350074100018" in said["2026-35328-sixt-sur-aff.pdf"]


def test_real_data_is_not_marked(tmp_path: Path) -> None:
    """A data directory whose issuer and roster are not illustrative: no mark."""
    here = tmp_path / "donnees"
    here.mkdir()
    (here / "servcommun.toml").write_text(
        textwrap.dedent(
            f"""
            [services.redon-agglomeration]
            tariffs = ["{REDON}"]
            roster = "roster.yaml"

            [services.redon-agglomeration.issuer]
            name = "Redon Agglomération"
            siret = "24350074100018"
            place = "Redon"
            payment_terms = "À réception de l'avis des sommes à payer"
            address = {{lines = ["3 rue Charles Sillard"], postcode = "35600", city = "Redon"}}
            ordonnateur = {{title = "Le Président", name = "Dominique Vrai"}}
            appeal = {{court = "Tribunal administratif de Rennes", months = 2}}

            [services.redon-agglomeration.issuer.comptable]
            name = "SGC de Redon"

            [services.redon-agglomeration.issuer.comptable.address]
            lines = ["1 rue des Douves"]
            postcode = "35600"
            city = "Redon"
            """
        ),
        encoding="utf-8",
    )
    (here / "roster.yaml").write_text(
        textwrap.dedent(
            """
            service: redon-agglomeration
            members:
              - id: "35328"
                name: "Sixt-sur-Aff"
                siret: "21350328700012"
                addressee: "Monsieur le Maire"
                address:
                  lines: [Mairie, 2 place de l'Église]
                  postcode: "35550"
                  city: Sixt-sur-Aff
                deliberation:
                  {body: Conseil municipal de Sixt-sur-Aff, id: "2025-41", date: 2025-12-27}
                population: {2026: 2263}
                subscriptions:
                  - {offer: socle-complet, start: 2026-01-01}
            """
        ),
        encoding="utf-8",
    )
    folder = tmp_path / "releves"
    said = _statements(folder, "--lang", "fr", cwd=here)["2026-35328-sixt-sur-aff.pdf"]
    assert "EXEMPLE" not in said and "illustrativ" not in said
    for expected in (
        "Monsieur le Maire Sixt-sur-Aff Mairie, 2 place de l'Église 35550 Sixt-sur-Aff",
        "Payable auprès du comptable public : SGC de Redon, 1 rue des Douves, 35600 Redon.",
        "Fait à Redon, le 1er janvier 2027 Le Président, Dominique Vrai",
        "Délibération du membre : Conseil municipal de Sixt-sur-Aff, 2025-41 du 27/12/2025",
    ):
        assert expected in said, expected
    # no journal here: no titre number said
    assert "Titre de recettes :" not in said


# -- the titres it goes with, the folders it may not replace ----------------------------------


def _data_directory(tmp_path: Path) -> Path:
    """A copy of the repository's data directory (servcommun.toml, tariffs, examples)."""
    here = tmp_path / "donnees"
    here.mkdir()
    shutil.copy(ROOT / "servcommun.toml", here / "servcommun.toml")
    shutil.copytree(ROOT / "tariffs", here / "tariffs", symlinks=True)
    shutil.copytree(ROOT / "examples", here / "examples", symlinks=True)
    return here


def test_a_statement_names_the_titres_issued_for_it(tmp_path: Path) -> None:
    here = _data_directory(tmp_path)
    assert run("issue", "--year", "2026", cwd=here).returncode == 0
    result = run("titres", "--year", "2026", "--member", "35328", "--format", "json", cwd=here)
    numbers = [t["number"] for t in json.loads(result.stdout)["titres"]]
    assert len(numbers) == 2  # the audit in February 2026, the socle in January 2027
    said = _statements(tmp_path / "releves", "--lang", "fr", "--member", "35328", cwd=here)
    assert f"Titres de recettes : {', '.join(numbers)}" in said["2026-35328-sixt-sur-aff.pdf"]


@pytest.mark.parametrize("folder", ["journal", "examples", "examples/redon", "tariffs", "."])
def test_statements_never_replace_a_folder_holding_inputs_or_the_journal(
    tmp_path: Path, folder: str
) -> None:
    here = _data_directory(tmp_path)
    (here / "journal").mkdir()
    (here / "journal" / "notes.txt").write_text("kept")
    before = sorted(str(p.relative_to(here)) for p in here.rglob("*"))
    result = run("statements", "--year", "2026", "--output", folder, "--force", cwd=here)
    assert result.returncode == 1, result.stdout
    assert "output-is-input" in result.stderr and "--force" in result.stderr
    assert sorted(str(p.relative_to(here)) for p in here.rglob("*")) == before
    assert (here / "journal" / "notes.txt").read_text() == "kept"
    # a folder of its own, beside the inputs, is written
    assert run("statements", "--year", "2026", "--output", "releves", cwd=here).returncode == 0
