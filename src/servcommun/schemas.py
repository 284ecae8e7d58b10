"""JSON Schemas of the input formats, for editors (``schema/<kind>.schema.json``).

Generated from the models, so that the schema an editor uses is the one ``check``
applies. Kept apart from ``formats``: it needs Pydantic's schema generator at import.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from servcommun.formats import Kind, adapter


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
    """The JSON Schema of a file kind, for editors (``schema/<kind>.schema.json``)."""
    schema = adapter(kind).json_schema(by_alias=True, schema_generator=_StableSchema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": f"servcommun {kind.value}",
        "description": _DESCRIPTIONS[kind],
    }


def json_schema_text(kind: Kind) -> str:
    return json.dumps(json_schema(kind), ensure_ascii=False, indent=2) + "\n"


_DESCRIPTIONS = {
    Kind.TARIFF: "One version of a shared service's tariff, rule by rule with the article "
    "each implements, and the convention's worked examples.",
    Kind.ROSTER: "The members of a contribution-grid service: populations by year, "
    "subscriptions, engineering days used, units consumed, overrides with "
    "their reference.",
    Kind.BUDGET: "A service's cost lines for one year: shared by a key (budget-lines), "
    "the pool a pool-share part shares, the cost of a unit cost.",
    Kind.CONSUMPTION: "Units the members of a service consumed (acts by type and date), "
    "billed by the unit-price parts of its tariff.",
    Kind.INDEX: "The yearly values of a named index that tariffs index their rates on.",
}
