"""Bill every French commune with its real population: all subscribed to one offer.

Writes ``benchmarks/data/communes/`` (a CSV roster of every commune the official table
gives a population totale in force in 2025 for, each subscribed to the purchasing group
of the Redon tariff from 1 January 2025, and its ``servcommun.toml``), then times
``servcommun bill --year 2025 --format csv`` on it (after a warm-up run, as the
finance officer's bill of unchanged files, served from the cache, and with the cache off,
as after a change) and reports the wall time and peak memory of the process. The bill's
total is checked against the purchasing-group rule (art. 7.2.2) applied here to each
population, in Decimal. ``run.py`` times the same bill among its cases: it calls this
script with ``--prepare`` (the folder written and its bill checked, nothing timed).

    python benchmarks/communes.py [--runs 5]
    python benchmarks/communes.py --prepare
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import subprocess
import sys
from decimal import Decimal

from run import CACHE, DATA, NO_CACHE, TARIFF, Run, child_environment, machine, measure, servcommun

from servcommun.communes import bundled_table

YEAR = 2025
OFFER = "groupement-achats"
FOLDER = DATA / "communes"
# art. 7.2.2 (DESIGN §2.1): the fixed part by bracket, plus 0,25 € an inhabitant
BRACKETS = ((1499, Decimal(750)), (2999, Decimal(1250)), (8000, Decimal(2000)))
ABOVE = Decimal(3500)
RATE = Decimal("0.25")


def purchasing_group(population: int) -> Decimal:
    fixed = next((amount for top, amount in BRACKETS if population <= top), ABOVE)
    return fixed + RATE * population


def write_roster() -> tuple[int, Decimal]:
    """The data directory; the number of communes and the bill's expected total."""
    table = bundled_table()
    FOLDER.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["id", "name", "siren", f"population_{YEAR}", OFFER])
    count, total = 0, Decimal(0)
    for code, commune in sorted(table.communes.items()):
        official = table.population(code, "totale", YEAR)
        if official is None or official.value == 0:
            continue
        writer.writerow([code, commune.name, commune.siren, official.value, f"{YEAR}-01-01"])
        count += 1
        total += purchasing_group(official.value)
    (FOLDER / "roster.csv").write_text(text.getvalue(), encoding="utf-8")
    (FOLDER / "servcommun.toml").write_text(
        f'[services.redon-agglomeration]\ntariffs = ["{TARIFF}"]\nroster = "roster.csv"\n',
        encoding="utf-8",
    )
    return count, total


def billed_total() -> tuple[int, Decimal]:
    """The statements and total of the bill, read from its CSV (one row per line)."""
    result = subprocess.run(
        [*servcommun(), "bill", "--year", str(YEAR), "--format", "csv"],
        cwd=FOLDER,
        env=child_environment(NO_CACHE),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    members = {row["member_id"] for row in rows}
    return len(members), sum((Decimal(row["amount"]) for row in rows), Decimal(0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--prepare", action="store_true", help="write the folder and check its bill only"
    )
    args = parser.parse_args()
    count, expected = write_roster()
    members, total = billed_total()
    if members != count or total != expected:
        raise SystemExit(f"billed {members} communes, {total} €: expected {count}, {expected} €")
    print(f"{count} communes, population totale in force in {YEAR}; bill total {total} €")
    if args.prepare:
        return
    print(f"Machine: {machine()}")
    command = [*servcommun(), "bill", "--year", str(YEAR), "--format", "csv"]
    for label, env in (("cached (files unchanged)", ()), ("nothing cached", NO_CACHE)):
        shutil.rmtree(CACHE, ignore_errors=True)
        base, timing = measure(
            [Run([sys.executable, "-c", "pass"], FOLDER), Run(command, FOLDER, env)], args.runs
        )
        print(
            f"bill --format csv, {label}: median {timing.median * 1000:.0f} ms "
            f"(min {timing.low * 1000:.0f}, max {timing.high * 1000:.0f}; "
            f"{timing.median / base.median:.1f}× python -c pass), "
            f"peak memory {timing.peak_mb:.0f} MB"
        )


if __name__ == "__main__":
    main()
