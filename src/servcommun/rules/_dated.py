"""Values a part writes by date inside one tariff version (rates per inhabitant,
percentages of a declared figure): the checks they share. Each applies to whole years,
from 1 January, in increasing order, within the version's years."""

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from servcommun.message import msg

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.message import Message
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Tariff


def dated_problems(
    doc: "Document",
    here: "Path_",
    field: str,
    starts: Sequence[dt.date],
    tariff: "Tariff",
    not_first_january: "Callable[[dt.date], Message]",
) -> "Iterator[Diagnostic]":
    """The problems of the dates ``starts`` of the entries written under ``field`` of the
    part at ``here`` (one a date; ``not_first_january`` says why the rule's values start
    on 1 January)."""
    for index, start in enumerate(starts):
        path: Path_ = (*here, field, index, "from")
        if (start.month, start.day) != (1, 1):
            yield doc.diagnostic(path, "rate-start", not_first_january(start))
        elif index and start <= starts[index - 1]:
            yield doc.diagnostic(
                path,
                "rate-start",
                msg(
                    "the rate from {start:date} comes after the rate from {before:date}: "
                    "list rates by increasing date",
                    start=start,
                    before=starts[index - 1],
                ),
            )
        elif tariff.valid_until is not None and start > tariff.valid_until:
            yield doc.diagnostic(
                path,
                "rate-start",
                msg(
                    "the rate from {start:date} starts after the tariff ends "
                    "({end:date}): it would never apply; write it in the next version",
                    start=start,
                    end=tariff.valid_until,
                ),
            )
    if starts and starts[0].year > tariff.valid_from.year:
        yield doc.diagnostic(
            (*here, field, 0, "from"),
            "rate-start",
            msg(
                "the first rate applies from {start:date}, the tariff from {first:date}: "
                "the years before would have no rate",
                start=starts[0],
                first=tariff.valid_from,
            ),
        )


class Dated(Protocol):
    """An entry of a list of values by date (``{from: 2027-01-01, …}``)."""

    @property
    def from_(self) -> dt.date: ...

    @property
    def reference(self) -> str: ...


D = TypeVar("D", bound=Dated)


def in_force(entries: Sequence[D], year: int) -> "tuple[D, Message]":
    """The entry in force in ``year`` (the last from 1 January of it at the latest, else
    the first), and what the basis says of its date."""
    first = dt.date(year, 1, 1)
    entry = next((e for e in reversed(entries) if e.from_ <= first), entries[0])
    if entry.reference:
        said = msg(
            " (rate from {start:date}, {reference})",
            start=entry.from_,
            reference=entry.reference,
        )
    else:
        said = msg(" (rate from {start:date})", start=entry.from_)
    return entry, said
