"""Where the data is: ``servcommun.toml`` names the services and their files.

Commands look for it in the working directory and its parents; with none, they run on
the Redon Agglomération example bundled with the package and say so.
"""

from __future__ import annotations

import difflib
import os
import re
import string
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from servcommun.diagnostics import (
    Diagnostic,
    InputError,
    file_bytes,
    source_line,
    utf8_text,
    verbatim,
)
from servcommun.language import N_
from servcommun.message import Message, msg

CONFIG_NAME = "servcommun.toml"


@dataclass(frozen=True)
class Service:
    """A service's files: tariff versions; a roster (unless its tariffs name their
    parties); the budgets of the rules taking the year's budget, the consumption files of
    its unit-price parts and the index files of its indexations."""

    id: str
    tariffs: tuple[Path, ...]
    roster: Path | None = None
    budgets: str | None = None  # a path pattern with {year}
    consumption: str | None = None  # a path pattern with {year}, or one file for every year
    indices: tuple[Path, ...] = ()
    epci: str | None = None  # SIREN of the service's EPCI: check warns of communes outside
    # the issuer's table as written ([services.<id>.issuer]), validated by servcommun.issuer
    issuer: dict[str, object] | None = None

    def budget_for(self, year: int) -> Path | None:
        return Path(self.budgets.format(year=year)) if self.budgets else None

    def consumption_for(self, year: int) -> Path | None:
        return Path(self.consumption.format(year=year)) if self.consumption else None

    def consumption_year(self, path: Path) -> int | None:
        """The year of ``path`` when it is one of the service's yearly consumption files
        (``actes-{year}.csv``): its acts are of that year. None for a single file."""
        return year_of(self.consumption, path)


def year_of(pattern: str | None, path: Path) -> int | None:
    """The year of ``path`` when it is a file of the ``{year}`` path ``pattern`` (a year's
    consumption file or budget), as written or through links; else None."""
    if not pattern or "{year}" not in pattern:
        return None
    parts = os.path.abspath(pattern.replace("{year}", "\0")).split("\0")
    regex = r"(\d{4})".join(re.escape(part) for part in parts)
    for candidate in (os.path.abspath(path), str(path.resolve())):
        found = re.fullmatch(regex, candidate)
        if found:
            return int(found.group(1))
    return None


@dataclass(frozen=True)
class Config:
    path: Path
    services: dict[str, Service]
    default: str
    bundled: bool = False

    @property
    def root(self) -> Path:
        return self.path.parent

    def input_named(self, path: Path) -> str | None:
        """The service (or this file itself: ``servcommun.toml``) that reads ``path`` as
        one of its inputs — a tariff, a roster, an index, a year's consumption file or
        budget — or None: an output written there would destroy an input."""
        target = path.resolve()
        if target == self.path.resolve():
            return CONFIG_NAME
        from servcommun.journal import journal_path  # the titres issued: never replaced

        for service in self.services.values():
            named = [*service.tariffs, service.roster, *service.indices]
            named.append(journal_path(self.root, service.id))
            if any(file is not None and file.resolve() == target for file in named):
                return service.id
            yearly = (
                year_of(pattern, target) for pattern in (service.consumption, service.budgets)
            )
            if any(year is not None for year in yearly):
                return service.id
            single = service.consumption and "{year}" not in service.consumption
            if single and Path(str(service.consumption)).resolve() == target:
                return service.id
        return None

    def input_within(self, folder: Path) -> str | None:
        """The service (or ``servcommun.toml`` itself) with an input at or below
        ``folder`` — a tariff, a roster, an index, a year's consumption file or budget, or
        the journal of the titres issued — or None: a folder written there (replacing what
        was there) would destroy it."""
        import glob

        from servcommun.journal import FOLDER

        target = folder.resolve()

        def inside(path: Path | str) -> bool:
            return Path(path).resolve().is_relative_to(target)

        if inside(self.path):
            return CONFIG_NAME
        if inside(self.root / FOLDER):
            return FOLDER
        for service in self.services.values():
            named = [*service.tariffs, service.roster, *service.indices]
            if any(file is not None and inside(file) for file in named):
                return service.id
            for pattern in (service.consumption, service.budgets):
                if not pattern:
                    continue
                if "{year}" not in pattern:
                    if inside(pattern):
                        return service.id
                    continue
                # the folder the files of every year go to, and those there now
                head = os.path.abspath(pattern.split("{year}")[0] + "x")
                if inside(Path(head).parent):
                    return service.id
                years = glob.glob(glob.escape(pattern).replace("{year}", "[0-9]" * 4))
                if any(inside(found) for found in years):
                    return service.id
        return None

    def service(self, name: str | None) -> Service:
        """The service named ``name`` (or an unambiguous prefix of it), or the default."""
        if name is None:
            return self.services[self.default]
        if name in self.services:
            return self.services[name]
        matches = [key for key in self.services if key.startswith(name)]
        if len(matches) == 1:
            return self.services[matches[0]]
        known = ", ".join(self.services)
        raise InputError(
            [
                Diagnostic(
                    display_path(self.path),
                    1,
                    1,
                    "unknown-service",
                    msg(
                        "no service '{name}' in this file (services: {known})",
                        name=name,
                        known=known,
                    ),
                )
            ]
        )

    def display(self, path: Path) -> str:
        return display_path(path)


def display_path(path: Path) -> str:
    """A path as the user should read it: relative to the working directory when that is
    short (``roster.yaml``, ``../servcommun.toml``), else absolute."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith(os.path.join("..", "..", "..")) else str(path)


def find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path) -> Config:
    """The nearest ``servcommun.toml`` at or above ``start``, else the bundled example."""
    found = find_config(start.resolve())
    if found is None:
        bundled = Path(str(resources.files("servcommun") / "bundled" / CONFIG_NAME))
        return _parse(bundled, bundled=True)
    return _parse(found)


def _parse(path: Path, *, bundled: bool = False) -> Config:
    """The configuration of ``path``, or an ``InputError`` with every problem of it, each
    at its line and column: its bytes, its TOML syntax, then its keys, types and
    placeholders (nothing here raises anything else, whatever the file holds)."""
    name = display_path(path)
    text = _text(path, name)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib says "(at line L, column C)" or "(at end of document)" at the end of its
        # message
        message = str(error)
        line, column = 1, 1
        if "(at line " in message:
            where = message.rsplit("(at line ", 1)[1].rstrip(")")
            line_text, _, column_text = where.partition(", column ")
            line, column = int(line_text), int(column_text or 1)
            message = message.rsplit(" (at line ", 1)[0]
        elif message.endswith(" (at end of document)"):
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
            message = message.removesuffix(" (at end of document)")
        said = _toml_problem(message)
        raise InputError([_located(name, text, line, column, "toml-syntax", said)]) from None
    return _Reading(path, name, text, bundled).config(data)


def _text(path: Path, name: str) -> str:
    return utf8_text(file_bytes(path, name), name)


def _located(
    name: str, text: str, line: int, column: int, code: str, message: Message
) -> Diagnostic:
    return Diagnostic(name, line, column, code, message, source_line(text, line))


_TOML_PHRASES = (
    N_("Invalid statement"),
    N_("Expected newline or end of document after a statement"),
    N_("Cannot overwrite a value"),
    N_("Expected ']' at the end of a table declaration"),
    N_("Expected ']]' at the end of an array declaration"),
    N_("Expected '=' after a key in a key/value pair"),
    N_("Invalid initial character for a key part"),
    N_("Unclosed array"),
    N_("Unclosed inline table"),
    N_("Unescaped '\\' in a string"),
    N_("Invalid hex value"),
    N_("Escaped character is not a Unicode scalar value"),
    N_("Unterminated string"),
    N_("Invalid date or datetime"),
    N_("Invalid value"),
)
_TOML_PATTERNS = (
    (re.compile(r"^Expected (.+)$"), N_("Expected {what}")),
    (re.compile(r"^Found invalid character (.+)$"), N_("Found invalid character {what}")),
    (re.compile(r"^Illegal character (.+)$"), N_("Illegal character {what}")),
    (re.compile(r"^Cannot declare (.+) twice$"), N_("Cannot declare {what} twice")),
    (
        re.compile(r"^Cannot mutate immutable namespace (.+)$"),
        N_("Cannot mutate immutable namespace {what}"),
    ),
    (re.compile(r"^Cannot redefine namespace (.+)$"), N_("Cannot redefine namespace {what}")),
    (re.compile(r"^Duplicate inline table key (.+)$"), N_("Duplicate inline table key {what}")),
)


def _toml_problem(text: str) -> Message:
    """A TOML syntax error as ``tomllib`` words it, in the reader's language (its own
    sentences, and those naming what it found, are the catalogue's)."""
    if text in _TOML_PHRASES:
        return Message(text, ())
    for pattern, template in _TOML_PATTERNS:
        found = pattern.match(text)
        if found:
            return Message(template, (("what", found.group(1)),))
    return verbatim(text)


TOP_KEYS = ("default", "services")
SERVICE_KEYS = ("tariffs", "roster", "budgets", "consumption", "indices", "epci", "issuer")
PATTERNS = ("budgets", "consumption")  # paths formatted with the year billed
TYPE_NAMES = {
    str: N_("a string"),
    bool: N_("a boolean"),
    int: N_("an integer"),
    float: N_("a number"),
    list: N_("a list"),
    dict: N_("a table"),
}

_PLACEHOLDER = "{year}"  # the one placeholder of a path pattern, as it is written

_BARE_OR_QUOTED = r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'"""
_DOTTED = rf"(?:{_BARE_OR_QUOTED})(?:\s*\.\s*(?:{_BARE_OR_QUOTED}))*"
_HEADER = re.compile(rf"^(\s*\[\[?\s*)({_DOTTED})\s*\]")
_ASSIGNMENT = re.compile(rf"^(\s*)({_DOTTED})\s*=\s*")
_PART = re.compile(r"""([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)'""")


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(a or b or c for a, b, c in _PART.findall(dotted))


def _type_name(value: object) -> Message:
    for kind, label in TYPE_NAMES.items():
        if isinstance(value, kind):
            return Message(label, ())
    return msg("a date") if hasattr(value, "isoformat") else verbatim(type(value).__name__)


class _Reading:
    """One reading of a ``servcommun.toml``: where each key and value is written (found
    in the text, since ``tomllib`` keeps no positions), and the problems found."""

    def __init__(self, path: Path, name: str, text: str, bundled: bool) -> None:
        self.path, self.name, self.text, self.bundled = path, name, text, bundled
        self.problems: list[Diagnostic] = []
        self.keys: dict[tuple[str, ...], tuple[int, int]] = {}
        self.values: dict[tuple[str, ...], tuple[int, int]] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                table = _key_parts(header.group(2))
                where = (number, len(header.group(1)) + 1)
                self.keys.setdefault(table, where)
                self.values.setdefault(table, where)
                continue
            assignment = _ASSIGNMENT.match(line)
            if assignment:
                key = (*table, *_key_parts(assignment.group(2)))
                self.keys.setdefault(key, (number, len(assignment.group(1)) + 1))
                self.values.setdefault(key, (number, assignment.end() + 1))

    def at(self, where: tuple[str, ...], code: str, message: Message, *, key: bool = False) -> None:
        """A problem at the key (or value) ``where``, or the nearest written above it."""
        positions = self.keys if key else self.values
        for length in range(len(where), 0, -1):
            if where[:length] in positions:
                line, column = positions[where[:length]]
                break
        else:
            line, column = 1, 1
        self.problems.append(_located(self.name, self.text, line, column, code, message))

    def unknown_keys(
        self, table: dict[str, object], where: tuple[str, ...], known: tuple[str, ...]
    ) -> None:
        for key in table:
            if key in known:
                continue
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            keys = ", ".join(known)
            written = ".".join(where)
            if where and close:
                said = msg(
                    "unknown key '{key}' of [{table}] (did you mean '{close}'?); the keys are "
                    "{keys}",
                    key=key,
                    table=written,
                    close=close[0],
                    keys=keys,
                )
            elif where:
                said = msg(
                    "unknown key '{key}' of [{table}]; the keys are {keys}",
                    key=key,
                    table=written,
                    keys=keys,
                )
            elif close:
                said = msg(
                    "unknown key '{key}' (did you mean '{close}'?); the keys are {keys}",
                    key=key,
                    close=close[0],
                    keys=keys,
                )
            else:
                said = msg("unknown key '{key}'; the keys are {keys}", key=key, keys=keys)
            self.at((*where, key), "config-key", said, key=True)

    def wrong_type(self, where: tuple[str, ...], value: object, expected: Message) -> None:
        self.at(
            where,
            "config-type",
            msg(
                "'{key}' is {expected}, not {found}",
                key=where[-1],
                expected=expected,
                found=_type_name(value),
            ),
        )

    def string(
        self, entry: dict[str, object], where: tuple[str, ...], expected: Message
    ) -> str | None:
        value = entry.get(where[-1])
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self.wrong_type(where, value, expected)
            return None
        return value

    def paths(self, entry: dict[str, object], where: tuple[str, ...]) -> tuple[str, ...]:
        """A list of file paths; a single path written as a string is read as a list of
        one (``tariffs = "t.yaml"`` is ``tariffs = ["t.yaml"]``)."""
        value = entry.get(where[-1])
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        example = f'["{where[-1]}/….yaml"]'
        expected = msg("a list of file paths ({example})", example=example)
        if not isinstance(value, list):
            self.wrong_type(where, value, expected)
            return ()
        bad = [item for item in value if not isinstance(item, str) or not item]
        if bad:
            self.at(
                where,
                "config-type",
                msg(
                    "'{key}' is {expected}: {item} is {found}, not a path in quotes",
                    key=where[-1],
                    expected=expected,
                    item=repr(bad[0]),
                    found=_type_name(bad[0]),
                ),
            )
            return ()
        return tuple(value)

    def confined(self, where: tuple[str, ...], written: str) -> None:
        """A relative path stays in the data directory (the folder of servcommun.toml): a
        file elsewhere is read only when its absolute path is written, so that a data
        directory copied or shared never reads, nor quotes, another folder's files."""
        if os.path.isabs(written):
            return
        # read as written (``..`` leading out), not through links the user made inside
        root = Path(os.path.abspath(self.path.parent))
        resolved = Path(os.path.normpath(root / written.replace("{year}", "2000")))
        if not resolved.is_relative_to(root):
            self.at(
                where,
                "config-path",
                msg(
                    "'{path}' leads out of the data directory ({folder}/): keep the file under "
                    "the folder of servcommun.toml, or write its absolute path if it is meant",
                    path=written,
                    folder=root.name,
                ),
            )

    def pattern(self, entry: dict[str, object], where: tuple[str, ...]) -> str | None:
        """A path that may hold ``{year}`` (the year billed), and no other placeholder."""
        value = self.string(
            entry, where, msg("a file path (a string, {example})", example='"…-{year}.yaml"')
        )
        if value is None:
            return None
        try:
            fields = [
                field for _, field, _, _ in string.Formatter().parse(value) if field is not None
            ]
        except ValueError:
            self.at(
                where,
                "config-placeholder",
                msg(
                    "'{key}' has a '{opening}' or '{closing}' that is not a placeholder: the "
                    "only placeholder is {placeholder}, the year billed, written with both "
                    "braces",
                    key=where[-1],
                    opening="{",
                    closing="}",
                    placeholder=_PLACEHOLDER,
                ),
            )
            return None
        wrong = [field for field in fields if field != "year"]
        if wrong:
            self.at(
                where,
                "config-placeholder",
                msg(
                    "'{key}' has the placeholder {wrong}: the only placeholder is "
                    "{placeholder}, the year billed",
                    key=where[-1],
                    wrong="{" + wrong[0] + "}",
                    placeholder=_PLACEHOLDER,
                ),
            )
            return None
        return value

    def service(self, key: str, entry: object) -> Service | None:
        where = ("services", key)
        if not isinstance(entry, dict):
            header = f"[services.{key}]"
            self.wrong_type(where, entry, msg("a table ({header} with its tariffs)", header=header))
            return None
        self.unknown_keys(entry, where, SERVICE_KEYS)
        root = self.path.parent
        tariffs = self.paths(entry, (*where, "tariffs"))
        if not tariffs and "tariffs" not in entry:
            self.at(
                where, "config", msg("service '{key}' needs a 'tariffs' list", key=key), key=True
            )
        elif not tariffs and entry.get("tariffs") == []:
            self.at(
                (*where, "tariffs"),
                "config",
                msg("service '{key}' names no tariff file", key=key),
            )
        roster = self.string(entry, (*where, "roster"), msg("a file path (a string)"))
        budgets = self.pattern(entry, (*where, "budgets"))
        consumption = self.pattern(entry, (*where, "consumption"))
        indices = self.paths(entry, (*where, "indices"))
        for name, written in (
            *(("tariffs", path) for path in tariffs),
            ("roster", roster),
            ("budgets", budgets),
            ("consumption", consumption),
            *(("indices", path) for path in indices),
        ):
            if written is not None:
                self.confined((*where, name), written)
        epci = entry.get("epci")
        if epci is not None and (isinstance(epci, bool) or not isinstance(epci, str | int)):
            self.wrong_type(
                (*where, "epci"), epci, msg("a SIREN (a string, {example})", example='"243500741"')
            )
            epci = None
        issuer = entry.get("issuer")
        if issuer is not None and not isinstance(issuer, dict):
            self.wrong_type((*where, "issuer"), issuer, msg("a table ([services.<id>.issuer])"))
            issuer = None
        return Service(
            id=key,
            tariffs=tuple(root / tariff for tariff in tariffs),
            roster=root / roster if roster else None,
            budgets=str(root / budgets) if budgets else None,
            consumption=str(root / consumption) if consumption else None,
            indices=tuple(root / index for index in indices),
            epci=str(epci) if epci else None,
            issuer=issuer,
        )

    def config(self, data: dict[str, object]) -> Config:
        self.unknown_keys(data, (), TOP_KEYS)
        services: dict[str, Service] = {}
        table = data.get("services")
        if table is not None and not isinstance(table, dict):
            self.wrong_type(
                ("services",),
                table,
                msg("a table of services ({header})", header="[services.<name>]"),
            )
        elif isinstance(table, dict):
            for key, entry in table.items():
                service = self.service(key, entry)
                if service is not None:
                    services[key] = service
        if table is None or (isinstance(table, dict) and not table):
            self.at(("services",), "config", msg("no {header} table", header="[services.<name>]"))
        default = data.get("default")
        if default is not None and not isinstance(default, str):
            self.wrong_type(("default",), default, msg("the name of a service (a string)"))
            default = None
        elif isinstance(default, str) and isinstance(table, dict) and default not in table:
            self.at(
                ("default",),
                "config",
                msg(
                    "default service '{default}' is not defined (services: {known})",
                    default=default,
                    known=", ".join(table),
                )
                if table
                else msg(
                    "default service '{default}' is not defined (no service is)",
                    default=default,
                ),
            )
        if self.problems:
            raise InputError(self.problems)
        return Config(self.path, services, default or next(iter(services)), self.bundled)
