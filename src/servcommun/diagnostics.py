"""Problems found in input files, as values with a place (file, line, column).

Every stage collects ``Diagnostic`` values instead of stopping at the first problem;
``InputError`` carries them out of a stage that cannot go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: ``file:line:column: code message`` (line and column are 1-based)."""

    file: str
    line: int
    column: int
    code: str
    message: str
    excerpt: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.code} {self.message}"


class InputError(Exception):
    """Raised by a reading or validating stage that found problems it cannot go past."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = sorted(diagnostics)


def source_line(text: str, line: int) -> str:
    """The text of 1-based ``line`` in ``text``, stripped of its line break (for excerpts)."""
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""
