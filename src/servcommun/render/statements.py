"""The statements folder of a year: one PDF per billed member, and ``index.csv`` listing
every member — with its file and total, or why it has none (needs review, a carrier's
own share). Pure: (file name, bytes) pairs, made one at a time as the CLI writes them
(atomically), so that a run holds one statement's PDF at a time, whatever its size.

The statements and the French index speak the tariff locale's language unless
``--lang`` was given; the plain index keeps its column names and status words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext

from servcommun import language
from servcommun.engine.result import Bill, MemberRef, Statement
from servcommun.language import N_
from servcommun.render.csv import CARRIER, STATUSES, csv_amount, csv_text
from servcommun.render.documents import slug
from servcommun.render.pdf import Issuer, statement_pdf
from servcommun.render.words import say

INDEX = "index.csv"
INDEX_COLUMNS = ("member_id", "member_name", "year", "file", "total", "status", "reason")
INDEX_HEADINGS = (  # the French dialect's headings, said in the document's language
    N_("Member id"),
    N_("Member name"),
    N_("Financial year"),
    N_("File"),
    N_("Total"),
    N_("Status"),
    N_("Reason"),
)


def statement_file_name(year: int, member: MemberRef) -> str:
    """``2026-35236-redon.pdf``: sorts by year then id; the id keeps names unique."""
    return f"{year}-{slug(member.id)}-{slug(member.name)}.pdf"


def statement_count(bill: Bill) -> int:
    """How many PDFs ``statement_files`` makes: one per billed member."""
    return sum(1 for statement in bill.statements if statement.billed)


MakePdfs = Callable[[Sequence[Statement], int, Issuer, Mapping[str, str]], Iterable[bytes]]
"""What makes the PDFs of statements, in their order (one by one, or by workers)."""


def one_by_one(
    statements: Sequence[Statement], year: int, issuer: Issuer, offers: Mapping[str, str]
) -> Iterator[bytes]:
    for statement in statements:
        yield statement_pdf(statement, year, issuer, offers)


def statement_files(
    bill: Bill,
    issuer: Issuer,
    offers: Mapping[str, str],
    dialect: str = "fr",
    make_pdfs: MakePdfs = one_by_one,
) -> Iterator[tuple[str, bytes]]:
    """Every file of the folder, as it is made: the members' PDFs (made by
    ``make_pdfs``, in the language the issuer's tariff or ``--lang`` asks for), then
    ``index.csv`` in ``dialect``."""
    french = dialect == "fr"
    issuer = issuer.speaking_in()  # settled here, for the workers too
    spoken = issuer.spoken()

    def words() -> AbstractContextManager[None]:
        """The French index speaks the statements' language; the plain one the
        interface's, its status words those of a program."""
        return language.speaking(spoken) if french else nullcontext()

    with words():
        billed, not_billed, review_status = (
            language._(STATUSES[key]) if french else STATUSES[key]
            for key in ("billed", "not-billed", "review")
        )
        carrier = language._(CARRIER)
    rows: list[tuple[object, ...]] = []
    made = make_pdfs([s for s in bill.statements if s.billed], bill.year, issuer, offers)
    pdfs = iter(made)
    try:
        for statement in bill.statements:
            member = statement.member
            total = csv_amount(statement.total, dialect)
            if statement.billed:
                name = statement_file_name(bill.year, member)
                yield name, next(pdfs)
                rows.append((member.id, member.name, bill.year, name, total, billed, ""))
            else:  # the carrier does not bill itself: listed for the record, no statement
                rows.append((member.id, member.name, bill.year, "", total, not_billed, carrier))
    finally:  # left early (an error, Ctrl-C): the workers, if any, stop now
        close = getattr(made, "close", None)
        if close is not None:
            close()
    with words():
        for review in bill.needs_review:
            rows.append(
                (
                    review.member.id,
                    review.member.name,
                    bill.year,
                    "",
                    "",
                    review_status,
                    say(review.reason),
                )
            )
        header = [language._(heading) for heading in INDEX_HEADINGS] if french else INDEX_COLUMNS
    yield INDEX, csv_text(header, rows, dialect).encode("utf-8")
