"""A derived key for people (a Rich table and a sentence, in the language in use) or
programs (JSON: percentages and amounts as plain decimal strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from servcommun import language
from servcommun.analysis import Derivation
from servcommun.message import msg
from servcommun.money import ZERO
from servcommun.render.amounts import money, plain
from servcommun.render.words import number_text, say


def derivation_table(derivation: Derivation) -> RenderableType:
    """The key before and after, each party's amount on the base, and how far rounding the
    share to the key's precision moves the party's amount from its target."""
    result = derivation.result
    tariff = derivation.tariff
    currency = tariff.currency

    def percent(value: Decimal | None) -> str:
        return "—" if value is None else number_text(value, "percent")

    def name(party: str) -> str:
        return derivation.names.get(party, party)

    def amount(value: Decimal) -> str:
        return money(value, currency)

    valid = (
        msg(
            "Key of {file} ({start:date} → {end:date}), service {service}",
            file=derivation.tariff_file,
            start=tariff.valid_from,
            end=tariff.valid_until,
            service=derivation.service,
        )
        if tariff.valid_until
        else msg(
            "Key of {file} ({start:date} → open), service {service}",
            file=derivation.tariff_file,
            start=tariff.valid_from,
            service=derivation.service,
        )
    )
    derived = msg(
        "{party}: {target:amount} on a base of {base:amount} ({source}) is {exact:percent} → "
        "{after} at the key's precision ({precision:number} point), taken from {take_from}.",
        party=name(result.party),
        target=result.target,
        base=result.base,
        source=_base_words(derivation),
        exact=result.exact_percent.quantize(Decimal("0.0001")),
        after=percent(result.after[result.party]),
        precision=result.precision,
        take_from=name(result.take_from),
    )
    lines: list[RenderableType] = [Text(say(valid), style="bold"), Text(say(derived))]
    if derivation.since is not None:
        lines.insert(
            1,
            Text(
                say(
                    msg(
                        "The key changes by year: derived from its shares in force from "
                        "{start:date}.",
                        start=derivation.since,
                    )
                )
            ),
        )
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, pad_edge=False)
    table.add_column(language._("Party"), footer=language._("Total"), no_wrap=True)
    table.add_column(language._("Name"), overflow="fold")
    table.add_column(
        language._("Before"),
        justify="right",
        no_wrap=True,
        footer=percent(sum(result.before.values(), ZERO)),
    )
    table.add_column(
        language._("After"),
        justify="right",
        no_wrap=True,
        style="bold",
        footer=percent(sum(result.after.values(), ZERO)),
    )
    table.add_column(
        language._("Amount on the base"),
        justify="right",
        no_wrap=True,
        footer=amount(sum(result.amounts.values(), ZERO)),
    )
    for party, share in result.after.items():
        table.add_row(
            party,
            name(party),
            percent(result.before.get(party)),
            percent(share),
            amount(result.amounts[party]),
        )
    lines.append(table)
    if result.difference != ZERO:
        values = {
            "party": name(result.party),
            "bears": result.party_amount,
            "difference": abs(result.difference),
        }
        bears = (
            msg(
                "{party} bears {bears:amount} on this base, {difference:amount} more than the "
                "target: the key is written to its precision.",
                **values,
            )
            if result.difference > ZERO
            else msg(
                "{party} bears {bears:amount} on this base, {difference:amount} less than the "
                "target: the key is written to its precision.",
                **values,
            )
        )
        lines.append(Text(say(bears), style="dim"))
    return Group(*lines)


def derivation_json(derivation: Derivation) -> dict[str, Any]:
    result = derivation.result
    data: dict[str, Any] = {
        "service": derivation.service,
        "tariff": derivation.tariff_file,
        "party": result.party,
        "take_from": result.take_from,
        "target": plain(result.target),
        "base": plain(result.base),
        "base_source": derivation.base_source,
        "exact_percent": str(result.exact_percent.quantize(Decimal("0.000001"))),
        "precision": str(result.precision),
        "key_before": {party: str(share) for party, share in result.before.items()},
        "key": {party: str(share) for party, share in result.after.items()},
        "amounts": {party: plain(amount) for party, amount in result.amounts.items()},
        "party_amount": plain(result.party_amount),
        "difference": plain(result.difference),
    }
    if derivation.since is not None:  # a key dated by year: the shares derived from
        data["key_from"] = derivation.since.isoformat()
    return data


def _base_words(derivation: Derivation) -> str:
    if derivation.base_source == "--base":
        return language._("given with --base")
    return derivation.base_source
