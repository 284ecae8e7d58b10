"""Index files: the yearly values of a named index that a tariff's indexation refers to.

A convention indexes a rate written for a reference year on a published index (a price
or wage index); the index's values come out every year, the convention does not change:
so they live in their own file (``kind: index``), named by the service in
``servcommun.toml`` (``indices = ["data/indices/ipc.yaml"]``).
"""

from typing import Literal

from pydantic import Field

from servcommun.terms import Frozen, IndexValue, Slug, Text, Year


class IndexSeries(Frozen):
    """One index, year by year (the value that stands for each year: an annual average, or
    the value of a given month, as ``definition`` says)."""

    schema_: str | None = Field(default=None, alias="$schema")
    kind: Literal["index"]
    id: Slug = Field(description="the name tariffs index on (indexation.index)")
    title: Text
    source: Text = Field(description="who publishes it: INSEE series, official journal…")
    definition: str = Field(
        default="",
        description=("which value stands for a year (annual average, value of a month…)"),
    )
    note: str = ""
    illustrative: bool = Field(
        default=False, description="figures invented for an example: said on the bill"
    )
    values: dict[Year, IndexValue] = Field(min_length=1, description="year → value")
