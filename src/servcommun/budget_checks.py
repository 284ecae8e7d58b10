"""Semantic checks of a budget against the tariff in force for its year: its lines
shared by the keys, charged directly to a party, the agents a computed key is computed
from. ``check_budget`` runs the whole list, each check of the form of ``checks``'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from servcommun.budget import Budget
from servcommun.diagnostics import Diagnostic
from servcommun.engine.keys import KeyComputationError, year_key
from servcommun.key_checks import listing
from servcommun.message import Message, msg
from servcommun.money import HUNDRED, ZERO
from servcommun.reader import Document, Path_
from servcommun.tariff import Tariff
from servcommun.terms import AgentTime, CostLine


def _duplicate_lines(doc: Document, path: Path_, costs: Sequence[CostLine]) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for index, cost in enumerate(costs):
        if cost.id in seen:
            yield doc.diagnostic(
                (*path, index, "id"),
                "duplicate-line",
                msg(
                    "cost line '{line}' is listed twice (first as line {first})",
                    line=cost.id,
                    first=seen[cost.id] + 1,
                ),
            )
        seen.setdefault(cost.id, index)


def cost_line_problems(
    doc: Document, path: Path_, costs: Sequence[CostLine], tariff: Tariff
) -> Iterator[Diagnostic]:
    """Budget lines (of a budget or a worked example) have unique ids, none named like a
    management-fee part; each is shared by a budget-lines part of the tariff (when it has
    some); a line charged directly names a party of the tariff, and the part sharing it
    provides direct charges."""
    yield from _duplicate_lines(doc, path, costs)
    keyed = [part for _, part in tariff.keyed_parts()]
    shared = [part for part in keyed if not part.FEE]
    fees = {part.code for part in keyed if part.FEE}
    known = [party.id for party in tariff.parties]
    for index, cost in enumerate(costs):
        here: Path_ = (*path, index)
        if cost.id in fees:
            yield doc.diagnostic(
                (*here, "id"),
                "reserved-line-id",
                msg("'{line}' names the management-fee lines: choose another id", line=cost.id),
            )
        sharing = next((part for part in shared if part.covers(cost)), None)
        if shared and sharing is None:
            yield doc.diagnostic(
                (*here, "category"),
                "line-not-shared",
                msg(
                    "no budget-lines part of the tariff in force from {start:date} shares "
                    "the {category} lines: this line would be billed to no one",
                    start=tariff.valid_from,
                    category=cost.category.value,
                ),
            )
        if cost.direct is None:
            continue
        if known and cost.direct not in known:
            yield doc.diagnostic(
                (*here, "direct"), "unknown-party", _not_a_party(cost.direct, tariff, known)
            )
        elif shared and sharing is not None and not sharing.allows_direct():
            yield doc.diagnostic(
                (*here, "direct"),
                "direct-not-provided",
                msg(
                    "the tariff in force from {start:date} provides no direct charges: "
                    "share the line by the key, or add 'direct' (with its article) to its "
                    "'{part}' part",
                    start=tariff.valid_from,
                    part=sharing.code,
                ),
            )
        elif not shared:
            yield doc.diagnostic(
                (*here, "direct"),
                "direct-not-provided",
                msg(
                    "no part of the tariff shares the budget's lines by a key "
                    "(budget-lines): no line is charged directly to one member"
                ),
            )


def _not_a_party(party: str, tariff: Tariff, known: Sequence[str]) -> Message:
    return msg(
        "party '{party}' is not a party of the tariff in force from {start:date} "
        "(parties: {known})",
        party=party,
        start=tariff.valid_from,
        known=listing(known),
    )


BudgetCheck = Callable[[Document, Budget, Tariff], Iterator[Diagnostic]]


def check_budget(doc: Document, budget: Budget, tariff: Tariff) -> Iterator[Diagnostic]:
    """Every semantic check of a budget against the tariff in force for its year."""
    for check in BUDGET_CHECKS:
        yield from check(doc, budget, tariff)


def _budget_service(doc: Document, budget: Budget, tariff: Tariff) -> Iterator[Diagnostic]:
    """The budget is the service's, for a year its tariff covers."""
    if budget.service != tariff.service:
        yield doc.diagnostic(
            ("service",),
            "budget-service",
            msg(
                "this budget is for service '{service}', the tariff for '{tariff}'",
                service=budget.service,
                tariff=tariff.service,
            ),
        )
    if not tariff.covers(budget.year):
        yield doc.diagnostic(
            ("year",),
            "budget-year",
            msg(
                "the tariff in force from {start:date} does not cover {year:year}",
                start=tariff.valid_from,
                year=budget.year,
            ),
        )


def agent_problems(
    doc: Document,
    here: Path_,
    agents: Sequence[AgentTime],
    tariff: Tariff,
    *,
    required: bool = True,
) -> Iterator[Diagnostic]:
    """The agents a key is computed from (of a budget or a worked example at ``here``):
    given when the key is computed (``required``), with unique ids, each time split
    between parties of the tariff summing to 100 %."""
    if required and not agents:
        yield doc.diagnostic(
            here,
            "no-agents",
            msg(
                "the key is computed from the agents' time weighted by their salary cost: "
                "list them under 'agents' (id, cost, shares)"
            ),
        )
    known = [party.id for party in tariff.parties]
    seen: set[str] = set()
    for index, agent in enumerate(agents):
        path: Path_ = (*here, "agents", index)
        if agent.id in seen:
            yield doc.diagnostic(
                (*path, "id"),
                "duplicate-agent",
                msg("agent '{agent}' is listed twice", agent=agent.id),
            )
        seen.add(agent.id)
        for party in agent.shares:
            if known and party not in known:
                yield doc.diagnostic(
                    (*path, "shares", party),
                    "unknown-party",
                    _not_a_party(party, tariff, known),
                    key=True,
                )
        total = sum(agent.shares.values(), ZERO)
        if total != HUNDRED:
            yield doc.diagnostic(
                (*path, "shares"),
                "agent-shares",
                msg(
                    "agent {agent}'s time sums to {total:percent}, not {hundred:percent}",
                    agent=agent.id,
                    total=total,
                    hundred=HUNDRED,
                ),
            )


def _budget_lines(doc: Document, budget: Budget, tariff: Tariff) -> Iterator[Diagnostic]:
    """The budget's lines against the rules that take them: shared by a key (each line
    covered by a part, direct lines allowed and of a party; the agents of a computed key),
    a pool's total or a unit cost (its units of operation)."""
    if tariff.needs_units_of_operation() and budget.units_of_operation is None:
        yield doc.diagnostic(
            ("year",),
            "no-units-of-operation",
            msg(
                "service '{service}' bills a unit cost (CGCT D5211-16): give the units of "
                "operation forecast for the year ('units_of_operation: {{forecast: …}}')",
                service=tariff.service,
            ),
        )
    if not tariff.takes_budget():
        yield doc.diagnostic(
            ("year",),
            "budget-not-used",
            msg(
                "service '{service}' has no rule taking its budget (a pool: "
                "{{from_budget: true}}, a unit cost, budget lines shared by a key): this "
                "budget would not be used",
                service=tariff.service,
            ),
        )
    yield from cost_line_problems(doc, ("lines",), budget.lines, tariff)
    computed = any(key.computed is not None for key in tariff.keys_used())
    agents = list(
        agent_problems(doc, (), budget.agents, tariff, required=computed)
        if computed or budget.agents
        else ()
    )
    yield from agents
    if computed and not agents:
        yield from _budget_key(doc, budget, tariff)


def _budget_key(doc: Document, budget: Budget, tariff: Tariff) -> Iterator[Diagnostic]:
    """A key computed from the budget's agents can be computed between the parties."""
    parties = [party.id for party in tariff.parties]
    for key in tariff.keys:
        if key.computed is None or not parties:
            continue
        try:
            year_key(key, budget.agents, parties)
        except KeyComputationError as error:
            yield doc.diagnostic(
                ("agents",),
                "key-computation",
                msg("key '{key}': {problem}", key=key.id, problem=error.message),
            )


BUDGET_CHECKS: tuple[BudgetCheck, ...] = (_budget_service, _budget_lines)
