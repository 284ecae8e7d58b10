"""Checks of identities and imputations: a SIRET is an establishment of the SIREN written
beside it; every offer that bills states its accounting imputation when the service
issues titres de recettes. Small pure functions, as those of ``checks``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from servcommun.config import Config
from servcommun.diagnostics import Diagnostic, source_line
from servcommun.message import Message, msg
from servcommun.reader import Document, Path_
from servcommun.roster import Roster
from servcommun.tariff import Tariff


def located(doc: Document, path: Path_, code: str, message: Message) -> Diagnostic:
    """A problem at the value of ``path`` in ``doc``, with its line quoted."""
    line, column = doc.position(path)
    return Diagnostic(doc.file, line, column, code, message, source_line(doc.text, line))


def _siret_siren(
    doc: Document, here: Path_, siren: str | None, siret: str | None
) -> Iterator[Diagnostic]:
    if siren is not None and siret is not None and not siret.startswith(siren):
        yield located(
            doc,
            (*here, "siret"),
            "siret-siren",
            msg(
                "SIRET {siret} is not an establishment of SIREN {siren}: a SIRET begins with "
                "its SIREN",
                siret=siret,
                siren=siren,
            ),
        )


def member_identities(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    """Each member's SIRET begins with its SIREN (a roster check)."""
    for index, member in enumerate(roster.members):
        yield from _siret_siren(doc, ("members", index), member.siren, member.siret)


def party_identities(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Each party's SIRET begins with its SIREN (a tariff check)."""
    for index, party in enumerate(tariff.parties):
        yield from _siret_siren(doc, ("parties", index), party.siren, party.siret)


def imputation_problems(
    doc: Document, tariff: Tariff, *, required: bool, offers: Collection[str] | None = None
) -> Iterator[Diagnostic]:
    """Every offer that bills has its imputation, when titres are issued from the tariff
    (``required``: its service has an issuer; ``offers``: those that bill, by default
    every offer): a titre is booked to an account, and a guessed one would be booked
    wrong. Nothing is said of a service that issues none (its bill stands without)."""
    if not required:
        return
    for index, offer in enumerate(tariff.offers):
        if offer.imputation is None and (offers is None or offer.id in offers):
            yield located(
                doc,
                ("offers", index, "id"),
                "imputation-missing",
                msg(
                    "offer '{offer}' has no imputation, and titres de recettes are issued "
                    'for it: add \'imputation: {{nature: "70875", chapter: "70", '
                    'function: "020", tax: {{mention: …, article: …}}, article: …}}\' '
                    "(the M57 account its revenue is booked to, to confirm with the "
                    "comptable public)",
                    offer=offer.id,
                ),
            )


def imputations_required(
    doc: Document | None, tariff: Tariff | None, config: Config | None, service: str | None
) -> list[Diagnostic]:
    """For ``check``: the offers of a tariff without an imputation, when its service
    issues titres (``servcommun.toml`` gives it an issuer)."""
    if doc is None or tariff is None or config is None:
        return []
    named = config.services.get(service or tariff.service)
    if named is None or named.issuer is None:
        return []
    return list(imputation_problems(doc, tariff, required=True))
