"""The pipeline in one place: read → validate → compute, for a service of the config.

The CLI calls these functions and picks a renderer; nothing here prints. A year's bill
is asked of ``billing``, which keeps it once computed here; what analysts run on top of
the pipeline (simulate, thresholds, diff, key derivation) is in ``analysis``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from servcommun import cache
from servcommun.billing import service_inputs
from servcommun.budget import Budget
from servcommun.config import Config, Service
from servcommun.diagnostics import Diagnostic, InputError
from servcommun.engine.bill import bill_members, budget_data
from servcommun.engine.context import NO_DATA, ServiceData
from servcommun.engine.parties import party_roster
from servcommun.engine.result import Bill
from servcommun.roster import Roster
from servcommun.tariff import Tariff


@dataclass(frozen=True)
class Loaded:
    """A service's tariff in force for the year, its members (a roster, or the parties its
    tariff names) and the figures its rules refer to beyond them (indices, the budget)."""

    service: Service
    tariff: Tariff
    roster: Roster | None
    files: tuple[str, ...]
    budget: Budget | None = None  # the year's budget, when the tariff takes one
    data: ServiceData = NO_DATA


def load_tariffs(config: Config, service: Service) -> list[tuple[Path, Tariff]]:
    """Every tariff version of the service; all files are read so that all problems show."""
    # the loader (YAML, checks) is imported when files are read, not on a cached run
    from servcommun.loader import load_tariff

    loaded: list[tuple[Path, Tariff]] = []
    problems: list[Diagnostic] = []
    for path in service.tariffs:
        try:
            loaded.append((path, load_tariff(path, config.display(path))))
        except InputError as error:
            problems.extend(error.diagnostics)
    if problems:
        raise InputError(problems)
    return loaded


def tariff_for_year(config: Config, service: Service, year: int) -> tuple[Path, Tariff]:
    """The one tariff version in force during ``year`` (versions of a service never overlap)."""
    versions = load_tariffs(config, service)
    covering = [(path, tariff) for path, tariff in versions if tariff.covers(year)]
    if len(covering) == 1:
        return covering[0]
    where = config.display(service.tariffs[0])
    if not covering:
        periods = "; ".join(
            f"{config.display(p)}: {t.valid_from} → {t.valid_until or 'open'}" for p, t in versions
        )
        raise InputError(
            [
                Diagnostic(
                    where,
                    1,
                    1,
                    "no-tariff",
                    f"no tariff of service '{service.id}' is in force in {year} ({periods})",
                )
            ]
        )
    names = ", ".join(f"{config.display(p)} (from {t.valid_from})" for p, t in covering)
    raise InputError(
        [
            Diagnostic(
                where,
                1,
                1,
                "tariff-change",
                f"{year} is covered by several tariff versions: {names}; "
                "billing a year split between versions is not supported",
            )
        ]
    )


def load_service(
    config: Config, service_name: str | None, year: int, inputs: list[str] | None = None
) -> Loaded:
    """The service's inputs for ``year``, read and checked; from the cache when none of
    the files they may come from has changed by a byte since they last passed.
    ``inputs``: their ``billing.service_inputs``, when the caller has already read them
    (each file is then read for its digest once)."""
    service = config.service(service_name)

    def read_and_check() -> Loaded:
        path, tariff = tariff_for_year(config, service, year)
        roster, files = service_roster(config, service, tariff)
        roster, data, more = service_data(config, service, tariff, roster, year)
        return Loaded(
            service,
            tariff,
            roster,
            (config.display(path), *files, *more),
            budget=data.budgets.get(year),
            data=data,
        )

    if inputs is None:
        inputs = service_inputs(config, service, year)
    return cache.cached("service", inputs, read_and_check)


def service_roster(config: Config, service: Service, tariff: Tariff) -> tuple[Roster, list[str]]:
    """The members a tariff bills: the parties it names, or the service's roster (read and
    checked against it); and the files read."""
    from servcommun.loader import load_roster

    if tariff.parties:
        if service.roster is not None:
            raise InputError(
                [
                    Diagnostic(
                        config.display(config.path),
                        1,
                        1,
                        "config",
                        f"the tariff of service '{service.id}' names its "
                        "parties: they are its members, remove its 'roster'",
                    )
                ]
            )
        return party_roster(tariff), []
    if service.roster is None:
        raise InputError(
            [
                Diagnostic(
                    config.display(config.path),
                    1,
                    1,
                    "config",
                    f"service '{service.id}' names no roster",
                )
            ]
        )
    return (
        load_roster(service.roster, tariff, config.display(service.roster)),
        [config.display(service.roster)],
    )


def service_data(
    config: Config, service: Service, tariff: Tariff, roster: Roster, year: int
) -> tuple[Roster, ServiceData, list[str]]:
    """What a bill needs besides its roster: the year's consumption file merged into the
    roster (its acts billed by the unit-price parts), the index files of the indexed
    parts, the year's budget (its lines, total and units of operation) for the rules
    taking it; and the files read."""
    from servcommun.loader import load_budget, load_consumption, load_index, with_consumption

    files: list[str] = []
    path = service.consumption_for(year)
    if path is not None:
        if not path.is_file():
            pattern = config.display(Path(service.consumption or ""))
            raise InputError(
                [
                    Diagnostic(
                        config.display(path),
                        1,
                        1,
                        "no-consumption",
                        f"no {year} consumption file for service "
                        f"'{service.id}': write this file (servcommun.toml: "
                        f'consumption = "{pattern}")',
                    )
                ]
            )
        # a file per year holds acts of the version in force that year; a single file may
        # hold acts of every version
        yearly = "{year}" in (service.consumption or "")
        grids = [tariff] if yearly else [t for _, t in load_tariffs(config, service)]
        roster = with_consumption(
            roster,
            load_consumption(path, grids, roster, config.display(path), year if yearly else None),
        )
        files.append(config.display(path))
    indices: dict[str, dict[int, Decimal]] = {}
    for index_path in service.indices:
        series = load_index(index_path, config.display(index_path))
        indices[series.id] = series.values
        files.append(config.display(index_path))
    data = ServiceData(indices=indices)
    if tariff.takes_budget():
        where = budget_path(config, service, year)
        data = budget_data(load_budget(where, tariff, config.display(where), year), data)
        files.append(config.display(where))
    wanted = sorted({indexation.index for indexation in tariff.indexations()} - set(indices))
    if wanted:
        raise InputError(
            [
                Diagnostic(
                    config.display(config.path),
                    1,
                    1,
                    "no-index",
                    f"the tariff of service '{service.id}' is indexed on "
                    f"{', '.join(wanted)}: name the index file in its "
                    'section (indices = ["indices/NAME.yaml"])',
                )
            ]
        )
    return roster, data, files


def budget_path(config: Config, service: Service, year: int) -> Path:
    """The budget file of a service for ``year`` (it must exist)."""
    path = service.budget_for(year)
    if path is None:
        raise InputError(
            [
                Diagnostic(
                    config.display(config.path),
                    1,
                    1,
                    "config",
                    f"service '{service.id}' names no budgets: add "
                    'budgets = "budgets/budget-{year}.yaml" to its section',
                )
            ]
        )
    if not path.is_file():
        pattern = config.display(Path(service.budgets or ""))
        raise InputError(
            [
                Diagnostic(
                    config.display(path),
                    1,
                    1,
                    "no-budget",
                    f"no {year} budget for service '{service.id}': write this "
                    f'file (servcommun.toml: budgets = "{pattern}")',
                )
            ]
        )
    return path


def bill_of(loaded: Loaded, year: int) -> Bill:
    """The year's bill of a loaded service, every member's statement (the engine does the
    computing; ``billing`` narrows it to the members asked for)."""
    assert loaded.roster is not None
    return bill_members(loaded.tariff, loaded.roster.members, year, loaded.data)


def today() -> dt.date:
    """The clock, read here and only here (the engine never reads it)."""
    return dt.date.today()
