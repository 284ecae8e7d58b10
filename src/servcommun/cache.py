"""A cache of validated inputs, keyed by the exact bytes they were read from.

Reading and validating a 35 000-member roster takes seconds; the finance officer bills
the same files many times a day. As beancount does for its ledgers, the validated models
are kept in a pickle, under a key made of the content (SHA-256) of every file they
depend on and of the servcommun version: a changed byte, in the roster or in the tariff
it was checked against, is a different key, so a stale entry is never read. Only inputs
that passed every check are stored. ``SERVCOMMUN_CACHE=off`` turns it off;
``SERVCOMMUN_CACHE=<folder>`` moves it (default: ``$XDG_CACHE_HOME/servcommun``).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from servcommun import __version__

T = TypeVar("T")

KEEP = 64  # entries kept; the oldest go first


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


def cached(kind: str, digests: Iterable[str], build: Callable[[], T]) -> T:
    """``build()``'s result for these inputs, from the cache when it has it.

    ``digests`` name every file the result depends on; ``build`` must raise when the
    inputs are wrong, so that only valid results are stored. A cache that cannot be read
    or written is skipped: it only ever saves time.
    """
    place = folder()
    if place is None:
        return build()
    key = digest("\0".join([__version__, kind, *digests]).encode())
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
        entries = sorted(place.glob("*.pickle"), key=lambda path: path.stat().st_mtime)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
