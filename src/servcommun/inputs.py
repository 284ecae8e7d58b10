"""The files a service's inputs are read from, each with its role: the one list that the
pipeline reads and that the cache keys a service's inputs and bills by.

A file the readers follow is a file of this list, so a new kind of input cannot be read
without being part of the key that says whether a cached result is still the files'.
Light on purpose: a bill served from the cache asks for its key and nothing else.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from servcommun import cache
from servcommun.config import year_of

if TYPE_CHECKING:
    from servcommun.config import Config, Service


class InputFile(NamedTuple):
    """A file a service's inputs may be read from: its ``role`` (``config``, ``draft``,
    ``tariff``, ``roster``, ``consumption``, ``index``, ``budget``), its path, and the year it is of
    (a year's consumption file or budget; None for the others)."""

    role: str
    path: Path
    year: int | None = None


def input_files(
    config: Config, service: Service, years: Sequence[int], *, draft: Path | None = None
) -> tuple[InputFile, ...]:
    """Every file the inputs of ``service`` for ``years`` are read from, in reading order;
    a file named but not there is listed too (creating it changes the key). ``draft``: a
    tariff file billed in place of the service's versions (``diff --tariff``)."""
    files = [InputFile("config", config.path)]
    if draft is not None:
        files.append(InputFile("draft", draft))
    files += [InputFile("tariff", path) for path in service.tariffs]
    if service.roster is not None:
        files.append(InputFile("roster", service.roster))
    for year in years:
        consumption = service.consumption_for(year)
        if consumption is not None:
            files.append(InputFile("consumption", consumption, year))
    files += [InputFile("index", path) for path in service.indices]
    for year in years:
        budget = service.budget_for(year)
        if budget is not None:
            files.append(InputFile("budget", budget, year))
    return tuple(files)


def named_files(config: Config, service: Service) -> tuple[InputFile, ...]:
    """Every file of ``service`` that ``servcommun.toml`` names, in reading order: those
    of ``input_files`` for every year whose consumption file or budget is there (what
    ``check`` reads of a service, and keys its report by)."""
    years = sorted(
        {
            year
            for pattern in (service.consumption, service.budgets)
            if pattern and "{year}" in pattern
            for found in glob.glob(pattern.replace("{year}", "[0-9][0-9][0-9][0-9]"))
            if (year := year_of(pattern, Path(found))) is not None
        }
    )
    files: dict[Path, InputFile] = {}
    for file in input_files(config, service, years):
        if file.role == "config" or (file.year is not None and not file.path.is_file()):
            continue  # a year's file not written (a budget of a year with acts only)
        files.setdefault(file.path, file)  # a single consumption file serves every year
    if service.consumption is not None and "{year}" not in service.consumption:
        single = Path(service.consumption)
        files.setdefault(single, InputFile("consumption", single))
    return tuple(files.values())


def of_year(files: Sequence[InputFile], role: str, year: int) -> Path | None:
    """The file of ``role`` for ``year`` in ``files`` (a year's consumption file, its
    budget), if the service names one."""
    return next((f.path for f in files if f.role == role and f.year == year), None)


def of_role(files: Sequence[InputFile], role: str) -> list[Path]:
    """The files of ``role`` in ``files`` (the index files)."""
    return [f.path for f in files if f.role == role]


def inputs_key(
    config: Config, service: Service, years: Sequence[int], files: Sequence[InputFile]
) -> list[str]:
    """What a service's inputs for ``years`` (and so their bills) depend on: the years,
    the working directory (paths are shown relative to it), the service, and every file
    of ``files`` by content."""
    paths = list(dict.fromkeys(f.path for f in files))  # one file may serve several years
    return [
        ",".join(map(str, years)),
        os.getcwd(),
        service.id,
        *cache.file_digests(paths),
    ]


LOADED: dict[str, object] = {}
"""The inputs ``pipeline.load`` last loaded in this process, by their files' key (their
digests): a command asking twice (the statements: their bill, their words) reads them
once, even with the cache off."""


def forget_loaded() -> None:
    """Let the inputs last loaded go: a command that has what it needs of them (the
    statements, before making their PDFs) does not hold a roster's models meanwhile."""
    LOADED.clear()
