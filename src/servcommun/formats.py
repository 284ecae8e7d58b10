"""The input file formats: each kind of file, how it is recognised, what it validates into.

A file's kind comes from its place in ``servcommun.toml`` when it has one; otherwise from
its content (a tariff says ``kind: contribution-grid``, a roster has ``members``, a budget
a ``year`` and cost ``lines``), or from the yaml-language-server modeline that points
editors at its schema.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from servcommun.language import N_
from servcommun.message import Message

if TYPE_CHECKING:  # pydantic is loaded by the commands that validate, not by --help
    from pydantic import TypeAdapter


class Kind(StrEnum):
    TARIFF = "tariff"
    ROSTER = "roster"
    BUDGET = "budget"
    CONSUMPTION = "consumption"
    INDEX = "index"


_MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=\S*?(\w+)\.schema\.json\s*$")

HOW_TO_TELL = N_(
    "a tariff has 'kind: contribution-grid', an index file 'kind: index', a "
    "roster a 'members' list, a budget a 'year' and cost 'lines', a consumption "
    "file 'acts'; or name the file in servcommun.toml"
)
"""How a file's kind is told (a message id: ``how_to_tell()`` to say it)."""


def how_to_tell() -> Message:
    """How a file's kind is told, as a message (``cannot tell what this file is: …``)."""
    return Message(HOW_TO_TELL, ())


def kind_of(data: Any, text: str) -> Kind | None:
    """The kind of a YAML file from its content, or None when nothing tells."""
    if isinstance(data, dict):
        if "kind" in data:
            return {"budget": Kind.BUDGET, "index": Kind.INDEX}.get(data["kind"], Kind.TARIFF)
        if "members" in data:
            return Kind.ROSTER
        if "lines" in data and "year" in data:
            return Kind.BUDGET
        if "acts" in data:
            return Kind.CONSUMPTION
    for line in text.splitlines()[:10]:
        match = _MODELINE.match(line.strip())
        if match and match.group(1) in {kind.value for kind in Kind}:
            return Kind(match.group(1))
    return None


@cache
def adapter(kind: Kind) -> TypeAdapter[Any]:
    """The model a file of ``kind`` is validated into."""
    from pydantic import TypeAdapter

    if kind is Kind.TARIFF:
        from servcommun.tariff import Tariff

        return TypeAdapter(Tariff)
    if kind is Kind.ROSTER:
        from servcommun.roster import Roster

        return TypeAdapter(Roster)
    if kind is Kind.CONSUMPTION:
        from servcommun.roster import Consumption

        return TypeAdapter(Consumption)
    if kind is Kind.INDEX:
        from servcommun.indices import IndexSeries

        return TypeAdapter(IndexSeries)
    from servcommun.budget import Budget

    return TypeAdapter(Budget)
