"""From a bill to titres de recettes: pure, a bill and the journal of what was issued in,
titres out.

A titre is one per debtor, titling month and imputation (DESIGN §6): a year's billed
lines are grouped so, and their titres sum exactly to the bill. Numbers are proposed
deterministically: per exercice (the year of the date of issue), in the order of their
date, their titling month, the bill's members and the tariff's offers, after the last
number of the journal. Once a period (a year's titling month) is issued, its titres
never change: a later difference is a *titre complémentaire* (more), a *réduction* or,
when nothing is owed any more, an *annulation* (less), each naming the titre it
corrects (``corrections``). The year-N amounts titled in N+1 are the *produits à
rattacher* of exercice N (``TitreList.accruals``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from servcommun.engine.result import Bill, Line, MemberRef, Statement
from servcommun.message import Message, msg
from servcommun.money import ZERO
from servcommun.render.documents import slug

if TYPE_CHECKING:  # a statement unpickles the titres' records without Pydantic
    from servcommun.identity import Imputation

STATEMENT = "statement"  # the offer of a statement-wide floor or cap (engine.context)
REVENUE_TITLE = "revenue-title"


class TitreKind(StrEnum):
    TITRE = "titre"  # a titre de recettes
    COMPLEMENTARY = "complementary"  # a titre complémentaire: more than was issued
    REDUCTION = "reduction"  # a réduction: less than was issued
    ANNULATION = "annulation"  # an annulation: nothing is owed any more


@dataclass(frozen=True)
class Deliberation:
    body: str
    id: str
    date: dt.date


@dataclass(frozen=True)
class Debtor:
    """Who a titre is issued to, as the roster (or the tariff, for its parties) says."""

    id: str
    name: str
    siren: str | None = None
    siret: str | None = None
    addressee: str | None = None
    address: str | None = None  # the street lines, on one line
    postcode: str | None = None
    city: str | None = None
    chorus_service: str | None = None
    engagement: str | None = None
    deliberation: Deliberation | None = None

    def identity(self) -> dict[str, str | None]:
        """Who the debtor is, field by field (its deliberation aside), in this order: as
        the journal records it and the JSON shows it."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "deliberation"}


@dataclass(frozen=True)
class Booking:
    """Where a titre is booked: the imputation of its offer, for its debtor."""

    nature: str
    chapter: str
    function: str
    analytic: str | None
    tax_regime: str
    tax_mention: str
    to_confirm: bool = False

    @classmethod
    def of(cls, imputation: Imputation, debtor: str) -> Booking:
        return cls(
            nature=imputation.nature_for(debtor),
            chapter=imputation.chapter,
            function=imputation.function,
            analytic=imputation.analytic,
            tax_regime=str(imputation.tax.regime),
            tax_mention=imputation.tax.mention,
            to_confirm=imputation.to_confirm,
        )


@dataclass(frozen=True)
class Titre:
    """A titre de recettes (or its correction): its number and exercice, date of issue,
    the year billed and the month it is titled in, debtor, imputation, object, the lines
    it sums, its amounts (excluding tax, tax, total: negative for a reduction or an
    annulation), how it is settled, and the statement it rests on (its pièce
    justificative). A correction names the titre it ``corrects``, and the debtor's
    figure before and after it."""

    kind: TitreKind
    number: str
    exercice: int
    date: dt.date
    year: int
    titled: str
    debtor: Debtor
    booking: Booking
    object: Message
    offers: tuple[str, ...]
    lines: tuple[tuple[str, Decimal], ...]
    amount: Decimal
    settlement: str
    attachment: str
    attribution_year: int | None = None
    deliberations: tuple[Deliberation, ...] = ()  # the service's, the tariff rests on
    tax: Decimal = ZERO
    corrects: str | None = None
    before: Decimal | None = None
    after: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax

    @property
    def key(self) -> tuple[str, str, Booking]:
        """What a titre is one of: its debtor, titling month and imputation."""
        return (self.debtor.id, self.titled, self.booking)


@dataclass(frozen=True)
class Unbilled:
    """A debtor of the year with no titre, and why (it needs review: it has no amount)."""

    member: MemberRef
    reason: Message
    titled: str = ""


@dataclass(frozen=True)
class Titling:
    """What titres need of the service besides its bill: the tariff's title and its
    offers (id → label, in its order), each offer's imputation, each debtor's identity,
    the deliberations the tariff rests on."""

    title: str
    offers: Mapping[str, str]
    imputations: Mapping[str, Imputation]
    debtors: Mapping[str, Debtor]
    deliberations: tuple[Deliberation, ...] = ()


@dataclass(frozen=True)
class TitreList:
    """The titres of a billed year: those to issue (numbered as proposed) and those
    already issued (from the journal), the members without any, and whether the files
    come from an example."""

    year: int
    titres: tuple[Titre, ...]
    issued: tuple[Titre, ...] = ()
    unbilled: tuple[Unbilled, ...] = ()
    months_issued: tuple[str, ...] = ()
    corrections: bool = False  # a list of corrections, not of a year's titres
    example: bool = False

    @property
    def accruals(self) -> tuple[Titre, ...]:
        """The *produits à rattacher* of exercice ``year``: its amounts titled in a later
        exercice (annual contributions titled in January N+1)."""
        return tuple(t for t in (*self.issued, *self.titres) if t.exercice > self.year)

    @property
    def total(self) -> Decimal:
        return sum((t.total for t in (*self.issued, *self.titres)), ZERO)


def month_start(titled: str) -> dt.date:
    """The first day of a titling month (``2027-01`` → 1 January 2027)."""
    year, month = titled.split("-")
    return dt.date(int(year), int(month), 1)


def attachment_name(year: int, member: MemberRef) -> str:
    """The statement's PDF, as ``servcommun statements`` names it: the titre's pièce
    justificative (``2026-35236-redon.pdf``)."""
    return f"{year}-{slug(member.id)}-{slug(member.name)}.pdf"


# -- a year's titres ---------------------------------------------------------------------


@dataclass
class _Group:
    statement: Statement
    order: tuple[int, int]
    titled: str
    booking: Booking
    lines: list[Line] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def titling_months(bill: Bill) -> list[str]:
    """The months the billed lines of ``bill`` are titled in, in order."""
    return sorted(
        {line.titled for s in bill.statements if s.billed for line in s.lines if line.titled}
    )


def missing_imputations(bill: Bill, titling: Titling) -> list[str]:
    """The offers with a billed line and no imputation: no titre can be booked for them."""
    used = {
        line.offer
        for statement in bill.statements
        if statement.billed
        for line in statement.lines
        if line.offer != STATEMENT
    }
    return [offer for offer in titling.offers if offer in used and offer not in titling.imputations]


def _groups(bill: Bill, titling: Titling) -> list[_Group]:
    """The billed lines by debtor, titling month and imputation. A statement-wide floor
    or cap adjusts the group of its member and month billing the most (a cap of the
    whole statement reduces its main revenue)."""
    offer_rank = {offer: rank for rank, offer in enumerate(titling.offers)}
    found: list[_Group] = []
    for index, statement in enumerate(bill.statements):
        if not statement.billed:  # a carrier's own share: it does not title itself
            continue
        member = statement.member.id
        own: dict[tuple[str, Booking], _Group] = {}
        wide: list[Line] = []
        for line in statement.lines:
            if line.offer == STATEMENT:
                wide.append(line)
                continue
            booking = Booking.of(titling.imputations[line.offer], member)
            group = own.get((line.titled, booking))
            if group is None:
                rank = offer_rank.get(line.offer, len(offer_rank))
                group = own[(line.titled, booking)] = _Group(
                    statement, (index, rank), line.titled, booking
                )
            group.lines.append(line)
        for line in wide:
            same_month = [g for g in own.values() if g.titled == line.titled]
            if same_month:
                max(same_month, key=lambda g: g.amount).lines.append(line)
            elif own:  # titled in a month of its own: on the imputation billing the most
                main = max(own.values(), key=lambda g: g.amount)
                own[(line.titled, main.booking)] = _Group(
                    statement, main.order, line.titled, main.booking, [line]
                )
        found.extend(own.values())
    return found


def _titre(
    group: _Group, year: int, titling: Titling, date: dt.date | None, kind: TitreKind
) -> Titre:
    statement = group.statement
    offers = tuple(dict.fromkeys(line.offer for line in group.lines if line.offer != STATEMENT))
    debtor = titling.debtors.get(statement.member.id) or Debtor(
        statement.member.id, statement.member.name
    )
    settlement = statement.settlement
    issued_on = date or month_start(group.titled)
    return Titre(
        kind=kind,
        number="",
        exercice=issued_on.year,
        date=issued_on,
        year=year,
        titled=group.titled,
        debtor=debtor,
        booking=group.booking,
        object=titre_object(titling, offers, year),
        offers=offers,
        lines=tuple((line.code, line.amount) for line in group.lines),
        amount=group.amount,
        settlement=settlement.mode if settlement is not None else REVENUE_TITLE,
        attachment=attachment_name(year, statement.member),
        attribution_year=settlement.attribution_year if settlement is not None else None,
        deliberations=titling.deliberations,
    )


def titre_object(titling: Titling, offers: Sequence[str], year: int) -> Message:
    """« Contribution au service commun — … : Socle complet — exercice 2026 »."""
    return msg(
        "Shared service contribution — {service}: {offers} — financial year {year:year}",
        service=titling.title,
        offers=", ".join(titling.offers.get(offer, offer) for offer in offers),
        year=year,
    )


def year_titres(
    bill: Bill,
    titling: Titling,
    issued: Sequence[Titre] = (),
    months_issued: Iterable[str] = (),
    date: dt.date | None = None,
    example: bool = False,
    months: Collection[str] | None = None,
) -> TitreList:
    """The titres of ``bill``'s year: those of the months already issued as the journal
    holds them (``issued``, of this year; ``months_issued``), the others to issue (of
    ``months`` only, when given), dated ``date`` (else the first day of their titling
    month) and numbered after the journal's last number of their exercice. A member
    needing review has none: it is listed. The offers that bill must all have their
    imputation (``missing_imputations``)."""
    done = set(months_issued)
    groups = [
        g
        for g in _groups(bill, titling)
        if g.titled not in done and (months is None or g.titled in months)
    ]
    fresh: list[Titre] = []
    ranks: dict[tuple[str, str, Booking], tuple[int, int]] = {}
    unbilled: list[Unbilled] = [Unbilled(r.member, r.reason) for r in bill.needs_review]

    def _order(titre: Titre) -> tuple[dt.date, str, tuple[int, int]]:
        return (titre.date, titre.titled, ranks[titre.key])

    for group in groups:
        if group.amount == ZERO:  # nothing to title (an allowance not exceeded)
            continue
        if group.amount < ZERO:  # a titre is never negative: the member's case is a review
            unbilled.append(
                Unbilled(
                    group.statement.member,
                    msg(
                        "its lines titled in {month} on account {nature} sum to "
                        "{amount:amount}: a titre de recettes cannot be negative, review "
                        "the statement",
                        month=group.titled,
                        nature=group.booking.nature,
                        amount=group.amount,
                    ),
                    group.titled,
                )
            )
            continue
        fresh.append(_titre(group, bill.year, titling, date, TitreKind.TITRE))
        ranks[fresh[-1].key] = group.order
    numbered = number_titres(sorted(fresh, key=_order), issued)
    this_year = tuple(t for t in issued if t.year == bill.year)
    return TitreList(
        year=bill.year,
        titres=tuple(numbered),
        issued=this_year,
        unbilled=tuple(unbilled),
        months_issued=tuple(sorted(done)),
        example=example,
    )


def number_titres(titres: Sequence[Titre], journal: Iterable[Titre]) -> list[Titre]:
    """``titres`` numbered ``<exercice>-<sequence>`` in their order, each exercice's
    sequence going on after the last number the journal holds for it."""
    last: dict[int, int] = {}
    for titre in journal:
        last[titre.exercice] = max(last.get(titre.exercice, 0), sequence_of(titre.number))
    numbered = []
    for titre in titres:
        last[titre.exercice] = last.get(titre.exercice, 0) + 1
        numbered.append(replace(titre, number=f"{titre.exercice}-{last[titre.exercice]:04d}"))
    return numbered


def sequence_of(number: str) -> int:
    """The sequence of a number ``2027-0012`` (12); 0 for a number of another form."""
    tail = number.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


# -- corrections of issued periods -------------------------------------------------------


def corrections(
    bill: Bill,
    titling: Titling,
    issued: Sequence[Titre],
    months_issued: Iterable[str],
    date: dt.date | None = None,
    example: bool = False,
) -> TitreList:
    """The titres that bring the issued figures of ``bill``'s year (its ``months_issued``;
    ``issued``: every titre of the journal) to the current ones, per debtor, titling
    month and imputation: a titre complémentaire for more, a réduction (an annulation
    when nothing is owed any more) for less, reducing the latest titres first, each
    naming the titre it corrects; a titre for a debtor owing in an issued period without
    one. A member needing review now has no figure to correct to: it is listed."""
    done = set(months_issued)
    year = bill.year
    review = {r.member.id: r for r in bill.needs_review}
    current: dict[tuple[str, str, Booking], _Group] = {}
    for grouped in _groups(bill, titling):
        if grouped.titled in done:
            current[(grouped.statement.member.id, grouped.titled, grouped.booking)] = grouped
    mine = [t for t in issued if t.year == year and t.titled in done]
    keys = list(dict.fromkeys([*(t.key for t in mine), *current]))
    made: list[Titre] = []
    unbilled: list[Unbilled] = []
    for key in keys:
        member, titled, _ = key
        before = [t for t in mine if t.key == key]
        figure = sum((t.amount for t in before), ZERO)
        if member in review:
            if before and all(u.member.id != member for u in unbilled):
                unbilled.append(Unbilled(review[member].member, review[member].reason, titled))
            continue
        group = current.get(key)
        now = group.amount if group is not None else ZERO
        difference = now - figure
        if difference == ZERO:
            continue
        issued_on = date or month_start(titled)
        originals = [t for t in before if t.kind in (TitreKind.TITRE, TitreKind.COMPLEMENTARY)]
        if group is not None:
            base = _titre(group, year, titling, issued_on, TitreKind.TITRE)
        else:  # nothing is owed any more: the titre corrected says what it was for
            base = replace((originals or before)[0], lines=())
        base = replace(base, date=issued_on, exercice=issued_on.year, before=figure, after=now)
        if difference > ZERO:
            kind = TitreKind.COMPLEMENTARY if originals else TitreKind.TITRE
            made.append(
                replace(
                    base,
                    kind=kind,
                    amount=difference,
                    corrects=originals[0].number if originals else None,
                    object=_corrected_object(base, kind, originals[0].number if originals else ""),
                )
            )
            continue
        kind = TitreKind.ANNULATION if now == ZERO else TitreKind.REDUCTION
        left = -difference
        for original in reversed(originals):
            if left == ZERO:
                break
            reduced = sum(
                (-t.amount for t in before if t.corrects == original.number and t.amount < ZERO),
                ZERO,
            )
            remaining = original.amount - reduced
            if remaining <= ZERO:
                continue
            cut = min(remaining, left)
            left -= cut
            made.append(
                replace(
                    base,
                    kind=kind,
                    amount=-cut,
                    corrects=original.number,
                    object=_corrected_object(base, kind, original.number),
                )
            )
    ordered = sorted(made, key=lambda t: (t.date, t.titled))
    return TitreList(
        year=year,
        titres=tuple(number_titres(ordered, issued)),
        issued=(),
        unbilled=tuple(unbilled),
        months_issued=tuple(sorted(done)),
        corrections=True,
        example=example,
    )


def _corrected_object(titre: Titre, kind: TitreKind, corrected: str) -> Message:
    """What a correction says of itself: its kind, the titre it corrects, then the
    object of the debtor's titre."""
    if kind is TitreKind.COMPLEMENTARY:
        return msg(
            "Titre complémentaire to titre {number}: {object}",
            number=corrected,
            object=titre.object,
        )
    if kind is TitreKind.REDUCTION:
        return msg("Reduction of titre {number}: {object}", number=corrected, object=titre.object)
    if kind is TitreKind.ANNULATION:
        return msg("Annulation of titre {number}: {object}", number=corrected, object=titre.object)
    return msg("Titre in an issued period: {object}", object=titre.object)
