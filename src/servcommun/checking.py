"""Check stage: input files → their kind → read, validate, check → every diagnostic.

``servcommun check`` runs the pipeline up to the models on every file it is given (or on
every file ``servcommun.toml`` names) and collects what is wrong instead of stopping at the
first bad file, then checks what spans files: the versions of a service follow each other
without overlap or gap, a roster against its service's tariffs. Nothing here prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from servcommun import checks, discovery, formats, roster_checks
from servcommun.config import Config
from servcommun.diagnostics import Diagnostic, InputError, Report
from servcommun.discovery import Plan
from servcommun.engine.parties import party_roster
from servcommun.formats import Kind
from servcommun.identity_checks import imputations_required
from servcommun.issuance import journals_problems
from servcommun.issuer import config_issuer_problems
from servcommun.journal import is_journal, journal_problems
from servcommun.key_checks import listing
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
from servcommun.message import Message, msg
from servcommun.reader import Document, read_yaml
from servcommun.roster import Roster
from servcommun.roster_csv import read_roster_csv
from servcommun.tariff import Tariff


class _Version(NamedTuple):
    """A valid tariff of the run or of its context, and the service it is a version of
    (the one servcommun.toml names it under, else the one it says)."""

    service: str
    doc: Document
    tariff: Tariff


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


def check(plan: Plan) -> Report:
    """Check the files of ``plan`` (``discovery.plan``: the files given, or every file
    named by ``servcommun.toml``)."""
    config = plan.config
    if config is None and not plan.given:  # servcommun.toml itself is wrong
        return Report(tuple(dict.fromkeys(d.file for d in plan.problems)), plan.problems)
    shown = discovery.display if plan.given or config is None else config.display
    targets = [_File(path, shown(path)) for path in plan.targets]
    diagnostics = [
        *plan.problems,
        *config_issuer_problems(config),  # [services.<id>.issuer] of servcommun.toml
        *(journals_problems(config) if not plan.given else ()),  # the titres issued
        *_Run(targets, config, plan.places).diagnostics(),
    ]
    files = ([config.display(config.path)] if config and not plan.given else []) + [
        t.display for t in targets
    ]
    return Report(tuple(files), tuple(diagnostics), bundled=bool(config and config.bundled))


class _Run:
    """One check run: the files given, plus the tariffs ``servcommun.toml`` names as
    context (a roster is checked against its service's tariffs even if they are not
    among the files given)."""

    def __init__(
        self,
        targets: list[_File],
        config: Config | None,
        places: dict[Path, tuple[Kind, str]] | None = None,
    ) -> None:
        self.targets = targets
        self.config = config
        self.places = discovery.places(config) if places is None else places

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
        # a value the reader refused is said once, by the reader: a later stage that
        # meets its text in the same place says nothing new
        read = {d for file in self.targets if file.doc is not None for d in file.doc.read_problems}
        refused = {(d.file, d.line, d.column) for d in read}
        found = [d for d in found if d in read or (d.file, d.line, d.column) not in refused]
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
            file.problems.append(
                Diagnostic(
                    file.display,
                    1,
                    1,
                    "internal-error",
                    msg(
                        "servcommun failed on this file ({error}: {detail}); this is a bug "
                        "of servcommun, please report it with the file",
                        error=type(error).__name__,
                        detail=str(error),
                    ),
                )
            )

    # -- per file ------------------------------------------------------------------------

    def _read(self, file: _File) -> None:
        """Read a YAML file and tell its kind (a file that cannot be read has none, so
        that no later stage looks at it). A CSV roster is read later, with its tariff."""
        kind, file.service = self.places.get(file.path.resolve(), (None, None))
        if is_journal(file.path):  # the titres issued (servcommun.journal): its digests
            file.problems.extend(journal_problems(file.path, file.display)[1])
            return
        if file.path.suffix.lower() == discovery.CSV:
            if kind is Kind.CONSUMPTION:
                assert file.service is not None
                file.doc = read_consumption(file.path, file.service, file.display)
            elif kind is not Kind.ROSTER:
                raise InputError(
                    [
                        Diagnostic(
                            file.display,
                            1,
                            1,
                            "unknown-kind",
                            msg(
                                "a CSV file is checked as the roster or the consumption file "
                                "of the service that names it in servcommun.toml "
                                '(roster = "...", consumption = "..."), and none does'
                            ),
                        )
                    ]
                )
            file.kind = kind
            return
        doc = read_yaml(file.path, file.display, keep_going=True)
        file.problems.extend(doc.read_problems)
        if not_a_mapping(doc):
            raise InputError(not_a_mapping(doc))
        file.kind = kind or formats.kind_of(doc.data, doc.text)
        file.doc = doc
        if file.kind is None:
            raise InputError(
                [
                    doc.diagnostic(
                        (),
                        "unknown-kind",
                        msg("cannot tell what this file is: {how}", how=_how_to_tell()),
                    )
                ]
            )

    def _tariff(self, file: _File) -> None:
        assert file.doc is not None
        file.model, problems = tariff_problems(file.doc)
        file.problems.extend(problems)
        self._service_matches(file, file.model)
        file.problems += imputations_required(file.doc, file.model, self.config, file.service)

    def _service_matches(self, file: _File, model: Any) -> None:
        """A file named in servcommun.toml under a service says that service."""
        if file.doc is None or model is None or file.service is None:
            return
        if model.service != file.service:
            file.problems.append(
                file.doc.diagnostic(
                    ("service",),
                    "service-mismatch",
                    msg(
                        "this file says service '{service}', but servcommun.toml names it "
                        "under service '{named}'",
                        service=model.service,
                        named=file.service,
                    ),
                )
            )

    def _context_tariffs(self) -> list[_Version]:
        """Every valid tariff of the run, and those of servcommun.toml not in it (their own
        problems are for a check of those files)."""
        tariffs = [
            _Version(f.service or f.model.service, f.doc, f.model)
            for f in self.targets
            if f.kind is Kind.TARIFF and f.doc is not None and f.model is not None
        ]
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
        by_service: dict[str, list[tuple[Document, Tariff]]] = {}
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
                raise InputError(
                    [
                        Diagnostic(
                            file.display,
                            1,
                            1,
                            "no-tariff",
                            msg(
                                "no valid tariff of service '{service}' with a roster to read "
                                "this roster with",
                                service=service,
                            ),
                        )
                    ]
                )
            file.doc = read_roster_csv(file.path, max(grids, key=_start), file.display)
        file.model, problems = roster_problems(file.doc, grids, warnings=True)
        file.problems.extend(problems)
        if file.model is None:
            return
        self._service_matches(file, file.model)
        if grids and file.model.members:
            file.problems.extend(self._official(file.doc, file.model, grids, service))
        shown = {target.display for target in self.targets}
        for version in tariffs:
            if version.service == service and not version.tariff.parties:
                file.problems.extend(
                    d
                    for d in roster_checks.members_named_problems(
                        version.doc, version.tariff, file.model, file.display
                    )
                    if d.file in shown
                )
        if not grids:
            known = sorted({v.service for v in tariffs if not v.tariff.parties})
            reason = (
                msg(
                    "the tariff of service '{service}' names its parties: they are its "
                    "members, it has no roster",
                    service=file.model.service,
                )
                if versions
                else msg(
                    "no tariff of service '{service}' was found (known: {known}): check it "
                    "with its tariff files, or name both in servcommun.toml",
                    service=file.model.service,
                    known=listing(known),
                )
            )
            file.problems.append(file.doc.diagnostic(("service",), "no-tariff", reason))

    def _official(
        self, doc: Document, roster: Roster, grids: list[Tariff], service: str | None
    ) -> list[Diagnostic]:
        """The roster against the official table (``servcommun.official_checks``)."""
        from servcommun.communes import official_table
        from servcommun.official_checks import official_warnings

        config = self.config
        known = config is not None and not config.bundled and service in config.services
        epci = config.services[service].epci if known and service and config else None
        table = official_table(config.root if config and not config.bundled else None)
        return list(official_warnings(doc, roster, grids, table, epci))

    def _consumption(self, file: _File, tariffs: list[_Version]) -> None:
        """A consumption file against its service's tariffs and, when the run or
        servcommun.toml has it, its roster."""
        assert file.doc is not None
        data = file.doc.data
        service = file.service or (_text(data.get("service")) if isinstance(data, dict) else None)
        grids = [v.tariff for v in tariffs if not v.tariff.parties and v.service == service]
        roster = self._roster_of(service, grids)
        # a tariff naming its parties: their acts, checked against the parties it names
        named_parties = [v.tariff for v in tariffs if v.tariff.parties and v.service == service]
        if named_parties and not grids:
            grids = named_parties
            roster = party_roster(max(grids, key=_start))
        named = self.config.services.get(service) if self.config and service else None
        year = named.consumption_year(file.path) if named is not None else None
        file.model, problems = consumption_problems(file.doc, grids, roster, year)
        file.problems.extend(problems)
        self._service_matches(file, file.model)

    def _roster_of(self, service: str | None, grids: list[Tariff]) -> Roster | None:
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
            file.problems.append(
                file.doc.diagnostic(
                    ("service",),
                    "no-tariff",
                    msg(
                        "no tariff of service '{service}' was found: check the budget with "
                        "its tariff files, or name both in servcommun.toml",
                        service=file.model.service,
                    ),
                )
            )


def _how_to_tell() -> Message:
    """How a file says its kind (``formats.HOW_TO_TELL``, a message id marked there)."""
    how: object = formats.HOW_TO_TELL
    return how if isinstance(how, Message) else msg(str(how))


def _start(tariff: Tariff) -> dt.date:
    return tariff.valid_from


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
