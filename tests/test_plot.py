"""`servcommun plot`: the grid's step functions and a simulated schedule, written as PNG
or SVG and opened again as images."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from conftest import run
from servcommun.cli.commands import application

SVG = "{http://www.w3.org/2000/svg}"


def assert_picture(path: Path, size: tuple[int, int]) -> None:
    """A real picture of the expected size, with a drawing on it (not one flat colour)."""
    assert path.stat().st_size > 0
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == size
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 16) or []
        assert len(colours) > 20  # curves, text, hatching: many colours, not a blank page
        extrema = pixels.getextrema()
        assert any(low < 100 for low, _ in extrema) and all(high > 200 for _, high in extrema)


def test_grid_png(tmp_path: Path) -> None:
    picture = tmp_path / "grid.png"
    result = run("plot", "grid", "--year", "2026", "--output", str(picture))
    assert result.returncode == 0, result.stderr
    assert_picture(picture, (1000, 600))


def test_grid_svg_is_a_drawing(tmp_path: Path) -> None:
    picture = tmp_path / "grid.svg"
    result = run("plot", "grid", "--year", "2026", "--offer", "socle-complet", "-o", str(picture))
    assert result.returncode == 0, result.stderr
    root = ET.parse(picture).getroot()
    assert root.tag == f"{SVG}svg"
    assert len(list(root.iter(f"{SVG}path"))) > 20


def test_schedule_png(tmp_path: Path) -> None:
    picture = tmp_path / "schedule.png"
    result = run(
        "plot",
        "schedule",
        "-o",
        str(picture),
        "--population",
        "2355",
        "--offer",
        "audit",
        "--offer",
        "socle-complet",
        "--audit",
        "2026-02-15",
        "--join",
        "2026-06-01",
        "--from-year",
        "2026",
    )
    assert result.returncode == 0, result.stderr
    assert_picture(picture, (800, 500))


def test_schedule_of_a_newcomers_expected_acts(tmp_path: Path) -> None:
    """The bars of `simulate --act`: 30 permits × 210 + 55 DP × 0.7 × 210 = €14,385.00
    in 2026 (the ADS example's prices; €15,070.00 in 2027 at the new prices)."""
    picture = tmp_path / "ads.svg"
    result = run(
        "plot",
        "schedule",
        "-o",
        str(picture),
        "--service",
        "ads-exemple",
        "--population",
        "2355",
        "--offer",
        "ads",
        "--act",
        "permis-construire=30",
        "--act",
        "declaration-prealable=55",
        "--from-year",
        "2026",
        "--to-year",
        "2027",
    )
    assert result.returncode == 0, result.stderr
    # matplotlib keeps each text of an SVG as a comment
    labels = picture.read_text(encoding="utf-8")
    assert "<!-- €14,385.00 -->" in labels and "<!-- €15,070.00 -->" in labels
    assert "<!-- Owed for the year (EUR) -->" in labels and "<!-- €4,000 -->" in labels
    assert "<!-- New commune, 2,355 inhabitants — Instruction des" in labels
    unknown = run(
        "plot",
        "schedule",
        "-o",
        str(tmp_path / "x.svg"),
        "--service",
        "ads-exemple",
        "--population",
        "2355",
        "--offer",
        "ads",
        "--act",
        "permis-constr=30",
        "--from-year",
        "2026",
    )
    assert unknown.returncode == 2 and "did you mean 'permis-construire'" in unknown.stderr


def test_refuses_to_replace_a_picture_without_force(tmp_path: Path) -> None:
    picture = tmp_path / "grid.png"
    picture.write_bytes(b"old")
    result = run("plot", "grid", "-o", str(picture))
    assert result.returncode == 1 and "--force" in result.stderr
    assert picture.read_bytes() == b"old"


def test_other_suffixes_are_a_usage_error(tmp_path: Path) -> None:
    result = run("plot", "grid", "-o", str(tmp_path / "grid.jpg"))
    assert result.returncode == 2 and ".png or .svg" in result.stderr


def test_without_matplotlib_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec

    def hidden(name: str, *args):  # type: ignore[no-untyped-def]
        return None if name == "matplotlib" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", hidden)
    result = CliRunner().invoke(application(), ["plot", "grid", "-o", str(tmp_path / "g.png")])
    assert result.exit_code == 1
    assert "pip install 'servcommun[plot]'" in result.output
    assert not (tmp_path / "g.png").exists()


def test_schedule_of_a_cost_sharing_party_svg(tmp_path: Path) -> None:
    picture = tmp_path / "party.svg"
    result = run(
        "plot",
        "schedule",
        "-o",
        str(picture),
        "--service",
        "rouen",
        "--share",
        "2",
        "--name",
        "Syndicat des eaux",
        "--from-year",
        "2026",
    )
    assert result.returncode == 0, result.stderr
    root = ET.parse(picture).getroot()
    assert root.tag == f"{SVG}svg" and len(list(root.iter(f"{SVG}path"))) > 10
