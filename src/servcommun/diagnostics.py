"""Problems found in input files, as values with a place (file, line, column).

Every stage collects ``Diagnostic`` values instead of stopping at the first problem;
``InputError`` carries them out of a stage that cannot go on; a ``Report`` holds what a
check found.
"""

from __future__ import annotations

import errno
import stat
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from servcommun.language import N_
from servcommun.message import Message, msg


class Severity(StrEnum):
    """An error fails a check (exit 1); a warning is reported and lets it pass."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: ``file:line:column: code message`` (line and column are 1-based). The
    message is said in the reader's language when shown (``text``)."""

    file: str
    line: int
    column: int
    code: str
    message: Message = field(compare=False)
    excerpt: str = field(default="", compare=False)
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def text(self) -> str:
        """The message, said in the language in use."""
        from servcommun.render.words import say

        return say(self.message)

    def __str__(self) -> str:
        from servcommun.language import _

        tag = "" if self.is_error else _("warning: ")
        return f"{self.file}:{self.line}:{self.column}: {self.code} {tag}{self.text}"


class InputError(Exception):
    """Raised by a reading or validating stage that found problems it cannot go past."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = sorted(diagnostics)


@dataclass(frozen=True)
class Report:
    """What ``check`` found: the files checked (as shown) and the diagnostics, in order."""

    files: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    bundled: bool = False  # no servcommun.toml: the bundled example was checked

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    def files_with_errors(self) -> list[str]:
        return list(dict.fromkeys(d.file for d in self.errors))


def source_line(text: str, line: int) -> str:
    """The text of 1-based ``line`` in ``text``, stripped of its line break (for excerpts)."""
    lines = _lines(text)
    return lines[line - 1] if 0 < line <= len(lines) else ""


@lru_cache(maxsize=4)
def _lines(text: str) -> list[str]:
    # split once per file, not once per diagnostic: a large file with many problems
    # would otherwise cost its size for every one of them (str caches its hash)
    return text.splitlines()


MAX_FILE_BYTES = 32 * 1024 * 1024  # far above any real tariff or roster; refuses 50 MB junk


def is_regular(path: Path) -> bool:
    """True for a regular file (a link to one included): what can be read to its end.
    A named pipe would wait for a writer, a device (``/dev/zero``) never end."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def file_bytes(path: Path, name: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the file at ``path`` (shown as ``name``), measured before they are
    read: a located error for what is not a regular file, is larger than ``limit``, or
    cannot be read."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise InputError(
                [
                    Diagnostic(
                        name,
                        1,
                        1,
                        "not-regular-file",
                        msg(
                            "not a regular file (a folder, a named pipe or a device): give "
                            "the path of a YAML, TOML or CSV file"
                        ),
                    )
                ]
            )
        if status.st_size > limit:
            raise InputError(
                [
                    Diagnostic(
                        name,
                        1,
                        1,
                        "file-too-large",
                        msg(
                            "file is {size:count} MiB; tariff and roster files are limited "
                            "to {limit:count} MiB (use a CSV roster for bulk data)",
                            size=status.st_size // (1024 * 1024),
                            limit=limit // (1024 * 1024),
                        ),
                    )
                ]
            )
        return path.read_bytes()
    except OSError as error:
        raise InputError([Diagnostic(name, 1, 1, "unreadable", os_reason(error))]) from None


def utf8_text(raw: bytes, name: str) -> str:
    """The text of a file's bytes (UTF-8, a BOM allowed), or the error at the first byte
    that is not UTF-8 — its line and column, and what to do."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        byte = f"{raw[error.start]:02x}"
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            [
                Diagnostic(
                    name,
                    line,
                    column,
                    "not-utf8",
                    msg(
                        "byte 0x{byte} is not UTF-8: save the file as UTF-8",
                        byte=byte,
                    ),
                )
            ]
        ) from None


def os_reason(error: OSError) -> Message:
    """Why the system refused to read or write a file, in the reader's language (the
    system's own words, ``strerror``, are English: the common ones are the catalogue's)."""
    reason = _OS_REASONS.get(error.errno or 0)
    if reason is not None:
        return Message(reason, ())
    return verbatim(error.strerror or str(error))


def verbatim(text: str) -> Message:
    """A message saying ``text`` as it is: the words of another program (a parser, the
    system) that the catalogue does not hold — in the catalogue's language if it does."""
    return Message(text.replace("{", "{{").replace("}", "}}"), ())


_OS_REASONS = {
    errno.ENOENT: N_("No such file or directory"),
    errno.EACCES: N_("Permission denied"),
    errno.EPERM: N_("Operation not permitted"),
    errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"),
    errno.ENOSPC: N_("No space left on device"),
    errno.EBADF: N_("Bad file descriptor (the output is closed)"),
    errno.EROFS: N_("Read-only file system"),
    errno.ENAMETOOLONG: N_("File name too long"),
    errno.ELOOP: N_("Too many levels of symbolic links"),
    errno.EDQUOT: N_("Disk quota exceeded"),
    errno.EIO: N_("Input/output error"),
    errno.EEXIST: N_("File exists"),
}
"""The system's words (``strerror``) for what usually stops a read or a write."""
