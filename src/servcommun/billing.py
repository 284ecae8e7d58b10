"""A service's bill for a year, and what its renderers show besides the amounts.

``bill`` and ``statements`` need the engine's result and a few words of the tariff (its
title, its offers' labels, its carrier): nothing else of the validated inputs. That is
what ``billed`` returns, worked out once for the files as they are and kept in the cache
under the same key as the inputs themselves (``servcommun.cache``): a bill of unchanged
files loads neither the tariff models, Pydantic, YAML nor the engine, only the result.
Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from servcommun import cache
from servcommun.diagnostics import Diagnostic, InputError
from servcommun.engine.result import Bill
from servcommun.inputs import input_files, inputs_key
from servcommun.language import N_
from servcommun.message import msg_n
from servcommun.population_basis import PopulationBasis, basis_of

if TYPE_CHECKING:  # the pipeline is imported when the files are read, not on a cached run
    from servcommun.config import Config, Service
    from servcommun.pipeline import Loaded
    from servcommun.tariff import Tariff

STATEMENT_LIMITS = ("statement", N_("Floor/cap on the total"))
"""The summary column of the statement-wide floors and caps, when the tariff has some: its
heading is a message id, said by the renderer (the offers' headings are the tariff's)."""


@dataclass(frozen=True)
class Billed:
    """A service's bill for a year: every member's statement, the tariff's words shown
    beside it, and the members it may be narrowed to."""

    bill: Bill
    title: str  # the tariff's
    offers: tuple[tuple[str, str], ...]  # (id, label) of every offer of the tariff
    columns: tuple[tuple[str, str], ...]  # (id, heading) of the summary's amount columns
    carrier: str | None  # the name of the party that runs the service, if the tariff says
    members: tuple[str, ...]  # every member id (the roster's, or the tariff's parties)
    members_file: str  # where they are listed, as shown to the user
    parties: bool  # the tariff names its members itself
    population: PopulationBasis | None = None  # the kind (and vintage) the bill used

    def only(self, ids: Sequence[str]) -> Bill:
        """The bill of the members ``ids`` (each must be one), or the whole bill for none.

        The whole roster is always billed, so that the service's summary (staffing) speaks
        of the service: ``--member`` narrows what is shown, not what is counted."""
        if not ids:
            return self.bill
        known = set(self.members)
        missing = [member_id for member_id in ids if member_id not in known]
        if missing and self.parties:
            raise InputError(
                [
                    Diagnostic(
                        self.members_file,
                        1,
                        1,
                        "unknown-member",
                        msg_n(
                            "no party {ids} in this tariff (parties: {parties})",
                            "no parties {ids} in this tariff (parties: {parties})",
                            n="count",
                            ids=", ".join(missing),
                            count=len(missing),
                            parties=", ".join(self.members),
                        ),
                    )
                ]
            )
        if missing:
            raise InputError(
                [
                    Diagnostic(
                        self.members_file,
                        1,
                        1,
                        "unknown-member",
                        msg_n(
                            "no member {ids} in the roster",
                            "no members {ids} in the roster",
                            n="count",
                            ids=", ".join(missing),
                            count=len(missing),
                        ),
                    )
                ]
            )
        wanted = set(ids)
        bill = self.bill
        return replace(
            bill,
            statements=tuple(s for s in bill.statements if s.member.id in wanted),
            needs_review=tuple(r for r in bill.needs_review if r.member.id in wanted),
        )


def billed(
    config: Config, service_name: str | None, year: int, inputs: list[str] | None = None
) -> Billed:
    """The service's bill for ``year``: from the cache when none of the files it may come
    from has changed by a byte since it was last worked out, else read, checked and
    computed (``pipeline``). ``inputs``: their ``service_inputs``, if already known."""
    service = config.service(service_name)
    if inputs is None:
        inputs = service_inputs(config, service, year)

    def compute() -> Billed:
        from servcommun.pipeline import bill_of, load

        loaded = load(config, service.id, [year], inputs).year(year)
        return billed_from(loaded, bill_of(loaded, year))

    return cache.cached("bill", inputs, compute, Billed)


def bill_in_cache(inputs: list[str]) -> bool:
    """Whether ``billed`` will find the bill of these ``service_inputs`` in the cache (not
    worked out anew)."""
    return cache.holds("bill", inputs)


def billed_from(loaded: Loaded, bill: Bill) -> Billed:
    """A computed bill with the words of its tariff."""
    tariff = loaded.tariff
    assert loaded.roster is not None
    parties = bool(tariff.parties)
    carrier = tariff.carrier
    return Billed(
        bill=bill,
        title=tariff.title,
        offers=tuple((offer.id, offer.label) for offer in tariff.offers),
        columns=tuple(summary_columns(tariff)),
        carrier=carrier.name if carrier is not None else None,
        members=tuple(member.id for member in loaded.roster.members),
        members_file=loaded.files[0] if parties else loaded.files[1],
        parties=parties,
        population=basis_of(tariff, loaded.roster, bill.year),
    )


def summary_columns(tariff: Tariff) -> list[tuple[str, str]]:
    """The summary's columns: each offer, and the statement-wide floors and caps if any.
    An offer whose parts all share budget lines by a key has none: its lines are coded by
    cost line (``licences.share``), and the summary groups them by category."""
    columns = [
        (o.id, o.label) for o in tariff.offers if not all(p.SHARES_BUDGET_LINES for p in o.parts)
    ]
    if tariff.statement_limits:
        columns.append(STATEMENT_LIMITS)
    return columns


def service_inputs(config: Config, service: Service, year: int) -> list[str]:
    """What a service's inputs for ``year`` (and so its bill) depend on: the key of the
    files they are read from (``inputs``)."""
    return inputs_key(config, service, [year], input_files(config, service, [year]))
