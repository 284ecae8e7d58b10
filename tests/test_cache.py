"""The cache of what servcommun works out from files (validated rosters and services, a
year's bill, a check's report): a hit gives the same result, any changed byte of the
files, or of servcommun, misses."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from servcommun import cache
from servcommun.diagnostics import InputError
from servcommun.loader import load_roster
from servcommun.tariff import Tariff

ROSTER = ROOT / "examples" / "redon" / "roster.yaml"


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SERVCOMMUN_CACHE", str(folder))
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def modules_and_output(
    args: list[str], cwd: Path, cache_dir: Path
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """A `servcommun` run and the modules it imported (``python -X importtime``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "servcommun", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SERVCOMMUN_CACHE": str(cache_dir)},
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    result.stderr = "\n".join(
        line for line in result.stderr.splitlines() if not line.startswith("import time:")
    )
    return result, modules


def test_second_load_comes_from_the_cache(redon: Tariff, cache_dir: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.yaml"
    roster.write_bytes(ROSTER.read_bytes())
    first = load_roster(roster, redon)
    [entry] = entries(cache_dir)
    assert stored(entry) == first
    roster.unlink()
    roster.write_bytes(ROSTER.read_bytes())  # same bytes, new file: still a hit
    assert load_roster(roster, redon) == first
    assert entries(cache_dir) == [entry]
    # what is read is the entry, not the file: a planted entry shows it
    planted = first.model_copy(update={"members": first.members[:1]})
    payload = pickle.dumps(planted)
    entry.write_bytes(cache.MAGIC + cache.digest(payload).encode() + b"\n" + payload)
    assert load_roster(roster, redon) == planted


def test_a_changed_byte_is_another_entry(redon: Tariff, cache_dir: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.yaml"
    text = ROSTER.read_text(encoding="utf-8")
    roster.write_text(text, encoding="utf-8")
    before = load_roster(roster, redon)
    roster.write_text(
        text.replace("{2025: 10086, 2026: 10086}", "{2025: 10086, 2026: 10087}"), encoding="utf-8"
    )
    after = load_roster(roster, redon)
    assert len(entries(cache_dir)) == 2
    redon_city = {m.id: m for m in after.members}["35236"]
    assert (
        redon_city.population[2026]
        == 10087
        != {m.id: m for m in before.members}["35236"].population[2026]
    )


def test_another_tariff_is_another_entry(redon: Tariff, cache_dir: Path) -> None:
    load_roster(ROSTER, redon)
    changed = redon.model_copy(update={"title": "another version"})
    load_roster(ROSTER, changed)
    assert len(entries(cache_dir)) == 2


def test_wrong_input_is_never_stored(redon: Tariff, cache_dir: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.yaml"
    roster.write_text("service: redon-agglomeration\nmembers:\n  - id: 35013\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputError):
            load_roster(roster, redon)
    assert entries(cache_dir) == []


def stored(entry: Path) -> object:
    """What an entry holds: its pickle, after the magic line and the pickle's digest."""
    magic, expected, payload = entry.read_bytes().split(b"\n", 2)
    assert magic + b"\n" == cache.MAGIC and expected.decode() == cache.digest(payload)
    return pickle.loads(payload)


def test_a_damaged_entry_is_rebuilt(redon: Tariff, cache_dir: Path) -> None:
    first = load_roster(ROSTER, redon)
    [entry] = entries(cache_dir)
    entry.write_bytes(b"not a pickle")
    assert load_roster(ROSTER, redon) == first
    assert stored(entry) == first


def test_an_entry_with_a_flipped_bit_is_never_used(cache_dir: Path) -> None:
    assert cache.cached("test", ["flip"], lambda: {"total": "5532.50"}) == {"total": "5532.50"}
    [entry] = entries(cache_dir)
    content = bytearray(entry.read_bytes())
    content[-3] ^= 0x01  # one bit of the pickle: another value, or no pickle at all
    entry.write_bytes(bytes(content))
    assert cache.cached("test", ["flip"], lambda: "built again") == "built again"
    assert stored(entry) == "built again"  # the damaged entry replaced


def test_a_foreign_pickle_in_the_cache_folder_is_never_loaded(cache_dir: Path) -> None:
    cache.cached("test", ["foreign"], lambda: 1)
    [entry] = entries(cache_dir)

    class Payload:  # what a pickle written by another could run on loading
        def __reduce__(self) -> tuple[object, ...]:
            return (print, ("run as the user",))

    entry.write_bytes(pickle.dumps(Payload()))  # a plain pickle, no digest of ours
    assert cache.cached("test", ["foreign"], lambda: 2) == 2


def test_an_entry_of_another_type_is_never_used(cache_dir: Path) -> None:
    cache.cached("test", ["typed"], lambda: "a text")
    assert cache.cached("test", ["typed"], lambda: 42, int) == 42  # a str is not an int


def test_a_cache_folder_others_may_write_to_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared-cache"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv("SERVCOMMUN_CACHE", str(shared))
    assert cache.cached("test", ["shared"], lambda: 1) == 1
    assert cache.cached("test", ["shared"], lambda: 2) == 2  # nothing kept, nothing read
    assert not list(shared.iterdir())
    warned = capsys.readouterr().err.splitlines()
    assert len(warned) == 1 and "is not yours alone" in warned[0]


def test_cache_off(redon: Tariff, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVCOMMUN_CACHE", "off")
    assert cache.folder() is None
    load_roster(ROSTER, redon)
    assert not list(tmp_path.rglob("*.pickle"))


def test_unwritable_cache_only_costs_time(
    redon: Tariff, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("SERVCOMMUN_CACHE", str(blocker / "cache"))  # cannot be created
    assert len(load_roster(ROSTER, redon).members) == 31


def test_a_service_billed_again_comes_whole_from_the_cache(tmp_path: Path, cache_dir: Path) -> None:
    """A second bill of unchanged files reads none of them through the loader; a changed
    tariff, or a consumption file that appears, is billed from the files again."""
    tariff = tmp_path / "tarif.yaml"
    tariff.write_bytes((ROOT / "tariffs" / "redon-agglomeration-2022.yaml").read_bytes())
    (tmp_path / "roster.yaml").write_bytes(ROSTER.read_bytes())
    (tmp_path / "servcommun.toml").write_text(
        f'[services.redon]\ntariffs = ["{tariff.name}"]\nroster = "roster.yaml"\n', encoding="utf-8"
    )

    def bill() -> tuple[str, set[str]]:
        result, modules = modules_and_output(
            ["bill", "--year", "2026", "--format", "json", "--member", "35236"], tmp_path, cache_dir
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["total"], modules

    first, cold = bill()
    again, warm = bill()
    assert first == again == "6021.50"  # Redon city: 3 500 + 10 086 × 0,25 (art. 7.2.2)
    assert "servcommun.loader" in cold and "servcommun.loader" not in warm
    assert not {"yaml", "pydantic", "servcommun.engine.bill"} & warm
    # the city's population 10 086 → 10 100: billed from the files again, never stale
    roster = tmp_path / "roster.yaml"
    text = roster.read_text(encoding="utf-8")
    roster.write_text(
        text.replace("{2025: 10086, 2026: 10086}", "{2025: 10086, 2026: 10100}"), encoding="utf-8"
    )
    changed, modules = bill()
    assert changed == "6025.00" and "servcommun.loader" in modules  # 3 500 + 10 100 × 0,25


def test_unchanged_files_are_not_checked_again(tmp_path: Path, cache_dir: Path) -> None:
    """CI and pre-commit check the same tariffs on every commit: a second check of the same
    bytes gives the same report without loading the checks; any changed byte, or a file
    that appears, is checked again."""
    (tmp_path / "tariffs").mkdir()
    tariff = tmp_path / "tariffs" / "redon.yaml"
    tariff.write_bytes((ROOT / "tariffs" / "redon-agglomeration-2022.yaml").read_bytes())
    first, cold = modules_and_output(["check", "tariffs"], tmp_path, cache_dir)
    again, warm = modules_and_output(["check", "tariffs"], tmp_path, cache_dir)
    assert first.returncode == again.returncode == 0
    assert first.stdout == again.stdout == "1 file checked, no problems\n"
    assert "servcommun.checking" in cold and "servcommun.checking" not in warm
    assert not {"pydantic", "yaml"} & warm
    # the socle's fixed part of bracket 1500–2999, 2 000 €, written with three decimals
    text = tariff.read_text(encoding="utf-8")
    bracket = '{from: 1500, to: 2999, amount: "2000.00"}'
    assert text.count(bracket) == 1
    tariff.write_text(
        text.replace(bracket, bracket.replace("2000.00", "2000.001")), encoding="utf-8"
    )
    changed, modules = modules_and_output(["check", "tariffs"], tmp_path, cache_dir)
    assert changed.returncode == 1 and "servcommun.checking" in modules
    assert "money-precision" in changed.stdout
    tariff.write_text(text, encoding="utf-8")
    (tmp_path / "tariffs" / "empty.yaml").write_text("", encoding="utf-8")  # a new file
    grown, _ = modules_and_output(["check", "tariffs"], tmp_path, cache_dir)
    assert grown.returncode == 1 and "tariffs/empty.yaml:1:1: empty-file" in grown.stdout


def test_an_edit_of_servcommun_is_other_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Results are keyed by the code that worked them out, by content: a working copy
    edited since never reads what the code before it stored; touching a file does not
    matter."""
    module = Path(cache.__file__)
    status = module.stat()
    text = module.read_bytes()
    cache.code.cache_clear()
    before = cache.code()
    try:
        os.utime(module, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
        cache.code.cache_clear()
        assert cache.code() == before  # the same bytes
        module.write_bytes(text + b"\n")
        cache.code.cache_clear()
        assert cache.code() != before
    finally:
        module.write_bytes(text)
        os.utime(module, ns=(status.st_atime_ns, status.st_mtime_ns))
        cache.code.cache_clear()
    assert cache.code() == before


def test_the_cache_keeps_the_newest_entries_within_its_bounds(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(5):  # entries of results 0 to 4, from the oldest to the newest
        cache.cached("test", [str(number)], lambda number=number: number)
        newest = max(entries(cache_dir), key=lambda path: path.stat().st_mtime_ns)
        os.utime(newest, ns=(number * 10**9, number * 10**9))

    def kept() -> list[object]:
        """The results kept, the newest first."""
        return [
            stored(path)
            for path in sorted(
                entries(cache_dir), key=lambda path: path.stat().st_mtime_ns, reverse=True
            )
        ]

    monkeypatch.setattr(cache, "KEEP", 3)
    cache._prune(cache_dir)
    assert kept() == [4, 3, 2]
    assert cache.cached("test", ["4"], lambda: "built again") == 4
    assert cache.cached("test", ["0"], lambda: "built again") == "built again"
    assert kept() == ["built again", 4, 3]  # stored anew, and the oldest gone
    monkeypatch.setattr(
        cache, "KEEP_BYTES", sum(path.stat().st_size for path in entries(cache_dir)) - 1
    )
    cache._prune(cache_dir)  # one byte over: the oldest goes
    assert kept() == ["built again", 4]


def test_a_command_asking_twice_for_a_services_inputs_reads_them_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`statements` asks for the inputs for its bill and for its words: with the cache
    off, the roster is still read once; a changed file is read again."""
    import shutil

    from servcommun import pipeline
    from servcommun.config import load_config

    for name in ("servcommun.toml",):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("tariffs", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.setenv("SERVCOMMUN_CACHE", "off")
    monkeypatch.chdir(tmp_path)
    reads: list[str] = []
    real = pipeline.service_roster

    def counted(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        reads.append("roster")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "service_roster", counted)
    config = load_config(tmp_path)
    first = pipeline.load(config, None, [2026])
    assert pipeline.load(config, None, [2026]) is first and reads == ["roster"]
    roster = tmp_path / "examples" / "redon" / "roster.yaml"
    roster.write_text(roster.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert pipeline.load(config, None, [2026]) is not first and reads == ["roster", "roster"]


def test_the_cache_says_whether_it_holds_an_entry_without_reading_it(cache_dir: Path) -> None:
    """`statements` asks before reading its bill: a bill in the cache does not need the
    roster the words were worked out from, which is let go first."""
    assert not cache.holds("test", ["held"])
    cache.cached("test", ["held"], lambda: 1)
    assert cache.holds("test", ["held"])
    assert not cache.holds("test", ["another file"]) and not cache.holds("other", ["held"])


def test_cache_off_holds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVCOMMUN_CACHE", "off")
    cache.cached("test", ["off"], lambda: 1)
    assert not cache.holds("test", ["off"])
