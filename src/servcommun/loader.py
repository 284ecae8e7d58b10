"""Validate stage: documents from ``reader`` → frozen models, or every problem with its place.

Pydantic validates the shape; its error paths are mapped back to the YAML marks. Then the
semantic checks of ``checks`` run (brackets contiguous, keys summing to 100, offers
known…). Whatever fails, the caller gets an ``InputError`` listing all diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from servcommun import checks
from servcommun.diagnostics import Diagnostic, InputError
from servcommun.reader import Document, Path_, is_yaml_word, read_csv, read_yaml
from servcommun.roster import Roster
from servcommun.tariff import GridTariff, SharingTariff, Tariff

M = TypeVar("M")

_TARIFF: TypeAdapter[GridTariff | SharingTariff] = TypeAdapter(Tariff)
_ROSTER: TypeAdapter[Roster] = TypeAdapter(Roster)


def validate(doc: Document, adapter: TypeAdapter[M]) -> tuple[M | None, list[Diagnostic]]:
    """Validate ``doc.data``; on failure, one diagnostic per Pydantic error, placed."""
    try:
        return adapter.validate_python(doc.data), []
    except ValidationError as error:
        return None, [_diagnostic(doc, item) for item in error.errors()]


def load_tariff(path: Path, display: str | None = None) -> GridTariff | SharingTariff:
    """Read, validate and check a tariff file; ``InputError`` lists every problem."""
    doc = read_yaml(path, display)
    tariff, problems = validate(doc, _TARIFF)
    if tariff is not None:
        problems = list(checks.check_tariff(doc, tariff))
    if problems or tariff is None:
        raise InputError(problems)
    return tariff


def load_roster(path: Path, tariff: GridTariff, display: str | None = None) -> Roster:
    """Read (YAML or CSV), validate and check a roster against its tariff."""
    if path.suffix.lower() == ".csv":
        csv_doc, header = read_csv(path, display)
        doc = roster_document_from_csv(csv_doc, header, tariff)
    else:
        doc = read_yaml(path, display)
    roster, problems = validate(doc, _ROSTER)
    if roster is not None:
        problems = list(checks.check_roster(doc, roster, tariff))
    if problems or roster is None:
        raise InputError(problems)
    return roster


def roster_document_from_csv(csv_doc: Document, header: list[str], tariff: GridTariff) -> Document:
    """Turn a bulk CSV roster into the data of a YAML roster, keeping each cell's place.

    One row a member. Columns: ``id``, ``name``, ``population_<year>`` (one or more),
    ``own_it_department`` (oui/non), one column per offer id holding ``start`` or
    ``start/end`` (ISO 8601 interval) for an annual offer, the delivery date for a one-off
    service, ``days_<year>`` (engineering days used), and optionally ``override_offer``,
    ``override_amount``, ``override_fixed``, ``override_year``, ``override_reference``.
    """
    members: list[dict[str, Any]] = []
    doc = Document(csv_doc.file, csv_doc.text, {"service": tariff.service, "members": members})
    doc.positions[()] = (1, 1)
    one_off = {offer.id for offer in tariff.offers if offer.billing.value == "one-off"}
    offers = [title for title in header if tariff.offer(title)]
    for index, row in enumerate(csv_doc.data):
        here: Path_ = ("members", index)
        doc.positions[here] = csv_doc.positions[(index,)]

        def cell(title: str, *path: str | int, _i: int = index, _here: Path_ = here) -> str:
            doc.positions[(*_here, *path)] = csv_doc.positions[(_i, title)]
            return row[title].strip()

        member: dict[str, Any] = {"id": cell("id", "id") if "id" in row else None,
                                  "name": cell("name", "name") if "name" in row else None,
                                  "population": {}, "engineering_days": {},
                                  "subscriptions": [], "overrides": []}
        for title in header:
            if title.startswith("population_") and row[title].strip():
                year = _year_of(title)
                member["population"][year] = cell(title, "population", year)
            elif title.startswith("days_") and row[title].strip():
                year = _year_of(title)
                member["engineering_days"][year] = cell(title, "engineering_days", year)
        if row.get("own_it_department", "").strip():
            flag = cell("own_it_department", "own_it_department").lower()
            member["own_it_department"] = flag in {"oui", "yes", "true", "1", "o", "y"}
        for title in offers:
            if not row[title].strip():
                continue
            path = ("subscriptions", len(member["subscriptions"]))
            dates = cell(title, *path).split("/")
            for field in ("offer", "start", "end", "delivered"):
                doc.positions[(*here, *path, field)] = doc.positions[(*here, *path)]
            if title in one_off:
                member["subscriptions"].append({"offer": title, "delivered": dates[0] or None})
            else:
                member["subscriptions"].append({"offer": title, "start": dates[0] or None,
                                                "end": dates[1] if len(dates) > 1 else None})
        if row.get("override_offer", "").strip():
            override: dict[str, Any] = {}
            for field in ("offer", "amount", "fixed", "year", "reference"):
                title = f"override_{field}"
                if row.get(title, "").strip():
                    override[field] = cell(title, "overrides", 0, field)
            doc.positions[(*here, "overrides", 0)] = csv_doc.positions[(index, "override_offer")]
            member["overrides"].append(override)
        members.append(member)
    return doc


def _year_of(title: str) -> int | str:
    suffix = title.rsplit("_", 1)[1]
    return int(suffix) if suffix.isdigit() else suffix


# -- Pydantic errors, placed and worded for a finance officer ---------------------------

_CODES = {
    "missing": "missing-key",
    "extra_forbidden": "unknown-key",
    "union_tag_invalid": "unknown-choice",
    "union_tag_not_found": "missing-key",
    "literal_error": "unknown-choice",
    "enum": "unknown-choice",
}


def _diagnostic(doc: Document, item: Any) -> Diagnostic:
    loc: tuple[Any, ...] = tuple(item["loc"])
    kind: str = item["type"]
    code = _CODES.get(kind) or ("wrong-type" if kind.endswith(("_type", "_parsing"))
                                else "invalid-value")
    named = [step for step in loc if isinstance(step, str) and step in _names(doc, loc)]
    where = f"'{named[-1]}': " if named else ""
    message = f"{where}{_wording(item)}"
    return doc.diagnostic(loc, code, message, key=kind == "extra_forbidden")


def _names(doc: Document, loc: Path_) -> set[str]:
    """The steps of ``loc`` that are keys of the file (not Pydantic's union tags)."""
    names: set[str] = set()
    path: Path_ = ()
    for step in loc:
        candidate = (*path, step)
        if candidate in doc.positions or candidate in doc.key_positions:
            path = candidate
            if isinstance(step, str):
                names.add(step)
    if loc and isinstance(loc[-1], str):
        names.add(loc[-1])  # a missing or unknown key is not in the file's positions
    return names


def _wording(item: Any) -> str:
    kind: str = item["type"]
    value = item.get("input")
    message: str = item["msg"]
    if kind == "missing":
        return "this key is required"
    if kind == "extra_forbidden":
        return "unknown key: check its spelling against the tariff format (servcommun schema)"
    if kind == "string_type" and is_yaml_word(value):
        return f"expected text, but YAML 1.1 reads {value!r} as a boolean: quote it ('{value!r}')"
    if kind == "string_type" and isinstance(value, int):
        return f"expected text, but {value} is read as a number: quote it ('{value}')"
    if kind.startswith("date"):
        return f"expected a date written YYYY-MM-DD, got {_shown(value)}"
    message = message.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch" and isinstance(value, str):
        return f"{_shown(value)} is not well-formed: {message.lower()}"
    if isinstance(value, dict | list):
        return message
    return f"{message} (got {_shown(value)})"


def _shown(value: Any) -> str:
    if is_yaml_word(value):
        return repr(value)
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def validate_model(doc: Document, model: type[BaseModel]) -> tuple[Any, list[Diagnostic]]:
    """``validate`` for a model class (used by ``check`` for budgets and configs)."""
    return validate(doc, TypeAdapter(model))
