"""Time whole `servcommun` processes, as a user waits for them.

Each case runs once to warm up, then ``--runs`` times, each run right after a run of
``python -c pass``; the figures are medians (with min and max) as multiples of the median
of those, plus the peak memory of the process. Synthetic rosters come from
``generate.py``; the runs keep their cache in ``benchmarks/data/cache``, emptied first.
A case that takes seconds (the statements) has its target in seconds and fewer runs; the
35 000 statements (several minutes) run only when asked for.

    python benchmarks/run.py                       # print the table
    python benchmarks/run.py --write benchmarks/RESULTS.md
    python benchmarks/run.py --statements-35000    # and the 35 000 PDF statements
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARIFF = ROOT / "tariffs" / "redon-agglomeration-2022.yaml"
DATA = ROOT / "benchmarks" / "data"
CACHE = DATA / "cache"
NO_CACHE = (("SERVCOMMUN_CACHE", "off"),)


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    cwd: Path
    target: float | None  # multiple of `python -c pass`; None: a reference figure
    memory_mb: float | None = None
    env: tuple[tuple[str, str], ...] = ()
    command: tuple[str, ...] | None = None  # instead of `servcommun ARGS`
    seconds: float | None = None  # a target in seconds (median), besides or instead
    runs: int | None = None  # fewer runs than --runs, for a case that takes seconds
    workers: bool = False  # the command starts worker processes: their memory counts too
    prepare: tuple[str, ...] = ()  # `servcommun ARGS` run first, untimed (a case run once)


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
    """The environment of a timed process: this one's, as a user's shell would have it,
    with the runs' own cache. Python may write its bytecode cache (as it does on a user's
    machine, and as ``pip install`` does for installed packages): a shell that forbids it
    makes every run compile servcommun's modules from source, which no user waits for
    twice."""
    environment = {**os.environ, "SERVCOMMUN_CACHE": str(CACHE), **dict(extra)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


@dataclass(frozen=True)
class Run:
    command: list[str]
    cwd: Path
    env: tuple[tuple[str, str], ...] = ()
    workers: bool = False


def measure(commands: list[Run], runs: int, warm_up: bool = True) -> list[Timing]:
    """Wall time and peak resident memory of each command, warm-up excluded. The commands
    run in turn, ``runs`` times over: a machine's speed drifts (another process, the CPU's
    clock), and a ratio should compare processes run in the same conditions. Without
    ``warm_up`` (a case of minutes, run once) the one run counts."""
    times: list[list[float]] = [[] for _ in commands]
    peaks = [0] * len(commands)
    for attempt in range(runs + 1 if warm_up else runs):
        for index, run in enumerate(commands):
            elapsed, peak = timed(run)
            if attempt or not warm_up:  # the first run warms the file, bytecode and caches
                times[index].append(elapsed)
                peaks[index] = max(peaks[index], peak)
    return [
        Timing(statistics.median(each), min(each), max(each), peak / 1024)
        for each, peak in zip(times, peaks, strict=True)
    ]


def timed(run: Run) -> tuple[float, int]:
    """One run's wall time (s) and peak resident memory (KiB): the process's own peak
    or, for a command with workers, the larger of that and of its process tree's, sampled
    every 50 ms by a thread while this one waits for the process; a failure stops the
    case."""
    start = time.perf_counter()
    process = subprocess.Popen(
        run.command,
        cwd=run.cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=child_environment(run.env),
    )
    finished = threading.Event()
    tree_peak = [0]

    def sample() -> None:
        while not finished.wait(0.05):
            tree_peak[0] = max(tree_peak[0], tree_memory(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    if run.workers:
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    finished.set()
    if run.workers:
        sampler.join()
    error = process.stderr.read().decode() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(run.command)} exited {code}: {error}")
    return elapsed, max(usage.ru_maxrss, tree_peak[0])


def tree_memory(pid: int) -> int:
    """The proportional resident memory (KiB, PSS: a page shared by n processes counts
    1/n in each) of ``pid`` and of its descendants, summed (Linux; 0 elsewhere)."""
    total, waiting = 0, [pid]
    while waiting:
        process = waiting.pop()
        try:
            status = Path(f"/proc/{process}/smaps_rollup").read_text()
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("Pss:")
            )
            for task in Path(f"/proc/{process}/task").iterdir():
                waiting.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


def data_dir(name: str, count: int, roster_format: str) -> Path:
    """A synthetic data directory, generated in another process: the runner stays small,
    since a child's peak memory counts what it inherits from its parent before exec."""
    folder = DATA / name
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("generate.py")),
            str(count),
            str(folder),
            "--data-dir",
            str(TARIFF),
            "--format",
            roster_format,
        ],
        check=True,
    )
    return folder


def communes_dir() -> Path:
    """Every French commune with its real population (``communes.py``), its bill checked
    against the rule applied by hand; in another process, as ``data_dir``."""
    script = Path(__file__).with_name("communes.py")
    subprocess.run(
        [sys.executable, str(script), "--prepare"], check=True, stdout=subprocess.DEVNULL
    )
    return DATA / "communes"


def cases(statements_35000: bool = False) -> list[Case]:
    small_csv = data_dir("csv-1500", 1500, "csv")
    large_csv = data_dir("csv-35000", 35000, "csv")
    large_yaml = data_dir("yaml-35000", 35000, "yaml")
    communes = communes_dir()
    bill = ("bill", "--year", "2026")
    stack = "import typer, yaml; from pydantic import BaseModel; from rich.table import Table"
    cold = "the same, nothing cached"
    folder = ("statements", "--year", "2026", "--force", "--output")
    found = [
        Case(
            "reference: importing typer, pydantic, rich, yaml",
            (),
            ROOT,
            None,
            command=(sys.executable, "-c", stack),
        ),
        Case("servcommun --version", ("--version",), ROOT, 3),
        Case("servcommun --help", ("--help",), ROOT, 10),
        Case("bill --year 2026, shipped example (table)", bill, ROOT, 16),
        Case(f"{cold} (a file changed since the last bill)", bill, ROOT, 18, env=NO_CACHE),
        Case("check tariffs/ examples/", ("check", "tariffs/", "examples/"), ROOT, 16),
        Case(
            f"{cold} (CI's fresh clone)",
            ("check", "tariffs/", "examples/"),
            ROOT,
            18,
            env=NO_CACHE,
        ),
        Case(
            "bill --format csv, 1 500-member CSV roster", (*bill, "--format", "csv"), small_csv, 25
        ),
        Case(
            "bill --format csv, 35 000-member CSV roster",
            (*bill, "--format", "csv"),
            large_csv,
            60,
            memory_mb=250,
        ),
        Case(cold, (*bill, "--format", "csv"), large_csv, 60, memory_mb=150, env=NO_CACHE),
        Case(
            "bill --format json, 35 000-member YAML roster",
            (*bill, "--format", "json"),
            large_yaml,
            200,
        ),
        Case(
            f"{cold} (a roster read for the first time)",
            (*bill, "--format", "json"),
            large_yaml,
            200,
            memory_mb=250,
            env=NO_CACHE,
        ),
        Case("bill table, 1 500 members", bill, small_csv, 80),
        # the real populations of the official table, the targets of a roster of that size
        Case(
            "bill --format csv, every French commune (real populations)",
            ("bill", "--year", "2025", "--format", "csv"),
            communes,
            60,
            memory_mb=250,
        ),
        Case(
            cold,
            ("bill", "--year", "2025", "--format", "csv"),
            communes,
            60,
            memory_mb=150,
            env=NO_CACHE,
        ),
        Case(
            "statements, 1 500-member CSV roster (PDFs)",
            (*folder, str(DATA / "statements-1500")),
            small_csv,
            None,
            memory_mb=200,
            seconds=15,
            runs=3,
            workers=True,
        ),
    ]
    if statements_35000:
        found.append(
            Case(
                "statements, 35 000-member CSV roster (PDFs)",
                (*folder, str(DATA / "statements-35000")),
                large_csv,
                None,
                memory_mb=200,
                runs=1,
                workers=True,
                prepare=(*bill, "--format", "csv"),  # the bill comes from the cache
            )
        )
    return found


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
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--write", type=Path, help="write the results as Markdown here")
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument(
        "--statements-35000",
        action="store_true",
        help="also make the 35 000 PDF statements (several minutes)",
    )
    args = parser.parse_args()

    shutil.rmtree(CACHE, ignore_errors=True)  # each case's warm-up run fills it anew
    rows = []
    bases: list[Timing] = []
    for case in cases(args.statements_35000):
        if args.only and args.only not in case.name:
            continue
        command = list(case.command) if case.command else [*servcommun(), *case.args]
        try:
            if case.prepare:
                timed(Run([*servcommun(), *case.prepare], case.cwd, case.env))
            base, timing = measure(
                [
                    Run([sys.executable, "-c", "pass"], ROOT),
                    Run(command, case.cwd, case.env, case.workers),
                ],
                case.runs or args.runs,
                warm_up=case.runs != 1,
            )
        except SystemExit as failure:
            print(f"{case.name:48} FAILED: {str(failure).splitlines()[0]}", flush=True)
            continue
        bases.append(base)
        ratio = timing.median / base.median
        met = (
            (case.target is None or ratio <= case.target)
            and (case.seconds is None or timing.median <= case.seconds)
            and (case.memory_mb is None or timing.peak_mb <= case.memory_mb)
        )
        rows.append((case, timing, ratio, met))
        print(
            f"{case.name[:48]:48} {ratio:6.1f}× ({target_text(case)})  "
            f"median {timing.median * 1000:7.0f} ms  min {timing.low * 1000:7.0f}  "
            f"max {timing.high * 1000:7.0f}  peak {timing.peak_mb:6.0f} MB  "
            f"{'' if is_reference(case) else 'ok' if met else 'MISSED'}",
            flush=True,
        )
    if args.write:
        args.write.write_text(report(bases, rows, args.runs), encoding="utf-8")


def is_reference(case: Case) -> bool:
    return case.target is None and case.seconds is None and case.memory_mb is None


def target_text(case: Case) -> str:
    """``≤ 18×``, ``≤ 15 s, ≤ 200 MB``…, or ``—`` for a reference figure."""
    parts = [f"≤ {case.target:g}×"] if case.target is not None else []
    parts += [f"≤ {case.seconds:g} s"] if case.seconds is not None else []
    parts += [f"≤ {case.memory_mb:g} MB"] if case.memory_mb is not None else []
    return ", ".join(parts) or "—"


def report(bases: list[Timing], rows: list[tuple[Case, Timing, float, bool]], runs: int) -> str:
    low = min(base.median for base in bases) * 1000
    high = max(base.median for base in bases) * 1000
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"Command: `python benchmarks/run.py --runs {runs} --write benchmarks/RESULTS.md`; "
        f"medians of {runs} runs (or of the runs the table says) after one warm-up (none "
        "for a case run once), as multiples of the median of "
        f"`python -c pass` run in turn with each case ({low:.1f}–{high:.1f} ms), "
        + (
            "in a virtual environment holding servcommun and its dependencies only (the "
            "README's setup)."
            if sys.prefix != sys.base_prefix
            else "in the system interpreter (its site packages change what `python -c pass` "
            "costs: prefer a virtual environment)."
        ),
        "Each process may write Python's bytecode cache, as on a user's machine. "
        "Synthetic rosters: `benchmarks/generate.py` (`benchmarks/data/`, not committed). "
        "After each case's warm-up run, its bill or check comes from servcommun's cache "
        "(`servcommun.cache`, kept in `benchmarks/data/cache`): the files are unchanged "
        "since the last run, as when the finance officer bills again or CI checks a "
        'commit that did not touch the tariffs; each "nothing cached" row gives the '
        "case before it with the cache off (`SERVCOMMUN_CACHE=off`), as after any change "
        "of a file it reads. The statements cases bill from the cache and make every PDF "
        "(the PDFs are never cached), in worker processes: their peak memory is that of "
        "the whole process tree, summed (proportional set sizes, sampled every 50 ms).",
        "",
        "| case | median | target | median ms (min–max) | peak memory | runs | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for case, timing, ratio, met in rows:
        verdict = "—" if is_reference(case) else "yes" if met else "**no**"
        lines.append(
            f"| {case.name} | {ratio:.1f}× | {target_text(case)} | "
            f"{timing.median * 1000:.0f} ({timing.low * 1000:.0f}–{timing.high * 1000:.0f}) | "
            f"{timing.peak_mb:.0f} MB | {case.runs or runs} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
