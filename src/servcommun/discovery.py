"""Which files a check reads: those it is given (folders searched), or every file
``servcommun.toml`` names; and the files that config names as context (a roster is checked
against its service's tariffs even when they are not among the files given).

Finding them needs neither YAML nor the models, so that ``check`` can tell whether it has
already checked these very bytes (``servcommun.cache``) before loading either.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from servcommun import cache
from servcommun.config import Config, find_config, load_config
from servcommun.diagnostics import Diagnostic, InputError, source_line
from servcommun.formats import Kind
from servcommun.inputs import named_files
from servcommun.journal import journal_paths
from servcommun.message import Message, msg

DATA_SUFFIXES = {".yaml", ".yml"}
CSV = ".csv"


@dataclass(frozen=True)
class Plan:
    """A check run before it reads anything: its config (None when ``servcommun.toml``
    is wrong, or is the bundled example while the user names files of their own), the
    problems found with the config so far, and the files to check."""

    config: Config | None
    problems: tuple[Diagnostic, ...]
    targets: tuple[Path, ...]
    given: bool  # the user named the files (else: those servcommun.toml names)
    config_file: Path | None = None  # the servcommun.toml found, read or not
    # the kind and service of each file servcommun.toml names (``places``), when the
    # search of the folders given found them: the check, on a miss of the cache, uses
    # them rather than globbing and resolving every file again
    places: dict[Path, tuple[Kind, str]] | None = None

    def inputs(self) -> list[str]:
        """What the run's report depends on: the working directory (paths are shown
        relative to it) and every file it may read, by content."""
        context = [path for path, _, _ in named(self.config)] if self.config else []
        context += journal_paths(self.config) if self.config else []  # titres issued
        # rosters are compared with the official table: its files and the populations
        # imported into the data directory (``servcommun.communes``)
        table = sorted((Path(__file__).parent / "data").glob("*.gz"))
        if self.config is not None and not self.config.bundled:
            table += sorted((self.config.root / "populations").glob("*.csv"))
        return [
            os.getcwd(),
            *cache.file_digests([self.config_file, *self.targets, *context, *table]),
        ]


def plan(paths: Sequence[Path], start: Path) -> Plan:
    """The files to check: ``paths`` (files, or folders searched for YAML files), or with
    none every file named by the ``servcommun.toml`` found at or above ``start``."""
    config, problems = _config(start)
    # the report depends on the file's bytes even when they are wrong
    found = config.path if config is not None else find_config(start.resolve())
    if paths:
        if config is not None and config.bundled:
            config, found = None, None  # the bundled example is no context for the user's
        named_places = places(config)
        targets = discover(paths, config, named_places)
        return Plan(config, tuple(problems), tuple(targets), True, found, named_places)
    if config is None:  # servcommun.toml itself is wrong: nothing else to check
        return Plan(None, tuple(problems), (), False, found)
    targets, missing = _named_files(config)
    return Plan(config, (*problems, *missing), tuple(targets), False, found)


def discover(
    paths: Sequence[Path],
    config: Config | None,
    named_places: dict[Path, tuple[Kind, str]] | None = None,
) -> list[Path]:
    """The files to check: each file named, and in each folder (recursively, hidden ones
    skipped) its YAML files and the CSV rosters ``servcommun.toml`` names (``named_places``:
    its ``places``, when the caller has them)."""
    if named_places is None:
        named_places = places(config)
    found: dict[Path, None] = {}
    for path in paths:
        if not path.is_dir():
            found.setdefault(path, None)
            continue
        for candidate in sorted(path.rglob("*")):
            hidden = any(part.startswith(".") for part in candidate.relative_to(path).parts)
            if hidden or not candidate.is_file():
                continue
            if candidate.suffix.lower() in DATA_SUFFIXES or (
                candidate.suffix.lower() == CSV and candidate.resolve() in named_places
            ):
                found.setdefault(candidate, None)
    unique: dict[Path, Path] = {}
    for path in found:  # a file reached twice (named and in a folder, or by a link) once
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def named(config: Config) -> Iterator[tuple[Path, Kind, str]]:
    """Each file ``servcommun.toml`` names, its kind and its service (budgets and
    consumption files: every year's file found): the files of ``inputs.named_files``,
    the list the pipeline reads a service from."""
    for service in config.services.values():
        for file in named_files(config, service):
            yield file.path, _KINDS[file.role], service.id


_KINDS = {
    "tariff": Kind.TARIFF,
    "roster": Kind.ROSTER,
    "consumption": Kind.CONSUMPTION,
    "index": Kind.INDEX,
    "budget": Kind.BUDGET,
}
"""The kind of file each role of ``inputs.InputFile`` is read as."""


def places(config: Config | None) -> dict[Path, tuple[Kind, str]]:
    """The kind and service of each file ``servcommun.toml`` names, by resolved path."""
    if config is None:
        return {}
    return {path.resolve(): (kind, service) for path, kind, service in named(config)}


def display(path: Path) -> str:
    """A path as the user should read it: relative to the working directory if below it."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
    return Diagnostic(
        display(path),
        diagnostic.line,
        diagnostic.column,
        diagnostic.code,
        diagnostic.message,
        source_line(text, diagnostic.line),
    )


def _named_files(config: Config) -> tuple[list[Path], list[Diagnostic]]:
    """The files ``servcommun.toml`` names, once each, and a problem for each missing."""
    files: dict[Path, Path] = {}
    missing: list[Diagnostic] = []
    for path, _, service in named(config):
        if path.is_file():
            files.setdefault(path.resolve(), path)
        else:
            missing.append(
                _config_diagnostic(
                    config,
                    path,
                    "not-found",
                    msg(
                        "service '{service}' names {file}, which does not exist",
                        service=service,
                        file=config.display(path),
                    ),
                )
            )
    return list(files.values()), missing


def _config_diagnostic(config: Config, path: Path, code: str, message: Message) -> Diagnostic:
    """A problem with a file servcommun.toml names, placed where it names it."""
    text = config.path.read_text(encoding="utf-8")
    line, column = _where_named(text, path, config.root)
    return Diagnostic(
        config.display(config.path), line, column, code, message, source_line(text, line)
    )


def _where_named(text: str, path: Path, root: Path) -> tuple[int, int]:
    candidates: Iterable[str] = (
        path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path),
        path.name,
    )
    for needle in candidates:
        for number, line in enumerate(text.splitlines(), start=1):
            if needle in line:
                return number, line.index(needle) + 1
    return 1, 1
