"""Pictures: each offer's contribution against the population (a step function with its
jumps at the bracket boundaries), and a simulated member's yearly schedule.

Matplotlib (the ``plot`` extra) is imported here only, through its object API (no pyplot
state, no display): a figure is drawn and saved to PNG or SVG bytes. Its words, amounts
and populations are in the language in use.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from servcommun import language
from servcommun.engine.simulate import Simulation
from servcommun.engine.thresholds import CurveSegment
from servcommun.message import msg
from servcommun.money import ZERO
from servcommun.render.amounts import currency_pattern, money
from servcommun.render.documents import column_of, population_text
from servcommun.render.newcomer import newcomer_named
from servcommun.render.words import number_text, say

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Fmt = Callable[[Decimal], str]
FORMATS = ("png", "svg")
COLOURS = ("#1f5fa8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c")


def grid_figure(
    curves: Mapping[str, Sequence[CurveSegment]],
    *,
    title: str,
    year: int,
    currency: str,
    locale: str | None = None,
) -> Figure:
    """One curve per offer: solid within a bracket, a dotted rise at each boundary with
    the jump written beside it, a filled dot where a bracket starts and an open one where
    it ends; the range where an offer is negotiated instead (review) is hatched. In the
    language in use (``locale``, the tariff's, is not used)."""
    from matplotlib.figure import Figure

    fmt = _money(currency)
    figure = Figure(figsize=(10, 6), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    top = max(
        (float(s.amount_to) for segs in curves.values() for s in segs if s.amount_to is not None),
        default=1.0,
    )
    review: dict[tuple[int, int], list[str]] = {}
    for index, (label, segments) in enumerate(curves.items()):
        colour = COLOURS[index % len(COLOURS)]
        _draw_curve(axes, label, segments, colour, fmt)
        for segment in segments:
            if segment.review:
                span = (segment.population_from, segment.population_to)
                review.setdefault(span, []).append(label.split(" (")[0])
    negotiated = language._("negotiated (review):")
    for (start, end), labels in review.items():
        axes.axvspan(
            start, end, facecolor="#eeeeee", edgecolor="#999999", hatch="//", linewidth=0, zorder=0
        )
        axes.text(
            start,
            top * 1.04,
            f"  {negotiated}\n  " + ",\n  ".join(labels),
            fontsize=8,
            va="top",
            color="#444444",
        )
    subtitle = say(msg("Contribution by population — {year:year}", year=year))
    axes.set_title(f"{title}\n{subtitle}", loc="left", fontsize=11)
    axes.set_xlabel(language._("Population (inhabitants)"))
    axes.set_ylabel(say(msg("Amount for the year ({currency})", currency=currency)))
    axes.set_ylim(bottom=0, top=top * 1.12)
    axes.set_xlim(left=0)
    _money_axis(axes, currency)
    axes.xaxis.set_major_formatter(_formatter(lambda value: number_text(int(value), "count")))
    axes.grid(True, color="#dddddd", linewidth=0.6)
    axes.legend(loc="upper left", fontsize=9)
    return figure


def _draw_curve(
    axes: Axes, label: str, segments: Sequence[CurveSegment], colour: str, fmt: Fmt
) -> None:
    previous: CurveSegment | None = None
    labelled = False
    for segment in segments:
        if segment.review:
            previous = segment
            continue
        assert segment.amount_from is not None and segment.amount_to is not None
        xs = [segment.population_from, segment.population_to]
        ys = [float(segment.amount_from), float(segment.amount_to)]
        axes.plot(xs, ys, color=colour, linewidth=2, label=None if labelled else label)
        labelled = True
        axes.plot(xs[0], ys[0], "o", color=colour, markersize=5)  # the bracket starts here
        if previous is not None and previous.amount_to is not None:
            before = float(previous.amount_to)
            axes.plot(
                previous.population_to,
                before,
                "o",
                markerfacecolor="white",
                markeredgecolor=colour,
                markersize=5,
            )
            axes.plot(
                [segment.population_from] * 2, [before, ys[0]], ":", color=colour, linewidth=1
            )
            jump = segment.amount_from - previous.amount_to
            axes.annotate(
                ("+" if jump > ZERO else "") + fmt(jump),
                (segment.population_from, (before + ys[0]) / 2),
                xytext=(4, 0),
                textcoords="offset points",
                fontsize=7,
                color=colour,
                va="center",
            )
        previous = segment


def schedule_figure(
    sim: Simulation,
    *,
    offers: Mapping[str, str],
    title: str,
    currency: str,
    locale: str | None = None,
) -> Figure:
    """A bar per year, stacked by offer (after any credit), its total above it; a credit
    deducted is written under its year. In the language in use (``locale``, the
    tariff's, is not used)."""
    from matplotlib.figure import Figure

    fmt = _money(currency)
    figure = Figure(figsize=(8, 5), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    years = [entry.year for entry in sim.years]
    # a stack per offer (grid) or per cost line (cost sharing): the first part of the codes
    held: dict[str, str] = {}
    for entry in sim.years:
        for line in entry.lines:
            prefix = column_of(line)
            held.setdefault(prefix, offers.get(prefix) or line.label)
    bottoms = [0.0] * len(years)
    for index, (prefix, label) in enumerate(held.items()):
        heights = [
            float(max(entry.statement.offer_total(prefix), ZERO)) if entry.statement else 0.0
            for entry in sim.years
        ]
        axes.bar(
            years,
            heights,
            bottom=bottoms,
            width=0.6,
            label=_short(label, 36),
            color=COLOURS[index % len(COLOURS)],
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    for entry, height in zip(sim.years, bottoms, strict=True):
        text = fmt(entry.total) if entry.review is None else language._("needs review")
        axes.annotate(
            text,
            (entry.year, height),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=9,
            fontweight="bold",
        )
        credit = -sum((line.amount for line in entry.lines if line.amount < ZERO), ZERO)
        if credit > ZERO:
            axes.annotate(
                say(msg("credit −{credit:amount}", credit=credit)),
                (entry.year, 0),
                xytext=(0, -28),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color="#555555",
                annotation_clip=False,
            )
    who = newcomer_named(sim).member.name
    if sim.member.population is not None:
        who = f"{who}, {say(population_text(sim.member.population))}"
    what = (
        say(msg("{share:percent} of the key", share=sim.key.share))
        if sim.key is not None
        else ", ".join(offers.get(offer, offer) for offer in sim.offers)
    )
    axes.set_title(f"{_short(title, 90)}\n{who} — {what}", loc="left", fontsize=10)
    axes.set_xticks(years, [str(year) for year in years])
    axes.set_ylabel(say(msg("Owed for the year ({currency})", currency=currency)))
    axes.set_ylim(bottom=0, top=max([*bottoms, 1.0]) * 1.15)
    _money_axis(axes, currency)
    axes.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    if held:
        figure.legend(
            loc="outside lower center",
            ncols=min(len(held), 2 if any(len(label) > 20 for label in held.values()) else 3),
            fontsize=8,
            frameon=False,
        )
    return figure


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def figure_bytes(figure: Figure, kind: str) -> bytes:
    """The figure as PNG or SVG (fonts as paths: the SVG looks the same everywhere)."""
    if kind not in FORMATS:
        raise ValueError(f"unknown picture format {kind!r}: {', '.join(FORMATS)}")
    buffer = io.BytesIO()
    metadata = {"Software": None} if kind == "png" else {"Date": None}
    figure.savefig(buffer, format=kind, metadata=metadata)
    return buffer.getvalue()


def _money(currency: str) -> Fmt:
    def fmt(amount: Decimal) -> str:
        return money(amount, currency)

    return fmt


def _money_axis(axes: Axes, currency: str) -> None:
    """Whole amounts on the axis (``5 000 €``, ``€5,000``): cents would only clutter it."""
    from babel.numbers import format_currency

    locale = language.locale()
    pattern = currency_pattern(decimals=False)

    def tick(value: float) -> str:
        return str(
            format_currency(
                Decimal(round(value)),
                currency,
                locale=locale,
                format=pattern,
                currency_digits=False,
            )
        )

    axes.yaxis.set_major_formatter(_formatter(tick))


def _formatter(function: Callable[[float], str]):  # type: ignore[no-untyped-def]
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _position: function(value))
