"""A simulation for people (a table per year, the credit, the service before and after)
and for programs (the JSON contract of DESIGN.md §4)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from servcommun.engine.simulate import CreditOutcome, ExpectedActs, ServiceImpact, Simulation
from servcommun.render.amounts import money, number, plain
from servcommun.render.documents import column_of
from servcommun.render.json import line_json, settlement_json
from servcommun.render.table import settlement_text
from servcommun.render.thresholds import inhabitants, near_json, near_message
from servcommun.render.words import say

Fmt = Callable[[Decimal], str]


# -- JSON -----------------------------------------------------------------------------


def simulation_json(
    sim: Simulation, *, service: str, currency: str, fmt: Fmt | None = None
) -> dict[str, Any]:
    """``{"member", "years", "service"}`` as DESIGN.md §4 fixes them, and extra keys:
    the scenario, the audit credit, boundaries near the population, warnings, notes."""
    member: dict[str, Any] = {"name": sim.member.name, "population": sim.member.population}
    if sim.existing or sim.key is not None:
        member["id"] = sim.member.id
    years = []
    for entry in sim.years:
        year: dict[str, Any] = {
            "year": entry.year,
            "lines": [line_json(line) for line in entry.lines],
            "total": plain(entry.total),
        }
        if entry.review is not None:
            year["needs_review"] = say(entry.review.reason)
        if entry.statement is not None and entry.statement.settlement is not None:
            year["settlement"] = settlement_json(entry.statement.settlement)
        years.append(year)
    scenario = sim.scenario
    fmt = fmt or plain
    data: dict[str, Any] = {
        "member": member,
        "years": years,
        "service": impact_json(sim.impact),
        "service_id": service,
        "currency": currency,
        "scenario": {
            "offers": list(sim.offers),
            "join": sim.join.isoformat() if sim.join else None,
            "delivered": sim.delivered.isoformat() if sim.delivered else None,
            "days": None if scenario.days is None else str(scenario.days),
            "acts": [acts_json(acts) for acts in sim.acts],
            "attribution": (None if scenario.attribution is None else plain(scenario.attribution)),
            "from_year": scenario.from_year,
            "to_year": scenario.to_year,
        },
        "total": plain(sim.total),
        # the years needing review are not in the total: it is the computed years' only
        "complete": all(entry.review is None for entry in sim.years),
        "credits": [credit_json(credit) for credit in sim.credits],
        "near_boundaries": [near_json(near) for near in sim.near],
        "warnings": warnings(sim, fmt),
        "notes": notes(sim),
    }
    if sim.key is not None:
        key = sim.key
        data["key"] = {
            "party": key.party,
            "take_from": key.take_from,
            "share": str(key.share),
            "before": {party: str(p) for party, p in key.before},
            "after": {party: str(p) for party, p in key.after},
            "reference": key.reference,
        }
    return data


def impact_json(impact: ServiceImpact) -> dict[str, Any]:
    step = impact.step
    return {
        "members_before": impact.members_before,
        "members_after": impact.members_after,
        "fte_before": _count(impact.fte_before),
        "fte_after": _count(impact.fte_after),
        "revenue_before": plain(impact.revenue_before),
        "revenue_after": plain(impact.revenue_after),
        "year": impact.year,
        "counted_offer": impact.counted_offer,
        "counted_before": impact.counted_before,
        "counted_after": impact.counted_after,
        "staff_cost_before": _plain_or_none(impact.staff_cost_before),
        "staff_cost_after": _plain_or_none(impact.staff_cost_after),
        "coverage_percent_before": _str_or_none(impact.coverage_before),
        "coverage_percent_after": _str_or_none(impact.coverage_after),
        "step_crossed": None
        if step is None
        else {
            "rank": step.rank,
            "fte_before": _count(step.fte_before),
            "fte_after": _count(step.fte_after),
            "extra_staff_cost": plain(step.extra_cost),
            "reference": impact.reference,
        },
        **(
            {
                "parties": [
                    {
                        "id": party.id,
                        "name": party.name,
                        "before": plain(party.before),
                        "after": plain(party.after),
                        "difference": plain(party.after - party.before),
                        "billed": party.billed,
                    }
                    for party in impact.parties
                ]
            }
            if impact.parties
            else {}
        ),
    }


def acts_json(acts: ExpectedActs) -> dict[str, Any]:
    return {
        "unit": acts.unit,
        "quantity": str(acts.quantity),
        "offer": acts.offer,
        "dates": [day.isoformat() for day in acts.dates],
    }


def credit_json(credit: CreditOutcome) -> dict[str, Any]:
    return {
        "code": credit.code,
        "from_offer": credit.source_offer,
        "delivered": credit.delivered.isoformat(),
        "join": credit.join.isoformat(),
        "window_end": credit.window_end.isoformat(),
        "applied": plain(credit.applied),
        "applied_year": credit.applied_year,
        "lost": plain(credit.lost),
        "reference": credit.article,
    }


# -- messages (stderr and table) --------------------------------------------------------


def notes(sim: Simulation) -> list[str]:
    """The simulation's notes, said."""
    return [say(note) for note in sim.notes]


def warnings(sim: Simulation, fmt: Fmt) -> list[str]:
    """What the analyst must not miss: a credit lost, a staffing step crossed, a
    population near a bracket boundary, a year that needs review."""
    messages = [credit_message(credit, fmt) for credit in sim.credits if not credit.applied]
    messages = [message for message in messages if message]
    if sim.impact.step is not None:
        messages.append(step_message(sim.impact, fmt))
    messages.extend(near_message(near, fmt) for near in sim.near)
    messages.extend(
        f"{entry.year}: needs review — {say(entry.review.reason)}"
        for entry in sim.years
        if entry.review is not None
    )
    return messages


def credit_message(credit: CreditOutcome, fmt: Fmt) -> str:
    window = (
        f"within {_months(credit)} of the delivery on {credit.delivered:%d/%m/%Y}, "
        f"i.e. from {credit.delivered:%d/%m/%Y} to {credit.window_end:%d/%m/%Y}"
    )
    if credit.applied:
        return (
            f"Audit credit ({credit.article}): {fmt(credit.applied)} deducted from "
            f"{credit.applied_year} — joined on {credit.join:%d/%m/%Y}, {window}."
        )
    if not credit.lost:
        return ""
    if credit.too_early:
        return (
            f"No audit credit ({credit.article}): '{credit.offer}' starts on "
            f"{credit.join:%d/%m/%Y}, before the audit is delivered; joining {window} "
            f"would deduct {fmt(credit.lost)} (--join)."
        )
    return (
        f"Joining on {credit.join:%d/%m/%Y} loses the {fmt(credit.lost)} audit credit "
        f"({credit.article}): the window ended on {credit.window_end:%d/%m/%Y}, the last "
        f"join date that keeps it."
    )


def step_message(impact: ServiceImpact, fmt: Fmt) -> str:
    step = impact.step
    assert step is not None
    return (
        f"Staffing step crossed ({impact.reference}): the newcomer is the "
        f"{_ordinal(step.rank)} {impact.counted_offer} member in {impact.year}, staffing "
        f"goes from {_count(step.fte_before)} to {_count(step.fte_after)} FTE "
        f"(staff cost {'+' if step.extra_cost >= 0 else ''}{fmt(step.extra_cost)})."
    )


# -- table ------------------------------------------------------------------------------


def simulation_table(
    sim: Simulation, *, title: str, offers: Mapping[str, str], currency: str, locale: str
) -> RenderableType:
    """The schedule (a row per line, a total per year), the credit, the service."""

    def fmt(amount: Decimal) -> str:
        return money(amount, currency, locale)

    member = sim.member
    who = f"{member.id} {member.name}" if sim.existing else member.name
    if member.population is not None:
        who += f", {inhabitants(member.population)} inhabitants"
    heading = Text(f"{title}\nSimulation: {who} — {_scenario_text(sim, offers, fmt)}", style="bold")
    schedule = Table(box=box.SIMPLE_HEAD, show_footer=True, pad_edge=False)
    schedule.add_column("Year", footer="Total", no_wrap=True)
    schedule.add_column("Line", ratio=2, footer=f"{sim.scenario.from_year}–{sim.scenario.to_year}")
    schedule.add_column("Basis / article", ratio=3)
    schedule.add_column("Titled", no_wrap=True)
    reviewed = [entry.year for entry in sim.years if entry.review is not None]
    # a year needing review is not computed: its amount is to negotiate, never 0,00 €
    total = fmt(sim.total) if not reviewed else f"{fmt(sim.total)} + to negotiate"
    schedule.add_column("Amount", justify="right", no_wrap=True, footer=total)
    for entry in sim.years:
        year = str(entry.year)
        if entry.review is not None:
            schedule.add_row(year, "needs review", say(entry.review.reason), "", "")
            year = ""
        for line in entry.lines:
            offer = offers.get(column_of(line))
            label = f"{offer} — {line.label}" if offer else line.label
            schedule.add_row(
                year,
                Text.assemble(label, "\n", (line.code, "dim")),
                Text.assemble(say(line.basis), "\n", (line.reference, "dim")),
                line.titled,
                fmt(line.amount),
            )
            year = ""
        settlement = entry.statement.settlement if entry.statement else None
        schedule.add_row(
            "",
            Text(f"{entry.year} total", style="bold"),
            "",
            "",
            Text("to negotiate" if entry.review is not None else fmt(entry.total), style="bold"),
            end_section=not settlement,
        )
        if settlement is not None:  # the attribution de compensation before and after
            schedule.add_row(
                "",
                Text("Settlement", style="dim"),
                settlement_text(settlement, fmt),
                "",
                "",
                end_section=True,
            )
    parts: list[RenderableType] = [heading, schedule]
    parts.extend(
        Text(message) for credit in sim.credits if (message := credit_message(credit, fmt))
    )
    parts.append(_impact_table(sim.impact, fmt))
    if sim.impact.parties:
        parts.append(_parties_table(sim, currency, locale))
    if sim.impact.step is not None:
        parts.append(Text(step_message(sim.impact, fmt), style="bold"))
    parts.extend(Text(near_message(near, fmt), style="bold") for near in sim.near)
    parts.extend(Text(f"Note: {note}", style="dim") for note in notes(sim))
    return Group(*parts)


def _impact_table(impact: ServiceImpact, fmt: Fmt) -> Table:
    table = Table(
        title=f"The service in {impact.year}"
        + (f" ({impact.reference})" if impact.reference else ""),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    table.add_row(
        "Parties" if impact.parties else "Members",
        str(impact.members_before),
        str(impact.members_after),
    )
    table.add_row("Revenue (billed)", fmt(impact.revenue_before), fmt(impact.revenue_after))
    if impact.fte_before is not None and impact.fte_after is not None:
        table.add_row(
            f"Members of {impact.counted_offer}",
            str(impact.counted_before),
            str(impact.counted_after),
        )
        table.add_row(
            "Staffing step (FTE)", str(_count(impact.fte_before)), str(_count(impact.fte_after))
        )
        table.add_row(
            "Staff cost",
            fmt(impact.staff_cost_before or Decimal(0)),
            fmt(impact.staff_cost_after or Decimal(0)),
        )
        table.add_row(
            "Coverage of staff cost",
            _percent(impact.coverage_before),
            _percent(impact.coverage_after),
        )
    return table


def _parties_table(sim: Simulation, currency: str, locale: str) -> Table:
    key = dict(sim.key.before) if sim.key else {}
    after = dict(sim.key.after) if sim.key else {}
    table = Table(
        title=f"The parties in {sim.impact.year} (amounts in {currency})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("Party", min_width=12, ratio=1)
    for column in ("Key", "New", "Before", "After", "Change"):
        table.add_column(column, justify="right", no_wrap=True)
    for party in sim.impact.parties:
        table.add_row(
            party.name + ("" if party.billed else " (carrier)"),
            _key(key.get(party.id)),
            _key(after.get(party.id)),
            number(party.before, locale),
            number(party.after, locale),
            number(party.after - party.before, locale),
        )
    if sim.key is not None:
        table.caption = f"Key: {sim.key.reference}. The carrier's own share is not billed."
        table.caption_justify = "left"
    return table


def _key(percent: Decimal | None) -> str:
    return "—" if percent is None else f"{percent} %".replace(".", ",")


def _scenario_text(sim: Simulation, offers: Mapping[str, str], fmt: Fmt) -> str:
    if sim.key is not None:
        return (
            f"{_key(sim.key.share)} of the key taken from {sim.key.take_from}, from "
            f"{sim.join:%d/%m/%Y}"
            if sim.join
            else ""
        )
    parts = []
    for offer in sim.offers:
        label = offers.get(offer, offer)
        if offer in sim.one_off and sim.delivered is not None:
            parts.append(f"{label} delivered {sim.delivered:%d/%m/%Y}")
        elif sim.join is not None:
            parts.append(f"{label} from {sim.join:%d/%m/%Y}")
    days = sim.scenario.days
    if days:
        parts.append(f"{_plain(days)} engineering days a year")
    parts.extend(f"{_plain(acts.quantity)} × {acts.label} a year" for acts in sim.acts)
    attribution = sim.scenario.attribution
    if attribution is not None:
        parts.append(f"attribution de compensation {fmt(attribution)} a year")
    return ", ".join(parts)


# -- small formats ----------------------------------------------------------------------


def _plain(quantity: Decimal) -> str:
    """A quantity without trailing zeros (5.20 → 5.2)."""
    return format(quantity.normalize(), "f")


def _months(credit: CreditOutcome) -> str:
    months = (credit.window_end.year - credit.delivered.year) * 12 + (
        credit.window_end.month - credit.delivered.month
    )
    return f"{months} months"


def _ordinal(rank: int) -> str:
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def _count(value: Decimal | None) -> int | float | None:
    """An FTE count as a JSON number (3, or 2.5)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _percent(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value} %".replace(".", ",")


def _plain_or_none(amount: Decimal | None) -> str | None:
    return None if amount is None else plain(amount)


def _str_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
