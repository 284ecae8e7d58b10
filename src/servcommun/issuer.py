"""The issuer of a service, as ``servcommun.toml`` writes it (``[services.<id>.issuer]``):
validated into ``identity.Issuer`` when a command needs it (titres, the journal, check),
each problem at its line and column of the file.

``servcommun.toml`` is parsed on every run, before anything else and without Pydantic
(``config``): its issuer table is kept as written, and validated here.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from servcommun.config import Config, Service, _Reading
from servcommun.diagnostics import Diagnostic, InputError

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from servcommun.identity import Issuer


@cache
def _adapter() -> TypeAdapter[Any]:
    from pydantic import TypeAdapter

    from servcommun.identity import Issuer

    return TypeAdapter(Issuer)


def issuer_problems(config: Config, service: Service) -> tuple[Issuer | None, list[Diagnostic]]:
    """The issuer of ``service`` (None when its table says none) and the problems of its
    table, placed in ``servcommun.toml``."""
    if service.issuer is None:
        return None, []
    from servcommun.loader import validate
    from servcommun.reader import Document

    name = config.display(config.path)
    text = config.path.read_text(encoding="utf-8-sig")  # read as UTF-8 by config already
    reading = _Reading(config.path, name, text, config.bundled)
    table = ("services", service.id, "issuer")

    def below(places: dict[tuple[str, ...], tuple[int, int]]) -> dict[Any, tuple[int, int]]:
        return {key[len(table) :]: at for key, at in places.items() if key[: len(table)] == table}

    positions = below(reading.values)
    positions.setdefault((), reading.keys.get(table, (1, 1)))
    doc = Document(name, text, service.issuer, positions, below(reading.keys))
    issuer, problems = validate(doc, _adapter())
    return issuer, problems


def load_issuer(config: Config, service: Service) -> Issuer | None:
    """The issuer of ``service``, or None if ``servcommun.toml`` names none; an
    ``InputError`` with every problem of its table."""
    issuer, problems = issuer_problems(config, service)
    if problems:
        raise InputError(problems)
    return issuer


def config_issuer_problems(config: Config | None) -> list[Diagnostic]:
    """For ``check``: the problems of every issuer table of ``servcommun.toml``."""
    if config is None or config.bundled:
        return []
    return [p for service in config.services.values() for p in issuer_problems(config, service)[1]]
