"""What analysts run on a service: a newcomer simulated over the years, members near a
bracket boundary, two bills compared, a key derived from a target amount.

Each function loads through ``pipeline`` and computes with the engine; nothing prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from servcommun.budget import Budget
from servcommun.config import Config, Service
from servcommun.diagnostics import Diagnostic, InputError
from servcommun.engine.bill import bill_members
from servcommun.engine.diff import BillDiff, diff_bills
from servcommun.engine.keys import DerivedKey, derive_share
from servcommun.engine.result import Bill
from servcommun.engine.simulate import Scenario, ScenarioError, Simulation, simulate_sharing
from servcommun.engine.simulate import simulate as simulate_members
from servcommun.engine.thresholds import (
    CurveSegment,
    NearBoundary,
    last_boundary,
    near_boundaries,
    offer_curve,
)
from servcommun.language import N_
from servcommun.loader import load_budget
from servcommun.message import Message, msg, msg_n
from servcommun.pipeline import (
    Loaded,
    Span,
    budget_path,
    load,
    load_span,
    load_tariffs,
    service_roster,
    tariff_for_year,
)
from servcommun.roster import Member
from servcommun.tariff import Tariff
from servcommun.terms import Billing, CostCategory


def simulate(
    config: Config, service_name: str | None, scenario: Scenario, within: int
) -> tuple[Loaded, Simulation]:
    """A prospective member's schedule on the service's roster (one tariff version must be
    in force over all the years simulated), or a new party's share of the cost of a
    service whose tariff names its parties, over the years."""
    service = config.service(service_name)
    versions = load_tariffs(config, service)
    if tariff_for_year(config, service, scenario.from_year, versions)[1].parties:
        return _simulate_party(config, service, scenario, versions)
    span = load_span(config, service.id, scenario.from_year, scenario.to_year, versions)
    loaded = span.loaded
    assert loaded.roster is not None
    members = loaded.roster.members
    result = simulate_members(loaded.tariff, members, scenario, within=within, data=loaded.data)
    notes = _span_notes(span)
    if notes:
        result = replace(result, notes=(*result.notes, *notes))
    return loaded, result


def _span_notes(span: Span) -> list[Message]:
    """What a simulation says of the files it looked ahead of (``pipeline.load_span``)."""
    notes = [
        msg(
            "no {year:year} consumption file ({file}): the roster's members are "
            "counted without acts in {year:year}",
            year=year,
            file=file,
        )
        for year, file in span.without_acts
    ]
    for year, latest, actual in span.stand_ins:
        if actual:
            notes.append(
                msg(
                    "no {year:year} budget: the {latest:year} budget stands for it, without "
                    "its actual figures (no year-end adjustment in {year:year})",
                    year=year,
                    latest=latest,
                )
            )
        else:
            notes.append(
                msg(
                    "no {year:year} budget: the {latest:year} budget stands for it",
                    year=year,
                    latest=latest,
                )
            )
    return notes


def _simulate_party(
    config: Config,
    service: Service,
    scenario: Scenario,
    versions: Sequence[tuple[Path, Tariff]],
) -> tuple[Loaded, Simulation]:
    """A new party of a service whose tariff names its parties: each year's tariff version
    and budget; a year without a budget is costed on the last budget before it (the
    engine says so)."""
    tariffs: dict[int, Tariff] = {}
    budgets: dict[int, Budget] = {}
    files: list[str] = []
    latest: Budget | None = None
    for year in range(scenario.from_year, scenario.to_year + 1):
        path, tariff = tariff_for_year(config, service, year, versions)
        if not tariff.parties:
            raise InputError(
                [
                    Diagnostic(
                        config.display(path),
                        1,
                        1,
                        "not-supported",
                        msg(
                            "this version of the tariff has a roster, the one of "
                            "{first:year} names its parties: simulate the two periods "
                            "separately",
                            first=scenario.from_year,
                        ),
                    )
                ]
            )
        tariffs[year] = tariff
        files.append(config.display(path))
        budget_file = service.budget_for(year)
        if budget_file is not None and budget_file.is_file():
            latest = load_budget(budget_file, tariff, config.display(budget_file), year)
            files.append(config.display(budget_file))
        elif latest is None:
            latest = _budget_before(config, service, tariff, year)
        budgets[year] = latest
    result = simulate_sharing(tariffs, budgets, scenario)
    first = scenario.from_year
    loaded = Loaded(service, tariffs[first], None, tuple(dict.fromkeys(files)), budgets[first])
    return loaded, result


def _budget_before(config: Config, service: Service, tariff: Tariff, year: int) -> Budget:
    """The latest budget of the ten years before ``year``, or the no-budget error."""
    for earlier in range(year - 1, year - 11, -1):
        path = service.budget_for(earlier)
        if path is not None and path.is_file():
            return load_budget(path, tariff, config.display(path), earlier)
    return load_budget(budget_path(config, service, year), tariff, None, year)


def thresholds(loaded: Loaded, year: int, within: int) -> tuple[NearBoundary, ...]:
    """Roster members within ``within`` inhabitants of a bracket boundary in ``year``."""
    if loaded.tariff.parties or loaded.roster is None:
        raise InputError(
            [
                Diagnostic(
                    loaded.files[0],
                    1,
                    1,
                    "not-supported",
                    msg(
                        "thresholds apply to members billed by population brackets (a "
                        "contribution-grid roster); the members of this service are the "
                        "parties its tariff names, sharing costs by key"
                    ),
                )
            ]
        )
    return near_boundaries(loaded.tariff, loaded.roster.members, year, within, loaded.data)


@dataclass(frozen=True)
class Comparison:
    """Two bills of a service compared: ``labels`` name the sides (file or year)."""

    diff: BillDiff
    labels: tuple[str, str]
    tariffs: tuple[Tariff, Tariff]
    files: tuple[str, ...]
    stale: tuple[tuple[str, int], ...] = ()  # (a draft, its worked examples not matching)


def diff(
    config: Config, service_name: str | None, years: Sequence[int], tariff_files: Sequence[Path]
) -> Comparison:
    """The service's roster billed on two sides: ``years`` (one or two) and ``tariff_files``
    (none: the service's version in force each year; one or two) pair up in order."""
    service = config.service(service_name)
    sides: list[tuple[str, int, Tariff, Bill]] = []
    members_file = ""
    problems: list[Diagnostic] = []
    own = None if tariff_files else load(config, service.id, sorted(set(years)))
    stale: dict[str, int] = {}  # a draft, and its worked-example figures not matching
    for index in (0, -1):
        year = years[index]
        try:  # the service's own version in force each year, or a draft grid
            loaded = (
                own.year(year)
                if own is not None
                else load(config, service.id, [year], draft=tariff_files[index]).year(year)
            )
        except InputError as error:
            problems.extend(error.diagnostics)
            continue
        if own is None:
            stale[loaded.files[0]] = loaded.stale_examples
        if service.roster is not None and not loaded.tariff.parties:
            members_file = config.display(service.roster)
        bill = bill_members(loaded.tariff, _members(loaded), year, loaded.data)
        sides.append((loaded.files[0], year, loaded.tariff, bill))
    if problems:
        raise InputError(list(dict.fromkeys(problems)))  # a roster's problem, said once
    (file_a, year_a, tariff_a, bill_a), (file_b, year_b, tariff_b, bill_b) = sides
    labels = (
        _side_label(file_a, year_a, file_a != file_b, year_a != year_b),
        _side_label(file_b, year_b, file_a != file_b, year_a != year_b),
    )
    return Comparison(
        diff_bills(bill_a, bill_b),
        labels,
        (tariff_a, tariff_b),
        (file_a, file_b, *([members_file] if members_file else [])),
        tuple(stale.items()),
    )


def _members(loaded: Loaded) -> Sequence[Member]:
    assert loaded.roster is not None  # a roster, or the parties the tariff names
    return loaded.roster.members


def _side_label(file: str, year: int, by_file: bool, by_year: bool) -> str:
    name = Path(file).name
    if by_file and by_year:
        return f"{year} ({name})"
    return name if by_file else str(year)


# -- key derivation (a share set from the amount a party should bear) ---------------------


@dataclass(frozen=True)
class Derivation:
    """A key derived for ``servcommun key derive``, and what it was derived from."""

    service: str
    tariff: Tariff
    tariff_file: str
    base_source: str  # where the base comes from, said with the result
    names: dict[str, str]  # party id → name, from every version of the service
    result: DerivedKey
    since: dt.date | None = None  # a key dated by year: its shares' date, of --year


def derive_key(
    config: Config,
    service_name: str | None,
    year: int | None,
    *,
    party: str,
    target: Decimal,
    base: Decimal | None,
    take_from: str,
) -> Derivation:
    """``party``'s share set to bear ``target`` on ``base``, taken from ``take_from``, in
    the key the budget lines are shared by in ``year`` (None: the service's latest
    version). Without ``base``, the base is the salary mass shared by the key in ``year``'s
    budget: the key is « utilisée essentiellement pour la refacturation de la masse
    salariale » (délibération 10-26). ``KeyDerivationError`` (from the engine) when the key
    cannot take it."""
    service = config.service(service_name)
    versions = load_tariffs(config, service)
    if year is not None:
        path, tariff = tariff_for_year(config, service, year, versions)
    else:
        path, tariff = max(versions, key=lambda version: version[1].valid_from)
    key = tariff.shared_key()
    if key is None:
        raise InputError(
            [
                Diagnostic(
                    config.display(path),
                    1,
                    1,
                    "not-supported",
                    msg(
                        "the tariff of service '{service}' has no percentage key to derive",
                        service=service.id,
                    ),
                )
            ]
        )
    names = {p.id: p.name for _, version in versions for p in version.parties}
    names.update({p.id: p.name for p in tariff.parties})
    if not tariff.parties:  # a key of communes (a pool's): their names are the roster's
        roster, _ = service_roster(config, service, tariff)
        names.update({member.id: member.name for member in roster.members})
    if base is None:
        assert year is not None  # the CLI asks for --base or --year
        if key.id not in {k for _, part in tariff.keyed_parts() for k in part.key_ids()}:
            # a key of pools only: no salary mass is shared by it, the base is the pool's
            raise InputError(
                [
                    Diagnostic(
                        config.display(path),
                        1,
                        1,
                        "derive-base",
                        msg(
                            "the key '{key}' shares no budget line, so no salary mass is its "
                            "base: give the base with {option}",
                            key=key.id,
                            option="--base",
                        ),
                    )
                ]
            )
        where = budget_path(config, service, year)
        budget = load(config, service.id, [year]).year(year).budget
        assert budget is not None  # the tariff shares budget lines by its key
        base = budget.shared_total(CostCategory.SALARY)
        from servcommun.render.words import say

        # said here, in the language in use: the result gives it as text (--base, else this)
        base_source = say(
            msg("the salary mass shared by the key in {file}", file=config.display(where))
        )
        if base <= 0:
            raise InputError(
                [
                    Diagnostic(
                        config.display(where),
                        1,
                        1,
                        "derive-base",
                        msg(
                            "no salary line is shared by the key in this budget: give the "
                            "base with {option}",
                            option="--base",
                        ),
                    )
                ]
            )
    else:
        base_source = "--base"
    if key.computed is not None:
        raise InputError(
            [
                Diagnostic(
                    config.display(path),
                    1,
                    1,
                    "not-supported",
                    msg(
                        "the key of service '{service}' is computed each year from its "
                        "agents' time: it has no share to derive",
                        service=service.id,
                    ),
                )
            ]
        )
    shares = key.shares
    since: dt.date | None = None
    if key.shares_by_year:
        entry = key.entry_in(year) if year is not None else None
        if entry is None:
            raise InputError(
                [
                    Diagnostic(
                        config.display(path),
                        1,
                        1,
                        "key-year",
                        msg(
                            "the key '{key}' of service '{service}' changes by year (its "
                            "shares from {dates}): say which year's shares to derive from "
                            "with {option}",
                            key=key.id,
                            service=service.id,
                            dates=", ".join(
                                entry.from_.isoformat() for entry in key.shares_by_year
                            ),
                            option="--year",
                        ),
                    )
                    if year is None
                    else Diagnostic(
                        config.display(path),
                        1,
                        1,
                        "key-year",
                        msg(
                            "the key '{key}' of service '{service}' has no shares in force "
                            "in {year:year}: its first shares apply from {start:date}",
                            key=key.id,
                            service=service.id,
                            year=year,
                            start=key.shares_by_year[0].from_,
                        ),
                    )
                ]
            )
        shares, since = entry.shares, entry.from_
    result = derive_share(
        shares,
        party=party,
        target=target,
        base=base,
        take_from=take_from,
        precision=key.precision,
    )
    return Derivation(service.id, tariff, config.display(path), base_source, names, result, since)


def contribution_curves(
    loaded: Loaded, year: int, offers: Sequence[str], up_to: int | None
) -> dict[Message, tuple[CurveSegment, ...]]:
    """Each offer's contribution from 1 to ``up_to`` inhabitants (default: a quarter past
    the highest boundary), keyed by the offer's label and how often it is billed (to say);
    every offer when none is named."""
    tariff = loaded.tariff
    if tariff.parties or not tariff.uses_population():
        raise InputError(
            [
                Diagnostic(
                    loaded.files[0],
                    1,
                    1,
                    "not-supported",
                    msg(
                        "contribution curves follow the population, and no rule of this "
                        "tariff uses it"
                    ),
                )
            ]
        )
    unknown = [name for name in offers if tariff.offer(name) is None]
    if unknown:
        raise ScenarioError(
            msg_n(
                "unknown offer {unknown} (offers: {offers})",
                "unknown offers {unknown} (offers: {offers})",
                n="count",
                count=len(unknown),
                unknown=", ".join(unknown),
                offers=", ".join(offer.id for offer in tariff.offers),
            )
        )
    limit = up_to or max(1000, -(-last_boundary(tariff) * 5 // 4 // 500) * 500)
    chosen = [offer for offer in tariff.offers if not offers or offer.id in offers]
    return {
        msg(_CURVE_LABELS[offer.billing], offer=offer.label): offer_curve(
            tariff, offer.id, year, limit, loaded.data
        )
        for offer in chosen
    }


_CURVE_LABELS = {
    Billing.ANNUAL: N_("{offer} (annual)"),
    Billing.ONE_OFF: N_("{offer} (one-off)"),
}
"""A curve's label: the offer, and how often it is billed."""
