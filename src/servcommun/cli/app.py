"""The command-line application: the Typer app and what every command shares.

Exit codes: 0 success; 1 wrong input, failed check, or (``--strict``) members needing
review; 2 usage error. Bad input is reported as ``file:line:col: code message`` lines on
stderr, never as a traceback.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from servcommun import __version__
from servcommun.cli.framework import LocalizedGroup
from servcommun.language import LOCALES, N_, _

if TYPE_CHECKING:  # imported by the commands that need them, not at start-up
    from rich.console import RenderableType

    from servcommun.config import Config
    from servcommun.diagnostics import Diagnostic

app = typer.Typer(
    name="servcommun",
    help=N_(
        "Bill the shared services (services communs, art. L5211-4-2 CGCT) of an "
        "intercommunality from versioned YAML tariffs."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=LocalizedGroup,
)


Language = StrEnum("Language", {code: code for code in LOCALES})  # type: ignore[misc]

Lang = Annotated[
    Language | None,
    typer.Option(
        "--lang",
        help=N_(
            "Language of what is written: fr or en (default: SERVCOMMUN_LANG, else the "
            "locale of the environment, else fr; documents sent to members: their "
            "tariff's locale)."
        ),
    ),
]
"""``--lang``, an option of every command. The language it names is chosen before the
command line is parsed (``commands.language_asked``), so that the help is in it too."""


ServiceName = Annotated[
    str | None,
    typer.Option("--service", help=N_("Service of servcommun.toml (default: its 'default').")),
]
"""``--service``: which service of ``servcommun.toml`` a command works on."""

Members = Annotated[
    list[str] | None,
    typer.Option("--member", help=N_("Only this member (INSEE code or SIREN); repeatable.")),
]
"""``--member``: the members a command is narrowed to."""

Force = Annotated[bool, typer.Option("--force", help=N_("Replace --output if it exists."))]
"""``--force``: an existing ``--output`` may be replaced."""


def command_group(name: str, help: str) -> typer.Typer:
    """A command of subcommands (``servcommun key derive``), registered; it takes
    ``--lang`` too, before its subcommand's name."""
    group = typer.Typer(
        help=help, no_args_is_help=True, add_completion=False, rich_markup_mode=None
    )

    @group.callback()
    def _group(lang: Lang = None) -> None:
        del lang  # chosen before the command line is parsed

    app.add_typer(group, name=name)
    return group


def _version(value: bool) -> None:
    if value:
        print(f"servcommun {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help=N_("Print the version and exit.")
        ),
    ] = False,
    lang: Lang = None,
) -> None:
    """servcommun: every member's statement, line by line, from the convention's tariff."""
    _run.bundled = False  # each invocation finds its own data (tests run many in a process)


class _Run:
    """What the invocation found: whether its data is the bundled example."""

    bundled = False


_run = _Run()


def fail(diagnostics: Iterable[Diagnostic | str]) -> NoReturn:
    """Report input problems, one line each, and exit 1."""
    for diagnostic in diagnostics:
        print(diagnostic, file=sys.stderr)
    raise typer.Exit(1)


def config_here() -> Config:
    """The nearest servcommun.toml, or the bundled example (said on stderr)."""
    from servcommun.config import load_config

    config = load_config(Path.cwd())
    _run.bundled = config.bundled
    if config.bundled:
        print(
            _(
                "servcommun.toml not found here or above: using the bundled Redon "
                "Agglomération example."
            ),
            file=sys.stderr,
        )
    return config


STDOUT = Path("-")
"""``--output -``: the standard output, as for any file a command writes."""


def refuse_output(output: Path, force: bool) -> None:
    """Before computing: an existing ``output`` needs ``--force``, and a file that
    ``servcommun.toml`` names as an input is never replaced, even with ``--force``."""
    if output == STDOUT:
        return
    from servcommun.config import load_config
    from servcommun.diagnostics import Diagnostic, InputError
    from servcommun.message import msg
    from servcommun.output import refuse_existing

    reader = load_config(Path.cwd()).input_named(output)
    if reader is not None:
        raise InputError(
            [
                Diagnostic(
                    str(output),
                    1,
                    1,
                    "output-is-input",
                    msg(
                        "this file is an input of {reader}: write the output elsewhere (an "
                        "input is never replaced, even with --force)",
                        reader=reader,
                    ),
                )
            ]
        )
    refuse_existing(output, force)


def refuse_output_folder(output: Path, force: bool) -> None:
    """Before computing: a folder output that is not empty needs ``--force``, and one
    that is, or holds, an input ``servcommun.toml`` names or the journal of the titres
    issued is never replaced, even with ``--force``."""
    from servcommun.config import load_config
    from servcommun.diagnostics import Diagnostic, InputError
    from servcommun.message import msg
    from servcommun.output import refuse_existing_folder

    reader = load_config(Path.cwd()).input_within(output)
    if reader is not None:
        raise InputError(
            [
                Diagnostic(
                    str(output),
                    1,
                    1,
                    "output-is-input",
                    msg(
                        "this folder is, or holds, an input of {reader}: write the output "
                        "elsewhere (an input is never replaced, even with --force)",
                        reader=reader,
                    ),
                )
            ]
        )
    refuse_existing_folder(output, force)


def print_rich(render: Callable[[int], RenderableType], output: Path | None, force: bool) -> None:
    """Print what ``render(width)`` returns, or write it as plain text to ``output``."""
    import re

    import rich._wrap
    from rich.console import Console

    # Rich breaks a line at any Unicode space: « 20 000,00 € » would be cut at the
    # no-break spaces Babel groups French figures with. A line breaks at a plain space only.
    rich._wrap.re_word = re.compile(r"[ \t\n\r\f\v]*[^ \t\n\r\f\v]+[ \t\n\r\f\v]*")

    if output is None or output == STDOUT:
        console = Console(highlight=False)
        console.print(render(console.width))
        return
    console = Console(record=True, width=160, file=io.StringIO(), highlight=False)
    console.print(render(console.width))
    deliver(console.export_text(), output, force)


def deliver(text: str, output: Path | None, force: bool) -> None:
    """Results go to stdout (no ``--output``, or ``--output -``), or atomically to
    ``output``."""
    if output is None or output == STDOUT:
        sys.stdout.write(text)
        return
    deliver_bytes(text.encode("utf-8"), output, force)


def deliver_bytes(content: bytes, output: Path, force: bool) -> None:
    """A file's bytes (a workbook, a picture) to ``output``, atomically, or to stdout."""
    if output == STDOUT:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        return
    from servcommun.output import write_atomic

    write_atomic(output, content, force=force)
    said_written(output)


def said_written(output: Path) -> None:
    """A file written from the bundled example says so on stderr: it is no bill of the
    user's (they ran outside their data directory)."""
    if _run.bundled:
        print(
            _(
                "{output}: written from the bundled Redon Agglomération example, not from "
                "data of yours (no servcommun.toml here or above)"
            ).format(output=output),
            file=sys.stderr,
        )
