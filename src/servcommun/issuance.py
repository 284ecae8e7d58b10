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
    warnings: tuple[Diagnostic, ...] = ()  # advances of the journal nothing settles any more
    tariff_file: str = ""  # the tariff in force for the year, as shown

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
    titling = titling_of(loaded, year)
    if titling.advances is not None and titling.advances.base == "last-year":
        titling = _on_last_year(config, service, titling, year)
    missing = missing_imputations(bill, titling)
    if missing:
        problems += _imputations_missing(config, service, loaded, missing)
    if problems:
        raise InputError(problems)
    warnings = advance_warnings(journal, loaded)
    return Titled(
        warnings=tuple(warnings),
        tariff_file=loaded.files[0],
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


def _on_last_year(config: Config, service: Service, titling: Titling, year: int) -> Titling:
    """``titling`` with each member's final amount of the year before ``year``, the base
    of advances called on last year's base (none when the year before has no tariff)."""
    from dataclasses import replace

    from servcommun.pipeline import bill_of, load
    from servcommun.titres import last_year_bases

    assert titling.advances is not None
    try:
        before = load(config, service.id, [year - 1]).year(year - 1)
        bases = last_year_bases(bill_of(before, year - 1), titling)
    except (InputError, KeyError):  # no tariff in force the year before: no base
        bases = {}
    return replace(titling, advances=replace(titling.advances, last_year=bases))


def advance_warnings(journal: Journal, loaded: Loaded) -> list[Diagnostic]:
    """The advances of the journal no final statement can settle any more, each at its
    line: for a member no longer in the roster (``advance-member``), for an offer the
    tariff no longer has (``advance-offer``)."""
    from servcommun.diagnostics import Severity, source_line
    from servcommun.message import msg
    from servcommun.titres import TitreKind

    tariff = loaded.tariff
    members = (
        {m.id for m in loaded.roster.members}
        if loaded.roster is not None
        else {p.id for p in tariff.parties}
    )
    offers = {offer.id for offer in tariff.offers}
    lines = journal.text.splitlines()
    found: list[Diagnostic] = []
    for titre in journal.titres():
        if titre.kind is not TitreKind.ADVANCE or titre.deducted_in in journal.months_issued(
            titre.year
        ):  # deducted by a final statement issued: settled
            continue
        at = next(
            (n for n, text in enumerate(lines, 1) if text.strip() == f"- number: {titre.number}"),
            1,
        )
        column = lines[at - 1].index("number") + 1 if lines else 1
        said = {"number": titre.number, "year": titre.year, "amount": titre.amount}
        if titre.debtor.id not in members:
            found.append(
                Diagnostic(
                    journal.display,
                    at,
                    column,
                    "advance-member",
                    msg(
                        "advance {number} of {year:year} ({amount:amount}) was issued to "
                        "{member}, no longer in the roster: no final statement deducts it; "
                        "put the member back in the roster (with its end date) or reduce the "
                        "advance by hand",
                        member=" ".join((titre.debtor.id, titre.debtor.name)),
                        **said,
                    ),
                    source_line(journal.text, at),
                    Severity.WARNING,
                )
            )
        for offer in titre.offers:
            if offer not in offers:
                found.append(
                    Diagnostic(
                        journal.display,
                        at,
                        column,
                        "advance-offer",
                        msg(
                            "advance {number} of {year:year} ({amount:amount}) was called for "
                            "offer '{offer}', which the tariff no longer has: no final "
                            "statement deducts it; keep the offer in the tariff until the "
                            "year is settled, or reduce the advance by hand",
                            offer=offer,
                            **said,
                        ),
                        source_line(journal.text, at),
                        Severity.WARNING,
                    )
                )
    return found


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


def titling_of(loaded: Loaded, year: int) -> Titling:
    """What titres need of a loaded service besides its bill."""
    from servcommun.advances import AdvancePlan, plan_dates
    from servcommun.titres import Deliberation, Titling

    tariff = loaded.tariff
    said = tariff.advances
    plan = None
    if said is not None:
        plan = AdvancePlan(
            offers=frozenset(o.id for o in tariff.offers if said.covers(o)),
            base=str(said.base),
            instalments=plan_dates(said.dates(year)),
            article=said.article,
        )
    return Titling(
        advances=plan,
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
    from servcommun.titres import TitreKind

    done = set(journal.months_issued(bill.year))
    # a month of advances only stands for no line of the bill: its advances count in the
    # final statement that deducts them, once that is issued
    of_year = [t for t in journal.titres() if t.year == bill.year]
    advances_only = {t.titled for t in of_year if t.kind is TitreKind.ADVANCE} - {
        t.titled for t in of_year if t.kind is not TitreKind.ADVANCE
    }
    months = sorted(done - advances_only)
    if not months:
        return None
    shown = {s.member.id for s in bill.statements} | {r.member.id for r in bill.needs_review}
    from servcommun.titres import settled_figures

    titres = [t for t in settled_figures(of_year, bill.year, done) if t.debtor.id in shown]
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
    found: list[Diagnostic] = []
    for service in config.services.values():
        journal, problems = _journal(config, service)
        found += problems
        if not problems:
            found += _journal_advances(config, service, journal)
    return found


def _journal_advances(config: Config, service: Service, journal: Journal) -> list[Diagnostic]:
    """The advances of ``journal`` no final statement settles any more, against the
    service's files for the latest year advances were called (nothing when those files
    cannot be read: their own problems are reported)."""
    from servcommun.pipeline import load
    from servcommun.titres import TitreKind

    years = {t.year for t in journal.titres() if t.kind is TitreKind.ADVANCE}
    if not years:
        return []
    year = max(years)
    try:
        loaded = load(config, service.id, [year]).year(year)
    except (InputError, KeyError):
        return []
    return advance_warnings(journal, loaded)
