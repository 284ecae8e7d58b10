"""What a bill was computed from: the files (with their SHA-256), the tariff version, the
year and the options, recorded beside the amounts in the workbook and the statements.

Read once the service is loaded; the renderers only print it. Nothing here reads the
clock, so that the same inputs give the same record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from servcommun import __version__
from servcommun.diagnostics import is_regular
from servcommun.message import Message, msg
from servcommun.pipeline import Loaded


@dataclass(frozen=True)
class InputFile:
    role: str  # "tariff", "roster", "budget"
    path: str  # as the user reads it (relative to the working directory when below it)
    sha256: str


@dataclass(frozen=True)
class Inputs:
    service: str
    tariff_title: str
    tariff_valid_from: str
    tariff_valid_until: str | None
    deliberations: tuple[Message, ...]  # said by the renderer, in the document's language
    files: tuple[InputFile, ...]
    year: int
    members: tuple[str, ...]  # the members asked for; () for every member
    generator: str
    notes: tuple[str, ...] = ()


def inputs_of(loaded: Loaded, year: int, members: Sequence[str] = ()) -> Inputs:
    """The record of a loaded service's inputs for ``year`` (hashes the files it names)."""
    tariff = loaded.tariff
    roles = ("tariff", *(_role(loaded, path, year) for path in loaded.files[1:]))
    notes = [note for note in (tariff.note, getattr(loaded.roster, "note", "")) if note]
    return Inputs(
        service=tariff.service,
        tariff_title=tariff.title,
        tariff_valid_from=tariff.valid_from.isoformat(),
        tariff_valid_until=tariff.valid_until.isoformat() if tariff.valid_until else None,
        deliberations=tuple(
            msg(
                "{body}, {id} of {date:date}: {title}",
                body=d.body,
                id=d.id,
                date=d.date,
                title=d.title,
            )
            if d.title
            else msg("{body}, {id} of {date:date}", body=d.body, id=d.id, date=d.date)
            for d in tariff.deliberations
        ),
        files=tuple(
            InputFile(role, path, _sha256(Path(path)))
            for role, path in zip(roles, loaded.files, strict=True)
        ),
        year=year,
        members=tuple(members),
        generator=f"servcommun {__version__}",
        notes=tuple(notes),
    )


def _role(loaded: Loaded, display: str, year: int) -> str:
    """What a file the bill was computed from is to the service."""
    service, path = loaded.service, Path(display).resolve()
    named: dict[str, list[Path | None]] = {
        "roster": [service.roster],
        "index": list(service.indices),
        "consumption": [service.consumption_for(year)],
    }
    return next(
        (
            role
            for role, paths in named.items()
            if any(known is not None and path == known.resolve() for known in paths)
        ),
        "budget",
    )


def _sha256(path: Path) -> str:
    if not is_regular(path):
        return ""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # already read by the loader; a file gone since is not worth failing
        return ""
