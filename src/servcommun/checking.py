"""Check stage: input files → their kind → read, validate, check → every diagnostic.

``servcommun check`` runs the pipeline up to the models on every file it is given (or on
every file ``servcommun.toml`` names) and collects what is wrong instead of stopping at the
first bad file, then checks what spans files: the versions of a service follow each other
without overlap or gap, a roster against its service's tariffs. Nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from servcommun import checks, formats
from servcommun.config import Config, load_config
from servcommun.diagnostics import Diagnostic, InputError
from servcommun.formats import Kind
from servcommun.loader import (
    budget_problems,
    consumption_problems,
    load_roster,
    not_a_mapping,
    read_consumption,
    roster_problems,
    tariff_problems,
    validate,
)
from servcommun.reader import Document, make_diagnostic, read_yaml
from servcommun.roster import Roster
from servcommun.roster_csv import read_roster_csv
from servcommun.tariff import GridTariff

_DATA_SUFFIXES = {".yaml", ".yml"}
_CSV = ".csv"


@dataclass(frozen=True)
class Report:
    """What ``check`` found: the files checked (as shown) and the diagnostics, in order."""

    files: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    bundled: bool = False  # no servcommun.toml: the bundled example was checked

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    def files_with_errors(self) -> list[str]:
        return list(dict.fromkeys(d.file for d in self.errors))


class _Version(NamedTuple):
    """A valid tariff of the run or of its context, and the service it is a version of
    (the one servcommun.toml names it under, else the one it says)."""

    service: str
    doc: Document
    tariff: GridTariff


@dataclass
class _File:
    """One file of the run, as it goes through the stages."""

    path: Path
    display: str
    kind: Kind | None = None
    service: str | None = None  # from its place in servcommun.toml
    doc: Document | None = None
    model: Any = None
    problems: list[Diagnostic] = field(default_factory=list)


def check(paths: Sequence[Path], start: Path) -> Report:
    """Check ``paths`` (files, or folders searched for YAML files), or with none every file
    named by the ``servcommun.toml`` found at or above ``start``."""
    config, config_problems = _config(start)
    if paths:
        if config is not None and config.bundled:
            config = None  # the bundled example is no context for the user's own files
        targets = [_File(path, _display(path)) for path in discover(paths, config)]
    elif config is None:  # servcommun.toml itself is wrong: nothing else to check
        return Report(tuple(dict.fromkeys(d.file for d in config_problems)),
                      tuple(config_problems))
    else:
        targets, missing = _named_files(config)
        config_problems.extend(missing)
    run = _Run(targets, config)
    diagnostics = config_problems + run.diagnostics()
    files = ([config.display(config.path)] if config and not paths else []) + [
        t.display for t in targets]
    return Report(tuple(files), tuple(diagnostics), bundled=bool(config and config.bundled))


def discover(paths: Sequence[Path], config: Config | None) -> list[Path]:
    """The files to check: each file named, and in each folder (recursively, hidden ones
    skipped) its YAML files and the CSV rosters ``servcommun.toml`` names."""
    places = _places(config)
    found: dict[Path, None] = {}
    for path in paths:
        if not path.is_dir():
            found.setdefault(path, None)
            continue
        for candidate in sorted(path.rglob("*")):
            hidden = any(part.startswith(".") for part in candidate.relative_to(path).parts)
            if hidden or not candidate.is_file():
                continue
            if candidate.suffix.lower() in _DATA_SUFFIXES or (
                    candidate.suffix.lower() == _CSV and candidate.resolve() in places):
                found.setdefault(candidate, None)
    unique: dict[Path, Path] = {}
    for path in found:  # a file reached twice (named and in a folder, or by a link) once
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def _config(start: Path) -> tuple[Config | None, list[Diagnostic]]:
    try:
        return load_config(start), []
    except InputError as error:  # shown like the problems of any other file
        return None, [_quoted(Path(d.file), d) for d in error.diagnostics]


def _quoted(path: Path, diagnostic: Diagnostic) -> Diagnostic:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return make_diagnostic(_display(path), text, diagnostic.line, diagnostic.column,
                           diagnostic.code, diagnostic.message)


def _named(config: Config) -> Iterator[tuple[Path, Kind, str]]:
    """Each file ``servcommun.toml`` names, its kind and its service (budgets: every
    year's file found)."""
    for service in config.services.values():
        for path in service.tariffs:
            yield path, Kind.TARIFF, service.id
        if service.roster:
            yield service.roster, Kind.ROSTER, service.id
        if service.budgets:
            pattern = service.budgets.replace("{year}", "[0-9][0-9][0-9][0-9]")
            for found in sorted(glob.glob(pattern)):
                yield Path(found), Kind.BUDGET, service.id
        if service.consumption:
            pattern = service.consumption.replace("{year}", "[0-9][0-9][0-9][0-9]")
            for found in sorted(glob.glob(pattern)):
                yield Path(found), Kind.CONSUMPTION, service.id
        for path in service.indices:
            yield path, Kind.INDEX, service.id


def _named_files(config: Config) -> tuple[list[_File], list[Diagnostic]]:
    """The files ``servcommun.toml`` names, once each, and a problem for each missing."""
    files: dict[Path, _File] = {}
    missing: list[Diagnostic] = []
    for path, _, service in _named(config):
        if path.is_file():
            files.setdefault(path.resolve(), _File(path, config.display(path)))
        else:
            missing.append(_config_diagnostic(config, path, "not-found",
                                              f"service '{service}' names "
                                              f"{config.display(path)}, which does not exist"))
    return list(files.values()), missing


def _places(config: Config | None) -> dict[Path, tuple[Kind, str]]:
    """The kind and service of each file ``servcommun.toml`` names, by resolved path."""
    if config is None:
        return {}
    return {path.resolve(): (kind, service) for path, kind, service in _named(config)}


class _Run:
    """One check run: the files given, plus the tariffs ``servcommun.toml`` names as
    context (a roster is checked against its service's tariffs even if they are not
    among the files given)."""

    def __init__(self, targets: list[_File], config: Config | None) -> None:
        self.targets = targets
        self.config = config
        self.places = _places(config)

    def diagnostics(self) -> list[Diagnostic]:
        for file in self.targets:
            self._guarded(file, self._read)
        for file in self._of(Kind.TARIFF):
            self._guarded(file, self._tariff)
        context = self._context_tariffs()
        extra = list(self._versions(context))
        for file in self._of(Kind.ROSTER):
            self._guarded(file, lambda f: self._roster(f, context))
        for file in self._of(Kind.BUDGET):
            self._guarded(file, lambda f: self._budget(f, context))
        for file in self._of(Kind.CONSUMPTION):
            self._guarded(file, lambda f: self._consumption(f, context))
        for file in self._of(Kind.INDEX):
            self._guarded(file, self._index)
        order = {file.display: index for index, file in enumerate(self.targets)}
        found = [d for file in self.targets for d in file.problems] + extra
        found = list(dict.fromkeys(found))
        return sorted(found, key=lambda d: (order.get(d.file, -1), d.line, d.column, d.code))

    def _of(self, kind: Kind) -> Iterator[_File]:
        return (file for file in self.targets if file.kind is kind)

    def _guarded(self, file: _File, stage: Any) -> None:
        """Run a stage on a file; bad input is a diagnostic, and so is a bug of ours, so
        that one file cannot hide the problems of the others (nor show a traceback)."""
        try:
            stage(file)
        except InputError as error:
            file.problems.extend(error.diagnostics)
        except Exception as error:  # a bug of ours: reported as such, never swallowed
            file.problems.append(Diagnostic(
                file.display, 1, 1, "internal-error",
                f"servcommun failed on this file ({type(error).__name__}: {error}); "
                "this is a bug of servcommun, please report it with the file"))

    # -- per file ------------------------------------------------------------------------

    def _read(self, file: _File) -> None:
        """Read a YAML file and tell its kind (a file that cannot be read has none, so
        that no later stage looks at it). A CSV roster is read later, with its tariff."""
        kind, file.service = self.places.get(file.path.resolve(), (None, None))
        if file.path.suffix.lower() == _CSV:
            if kind is Kind.CONSUMPTION:
                assert file.service is not None
                file.doc = read_consumption(file.path, file.service, file.display)
            elif kind is not Kind.ROSTER:
                raise InputError([Diagnostic(
                    file.display, 1, 1, "unknown-kind",
                    "a CSV file is checked as the roster or the consumption file of the "
                    "service that names it in servcommun.toml (roster = \"...\", "
                    "consumption = \"...\"), and none does")])
            file.kind = kind
            return
        doc = read_yaml(file.path, file.display)
        if not_a_mapping(doc):
            raise InputError(not_a_mapping(doc))
        file.kind = kind or formats.kind_of(doc.data, doc.text)
        file.doc = doc
        if file.kind is None:
            raise InputError([doc.diagnostic((), "unknown-kind", "cannot tell what this file "
                                             f"is: {formats.HOW_TO_TELL}")])

    def _tariff(self, file: _File) -> None:
        assert file.doc is not None
        file.model, problems = tariff_problems(file.doc)
        file.problems.extend(problems)
        self._service_matches(file, file.model)

    def _service_matches(self, file: _File, model: Any) -> None:
        """A file named in servcommun.toml under a service says that service."""
        if file.doc is None or model is None or file.service is None:
            return
        if model.service != file.service:
            file.problems.append(file.doc.diagnostic(
                ("service",), "service-mismatch",
                f"this file says service '{model.service}', but servcommun.toml names it "
                f"under service '{file.service}'"))

    def _context_tariffs(self) -> list[_Version]:
        """Every valid tariff of the run, and those of servcommun.toml not in it (their own
        problems are for a check of those files)."""
        tariffs = [_Version(f.service or f.model.service, f.doc, f.model) for f in self.targets
                   if f.kind is Kind.TARIFF and f.doc is not None and f.model is not None]
        given = {file.path.resolve() for file in self.targets}
        for path, (kind, service) in self.places.items():
            if kind is not Kind.TARIFF or path in given or not path.is_file():
                continue
            try:
                doc = read_yaml(path, self.config.display(path) if self.config else None)
            except InputError:
                continue
            model, _problems = tariff_problems(doc)
            if model is not None:
                tariffs.append(_Version(service, doc, model))
        return tariffs

    def _versions(self, tariffs: list[_Version]) -> Iterator[Diagnostic]:
        """Versions of a service neither overlap nor leave a gap (problems placed in the
        files of the run)."""
        shown = {file.display for file in self.targets}
        by_service: dict[str, list[tuple[Document, GridTariff]]] = {}
        for version in tariffs:
            by_service.setdefault(version.service, []).append((version.doc, version.tariff))
        for versions in by_service.values():
            yield from (d for d in checks.check_versions(versions) if d.file in shown)

    def _roster(self, file: _File, tariffs: list[_Version]) -> None:
        service = file.service
        if file.doc is not None and isinstance(file.doc.data, dict):
            service = service or _text(file.doc.data.get("service"))
        versions = [version.tariff for version in tariffs if version.service == service]
        grids = [t for t in versions if not t.parties]  # a tariff naming its parties has none
        if file.doc is None:  # a CSV roster: its offer columns are read with the tariff
            if not grids:
                raise InputError([Diagnostic(file.display, 1, 1, "no-tariff",
                                             f"no valid tariff of service '{service}' with "
                                             "a roster to read this roster with")])
            file.doc = read_roster_csv(file.path, max(grids, key=_start), file.display)
        file.model, problems = roster_problems(file.doc, grids, warnings=True)
        file.problems.extend(problems)
        if file.model is None:
            return
        self._service_matches(file, file.model)
        if not grids:
            known = sorted({v.service for v in tariffs if not v.tariff.parties})
            reason = (f"the tariff of service '{file.model.service}' names its parties: they "
                      "are its members, it has no roster" if versions else
                      f"no tariff of service '{file.model.service}' was found (known: "
                      f"{', '.join(known) or 'none'}): check it with its tariff files, or "
                      "name both in servcommun.toml")
            file.problems.append(file.doc.diagnostic(("service",), "no-tariff", reason))

    def _consumption(self, file: _File, tariffs: list[_Version]) -> None:
        """A consumption file against its service's grid tariffs and, when the run or
        servcommun.toml has it, its roster."""
        assert file.doc is not None
        data = file.doc.data
        service = file.service or (_text(data.get("service")) if isinstance(data, dict)
                                   else None)
        grids = [v.tariff for v in tariffs if not v.tariff.parties and v.service == service]
        roster = self._roster_of(service, grids)
        file.model, problems = consumption_problems(file.doc, grids, roster)
        file.problems.extend(problems)
        self._service_matches(file, file.model)

    def _roster_of(self, service: str | None, grids: list[GridTariff]) -> Roster | None:
        """The valid roster of ``service``: checked in this run, or named in
        servcommun.toml (read quietly: its own problems are for a check of it)."""
        for file in self._of(Kind.ROSTER):
            if isinstance(file.model, Roster) and (file.service or file.model.service) == service:
                return file.model
        if self.config is None or service not in self.config.services or not grids:
            return None
        path = self.config.services[service].roster
        if path is None or not path.is_file():
            return None
        try:
            return load_roster(path, max(grids, key=_start))
        except InputError:
            return None

    def _index(self, file: _File) -> None:
        assert file.doc is not None
        file.model, problems = validate(file.doc, formats.adapter(Kind.INDEX))
        file.problems.extend(problems)

    def _budget(self, file: _File, tariffs: list[_Version]) -> None:
        """A budget against the tariff of its service in force in its year (its lines shared
        by a key, its total shared by a pool, its cost divided into a unit cost)."""
        assert file.doc is not None
        data = file.doc.data
        service = file.service or _text(data.get("service"))
        year = data.get("year")
        versions = [v.tariff for v in tariffs if v.service == service]
        in_force = [t for t in versions if isinstance(year, int) and t.covers(year)]
        if in_force or versions:
            file.model, problems = budget_problems(file.doc, max(in_force or versions, key=_start))
            file.problems.extend(problems)
            self._service_matches(file, file.model)
            return
        file.model, problems = validate(file.doc, formats.adapter(Kind.BUDGET))
        file.problems.extend(problems)
        if file.model is not None:
            self._service_matches(file, file.model)
            file.problems.append(file.doc.diagnostic(
                ("service",), "no-tariff",
                f"no tariff of service '{file.model.service}' was found: check "
                "the budget with its tariff files, or name both in servcommun.toml"))


def _start(tariff: GridTariff) -> dt.date:
    return tariff.valid_from


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _display(path: Path) -> str:
    """A path as the user should read it: relative to the working directory if below it."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _config_diagnostic(config: Config, path: Path, code: str, message: str) -> Diagnostic:
    """A problem with a file servcommun.toml names, placed where it names it."""
    text = config.path.read_text(encoding="utf-8")
    line, column = _where_named(text, path, config.root)
    return make_diagnostic(config.display(config.path), text, line, column, code, message)


def _where_named(text: str, path: Path, root: Path) -> tuple[int, int]:
    candidates: Iterable[str] = (path.relative_to(root).as_posix()
                                 if path.is_relative_to(root) else str(path), path.name)
    for needle in candidates:
        for number, line in enumerate(text.splitlines(), start=1):
            if needle in line:
                return number, line.index(needle) + 1
    return 1, 1
