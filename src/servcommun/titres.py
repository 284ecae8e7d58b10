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
    from servcommun.advances import AdvancePlan, Instalment
    from servcommun.identity import Imputation

STATEMENT = "statement"  # the offer of a statement-wide floor or cap (engine.context)
REVENUE_TITLE = "revenue-title"


class TitreKind(StrEnum):
    TITRE = "titre"  # a titre de recettes
    COMPLEMENTARY = "complementary"  # a titre complémentaire: more than was issued
    REDUCTION = "reduction"  # a réduction: less than was issued
    ANNULATION = "annulation"  # an annulation: nothing is owed any more
    ADVANCE = "advance"  # an acompte: an instalment called during the year
    BALANCE = "balance"  # the balance of a final statement (décompte définitif) still owed


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
    instalment: int | None = None  # an advance's number (1…N)
    deducted_in: str | None = None  # an advance: the titling month of its final statement

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
    advances: AdvancePlan | None = None  # the offers called in advances, and when

    def advanced(self, offer: str) -> bool:
        """Whether ``offer`` is called in advances and settled by a final statement."""
        return self.advances is not None and offer in self.advances.offers


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
    settled: tuple[Unbilled, ...] = ()  # final statements leaving nothing to issue, and why
    notes: tuple[Message, ...] = ()  # what the final statements say besides their titres

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
    advanced: bool = False  # of the offers called in advances: settled by a final statement

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def titling_months(bill: Bill, titling: Titling | None = None) -> list[str]:
    """The months the billed lines of ``bill`` are titled in, and the months of its
    advances (``titling``'s), in order."""
    months = {line.titled for s in bill.statements if s.billed for line in s.lines if line.titled}
    if titling is not None and titling.advances is not None:
        months.update(titling.advances.months)
    return sorted(months)


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
        own: dict[tuple[str, Booking, bool], _Group] = {}
        wide: list[Line] = []
        for line in statement.lines:
            if line.offer == STATEMENT:
                wide.append(line)
                continue
            booking = Booking.of(titling.imputations[line.offer], member)
            advanced = titling.advanced(line.offer)
            group = own.get((line.titled, booking, advanced))
            if group is None:
                rank = offer_rank.get(line.offer, len(offer_rank))
                group = own[(line.titled, booking, advanced)] = _Group(
                    statement, (index, rank), line.titled, booking, advanced=advanced
                )
            group.lines.append(line)
        for line in wide:
            same_month = [g for g in own.values() if g.titled == line.titled]
            if same_month:
                max(same_month, key=lambda g: g.amount).lines.append(line)
            elif own:  # titled in a month of its own: on the imputation billing the most
                main = max(own.values(), key=lambda g: g.amount)
                own[(line.titled, main.booking, main.advanced)] = _Group(
                    statement, main.order, line.titled, main.booking, [line], main.advanced
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

    plan = titling.advances
    finals = [g for g in groups if g.advanced]
    groups = [g for g in groups if not g.advanced]
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
    notes: list[Message] = []
    settled: list[Unbilled] = []
    if plan is not None:
        for advance, order in _advances(bill, titling, plan, done, months, date, notes):
            fresh.append(advance)
            ranks[advance.key] = order
    numbered = number_titres(sorted(fresh, key=_order), issued)
    if plan is not None:
        made = _finals(bill, titling, finals, [*issued, *numbered], date, settled, notes)
        numbered += number_titres(made, [*issued, *numbered])
    this_year = tuple(t for t in issued if t.year == bill.year)
    return TitreList(
        year=bill.year,
        titres=tuple(numbered),
        issued=this_year,
        unbilled=tuple(unbilled),
        months_issued=tuple(sorted(done)),
        example=example,
        settled=tuple(settled),
        notes=tuple(notes),
    )


# -- advances and the final statement ----------------------------------------------------


def _advances(
    bill: Bill,
    titling: Titling,
    plan: AdvancePlan,
    done: Collection[str],
    months: Collection[str] | None,
    date: dt.date | None,
    notes: list[Message],
) -> list[tuple[Titre, tuple[int, int]]]:
    """The advances to issue (of the instalments not issued yet, of ``months`` only when
    given), one per debtor, instalment and imputation: the base of each — the group's
    forecast amount, or its final amount of last year — split exactly. A final
    statement already issued calls no more advances; a member without a final amount
    last year is called none (said in ``notes``)."""
    from servcommun.advances import split

    wanted = [
        i for i in plan.instalments if i.month not in done and (months is None or i.month in months)
    ]
    if not wanted:
        return []
    made: list[tuple[Titre, tuple[int, int]]] = []
    without: set[str] = set()
    for group in _groups(bill, titling):
        if not group.advanced:
            continue
        member = group.statement.member
        if group.titled in done:
            notes.append(
                msg(
                    "{member}: the final statement of {year:year} is issued ({month}): no "
                    "further advance is called",
                    member=" ".join((member.id, member.name)),
                    year=bill.year,
                    month=group.titled,
                )
            )
            continue
        if plan.last_year is None:
            base = group.amount
        else:
            found = plan.last_year.get((member.id, group.booking.nature))
            if found is None:
                if member.id not in without:
                    without.add(member.id)
                    notes.append(
                        msg(
                            "{member}: no final amount of {last:year} to call advances on: "
                            "no advance is called, its whole {year:year} is titled by the "
                            "final statement",
                            member=" ".join((member.id, member.name)),
                            last=bill.year - 1,
                            year=bill.year,
                        )
                    )
                continue
            base = found
        if base <= ZERO:
            continue
        parts = split(base, len(plan.instalments))
        for instalment in wanted:
            amount = parts[instalment.number - 1]
            if amount <= ZERO:
                continue
            made.append(
                (_advance(group, bill.year, titling, instalment, amount, date), group.order)
            )
    return made


def _advance(
    group: _Group,
    year: int,
    titling: Titling,
    instalment: Instalment,
    amount: Decimal,
    date: dt.date | None,
) -> Titre:
    base = _titre(group, year, titling, date or instalment.date, TitreKind.ADVANCE)
    return replace(
        base,
        titled=instalment.month,
        lines=((f"advance.{instalment.number}", amount),),
        amount=amount,
        instalment=instalment.number,
        deducted_in=group.titled,
        object=msg(
            "Advance {number:count} of {count:count}: {object}",
            number=instalment.number,
            count=instalment.count,
            object=base.object,
        ),
    )


def advances_of(
    titres: Iterable[Titre], year: int, member: str, booking: Booking, month: str
) -> list[Titre]:
    """The advances of ``titres`` a final statement deducts: of ``year``, ``member`` and
    ``booking``, deducted in ``month``, in their order."""
    return [
        t
        for t in titres
        if t.kind is TitreKind.ADVANCE
        and t.year == year
        and t.debtor.id == member
        and t.booking == booking
        and t.deducted_in == month
    ]


def _finals(
    bill: Bill,
    titling: Titling,
    groups: Sequence[_Group],
    titres: Sequence[Titre],
    date: dt.date | None,
    settled: list[Unbilled],
    notes: list[Message],
) -> list[Titre]:
    """The final statements of ``groups`` (the offers called in advances, in months to
    issue): the actual amount less the advances issued or listed (``titres``); a
    positive balance titled, a negative one a reduction of the advances (the latest
    first, each naming the advance it reduces), zero nothing (``settled``)."""
    made: list[Titre] = []
    for group in groups:
        member = group.statement.member
        actual = group.amount
        called = advances_of(titres, bill.year, member.id, group.booking, group.titled)
        advanced = sum((t.amount for t in called), ZERO)
        if actual < ZERO:  # as any titre: the member's case is a review (never negative)
            continue
        if not called:
            notes.append(
                msg(
                    "{member}: the final statement of {year:year} is computed with no advance "
                    "issued: its whole amount, {amount:amount}, is titled",
                    member=" ".join((member.id, member.name)),
                    year=bill.year,
                    amount=actual,
                )
            )
        base = _titre(group, bill.year, titling, date, TitreKind.BALANCE)
        base = replace(base, before=advanced, after=actual)
        balance = actual - advanced
        if balance == ZERO:
            if actual != ZERO:
                settled.append(
                    Unbilled(
                        member,
                        msg(
                            "final statement: {actual:amount}, advances called {advanced:amount}"
                            ": nothing to issue",
                            actual=actual,
                            advanced=advanced,
                        ),
                        group.titled,
                    )
                )
            continue
        if balance > ZERO:
            made.append(
                replace(
                    base,
                    amount=balance,
                    lines=(*base.lines, ("advances", -advanced)) if advanced else base.lines,
                    object=msg("Final statement, balance due: {object}", object=base.object),
                )
            )
            continue
        left = -balance
        for advance in reversed(called):
            cut = min(advance.amount, left)
            left -= cut
            if cut > ZERO:
                made.append(
                    replace(
                        base,
                        kind=TitreKind.REDUCTION,
                        amount=-cut,
                        lines=(),
                        corrects=advance.number,
                        object=msg(
                            "Final statement, reduction of advance {number}: {object}",
                            number=advance.number,
                            object=base.object,
                        ),
                    )
                )
    return made


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
            key = (grouped.statement.member.id, grouped.titled, grouped.booking)
            if key in current:  # the offers called in advances beside the others
                current[key] = replace(current[key], lines=[*current[key].lines, *grouped.lines])
            else:
                current[key] = grouped
    mine = settled_figures(issued, year, done)
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
        originals = [t for t in before if t.kind in ORIGINALS]
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


ORIGINALS = (TitreKind.TITRE, TitreKind.COMPLEMENTARY, TitreKind.ADVANCE, TitreKind.BALANCE)
"""The kinds of titre a correction may reduce."""


def settled_figures(titres: Iterable[Titre], year: int, done: Collection[str]) -> list[Titre]:
    """The titres of ``year`` in its issued months ``done``, as its figures stand: an
    advance counts in the month of the final statement that deducts it, once that is
    issued (until then, it is a provisional amount no bill line stands for)."""
    found = []
    for titre in titres:
        if titre.year != year:
            continue
        if titre.kind is TitreKind.ADVANCE:
            if titre.deducted_in is not None and titre.deducted_in in done:
                found.append(replace(titre, titled=titre.deducted_in))
        elif titre.titled in done:
            found.append(titre)
    return found


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


def last_year_bases(bill: Bill, titling: Titling) -> dict[tuple[str, str], Decimal]:
    """Each member's final amount of ``bill``'s year for the offers called in advances,
    by member id and nature account: the base of next year's advances on last year's."""
    bases: dict[tuple[str, str], Decimal] = {}
    for group in _groups(bill, titling):
        if group.advanced:
            key = (group.statement.member.id, group.booking.nature)
            bases[key] = bases.get(key, ZERO) + group.amount
    return bases
