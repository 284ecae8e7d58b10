"""What the readers say of bad input files is said through the catalogue: every problem is
a ``Message`` whose template is a message id (Pydantic's, PyYAML's, tomllib's and the
system's English words mapped to ids of our own), its figures formatted for the language;
the schemas' titles and descriptions are said in the language in use too."""

from __future__ import annotations

import errno
import gettext
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REDON, run
from servcommun import language
from servcommun.diagnostics import InputError, os_reason
from servcommun.message import Message
from servcommun.reader import parse_yaml
from servcommun.render.words import say


class _Shouting(gettext.NullTranslations):
    """A catalogue that "translates" every message id into capitals (its fields left as
    they are): what passes through it is said through the catalogue, what does not is
    not."""

    def gettext(self, message: str) -> str:
        return "".join(
            part if part.startswith("{") else part.upper()
            for part in re.split(r"(\{[^{}]*\})", message)
        )

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


@pytest.fixture
def shouting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "_translations", lambda _: _Shouting())


def _problems(text: str, kind: str = "roster") -> list[Message]:
    from servcommun.formats import Kind, adapter
    from servcommun.loader import validate

    try:
        doc = parse_yaml(text, "file.yaml")
    except InputError as error:
        return [d.message for d in error.diagnostics]
    _, problems = validate(doc, adapter(Kind(kind)))
    return [d.message for d in problems]


ROSTER = 'service: exemple\nmembers:\n  - {id: "35236", name: Redon, population: {2026: %s}}\n'


def test_pydantic_problems_are_catalogue_messages_with_their_figures() -> None:
    (zero,) = _problems(ROSTER % "0")
    assert say(zero) == "'population': Input should be greater than 0 (got '0')"
    (huge,) = _problems(ROSTER % "1000000000")
    assert say(huge) == ("'population': Input should be less than 1,000,000,000 (got '1000000000')")
    (decimal,) = _problems(ROSTER % "7500.5")
    assert say(decimal) == (
        "'population': Input should be a valid integer, got a number with a fractional part "
        "(got '7500.5')"
    )


def test_a_years_bounds_are_said_as_years() -> None:
    (early,) = _problems(
        'service: exemple\nmembers:\n  - {id: "35236", name: Redon, population: {1800: 10}}\n'
    )
    assert say(early) == "'population': Input should be greater than or equal to 1900 (got '1800')"


def test_a_literal_choice_is_said_without_pydantics_english_or(tmp_path: Path) -> None:
    from servcommun.loader import load_tariff

    text = REDON.read_text(encoding="utf-8").replace("billing: annual", "billing: yearly", 1)
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_tariff(path)
    said = [d.text for d in raised.value.diagnostics]
    assert "'billing': Input should be one of 'annual', 'one-off' (got 'yearly')" in said


def test_every_problem_goes_through_the_catalogue(shouting: None) -> None:
    (zero,) = _problems(ROSTER % "0")
    assert say(zero) == "'population': INPUT SHOULD BE GREATER THAN 0 (GOT '0')"
    (syntax,) = _problems("a: [1, 2\n")
    assert say(syntax) == "DID NOT FIND EXPECTED ',' OR ']' (WHILE PARSING A FLOW SEQUENCE)"


def test_yaml_syntax_errors_are_worded_by_the_catalogue() -> None:
    (unclosed,) = _problems("a: {b: 1\n")
    assert unclosed.text == "{problem} ({context})"
    assert say(unclosed) == "did not find expected ',' or '}' (while parsing a flow mapping)"
    (control,) = _problems('a: "\x07"\n')
    assert say(control) == "unacceptable character #x0007: control characters are not allowed"


def test_a_validators_refusal_is_its_message() -> None:
    (corsica,) = _problems(
        'service: exemple\nmembers:\n  - {id: "20004", name: Ajaccio, population: {2026: 10}}\n'
    )
    assert isinstance(corsica, Message)
    assert say(corsica).startswith("'id': '20004': Corsican communes are coded 2A")


def test_the_systems_words_are_the_catalogues() -> None:
    missing = os_reason(FileNotFoundError(errno.ENOENT, "No such file or directory"))
    assert missing.text == "No such file or directory"
    odd = os_reason(OSError(errno.EXDEV, "Invalid cross-device link {x}"))
    assert say(odd) == "Invalid cross-device link {x}"  # as the system says it


def test_toml_syntax_errors_are_worded_by_the_catalogue(tmp_path: Path) -> None:
    from servcommun.config import load_config

    (tmp_path / "servcommun.toml").write_text('[services.x]\ntariffs = ["t.yaml"\n')
    with pytest.raises(InputError) as raised:
        load_config(tmp_path)
    (problem,) = raised.value.diagnostics
    assert problem.code == "toml-syntax" and problem.message.text == "Unclosed array"


def test_unknown_members_are_said_in_the_singular_or_the_plural() -> None:
    from servcommun.billing import Billed

    billed = Billed(
        bill=None,  # type: ignore[arg-type]
        title="",
        offers=(),
        columns=(),
        carrier=None,
        members=("35236",),
        members_file="roster.yaml",
        parties=False,
    )
    for asked, said in (
        (["99999"], "no member 99999 in the roster"),
        (["99998", "99999"], "no members 99998, 99999 in the roster"),
    ):
        with pytest.raises(InputError) as raised:
            billed.only(asked)
        assert raised.value.diagnostics[0].text == said


def test_a_new_rosters_comment_counts_its_communes() -> None:
    from servcommun.communes import Commune
    from servcommun.roster_init import InitialMember, InitialRoster, roster_yaml

    commune = Commune("35236", "Redon", "213502362", "35", "243500741")
    roster = InitialRoster(
        service="exemple",
        kind="totale",
        epci=None,
        members=(InitialMember(commune, {2025: 10086}),),
        millesimes={2025: 2022},
        sources=("INSEE",),
    )
    first = roster_yaml(roster).splitlines()[0]
    assert first.startswith("# Roster of the 1 commune named, written by `servcommun roster")
    assert "(2025 millésime 2022)" in roster_yaml(roster).replace("\n# ", " ")


def test_the_population_basis_says_its_kind_and_vintage() -> None:
    from servcommun.population_basis import PopulationBasis

    assert say(PopulationBasis("totale", 2026, 2023).sentence()) == (
        "population totale in force on 1 January 2026, millésime 2023"
    )
    assert say(PopulationBasis("dgf", 2026).sentence()) == (
        "population dgf in force on 1 January 2026"
    )


def test_the_schemas_phrases_are_every_title_and_description() -> None:
    from servcommun.formats import Kind
    from servcommun.schemas import json_schema, phrases

    said = set(phrases())
    assert {
        "servcommun tariff",
        "Valid From",
        "legal population in force on 1 January, by year",
    } <= said

    def words(node: object) -> set[str]:
        if isinstance(node, dict):
            found = {
                v for k, v in node.items() if k in ("title", "description") and isinstance(v, str)
            }
            return found.union(*(words(v) for k, v in node.items() if k != "default"))
        if isinstance(node, list):
            return set().union(*(words(item) for item in node))
        return set()

    assert set().union(*(words(json_schema(kind)) for kind in Kind)) == said


def test_the_schema_is_said_in_the_language_in_use(shouting: None) -> None:
    from servcommun.formats import Kind
    from servcommun.schemas import json_schema

    schema = json_schema(Kind.ROSTER)
    assert schema["title"] == "SERVCOMMUN ROSTER"
    member = schema["$defs"]["Member"]
    assert member["properties"]["population"]["description"] == (
        "LEGAL POPULATION IN FORCE ON 1 JANUARY, BY YEAR"
    )
    assert "population" in member["properties"] and member["required"][0] == "id"


def test_a_validators_value_error_keeps_its_words() -> None:
    (dateless,) = _problems(
        'service: exemple\nmembers:\n  - {id: "35236", name: Redon, population: {2026: 10},\n'
        "     subscriptions: [{offer: socle}]}\n"
    )
    assert say(dateless) == (
        "'subscriptions': give 'start' (annual offer) or 'delivered' (one-off service)"
    )


def test_a_pipe_or_a_device_is_refused_before_it_is_read(tmp_path: Path) -> None:
    # a named pipe would wait for a writer, /dev/zero never end: both measured first
    pipe = tmp_path / "tarif.yaml"
    os.mkfifo(pipe)
    for path in (pipe, Path("/dev/zero")):
        result = subprocess.run(
            [sys.executable, "-m", "servcommun", "check", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1, result.stderr
        assert result.stdout.splitlines()[0] == (
            f"{path}:1:1: not-regular-file not a regular file (a folder, a named pipe or a "
            "device): give the path of a YAML, TOML or CSV file"
        )


def test_a_huge_number_in_an_option_is_a_usage_error() -> None:
    result = run(
        *("key", "derive", "--party", "ccas", "--target", "1e400", "--take-from", "ville"),
        *("--service", "rouen", "--year", "2025"),
    )
    assert result.returncode == 2
    assert "'1e400' is not an amount (20000 or 20000.00)" in result.stderr


def test_a_figure_is_never_cut_at_the_end_of_a_line() -> None:
    # at 80 columns this sentence wraps right inside « 20 000,00 € » unless told not to
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "servcommun",
            "key",
            "derive",
            "--party",
            "ccas",
            "--target",
            "20000",
            "--base",
            "1e11",
            "--take-from",
            "ville",
            "--service",
            "rouen",
            "--year",
            "2025",
            "--lang",
            "fr",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"},
        cwd=REDON.parents[1],
    )
    assert result.returncode == 0, result.stderr
    said = result.stdout.replace("\u00a0", " ").replace("\u202f", " ")
    assert "\n20 000,00 € de moins que la cible" in said, said  # not « 20 » / « 000,00 € »


def test_a_csv_cell_beyond_the_csv_modules_limit_is_located(tmp_path: Path) -> None:
    # a quote left open runs to the end of the file as one cell: the csv module refuses
    # a cell over 131 072 characters with an exception of its own
    catalogue = REDON.parents[1] / "tests" / "errors" / "csv-columns"
    for name in ("servcommun.toml", "tariff.yaml"):
        (tmp_path / name).write_bytes((catalogue / name).read_bytes())
    (tmp_path / "roster.csv").write_text(
        'id,name,population_2026,socle,audit\n35236,"Redon' + "x" * 200_000 + ",7100,,\n",
        encoding="utf-8",
    )
    for command in (("check",), ("bill", "--year", "2026")):
        result = run(*command, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        said = result.stdout + result.stderr
        assert (
            "roster.csv:2:1: csv-syntax a cell is longer than 131,072 characters (a quote left "
            "open runs to the end of the file): close the quote, or shorten the cell"
        ) in said, said
        assert "internal-error" not in said


def test_check_says_a_refused_value_and_the_rest_of_the_file_in_one_run(tmp_path: Path) -> None:
    tariff = REDON.parents[1] / "tests" / "errors" / "_valid" / "tariff.yaml"
    (tmp_path / "tariff.yaml").write_bytes(tariff.read_bytes())
    (tmp_path / "roster.yaml").write_text(
        "service: exemple\n"
        "members:\n"
        "  - {id: 01004, name: Ambérieu, population: {2026: 1500},"
        " subscriptions: [{offer: socle, start: 2026-02-30}]}\n"
        '  - {id: "35236", name: Redon, populaton: {2026: 9312}}\n',
        encoding="utf-8",
    )
    result = run("check", "tariff.yaml", "roster.yaml", cwd=tmp_path)
    assert result.returncode == 1
    located = [line.split(" ")[:2] for line in result.stdout.splitlines() if line[:1] != " "]
    # a member's population is not a required key (a body no rule bills on it has none):
    # the misspelt key is said, not a missing population
    assert located[:3] == [
        ["roster.yaml:3:10:", "yaml-octal"],
        ["roster.yaml:3:97:", "yaml-date"],
        ["roster.yaml:4:32:", "unknown-key"],
    ], result.stdout


def test_check_says_the_meaning_problems_of_a_roster_whose_shape_is_wrong(
    tmp_path: Path,
) -> None:
    """The mistakes of one roster in one run: a refused id and date, a misspelt key,
    and — among the members valid on their own — an unknown offer and a duplicate id."""
    tariff = REDON.parents[1] / "tests" / "errors" / "_valid" / "tariff.yaml"
    (tmp_path / "tariff.yaml").write_bytes(tariff.read_bytes())
    (tmp_path / "roster.yaml").write_text(
        "service: exemple\n"
        "members:\n"
        "  - {id: 01004, name: Ambérieu, population: {2026: 1500},"
        " subscriptions: [{offer: socle, start: 2026-02-30}]}\n"
        '  - {id: "35236", name: Redon, populaton: {2026: 9312}}\n'
        '  - {id: "35001", name: Allaire, population: {2026: 3900},'
        " subscriptions: [{offer: sokle, start: 2026-01-01}]}\n"
        '  - {id: "35001", name: Allaire bis, population: {2026: 3900}}\n',
        encoding="utf-8",
    )
    result = run("check", "tariff.yaml", "roster.yaml", cwd=tmp_path)
    assert result.returncode == 1
    located = [line.split(" ")[:2] for line in result.stdout.splitlines() if line[:1] != " "]
    assert located[:5] == [
        ["roster.yaml:3:10:", "yaml-octal"],
        ["roster.yaml:3:97:", "yaml-date"],
        ["roster.yaml:4:32:", "unknown-key"],
        ["roster.yaml:5:84:", "unknown-offer"],
        ["roster.yaml:6:10:", "duplicate-member"],
    ], result.stdout
    assert "member 35001 is listed twice (first at line 5)" in result.stdout
