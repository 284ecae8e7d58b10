"""The statements folder of a year: one PDF per billed member, and ``index.csv`` listing
every member — with its file and total, or why it has none (needs review, a carrier's
own share). Pure: (file name, bytes) pairs, made one at a time as the CLI writes them
(atomically), so that a run holds one statement's PDF at a time, whatever its size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from servcommun.engine.result import Bill, MemberRef, Statement
from servcommun.render.csv import csv_amount, csv_text
from servcommun.render.documents import slug
from servcommun.render.pdf import Issuer, statement_pdf
from servcommun.render.words import say

INDEX = "index.csv"
INDEX_COLUMNS = ("member_id", "member_name", "year", "file", "total", "status", "reason")
STATUSES = {  # (plain, fr)
    "billed": ("billed", "facturé"),
    "not-billed": ("not billed", "non facturé"),
    "review": ("needs review", "à examiner"),
}


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
    ``make_pdfs``), then ``index.csv`` in ``dialect``."""
    french = dialect == "fr"

    def status(key: str) -> str:
        return STATUSES[key][1 if french else 0]

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
                rows.append((member.id, member.name, bill.year, name, total, status("billed"), ""))
            else:  # the carrier does not bill itself: listed for the record, no statement
                rows.append(
                    (
                        member.id,
                        member.name,
                        bill.year,
                        "",
                        total,
                        status("not-billed"),
                        "part du porteur" if french else "carrier's own share",
                    )
                )
    finally:  # left early (an error, Ctrl-C): the workers, if any, stop now
        close = getattr(made, "close", None)
        if close is not None:
            close()
    for review in bill.needs_review:
        rows.append(
            (
                review.member.id,
                review.member.name,
                bill.year,
                "",
                "",
                status("review"),
                say(review.reason),
            )
        )
    yield INDEX, csv_text(INDEX_COLUMNS, rows, dialect).encode("utf-8")
