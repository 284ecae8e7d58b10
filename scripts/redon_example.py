"""Regenerate the populations of the shipped Redon example roster from the official table.

Rewrites ``examples/redon/roster.yaml`` (``src/servcommun/bundled/examples/redon/`` links to
it): each member's name is the
commune's official name and its population the population totale in force on 1 January
2025 (millésime 2022, ``servcommun.communes``); subscriptions, audits, days and overrides
are kept. The package has no population totale in force in 2026 (millésime 2023, see
``src/servcommun/data/README.md``): the 2026 figure is the 2025 one, and the roster says
so (``millesimes: {2026: 2022}``) until INSEE's file is imported.

    python scripts/redon_example.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from servcommun.communes import bundled_table

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "redon" / "roster.yaml"
YEAR = 2025  # the latest year in force with a population totale in the package
STAND_IN = 2026  # billed on YEAR's figure, said in the roster

HEADER = f"""\
# yaml-language-server: $schema=../../schema/roster.schema.json
#
# Roster of the 31 communes of Redon Agglomération for the SI shared service.
# Populations: INSEE's population totale in force on 1 January {YEAR} (millésime
# {YEAR - 3}), from the official table (`servcommun roster init --epci 243500741`;
# INSEE via @etalab/decoupage-administratif, Licence Ouverte). The population totale in
# force in {STAND_IN} (millésime {STAND_IN - 3}) is not in the package: the {STAND_IN} figures are
# those of {YEAR} until INSEE's file is imported (`servcommun population import`).
# ILLUSTRATIVE DATA: subscriptions, audit dates, engineering days and the override are
# invented so that every rule of article 7 is exercised.
service: redon-agglomeration
note: liste illustrative — populations totales du millésime {YEAR - 3} ; adhésions inventées
illustrative: true
population:
  kind: totale
  millesimes: {{{YEAR}: {YEAR - 3}, {STAND_IN}: {YEAR - 3}}}
  source: "INSEE via @etalab/decoupage-administratif (Licence Ouverte)"
members:
"""


def regenerate(text: str) -> str:
    table = bundled_table()
    body = text[text.index("members:\n") + len("members:\n") :]
    out = []
    code = None
    for line in body.splitlines():
        match = re.match(r'  - id: "(\w+)"', line)
        if match:
            code = match[1]
        if code and line.startswith("    name: "):
            commune = table.commune(code)
            assert commune is not None, code
            line = f"    name: {json.dumps(commune.name, ensure_ascii=False)}"
        if code and line.startswith("    population: "):
            official = table.population(code, "totale", YEAR)
            assert official is not None and official.millesime == YEAR - 3, code
            line = f"    population: {{{YEAR}: {official.value}, {STAND_IN}: {official.value}}}"
        out.append(line)
    return HEADER + "\n".join(out) + "\n"


def main() -> None:
    ROSTER.write_text(regenerate(ROSTER.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
