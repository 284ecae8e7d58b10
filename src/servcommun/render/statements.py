"""The statements folder of a year: one PDF per billed member, and ``index.csv`` listing
every member — with its file, total, statement number and date of issue, or why it has
none (needs review, a carrier's own share). Pure: (file name, bytes) pairs, made one at
a time as the CLI writes them (atomically), so that a run holds one statement's PDF at
a time, whatever its size.

The statements and the French index speak the tariff locale's language unless
``--lang`` was given; the plain index keeps its column names and status words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext

from servcommun import language
from servcommun.engine.result import Bill, MemberRef, Statement
from servcommun.language import N_
from servcommun.mailing import Recipient
from servcommun.render.csv import CARRIER, STATUSES, csv_amount, csv_bytes
from servcommun.render.documents import slug, statement_date, statement_number
from servcommun.render.pdf import Issuer, Letter, statement_pdf
from servcommun.render.words import say

INDEX = "index.csv"
INDEX_COLUMNS = (
    "member_id",
    "member_name",
    "year",
    "file",
    "total",
    "status",
    "reason",
    "number",
    "date",
)
INDEX_HEADINGS = (  # the French dialect's headings, said in the document's language
    N_("Member id"),
    N_("Member name"),
    N_("Financial year"),
    N_("File"),
    N_("Total"),
    N_("Status"),
    N_("Reason"),
    N_("Statement no."),
    N_("Date of issue"),
)


def statement_file_name(year: int, member: MemberRef) -> str:
    """``2026-35236-redon.pdf``: sorts by year then id; the id keeps names unique."""
    return f"{year}-{slug(member.id)}-{slug(member.name)}.pdf"


def statement_count(bill: Bill) -> int:
    """How many PDFs ``statement_files`` makes: one per billed member."""
    return sum(1 for statement in bill.statements if statement.billed)


MakePdfs = Callable[[Sequence[Letter], int, Issuer, Mapping[str, str]], Iterable[bytes]]
"""What makes the PDFs of statements, in their order (one by one, or by workers)."""


def one_by_one(
    letters: Sequence[Letter], year: int, issuer: Issuer, offers: Mapping[str, str]
) -> Iterator[bytes]:
    for statement, recipient in letters:
        yield statement_pdf(statement, year, issuer, offers, recipient)


def _nobody(statement: Statement) -> Recipient | None:
    return None


def statement_files(
    bill: Bill,
    issuer: Issuer,
    offers: Mapping[str, str],
    dialect: str = "fr",
    make_pdfs: MakePdfs = one_by_one,
    recipient: Callable[[Statement], Recipient | None] = _nobody,
) -> Iterator[tuple[str, bytes]]:
    """Every file of the folder, as it is made: the members' PDFs (made by
    ``make_pdfs``, in the language the issuer's tariff or ``--lang`` asks for, each
    saying of its member what ``recipient`` gives), then ``index.csv`` in ``dialect``,
    with each statement's number and date of issue."""
    french = dialect == "fr"
    issuer = issuer.speaking_in()  # settled here, for the workers too
    spoken = issuer.spoken()

    def words() -> AbstractContextManager[None]:
        """The French index speaks the statements' language; the plain one the
        interface's, its status words those of a program."""
        return language.speaking(spoken) if french else nullcontext()

    def day(statement: Statement) -> str:
        issued = statement_date(statement, bill.year, issuer.issued_on)
        return issued.strftime("%d/%m/%Y") if french else issued.isoformat()

    with words():
        billed, not_billed, review_status = (
            language._(STATUSES[key]) if french else STATUSES[key]
            for key in ("billed", "not-billed", "review")
        )
        carrier = language._(CARRIER)
    letters = [Letter(s, recipient(s)) for s in bill.statements if s.billed]
    made = make_pdfs(letters, bill.year, issuer, offers)
    pdfs = iter(made)
    try:
        for statement in bill.statements:
            if statement.billed:
                yield statement_file_name(bill.year, statement.member), next(pdfs)
    finally:  # left early (an error, Ctrl-C): the workers, if any, stop now
        close = getattr(made, "close", None)
        if close is not None:
            close()
    del letters, made, pdfs

    def rows() -> Iterator[tuple[object, ...]]:
        """The index's rows, made as they are written (35 000 rows kept while the PDFs
        were made grew the process by some 20 MB)."""
        for statement in bill.statements:
            member = statement.member
            total = csv_amount(statement.total, dialect)
            if statement.billed:
                name = statement_file_name(bill.year, member)
                number = statement_number(bill.year, member)
                yield (
                    member.id,
                    member.name,
                    bill.year,
                    name,
                    total,
                    billed,
                    "",
                    number,
                    day(statement),
                )
            else:  # the carrier does not bill itself: listed for the record, no statement
                yield (member.id, member.name, bill.year, "", total, not_billed, carrier, "", "")
        for review in bill.needs_review:
            reason = say(review.reason)
            yield (
                review.member.id,
                review.member.name,
                bill.year,
                "",
                "",
                review_status,
                reason,
                "",
                "",
            )

    with words():
        header = [language._(heading) for heading in INDEX_HEADINGS] if french else INDEX_COLUMNS
        index = csv_bytes(header, rows(), dialect)
    yield INDEX, index
