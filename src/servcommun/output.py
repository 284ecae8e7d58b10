"""Writing results: atomically, and never over an existing file without ``--force``."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from servcommun.diagnostics import Diagnostic, InputError


def refuse_existing(path: Path, force: bool) -> None:
    """Check before computing, so that a refused write costs nothing."""
    if path.exists() and not force:
        raise InputError(
            [Diagnostic(str(path), 1, 1, "output-exists", "file exists: use --force to replace it")]
        )


def write_atomic(path: Path, content: bytes, *, force: bool) -> None:
    """Write to a temporary file beside ``path``, then rename it into place: an
    interrupted write (an error, Ctrl-C, SIGTERM) leaves the old file (or none), never a
    partial one. Only SIGKILL can leave the hidden temporary file, never ``path``."""
    refuse_existing(path, force)
    if path.is_dir():
        raise InputError(
            [
                Diagnostic(
                    str(path), 1, 1, "output-exists", "is a folder: --output needs a file name"
                )
            ]
        )
    folder = _folder_of(path)
    with _terminate_as_exit(), _unwritable_as_input_error(path):
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fchmod(stream.fileno(), _file_mode())  # mkstemp's 0600 is for secrets
                os.fsync(stream.fileno())
            if not force and path.exists():  # created meanwhile: still refuse
                raise InputError(
                    [
                        Diagnostic(
                            str(path),
                            1,
                            1,
                            "output-exists",
                            "file exists: use --force to replace it",
                        )
                    ]
                )
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def refuse_existing_folder(path: Path, force: bool) -> None:
    """A folder output may take the place of an empty folder; anything else needs --force."""
    if path.exists() and not force and not _is_empty_folder(path):
        what = "folder is not empty" if path.is_dir() else "a file has this name"
        raise InputError(
            [Diagnostic(str(path), 1, 1, "output-exists", f"{what}: use --force to replace it")]
        )


def write_folder_atomic(path: Path, files: Mapping[str, bytes], *, force: bool) -> None:
    """Write ``files`` (name → content) into a temporary folder beside ``path``, then
    rename it into place: an interrupted write leaves the old folder (or none), never a
    half-filled one. With ``force`` the old folder is moved aside, the new one renamed in,
    and the old one removed; if that rename fails, the old folder is put back."""
    refuse_existing_folder(path, force)
    parent = _folder_of(path)
    with _terminate_as_exit(), _unwritable_as_input_error(path):
        temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
        aside: Path | None = None
        try:
            for name, content in files.items():
                with open(temporary / name, "xb") as stream:
                    stream.write(content)
                    stream.flush()
                    os.fsync(stream.fileno())
            os.chmod(temporary, 0o777 & ~_umask())  # mkdtemp's 0700 is for secrets
            if path.exists() or path.is_symlink():
                refuse_existing_folder(path, force)  # filled meanwhile: still refuse
                if _is_empty_folder(path):
                    path.rmdir()
                else:
                    aside = Path(
                        tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=parent)
                    )
                    os.replace(path, aside / "previous")
            os.replace(temporary, path)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            if aside is not None and not path.exists():
                os.replace(aside / "previous", path)
                aside.rmdir()
            raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _folder_of(path: Path) -> Path:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(
            [Diagnostic(str(path), 1, 1, "output-folder", f"folder {folder} does not exist")]
        )
    return folder


def _is_empty_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _file_mode() -> int:
    """The mode a plain ``open()`` would give: 0666 less the umask."""
    return 0o666 & ~_umask()


@contextmanager
def _unwritable_as_input_error(path: Path) -> Iterator[None]:
    """A full disk or a read-only folder is the user's to fix: a one-line message."""
    try:
        yield
    except OSError as error:
        raise InputError(
            [
                Diagnostic(
                    str(path), 1, 1, "output-unwritable", f"cannot write: {error.strerror or error}"
                )
            ]
        ) from None


def _exit_on_signal(number: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + number)


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """While writing, SIGTERM and SIGHUP (a stopped job, a closed terminal) raise
    SystemExit instead of ending the process at once, so that temporary files go."""
    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    try:
        previous = {name: signal.signal(getattr(signal, name), _exit_on_signal) for name in names}
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)
