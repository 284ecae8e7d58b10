"""The titres de recettes of a year, for the accounting office: CSV (one row a titre, a
produit à rattacher or a member without a titre, told by ``kind``), JSON, XLSX (a sheet
each); and what ``bill`` shows of the issued figures.

The plain CSV's columns are stable English names (``COLUMNS``, documented in the
README); the French dialect's headers and words are the catalogue's, in the document's
language. Files written from an example say so on every row (``note``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from servcommun import language
from servcommun.language import N_, _
from servcommun.message import Message, msg, msg_n
from servcommun.render.amounts import plain
from servcommun.render.csv import csv_amount, csv_text
from servcommun.render.words import say
from servcommun.titres import REVENUE_TITLE, Deliberation, Titre, TitreKind, TitreList, Unbilled

if TYPE_CHECKING:
    from servcommun.identity import Issuer
    from servcommun.issuance import IssuedYear

EXAMPLE = N_("EXAMPLE — illustrative data")
TO_CONFIRM = N_("assumption to confirm with the public accountant")

COLUMNS: tuple[tuple[str, str], ...] = (
    ("kind", N_("Kind")),
    ("status", N_("Status")),
    ("number", N_("Number")),
    ("exercice", N_("Financial year")),
    ("date", N_("Date of issue")),
    ("year", N_("Year billed")),
    ("titled", N_("Titling month")),
    ("debtor_id", N_("Debtor id")),
    ("debtor_name", N_("Debtor")),
    ("siren", N_("SIREN")),
    ("siret", N_("SIRET")),
    ("addressee", N_("Addressee")),
    ("address", N_("Address")),
    ("postcode", N_("Post code")),
    ("city", N_("City")),
    ("chorus_service", N_("Chorus Pro service code")),
    ("engagement", N_("Engagement number")),
    ("object", N_("Object")),
    ("nature", N_("Nature account")),
    ("chapter", N_("Chapter")),
    ("function", N_("Function")),
    ("analytic", N_("Analytic code")),
    ("amount_ht", N_("Amount excluding tax")),
    ("tax", N_("VAT")),
    ("amount_ttc", N_("Amount including tax")),
    ("tax_mention", N_("Tax mention")),
    ("settlement", N_("Settlement")),
    ("attribution_year", N_("Attribution de compensation of")),
    ("deliberation", N_("Deliberation")),
    ("member_deliberation", N_("Member's deliberation")),
    ("attachment", N_("Supporting document")),
    ("corrects", N_("Titre corrected")),
    ("issued_before", N_("Figure issued before")),
    ("issued_after", N_("Figure after")),
    ("lines", N_("Lines")),
    ("imputation_note", N_("Imputation note")),
    ("reason", N_("Reason")),
    ("note", N_("Note")),
)
"""The columns of ``servcommun titres --format csv``: (plain name, French dialect heading)."""

KINDS = {  # a row's kind: (plain, heading of the French dialect)
    TitreKind.TITRE: ("titre", N_("revenue title")),
    TitreKind.COMPLEMENTARY: ("complementary", N_("complementary title")),
    TitreKind.REDUCTION: ("reduction", N_("reduction")),
    TitreKind.ANNULATION: ("annulation", N_("annulation")),
    TitreKind.ADVANCE: ("advance", N_("advance")),
    TitreKind.BALANCE: ("balance", N_("final statement balance")),
    "settled": ("settled", N_("final statement settled")),
    "accrual": ("accrual", N_("accrual")),
    "review": ("review", N_("needs review")),
}
STATUSES = {
    "to-issue": N_("to issue"),
    "issued": N_("issued"),
    "needs-review": N_("needs review"),
    "nothing-to-issue": N_("nothing to issue"),
}


def _word(plain_word: str, heading: str, french: bool) -> str:
    return _(heading) if french else plain_word


def _date(day: dt.date, french: bool) -> str:
    return day.strftime("%d/%m/%Y") if french else day.isoformat()


def deliberation_text(deliberation: Deliberation) -> str:
    """« Conseil municipal de Redon, 2023-076 du 05/10/2023 »."""
    return say(
        msg(
            "{body}, {id} of {date:date}",
            body=deliberation.body,
            id=deliberation.id,
            date=deliberation.date,
        )
    )


def settlement_text(titre: Titre, french: bool) -> str:
    if not french:
        return titre.settlement
    if titre.settlement == REVENUE_TITLE:
        return _("payable to the public accountant")
    if titre.attribution_year is not None:
        return say(
            msg(
                "deducted from the attribution de compensation of {year:year}",
                year=titre.attribution_year,
            )
        )
    return _("deducted from the attribution de compensation")


def _lines_text(titre: Titre, dialect: str) -> str:
    return "; ".join(f"{code} {csv_amount(amount, dialect)}" for code, amount in titre.lines)


def _titre_row(
    titre: Titre, kind: str, status: str, dialect: str, example: str, *, exercice: int | None = None
) -> dict[str, str]:
    french = dialect == "fr"
    debtor = titre.debtor
    booking = titre.booking
    words = KINDS[kind]
    corrected = titre.kind is not TitreKind.TITRE or titre.before is not None

    def amount(value: Decimal | None) -> str:
        return "" if value is None else csv_amount(value, dialect)

    return {
        "kind": _word(words[0], words[1], french),
        "status": _(STATUSES[status]) if french else status,
        "number": titre.number,
        "exercice": str(exercice if exercice is not None else titre.exercice),
        "date": _date(titre.date, french),
        "year": str(titre.year),
        "titled": titre.titled,
        "debtor_id": debtor.id,
        "debtor_name": debtor.name,
        "siren": debtor.siren or "",
        "siret": debtor.siret or "",
        "addressee": debtor.addressee or "",
        "address": debtor.address or "",
        "postcode": debtor.postcode or "",
        "city": debtor.city or "",
        "chorus_service": debtor.chorus_service or "",
        "engagement": debtor.engagement or "",
        "object": say(titre.object),
        "nature": booking.nature,
        "chapter": booking.chapter,
        "function": booking.function,
        "analytic": booking.analytic or "",
        "amount_ht": amount(titre.amount),
        "tax": amount(titre.tax),
        "amount_ttc": amount(titre.total),
        "tax_mention": booking.tax_mention,
        "settlement": settlement_text(titre, french),
        "attribution_year": "" if titre.attribution_year is None else str(titre.attribution_year),
        "deliberation": "; ".join(deliberation_text(d) for d in titre.deliberations),
        "member_deliberation": (
            deliberation_text(debtor.deliberation) if debtor.deliberation else ""
        ),
        "attachment": titre.attachment,
        "corrects": titre.corrects or "",
        "issued_before": amount(titre.before) if corrected else "",
        "issued_after": amount(titre.after) if corrected else "",
        "lines": _lines_text(titre, dialect),
        "imputation_note": _(TO_CONFIRM) if booking.to_confirm else "",
        "reason": "",
        "note": example,
    }


def _review_row(
    unbilled: Unbilled,
    year: int,
    dialect: str,
    example: str,
    kind: str = "review",
    status: str = "needs-review",
) -> dict[str, str]:
    french = dialect == "fr"
    row = dict.fromkeys((name for name, _heading in COLUMNS), "")
    row.update(
        {
            "kind": _word(*KINDS[kind], french),
            "status": _(STATUSES[status]) if french else status,
            "year": str(year),
            "titled": unbilled.titled,
            "debtor_id": unbilled.member.id,
            "debtor_name": unbilled.member.name,
            "reason": say(unbilled.reason),
            "note": example,
        }
    )
    return row


def _rows(titres: TitreList, dialect: str) -> Iterator[dict[str, str]]:
    example = _(EXAMPLE) if titres.example else ""
    for titre in titres.issued:
        yield _titre_row(titre, titre.kind, "issued", dialect, example)
    for titre in titres.titres:
        yield _titre_row(titre, titre.kind, "to-issue", dialect, example)
    if not titres.corrections:
        for titre in titres.accruals:
            status = "issued" if titre in titres.issued else "to-issue"
            yield _titre_row(titre, "accrual", status, dialect, example, exercice=titres.year)
    for unbilled in titres.unbilled:
        yield _review_row(unbilled, titres.year, dialect, example)
    for settled in titres.settled:  # a final statement leaving nothing to issue
        yield _review_row(settled, titres.year, dialect, example, "settled", "nothing-to-issue")


def titres_csv(titres: TitreList, dialect: str = "plain", locale: str = "fr_FR") -> str:
    """The titres, the produits à rattacher (``kind`` ``accrual``, ``exercice`` the year
    they belong to) and the members without a titre (``review``, with the ``reason``),
    a row each. The French dialect is a document: it speaks the tariff's ``locale``
    unless ``--lang`` was given (``language.document_language``)."""
    names = [name for name, _heading in COLUMNS]
    if dialect != "fr":
        return csv_text(names, ([row[n] for n in names] for row in _rows(titres, dialect)))
    with language.speaking(language.document_language(locale)):
        header = [_(heading) for _name, heading in COLUMNS]
        rows = [[row[n] for n in names] for row in _rows(titres, dialect)]
        return csv_text(header, rows, dialect)


# -- JSON ---------------------------------------------------------------------------------


def titre_json(titre: Titre) -> dict[str, Any]:
    debtor, booking = titre.debtor, titre.booking
    data: dict[str, Any] = {
        "kind": str(titre.kind),
        "number": titre.number,
        "exercice": titre.exercice,
        "date": titre.date.isoformat(),
        "year": titre.year,
        "titled": titre.titled,
        "debtor": {
            **debtor.identity(),
            "deliberation": (
                deliberation_text(debtor.deliberation) if debtor.deliberation else None
            ),
        },
        "object": say(titre.object),
        "offers": list(titre.offers),
        "imputation": {
            "nature": booking.nature,
            "chapter": booking.chapter,
            "function": booking.function,
            "analytic": booking.analytic,
            "tax_regime": booking.tax_regime,
            "tax_mention": booking.tax_mention,
            "to_confirm": booking.to_confirm,
        },
        "amount_ht": plain(titre.amount),
        "tax": plain(titre.tax),
        "amount_ttc": plain(titre.total),
        "settlement": {"mode": titre.settlement, "attribution_year": titre.attribution_year},
        "deliberations": [deliberation_text(d) for d in titre.deliberations],
        "attachment": titre.attachment,
        "lines": [{"code": code, "amount": plain(amount)} for code, amount in titre.lines],
    }
    if titre.instalment is not None:
        data["instalment"] = titre.instalment
        data["deducted_in"] = titre.deducted_in
    if titre.corrects is not None or titre.before is not None:
        data["corrects"] = titre.corrects
        data["issued_before"] = None if titre.before is None else plain(titre.before)
        data["issued_after"] = None if titre.after is None else plain(titre.after)
    return data


def issuer_json(issuer: Issuer | None) -> dict[str, Any] | None:
    if issuer is None:
        return None
    return {
        "name": issuer.name,
        "siren": issuer.siren_number,
        "siret": issuer.siret,
        "address": issuer.address.one_line(),
        "place": issuer.place,
        "ordonnateur": {"title": issuer.ordonnateur.title, "name": issuer.ordonnateur.name},
        "comptable": issuer.comptable.name,
        "payment_terms": issuer.payment_terms,
        "appeal": {
            "court": issuer.appeal.court,
            "months": issuer.appeal.months,
            "article": issuer.appeal.article,
        },
    }


def titres_json(
    titres: TitreList, service: str, currency: str, issuer: Issuer | None
) -> dict[str, Any]:
    """The titres (``titres``: those issued first, then those to issue, each with its
    ``status``), the produits à rattacher (``accruals``) and the members without a titre
    (``needs_review``)."""
    listed = [{**titre_json(t), "status": "issued"} for t in titres.issued] + [
        {**titre_json(t), "status": "to-issue"} for t in titres.titres
    ]
    data: dict[str, Any] = {
        "service": service,
        "year": titres.year,
        "currency": currency,
        "corrections": titres.corrections,
        "example": _(EXAMPLE) if titres.example else None,
        "issuer": issuer_json(issuer),
        "months_issued": list(titres.months_issued),
        "titres": listed,
        "needs_review": [
            {
                "member": {"id": u.member.id, "name": u.member.name},
                "titled": u.titled or None,
                "reason": say(u.reason),
            }
            for u in titres.unbilled
        ],
        "total": plain(titres.total),
    }
    if titres.settled or titres.notes:
        data["settled"] = [
            {
                "member": {"id": u.member.id, "name": u.member.name},
                "titled": u.titled or None,
                "reason": say(u.reason),
            }
            for u in titres.settled
        ]
        data["notes"] = [say(note) for note in titres.notes]
    if not titres.corrections:
        data["accruals"] = [
            {
                "exercice": titres.year,
                "number": t.number,
                "titled": t.titled,
                "debtor": {"id": t.debtor.id, "name": t.debtor.name},
                "nature": t.booking.nature,
                "chapter": t.booking.chapter,
                "function": t.booking.function,
                "amount": plain(t.total),
            }
            for t in titres.accruals
        ]
        data["accruals_total"] = plain(sum((t.total for t in titres.accruals), Decimal(0)))
    return data


# -- XLSX ---------------------------------------------------------------------------------

_SHEETS = (N_("Titres"), N_("Accruals"), N_("Needs review"))
_AMOUNTS = {"amount_ht", "tax", "amount_ttc", "issued_before", "issued_after"}


def titres_xlsx(titres: TitreList, locale: str = "fr_FR") -> bytes:
    """A workbook: the titres, the produits à rattacher, the members without a titre,
    each on its sheet, headed by the catalogue's words (amounts as numbers) in the
    document's language; the example's mark on top of each sheet. Byte-identical for the
    same inputs (dated 31 December of the billed year)."""
    with language.speaking(language.document_language(locale)):
        return _workbook(titres)


def _workbook(titres: TitreList) -> bytes:
    import xlsxwriter  # type: ignore[import-untyped]

    from servcommun.render.documents import document_datetime
    from servcommun.render.xlsx import Sheet

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties(
        {"title": f"Titres {titres.year}", "created": document_datetime(titres.year)}
    )
    header = workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#E7E6E6"})
    money = workbook.add_format({"num_format": '#,##0.00 "€"'})
    mark = workbook.add_format({"bold": True, "font_color": "#C00000"})
    example = _(EXAMPLE) if titres.example else ""
    plain_rows = list(_rows(titres, "plain"))
    said_rows = list(_rows(titres, "fr"))  # the words of the document's language
    groups: dict[str, list[tuple[dict[str, str], dict[str, str]]]] = {
        "titres": [],
        "accrual": [],
        "review": [],
    }
    for plain_row, said in zip(plain_rows, said_rows, strict=True):
        kind = plain_row["kind"]
        groups[kind if kind in ("accrual", "review") else "titres"].append((plain_row, said))
    names = [name for name, _heading in COLUMNS]
    for title, key in zip(_SHEETS, ("titres", "accrual", "review"), strict=True):
        if key == "accrual" and titres.corrections:
            continue
        sheet = workbook.add_worksheet(_(title)[:31], Sheet)
        top = 0
        if example:
            sheet.write_string(0, 0, example, mark)
            top = 1
        for column, (_name, heading) in enumerate(COLUMNS):
            sheet.write_string(top, column, _(heading), header)
            sheet.set_column(column, column, 14)
        sheet.freeze_panes(top + 1, 0)
        for offset, (plain_row, said) in enumerate(groups[key], start=top + 1):
            for column, name in enumerate(names):
                if name in _AMOUNTS and plain_row[name]:
                    sheet.write_number(offset, column, Decimal(plain_row[name]), money)
                elif name in ("exercice", "year") and plain_row[name]:
                    sheet.write_number(offset, column, int(plain_row[name]))
                elif said[name]:
                    sheet.write_string(offset, column, said[name])
    workbook.close()
    return buffer.getvalue()


# -- what the stderr and bill say ---------------------------------------------------------


def titres_summary(titres: TitreList) -> str:
    """« 45 titres to issue, 123 456,78 € »."""
    amount = sum((t.total for t in titres.titres), Decimal(0))
    return say(
        msg_n(
            "{count:count} titre to issue, {amount:amount}",
            "{count:count} titres to issue, {amount:amount}",
            n="count",
            count=len(titres.titres),
            amount=amount,
        )
    )


def issued_json(view: IssuedYear) -> dict[str, Any]:
    """The ``issued`` key of ``bill --format json``: the months issued, their titres,
    and each member whose figure differs from the one issued."""
    return {
        "journal": view.journal,
        "months": list(view.months),
        "titres": view.titres,
        "issued_total": plain(view.issued),
        "current_total": plain(view.current),
        "changed": [
            {
                "member": {"id": m.member.id, "name": m.member.name},
                "issued": plain(m.issued),
                "current": None if m.current is None else plain(m.current),
                "difference": None if m.difference is None else plain(m.difference),
                "months": [
                    {"titled": month, "issued": plain(before), "current": plain(now)}
                    for month, before, now in m.months
                ],
            }
            for m in view.members
        ],
    }


def issued_lines(view: IssuedYear) -> list[str]:
    """What the bill's table says below it of the issued months: one line, and a line
    for each member whose figure changed since."""
    head = msg_n(
        "Issued ({journal}): {months}, {titres:count} titre, {issued:amount}.",
        "Issued ({journal}): {months}, {titres:count} titres, {issued:amount}.",
        n="titres",
        journal=view.journal,
        months=", ".join(view.months),
        titres=view.titres,
        issued=view.issued,
    )
    lines = [say(head)]
    if not view.members:
        lines.append(_("The current figures are those issued."))
        return lines
    lines.append(
        say(
            msg_n(
                "{count:count} member's figure changed since (servcommun titres --corrections):",
                "{count:count} members' figures changed since (servcommun titres --corrections):",
                n="count",
                count=len(view.members),
            )
        )
    )
    for member in view.members:
        if member.current is None:
            said = msg(
                "  {id} {name}: issued {issued:amount}, now needs review",
                id=member.member.id,
                name=member.member.name,
                issued=member.issued,
            )
        else:
            said = msg(
                "  {id} {name}: issued {issued:amount}, now {current:amount} "
                "({difference:amount}; {months})",
                id=member.member.id,
                name=member.member.name,
                issued=member.issued,
                current=member.current,
                difference=member.difference,
                months=tuple(_moved(month, now - before) for month, before, now in member.months),
            )
        lines.append(say(said))
    return lines


def _moved(month: str, difference: Decimal) -> Message:
    """« 2027-01 : 228,00 € »: what changed in one titling month."""
    return msg("{month}: {difference:amount}", month=month, difference=difference)
