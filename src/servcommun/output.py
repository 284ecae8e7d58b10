"""Writing results: atomically, and never over an existing file without ``--force``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from servcommun.diagnostics import Diagnostic, InputError


def refuse_existing(path: Path, force: bool) -> None:
    """Check before computing, so that a refused write costs nothing."""
    if path.exists() and not force:
        raise InputError([Diagnostic(str(path), 1, 1, "output-exists",
                                     "file exists: use --force to replace it")])


def write_atomic(path: Path, content: bytes, *, force: bool) -> None:
    """Write to a temporary file beside ``path``, then rename it into place: an
    interrupted write leaves the old file (or none), never a partial one."""
    refuse_existing(path, force)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError([Diagnostic(str(path), 1, 1, "output-folder",
                                     f"folder {folder} does not exist")])
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        if not force and path.exists():  # created meanwhile: still refuse
            raise InputError([Diagnostic(str(path), 1, 1, "output-exists",
                                         "file exists: use --force to replace it")])
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
