"""A cache of what servcommun worked out from files, keyed by the exact bytes it was read from.

Reading and validating a 35 000-member roster takes seconds; the finance officer bills
the same files many times a day, and CI checks the same tariffs on every commit. As
beancount does for its ledgers, results (validated inputs, a year's bill, a check's
report) are kept in a pickle, under a key made of the content (SHA-256) of every file
they depend on and of the code that worked them out: a changed byte, in the roster, in
the tariff it was checked against or in servcommun itself, is a different key, so a
stale entry is never read. ``SERVCOMMUN_CACHE=off`` turns it off;
``SERVCOMMUN_CACHE=<folder>`` moves it (default: ``$XDG_CACHE_HOME/servcommun``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

KEEP = 64  # entries kept; the oldest go first
KEEP_BYTES = 512 * 1024 * 1024  # and no more than this in all (a 35 000-member bill: 8 MB)

DEPENDENCIES = ("pydantic", "pydantic_core", "yaml")
"""The libraries whose release shapes a result (validation, its messages, YAML reading)."""


def folder() -> Path | None:
    """Where entries are kept, or None when the cache is off."""
    setting = os.environ.get("SERVCOMMUN_CACHE", "")
    if setting.lower() in {"off", "0", "no", "false"}:
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "servcommun"


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def file_digests(paths: Iterable[Path | None]) -> list[str]:
    """``path=sha256`` for each file, by content; a missing file stands for itself
    (``path=missing``: creating it changes the key)."""
    found = []
    for path in paths:
        if path is None:
            continue
        try:
            found.append(f"{path}={digest(path.read_bytes())}")
        except OSError:
            found.append(f"{path}=missing")
    return found


@functools.cache
def code() -> str:
    """The code results are worked out by: servcommun's own modules (name, size and time
    of change: a new release, or an edit in a working copy, makes other entries), the
    libraries that shape results, and Python. A stat of each file, not a read: about a
    millisecond."""
    root = Path(__file__).parent
    stamps = [sys.version]
    for folder, folders, names in os.walk(root):
        folders[:] = [name for name in folders if name != "__pycache__"]
        stamps.extend(_stamp(Path(folder) / name) for name in names if name.endswith(".py"))
    for name in DEPENDENCIES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            stamps.append(f"{name}:{_stamp(Path(spec.origin))}")
    return digest("\n".join(sorted(stamps)).encode())


def _stamp(path: Path) -> str:
    status = path.stat()
    return f"{path}:{status.st_size}:{status.st_mtime_ns}"


def cached(kind: str, digests: Iterable[str], build: Callable[[], T]) -> T:
    """``build()``'s result for these inputs, from the cache when it has it.

    ``digests`` name every file the result depends on; ``build`` must raise when the
    inputs are wrong, so that only valid results are stored. A cache that cannot be read
    or written is skipped: it only ever saves time.
    """
    place = folder()
    if place is None:
        return build()
    key = digest("\0".join([code(), kind, *digests]).encode())
    entry = place / f"{kind}-{key}.pickle"
    try:
        with open(entry, "rb") as stream:
            result: T = pickle.load(stream)
        return result
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    result = build()
    _store(place, entry, result)
    return result


def _store(place: Path, entry: Path, result: object) -> None:
    try:
        place.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=place, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(result, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)  # atomic: a reader sees a whole entry or none
        _prune(place)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def _prune(place: Path) -> None:
    """Drop the oldest entries beyond ``KEEP`` of them or ``KEEP_BYTES`` in all."""
    entries = sorted(
        ((path.stat(), path) for path in place.glob("*.pickle")),
        key=lambda item: item[0].st_mtime,
        reverse=True,
    )
    total = 0
    for count, (status, path) in enumerate(entries, start=1):
        total += status.st_size
        if count > KEEP or total > KEEP_BYTES:
            path.unlink(missing_ok=True)
