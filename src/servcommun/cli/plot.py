"""``servcommun plot``: pictures (PNG or SVG) of the contribution grid and of a
simulated schedule. Needs matplotlib: ``pip install 'servcommun[plot]'``."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from servcommun.cli.app import (
    STDOUT,
    Lang,
    ServiceName,
    command_group,
    config_here,
    deliver_bytes,
    fail,
)
from servcommun.cli.notes import say_note, usage_error
from servcommun.cli.simulate import (
    Acts,
    Attribution,
    AuditDate,
    Days,
    FromYear,
    JoinDate,
    MemberId,
    Name,
    Offers,
    Population,
    Share,
    TakeFrom,
    ToYear,
    scenario_from_options,
    scenario_refused,
)
from servcommun.language import N_
from servcommun.message import msg

plot_app = command_group(
    "plot", N_("Pictures (PNG or SVG) of the grid and of a simulated schedule.")
)

Output = Annotated[
    Path,
    typer.Option(
        "--output", "-o", help=N_("The picture to write: FILE.png or FILE.svg (atomically).")
    ),
]
Force = Annotated[bool, typer.Option("--force", help=N_("Replace --output if it exists."))]


@plot_app.command(
    "grid",
    help=N_("Each offer's contribution against the population: the steps and their jumps."),
)
def plot_grid(
    output: Output,
    offer: Annotated[
        list[str] | None,
        typer.Option("--offer", help=N_("Only this offer; repeatable (default: every offer).")),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year", min=1900, max=2999, help=N_("Tariff year (default: the current year).")
        ),
    ] = None,
    up_to: Annotated[
        int | None,
        typer.Option(
            "--up-to",
            min=10,
            help=N_("Largest population shown (default: past the last boundary)."),
        ),
    ] = None,
    service: ServiceName = None,
    force: Force = False,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.analysis import contribution_curves
    from servcommun.diagnostics import InputError
    from servcommun.engine.simulate import ScenarioError
    from servcommun.pipeline import load, today

    kind = _picture_kind(output)
    year = year if year is not None else today().year
    try:
        loaded = load(config_here(), service, [year]).year(year)
        curves = contribution_curves(loaded, year, offer or (), up_to)
        from servcommun.render.plot import figure_bytes, grid_figure
        from servcommun.render.words import say

        tariff = loaded.tariff
        figure = grid_figure(
            {say(label): segments for label, segments in curves.items()},
            title=tariff.title,
            year=year,
            currency=tariff.currency,
            locale=tariff.locale,
        )
        _write(output, figure_bytes(figure, kind), force)
    except InputError as error:
        fail(error.diagnostics)
    except ScenarioError as error:
        scenario_refused(error)


@plot_app.command(
    "schedule",
    help=N_("A simulated member's schedule (the options of `servcommun simulate`), as bars."),
)
def plot_schedule(
    output: Output,
    offer: Offers = None,
    population: Population = None,
    member: MemberId = None,
    name: Name = None,
    audit: AuditDate = None,
    join: JoinDate = None,
    days: Days = None,
    from_year: FromYear = None,
    to_year: ToYear = None,
    service: ServiceName = None,
    share: Share = None,
    take_from: TakeFrom = None,
    act: Acts = None,
    attribution: Attribution = None,
    force: Force = False,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.analysis import simulate
    from servcommun.diagnostics import InputError
    from servcommun.engine.simulate import ScenarioError

    kind = _picture_kind(output)
    scenario = scenario_from_options(
        offer,
        population,
        member,
        name,
        audit,
        join,
        days,
        from_year,
        to_year,
        share,
        take_from,
        acts=act,
        attribution=attribution,
    )
    try:
        loaded, result = simulate(config_here(), service, scenario, within=0)
        from servcommun.render.plot import figure_bytes, schedule_figure

        tariff = loaded.tariff
        offers = {o.id: o.label for o in tariff.offers}
        figure = schedule_figure(
            result,
            offers=offers,
            title=tariff.title,
            currency=tariff.currency,
            locale=tariff.locale,
        )
        _write(output, figure_bytes(figure, kind), force)
    except InputError as error:
        fail(error.diagnostics)
    except ScenarioError as error:
        scenario_refused(error)


def _picture_kind(output: Path) -> str:
    """png or svg from the file's suffix; plotting needs matplotlib (the ``plot`` extra)."""
    kind = output.suffix.lower().lstrip(".")
    if kind not in ("png", "svg"):
        usage_error(
            msg(
                "{option} {output}: name a .png or .svg file", option="--output", output=str(output)
            )
        )
    if importlib.util.find_spec("matplotlib") is None:
        say_note(
            msg(
                "servcommun plot needs matplotlib: {command}",
                command="pip install 'servcommun[plot]'",
            )
        )
        raise typer.Exit(1)
    return kind


def _write(output: Path, content: bytes, force: bool) -> None:
    deliver_bytes(content, output, force)
    if output != STDOUT:
        say_note(msg("wrote {output}", output=str(output)))
