"""JSON Schemas of the input formats, for editors (``schema/<kind>.schema.json``).

Generated from the models, so that the schema an editor uses is the one ``check``
applies. Kept apart from ``formats``: it needs Pydantic's schema generator at import.

Editors show a schema's titles and descriptions as hovers: they are said in the language
in use, through the catalogue. Their English ids are the models' own words (field
titles, ``description=``, docstrings), found by walking the schemas (``phrases``), not in
the code's ``_()`` calls: the catalogue's extraction adds them from there.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from servcommun.formats import Kind, adapter
from servcommun.language import N_, _


class _StableSchema(GenerateJsonSchema):
    """Pydantic's schema, with decimals written our way: Pydantic's own form for them
    changes between releases, and the committed schema must not."""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        number: dict[str, Any] = {"type": "number"}
        for bound, keyword in _BOUNDS.items():
            if schema.get(bound) is not None:
                number[keyword] = json.loads(str(schema[bound]))  # type: ignore[literal-required]
        return {"anyOf": [number, {"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"}]}


_BOUNDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}


def json_schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema of a file kind, for editors (``schema/<kind>.schema.json``), its
    titles and descriptions in the language in use."""
    said = _said(_english_schema(kind))
    assert isinstance(said, dict)
    return said


def json_schema_text(kind: Kind) -> str:
    return json.dumps(json_schema(kind), ensure_ascii=False, indent=2) + "\n"


def phrases() -> list[str]:
    """Every title and description of the schemas of every file kind, in English: the
    message ids ``json_schema`` says them by (for the catalogue's extraction)."""
    found: set[str] = set()
    for kind in Kind:
        _collect(_english_schema(kind), found)
    return sorted(found)


@cache
def _english_schema(kind: Kind) -> dict[str, Any]:
    schema = adapter(kind).json_schema(by_alias=True, schema_generator=_StableSchema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": _TITLES[kind],
        "description": _DESCRIPTIONS[kind],
    }


_WORDS = ("title", "description")
"""The keywords of a schema whose values are words a person reads."""

_DATA = ("default", "const", "enum", "examples")
"""Keywords whose values are data (a default value, the allowed values), never said: a
mapping there may have a key called ``title`` that is not a schema's."""

_NAMED = ("properties", "patternProperties", "$defs")
"""Keywords whose values map names (a property, a definition) to schemas: there, a key
called ``title`` or ``examples`` is a name, not a keyword."""


def _said(node: object, named: bool = False) -> object:
    """``node`` with every title and description translated (nothing else changes);
    ``named``: a mapping of names to schemas."""
    if isinstance(node, dict):
        if named:
            return {name: _said(schema) for name, schema in node.items()}
        return {
            key: _(value)
            if key in _WORDS and isinstance(value, str) and value
            else value
            if key in _DATA
            else _said(value, named=key in _NAMED)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_said(item) for item in node]
    return node


def _collect(node: object, found: set[str], named: bool = False) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if named:
                _collect(value, found)
            elif key in _WORDS and isinstance(value, str) and value:
                found.add(value)
            elif key not in _DATA:
                _collect(value, found, named=key in _NAMED)
    elif isinstance(node, list):
        for item in node:
            _collect(item, found)


_TITLES = {
    Kind.TARIFF: N_("servcommun tariff"),
    Kind.ROSTER: N_("servcommun roster"),
    Kind.BUDGET: N_("servcommun budget"),
    Kind.CONSUMPTION: N_("servcommun consumption"),
    Kind.INDEX: N_("servcommun index"),
}

_DESCRIPTIONS = {
    Kind.TARIFF: N_(
        "One version of a shared service's tariff, rule by rule with the article "
        "each implements, and the convention's worked examples."
    ),
    Kind.ROSTER: N_(
        "The members of a contribution-grid service: populations by year, "
        "subscriptions, engineering days used, units consumed, overrides with "
        "their reference."
    ),
    Kind.BUDGET: N_(
        "A service's cost lines for one year: shared by a key (budget-lines), "
        "the pool a pool-share part shares, the cost of a unit cost."
    ),
    Kind.CONSUMPTION: N_(
        "Units the members of a service consumed (acts by type and date), "
        "billed by the unit-price parts of its tariff."
    ),
    Kind.INDEX: N_("The yearly values of a named index that tariffs index their rates on."),
}
