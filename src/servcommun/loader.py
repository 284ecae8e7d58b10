"""Validate stage: documents from ``reader`` → frozen models, or every problem with its place.

Pydantic validates the shape; its error paths are mapped back to the YAML marks. Then the
semantic checks of ``checks`` run (brackets contiguous, keys summing to 100, offers
known…). Whatever fails, the caller gets an ``InputError`` listing all diagnostics.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import TypeAdapter, ValidationError

from servcommun import budget_checks, cache, checks, roster_checks
from servcommun.budget import Budget
from servcommun.diagnostics import Diagnostic, InputError, is_regular, verbatim
from servcommun.formats import Kind, adapter
from servcommun.indices import IndexSeries
from servcommun.language import N_
from servcommun.message import Message, Unsaid, msg, msg_n
from servcommun.reader import Document, Path_, is_yaml_word, read_yaml
from servcommun.roster import VALIDATED, Consumption, Roster, member_years
from servcommun.roster_csv import CsvRosterDocument, read_consumption_csv, read_roster_csv
from servcommun.roster_population import kind_problems, resolve_population_kind
from servcommun.tariff import Tariff

M = TypeVar("M")


def validate(
    doc: Document, adapter: TypeAdapter[M], data: dict[str, Any] | None = None
) -> tuple[M, list[Diagnostic]] | tuple[None, list[Diagnostic]]:
    """Validate ``doc.data`` (or ``data``, the same given otherwise: a CSV roster's members
    made as they are validated); on failure, one diagnostic per Pydantic error, placed."""
    if data is None and (problems := not_a_mapping(doc)):
        return None, problems
    try:
        # the models validated, by their data: a roster's equal subscriptions are one
        # model, validated once (servcommun.roster.Subscription)
        context: dict[str, Any] = {VALIDATED: {}}
        return adapter.validate_python(doc.data if data is None else data, context=context), []
    except ValidationError as error:
        return None, [_diagnostic(doc, item) for item in _causes(error.errors())]


def not_a_mapping(doc: Document) -> list[Diagnostic]:
    """Every input file is a mapping of keys; a problem saying so if ``doc`` is not one."""
    if isinstance(doc.data, dict):
        return []
    found = (
        msg("a list")
        if isinstance(doc.data, list)
        else msg("the single value {value}", value=_shown(doc.data))
    )
    return [
        doc.diagnostic(
            (),
            "not-a-mapping",
            msg("expected a mapping of keys ('key: value' lines), found {found}", found=found),
        )
    ]


def load_tariff(path: Path, display: str | None = None) -> Tariff:
    """Read, validate and check a tariff file; ``InputError`` lists every error."""
    tariff, problems = tariff_problems(read_yaml(path, display))
    return _or_errors(tariff, problems)


def load_draft_tariff(path: Path, display: str | None = None) -> tuple[Tariff, int]:
    """A draft tariff, read, validated and checked, and how many figures of its worked
    examples the engine no longer agrees with: not an error (a draft of new figures is
    compared before its examples are updated; ``check`` says which)."""
    tariff, problems = tariff_problems(read_yaml(path, display))
    stale = [problem for problem in problems if problem.code in EXAMPLE_FIGURES]
    return _or_errors(tariff, [p for p in problems if p not in stale]), len(stale)


EXAMPLE_FIGURES = frozenset({"example-mismatch"})
"""The codes of a worked example whose figures differ from the engine's."""


def tariff_problems(doc: Document) -> tuple[Tariff | None, list[Diagnostic]]:
    """The tariff of ``doc`` (None if its shape is wrong) and every problem found in it."""
    if isinstance(doc.data, dict) and doc.data.get("kind") == "cost-sharing":
        # one problem that says how to write it, rather than every key it has
        return None, [
            doc.diagnostic(
                ("kind",),
                "unknown-choice",
                msg(
                    "'kind': cost sharing is written as a contribution grid: 'kind: "
                    "contribution-grid', its 'parties', its 'keys' and an offer whose parts are "
                    "'budget-lines' and 'management-fee' (docs/tariff-format.md, Cost sharing by "
                    "key)"
                ),
            )
        ]
    tariff, problems = validate(doc, adapter(Kind.TARIFF))
    if tariff is not None:
        problems = list(checks.check_tariff(doc, tariff))
    return tariff, problems


def roster_problems(
    doc: Document, tariffs: Sequence[Tariff], *, warnings: bool = False
) -> tuple[Roster | None, list[Diagnostic]]:
    """The roster of ``doc`` and every problem found in it, checked against each of the
    service's tariff versions (``tariffs``; none: only what needs no tariff), with the
    members needing review as warnings if asked."""
    streamed = doc.streamed() if isinstance(doc, CsvRosterDocument) else None
    roster, problems = validate(doc, adapter(Kind.ROSTER), streamed)
    if roster is not None:
        in_force = tariffs  # one version (a bill's) is the one checked, whatever the years
        if len(tariffs) > 1:
            years = {year for member in roster.members for year in member_years(member)}
            in_force = [t for t in tariffs if any(t.covers(year) for year in years)] or tariffs
        versions: Sequence[Tariff | None] = in_force or [None]
        found = [
            problem
            for tariff in versions
            for problem in roster_checks.check_roster(doc, roster, tariff)
        ]
        found += [p for tariff in in_force for p in kind_problems(doc, roster, tariff)]
        if warnings:
            found += [
                warning
                for tariff in in_force
                for warning in roster_checks.review_warnings(doc, roster, tariff)
            ]
        problems = list(dict.fromkeys(found))  # versions with the same offers say it once
    elif isinstance(doc.data, dict) and isinstance(doc.data.get("members"), list):
        problems += _members_problems(doc, tariffs)
    return roster, problems


def _members_problems(doc: Document, tariffs: Sequence[Tariff]) -> list[Diagnostic]:
    """A roster whose shape is wrong still has its meaning checked, so that one run says
    every problem: the members that are valid on their own are checked as a roster (a
    duplicate id, an unknown offer), each problem placed at its own line."""
    from servcommun.roster import Member

    kept: list[tuple[int, Member]] = []
    for index, item in enumerate(doc.data["members"]):
        try:
            kept.append((index, Member.model_validate(item)))
        except (ValidationError, ValueError, TypeError):
            continue  # its own errors are said by the roster's validation
    if not kept:
        return []
    partial = _Renumbered(doc, [old for old, _member in kept])
    service = doc.data.get("service")
    roster = Roster.model_construct(
        service=service if isinstance(service, str) else "",
        members=tuple(member for _index, member in kept),
    )
    years = {year for _index, member in kept for year in member.population}
    in_force = [t for t in tariffs if any(t.covers(year) for year in years)] or list(tariffs)
    versions: Sequence[Tariff | None] = in_force or [None]
    found = [p for tariff in versions for p in roster_checks.check_roster(partial, roster, tariff)]
    return list(dict.fromkeys(found))


_DAY_FIRST = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
"""A date written day first, as a French reader writes it (01/06/2026)."""


class _Renumbered(Document):
    """A document's members less those left out (``old``: the index in the document of
    each member kept), placed where they are written in it."""

    def __init__(self, doc: Document, old: list[int]) -> None:
        data = {**doc.data, "members": [doc.data["members"][index] for index in old]}
        super().__init__(doc.file, doc.text, data)
        self.doc = doc
        self.old = old

    def position(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        index = path[1] if len(path) > 1 and path[0] == "members" else None
        if isinstance(index, int) and 0 <= index < len(self.old):
            path = ("members", self.old[index], *path[2:])
        return self.doc.position(path, key=key)


def _or_errors(model: M | None, problems: list[Diagnostic]) -> M:
    """``model``, unless an error was found (warnings are ``check``'s to show)."""
    errors = [problem for problem in problems if problem.is_error]
    if errors or model is None:
        raise InputError(errors)
    return model


def load_roster(path: Path, tariff: Tariff, display: str | None = None) -> Roster:
    """Read (YAML or CSV), validate and check a roster against its tariff. A roster that
    passed against this very tariff before comes from the cache (``servcommun.cache``)."""

    def read_and_check() -> Roster:
        if path.suffix.lower() == ".csv":
            doc = read_roster_csv(path, tariff, display)
        else:
            doc = read_yaml(path, display)
        roster, problems = roster_problems(doc, [tariff])
        kind = str(tariff.population.kind) if tariff.population else None
        roster = _or_errors(roster, problems)
        return resolve_population_kind(roster, kind) if kind else roster

    if not is_regular(path):
        return read_and_check()  # which says what the path is instead
    try:
        content = path.read_bytes()
    except OSError:
        return read_and_check()  # which reports the file as unreadable
    # the reader is part of the key: the same bytes read as CSV are another roster
    reader = "csv" if path.suffix.lower() == ".csv" else "yaml"
    # the tariff's bytes by the adapter it was validated with: the model's own serializer
    # would build the whole Tariff schema a second time (some 25 ms of every cold bill)
    tariff_json = adapter(Kind.TARIFF).dump_json(tariff)
    inputs = [reader, cache.digest(content), cache.digest(tariff_json)]
    return cache.cached("roster", inputs, read_and_check, Roster)


def budget_problems(
    doc: Document, tariff: Tariff, year: int | None = None
) -> tuple[Budget | None, list[Diagnostic]]:
    """The budget of ``doc`` and every problem found in it, checked against the tariff in
    force for its year (and, when given, against the ``year`` it is read for)."""
    budget, problems = validate(doc, adapter(Kind.BUDGET))
    if budget is not None:
        problems = list(budget_checks.check_budget(doc, budget, tariff))
        if year is not None and budget.year != year:
            problems.append(
                doc.diagnostic(
                    ("year",),
                    "budget-year",
                    msg(
                        "this is the {budget:year} budget, read for {year:year}: check the "
                        "file name or its 'year'",
                        budget=budget.year,
                        year=year,
                    ),
                )
            )
    return budget, problems


def load_budget(
    path: Path,
    tariff: Tariff,
    display: str | None = None,
    year: int | None = None,
) -> Budget:
    """Read, validate and check a service's budget for a year, against its tariff."""
    budget, problems = budget_problems(read_yaml(path, display), tariff, year)
    return _or_errors(budget, problems)


def read_consumption(path: Path, service: str, display: str | None = None) -> Document:
    """A consumption file's document: YAML, or CSV (one row an act)."""
    if path.suffix.lower() == ".csv":
        return read_consumption_csv(path, service, display)
    return read_yaml(path, display)


def consumption_problems(
    doc: Document, tariffs: Sequence[Tariff], roster: Roster | None, year: int | None = None
) -> tuple[Consumption | None, list[Diagnostic]]:
    """The consumption file of ``doc`` and every problem found in it: each act checked
    against the tariff version in force on its date, and, with the service's ``roster``,
    its member known and subscribed to the offer that bills it; in the file of a
    ``year`` (``actes-{year}.csv``), dated in that year."""
    consumption, problems = validate(doc, adapter(Kind.CONSUMPTION))
    if consumption is not None:
        problems = list(roster_checks.check_consumption(doc, consumption, tariffs, roster, year))
    return consumption, problems


def load_consumption(
    path: Path,
    tariffs: Sequence[Tariff],
    roster: Roster,
    display: str | None = None,
    year: int | None = None,
) -> Consumption:
    """Read, validate and check a consumption file against its service's roster (and,
    for the file of a ``year``, its acts dated in it)."""
    doc = read_consumption(path, roster.service, display)
    consumption, problems = consumption_problems(doc, tariffs, roster, year)
    return _or_errors(consumption, problems)


def with_consumption(roster: Roster, consumption: Consumption) -> Roster:
    """``roster`` with each member's acts of ``consumption`` added to its own."""
    acts: dict[str, list[Any]] = {}
    for act in consumption.acts:
        acts.setdefault(act.member, []).append(act)
    if not acts:
        return roster
    members = tuple(
        member.model_copy(update={"consumption": (*member.consumption, *acts[member.id])})
        if member.id in acts
        else member
        for member in roster.members
    )
    return roster.model_copy(update={"members": members})


def load_index(path: Path, display: str | None = None) -> IndexSeries:
    """Read and validate an index file (``kind: index``)."""
    index, problems = validate(read_yaml(path, display), adapter(Kind.INDEX))
    return cast(IndexSeries, _or_errors(index, problems))


# -- Pydantic errors, placed and worded for a finance officer ---------------------------


def _causes(items: list[Any]) -> list[Any]:
    """Pydantic's errors less those that only follow from another: a list left too short
    because its one item was refused says nothing more than that item's error."""
    locs = [tuple(item["loc"]) for item in items]
    return [
        item
        for item, loc in zip(items, locs, strict=True)
        if item["type"] != "too_short"
        or not any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)
    ]


_CODES = {
    "int_from_float": "wrong-type",
    "missing": "missing-key",
    "extra_forbidden": "unknown-key",
    "union_tag_invalid": "unknown-choice",
    "union_tag_not_found": "missing-key",
    "literal_error": "unknown-choice",
    "enum": "unknown-choice",
}


def _diagnostic(doc: Document, item: Any) -> Diagnostic:
    loc: tuple[Any, ...] = tuple(item["loc"])
    kind: str = item["type"]
    if kind == "union_tag_invalid":  # placed at the unknown value, not at its mapping
        loc = (*loc, _tag(item))
    code = (
        _CODES.get(kind)
        or _own_code(item)
        or ("wrong-type" if kind.endswith(("_type", "_parsing")) else "invalid-value")
    )
    named = [step for step in loc if isinstance(step, str) and step in _names(doc, loc)]
    message = _wording(item)
    if named:
        message = msg("'{key}': {problem}", key=named[-1], problem=message)
    return doc.diagnostic(loc, code, message, key=kind == "extra_forbidden")


def _names(doc: Document, loc: Path_) -> set[str]:
    """The steps of ``loc`` that are keys of the file, not Pydantic's own steps (union
    members such as ``Tariff``, validator tags such as ``function-after[...]``)."""
    return {step for step in loc if isinstance(step, str) and _KEY.match(step)}


_KEY = re.compile(r"^[a-z_$][a-z0-9_-]*$")


def _own_code(item: Any) -> str | None:
    """Our validators name their problem (kebab-case, Pydantic's types use underscores);
    a few Pydantic problems get a code of their own for what they usually mean."""
    kind: str = item["type"]
    if "url" not in item:  # raised by our validators (PydanticCustomError), named by them
        return kind
    if kind == "string_type" and is_yaml_word(item.get("input")):
        return "yaml-bool"
    if kind == "decimal_parsing" and _french_number(item.get("input")):
        return "number-format"
    return None


def _french_number(value: Any) -> str | None:
    """``"5 532,50"`` written the French way, as YAML needs it (``5532.50``), else None."""
    if not isinstance(value, str):
        return None
    plain = re.sub(r"[\s\u00a0\u202f']", "", value.strip().removesuffix("€"))
    if plain.count(",") == 1 and "." not in plain:
        plain = plain.replace(",", ".")
    elif plain.count(",") and plain.count(".") == 1:  # 5,532.50
        plain = plain.replace(",", "")
    return plain if re.fullmatch(r"-?\d+(\.\d+)?", plain) and plain != value else None


def _wording(item: Any) -> Message:
    kind: str = item["type"]
    value = item.get("input")
    if kind == "missing":
        return msg("this key is required")
    if kind == "extra_forbidden":
        return msg("unknown key: check its spelling against the format (servcommun schema)")
    if kind == "union_tag_not_found":
        return msg(
            "'{tag}' is required: it says what this is (servcommun schema lists its values)",
            tag=_tag(item),
        )
    if kind == "union_tag_invalid":
        return msg(
            "{value} is not a known {tag}: expected {choices}",
            value=_shown(item["ctx"]["tag"]),
            tag=_tag(item),
            choices=_choices(item),
        )
    if kind == "string_type" and is_yaml_word(value):
        return msg(
            "expected text, but YAML 1.1 reads {word} as a boolean: quote it ('{word}')",
            word=repr(value),
        )
    if kind == "string_type" and isinstance(value, int):
        # the number as written (an INSEE code), not as a count
        return msg(
            "expected text, but {number} is read as a number: quote it ('{number}')",
            number=str(value),
        )
    if kind.startswith("date"):
        day = _DAY_FIRST.match(value) if isinstance(value, str) else None
        if day:  # a French date in a file that is not a French spreadsheet's (commas)
            return msg(
                "expected a date written YYYY-MM-DD, got {value}: write {iso} (or save "
                "the CSV with semicolons, as a spreadsheet set to French does, to write "
                "DD/MM/YYYY)",
                value=_shown(value),
                iso="-".join((day[3], day[2], day[1])),
            )
        return msg("expected a date written YYYY-MM-DD, got {value}", value=_shown(value))
    if kind == "decimal_parsing" and _french_number(value):
        return msg(
            '{value} cannot be read as a number: write "{number}" (a point before the cents, '
            "no spaces or thousands separators)",
            value=_shown(value),
            number=_french_number(value),
        )
    if "url" not in item:  # our own validators' messages already show the value
        return _own_message(item)
    if kind == "decimal_parsing":
        return msg('expected a number written like "1500.00" (got {value})', value=_shown(value))
    if kind == "string_pattern_mismatch" and isinstance(value, str):
        return msg(
            "{value} is not well-formed: it should match the pattern '{pattern}'",
            value=_shown(value),
            pattern=item.get("ctx", {}).get("pattern", ""),
        )
    problem = (
        _own_message(item)  # a ValueError of our validators
        if kind in ("value_error", "assertion_error")
        else _pydantic_problem(item)
    )
    if isinstance(value, dict | list):
        return problem
    return msg("{problem} (got {value})", problem=problem, value=_shown(value))


def _own_message(item: Any) -> Message:
    """The explanation of one of our validators: the ``Message`` it refused the value
    with (``terms.refusal``, or a ``message.Unsaid`` raised), else its text as it is."""
    context = item.get("ctx") or {}
    said = context.get("message")
    if isinstance(said, Message):
        return said
    error = context.get("error")
    if isinstance(error, Unsaid):
        return error.message
    return verbatim(str(item["msg"]).removeprefix("Value error, "))


def _pydantic_problem(item: Any) -> Message:
    """What Pydantic found wrong with a value, by its error type, in the catalogue's
    words (Pydantic's own are English); its bounds said as figures."""
    kind: str = item["type"]
    context = item.get("ctx") or {}
    if kind in _BOUNDS:
        bounded, bound = _BOUNDS[kind]
        return Message(bounded, (("limit", _figure(context.get(bound))),))
    if kind in ("too_short", "string_too_short"):
        least = int(context.get("min_length", 1))
        if kind == "string_too_short":
            return msg_n(
                "Input should have at least {least:count} character",
                "Input should have at least {least:count} characters",
                n="least",
                least=least,
            )
        return msg_n(
            "Input should have at least {least:count} item",
            "Input should have at least {least:count} items",
            n="least",
            least=least,
        )
    if kind in ("too_long", "string_too_long"):
        most = int(context.get("max_length", 0))
        if kind == "string_too_long":
            return msg_n(
                "Input should have at most {most:count} character",
                "Input should have at most {most:count} characters",
                n="most",
                most=most,
            )
        return msg_n(
            "Input should have at most {most:count} item",
            "Input should have at most {most:count} items",
            n="most",
            most=most,
        )
    if kind in ("literal_error", "enum"):
        choices = _listed(str(context.get("expected", "")))
        if len(choices) == 1:
            return msg("Input should be {choice}", choice=choices[0])
        return msg("Input should be one of {choices}", choices=", ".join(choices))
    if kind == "multiple_of":
        return msg("Input should be a multiple of {step}", step=_figure(context.get("multiple_of")))
    if kind in _PROBLEMS:
        return Message(_PROBLEMS[kind], ())
    return msg("this value is not valid here ({detail})", detail=verbatim(str(item.get("msg", ""))))


_BOUNDS = {
    "greater_than": (N_("Input should be greater than {limit}"), "gt"),
    "greater_than_equal": (N_("Input should be greater than or equal to {limit}"), "ge"),
    "less_than": (N_("Input should be less than {limit}"), "lt"),
    "less_than_equal": (N_("Input should be less than or equal to {limit}"), "le"),
}
"""Pydantic's bounds: the message id of each, and the name of its bound in the error."""

_MAPPING = N_("Input should be a mapping of keys ('key: value' lines)")
_LIST = N_("Input should be a list ('- item' lines)")
_NUMBER = N_("Input should be a valid number")
_PROBLEMS = {
    "model_type": _MAPPING,
    "model_attributes_type": _MAPPING,
    "dict_type": _MAPPING,
    "list_type": _LIST,
    "tuple_type": _LIST,
    "set_type": _LIST,
    "frozen_set_type": _LIST,
    "iterable_type": _LIST,
    "string_type": N_("Input should be text"),
    "string_unicode": N_("Input should be text"),
    "invalid_key": N_("Keys should be text"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer"),
    "int_parsing_size": N_("Input has too many digits for an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_max_digits": N_("Input has too many digits"),
    "decimal_max_places": N_("Input has too many decimal places"),
    "decimal_whole_digits": N_("Input has too many digits before the decimal point"),
    "finite_number": N_("Input should be a finite number"),
    "bool_type": N_("Input should be true or false"),
    "bool_parsing": N_("Input should be true or false"),
    "none_required": N_("Input should be empty (null)"),
    "frozen_field": N_("Input cannot be changed"),
    "frozen_instance": N_("Input cannot be changed"),
    "recursion_loop": N_("Input refers to itself"),
}
"""Pydantic's problems that need no figure: the message id of each error type."""


def _figure(value: Any) -> Message:
    """A bound of Pydantic's as a figure: a year as it is (``2999``), any other number
    grouped (``1,000,000,000``)."""
    if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2999:
        return msg("{value:year}", value=value)  # a Year's bounds are years
    return msg("{value:number}", value=value)


def _listed(expected: str) -> list[str]:
    """Pydantic's ``"'a', 'b' or 'c'"`` as the choices it names (its "or" is English)."""
    return [choice for choice in re.split(r", | or ", expected) if choice]


def _tag(item: Any) -> str:
    return str(item.get("ctx", {}).get("discriminator", "kind")).strip("'")


def _choices(item: Any) -> str:
    """The values a discriminator (``kind``, ``rule``) may take, from the error itself."""
    return ", ".join(_listed(str(item.get("ctx", {}).get("expected_tags", ""))))


def _shown(value: Any) -> str:
    if is_yaml_word(value):
        return repr(value)
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")
