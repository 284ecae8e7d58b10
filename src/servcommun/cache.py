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

import contextlib
import functools
import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from servcommun.diagnostics import is_regular

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


def digest(content: bytes | memoryview) -> str:
    return hashlib.sha256(content).hexdigest()


def file_digests(paths: Iterable[Path | None]) -> list[str]:
    """``path=sha256`` for each file, by content; a missing file stands for itself
    (``path=missing``: creating it changes the key)."""
    found = []
    for path in paths:
        if path is None:
            continue
        if not is_regular(path):  # a pipe or a device is not read for a key: its reader says
            found.append(f"{path}=missing")
            continue
        try:
            found.append(f"{path}={digest(path.read_bytes())}")
        except OSError:
            found.append(f"{path}=missing")
    return found


@functools.cache
def code() -> str:
    """The code results are worked out by: servcommun's own modules, by content (a new
    release, or an edit in a working copy, makes other entries; a copy with the same
    bytes, the same ones), the libraries that shape results, and Python. Some 3 ms."""
    root = Path(__file__).parent
    stamps = [sys.version]
    for folder, folders, names in os.walk(root):
        folders[:] = [name for name in folders if name != "__pycache__"]
        stamps.extend(
            f"{Path(folder, name).relative_to(root)}:{digest(Path(folder, name).read_bytes())}"
            for name in names
            if name.endswith(".py")
        )
    for name in DEPENDENCIES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            stamps.append(f"{name}:{_stamp(Path(spec.origin))}")
    return digest("\n".join(sorted(stamps)).encode())


def _stamp(path: Path) -> str:
    status = path.stat()  # a library's release: its path, size and time of change
    return f"{path}:{status.st_size}:{status.st_mtime_ns}"


MAGIC = b"servcommun-cache 1\n"
"""The first line of an entry; the second is the SHA-256 of the pickle that follows."""


def cached(
    kind: str, digests: Iterable[str], build: Callable[[], T], of_type: type | None = None
) -> T:
    """``build()``'s result for these inputs, from the cache when it has it.

    ``digests`` name every file the result depends on; ``build`` must raise when the
    inputs are wrong, so that only valid results are stored. An entry is used only when
    its bytes are the ones written (their digest) and it holds an ``of_type``; any other
    entry is deleted and the result worked out again. A cache that cannot be read or
    written, or a folder others may write to, is skipped: it only ever saves time.
    """
    place = folder()
    if place is None or not _trusted(place):
        return build()
    entry = _entry(place, kind, digests)
    found = _load(entry, of_type)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    result = build()
    _store(place, entry, result)
    return result


def holds(kind: str, digests: Iterable[str]) -> bool:
    """Whether the cache has an entry for these inputs, not yet read: ``cached`` may
    still find it damaged, and work the result out again."""
    place = folder()
    return place is not None and _entry(place, kind, digests).is_file()


def _entry(place: Path, kind: str, digests: Iterable[str]) -> Path:
    key = digest("\0".join([code(), kind, *digests]).encode())
    return place / f"{kind}-{key}.pickle"


_MISSING = object()


def _load(entry: Path, of_type: type | None) -> object:
    """What ``entry`` holds, if it is whole, unchanged and of the type asked for; else
    ``_MISSING`` (and a damaged entry is deleted, so that it costs one rebuild only)."""
    try:
        content = entry.read_bytes()
    except OSError:
        return _MISSING
    # the pickle is read in place (a view, not a copy of it): a 35 000-member bill's is
    # some 6 MB, and the statements' peak of memory is at its loading
    header_end = content.find(b"\n") + 1
    digest_end = content.find(b"\n", header_end) + 1
    payload = memoryview(content)[digest_end:]
    expected = content[header_end : digest_end - 1].decode("ascii", "replace")
    if not digest_end or content[:header_end] != MAGIC or expected != digest(payload):
        entry.unlink(missing_ok=True)
        return _MISSING
    try:
        result = pickle.loads(payload)
    except Exception:  # a pickle of another release: rebuilt, never a failure
        entry.unlink(missing_ok=True)
        return _MISSING
    if of_type is not None and not isinstance(result, of_type):
        entry.unlink(missing_ok=True)
        return _MISSING
    return result


_warned: set[Path] = set()


def _trusted(place: Path) -> bool:
    """The folder is the user's own and not writable by everyone: an entry is a pickle,
    and a pickle written by another could run code as the user. Said once. (A folder
    writable by its group is accepted: with a umask of 002 the group is the user's own.)"""
    try:
        status = place.stat()
    except FileNotFoundError:
        return True  # created by the first entry, as the user's
    except OSError:
        return False
    owner = getattr(os, "getuid", lambda: status.st_uid)()
    if status.st_uid == owner and not status.st_mode & 0o002:
        return True
    if place not in _warned:
        _warned.add(place)
        from servcommun.language import _

        said = _(
            "the cache folder {place} is not yours alone (owned by another user, or writable "
            "by everyone): it is not used"
        ).format(place=place)
        print(f"servcommun: {said}", file=sys.stderr)
    return False


def _store(place: Path, entry: Path, result: object) -> None:
    try:
        place.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=place, suffix=".tmp")
    except OSError:
        return
    try:
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(handle, "wb") as stream:
            stream.write(MAGIC + digest(payload).encode("ascii") + b"\n" + payload)
        os.replace(temporary, entry)  # atomic: a reader sees a whole entry or none
        _prune(place)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
    except BaseException:  # interrupted while writing: no temporary file left behind
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune(place: Path) -> None:
    """Drop the oldest entries beyond ``KEEP`` of them or ``KEEP_BYTES`` in all, and the
    temporary files of writes that were killed (older than an hour)."""
    hour_ago = time.time() - 3600
    for temporary in place.glob("*.tmp"):
        with contextlib.suppress(OSError):
            if temporary.stat().st_mtime < hour_ago:
                temporary.unlink()
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
