"""What ``titres`` and ``issue`` read, and what ``bill`` and ``check`` ask of the journal:
the year's bill, the identities and imputations it is titled with, the journal of what
was issued. Reads and checks; the titres themselves are computed by ``titres`` (pure);
nothing here prints or writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from servcommun import cache
from servcommun.config import Config, Service
from servcommun.diagnostics import Diagnostic, InputError, is_regular
from servcommun.engine.result import Bill, MemberRef
from servcommun.journal import Journal, journal_path, journal_problems, read_journal
from servcommun.money import ZERO

if TYPE_CHECKING:
    from servcommun.identity import Issuer
    from servcommun.pipeline import Loaded
    from servcommun.roster import Member
    from servcommun.tariff import Party
    from servcommun.titres import Debtor, Deliberation, Titling, TitreList


@dataclass(frozen=True)
class Titled:
    """A service's year ready to be titled: its bill, what titres need besides it, its
    issuer, the journal, the input files with their digests (``role, path, sha256``)."""

    service: Service
    year: int
    bill: Bill
    titling: Titling
    issuer: Issuer | None
    journal: Journal
    inputs: tuple[tuple[str, str, str], ...]
    example: bool  # the bundled example, or an issuer or roster marked illustrative
    members_file: str = "servcommun.toml"  # where the members are listed, as shown

    def titres(
        self, date: dt.date | None = None, months: Collection[str] | None = None
    ) -> TitreList:
        from servcommun.titres import year_titres

        return year_titres(
            self.bill,
            self.titling,
            self.journal.titres(),
            self.journal.months_issued(self.year),
            date,
            self.example,
            months,
        )

    def corrections(self, date: dt.date | None = None) -> TitreList:
        from servcommun.titres import corrections

        return corrections(
            self.bill,
            self.titling,
            self.journal.titres(),
            self.journal.months_issued(self.year),
            date,
            self.example,
        )


def titled(config: Config, service_name: str | None, year: int) -> Titled:
    """``year`` of the service read, billed and ready to be titled; an ``InputError``
    with every problem found: of its files, of its issuer, of its journal, an offer
    that bills without an imputation."""
    from servcommun.issuer import issuer_problems
    from servcommun.pipeline import bill_of, load
    from servcommun.titres import missing_imputations

    service = config.service(service_name)
    loaded = load(config, service.id, [year]).year(year)
    bill = bill_of(loaded, year)
    issuer, problems = issuer_problems(config, service)
    journal, found = _journal(config, service)
    problems += found
    titling = titling_of(loaded)
    missing = missing_imputations(bill, titling)
    if missing:
        problems += _imputations_missing(config, service, loaded, missing)
    if problems:
        raise InputError(problems)
    return Titled(
        service=service,
        year=year,
        bill=bill,
        titling=titling,
        issuer=issuer,
        journal=journal,
        inputs=input_digests(config, service, year),
        example=config.bundled
        or bool(issuer and issuer.illustrative)
        or bool(loaded.roster and loaded.roster.illustrative),
        members_file=loaded.files[1]
        if len(loaded.files) > 1 and not loaded.tariff.parties
        else loaded.files[0],
    )


def _journal(config: Config, service: Service) -> tuple[Journal, list[Diagnostic]]:
    path = journal_path(config.root, service.id)
    if config.bundled:  # the package's example: nothing is ever issued from it
        return Journal(path, config.display(path), ""), []
    return journal_problems(path, config.display(path))


def _imputations_missing(
    config: Config, service: Service, loaded: Loaded, offers: Sequence[str]
) -> list[Diagnostic]:
    """Each offer of ``offers`` placed in its tariff file: it bills, and has no imputation."""
    from servcommun.identity_checks import imputation_problems
    from servcommun.reader import read_yaml

    path = next(p for p in service.tariffs if config.display(p) == loaded.files[0])
    doc = read_yaml(path, config.display(path))
    return list(imputation_problems(doc, loaded.tariff, required=True, offers=offers))


def titling_of(loaded: Loaded) -> Titling:
    """What titres need of a loaded service besides its bill."""
    from servcommun.titres import Deliberation, Titling

    tariff = loaded.tariff
    return Titling(
        title=tariff.title,
        offers={offer.id: offer.label for offer in tariff.offers},
        imputations={o.id: o.imputation for o in tariff.offers if o.imputation is not None},
        debtors=debtors_of(loaded),
        deliberations=tuple(Deliberation(d.body, d.id, d.date) for d in tariff.deliberations),
    )


def debtors_of(loaded: Loaded) -> dict[str, Debtor]:
    """Each member's identity, as its roster says (or its tariff, for the parties it
    names)."""
    from servcommun.titres import Deliberation

    if loaded.tariff.parties:
        return {party.id: _debtor(party) for party in loaded.tariff.parties}
    assert loaded.roster is not None
    debtors: dict[str, Debtor] = {}
    for member in loaded.roster.members:
        said = member.deliberation
        debtors[member.id] = _debtor(
            member, Deliberation(said.body, said.id, said.date) if said else None
        )
    return debtors


def _debtor(who: Party | Member, deliberation: Deliberation | None = None) -> Debtor:
    """A debtor as a party of the tariff or a member of the roster gives its identity
    (the same fields in both)."""
    from servcommun.titres import Debtor

    address = who.address
    return Debtor(
        id=who.id,
        name=who.name,
        siren=who.siren or (who.siret[:9] if who.siret else None),
        siret=who.siret,
        addressee=who.addressee,
        address=", ".join(address.lines) if address else None,
        postcode=address.postcode if address else None,
        city=address.city if address else None,
        chorus_service=who.chorus_service,
        engagement=who.engagement,
        deliberation=deliberation,
    )


def input_digests(config: Config, service: Service, year: int) -> tuple[tuple[str, str, str], ...]:
    """The files the year's titres are computed from: ``(role, path, sha256)``."""
    from servcommun.inputs import input_files

    found = []
    for file in input_files(config, service, [year]):
        if not is_regular(file.path):  # named but absent (or no file): not this bill's
            continue
        try:
            digest = cache.digest(file.path.read_bytes())
        except OSError:  # named but absent, and not needed by this year's bill
            continue
        found.append((file.role, config.display(file.path), digest))
    return tuple(found)


# -- what bill and check ask of the journal -----------------------------------------------


@dataclass(frozen=True)
class MemberIssued:
    """A member's figure for the issued months of a year: as issued, and now (None: it
    needs review now); ``months``: each titling month whose figure differs, (month,
    issued, current) — a figure may move between months and leave the total as it was."""

    member: MemberRef
    issued: Decimal
    current: Decimal | None
    months: tuple[tuple[str, Decimal, Decimal], ...] = ()

    @property
    def difference(self) -> Decimal | None:
        return None if self.current is None else self.current - self.issued


@dataclass(frozen=True)
class IssuedYear:
    """What the journal says of a billed year: the months issued, the titres, and the
    members whose figure differs from the issued one."""

    journal: str  # as the user reads its path
    year: int
    months: tuple[str, ...]
    titres: int
    issued: Decimal
    current: Decimal
    members: tuple[MemberIssued, ...]  # those that differ only

    @property
    def changed(self) -> bool:
        return bool(self.members)


def issued_against(config: Config, service_name: str | None, bill: Bill) -> IssuedYear | None:
    """The journal against ``bill`` (narrowed to some members or not): None when nothing
    of its year is issued; else, member by member, the figures issued for the months
    issued and the current ones. The journal is read only when it exists (a bill of a
    service that issues nothing reads no more files than before)."""
    service = config.service(service_name)
    path = journal_path(config.root, service.id)
    if config.bundled or not path.exists():
        return None
    journal = read_journal(path, config.display(path))
    months = journal.months_issued(bill.year)
    if not months:
        return None
    done = set(months)
    shown = {s.member.id for s in bill.statements} | {r.member.id for r in bill.needs_review}
    titres = [
        t
        for t in journal.titres()
        if t.year == bill.year and t.titled in done and t.debtor.id in shown
    ]
    refs: dict[str, MemberRef] = {}  # in the bill's order, then those only issued
    current: dict[tuple[str, str], Decimal] = {}
    for statement in bill.statements:
        if not statement.billed:
            continue
        refs[statement.member.id] = statement.member
        for line in statement.lines:
            if line.titled in done:
                key = (statement.member.id, line.titled)
                current[key] = current.get(key, ZERO) + line.amount
    review = {r.member.id: r.member for r in bill.needs_review}
    refs.update(review)
    issued: dict[tuple[str, str], Decimal] = {}
    for titre in titres:
        key = (titre.debtor.id, titre.titled)
        issued[key] = issued.get(key, ZERO) + titre.amount
        refs.setdefault(titre.debtor.id, MemberRef(titre.debtor.id, titre.debtor.name))
    differing = []
    issued_ids = {member_id for member_id, _ in issued}
    for member_id, ref in refs.items():
        if member_id in review and member_id not in issued_ids:
            continue  # nothing issued, nothing decided yet: no difference
        before = sum((a for (m, _), a in issued.items() if m == member_id), ZERO)
        if member_id in review:
            differing.append(MemberIssued(ref, before, None))
            continue
        now = sum((a for (m, _), a in current.items() if m == member_id), ZERO)
        moved = tuple(
            (month, issued.get((member_id, month), ZERO), current.get((member_id, month), ZERO))
            for month in months
            if issued.get((member_id, month), ZERO) != current.get((member_id, month), ZERO)
        )
        if moved:
            differing.append(MemberIssued(ref, before, now, moved))
    return IssuedYear(
        journal=config.display(path),
        year=bill.year,
        months=tuple(months),
        titres=len(titres),
        issued=sum(issued.values(), ZERO),
        current=sum(current.values(), ZERO),
        members=tuple(differing),
    )


def journals_problems(config: Config | None) -> list[Diagnostic]:
    """What ``check`` finds in the journals of a data directory's services: each entry
    against its digest."""
    if config is None or config.bundled:
        return []
    return [p for service in config.services.values() for p in _journal(config, service)[1]]
