"""JSON of a bill: the stable contract of DESIGN.md §4 (amounts as two-decimal strings)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, TextIO

from servcommun.engine.result import (
    Bill,
    Line,
    MemberRef,
    Settlement,
    SharingSummary,
    Statement,
)
from servcommun.render.amounts import plain
from servcommun.render.words import message_values, per_object, say, sayer


def member_json(member: MemberRef, *, population: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {"id": member.id, "name": member.name}
    if population:
        data["population"] = member.population
    return data


def line_json(
    line: Line, said: Callable[[Any], str] = say, values: BasisData | None = None
) -> dict[str, Any]:
    """A line; ``said`` says its basis (a bill's ``sayer``, each distinct basis said once)
    and ``values`` gives its ``basis_data`` (a bill's ``basis_data``, each basis once)."""
    return {
        "code": line.code,
        "label": line.label,
        "amount": plain(line.amount),
        "basis": said(line.basis),
        "reference": line.reference,
        "titled": line.titled,
        "offer": line.offer,
        "part": line.part,
        "rule": line.rule,
        "basis_data": (values or _basis_data)(line),
    }


BasisData = Callable[[Line], dict[str, Any]]
"""A line's ``basis_data``: its rule and the values of its basis."""


def _basis_data(line: Line) -> dict[str, Any]:
    return {"rule": line.rule, **message_values(line.basis)}


def basis_data() -> BasisData:
    """``basis_data`` for one document, the values of each basis object taken once: the
    same basis stands on many lines of a bill (a bracket's, a population's)."""
    values = per_object(message_values)

    def data(line: Line) -> dict[str, Any]:
        return {"rule": line.rule, **values(line.basis)}

    return data


def statement_json(
    statement: Statement, said: Callable[[Any], str] = say, values: BasisData | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "member": member_json(statement.member),
        "lines": [line_json(line, said, values) for line in statement.lines],
        "total": plain(statement.total),
    }
    if not statement.billed:
        data["billed"] = False
    if statement.notes:
        data["notes"] = [say(note) for note in statement.notes]
    if statement.settlement is not None:
        data["settlement"] = settlement_json(statement.settlement)
    return data


def settlement_json(settlement: Settlement) -> dict[str, Any]:
    """How a statement is settled (extra key): by title, or by deduction from the
    attribution de compensation, with the attribution before and after."""
    data: dict[str, Any] = {"mode": settlement.mode, "reference": settlement.reference}
    after = settlement.attribution_after
    if (
        settlement.attribution_before is not None
        and settlement.deducted is not None
        and after is not None
    ):
        data.update(
            {
                "attribution_year": settlement.attribution_year,
                "attribution_before": plain(settlement.attribution_before),
                "deducted": plain(settlement.deducted),
                "attribution_after": plain(after),
            }
        )
    return data


def bill_json(bill: Bill) -> dict[str, Any]:
    """The bill's JSON data; its ``statements`` are made one at a time as they are read
    (written by ``write_json``): 35 000 statements held as dicts take 140 MB. Their
    bases are said once each (a few thousand distinct bases on 66 000 lines)."""
    said, values = sayer(), basis_data()
    data: dict[str, Any] = {
        "service": bill.service,
        "year": bill.year,
        "currency": bill.currency,
        "statements": (statement_json(statement, said, values) for statement in bill.statements),
        "needs_review": [
            {"member": member_json(r.member, population=False), "reason": say(r.reason)}
            for r in bill.needs_review
        ],
        "total": plain(bill.total),
    }
    if bill.staffing is not None:
        staffing = bill.staffing
        coverage = staffing.coverage
        data["staffing"] = {
            "counted_offer": staffing.counted_offer,
            "members": staffing.members,
            "fte": fte_number(staffing.fte),
            "staff_cost": plain(staffing.staff_cost),
            "contributions": plain(staffing.contributions),
            "coverage_percent": None if coverage is None else str(coverage),
            "reference": staffing.reference,
        }
    if bill.allowances:
        data["allowances"] = [
            {
                "offer": summary.offer,
                "part": summary.part,
                "members": summary.members,
                "allowance": f"{summary.allowance.normalize():f}",
                "used": f"{summary.used.normalize():f}",
                "beyond": f"{summary.beyond.normalize():f}",
                "reference": summary.reference,
            }
            for summary in bill.allowances
        ]
    if bill.sharing is not None:
        data["sharing"] = sharing_json(bill.sharing)
    if bill.sources:
        data["deliberations"] = [say(source) for source in bill.sources]
    return data


def sharing_json(sharing: SharingSummary) -> dict[str, Any]:
    """Cost sharing (extra keys): the key, the cost shared and the management fees; for
    a key dated by year, the date its shares are in force from (``key_from``)."""
    data: dict[str, Any] = {
        "carrier": sharing.carrier,
        "key": {party: str(percent) for party, percent in sharing.key},
        "key_reference": sharing.key_reference,
        "cost_total": plain(sharing.cost_total),
        "management_fees": {
            "rate_percent": str(sharing.fee_rate),
            "base": plain(sharing.fee_base),
            "total": plain(sharing.fee_total),
            "reference": sharing.fee_reference,
        },
        "notes": [say(note) for note in sharing.notes],
    }
    if sharing.key_from is not None:
        data["key_from"] = sharing.key_from.isoformat()
    return data


def fte_number(value: Decimal) -> int | float:
    """An FTE count as a JSON number, the same in every command (3, or 2.5): staffing
    steps are whole or half posts, which a binary float holds exactly."""
    return int(value) if value == value.to_integral_value() else float(value)


def dumps(data: Any) -> str:
    """JSON text with one key of the top object a line, and one record a line in its
    lists (statements, years, members): readable and diffable, and written by the C
    encoder (indentation would run the pure-Python one, 3.5× slower on 35 000
    statements)."""
    return "".join(json_pieces(data))


def write_json(data: Any, out: TextIO) -> None:
    """``dumps(data)`` written to ``out`` a record at a time, never held whole."""
    for piece in json_pieces(data):
        out.write(piece)


def json_pieces(data: Any) -> Iterator[str]:
    """The text of ``dumps`` in pieces, one a record of a list; a list may be given as an
    iterator (a bill's statements), whose records are then made as they are written."""
    if not isinstance(data, dict):
        yield json.dumps(data, ensure_ascii=False) + "\n"
        return
    yield "{\n"
    separator = ""
    for key, value in data.items():
        yield f"{separator}  {json.dumps(key)}: "
        separator = ",\n"
        if not isinstance(value, list | Iterator):
            yield json.dumps(value, ensure_ascii=False)
            continue
        records = iter(value)
        first = next(records, _END)
        if first is _END:
            yield "[]"
            continue
        yield "[\n    " + _encode(first)
        for record in records:
            yield ",\n    " + _encode(record)
        yield "\n  ]"
    yield "\n}\n"


_END = object()  # the end of a list's records
_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps makes one a call
