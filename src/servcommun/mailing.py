"""What a statement sent to a member says besides its amounts: who issues it (the issuer
``servcommun.toml`` names), to whom (the member's identity, from its roster or the
tariff's parties), where each offer's revenue is booked (its imputation), the service's
deliberations, whether the data is an example's, and the titres the journal issued.

Worked out once for the bytes of the service's files and kept in the cache beside the
bill (``servcommun.cache``), as plain records: a statements run from the cache loads
neither Pydantic nor the models, and its workers unpickle what they are sent as cheaply.
The journal, which ``issue`` appends to, is read on each run. Nothing here prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from servcommun import cache
from servcommun.engine.result import Statement
from servcommun.message import Message, msg
from servcommun.money import ZERO
from servcommun.titres import STATEMENT, Booking, Debtor, TitreKind

if TYPE_CHECKING:
    from servcommun.config import Config
    from servcommun.identity import Address, Issuer
    from servcommun.issuance import MemberIssued
    from servcommun.pipeline import Loaded


@dataclass(frozen=True)
class PostalAddress:
    lines: tuple[str, ...]
    postcode: str
    city: str


@dataclass(frozen=True)
class Sender:
    """The issuer of a service's statements, as ``servcommun.toml`` gives it: its name,
    SIREN and SIRET, address and place of issue, the ordonnateur who signs, the comptable
    public the titres are payable to, the payment terms and the appeal mention."""

    name: str
    siren: str
    siret: str
    address: PostalAddress
    place: str
    signatory_title: str
    signatory_name: str
    accountant: str
    accountant_address: PostalAddress | None
    payment_terms: str
    appeal_court: str
    appeal_months: int
    appeal_article: str


@dataclass(frozen=True)
class Recipient:
    """What one statement says of its member beyond the bill: its identity (None when
    the roster gives none), where each offer it is billed is booked (offer label,
    booking), the numbers of the titres the journal issued for it in the year, and —
    when its figure has changed since they were issued — the issued and current ones."""

    debtor: Debtor | None = None
    bookings: tuple[tuple[str, Booking], ...] = ()
    titres: tuple[str, ...] = ()
    changed: MemberIssued | None = None
    final: FinalView | None = None


@dataclass(frozen=True)
class FinalView:
    """A member's final statement (décompte définitif), as its statement says it: the
    year's actual amount of the offers called in advances, the advances the journal
    holds as issued for it, and their numbers."""

    actual: Decimal
    advances: Decimal
    numbers: tuple[str, ...] = ()

    @property
    def balance(self) -> Decimal:
        return self.actual - self.advances


@dataclass(frozen=True)
class Mailing:
    """A service's statements of a year, what they say besides the bill: the ``sender``
    (None when ``servcommun.toml`` names no issuer), the service's deliberations (a
    member's own adhesion deliberation left to that member's statement), each member's
    identity, each offer's booking (and the members booked to another nature account),
    and whether the files are an example's (the bundled one, or an issuer or roster
    marked illustrative)."""

    sender: Sender | None
    deliberations: tuple[Message, ...]
    debtors: Mapping[str, Debtor]
    bookings: Mapping[str, Booking]
    natures: Mapping[tuple[str, str], str] = field(default_factory=dict)
    example: bool = False
    advanced: frozenset[str] = frozenset()  # the offers called in advances

    def final(
        self, statement: Statement, advances: Mapping[str, tuple[Decimal, tuple[str, ...]]]
    ) -> FinalView | None:
        """The final statement of ``statement`` (None when nothing is called in advances),
        ``advances`` being the journal's, by member id."""
        from servcommun.advances import advanced_amount

        if not self.advanced:
            return None
        called, numbers = advances.get(statement.member.id, (ZERO, ()))
        return FinalView(advanced_amount(statement, self.advanced), called, numbers)

    def recipient(
        self,
        statement: Statement,
        offers: Mapping[str, str],
        titres: Mapping[str, tuple[str, ...]] | None = None,
        changed: Mapping[str, MemberIssued] | None = None,
        advances: Mapping[str, tuple[Decimal, tuple[str, ...]]] | None = None,
    ) -> Recipient:
        """What ``statement`` says of its member: its identity, the booking of each offer
        it is billed (``offers``: id → label), the titres issued for it, and its issued
        figure when the current one differs (``changed``, by member id)."""
        member = statement.member.id
        bookings: dict[str, tuple[str, Booking]] = {}
        for line in statement.lines:
            offer = line.offer
            if offer == STATEMENT or offer in bookings or offer not in self.bookings:
                continue
            booking = self.bookings[offer]
            nature = self.natures.get((offer, member))
            if nature is not None:
                booking = replace(booking, nature=nature)
            bookings[offer] = (offers.get(offer, offer), booking)
        return Recipient(
            debtor=self.debtors.get(member),
            bookings=tuple(bookings.values()),
            titres=(titres or {}).get(member, ()),
            changed=(changed or {}).get(member),
            final=self.final(statement, advances or {}),
        )


def mailing(
    config: Config, service_name: str | None, year: int, inputs: list[str] | None = None
) -> Mailing:
    """What the statements of ``year`` say besides the bill: from the cache when none of
    the service's files has changed since it was worked out, else read and checked (an
    ``InputError`` with every problem of the issuer's table). ``inputs``: the service's
    ``billing.service_inputs``, if already known."""
    from servcommun.billing import service_inputs

    service = config.service(service_name)
    if inputs is None:
        inputs = service_inputs(config, service, year)

    def compute() -> Mailing:
        from servcommun.issuer import load_issuer
        from servcommun.pipeline import load

        loaded = load(config, service.id, [year], inputs).year(year)
        return mailing_of(loaded, load_issuer(config, service), bundled=config.bundled)

    return cache.cached("mailing", inputs, compute, Mailing)


def mailing_of(loaded: Loaded, issuer: Issuer | None, *, bundled: bool = False) -> Mailing:
    """The statements' words of a loaded service and its issuer."""
    from servcommun.issuance import debtors_of

    tariff = loaded.tariff
    debtors = debtors_of(loaded)
    own = {(d.deliberation.id, d.deliberation.date) for d in debtors.values() if d.deliberation}
    deliberations = tuple(
        _deliberation(d.body, d.id, d.date, d.title)
        for d in tariff.deliberations
        if (d.id, d.date) not in own  # a member's adhesion: said on its statement only
    )
    bookings: dict[str, Booking] = {}
    natures: dict[tuple[str, str], str] = {}
    for offer in tariff.offers:
        imputation = offer.imputation
        if imputation is None:
            continue
        bookings[offer.id] = Booking.of(imputation, "")
        for debtor, nature in imputation.debtors.items():
            natures[(offer.id, debtor)] = nature
    roster = loaded.roster
    illustrative = bool(issuer and issuer.illustrative) or bool(roster and roster.illustrative)
    return Mailing(
        sender=_sender(issuer) if issuer is not None else None,
        deliberations=deliberations,
        debtors=debtors,
        bookings=bookings,
        natures=natures,
        example=bundled or illustrative,
        advanced=frozenset(
            o.id for o in tariff.offers if tariff.advances is not None and tariff.advances.covers(o)
        ),
    )


def _deliberation(body: str, id: str, date: dt.date, title: str = "") -> Message:
    if title:
        return msg("{body}, {id} of {date:date}: {title}", body=body, id=id, date=date, title=title)
    return msg("{body}, {id} of {date:date}", body=body, id=id, date=date)


def member_deliberation(debtor: Debtor | None) -> Message | None:
    """The member's own deliberation joining the service, as its statement says it."""
    said = debtor.deliberation if debtor is not None else None
    if said is None:
        return None
    return _deliberation(said.body, said.id, said.date)


def _sender(issuer: Issuer) -> Sender:
    comptable = issuer.comptable
    return Sender(
        name=issuer.name,
        siren=issuer.siren_number,
        siret=issuer.siret,
        address=_address(issuer.address),
        place=issuer.place or issuer.address.city,
        signatory_title=issuer.ordonnateur.title,
        signatory_name=issuer.ordonnateur.name,
        accountant=comptable.name,
        accountant_address=_address(comptable.address) if comptable.address else None,
        payment_terms=issuer.payment_terms,
        appeal_court=issuer.appeal.court,
        appeal_months=issuer.appeal.months,
        appeal_article=issuer.appeal.article,
    )


def _address(address: Address) -> PostalAddress:
    return PostalAddress(tuple(address.lines), address.postcode, address.city)


def issued_titres(
    config: Config, service_name: str | None, year: int
) -> dict[str, tuple[str, ...]]:
    """Member id → the numbers of the titres the journal holds for it for ``year``, in
    the order of issue (its corrections included); empty when nothing was issued. The
    journal is read only when it exists, checked against its digests."""
    from servcommun.journal import journal_path, read_journal

    service = config.service(service_name)
    path = journal_path(config.root, service.id)
    if config.bundled or not path.exists():
        return {}
    numbers: dict[str, list[str]] = {}
    for titre in read_journal(path, config.display(path)).titres():
        if titre.year == year:
            numbers.setdefault(titre.debtor.id, []).append(titre.number)
    return {member: tuple(found) for member, found in numbers.items()}


def issued_advances(
    config: Config, service_name: str | None, year: int
) -> dict[str, tuple[Decimal, tuple[str, ...]]]:
    """Member id → the advances the journal holds as issued for it for ``year`` (their
    total and numbers); empty when nothing was issued."""
    from servcommun.journal import journal_path, read_journal

    service = config.service(service_name)
    path = journal_path(config.root, service.id)
    if config.bundled or not path.exists():
        return {}
    found: dict[str, tuple[Decimal, tuple[str, ...]]] = {}
    for titre in read_journal(path, config.display(path)).titres():
        if titre.year == year and titre.kind is TitreKind.ADVANCE:
            total, numbers = found.get(titre.debtor.id, (ZERO, ()))
            found[titre.debtor.id] = (total + titre.amount, (*numbers, titre.number))
    return found
