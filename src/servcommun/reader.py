"""Read stage: file text → plain Python data plus the position of every value.

YAML is composed into PyYAML's node tree (libyaml when available) and built by hand, so
that every value keeps its ``line:column`` and YAML 1.1's surprises are caught where they
happen: duplicate keys, ``01004`` read as the octal 516, ``1:30`` read as 90, ``no`` read
as false, ``2026-02-30``, aliases, foreign tags. Decimals are built from their text,
never through float. CSV files get the same treatment (row, column) in ``read_csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from servcommun.diagnostics import Diagnostic, InputError, source_line

try:  # libyaml is several times faster; the pure-Python composer gives the same nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_ = tuple[str | int, ...]

MAX_FILE_BYTES = 32 * 1024 * 1024  # far above any real tariff or roster; refuses 50 MB junk

_TAG = "tag:yaml.org,2002:"
_BOOL_WORDS = {"true", "false"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Document:
    """A file's data and where each value stands in it.

    ``positions`` maps a path (``("members", 3, "population", 2026)``) to the 1-based
    ``(line, column)`` of its value; ``key_positions`` to that of the mapping key.
    """

    file: str
    text: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Position of the deepest known node along ``path`` (unknown steps are skipped).

        Pydantic error locations contain steps that are not in the file (union member
        names, validator tags): skipping them lands on the nearest node that is.
        """
        known: Path_ = ()
        best = self.positions.get((), (1, 1))
        for step in path:
            candidate = (*known, step)
            if candidate in self.positions:
                known = candidate
                best = self.positions[candidate]
        if key and known in self.key_positions:
            return self.key_positions[known]
        return best

    def diagnostic(self, path: Path_, code: str, message: str, *, key: bool = False) -> Diagnostic:
        line, column = self.position(path, key=key)
        return make_diagnostic(self.file, self.text, line, column, code, message)


def make_diagnostic(
    file: str, text: str, line: int, column: int, code: str, message: str
) -> Diagnostic:
    return Diagnostic(file, line, column, code, message, source_line(text, line))


def read_text(path: Path, display: str | None = None) -> str:
    """The file's UTF-8 text, or an ``InputError`` saying why it is not readable text."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError([Diagnostic(name, 1, 1, "file-too-large",
                f"file is {size // (1024 * 1024)} MiB; tariff and roster files are limited "
                f"to {MAX_FILE_BYTES // (1024 * 1024)} MiB (use a CSV roster for bulk data)")])
        raw = path.read_bytes()
    except OSError as error:
        raise InputError([Diagnostic(name, 1, 1, "unreadable", error.strerror or str(error))])
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise InputError([Diagnostic(name, line, 1, "binary-file",
            "file contains NUL bytes: expected a UTF-8 text file")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise InputError([Diagnostic(name, line, column, "not-utf8",
            f"byte 0x{raw[error.start]:02x} is not UTF-8: save the file as UTF-8")])
    return text


def read_yaml(path: Path, display: str | None = None) -> Document:
    """Read a YAML file into a ``Document``; raise ``InputError`` with every problem found."""
    name = display or str(path)
    return parse_yaml(read_text(path, name), name)


def parse_yaml(text: str, file: str) -> Document:
    """Parse YAML ``text`` (named ``file`` in diagnostics) into a ``Document``."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or "invalid YAML"
        context = f" ({error.context})" if error.context else ""
        raise InputError([make_diagnostic(file, text, line, column, "yaml-syntax",
                                          f"{problem}{context}")]) from None
    except yaml.YAMLError as error:  # reader errors (control characters) carry no mark
        raise InputError([Diagnostic(file, 1, 1, "yaml-syntax", str(error).splitlines()[0])])
    if root is None:
        raise InputError([Diagnostic(file, 1, 1, "empty-file",
            "file is empty: expected a YAML mapping")])
    builder = _Builder(file, text)
    data = builder.build(root, ())
    if builder.problems:
        raise InputError(builder.problems)
    return Document(file, text, data, builder.positions, builder.key_positions)


class _Builder:
    """Builds plain data from a node tree, recording positions and YAML traps."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.key_positions: dict[Path_, tuple[int, int]] = {}
        self.problems: list[Diagnostic] = []
        self._seen: set[int] = set()

    def problem(self, node: yaml.Node, code: str, message: str) -> None:
        mark = node.start_mark
        self.problems.append(make_diagnostic(
            self.file, self.text, mark.line + 1, mark.column + 1, code, message))

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if id(node) in self._seen:
            # an alias: refusing them also defuses "billion laughs" alias bombs
            self.problem(node, "yaml-alias",
                         "anchors and aliases (&name, *name) are not supported: write the value out")
            return None
        self._seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, "seq")
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return self._scalar(node)

    def _check_tag(self, node: yaml.Node, expected: str) -> None:
        if node.tag != _TAG + expected:
            self.problem(node, "yaml-tag", f"tag {node.tag} is not allowed: plain YAML data only")

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        self._check_tag(node, "map")
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.problem(key_node, "yaml-merge",
                             "merge keys (<<) are not supported: write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, "yaml-key", "mapping keys must be plain scalars")
                continue
            key = self._scalar(key_node)
            if isinstance(key, Decimal | bool) or key is None:
                key = key_node.value  # such keys are names (offers, years), never numbers
            if key in result:
                first = self.key_positions[(*path, key)]
                self.problem(key_node, "duplicate-key",
                             f"key '{key_node.value}' is repeated (first at line {first[0]}): "
                             "YAML would silently keep only the last value")
                continue
            self.key_positions[(*path, key)] = (key_node.start_mark.line + 1,
                                                 key_node.start_mark.column + 1)
            result[key] = self.build(value_node, (*path, key))
        return result

    def _scalar(self, node: yaml.Node) -> Any:
        text: str = node.value
        tag = node.tag.removeprefix(_TAG)
        if tag == "str":
            return text
        if tag == "int":
            return self._integer(node, text)
        if tag == "float":
            try:
                number = Decimal(text.replace("_", ""))
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite():
                self.problem(node, "yaml-number", f"'{text}' is not a finite number")
                return text
            return number
        if tag == "bool":
            value = text.lower() in {"true", "yes", "on", "y"}
            if text.lower() not in _BOOL_WORDS:
                return _Word(text, value)
            return value
        if tag == "null":
            return None
        if tag == "timestamp":
            if not _DATE.match(text):
                self.problem(node, "yaml-date",
                             f"'{text}' is not a date: write dates as YYYY-MM-DD")
                return text
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                self.problem(node, "yaml-date", f"'{text}' is not a calendar date")
                return text
        self._check_tag(node, "str")
        return text

    def _integer(self, node: yaml.Node, text: str) -> Any:
        digits = text.lstrip("+-")
        if ":" in text:
            self.problem(node, "yaml-sexagesimal",
                         f"YAML 1.1 reads '{text}' as a base-60 number: quote it ('{text}')")
            return text
        if len(digits) > 1 and digits.startswith("0") and digits.isdigit():
            self.problem(node, "yaml-octal",
                         f"YAML 1.1 reads '{text}' as the octal number {int(digits, 8)}"
                         if set(digits) <= set("01234567") else
                         f"a number written '{text}' loses its leading zero",
                         )
            # keep the text so the message above is the only one about this value
            return text
        if digits[:2] in {"0x", "0b", "0o"} or "_" in text:
            self.problem(node, "yaml-number",
                         f"'{text}' is a YAML 1.1 special integer: write a plain decimal number")
            return text
        if len(digits) > 18:
            self.problem(node, "yaml-number", f"'{text}' has {len(digits)} digits: too large")
            return text
        return int(text)


class _Word(int):
    """A boolean written as a word (``yes``, ``no``, ``on``, ``off``): YAML 1.1 reads it as
    true/false. Behaves as a bool for boolean fields; text fields reject it with a hint."""

    text: str

    def __new__(cls, text: str, value: bool) -> _Word:
        word = super().__new__(cls, value)
        word.text = text
        return word

    def __bool__(self) -> bool:
        return int(self) == 1

    def __repr__(self) -> str:
        return self.text


def is_yaml_word(value: Any) -> bool:
    """True for a value YAML 1.1 turned from a word (``no``, ``off``…) into a boolean."""
    return isinstance(value, _Word)


def read_csv(path: Path, display: str | None = None) -> tuple[Document, list[str]]:
    """Read a CSV file (comma or semicolon, detected on the header) into a ``Document``
    whose data is a list of row dicts (all text) and whose positions are ``(row, column)``.
    Returns the document and the header."""
    name = display or str(path)
    text = read_text(path, name)
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise InputError([Diagnostic(name, 1, 1, "empty-file",
            "file is empty: expected a CSV header line")]) from None
    rows: list[dict[str, str]] = []
    doc = Document(name, text, rows)
    for index, cells in _rows(reader):
        line = reader.line_num
        if len(cells) != len(header):
            raise InputError([make_diagnostic(name, text, line, 1, "csv-columns",
                f"row has {len(cells)} cells, the header has {len(header)}")])
        row_path: Path_ = (index,)
        doc.positions[row_path] = (line, 1)
        column = 1
        for title, cell in zip(header, cells, strict=True):
            doc.positions[(index, title)] = (line, column)
            column += len(cell) + 1
        rows.append(dict(zip(header, cells, strict=True)))
    return doc, header


def _rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    index = 0
    for cells in reader:
        if not cells or all(not cell.strip() for cell in cells):
            continue
        yield index, cells
        index += 1
