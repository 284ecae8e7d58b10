"""Where the data is: ``servcommun.toml`` names the services and their files.

Commands look for it in the working directory and its parents; with none, they run on
the Redon Agglomération example bundled with the package and say so.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from servcommun.diagnostics import Diagnostic, InputError

CONFIG_NAME = "servcommun.toml"


@dataclass(frozen=True)
class Service:
    """A service's files: tariff versions; a roster (unless its tariffs name their
    parties); the budgets of the rules taking the year's budget, the consumption files of
    its unit-price parts and the index files of its indexations."""

    id: str
    tariffs: tuple[Path, ...]
    roster: Path | None = None
    budgets: str | None = None  # a path pattern with {year}
    consumption: str | None = None  # a path pattern with {year}, or one file for every year
    indices: tuple[Path, ...] = ()
    epci: str | None = None  # SIREN of the service's EPCI: check warns of communes outside

    def budget_for(self, year: int) -> Path | None:
        return Path(self.budgets.format(year=year)) if self.budgets else None

    def consumption_for(self, year: int) -> Path | None:
        return Path(self.consumption.format(year=year)) if self.consumption else None

    def consumption_year(self, path: Path) -> int | None:
        """The year of ``path`` when it is one of the service's yearly consumption files
        (``actes-{year}.csv``): its acts are of that year. None for a single file."""
        if not self.consumption or "{year}" not in self.consumption:
            return None
        parts = os.path.abspath(self.consumption.replace("{year}", "\0")).split("\0")
        pattern = r"(\d{4})".join(re.escape(part) for part in parts)
        for candidate in (os.path.abspath(path), str(path.resolve())):
            found = re.fullmatch(pattern, candidate)
            if found:
                return int(found.group(1))
        return None
        head, _, tail = self.consumption.partition("{year}")
        pattern = re.escape(head) + r"(\d{4})" + re.escape(tail)
        for candidate in (str(path), os.path.abspath(path)):
            found = re.fullmatch(pattern, candidate) or re.fullmatch(
                re.escape(os.path.abspath(head)) + r"(\d{4})" + re.escape(tail), candidate
            )
            if found:
                return int(found.group(1))
        return None


@dataclass(frozen=True)
class Config:
    path: Path
    services: dict[str, Service]
    default: str
    bundled: bool = False

    @property
    def root(self) -> Path:
        return self.path.parent

    def service(self, name: str | None) -> Service:
        """The service named ``name`` (or an unambiguous prefix of it), or the default."""
        if name is None:
            return self.services[self.default]
        if name in self.services:
            return self.services[name]
        matches = [key for key in self.services if key.startswith(name)]
        if len(matches) == 1:
            return self.services[matches[0]]
        known = ", ".join(self.services)
        raise InputError(
            [
                Diagnostic(
                    display_path(self.path),
                    1,
                    1,
                    "unknown-service",
                    f"no service '{name}' in this file (services: {known})",
                )
            ]
        )

    def display(self, path: Path) -> str:
        return display_path(path)


def display_path(path: Path) -> str:
    """A path as the user should read it: relative to the working directory when that is
    short (``roster.yaml``, ``../servcommun.toml``), else absolute."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith(os.path.join("..", "..", "..")) else str(path)


def find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path) -> Config:
    """The nearest ``servcommun.toml`` at or above ``start``, else the bundled example."""
    found = find_config(start.resolve())
    if found is None:
        bundled = Path(str(resources.files("servcommun") / "bundled" / CONFIG_NAME))
        return _parse(bundled, bundled=True)
    return _parse(found)


def _parse(path: Path, *, bundled: bool = False) -> Config:
    name = display_path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        # tomllib says "(at line L, column C)" at the end of its message
        message = str(error)
        line, column = 1, 1
        if "(at line " in message:
            where = message.rsplit("(at line ", 1)[1].rstrip(")")
            line_text, _, column_text = where.partition(", column ")
            line, column = int(line_text), int(column_text or 1)
            message = message.rsplit(" (at line ", 1)[0]
        raise InputError([Diagnostic(name, line, column, "toml-syntax", message)]) from None
    except OSError as error:
        raise InputError([Diagnostic(name, 1, 1, "unreadable", str(error))]) from None
    services: dict[str, Service] = {}
    for key, entry in (data.get("services") or {}).items():
        if not isinstance(entry, dict) or not entry.get("tariffs"):
            raise InputError(
                [Diagnostic(name, 1, 1, "config", f"service '{key}' needs a 'tariffs' list")]
            )
        services[key] = Service(
            id=key,
            tariffs=tuple(path.parent / tariff for tariff in entry["tariffs"]),
            roster=path.parent / entry["roster"] if entry.get("roster") else None,
            budgets=str(path.parent / entry["budgets"]) if entry.get("budgets") else None,
            consumption=(
                str(path.parent / entry["consumption"]) if entry.get("consumption") else None
            ),
            indices=tuple(path.parent / index for index in entry.get("indices") or ()),
            epci=str(entry["epci"]) if entry.get("epci") else None,
        )
    if not services:
        raise InputError([Diagnostic(name, 1, 1, "config", "no [services.<name>] table")])
    default = data.get("default") or next(iter(services))
    if default not in services:
        raise InputError(
            [Diagnostic(name, 1, 1, "config", f"default service '{default}' is not defined")]
        )
    return Config(path, services, default, bundled)
