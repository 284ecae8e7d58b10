"""Time whole `servcommun` processes, as a user waits for them.

Each case runs once to warm up, then ``--runs`` times; the figures are medians (with
min and max) as multiples of ``python -c pass`` measured just before each case, plus the
peak memory of the process. Synthetic rosters come from ``generate.py``.

    python benchmarks/run.py                       # print the table
    python benchmarks/run.py --write benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARIFF = ROOT / "tariffs" / "redon-agglomeration-2022.yaml"
DATA = ROOT / "benchmarks" / "data"


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    cwd: Path
    target: float | None  # multiple of `python -c pass`; None: a reference figure
    memory_mb: float | None = None
    env: tuple[tuple[str, str], ...] = ()
    command: tuple[str, ...] | None = None  # instead of `servcommun ARGS`


@dataclass(frozen=True)
class Timing:
    median: float
    low: float
    high: float
    peak_mb: float


def servcommun() -> list[str]:
    script = Path(sys.executable).parent / "servcommun"
    if script.exists():
        return [str(script)]
    found = shutil.which("servcommun")
    return [found] if found else [sys.executable, "-m", "servcommun"]


def child_environment(extra: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """The environment of a timed process: this one's, as a user's shell would have it.
    Python may write its bytecode cache (as it does on a user's machine, and as ``pip
    install`` does for installed packages): a shell that forbids it makes every run
    compile servcommun's modules from source, which no user waits for twice."""
    environment = {**os.environ, **dict(extra)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def measure(command: list[str], cwd: Path, runs: int,
            env: tuple[tuple[str, str], ...] = ()) -> Timing:
    """Wall time and peak resident memory of ``command``, warm-up excluded."""
    times: list[float] = []
    peak = 0
    for attempt in range(runs + 1):
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, env=child_environment(env))
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        error = process.stderr.read().decode() if process.stderr else ""
        if process.returncode not in (0,):
            raise SystemExit(f"{' '.join(command)} exited {process.returncode}: {error}")
        if attempt:  # the first run warms the file and bytecode caches
            times.append(elapsed)
            peak = max(peak, usage.ru_maxrss)
    return Timing(statistics.median(times), min(times), max(times), peak / 1024)


def data_dir(name: str, count: int, roster_format: str) -> Path:
    """A synthetic data directory, generated in another process: the runner stays small,
    since a child's peak memory counts what it inherits from its parent before exec."""
    folder = DATA / name
    subprocess.run([sys.executable, str(Path(__file__).with_name("generate.py")), str(count),
                    str(folder), "--data-dir", str(TARIFF), "--format", roster_format],
                   check=True)
    return folder


def cases() -> list[Case]:
    small_csv = data_dir("csv-1500", 1500, "csv")
    large_csv = data_dir("csv-35000", 35000, "csv")
    large_yaml = data_dir("yaml-35000", 35000, "yaml")
    bill = ("bill", "--year", "2026")
    stack = "import typer, yaml; from pydantic import BaseModel; from rich.table import Table"
    return [
        Case("reference: importing typer, pydantic, rich, yaml", (), ROOT, None,
             command=(sys.executable, "-c", stack)),
        Case("servcommun --version", ("--version",), ROOT, 3),
        Case("servcommun --help", ("--help",), ROOT, 10),
        Case("bill --year 2026, shipped example (table)", bill, ROOT, 16),
        Case("check tariffs/ examples/", ("check", "tariffs/", "examples/"), ROOT, 16),
        Case("bill --format csv, 1 500-member CSV roster", (*bill, "--format", "csv"),
             small_csv, 25),
        Case("bill --format csv, 35 000-member CSV roster", (*bill, "--format", "csv"),
             large_csv, 60, memory_mb=250),
        Case("bill --format json, 35 000-member YAML roster", (*bill, "--format", "json"),
             large_yaml, 200),
        Case("reference: the same, cache off (a roster read for the first time)",
             (*bill, "--format", "json"), large_yaml, None,
             env=(("SERVCOMMUN_CACHE", "off"),)),
        Case("bill table, 1 500 members", bill, small_csv, 80),
    ]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{os.cpu_count()} cores ({cpu}){memory}; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--write", type=Path, help="write the results as Markdown here")
    parser.add_argument("--only", help="run the cases whose name contains this text")
    args = parser.parse_args()

    rows = []
    bases: list[Timing] = []
    for case in cases():
        if args.only and args.only not in case.name:
            continue
        # the baseline is measured again just before each case: a machine's speed drifts
        # over a run, and a ratio should compare processes run in the same conditions
        base = measure([sys.executable, "-c", "pass"], ROOT, args.runs)
        bases.append(base)
        try:
            command = list(case.command) if case.command else [*servcommun(), *case.args]
            timing = measure(command, case.cwd, args.runs, case.env)
        except SystemExit as failure:
            print(f"{case.name:48} FAILED: {str(failure).splitlines()[0]}", flush=True)
            continue
        ratio = timing.median / base.median
        met = case.target is None or (ratio <= case.target and (
            case.memory_mb is None or timing.peak_mb <= case.memory_mb))
        rows.append((case, timing, ratio, met))
        target = "reference" if case.target is None else f"target ≤ {case.target:g}×"
        print(f"{case.name:48} {ratio:6.1f}× ({target})  "
              f"median {timing.median * 1000:7.0f} ms  min {timing.low * 1000:7.0f}  "
              f"max {timing.high * 1000:7.0f}  peak {timing.peak_mb:6.0f} MB  "
              f"{'' if case.target is None else 'ok' if met else 'MISSED'}", flush=True)
    if args.write:
        args.write.write_text(report(bases, rows, args.runs), encoding="utf-8")


def report(bases: list[Timing], rows: list[tuple[Case, Timing, float, bool]],
           runs: int) -> str:
    low = min(base.median for base in bases) * 1000
    high = max(base.median for base in bases) * 1000
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"Command: `python benchmarks/run.py --runs {runs} --write benchmarks/RESULTS.md`; "
        f"medians of {runs} runs after one warm-up, as multiples of `python -c pass` "
        f"measured just before each case ({low:.1f}–{high:.1f} ms), "
        + ("in a virtual environment holding servcommun and its dependencies only (the "
           "README's setup)." if sys.prefix != sys.base_prefix else
           "in the system interpreter (its site packages change what `python -c pass` "
           "costs: prefer a virtual environment)."),
        "Each process may write Python's bytecode cache, as on a user's machine. "
        "Synthetic rosters: `benchmarks/generate.py` (`benchmarks/data/`, not committed). "
        "Validated inputs come from the cache after the warm-up run "
        "(`servcommun.cache`); the reference row gives the same run with it off.",
        "",
        "| case | median | target | median ms (min–max) | peak memory | met |",
        "|---|---|---|---|---|---|",
    ]
    for case, timing, ratio, met in rows:
        memory_target = f" (≤ {case.memory_mb:g} MB)" if case.memory_mb else ""
        target = "—" if case.target is None else f"≤ {case.target:g}×"
        verdict = "—" if case.target is None else "yes" if met else "**no**"
        lines.append(
            f"| {case.name} | {ratio:.1f}× | {target} | "
            f"{timing.median * 1000:.0f} ({timing.low * 1000:.0f}–{timing.high * 1000:.0f}) | "
            f"{timing.peak_mb:.0f} MB{memory_target} | {verdict} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
