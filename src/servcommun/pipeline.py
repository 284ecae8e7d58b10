"""The pipeline in one place: read → validate → compute, for a service of the config.

The CLI calls these functions and picks a renderer; nothing here prints. A year's bill
is asked of ``billing``, which keeps it once computed here; what analysts run on top of
the pipeline (simulate, thresholds, diff, key derivation) is in ``analysis``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from servcommun import cache
from servcommun.budget import Budget
from servcommun.config import Config, Service
from servcommun.diagnostics import Diagnostic, InputError
from servcommun.engine.bill import bill_members, budget_data
from servcommun.engine.context import NO_DATA, ServiceData
from servcommun.engine.parties import party_roster
from servcommun.engine.result import Bill
from servcommun.inputs import LOADED, InputFile, input_files, inputs_key, of_role, of_year
from servcommun.message import msg
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
    stale_examples: int = 0  # a draft's worked-example figures the engine now differs from


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


def tariff_for_year(
    config: Config,
    service: Service,
    year: int,
    versions: Sequence[tuple[Path, Tariff]] | None = None,
) -> tuple[Path, Tariff]:
    """The one tariff version in force during ``year`` (versions of a service never
    overlap); ``versions``: the service's, when already read."""
    if versions is None:
        versions = load_tariffs(config, service)
    covering = [(path, tariff) for path, tariff in versions if tariff.covers(year)]
    if len(covering) == 1:
        return covering[0]
    where = config.display(service.tariffs[0])
    if not covering:
        periods = tuple(
            msg(
                "{file}: {start:date} → {end:date}",
                file=config.display(p),
                start=t.valid_from,
                end=t.valid_until,
            )
            if t.valid_until
            else msg("{file}: {start:date} → open", file=config.display(p), start=t.valid_from)
            for p, t in versions
        )
        raise InputError(
            [
                Diagnostic(
                    where,
                    1,
                    1,
                    "no-tariff",
                    msg(
                        "no tariff of service '{service}' is in force in {year:year} ({periods})",
                        service=service.id,
                        year=year,
                        periods=periods,
                    ),
                )
            ]
        )
    names = tuple(
        msg("{file} (from {start:date})", file=config.display(p), start=t.valid_from)
        for p, t in covering
    )
    raise InputError(
        [
            Diagnostic(
                where,
                1,
                1,
                "tariff-change",
                msg(
                    "{year:year} is covered by several tariff versions: {names}; billing a "
                    "year split between versions is not supported",
                    year=year,
                    names=names,
                ),
            )
        ]
    )


@dataclass(frozen=True)
class Inputs:
    """A service's inputs for some years, as the engine takes them: each year's tariff,
    members and figures (``Loaded``), and the files they were read from, with their roles
    (``inputs.input_files``)."""

    service: Service
    files: tuple[InputFile, ...]
    years: Mapping[int, Loaded]

    def year(self, year: int) -> Loaded:
        return self.years[year]


def load(
    config: Config,
    service_name: str | None,
    years: Sequence[int],
    key: list[str] | None = None,
    *,
    draft: Path | None = None,
) -> Inputs:
    """The service's inputs for ``years``, read and checked: the one way in of ``bill``,
    ``statements``, ``titres``, ``thresholds``, ``plot``, ``diff`` and ``key derive``;
    from the cache when none of the files they are read from has changed by a byte since
    they last passed. ``key``: the files' key (``inputs.inputs_key``), when the caller
    has already worked it out (each file is then read for its digest once). ``draft``: a
    tariff file billed in place of the service's versions (``diff --tariff``), whose
    worked examples need not match yet (``Loaded.stale_examples`` counts those that do
    not)."""
    service = config.service(service_name)
    files = input_files(config, service, years, draft=draft)

    def read_and_check() -> Inputs:
        # every version read and checked once, whatever the number of years
        versions = None if draft is not None else load_tariffs(config, service)
        return Inputs(
            service,
            files,
            {year: _load_year(config, service, files, year, versions) for year in years},
        )

    if key is None:
        key = inputs_key(config, service, years, files)
    # one command may ask twice (statements: the bill, then its words): the same files
    # give the same inputs, and with the cache off a large roster would be read twice
    name = "\0".join(key)
    if name not in LOADED:
        LOADED.clear()
        LOADED[name] = cache.cached("service", key, read_and_check, Inputs)
    found = LOADED[name]
    assert isinstance(found, Inputs)
    return found


@dataclass(frozen=True)
class Span:
    """A service's inputs over several years billed under one tariff version, as a
    simulation reads them (``load_span``): the years whose consumption file or budget is
    not written yet, and for each year without a budget the year whose budget stands
    for it."""

    loaded: Loaded
    files: tuple[InputFile, ...]
    without_acts: tuple[tuple[int, str], ...] = ()  # (year, the file not written yet)
    # (year, the year of the budget used, whether its actual figures were left out)
    stand_ins: tuple[tuple[int, int, bool], ...] = ()


def load_span(
    config: Config,
    service_name: str | None,
    first: int,
    last: int,
    versions: Sequence[tuple[Path, Tariff]] | None = None,
) -> Span:
    """The service's inputs from ``first`` to ``last``, one tariff version in force over
    them all: a simulation looks ahead of the files, so a year's consumption file not
    written yet counts no acts, and a later year without a budget is costed on the last
    budget before it, without its actual figures (a year-end adjustment is the closed
    year's own). Cached like ``load``, keyed by every file named for those years;
    ``versions``: the service's tariff versions, when already read."""
    service = config.service(service_name)
    years = list(range(first, last + 1))
    named = input_files(config, service, years)

    yearly = "{year}" in (service.consumption or "")

    def written(file: InputFile) -> bool:
        if file.year is None or (file.role == "consumption" and not yearly):
            return True
        # the first year's budget is needed: its absence is said (no-budget)
        return file.path.is_file() or (file.role == "budget" and file.year == first)

    def read_and_check() -> Span:
        read_versions = versions if versions is not None else load_tariffs(config, service)
        path, tariff = tariff_for_year(config, service, first, read_versions)
        for year in years[1:]:
            other = tariff_for_year(config, service, year, read_versions)[0]
            if other != path:
                raise InputError([_span_change(config, other, year, first, path)])
        files = tuple(file for file in named if written(file))
        roster, read = service_roster(config, service, tariff)
        roster, data, more = service_data(
            config, service, tariff, roster, years, files, read_versions
        )
        without = tuple(
            (file.year, config.display(file.path))
            for file in named
            if file.role == "consumption" and file.year is not None and not written(file)
        )
        stand_ins: list[tuple[int, int, bool]] = []
        latest = data.budgets.get(first)
        for year in years[1:]:
            if latest is None:
                break
            if year in data.budgets:
                latest = data.budgets[year]
                continue
            operation = latest.units_of_operation
            actual = operation is not None and operation.actual is not None
            stand_ins.append((year, latest.year, actual))
            if operation is not None and actual:
                operation = operation.model_copy(update={"actual": None})
            data = budget_data(
                latest.model_copy(update={"year": year, "units_of_operation": operation}), data
            )
        loaded = Loaded(
            service,
            tariff,
            roster,
            (config.display(path), *read, *more),
            budget=data.budgets.get(first),
            data=data,
        )
        return Span(loaded, files, without, tuple(stand_ins))

    return cache.cached("span", inputs_key(config, service, years, named), read_and_check, Span)


def _span_change(config: Config, path: Path, year: int, first: int, version: Path) -> Diagnostic:
    return Diagnostic(
        config.display(path),
        1,
        1,
        "tariff-change",
        msg(
            "{year:year} is billed under another tariff version than "
            "{first:year} ({file}); simulate the two periods separately",
            year=year,
            first=first,
            file=config.display(version),
        ),
    )


def _load_year(
    config: Config,
    service: Service,
    files: Sequence[InputFile],
    year: int,
    versions: Sequence[tuple[Path, Tariff]] | None,
) -> Loaded:
    from servcommun.loader import load_draft_tariff

    draft = of_role(files, "draft")
    stale = 0
    if draft:  # a draft grid, not one of the service's files: billed whatever its years
        path = draft[0]
        tariff, stale = load_draft_tariff(path, config.display(path))
    else:
        path, tariff = tariff_for_year(config, service, year, versions)
    roster, read = service_roster(config, service, tariff)
    roster, data, more = service_data(config, service, tariff, roster, [year], files, versions)
    return Loaded(
        service,
        tariff,
        roster,
        (config.display(path), *read, *more),
        budget=data.budgets.get(year),
        data=data,
        stale_examples=stale,
    )


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
                        msg(
                            "the tariff of service '{service}' names its parties: they are its "
                            "members, remove its 'roster'",
                            service=service.id,
                        ),
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
                    msg("service '{service}' names no roster", service=service.id),
                )
            ]
        )
    return (
        load_roster(service.roster, tariff, config.display(service.roster)),
        [config.display(service.roster)],
    )


def service_data(
    config: Config,
    service: Service,
    tariff: Tariff,
    roster: Roster,
    years: Sequence[int],
    files: Sequence[InputFile] | None = None,
    versions: Sequence[tuple[Path, Tariff]] | None = None,
) -> tuple[Roster, ServiceData, list[str]]:
    """What a bill of ``years`` needs besides its roster: each year's consumption file
    merged into the roster (its acts billed by the unit-price parts), the index files of
    the indexed parts, each year's budget (its lines, total and units of operation) for
    the rules taking it; and the files read. ``files``: the service's input files for the
    years (by default, as ``servcommun.toml`` names them), the only ones read: a year's
    file left out of them is not read (a simulation looking ahead of the files).
    ``versions``: the service's tariff versions, when already read."""
    from servcommun.loader import load_budget, load_consumption, load_index, with_consumption

    if files is None:
        files = input_files(config, service, years)
    read: list[str] = []
    # a single file may hold acts of every version (and is read once)
    yearly = "{year}" in (service.consumption or "")
    consumption: dict[Path, int] = {}  # each file, and the first year it is of
    for year in years:
        path = of_year(files, "consumption", year)
        if path is not None:
            consumption.setdefault(path, year)
    for path, year in consumption.items():
        if not path.is_file():
            raise InputError([_no_consumption(config, service, path, year)])
        # a file per year holds acts of the version in force that year
        grids = [tariff] if yearly else [t for _, t in versions or load_tariffs(config, service)]
        roster = with_consumption(
            roster,
            load_consumption(path, grids, roster, config.display(path), year if yearly else None),
        )
        read.append(config.display(path))
    indices: dict[str, dict[int, Decimal]] = {}
    for index_path in of_role(files, "index"):
        series = load_index(index_path, config.display(index_path))
        indices[series.id] = series.values
        read.append(config.display(index_path))
    data = ServiceData(indices=indices)
    if tariff.takes_budget():
        for year in years:
            named = of_year(files, "budget", year)
            if named is None and service.budget_for(year) is not None:
                continue  # left out of the files read
            where = budget_path(config, service, year, named)
            data = budget_data(load_budget(where, tariff, config.display(where), year), data)
            read.append(config.display(where))
    wanted = sorted({indexation.index for indexation in tariff.indexations()} - set(indices))
    if wanted:
        raise InputError(
            [
                Diagnostic(
                    config.display(config.path),
                    1,
                    1,
                    "no-index",
                    msg(
                        "the tariff of service '{service}' is indexed on {indices}: name the "
                        "index file in its section ({setting})",
                        service=service.id,
                        indices=", ".join(wanted),
                        setting='indices = ["indices/NAME.yaml"]',
                    ),
                )
            ]
        )
    return roster, data, read


def _no_consumption(config: Config, service: Service, path: Path, year: int) -> Diagnostic:
    pattern = config.display(Path(service.consumption or ""))
    setting = f'consumption = "{pattern}"'
    return Diagnostic(
        config.display(path),
        1,
        1,
        "no-consumption",
        msg(
            "no {year:year} consumption file for service '{service}': write "
            "this file (servcommun.toml: {setting})",
            year=year,
            service=service.id,
            setting=setting,
        ),
    )


def budget_path(config: Config, service: Service, year: int, path: Path | None = None) -> Path:
    """The budget file of a service for ``year`` (it must exist): ``path``, or the one
    ``servcommun.toml`` names."""
    path = path or service.budget_for(year)
    if path is None:
        raise InputError(
            [
                Diagnostic(
                    config.display(config.path),
                    1,
                    1,
                    "config",
                    msg(
                        "service '{service}' names no budgets: add {setting} to its section",
                        service=service.id,
                        setting='budgets = "budgets/budget-{year}.yaml"',
                    ),
                )
            ]
        )
    if not path.is_file():
        pattern = config.display(Path(service.budgets or ""))
        setting = f'budgets = "{pattern}"'
        raise InputError(
            [
                Diagnostic(
                    config.display(path),
                    1,
                    1,
                    "no-budget",
                    msg(
                        "no {year:year} budget for service '{service}': write this file "
                        "(servcommun.toml: {setting})",
                        year=year,
                        service=service.id,
                        setting=setting,
                    ),
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
