"""Bulk rosters in CSV: one row a member, read into the data of a YAML roster.

Columns: ``id``, ``name``, ``population_<year>`` (one or more), one column per attribute
the tariff declares (``own_it_department``: oui/non, a number, a choice), one column per
offer id of the tariff holding ``start`` or ``start/end`` (an ISO 8601 interval) for an
annual offer or the delivery date of a one-off service, ``days_<year>`` (the units a
member used that year against its allowance — engineering days — read as its
consumption of the unit the tariff counts so, dated the last day of the year it holds
the offer), ``attribution_<year>`` (attribution de compensation, for statements settled
by deduction from it), ``settlement`` (the member's own way of settling), and optionally
``override_offer``, ``override_part``, ``override_amount``, ``override_year``,
``override_reference``, and ``<figure>_<year>`` for each figure the tariff declares
(``masse_salariale_2025``: the salary mass the member declares for 2025).

A comma or a semicolon separates the cells (French spreadsheets write semicolons).
Positions are worked out only when a diagnostic needs one: a 35 000-row roster is read
without building a position for each of its cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from servcommun.diagnostics import InputError
from servcommun.key_checks import listing
from servcommun.message import Message, msg, msg_n
from servcommun.reader import Document, Path_, make_diagnostic, read_text
from servcommun.tariff import Tariff
from servcommun.terms import Billing

_TRUE = {"oui", "o", "yes", "y", "true", "1", "vrai"}
_FALSE = {"non", "n", "no", "false", "0", "faux"}


class CsvRosterDocument(Document):
    """A roster read from CSV: ``position()`` maps a roster path (``members.3.population
    .2026``) back to the row and column of the cell it came from.

    Its ``data`` (a YAML roster's) is made from the rows when asked for; ``streamed()``
    gives the same data with its members made one at a time, for a validation that
    lets each go once its model is made (35 000 members' data and models are not held
    at once)."""

    _data: Any = None

    def __init__(
        self,
        file: str,
        text: str,
        service: str,
        header: list[str],
        lines: list[int],
        delimiter: str,
        rows: list[list[str]],
        columns: _Columns,
    ) -> None:
        super().__init__(file, text, None)
        self.service = service
        self.header = header
        self.lines = lines  # 1-based line of each member's row
        self.delimiter = delimiter
        self.rows = rows
        self.columns = columns
        self.attributes = frozenset(columns.attributes)  # the columns of the attributes
        self.figures = columns.figures  # the ids of the tariff's declared figures

    @property
    def data(self) -> Any:
        if self._data is None:
            self._data = {**self.streamed(), "members": list(self._members())}
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value

    def streamed(self) -> dict[str, Any]:
        """The roster's data, its members made as they are iterated (once)."""
        return {"service": self.service, "members": self._members()}

    def _members(self) -> Iterator[dict[str, Any]]:
        plan = _plan(self.header, self.columns)
        for cells in self.rows:
            yield _member(plan, cells, self.columns)

    def position(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        if len(path) < 2 or path[0] != "members" or not isinstance(path[1], int):
            return (1, 1)
        index = path[1]
        if not 0 <= index < len(self.lines):
            return (1, 1)
        title = self._column_of(index, path[2:])
        line = self.lines[index]
        if title not in self.header:
            return (line, 1)
        return (
            line,
            _cell_starts(self.text.splitlines()[line - 1], self.delimiter)[
                self.header.index(title)
            ],
        )

    def _column_of(self, index: int, rest: Path_) -> str:
        """The header of the cell a member's field was read from."""
        if not rest:
            return self.header[0]
        field = rest[0]
        if field in _BY_YEAR:
            prefix = _BY_YEAR[str(field)]
            if len(rest) > 1:
                return f"{prefix}{rest[1]}"
            return next((t for t in self.header if t.startswith(prefix)), prefix)
        if field == "subscriptions" and len(rest) > 1 and isinstance(rest[1], int):
            filled = [t for t in self._offer_columns() if self.rows[index][self.header.index(t)]]
            return filled[rest[1]] if rest[1] < len(filled) else "id"
        if field == "overrides":
            return f"override_{rest[2]}" if len(rest) > 2 else "override_offer"
        if field == "attributes" and len(rest) > 1:
            return str(rest[1])
        if field == "figures" and len(rest) > 1:
            if len(rest) > 2:
                return f"{rest[1]}_{rest[2]}"
            prefix = f"{rest[1]}_"
            return next((t for t in self.header if t.startswith(prefix)), str(rest[1]))
        if field == "consumption" and len(rest) > 1 and isinstance(rest[1], int):
            days = [t for t in self.header if t.startswith("days_")]
            filled = [t for t in days if self.rows[index][self.header.index(t)]]
            return filled[rest[1]] if rest[1] < len(filled) else "id"
        return str(field)

    def _offer_columns(self) -> list[str]:
        return [
            t
            for t in self.header
            if t not in _FIXED_COLUMNS
            and t not in self.attributes
            and not t.startswith(_PREFIXES)
            and _figure_column(t, self.figures) is None
        ]


_FIXED_COLUMNS = {"id", "name", "siren", "settlement"}


def _figure_column(title: str, figures: frozenset[str]) -> tuple[str, int] | None:
    """The figure and year of a ``<figure>_<year>`` column, if ``title`` is one."""
    figure, _, year = title.rpartition("_")
    if figure in figures and len(year) == 4 and year.isdigit():
        return figure, int(year)
    return None


_BY_YEAR = {
    "population": "population_",
    "attribution_compensation": "attribution_",
}
_PREFIXES = ("population_", "days_", "attribution_", "override_")


def _open_csv(path: Path, name: str) -> tuple[str, str, Any, list[str]]:
    """A CSV file's text, delimiter (a comma, or the semicolon French
    spreadsheets write), a reader past the header, and the header."""
    text = read_text(path, name)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [title.strip() for title in next_row(reader, name, text) or []]
    if not header:
        raise InputError(
            [
                make_diagnostic(
                    name,
                    text,
                    1,
                    1,
                    "empty-file",
                    msg("file is empty: expected a CSV header line"),
                )
            ]
        )
    seen: set[str] = set()
    for index, title in enumerate(header):
        if title in seen and title:
            raise _header_problem(
                name,
                text,
                delimiter,
                index,
                "duplicate-column",
                msg(
                    "column '{title}' is repeated (first the column {first:count}): only one "
                    "value could be kept",
                    title=title,
                    first=header.index(title) + 1,
                ),
            )
        seen.add(title)
    return text, delimiter, reader, header


def next_row(reader: Any, name: str, text: str, before: int = 0) -> list[str] | None:
    """The reader's next row (None at the end), or the error at its line (``before``:
    the lines of the file before the reader's text): a cell longer than the csv module
    reads, a quote left open."""
    try:
        return next(reader, None)
    except csv.Error as error:
        if "field limit" in str(error):
            said = msg(
                "a cell is longer than {limit:count} characters (a quote left open runs to "
                "the end of the file): close the quote, or shorten the cell",
                limit=csv.field_size_limit(),
            )
        else:
            said = msg("the file is not a valid CSV here: {reason}", reason=str(error))
        raise InputError(
            [make_diagnostic(name, text, before + max(reader.line_num, 1), 1, "csv-syntax", said)]
        ) from None


def _rows(reader: Any, header: list[str], name: str, text: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each row that is not blank; a row whose cells do not match the
    header is an error at its line."""
    while (cells := next_row(reader, name, text)) is not None:
        if not "".join(cells).strip():  # blank (one string: no generator for each row)
            continue
        if len(cells) != len(header):
            raise InputError(
                [
                    make_diagnostic(
                        name,
                        text,
                        reader.line_num,
                        1,
                        "csv-columns",
                        msg_n(
                            "row has {cells:count} cell, the header has {header:count}",
                            "row has {cells:count} cells, the header has {header:count}",
                            n="cells",
                            cells=len(cells),
                            header=len(header),
                        ),
                    )
                ]
            )
        yield reader.line_num, cells


def read_roster_csv(path: Path, tariff: Tariff, display: str | None = None) -> Document:
    """Read a CSV roster into a ``Document`` holding the data of a YAML roster."""
    name = display or str(path)
    text, delimiter, reader, header = _open_csv(path, name)
    attributes = {attribute.id: attribute.type for attribute in tariff.attributes}
    figures = frozenset(figure.id for figure in tariff.figures)
    unknown = [
        t
        for t in header
        if t not in _FIXED_COLUMNS
        and t not in attributes
        and _figure_column(t, figures) is None
        and tariff.offer(t) is None
        and not t.startswith(_PREFIXES)
    ]
    days_unit = next((u.id for _, part in tariff.parts() for u in part.allowance_units()), None)
    if unknown:
        offers = ", ".join(offer.id for offer in tariff.offers)
        raise _header_problem(
            name,
            text,
            delimiter,
            header.index(unknown[0]),
            "unknown-column",
            msg(
                "column '{title}' is neither a member field, an attribute the tariff declares "
                "({declared}), a figure it declares by year ({columns}) nor an offer of the "
                "tariff (offers: {offers})",
                title=unknown[0],
                declared=listing(attributes),
                columns=", ".join(f"{figure}_<year>" for figure in sorted(figures)),
                offers=offers,
            )
            if figures
            else msg(
                "column '{title}' is neither a member field, an attribute the tariff declares "
                "({declared}) nor an offer of the tariff (offers: {offers})",
                title=unknown[0],
                declared=", ".join(attributes),
                offers=offers,
            )
            if attributes
            else msg(
                "column '{title}' is neither a member field, an attribute the tariff declares "
                "(it declares none) nor an offer of the tariff (offers: {offers})",
                title=unknown[0],
                offers=offers,
            ),
        )
    days = [t for t in header if t.startswith("days_")]
    if days and days_unit is None:
        raise _header_problem(
            name,
            text,
            delimiter,
            header.index(days[0]),
            "unknown-column",
            msg(
                "column '{title}': the tariff counts no days against an allowance (no "
                "units-beyond-allowance part); give the units used in a consumption file",
                title=days[0],
            ),
        )
    one_off = {offer.id for offer in tariff.offers if offer.billing is Billing.ONE_OFF}
    columns = _Columns(one_off, attributes, days_unit or "", delimiter == ";", figures)
    rows: list[list[str]] = []
    lines: list[int] = []
    for line, cells in _rows(reader, header, name, text):
        lines.append(line)
        rows.append(cells)
    return CsvRosterDocument(name, text, tariff.service, header, lines, delimiter, rows, columns)


@dataclass(frozen=True)
class _Columns:
    """What the tariff says of a CSV roster's columns: the one-off offers (a date of
    delivery), the attributes (by type), the unit ``days_<year>`` counts, and whether the
    file comes from a spreadsheet set to French (semicolons), whose numbers have a decimal
    comma and spaces between thousands, and whose dates are written DD/MM/YYYY."""

    one_off: set[str]
    attributes: Mapping[str, str]
    days_unit: str
    french: bool
    figures: frozenset[str] = frozenset()


def _plan(header: list[str], columns: _Columns) -> list[tuple[str, str, Any]]:
    """What each column of the header holds — (kind, title, its year, figure or offer
    kind) — worked out once per file, not for each of its 35 000 rows."""
    plan: list[tuple[str, str, Any]] = []
    for title in header:
        if title in _FIXED_COLUMNS:
            plan.append(("field", title, None))
        elif title in columns.attributes:
            plan.append(("attribute", title, columns.attributes[title]))
        elif title.startswith("population_"):
            plan.append(("population", title, _year(title)))
        elif title.startswith("days_"):
            plan.append(("days", title, _year(title)))
        elif title.startswith("attribution_"):
            plan.append(("attribution", title, _year(title)))
        elif title.startswith("override_"):
            plan.append(("override", title, title.removeprefix("override_")))
        elif figure := _figure_column(title, columns.figures):
            plan.append(("figure", title, figure))
        elif title in columns.one_off:
            plan.append(("delivered", title, None))
        else:
            plan.append(("period", title, None))
    return plan


def _member(
    plan: list[tuple[str, str, Any]], cells: list[str], columns: _Columns
) -> dict[str, Any]:
    """One row (its cells as written, each stripped here) as the data of a YAML roster
    member (``plan``: what each column holds). A
    field the row leaves empty is left out, as a YAML roster would (its default is the
    same): 35 000 rows would otherwise hold and validate seven empty collections each."""
    french = columns.french
    number = _french_number if french else _as_is
    member: dict[str, Any] = {}
    subscriptions: list[dict[str, Any]] = []
    days: list[tuple[int | str, str]] = []
    override: dict[str, str] = {}
    for (kind, title, what), written in zip(plan, cells, strict=True):
        cell = written.strip() if written else written  # most empty cells: no call
        if not cell:
            continue
        if kind == "field":
            member[title] = cell
        elif kind == "attribute":
            member.setdefault("attributes", {})[title] = _attribute(cell, what, number)
        elif kind == "population":
            member.setdefault("population", {})[what] = number(cell)
        elif kind == "period":
            start, end = _period(cell, french)
            # no end: none written (its validator, which compares it with the start, is
            # then not run for nearly every subscription)
            subscriptions.append(
                {"offer": title, "start": start}
                if end is None
                else {"offer": title, "start": start, "end": end}
            )
        elif kind == "delivered":
            subscriptions.append(
                {"offer": title, "delivered": _french_date(cell) if french else cell}
            )
        elif kind == "days":
            if not _is_zero(number(cell)):  # no day used: no act
                days.append((what, number(cell)))
        elif kind == "attribution":
            member.setdefault("attribution_compensation", {})[what] = number(cell)
        elif kind == "override":
            override[what] = number(cell) if what in _NUMBERS else cell
        else:  # a figure by year
            member.setdefault("figures", {}).setdefault(what[0], {})[what[1]] = number(cell)
    if subscriptions:
        member["subscriptions"] = subscriptions
    if override:
        member["overrides"] = [override]
    if days:
        member["consumption"] = [
            {
                "unit": columns.days_unit,
                "date": _last_day(subscriptions, year),
                "quantity": quantity,
            }
            for year, quantity in days
        ]
    return member


def _attribute(cell: str, kind: str, number: Any) -> Any:
    """An attribute's cell as its value: yes or no (oui/non…), a number, a choice; a cell
    the type cannot read is kept as written, for ``check`` to say so at its place."""
    if kind == "boolean":
        lowered = cell.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else cell
    if kind == "number":
        return number(cell)
    return cell


def _is_zero(text: str) -> bool:
    try:
        return Decimal(text) == 0
    except InvalidOperation:
        return False  # not a number: the model says so at its cell


def _last_day(subscriptions: list[dict[str, Any]], year: int | str) -> str:
    """The day the days used in ``year`` are dated: 31 December, or the end of the
    member's subscription ending that year (its days were used while it held it)."""
    ends = [
        str(s["end"])
        for s in subscriptions
        if s.get("end") and str(s["end"]).startswith(f"{year}-")
    ]
    return max(ends, default=f"{year}-12-31")


_NUMBERS = {"amount", "fixed", "year"}
_FRENCH_NUMBER = re.compile(r"^-?\d{1,3}(?:[ \u00a0\u202f]\d{3})*(?:,\d+)?$|^-?\d+(?:,\d+)?$")
_FRENCH_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_FRENCH_PERIOD = re.compile(r"^(\d{2}/\d{2}/\d{4})\s*(?:au|–|-)\s*(\d{2}/\d{2}/\d{4})$")


def _as_is(cell: str) -> str:
    return cell


def _french_number(cell: str) -> str:
    """``9 312`` → ``9312``, ``4,5`` → ``4.5``; anything else is left for the model to
    refuse with its message."""
    if not _FRENCH_NUMBER.match(cell):
        return cell
    return re.sub(r"[ \u00a0\u202f]", "", cell).replace(",", ".")


def _french_date(cell: str) -> str:
    """``01/06/2026`` → ``2026-06-01`` (an impossible date is left for the model)."""
    match = _FRENCH_DATE.match(cell)
    return f"{match[3]}-{match[2]}-{match[1]}" if match else cell


def _period(cell: str, french: bool) -> tuple[str, str | None]:
    """An annual subscription's ``start/end`` (ISO 8601 interval), or in a French file
    ``01/01/2023``, ``01/01/2023 au 30/06/2026``."""
    if french:
        match = _FRENCH_PERIOD.match(cell)
        if match:
            return _french_date(match[1]), _french_date(match[2])
        if _FRENCH_DATE.match(cell):
            return _french_date(cell), None
    elif _FRENCH_DATE.match(cell):  # said as written, not cut at its slashes
        return cell, None
    start, _, end = cell.partition("/")
    return start, end or None


def _year(title: str) -> int | str:
    suffix = title.rsplit("_", 1)[1]
    return int(suffix) if suffix.isdigit() else suffix


def _header_problem(
    name: str, text: str, delimiter: str, index: int, code: str, message: Message
) -> InputError:
    """The error at the ``index``-th cell of the header line (line 1, its column)."""
    column = _cell_starts(text.split("\n", 1)[0], delimiter)[index]
    return InputError([make_diagnostic(name, text, 1, column, code, message)])


def _cell_starts(line: str, delimiter: str) -> list[int]:
    """1-based column where each cell of a CSV ``line`` starts (quotes respected)."""
    starts, quoted = [1], False
    for offset, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            starts.append(offset + 2)
    return starts


# -- consumption files: one row an act ------------------------------------------------------

CONSUMPTION_COLUMNS = ("member", "unit", "date", "quantity", "reference")
"""Columns of a CSV consumption file; ``member``, ``unit`` and ``date`` are required,
``quantity`` defaults to 1."""


class CsvActsDocument(Document):
    """A consumption file read from CSV: ``position()`` maps ``acts.3.date`` back to the
    row and column of its cell."""

    def __init__(
        self, file: str, text: str, data: Any, header: list[str], lines: list[int], delimiter: str
    ) -> None:
        super().__init__(file, text, data)
        self.header = header
        self.lines = lines
        self.delimiter = delimiter

    def position(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        if len(path) < 2 or path[0] != "acts" or not isinstance(path[1], int):
            return (1, 1)
        if not 0 <= path[1] < len(self.lines):
            return (1, 1)
        line = self.lines[path[1]]
        title = str(path[2]) if len(path) > 2 else "member"
        if title not in self.header:
            return (line, 1)
        return (
            line,
            _cell_starts(self.text.splitlines()[line - 1], self.delimiter)[
                self.header.index(title)
            ],
        )


def read_consumption_csv(path: Path, service: str, display: str | None = None) -> Document:
    """Read a CSV consumption file into a ``Document`` holding a consumption file's data
    (``service`` is the one servcommun.toml names it under)."""
    name = display or str(path)
    text, delimiter, reader, header = _open_csv(path, name)
    for title in header:
        if title not in CONSUMPTION_COLUMNS:
            raise _header_problem(
                name,
                text,
                delimiter,
                header.index(title),
                "unknown-column",
                msg(
                    "column '{title}' is not a column of a consumption file (columns: {columns})",
                    title=title,
                    columns=", ".join(CONSUMPTION_COLUMNS),
                ),
            )
    missing = [title for title in CONSUMPTION_COLUMNS[:3] if title not in header]
    if missing:
        raise InputError(
            [
                make_diagnostic(
                    name,
                    text,
                    1,
                    1,
                    "csv-columns",
                    msg(
                        "a consumption file needs the columns {columns}: {missing} missing",
                        columns=", ".join(CONSUMPTION_COLUMNS[:3]),
                        missing=", ".join(missing),
                    ),
                )
            ]
        )
    lines: list[int] = []
    acts: list[dict[str, Any]] = []
    for line, cells in _rows(reader, header, name, text):
        lines.append(line)
        acts.append(
            {title: cell.strip() for title, cell in zip(header, cells, strict=True) if cell.strip()}
        )
    data = {"service": service, "acts": acts}
    return CsvActsDocument(name, text, data, header, lines, delimiter)
