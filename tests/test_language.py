"""servcommun speaks French by default and English on request: the catalogue holds every
message of the code, translated and compiled; the language is chosen as the README says;
and no English sentence reaches a French reader of any command on the shipped services
(a scan for English words over every output, help pages included)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import ROOT, run

from servcommun import language
from servcommun.message import msg_n
from servcommun.render.words import say

sys.path.insert(0, str(ROOT / "scripts"))
import catalogue

# Words that are English and not French: one of them in a French output is a sentence
# left untranslated. Tokens made of words joined by hyphens (diagnostic codes, offer
# ids, option names), file names and paths are not sentences and are left out first.
ENGLISH = {
    "the", "and", "of", "to", "with", "from", "for", "is", "are", "not", "this", "each",
    "every", "which", "when", "than", "at", "by", "in", "be", "has", "have",
    "inhabitant", "inhabitants", "bracket", "brackets", "member", "members", "delivered",
    "joined", "within", "allowance", "credit", "cannot", "needs", "review", "beyond",
    "charged", "directly", "rate", "amount", "amounts", "year", "years",
    "day", "days", "half", "written", "error", "errors", "warning", "warnings", "file",
    "files", "found", "show", "exit", "default", "required", "command",
    "commands", "line", "lines", "share", "shares", "key", "cost", "costs", "staff",
    "coverage", "cover", "statement", "statements", "billed", "none", "price", "unit",
    "units", "join", "leave", "left", "integer", "text", "path",
    "before", "after", "until", "such", "only", "also", "here", "where", "write", "print",
}  # fmt: skip
_COMMANDS = (
    "bill|check|diff|key|derive|plot|grid|schedule|population|import|roster|init|schema"
    "|simulate|statements|thresholds|titres|issue"
)
_NOT_WORDS = re.compile(
    rf"servcommun(?: (?:{_COMMANDS}))*"  # a command line: servcommun key derive
    rf"|^  (?:{_COMMANDS})(?=  )"  # a command in a help page's list of commands
    r"|--?[\w-]+"  # options
    r"|'\w+'|« ?\w+ ?»"  # a key of a file, quoted (servcommun.toml's 'default')
    r"|<[^<>\s]*\|[^<>\s]*>|\[[^\[\]:]+: [\w|]+\]"  # an option's values, its default
    r"|\b\w+(?:[-_.]\w+)+\b"  # codes, ids, keys, slugs (bracket-gap, audit.price)
    r"|\S*[/\\]\S*"  # paths
    r"|\S+\.(?:ya?ml|csv|toml|pdf|xlsx|json|png|svg)\b"  # file names
    r"|https?://\S+",
    re.MULTILINE,
)
_WORD = re.compile(r"[A-Za-zÀ-ÿ']+")


def english_words(text: str) -> list[str]:
    """The English words of ``text`` (as said: case kept), once each."""
    found = [
        word
        for word in _WORD.findall(_NOT_WORDS.sub(" ", text.replace("\u00a0", " ")))
        if word.lower().strip("'") in ENGLISH
    ]
    return list(dict.fromkeys(found))


@pytest.fixture(params=["fr_FR.UTF-8", None], ids=["LANG=fr_FR", "no locale"])
def french(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A French finance officer's environment: no SERVCOMMUN_LANG, a French locale — or no
    locale at all, where French is the default."""
    monkeypatch.delenv("SERVCOMMUN_LANG", raising=False)
    for name in ("LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    if request.param:
        monkeypatch.setenv("LANG", request.param)
    language.choose(None)


# --- the catalogue --------------------------------------------------------------------


def test_every_message_of_the_code_is_in_the_french_catalogue_and_translated() -> None:
    code = {message.id for message in catalogue.extracted() if message.id}
    french = {m.id: m for m in catalogue.read_catalog("fr") if m.id}
    missing = sorted(str(key) for key in code - french.keys())
    assert not missing, f"not in the French catalogue (scripts/catalogue.py update): {missing}"
    untranslated = sorted(
        str(key)
        for key in code
        if not french[key].string or not all(french[key].string) or french[key].fuzzy
    )
    assert not untranslated, f"untranslated: {untranslated}"
    done, total = catalogue.statistics("fr")
    assert done == total > 600


def test_the_french_catalogue_passes_babels_checks() -> None:
    # what `pybabel compile` checks: placeholders, plural forms
    problems = [(m.id, errors) for m, errors in catalogue.read_catalog("fr").check() if errors]
    assert not problems


def test_the_shipped_compiled_catalogue_is_its_source_compiled() -> None:
    compiled = catalogue.mo_bytes(catalogue.read_catalog("fr"))
    shipped = catalogue.po_path("fr").with_suffix(".mo").read_bytes()
    assert shipped == compiled, "run: python scripts/catalogue.py compile"


def test_every_translation_keeps_the_fields_of_its_message() -> None:
    fields = re.compile(r"(?<!\{)\{[^{}]*\}(?!\})")  # {{…}} is a brace written as is
    for message in catalogue.read_catalog("fr"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(fields.findall(ids[-1]))
        for string in strings:
            # a singular may say "une" instead of its count; every other field stays
            assert set(fields.findall(string)) - expected == set(), (message.id, string)


# --- choosing the language ------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "fr"),
        ({"LANG": "C"}, "fr"),
        ({"LANG": "de_DE.UTF-8"}, "fr"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8", "LC_MESSAGES": "en_GB"}, "en"),
        ({"LC_ALL": "fr_CA.UTF-8", "LANG": "en_US"}, "fr"),
        ({"SERVCOMMUN_LANG": "en", "LC_ALL": "fr_FR.UTF-8"}, "en"),
        ({"SERVCOMMUN_LANG": "fr", "LANG": "en_US.UTF-8"}, "fr"),
    ],
)
def test_the_language_comes_from_the_environment(environ: dict[str, str], expected: str) -> None:
    assert language.from_environment(environ) == expected


def test_lang_wins_over_the_environment_and_documents_follow_their_tariff() -> None:
    language.choose("fr")  # --lang fr, with SERVCOMMUN_LANG=en (conftest)
    assert language.current() == "fr"
    assert language.document_language("en_GB") == "fr"
    language.choose(None)
    assert language.current() == "en"
    assert language.document_language("fr_FR") == "fr"  # a French tariff's statement


def test_numbers_are_written_by_babel_for_the_language() -> None:
    from decimal import Decimal

    basis = msg_n(
        "{population:count} inhabitant × {rate:amount}{dated}",
        "{population:count} inhabitants × {rate:amount}{dated}",
        n="population",
        population=2163,
        rate=Decimal("1.50"),
        dated=None,
    )
    language.choose("fr")
    said = say(basis).replace("\u202f", " ").replace("\u00a0", " ")
    assert said == "2 163 habitants × 1,50 €"
    language.choose("en")
    assert say(basis) == "2,163 inhabitants × €1.50"


def test_plurals_follow_the_rules_of_the_language() -> None:
    def shares(weight: int) -> str:
        return say(
            msg_n(
                "in equal shares: {weight:count} of {total:count} member",
                "in equal shares: {weight:count} of {total:count} members",
                n="total",
                weight=weight,
                total=weight,
            )
        )

    language.choose("en")
    assert [shares(n) for n in (0, 1, 2)] == [
        "in equal shares: 0 of 0 members",
        "in equal shares: 1 of 1 member",
        "in equal shares: 2 of 2 members",
    ]
    language.choose("fr")
    assert [shares(n).replace("\u00a0", " ") for n in (0, 1, 2)] == [
        "à parts égales : 0 sur 0 membre",
        "à parts égales : 1 sur 1 membre",
        "à parts égales : 2 sur 2 membres",
    ]


# --- no English for a French reader ---------------------------------------------------

SERVICES = re.findall(r"^\[services\.([\w-]+)\]", (ROOT / "servcommun.toml").read_text(), re.M)
HELP_PAGES = [
    (),
    ("bill",),
    ("check",),
    ("diff",),
    ("key",),
    ("key", "derive"),
    ("plot",),
    ("plot", "grid"),
    ("plot", "schedule"),
    ("population",),
    ("population", "import"),
    ("roster",),
    ("roster", "init"),
    ("schema",),
    ("simulate",),
    ("statements",),
    ("thresholds",),
    ("titres",),
    ("issue",),
]
REDON_SIMULATION = (
    "simulate",
    "--population",
    "2355",
    "--offer",
    "socle-complet",
    "--offer",
    "audit",
    "--audit",
    "2026-02-15",
    "--join",
    "2026-06-01",
    "--days",
    "5",
    "--from-year",
    "2026",
)
COMMANDS = [
    *(("bill", "--year", "2026", "--detail", "--service", service) for service in SERVICES),
    ("bill", "--year", "2026"),
    ("bill", "--year", "2026", "--service", "rouen"),
    REDON_SIMULATION,
    ("simulate", "--service", "rouen", "--share", "2", "--name", "Syndicat", "--from-year", "2026"),
    ("simulate", "--commune", "35013", "--offer", "socle-complet", "--from-year", "2026"),
    ("thresholds", "--within", "150", "--year", "2026"),
    ("diff", "--year", "2025", "--year", "2026"),
    ("diff", "--year", "2025", "--year", "2026", "--service", "rouen"),
    (
        *("key", "derive", "--party", "ccas", "--target", "20000", "--take-from", "ville"),
        *("--service", "rouen", "--year", "2025"),
    ),
    ("check",),
    # the plain CSV's column names and status values are keys for programs: not said
    ("titres", "--year", "2026", "--csv-dialect", "fr"),
    ("titres", "--year", "2026", "--csv-dialect", "fr", "--service", "rouen"),
]


def outputs(*commands: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    for args in commands:
        result = run(*args)
        assert result.returncode in (0, 1), (args, result.stderr)
        yield args, result.stdout + result.stderr


@pytest.mark.usefixtures("french")
def test_no_english_in_any_help_page() -> None:
    for args, text in outputs(*((*page, "--help") for page in HELP_PAGES)):
        assert "Utilisation" in text, args
        assert not english_words(text), (args, english_words(text), text)


@pytest.mark.usefixtures("french")
def test_no_english_in_any_command_on_the_shipped_services() -> None:
    for args, text in outputs(*COMMANDS):
        assert not english_words(text), (args, english_words(text), text)


@pytest.mark.usefixtures("french")
def test_no_english_in_the_check_report_as_json_or_github() -> None:
    report = json.loads(run("check", "--format", "json").stdout)
    said = [d["message"] for d in report["diagnostics"]]
    assert said, "the shipped files have warnings to say"
    assert not english_words("\n".join(said)), said
    github = run("check", "--format", "github").stdout
    messages = [line.split("::", 2)[-1] for line in github.splitlines() if line.startswith("::")]
    assert not english_words("\n".join(messages)), messages


@pytest.mark.usefixtures("french")
def test_usage_errors_are_french(tmp_path: Path) -> None:
    from tests.conftest import run_process

    result = run_process("bill", "--yaer", "2026")
    assert result.returncode == 2
    assert not english_words(result.stderr), result.stderr
    result = run_process("bill", "--year", "deux")
    assert result.returncode == 2
    assert not english_words(result.stderr), result.stderr
    loop = tmp_path / "boucle.yaml"
    loop.symlink_to(loop)  # a link to itself: no file at its end
    result = run_process("check", str(loop))
    assert result.returncode == 2
    assert f"'{loop}' n’existe pas (ou est un lien qui ne mène à aucun fichier)" in result.stderr
    assert not english_words(result.stderr.replace(str(loop), "")), result.stderr


def test_the_english_scan_finds_english() -> None:
    # the scan itself can fail: a sentence of the code as it was before the catalogue
    assert english_words("Member needs review: population above 8000 (art. 7)") == [
        "Member",
        "needs",
        "review",
    ]
    assert english_words("servcommun bill --no-detail tariffs/a.yaml bracket-gap") == []


@pytest.mark.usefixtures("french")
def test_a_statement_speaks_french_with_french_figures(tmp_path: Path) -> None:
    from pypdf import PdfReader

    folder = tmp_path / "relevés"
    # the special cases too: a credit lost, an offer waived, a member leaving, an override
    members = [f"--member={member}" for member in ("35328", "56154", "56001", "35237", "44128")]
    result = run("statements", "--year", "2026", *members, "--output", str(folder))
    assert result.returncode == 0, result.stderr
    for statement in folder.glob("*.pdf"):
        said = " ".join(page.extract_text() for page in PdfReader(statement).pages)
        assert not english_words(said), (statement.name, english_words(said))
    text = PdfReader(folder / "2026-35328-sixt-sur-aff.pdf").pages[0].extract_text()
    text = re.sub(r"[\u00a0\u202f]", " ", text)
    for expected in (
        "Relevé de contribution — exercice 2026",
        "Population : 2 263 habitants",
        "Population retenue : 2 263 habitants, population totale en vigueur au 1er janvier 2026",
        "tranche 1 500–2 999",
        "2 263 habitants × 1,50 €",
        "3 394,50 €",
        "Audit : réalisation le",
        "-3 500,00 €",
        "janvier 2027",
        "Total 5 394,50 €",
        "32_CC_2022_56 du 28/03/2022",
    ):
        assert expected in text, expected
    assert not english_words(text), english_words(text)
    index = (folder / "index.csv").read_text(encoding="utf-8-sig")
    assert (
        index.splitlines()[0]
        == "Identifiant du membre;Nom du membre;Exercice;Fichier;Total;Statut;Raison;"
        "Relevé n°;Date d’émission"
    )
    assert not english_words(index), english_words(index)


@pytest.mark.usefixtures("french")
def test_lang_en_speaks_english_in_a_french_environment(tmp_path: Path) -> None:
    detail = run("bill", "--year", "2026", "--detail", "--member", "35328", "--lang", "en").stdout
    assert "2,263 inhabitants × €1.50" in detail and "bracket 1,500–2,999" in detail
    assert "Audit delivered" in detail and "(within 6" in detail
    assert not re.search(r"\b(habitants|tranche|Ligne|Montant)\b", detail)
    help_page = run("bill", "--help", "--lang", "en").stdout
    assert (
        help_page.startswith("Usage: servcommun bill")
        and "Show this message and exit." in help_page
    )
    check = run("check", "--lang", "en").stdout
    assert re.search(r"\d+ files checked", check), check
    folder = tmp_path / "statements"
    run(
        "statements", "--year", "2026", "--member", "35328", "--output", str(folder), "--lang", "en"
    )
    from pypdf import PdfReader

    text = PdfReader(folder / "2026-35328-sixt-sur-aff.pdf").pages[0].extract_text()
    assert "Contribution statement — financial year 2026" in text
    assert "2,263 inhabitants × €1.50" in text and "Total €5,394.50" in text


@pytest.mark.usefixtures("french")
def test_no_english_in_the_workbook_the_french_csv_and_the_pictures(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    workbook = tmp_path / "factures.xlsx"
    assert (
        run("bill", "--year", "2026", "--format", "xlsx", "--output", str(workbook)).returncode == 0
    )
    cells = [
        str(cell.value)
        for sheet in load_workbook(workbook).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert "Observation" in cells or any("Motif" in cell for cell in cells)
    assert not english_words("\n".join(cells)), english_words("\n".join(cells))

    french_csv = run("bill", "--year", "2026", "--format", "csv", "--csv-dialect", "fr").stdout
    header = french_csv.lstrip("\ufeff").splitlines()[0]
    assert "montant" in header.lower() and ";" in header
    assert not english_words(header.replace(";", " ; ")), header

    pytest.importorskip("matplotlib")
    for args in (
        ("plot", "grid"),
        ("plot", "schedule", "--population", "2355", "--offer", "socle-complet"),
    ):
        picture = tmp_path / f"{args[1]}.svg"
        assert run(*args, "-o", str(picture)).returncode == 0
        # matplotlib keeps each text of an SVG as a comment
        said = re.findall(r"<!-- (.*?) -->", picture.read_text(encoding="utf-8"))
        assert said and not english_words("\n".join(said)), (args, english_words("\n".join(said)))


def test_no_message_id_hides_where_extraction_cannot_see_it() -> None:
    # Babel's extractor does not look inside f-strings: `f"{_('…')}"` would never reach
    # the catalogue, and its words would stay English in every language
    hidden = re.compile(r"""\{(?:language\.)?(?:_|N_|ngettext)\(\s*['"]""")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "src" / "servcommun").rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if hidden.search(line)
    ]
    assert not found, found
