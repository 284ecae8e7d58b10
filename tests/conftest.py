"""Shared fixtures: the shipped tariffs, members built in one line, the CLI as a user runs
it (in this process, or as a real process)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from servcommun import language
from servcommun.loader import load_tariff
from servcommun.roster import Member, Override, Subscription
from servcommun.tariff import Tariff
from servcommun.terms import Act

ROOT = Path(__file__).resolve().parents[1]
REDON = ROOT / "tariffs" / "redon-agglomeration-2022.yaml"


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The tests, and the commands they run, keep their cache of validated inputs apart
    from the user's."""
    os.environ["SERVCOMMUN_CACHE"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests read English, the language of the message ids, unless they ask for
    French (``--lang fr``, or ``SERVCOMMUN_LANG`` set again): the commands they run, in
    this process or as real processes, included."""
    monkeypatch.setenv("SERVCOMMUN_LANG", "en")
    language.choose(None)


@pytest.fixture(scope="session")
def redon() -> Tariff:
    tariff = load_tariff(REDON)
    assert isinstance(tariff, Tariff)
    return tariff


def member(
    population: int,
    *subscriptions: tuple[str, str] | tuple[str, str, str],
    id: str = "35999",
    year: int = 2026,
    own_it: bool = False,
    days: str | None = None,
    overrides: tuple[Override, ...] = (),
) -> Member:
    """A member from ("offer", "start"[, "end"]) pairs; for the one-off 'audit' the date is
    the delivery date."""
    subs = []
    for offer, first, *rest in subscriptions:
        if offer == "audit":
            subs.append(Subscription(offer=offer, delivered=dt.date.fromisoformat(first)))
        else:
            subs.append(
                Subscription(
                    offer=offer,
                    start=dt.date.fromisoformat(first),
                    end=dt.date.fromisoformat(rest[0]) if rest else None,
                )
            )
    return Member(
        id=id,
        name=f"Commune {id}",
        population={y: population for y in range(year - 3, year + 4)},
        attributes={"own_it_department": True} if own_it else {},
        subscriptions=tuple(subs),
        consumption=(
            (Act(unit=DAYS, date=dt.date(year, 12, 31), quantity=Decimal(days)),) if days else ()
        ),
        overrides=overrides,
    )


DAYS = "jour-ingenierie"
"""The unit the Redon tariff counts engineering days in (art. 7.1.1)."""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The command, run in this process as the installed one runs it: the same Typer
    application, its exit code, its stdout and stderr apart, at a fixed width with no
    colour, in ``cwd``. An exception the command does not turn into a message fails the
    test (a user would see a traceback). What only a real process shows (exit codes of the
    interpreter, what is imported, signals) is tested with ``run_process``."""
    from typer.testing import CliRunner

    from servcommun.cli.commands import application, language_asked

    env = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    language.choose(language_asked(args))  # as the installed command does before parsing
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(application(args), list(args), env=env, catch_exceptions=False)
    return subprocess.CompletedProcess(
        ["servcommun", *args], result.exit_code, result.stdout, result.stderr
    )


def run_process(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The installed command, run as a user runs it (a real process, fixed width)."""
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run(
        [sys.executable, "-m", "servcommun", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
