"""The words of the command-line framework, in the language in use.

Typer (and the Click it vendors, pinned in ``pyproject.toml``) writes its own words in
English: ``Usage:``, ``Options:``, ``Show this message and exit.``, ``[default: …]``,
the metavars, and its usage errors (``Missing option '--year'.``). The commands' own
help, Typer's words and the metavars are translated before the help is laid out
(``translate``); the few phrases Click writes itself are translated in the finished text
(``help_text``), and its usage errors matched against the templates below
(``usage_error``): each phrase is an entry of the catalogue like any other.
"""

from __future__ import annotations

import re
from typing import Any

import typer.core
from typer.core import TyperGroup

from servcommun.language import N_, _

# Typer's own words go through gettext's ``_``: it is given the catalogue's, so that they
# are translated before the help is laid out
typer.core._ = _  # type: ignore[attr-defined,assignment]
_TYPER_WORDS = (
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("Arguments"),
    N_("Commands"),
    N_("Options"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("required"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    # the options of shell completion (``--install-completion``, ``--show-completion``)
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)

# the words Click writes itself, in a finished help page
_HELP_PHRASES = (
    N_("Usage:"),
    N_("[OPTIONS]"),
    N_("COMMAND [ARGS]..."),
    N_("Show this message and exit."),
)
_PHRASE = re.compile("|".join(re.escape(phrase) for phrase in _HELP_PHRASES))

# what an option's value is, by Click's name of its type
_METAVARS = {
    "int": N_("<int>"),
    "int range": N_("<int>"),
    "float": N_("<number>"),
    "float range": N_("<number>"),
    "str": N_("<text>"),
    "text": N_("<text>"),
    "path": N_("<path>"),
    "filename": N_("<file>"),
}

# Click's usage errors: the English template (as a pattern) and its message id
_ERRORS = (
    (r"Missing option '(?P<option>[^']+)'\.", N_("Missing option '{option}'.")),
    (r"Missing argument '(?P<option>[^']+)'\.", N_("Missing argument '{option}'.")),
    (
        r"No such option: (?P<option>\S+) \(Possible options: (?P<others>.+)\)",
        N_("No such option: {option} (possible options: {others})"),
    ),
    (r"No such option: (?P<option>\S+)", N_("No such option: {option}")),
    (
        r"Invalid value for '(?P<option>[^']+)': (?P<value>.+) is not a valid (?P<kind>[a-z ]+)\.",
        N_("Invalid value for '{option}': {value} is not a valid {kind}."),
    ),
    (
        r"Invalid value for '(?P<option>[^']+)': (?P<value>.+) is not in the range "
        r"(?P<range>.+)\.",
        N_("Invalid value for '{option}': {value} is not in the range {range}."),
    ),
    (
        r"Invalid value for '(?P<option>[^']+)': (?P<value>.+) is not one of (?P<choices>.+)\.",
        N_("Invalid value for '{option}': {value} is not one of {choices}."),
    ),
    (
        r"Option '(?P<option>[^']+)' requires an argument\.",
        N_("Option '{option}' requires an argument."),
    ),
    (
        r"Got unexpected extra arguments? \((?P<extra>.*)\)",
        N_("Unexpected extra argument ({extra})."),
    ),
    (
        r"Invalid value for '(?P<option>[^']+)': (?P<message>.+)",
        N_("Invalid value for '{option}': {message}"),
    ),
    # what Typer says of a path option's value (said inside the one above)
    (r"(?:Path|File|Directory) (?P<path>'.*') does not exist\.", N_("{path} does not exist.")),
    (r"(?:Path|File|Directory) (?P<path>'.*') is a file\.", N_("{path} is a file.")),
    (r"(?:Path|File|Directory) (?P<path>'.*') is a directory\.", N_("{path} is a folder.")),
    (r"(?:Path|File|Directory) (?P<path>'.*') is not readable\.", N_("{path} cannot be read.")),
    # Typer says "No such command" in the language in use, and adds its suggestion in English
    (
        r"(?P<error>.+)\. Did you mean (?P<suggestion>.+)\?",
        N_("{error}. Did you mean {suggestion}?"),
    ),
)
_KINDS = {
    "int range": N_("integer"),
    "int": N_("integer"),
    "integer": N_("integer"),
    "float": N_("number"),
    "decimal": N_("number"),
    "date": N_("date"),
}


class LocalizedGroup(TyperGroup):
    """The application's command group: before it parses a command line, the help of
    every command and option is put in the language in use."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        translate(self)
        return super().make_context(*args, **kwargs)


def translate(command: Any) -> None:
    """Say the help of ``command``, its options and its subcommands in the language in
    use (their message ids are kept, so that a later call translates them again), and
    the framework's phrases of its help page."""
    if not hasattr(command, "_help_id"):
        page = command.get_help
        command.get_help = lambda context: help_text(page(context))
    for holder in [command, *getattr(command, "params", ())]:
        for name in ("help", "short_help"):
            original = getattr(holder, f"_{name}_id", None)
            if original is None:
                original = getattr(holder, name, None)
                setattr(holder, f"_{name}_id", original)
            if original:
                setattr(holder, name, _(original))
        if holder is not command and not getattr(holder, "is_flag", False):
            if not hasattr(holder, "_metavar_id"):
                holder._metavar_id = holder.metavar
            # an option's own metavar (N_("AMOUNT")), else the one of its type
            metavar = holder._metavar_id or _METAVARS.get(getattr(holder.type, "name", ""))
            if metavar:
                holder.metavar = _(metavar) + ("…" if holder.nargs != 1 else "")
    for subcommand in getattr(command, "commands", {}).values():
        translate(subcommand)


def help_text(text: str) -> str:
    """A help page with the framework's phrases translated."""
    return _PHRASE.sub(lambda match: _(match.group(0)), text)


def usage_error(message: str) -> str:
    """One of Click's usage errors in the language in use (as written if unknown)."""
    for pattern, template in _ERRORS:
        match = re.fullmatch(pattern, message)
        if match:
            fields = match.groupdict()
            if "message" in fields:  # a value's own error, said inside the option's
                fields["message"] = usage_error(fields["message"])
            if "kind" in fields:
                fields["kind"] = _(_KINDS.get(fields["kind"], fields["kind"]))
            return _(template).format(**fields)
    return message
