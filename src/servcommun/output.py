"""Writing results: atomically, and never over an existing file without ``--force``."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import FrameType, TracebackType

from servcommun.diagnostics import Diagnostic, InputError, os_reason
from servcommun.message import msg


def refuse_existing(path: Path, force: bool) -> None:
    """Check before computing, so that a refused write costs nothing. What is at ``path``
    and is not a regular file (a link, a named pipe, a device) is never replaced: a
    regular file put in its place would break what it was for."""
    if path.is_symlink() or (path.exists() and not path.is_file() and not path.is_dir()):
        raise InputError(
            [
                Diagnostic(
                    str(path),
                    1,
                    1,
                    "output-not-regular",
                    msg(
                        "not a regular file (a link, a named pipe or a device): write the "
                        "output to a file name of its own, or to the standard output with "
                        "--output -"
                    ),
                )
            ]
        )
    if path.exists() and not force:
        raise InputError(
            [
                Diagnostic(
                    str(path),
                    1,
                    1,
                    "output-exists",
                    msg("file exists: use --force to replace it"),
                )
            ]
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
                    str(path),
                    1,
                    1,
                    "output-exists",
                    msg("is a folder: --output needs a file name"),
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
                            msg("file exists: use --force to replace it"),
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
        said = (
            msg("folder is not empty: use --force to replace it")
            if path.is_dir()
            else msg("a file has this name: use --force to replace it")
        )
        raise InputError([Diagnostic(str(path), 1, 1, "output-exists", said)])


def write_folder_atomic(
    path: Path, files: Mapping[str, bytes] | Iterable[tuple[str, bytes]], *, force: bool
) -> None:
    """Write ``files`` (name → content, or (name, content) pairs as they are made) into a
    temporary folder beside ``path``, then rename it into place: an interrupted write
    leaves the old folder (or none), never a half-filled one. With ``force`` the old
    folder is moved aside, the new one renamed in, and the old one removed; if that rename
    fails, the old folder is put back. Each file is written as it comes, so that only a
    few are held in memory at a time."""
    refuse_existing_folder(path, force)
    parent = _folder_of(path)
    pairs = files.items() if isinstance(files, Mapping) else files
    with _terminate_as_exit(), _unwritable_as_input_error(path):
        temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
        aside: Path | None = None
        try:
            with _FileWriter(temporary) as writer:
                for name, content in pairs:
                    writer.write(name, content)
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
            close = getattr(pairs, "close", None)  # a generator: its work stops first
            if close is not None:
                close()
            shutil.rmtree(temporary, ignore_errors=True)
            if aside is not None and not path.exists():
                os.replace(aside / "previous", path)
                aside.rmdir()
            raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


class _FileWriter:
    """Writes and syncs files of ``folder`` in a thread of its own, a few at a time, while
    the caller makes the next ones: a file's ``fsync`` waits for the disk, not for Python.
    A failed write is raised by the next ``write`` or at the end; leaving on an error
    waits for the writes under way (the folder is then removed whole)."""

    PENDING = 8  # files made and not yet on disk, at most

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="servcommun-write")
        self.pending: deque[Future[None]] = deque()

    def __enter__(self) -> _FileWriter:
        return self

    def write(self, name: str, content: bytes) -> None:
        while len(self.pending) >= self.PENDING:
            self.pending.popleft().result()
        self.pending.append(self.executor.submit(_write_new_file, self.folder / name, content))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            return
        try:
            while self.pending:
                self.pending.popleft().result()
        finally:
            self.executor.shutdown(wait=True, cancel_futures=True)


def _write_new_file(path: Path, content: bytes) -> None:
    with open(path, "xb") as stream:
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())


def _folder_of(path: Path) -> Path:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(
            [
                Diagnostic(
                    str(path),
                    1,
                    1,
                    "output-folder",
                    msg("folder {folder} does not exist", folder=str(folder)),
                )
            ]
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
                    str(path),
                    1,
                    1,
                    "output-unwritable",
                    msg("cannot write: {reason}", reason=os_reason(error)),
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
