"""Render a check report: text for people, JSON for programs, GitHub workflow commands.

Every format carries the same ``file:line:column`` and code for each diagnostic; text
adds the offending line with a caret under the column (hledger's and yamllint's way).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from servcommun.diagnostics import Diagnostic, Report, Severity
from servcommun.language import N_, _
from servcommun.message import Message, msg, msg_n
from servcommun.render.words import say

_EXCERPT_WIDTH = 100  # a longer line is shown around the column


def text(report: Report) -> str:
    """``file:line:col: code message``, the line quoted with a caret, then the summary."""
    out: list[str] = []
    for diagnostic in report.diagnostics:
        out.append(str(diagnostic))
        out.extend(_quoted(diagnostic))
    out.append(summary(report))
    return "\n".join(out) + "\n"


def _quoted(diagnostic: Diagnostic) -> list[str]:
    excerpt = diagnostic.excerpt.replace("\t", " ")  # one column each, as YAML counts them
    if not excerpt.strip():
        return []
    column = diagnostic.column - 1
    if len(excerpt) > _EXCERPT_WIDTH:
        start = max(0, min(column - _EXCERPT_WIDTH // 2, len(excerpt) - _EXCERPT_WIDTH))
        excerpt = (
            ("…" if start else "")
            + excerpt[start : start + _EXCERPT_WIDTH]
            + ("…" if start + _EXCERPT_WIDTH < len(excerpt) else "")
        )
        column = column - start + (1 if start else 0)
    number = str(diagnostic.line)
    gutter = " " * len(number)
    return [f"  {number} | {excerpt}", f"  {gutter} | {' ' * max(column, 0)}^"]


def summary(report: Report) -> str:
    """One line: ``3 files checked, no problems`` or ``2 problems in 1 file (…)``."""
    return say(summary_message(report))


def summary_message(report: Report) -> Message:
    """The summary line as a message: each count with the noun its number asks for."""
    files = len(report.files)
    checked = msg_n(
        "{files:count} file checked", "{files:count} files checked", n="files", files=files
    )
    warnings = (
        msg_n(
            "{warnings:count} warning",
            "{warnings:count} warnings",
            n="warnings",
            warnings=len(report.warnings),
        )
        if report.warnings
        else None
    )
    if not report.errors:
        if warnings is None:
            return msg_n(
                "{files:count} file checked, no problems",
                "{files:count} files checked, no problems",
                n="files",
                files=files,
            )
        return msg("{checked}, no problems, {warnings}", checked=checked, warnings=warnings)
    failing = len(report.files_with_errors())
    problems = msg_n(
        "{errors:count} problem in {failing}",
        "{errors:count} problems in {failing}",
        n="errors",
        errors=len(report.errors),
        failing=msg_n("{files:count} file", "{files:count} files", n="files", files=failing),
    )
    if warnings is None:
        return msg("{problems} ({checked})", problems=problems, checked=checked)
    return msg(
        "{problems}, {warnings} ({checked})", problems=problems, warnings=warnings, checked=checked
    )


def as_json(report: Report) -> str:
    data: dict[str, Any] = {
        "files": list(report.files),
        "diagnostics": [
            {
                "file": d.file,
                "line": d.line,
                "column": d.column,
                "code": d.code,
                "severity": d.severity.value,
                "message": d.text,
                "excerpt": d.excerpt,
            }
            for d in report.diagnostics
        ],
        "summary": {
            "files": len(report.files),
            "errors": len(report.errors),
            "warnings": len(report.warnings),
            "text": summary(report),
        },
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def github(report: Report, path: Callable[[str], str] = str) -> str:
    """GitHub Actions workflow commands (``::error file=…,line=…,col=…::…``): each problem
    is shown on the line of the pull request's diff (``path``: a file's path from the
    repository's root); the summary ends the log."""
    out = [
        f"::{d.severity.value} file={_property(path(d.file))},line={d.line},col={d.column},"
        f"title={_property(d.code)}::{_data(f'{d.code} {d.text}')}"
        for d in report.diagnostics
    ]
    out.append(summary(report))
    return "\n".join(out) + "\n"


def markdown_summary(report: Report) -> str:
    """The report as a GitHub job summary: its one-line verdict, then a table of the
    problems (place, code, message)."""
    lines = ["## servcommun check", "", summary(report), ""]
    if report.diagnostics:
        place, code, message = _("place"), _("code"), _("message")
        lines += [f"| {place} | {code} | {message} |", "|---|---|---|"]
        lines += [
            f"| `{d.file}:{d.line}:{d.column}` | {_(_SEVERITY[d.severity])} `{d.code}` | "
            f"{d.text.replace('|', chr(92) + '|')} |"
            for d in report.diagnostics
        ]
        lines.append("")
    return "\n".join(lines) + "\n"


_SEVERITY = {Severity.ERROR: N_("error"), Severity.WARNING: N_("warning")}
"""A diagnostic's severity as the job summary says it (workflow commands and JSON keep
the identifiers ``error`` and ``warning``)."""


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")
