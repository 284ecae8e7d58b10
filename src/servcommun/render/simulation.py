"""A simulation for people (a table per year, the credit, the service before and after),
in the language in use, and for programs (the JSON contract of DESIGN.md §4)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from servcommun import language
from servcommun.engine.simulate import CreditOutcome, ExpectedActs, ServiceImpact, Simulation
from servcommun.message import Message, msg, msg_n
from servcommun.render.amounts import money, number, plain
from servcommun.render.documents import column_of, population_text
from servcommun.render.json import line_json, settlement_json
from servcommun.render.newcomer import newcomer_named
from servcommun.render.table import settlement_text
from servcommun.render.thresholds import near_json, near_message
from servcommun.render.words import number_text, say

Fmt = Callable[[Decimal], str]


# -- JSON -----------------------------------------------------------------------------


def simulation_json(
    sim: Simulation, *, service: str, currency: str, fmt: Fmt | None = None
) -> dict[str, Any]:
    """``{"member", "years", "service"}`` as DESIGN.md §4 fixes them, and extra keys:
    the scenario, the audit credit, boundaries near the population, warnings and notes
    (said in the language in use; ``fmt`` is not used: amounts are written as it does)."""
    sim = newcomer_named(sim)
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
        "warnings": warnings(sim),
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


def warnings(sim: Simulation, fmt: Fmt | None = None) -> list[str]:
    """What the analyst must not miss, said: a credit lost, a staffing step crossed, a
    population near a bracket boundary, a year that needs review (``fmt`` is not used:
    amounts are written as the language in use writes them)."""
    messages = [credit_message(credit) for credit in sim.credits if not credit.applied]
    said = [say(message) for message in messages if message is not None]
    if sim.impact.step is not None:
        said.append(say(step_message(sim.impact)))
    said.extend(say(near_message(near)) for near in sim.near)
    said.extend(
        say(
            msg(
                "{year:year}: needs review — {reason}",
                year=entry.year,
                reason=entry.review.reason,
            )
        )
        for entry in sim.years
        if entry.review is not None
    )
    return said


def credit_message(credit: CreditOutcome) -> Message | None:
    """What becomes of the audit credit (art. 7.2.1): deducted, or lost and why; None
    when there is nothing to say (no credit to lose)."""
    window = msg(
        "within {months} of the delivery on {delivered:date}, i.e. from {delivered:date} "
        "to {end:date}",
        months=_months(credit),
        delivered=credit.delivered,
        end=credit.window_end,
    )
    if credit.applied:
        return msg(
            "Audit credit ({article}): {credit:amount} deducted from {year:year} — joined on "
            "{join:date}, {window}.",
            article=credit.article,
            credit=credit.applied,
            year=credit.applied_year,
            join=credit.join,
            window=window,
        )
    if not credit.lost:
        return None
    if credit.too_early:
        return msg(
            "No audit credit ({article}): '{offer}' starts on {join:date}, before the audit "
            "is delivered; joining {window} would deduct {credit:amount} (--join).",
            article=credit.article,
            offer=credit.offer,
            join=credit.join,
            window=window,
            credit=credit.lost,
        )
    return msg(
        "Joining on {join:date} loses the {credit:amount} audit credit ({article}): the "
        "window ended on {end:date}, the last join date that keeps it.",
        join=credit.join,
        credit=credit.lost,
        article=credit.article,
        end=credit.window_end,
    )


def step_message(impact: ServiceImpact) -> Message:
    step = impact.step
    assert step is not None
    return msg(
        "Staffing step crossed ({reference}): the newcomer is the {rank} {offer} member in "
        "{year:year}, staffing goes from {before:number} to {after:number} FTE (staff cost "
        "{cost}).",
        reference=impact.reference,
        rank=_ordinal(step.rank),
        offer=impact.counted_offer,
        year=impact.year,
        before=step.fte_before,
        after=step.fte_after,
        cost=_signed(step.extra_cost),
    )


# -- table ------------------------------------------------------------------------------


def simulation_table(
    sim: Simulation,
    *,
    title: str,
    offers: Mapping[str, str],
    currency: str,
    locale: str | None = None,
) -> RenderableType:
    """The schedule (a row per line, a total per year), the credit, the service, in the
    language in use (``locale``, the tariff's, is not used: the reader's language writes
    the amounts)."""

    def fmt(amount: Decimal) -> str:
        return money(amount, currency)

    sim = newcomer_named(sim)
    member = sim.member
    who = f"{member.id} {member.name}" if sim.existing else member.name
    if member.population is not None:
        who = f"{who}, {say(population_text(member.population))}"
    simulation = msg(
        "Simulation: {who} — {scenario}", who=who, scenario=_scenario_text(sim, offers)
    )
    heading = Text(f"{title}\n{say(simulation)}", style="bold")
    schedule = Table(box=box.SIMPLE_HEAD, show_footer=True, pad_edge=False)
    schedule.add_column(language._("Year"), footer=language._("Total"), no_wrap=True)
    schedule.add_column(
        language._("Line"), ratio=2, footer=f"{sim.scenario.from_year}–{sim.scenario.to_year}"
    )
    schedule.add_column(language._("Basis / article"), ratio=3)
    schedule.add_column(language._("Titled"), no_wrap=True)
    reviewed = [entry.year for entry in sim.years if entry.review is not None]
    # a year needing review is not computed: its amount is to negotiate, never 0,00 €
    total = (
        fmt(sim.total)
        if not reviewed
        else say(msg("{total:amount} + to negotiate", total=sim.total))
    )
    schedule.add_column(language._("Amount"), justify="right", no_wrap=True, footer=total)
    for entry in sim.years:
        year = str(entry.year)
        if entry.review is not None:
            schedule.add_row(year, language._("needs review"), say(entry.review.reason), "", "")
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
        year_total = language._("to negotiate") if entry.review is not None else fmt(entry.total)
        schedule.add_row(
            "",
            Text(say(msg("{year:year} total", year=entry.year)), style="bold"),
            "",
            "",
            Text(year_total, style="bold"),
            end_section=not settlement,
        )
        if settlement is not None:  # the attribution de compensation before and after
            schedule.add_row(
                "",
                Text(language._("Settlement"), style="dim"),
                say(settlement_text(settlement)),
                "",
                "",
                end_section=True,
            )
    parts: list[RenderableType] = [heading, schedule]
    parts.extend(
        Text(say(message))
        for credit in sim.credits
        if (message := credit_message(credit)) is not None
    )
    parts.append(_impact_table(sim.impact, fmt))
    if sim.impact.parties:
        parts.append(_parties_table(sim, currency))
    if sim.impact.step is not None:
        parts.append(Text(say(step_message(sim.impact)), style="bold"))
    parts.extend(Text(say(near_message(near)), style="bold") for near in sim.near)
    parts.extend(Text(say(msg("Note: {note}", note=note)), style="dim") for note in sim.notes)
    return Group(*parts)


def _impact_table(impact: ServiceImpact, fmt: Fmt) -> Table:
    title = (
        msg(
            "The service in {year:year} ({reference})", year=impact.year, reference=impact.reference
        )
        if impact.reference
        else msg("The service in {year:year}", year=impact.year)
    )
    table = Table(title=say(title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("")
    table.add_column(language._("before"), justify="right", no_wrap=True)
    table.add_column(language._("after"), justify="right", no_wrap=True)
    table.add_row(
        language._("Parties") if impact.parties else language._("Members"),
        number_text(impact.members_before, "count"),
        number_text(impact.members_after, "count"),
    )
    table.add_row(
        language._("Revenue (billed)"), fmt(impact.revenue_before), fmt(impact.revenue_after)
    )
    if impact.fte_before is not None and impact.fte_after is not None:
        table.add_row(
            say(msg("Members of {offer}", offer=impact.counted_offer)),
            number_text(impact.counted_before, "count"),
            number_text(impact.counted_after, "count"),
        )
        table.add_row(
            language._("Staffing step (FTE)"),
            number_text(impact.fte_before, "number"),
            number_text(impact.fte_after, "number"),
        )
        table.add_row(
            language._("Staff cost"),
            fmt(impact.staff_cost_before or Decimal(0)),
            fmt(impact.staff_cost_after or Decimal(0)),
        )
        table.add_row(
            language._("Coverage of staff cost"),
            _percent(impact.coverage_before),
            _percent(impact.coverage_after),
        )
    return table


def _parties_table(sim: Simulation, currency: str) -> Table:
    key = dict(sim.key.before) if sim.key else {}
    after = dict(sim.key.after) if sim.key else {}
    title = msg(
        "The parties in {year:year} (amounts in {currency})",
        year=sim.impact.year,
        currency=currency,
    )
    table = Table(title=say(title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(language._("Party"), min_width=12, ratio=1)
    for column in (
        language._("Key"),
        language._("New"),
        language._("Before"),
        language._("After"),
        language._("Change"),
    ):
        table.add_column(column, justify="right", no_wrap=True)
    for party in sim.impact.parties:
        table.add_row(
            party.name if party.billed else say(msg("{name} (carrier)", name=party.name)),
            _key(key.get(party.id)),
            _key(after.get(party.id)),
            number(party.before),
            number(party.after),
            number(party.after - party.before),
        )
    if sim.key is not None:
        table.caption = say(
            msg(
                "Key: {reference}. The carrier's own share is not billed.",
                reference=sim.key.reference,
            )
        )
        table.caption_justify = "left"
    return table


def _key(percent: Decimal | None) -> str:
    return "—" if percent is None else number_text(percent, "percent")


def _scenario_text(sim: Simulation, offers: Mapping[str, str]) -> str:
    if sim.key is not None:
        if sim.join is None:
            return ""
        return say(
            msg(
                "{share:percent} of the key taken from {party}, from {join:date}",
                share=sim.key.share,
                party=sim.key.take_from,
                join=sim.join,
            )
        )
    parts = []
    for offer in sim.offers:
        label = offers.get(offer, offer)
        if offer in sim.one_off and sim.delivered is not None:
            parts.append(msg("{offer} delivered {date:date}", offer=label, date=sim.delivered))
        elif sim.join is not None:
            parts.append(msg("{offer} from {date:date}", offer=label, date=sim.join))
    days = sim.scenario.days
    if days:
        parts.append(
            msg_n(
                "{days:number} engineering day a year",
                "{days:number} engineering days a year",
                n="count",
                days=days,
                count=math.ceil(days),  # 1.5 days: the plural
            )
        )
    parts.extend(
        msg("{quantity:number} × {unit} a year", quantity=acts.quantity, unit=acts.label)
        for acts in sim.acts
    )
    attribution = sim.scenario.attribution
    if attribution is not None:
        parts.append(msg("attribution de compensation {amount:amount} a year", amount=attribution))
    return ", ".join(say(part) for part in parts)


# -- small formats ----------------------------------------------------------------------


def _months(credit: CreditOutcome) -> Message:
    months = (credit.window_end.year - credit.delivered.year) * 12 + (
        credit.window_end.month - credit.delivered.month
    )
    return msg_n("{months:count} month", "{months:count} months", n="months", months=months)


def _ordinal(rank: int) -> Message:
    """``10th``, ``21st``: English suffixes by the English rule, each a message of its
    own for a language that writes them otherwise (« 10e », « 21e »)."""
    if rank == 1:  # a template of its own: French writes « 1er », then « 21e »
        return msg("{first:count}st", first=rank)
    if 10 <= rank % 100 <= 20:
        return msg("{rank:count}th", rank=rank)
    suffix = rank % 10
    if suffix == 1:
        return msg("{rank:count}st", rank=rank)
    if suffix == 2:
        return msg("{rank:count}nd", rank=rank)
    if suffix == 3:
        return msg("{rank:count}rd", rank=rank)
    return msg("{rank:count}th", rank=rank)


def _signed(amount: Decimal) -> str:
    """``+40 000,00 €``: a change of cost, its sign written when it is one."""
    said = number_text(amount, "amount")
    return f"+{said}" if amount >= 0 else said


def _count(value: Decimal | None) -> int | float | None:
    """An FTE count as a JSON number (``render.json.fte_number``), or null."""
    from servcommun.render.json import fte_number

    return None if value is None else fte_number(value)


def _percent(value: Decimal | None) -> str:
    return language._("n/a") if value is None else number_text(value, "percent")


def _plain_or_none(amount: Decimal | None) -> str | None:
    return None if amount is None else plain(amount)


def _str_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
