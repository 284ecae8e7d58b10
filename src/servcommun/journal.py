"""The journal of the titres issued: ``journal/<service>.yaml`` in the data directory.

Append-only and human-readable: ``servcommun issue`` adds one YAML document per issue
(the year, the titling months or the corrections it issued, the digests of the input
files the titres were computed from, and each titre as issued), and nothing else writes
it. Each entry ends with the digest (SHA-256) of its own text, which holds the digest of
the entry before it (``previous``): an entry edited by hand, removed or moved no longer
matches, and every command reading the journal reports it (``journal-digest``) at its
line and column. The finance team commits the file with its tariffs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from servcommun.diagnostics import Diagnostic, InputError, is_regular, source_line
from servcommun.message import Message, msg
from servcommun.render.amounts import plain

if TYPE_CHECKING:
    from servcommun.config import Config
    from servcommun.titres import Titre

FOLDER = "journal"
MARK = "# servcommun journal"  # the first line of every journal: how a check tells one
DIGEST = "digest: "
PREVIOUS = "previous: "
NONE = "none"


def journal_path(root: Path, service: str) -> Path:
    """Where the journal of ``service`` lives in the data directory ``root``."""
    return root / FOLDER / f"{service}.yaml"


def journal_paths(config: Config) -> list[Path]:
    """The journal of every service of ``config`` (the bundled example has none)."""
    if config.bundled:
        return []
    return [journal_path(config.root, service) for service in config.services]


def is_journal(path: Path) -> bool:
    """Whether ``path`` is a journal (its first line says so), read without YAML."""
    if not is_regular(path):  # a pipe would wait here for a writer
        return False
    try:
        with path.open("rb") as stream:
            return stream.read(len(MARK)) == MARK.encode()
    except OSError:
        return False


@dataclass(frozen=True)
class Entry:
    """One issue: its rank in the journal, kind (``issue`` or ``corrections``), the year
    it titled and its titling months, its titres, its digest, the line it starts at."""

    index: int
    kind: str
    year: int
    months: tuple[str, ...]
    titres: tuple[Titre, ...]
    digest: str
    line: int


@dataclass(frozen=True)
class Journal:
    path: Path
    display: str
    text: str  # "" while nothing is issued
    entries: tuple[Entry, ...] = ()

    @property
    def last_digest(self) -> str:
        return self.entries[-1].digest if self.entries else NONE

    def titres(self) -> list[Titre]:
        """Every titre issued, in the journal's order."""
        return [titre for entry in self.entries for titre in entry.titres]

    def months_issued(self, year: int) -> list[str]:
        """The titling months of ``year`` issued (corrections aside)."""
        months = (
            month
            for entry in self.entries
            if entry.kind == "issue" and entry.year == year
            for month in entry.months
        )
        return sorted(set(months))

    def entry_of(self, year: int, month: str) -> Entry | None:
        """The entry that issued ``month`` of ``year``."""
        return next(
            (e for e in self.entries if e.kind == "issue" and e.year == year and month in e.months),
            None,
        )


def _digest(body: str) -> str:
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def _problem(
    display: str, text: str, line: int, column: int, code: str, message: Message
) -> Diagnostic:
    return Diagnostic(display, line, column, code, message, source_line(text, line))


def read_journal(path: Path, display: str) -> Journal:
    """The journal at ``path`` (empty when there is none yet), its entries checked
    against their digests; an ``InputError`` with every entry that does not match."""
    journal, problems = journal_problems(path, display)
    if problems:
        raise InputError(problems)
    return journal


def journal_problems(path: Path, display: str) -> tuple[Journal, list[Diagnostic]]:
    """The journal at ``path`` and what is wrong with it: an entry whose text no longer
    matches its digest, or that does not follow the entry before it."""
    from servcommun.reader import read_text

    if not path.exists():
        return Journal(path, display, ""), []
    try:
        text = read_text(path, display)
    except InputError as error:
        return Journal(path, display, ""), error.diagnostics
    lines = text.splitlines()
    starts = [number for number, line in enumerate(lines) if line.rstrip() == "---"]
    problems: list[Diagnostic] = []
    entries: list[Entry] = []
    previous = NONE
    for rank, start in enumerate(starts):
        end = starts[rank + 1] if rank + 1 < len(starts) else len(lines)
        chunk = lines[start + 1 : end]
        at = next(
            (i for i in range(len(chunk) - 1, -1, -1) if chunk[i].startswith(DIGEST)),
            None,
        )
        if at is None:
            problems.append(
                _problem(
                    display,
                    text,
                    start + 1,
                    1,
                    "journal-digest",
                    msg(
                        "entry {entry} has no digest: the journal was edited by hand; an "
                        "issued titre never changes: restore the file from version control",
                        entry=rank + 1,
                    ),
                )
            )
            previous = ""
            continue
        body = "".join(f"{line}\n" for line in chunk[:at])
        written = chunk[at][len(DIGEST) :].strip()
        digest_line = start + 1 + at + 1
        if _digest(body) != written:
            problems.append(
                _problem(
                    display,
                    text,
                    digest_line,
                    len(DIGEST) + 1,
                    "journal-digest",
                    msg(
                        "entry {entry} (lines {first}–{last}) no longer matches its digest: it "
                        "was edited by hand; an issued titre never changes: restore the file "
                        "from version control, and title a difference with servcommun issue "
                        "--corrections",
                        entry=rank + 1,
                        first=str(start + 1),
                        last=str(digest_line),
                    ),
                )
            )
            previous = written
            continue
        chained = next((i for i, line in enumerate(chunk[:at]) if line.startswith(PREVIOUS)), None)
        said = chunk[chained][len(PREVIOUS) :].strip() if chained is not None else ""
        if said != previous and previous != "":
            where = start + 1 + (chained if chained is not None else -1) + 1
            problems.append(
                _problem(
                    display,
                    text,
                    where,
                    len(PREVIOUS) + 1 if chained is not None else 1,
                    "journal-digest",
                    msg(
                        "entry {entry} does not follow the entry before it (its 'previous' is "
                        "not that entry's digest): an entry was removed or moved; restore the "
                        "file from version control",
                        entry=rank + 1,
                    ),
                )
            )
        previous = written
        entry = _entry(display, text, body, rank + 1, start + 1, written, problems)
        if entry is not None:
            entries.append(entry)
    return Journal(path, display, text, tuple(entries)), problems


def _entry(
    display: str,
    text: str,
    body: str,
    index: int,
    line: int,
    digest: str,
    problems: list[Diagnostic],
) -> Entry | None:
    """The entry of a document whose digest matches (written by ``issue``: a value that
    cannot be read is a problem at its first line)."""
    from servcommun.reader import parse_yaml

    try:
        data = parse_yaml(body, display).data
        return Entry(
            index=index,
            kind=str(data["kind"]),
            year=int(data["year"]),
            months=tuple(str(month) for month in data.get("months") or ()),
            titres=tuple(titre_from(item) for item in data.get("titres") or ()),
            digest=digest,
            line=line,
        )
    except (InputError, KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
        problems.append(
            _problem(
                display,
                text,
                line,
                1,
                "journal-format",
                msg(
                    "entry {entry} cannot be read as servcommun issue wrote it: restore the "
                    "file from version control",
                    entry=index,
                ),
            )
        )
        return None


# -- writing -------------------------------------------------------------------------------


def header(service: str) -> str:
    """The comment heading a new journal (its first line tells it is one), in the
    language of the documents."""
    from servcommun.render.words import say

    said = say(
        msg(
            "of service {service}: the titres de recettes issued.\n"
            "Written by servcommun issue only, one YAML document per issue. Never edit it: "
            "each entry's digest covers its text and the entry before it (journal-digest).",
            service=service,
        )
    )
    first, *others = said.splitlines()
    return "".join(f"{line}\n" for line in (f"{MARK} {first}", *(f"# {o}" for o in others)))


def entry_text(
    journal: Journal,
    *,
    kind: str,
    service: str,
    year: int,
    months: Sequence[str],
    titres: Iterable[Titre],
    inputs: Sequence[tuple[str, str, str]],
    generator: str,
) -> str:
    """The next entry of ``journal`` as it is appended: ``---``, its YAML, its digest."""
    import yaml

    from servcommun.render.words import say

    _Dumper = _dumper()

    data: dict[str, Any] = {
        "entry": len(journal.entries) + 1,
        "kind": kind,
        "service": service,
        "year": year,
        "months": list(months),
        "generator": generator,
        "inputs": [{"role": role, "path": path, "sha256": sha} for role, path, sha in inputs],
        "titres": [titre_data(titre, say(titre.object)) for titre in titres],
    }
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=4096,  # a value on its line, however long
    )
    body += f"{PREVIOUS}{journal.last_digest}\n"
    return f"---\n{body}{DIGEST}{_digest(body)}\n"


def _dumper() -> Any:
    import yaml

    class Dumper(yaml.SafeDumper):
        """Every value written out where it stands: no anchors and aliases, which the
        journal's reader refuses as any input's (two titres dated the same day share
        their date object)."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    return Dumper


def appended(journal: Journal, service: str, entry: str) -> bytes:
    """The journal's bytes with ``entry`` appended (a new journal with its header)."""
    text = journal.text or header(service)
    if not text.endswith("\n"):
        text += "\n"
    return (text + entry).encode("utf-8")


def titre_data(titre: Titre, object_text: str) -> dict[str, Any]:
    """A titre as its journal entry records it (nothing left out that shows it again)."""
    debtor = titre.debtor
    deliberation = debtor.deliberation
    booking = titre.booking
    data: dict[str, Any] = {
        "number": titre.number,
        "kind": str(titre.kind),
        "exercice": titre.exercice,
        "date": titre.date,
        "year": titre.year,
        "titled": titre.titled,
        "debtor": _present(
            {
                **debtor.identity(),
                "deliberation": (
                    {"body": deliberation.body, "id": deliberation.id, "date": deliberation.date}
                    if deliberation is not None
                    else None
                ),
            }
        ),
        "imputation": _present(
            {
                "nature": booking.nature,
                "chapter": booking.chapter,
                "function": booking.function,
                "analytic": booking.analytic,
                "tax": booking.tax_regime,
                "tax_mention": booking.tax_mention,
                "to_confirm": booking.to_confirm or None,
            }
        ),
        "object": object_text,
        "offers": list(titre.offers),
        "lines": [[code, plain(amount)] for code, amount in titre.lines],
        "amount": plain(titre.amount),
        "tax": plain(titre.tax),
        "total": plain(titre.total),
        "settlement": titre.settlement,
        "attribution_year": titre.attribution_year,
        "attachment": titre.attachment,
        "deliberations": [{"body": d.body, "id": d.id, "date": d.date} for d in titre.deliberations]
        or None,
        "corrects": titre.corrects,
        "before": None if titre.before is None else plain(titre.before),
        "after": None if titre.after is None else plain(titre.after),
        "instalment": titre.instalment,
        "deducted_in": titre.deducted_in,
    }
    return _present(data)


def _present(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def titre_from(data: dict[str, Any]) -> Titre:
    """A titre as the journal recorded it."""
    from servcommun.titres import Booking, Debtor, Deliberation, Titre, TitreKind

    debtor = data["debtor"]
    said = debtor.get("deliberation")
    imputation = data["imputation"]
    text = str(data["object"])
    return Titre(
        kind=TitreKind(data["kind"]),
        number=str(data["number"]),
        exercice=int(data["exercice"]),
        date=_date(data["date"]),
        year=int(data["year"]),
        titled=str(data["titled"]),
        debtor=Debtor(
            id=str(debtor["id"]),
            name=str(debtor["name"]),
            siren=debtor.get("siren"),
            siret=debtor.get("siret"),
            addressee=debtor.get("addressee"),
            address=debtor.get("address"),
            postcode=debtor.get("postcode"),
            city=debtor.get("city"),
            chorus_service=debtor.get("chorus_service"),
            engagement=debtor.get("engagement"),
            deliberation=(
                Deliberation(str(said["body"]), str(said["id"]), _date(said["date"]))
                if said
                else None
            ),
        ),
        booking=Booking(
            nature=str(imputation["nature"]),
            chapter=str(imputation["chapter"]),
            function=str(imputation["function"]),
            analytic=imputation.get("analytic"),
            tax_regime=str(imputation["tax"]),
            tax_mention=str(imputation["tax_mention"]),
            to_confirm=bool(imputation.get("to_confirm", False)),
        ),
        # said as issued: its words are the record's, not the catalogue's
        object=Message(text.replace("{", "{{").replace("}", "}}"), ()),
        offers=tuple(str(offer) for offer in data.get("offers") or ()),
        lines=tuple((str(code), Decimal(str(amount))) for code, amount in data.get("lines") or ()),
        amount=Decimal(str(data["amount"])),
        tax=Decimal(str(data.get("tax", "0"))),
        settlement=str(data["settlement"]),
        attachment=str(data["attachment"]),
        attribution_year=data.get("attribution_year"),
        deliberations=tuple(
            Deliberation(str(d["body"]), str(d["id"]), _date(d["date"]))
            for d in data.get("deliberations") or ()
        ),
        corrects=data.get("corrects"),
        before=Decimal(str(data["before"])) if "before" in data else None,
        after=Decimal(str(data["after"])) if "after" in data else None,
        instalment=int(data["instalment"]) if "instalment" in data else None,
        deducted_in=str(data["deducted_in"]) if "deducted_in" in data else None,
    )


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
