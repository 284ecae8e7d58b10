"""``percent-of-figure``: a percentage of a figure the member declares by year — its salary
mass of the year before (a centre de gestion's cotisation), its operating budget, its own
hourly cost — optionally changing by year within one tariff version, and held under its
statutory ceiling."""

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from servcommun.engine.context import MissingFigure
from servcommun.language import N_
from servcommun.message import Message, msg
from servcommun.money import HUNDRED, round_places
from servcommun.rules._dated import dated_problems, in_force
from servcommun.rules.base import PartRule
from servcommun.terms import AttributeId, Frozen, Percent, RoundingMode, Text

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class DatedPercent(Frozen):
    """A percentage in force from 1 January of a year until the next entry's (a
    deliberation lowering the rate from 2027 without a new tariff version)."""

    from_: dt.date = Field(alias="from", description="1 January of the first year billed so")
    percent: Percent
    reference: str = Field(default="", description="the decision that set this percentage")


class Ceiling(Frozen):
    """The legal ceiling of the part's percentage, and the text that sets it: ``check``
    refuses a percentage above it."""

    percent: Percent = Field(description="the highest percentage the law allows")
    reference: Text = Field(description="the text that sets it ('CGFP art. L452-16')")


class PercentOfFigurePart(PartRule):
    """``percent`` per cent of the member's declared ``figure`` (an amount figure the
    tariff declares, of the billed year or the one before), rounded to the cent once
    (half-up unless ``rounding`` says otherwise); or ``percents`` by year. A member whose
    roster gives no figure for that year needs review."""

    rule: Literal["percent-of-figure"]
    figure: AttributeId = Field(description="the id of an amount figure of the tariff")
    percent: Percent | None = None
    percents: tuple[DatedPercent, ...] = Field(
        default=(), description="the percentage by year, each from 1 January until the next"
    )
    rounding: RoundingMode = Field(
        default=RoundingMode.HALF_UP, description="how the amount is rounded to the cent"
    )
    ceiling: Ceiling | None = None

    PRORATED: ClassVar[bool] = True

    @model_validator(mode="after")
    def _one_percent(self) -> "PercentOfFigurePart":
        if (self.percent is None) == (not self.percents):
            raise PydanticCustomError(
                "percent-source",
                N_(
                    "give either 'percent' or 'percents' (by year: [{from: 2027-01-01, "
                    "percent: …}]), not both or neither"
                ),
                {},
            )
        return self

    def percent_in(self, year: int) -> tuple[Decimal, Message | None]:
        """The percentage of ``year``, and what says its date (none for a single one)."""
        if self.percent is not None:
            return self.percent, None
        entry, dated = in_force(self.percents, year)
        return entry.percent, dated

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """The percentage in force on the member's figure of its year; none: review."""
        declared = context.tariff.figure(self.figure)
        label = declared.label if declared is not None else self.figure
        year = declared.year_for(context.year) if declared is not None else context.year
        value = context.member.figures.get(self.figure, {}).get(year)
        if value is None:
            raise MissingFigure(
                msg(
                    "the roster gives no {label} ('{figure}') for {year:year}",
                    label=label,
                    figure=self.figure,
                    year=year,
                )
            )
        percent, dated = self.percent_in(context.year)
        exact = value * percent / HUNDRED
        basis = msg(
            "{percent:percent} of the declared {label} {year:year} ({value:amount}){dated}",
            percent=percent,
            label=label,
            year=year,
            value=value,
            dated=dated,
        )
        amount = round_places(exact, 2, self.rounding.value)
        return [context.prorated(context.line(self, amount, basis), exact)]

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """An amount figure the tariff declares; percentages by year from 1 January, in
        increasing order, within the tariff's years; none above the ceiling."""
        yield from self._figure_problems(doc, here, tariff)
        yield from self._dated_problems(doc, here, tariff)
        if self.ceiling is None:
            return
        written = (
            [((*here, "percent"), self.percent)]
            if self.percent is not None
            else [
                ((*here, "percents", index, "percent"), entry.percent)
                for index, entry in enumerate(self.percents)
            ]
        )
        for path, percent in written:
            if percent > self.ceiling.percent:
                yield doc.diagnostic(
                    path,
                    "rate-ceiling",
                    msg(
                        "{percent:percent} is above the ceiling of {ceiling:percent} set by "
                        '{reference}: write at most "{highest}"',
                        percent=percent,
                        ceiling=self.ceiling.percent,
                        reference=self.ceiling.reference,
                        highest=str(self.ceiling.percent),
                    ),
                )

    def _figure_problems(
        self, doc: "Document", here: "Path_", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        declared = tariff.figure(self.figure)
        amounts = [f.id for f in tariff.figures if f.kind == "amount"]
        if declared is None:
            written = f"{{id: {self.figure}, label: …, kind: amount, year: previous}}"
            yield doc.diagnostic(
                (*here, "figure"),
                "unknown-figure",
                msg(
                    "the tariff declares no figure '{figure}' (amount figures: {known}): "
                    "correct the id, or declare it under figures: {written}",
                    figure=self.figure,
                    known=", ".join(amounts),
                    written=written,
                )
                if amounts
                else msg(
                    "the tariff declares no figure '{figure}' (it declares none): declare it "
                    "under figures: {written}",
                    figure=self.figure,
                    written=written,
                ),
            )
        elif declared.kind != "amount":
            yield doc.diagnostic(
                (*here, "figure"),
                "figure-kind",
                msg(
                    "figure '{figure}' ({label}) is a quantity: a percentage is taken of an "
                    "amount in euros; declare it with 'kind: amount', or bill it with "
                    "per-attribute",
                    figure=self.figure,
                    label=declared.label,
                ),
            )

    def _dated_problems(
        self, doc: "Document", here: "Path_", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        return dated_problems(
            doc,
            here,
            "percents",
            [entry.from_ for entry in self.percents],
            tariff,
            lambda start: msg(
                "a percentage of a yearly declared figure applies to a whole year, "
                "from 1 January: write {year:year}-01-01 (or {next:year}-01-01)",
                year=start.year,
                next=start.year + 1,
            ),
        )


RULE = PercentOfFigurePart
