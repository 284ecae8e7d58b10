"""The pipeline in one place: read → validate → compute, for a service of the config.

The CLI calls these functions and picks a renderer; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from servcommun.config import Config, Service
from servcommun.diagnostics import Diagnostic, InputError
from servcommun.engine.grid import bill_grid
from servcommun.engine.result import Bill
from servcommun.loader import load_roster, load_tariff
from servcommun.roster import Member, Roster
from servcommun.tariff import GridTariff, SharingTariff

AnyTariff = GridTariff | SharingTariff


@dataclass(frozen=True)
class Loaded:
    """A service's tariff in force for the year, and its roster (contribution grid)."""

    service: Service
    tariff: AnyTariff
    roster: Roster | None
    files: tuple[str, ...]


def load_tariffs(config: Config, service: Service) -> list[tuple[Path, AnyTariff]]:
    """Every tariff version of the service; all files are read so that all problems show."""
    loaded: list[tuple[Path, AnyTariff]] = []
    problems: list[Diagnostic] = []
    for path in service.tariffs:
        try:
            loaded.append((path, load_tariff(path, config.display(path))))
        except InputError as error:
            problems.extend(error.diagnostics)
    if problems:
        raise InputError(problems)
    return loaded


def tariff_for_year(config: Config, service: Service, year: int) -> tuple[Path, AnyTariff]:
    """The one tariff version in force during ``year`` (versions of a service never overlap)."""
    versions = load_tariffs(config, service)
    covering = [(path, tariff) for path, tariff in versions if tariff.covers(year)]
    if len(covering) == 1:
        return covering[0]
    where = config.display(service.tariffs[0])
    if not covering:
        periods = "; ".join(f"{config.display(p)}: {t.valid_from} → {t.valid_until or 'open'}"
                            for p, t in versions)
        raise InputError([Diagnostic(where, 1, 1, "no-tariff",
                                     f"no tariff of service '{service.id}' is in force in "
                                     f"{year} ({periods})")])
    names = ", ".join(f"{config.display(p)} (from {t.valid_from})" for p, t in covering)
    raise InputError([Diagnostic(where, 1, 1, "tariff-change",
                                 f"{year} is covered by several tariff versions: {names}; "
                                 "billing a year split between versions is not supported")])


def load_service(config: Config, service_name: str | None, year: int) -> Loaded:
    service = config.service(service_name)
    path, tariff = tariff_for_year(config, service, year)
    roster = None
    files = [config.display(path)]
    if isinstance(tariff, GridTariff):
        if service.roster is None:
            raise InputError([Diagnostic(config.display(config.path), 1, 1, "config",
                                         f"service '{service.id}' names no roster")])
        roster = load_roster(service.roster, tariff, config.display(service.roster))
        files.append(config.display(service.roster))
    return Loaded(service, tariff, roster, tuple(files))


def select_members(roster: Roster, ids: Sequence[str], file: str) -> list[Member]:
    """The roster's members, or only those named (each must exist)."""
    if not ids:
        return list(roster.members)
    by_id = {member.id: member for member in roster.members}
    missing = [member_id for member_id in ids if member_id not in by_id]
    if missing:
        raise InputError([Diagnostic(file, 1, 1, "unknown-member",
                                     f"no member {', '.join(missing)} in the roster")])
    return [by_id[member_id] for member_id in ids]


def only_members(bill: Bill, members: Sequence[Member]) -> Bill:
    wanted = {member.id for member in members}
    if len(wanted) == len(bill.statements) + len(bill.needs_review):
        return bill
    return replace(bill,
                   statements=tuple(s for s in bill.statements if s.member.id in wanted),
                   needs_review=tuple(r for r in bill.needs_review if r.member.id in wanted))


def bill(loaded: Loaded, year: int, member_ids: Sequence[str] = ()) -> Bill:
    """The year's bill of a loaded service (the engine does the computing)."""
    tariff = loaded.tariff
    if isinstance(tariff, GridTariff):
        assert loaded.roster is not None
        # the whole roster is billed so that the staffing summary speaks of the service;
        # --member only narrows what is shown
        whole = bill_grid(tariff, loaded.roster.members, year)
        return only_members(whole, select_members(loaded.roster, member_ids, loaded.files[-1]))
    raise InputError([Diagnostic(loaded.files[0], 1, 1, "not-supported",
                                 "cost-sharing services are not billed by this version")])


def today() -> dt.date:
    """The clock, read here and only here (the engine never reads it)."""
    return dt.date.today()
