"""Read stage: file text → plain Python data plus the position of every value.

YAML is built by hand from PyYAML's parser events (libyaml when available), so that
every value keeps its ``line:column`` and YAML 1.1's surprises are caught where they
happen: duplicate keys, ``01004`` read as the octal 516, ``1:30`` read as 90, ``no`` read
as false, ``2026-02-30``, aliases, foreign tags. Decimals are built from their text,
never through float. (CSV rosters are read by ``roster_csv``.)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError

from servcommun.diagnostics import (
    Diagnostic,
    InputError,
    file_bytes,
    source_line,
    utf8_text,
    verbatim,
)
from servcommun.language import N_
from servcommun.message import Message, msg

try:  # libyaml is several times faster; the pure-Python parser gives the same events
    from yaml import CSafeLoader as _Parser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Parser  # type: ignore[assignment]


_TAGS: dict[str, str] = {}  # a plain scalar's text → its implicit tag (see ``_Builder._tag``)
_KNOWN_TAGS = 100_000  # texts whose tag or value is kept: a bound on memory, whatever the file

Path_ = tuple[str | int, ...]

MAX_DEPTH = 64  # a tariff nests about eight levels; deeper is junk (and would exhaust the stack)

_TAG = "tag:yaml.org,2002:"
_C = _Parser.__name__.startswith("C")  # libyaml: its messages and offsets are its own
_NOTHING = object()  # the data of a stream without a document
_BOOL_WORDS = {"true", "false"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Document:
    """A file's data and where each value stands in it.

    ``positions`` maps a path (``("members", 3, "population", 2026)``) to the 1-based
    ``(line, column)`` of its value; ``key_positions`` to that of the mapping key.
    """

    file: str
    text: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    read_problems: tuple[Diagnostic, ...] = ()  # values refused, kept as their text

    def position(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Position of the deepest known node along ``path`` (unknown steps are skipped).

        Pydantic error locations contain steps that are not in the file (union member
        names, validator tags): skipping them lands on the nearest node that is.
        """
        known: Path_ = ()
        best = self.positions.get((), (1, 1))
        for step in path:
            candidate = (*known, step)
            if candidate in self.positions:
                known = candidate
                best = self.positions[candidate]
        if key and known in self.key_positions:
            return self.key_positions[known]
        return best

    def diagnostic(
        self, path: Path_, code: str, message: Message, *, key: bool = False
    ) -> Diagnostic:
        line, column = self.position(path, key=key)
        return make_diagnostic(self.file, self.text, line, column, code, message)


def _written(key: object) -> str:
    """How a key was written: ``"2026"`` (text) or ``2026`` (a number, a date)."""
    return f'"{key}"' if isinstance(key, str) else str(key)


def make_diagnostic(
    file: str, text: str, line: int, column: int, code: str, message: Message
) -> Diagnostic:
    return Diagnostic(file, line, column, code, message, source_line(text, line))


def read_text(path: Path, display: str | None = None) -> str:
    """The file's UTF-8 text, or an ``InputError`` saying why it is not readable text."""
    name = display or str(path)
    raw = file_bytes(path, name)
    if b"\0" in raw:
        nul = raw.index(b"\0")
        line = raw[:nul].count(b"\n") + 1
        column = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        raise InputError(
            [
                Diagnostic(
                    name,
                    line,
                    column,
                    "binary-file",
                    msg("file contains NUL bytes: expected a UTF-8 text file"),
                )
            ]
        )
    return utf8_text(raw, name)


def read_yaml(path: Path, display: str | None = None, *, keep_going: bool = False) -> Document:
    """Read a YAML file into a ``Document``; raise ``InputError`` with every problem found
    (``keep_going``: see ``parse_yaml``)."""
    name = display or str(path)
    return parse_yaml(read_text(path, name), name, keep_going=keep_going)


def parse_yaml(text: str, file: str, *, keep_going: bool = False) -> Document:
    """Parse YAML ``text`` (named ``file`` in diagnostics) into a ``Document``.

    A value the reader refuses (an octal ``01004``, a ``2026-02-30``) is kept as its text;
    with ``keep_going`` the document comes back with those problems (``read_problems``)
    instead of an ``InputError``, so that ``check`` also reports the problems of shape
    and meaning of the rest of the file in the same run."""
    builder, data = _build(text, file, positions=False)
    if data is _NOTHING:
        raise InputError(
            [Diagnostic(file, 1, 1, "empty-file", msg("file is empty: expected a YAML mapping"))]
        )
    if builder.aliased:
        builder.problems.extend(_alias_problems(text, file))
    # only a refused scalar is kept as its text; a file with an alias (which may repeat a
    # value a billion times), too deep or with keys it cannot hold is read no further
    if builder.problems and not (
        keep_going and all(d.code in _VALUE_CODES for d in builder.problems)
    ):
        raise InputError(builder.problems)
    return _YamlDocument(file, text, data, read_problems=tuple(builder.problems))


class _YamlDocument(Document):
    """A YAML file's document, whose positions are found when one is first asked for,
    by reading the text again: a valid file needs none, and those of a 35 000-member
    roster (600 000 values and keys) would hold 110 MB while it is validated."""

    def position(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        if not self.positions:
            builder, _data = _build(self.text, self.file, positions=True)
            self.positions, self.key_positions = builder.positions, builder.key_positions
        return super().position(path, key=key)


def _build(text: str, file: str, *, positions: bool) -> tuple[_Builder, Any]:
    """The builder of ``text`` and the data of its document (``_NOTHING`` if it has
    none); an ``InputError`` if it is not YAML."""
    parser: _Parser | None = None
    try:
        parser = _Parser(text)  # PyYAML's own reader checks the characters here
        builder = _Builder(file, text, parser, positions=positions)
        return builder, builder.document()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InputError(
            [
                make_diagnostic(
                    file, text, line, column, "yaml-syntax", _syntax(error.problem, error.context)
                )
            ]
        ) from None
    except yaml.YAMLError as error:  # reader errors (control characters) carry no mark
        position = getattr(error, "position", None)  # but an offset into the text
        line, column = (1, 1) if not isinstance(position, int) else _line_column(text, position)
        said = _reader_problem(str(error).splitlines()[0])
        raise InputError([make_diagnostic(file, text, line, column, "yaml-syntax", said)]) from None
    finally:
        if parser is not None:
            parser.dispose()


_VALUE_CODES = frozenset({"yaml-date", "yaml-number", "yaml-octal", "yaml-sexagesimal"})
"""The problems of one scalar, which the reader keeps as its text: the rest of the file
can still be checked."""


def _syntax(problem: str | None, context: str | None) -> Message:
    """A YAML syntax error as the parser words it — its problem, and the construct it was
    reading — in the reader's language."""
    said = _parser_words(problem) if problem else msg("invalid YAML")
    if not context:
        return said
    return msg("{problem} ({context})", problem=said, context=_parser_words(context))


def _parser_words(text: str) -> Message:
    """One of the parser's sentences: the catalogue's when it is one of those PyYAML and
    libyaml say, else as the parser wrote it."""
    template = _YAML_WORDS.get(text)
    return Message(template, ()) if template is not None else verbatim(text)


_READER = re.compile(r"^unacceptable character #x([0-9a-fA-F]+): (?:control|special) characters")


def _reader_problem(text: str) -> Message:
    """A character YAML does not allow in a file (a control character)."""
    found = _READER.match(text)
    if found:
        return msg(
            "unacceptable character #x{code}: control characters are not allowed",
            code=found.group(1),
        )
    return verbatim(text)


_YAML_PHRASES = (
    # problems
    N_("block sequence entries are not allowed in this context"),
    N_("but found another document"),
    N_("could not find expected ':'"),
    N_("did not find URI escaped octet"),
    N_("did not find expected '!'"),
    N_("did not find expected ',' or ']'"),
    N_("did not find expected ',' or '}}'"),
    N_("did not find expected '-' indicator"),
    N_("did not find expected <document start>"),
    N_("did not find expected alphabetic or numeric character"),
    N_("did not find expected comment or line break"),
    N_("did not find expected hexdecimal number"),
    N_("did not find expected key"),
    N_("did not find expected node content"),
    N_("did not find expected tag URI"),
    N_("did not find expected whitespace or line break"),
    N_("found a tab character that violates indentation"),
    N_("found a tab character where an indentation space is expected"),
    N_("found an indentation indicator equal to 0"),
    N_("found character that cannot start any token"),
    N_("found duplicate anchor"),
    N_("found incompatible YAML document"),
    N_("found invalid Unicode character escape code"),
    N_("found undefined alias"),
    N_("found undefined tag handle"),
    N_("found unexpected ':'"),
    N_("found unexpected document indicator"),
    N_("found unexpected end of stream"),
    N_("found unknown directive name"),
    N_("found unknown escape character"),
    N_("mapping keys are not allowed in this context"),
    N_("mapping values are not allowed here"),
    N_("mapping values are not allowed in this context"),
    # what the parser was reading
    N_("expected a single document in the stream"),
    N_("while parsing a block collection"),
    N_("while parsing a block mapping"),
    N_("while parsing a block node"),
    N_("while parsing a flow mapping"),
    N_("while parsing a flow node"),
    N_("while parsing a flow sequence"),
    N_("while parsing a node"),
    N_("while parsing a quoted scalar"),
    N_("while scanning a block scalar"),
    N_("while scanning a directive"),
    N_("while scanning a plain scalar"),
    N_("while scanning a quoted scalar"),
    N_("while scanning a simple key"),
    N_("while scanning a tag"),
    N_("while scanning an alias"),
    N_("while scanning an anchor"),
    N_("while scanning for the next token"),
)
_YAML_WORDS = {
    template.replace("{{", "{").replace("}}", "}"): template for template in _YAML_PHRASES
}
"""The parser's sentence → its message id (braces doubled, as a template writes them)."""


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``: in bytes of UTF-8 for libyaml's reader, in
    characters for PyYAML's own."""
    if _C:
        offset = len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


_Event = Any
"""One of the parser's events (libyaml's and PyYAML's are typed apart): its ``start_mark``,
and the ``anchor``, ``tag``, ``implicit`` and ``value`` of the value it starts."""


class _Builder:
    """Builds plain data from the parser's events, catching YAML traps, and records the
    positions of the values if asked (see ``_YamlDocument``).

    Built from the events rather than from a composed node tree: a tree holds an object
    and two marks for every value of the file at once (600 MB for a 35 000-member
    roster), the events come one by one."""

    def __init__(self, file: str, text: str, parser: _Parser, *, positions: bool) -> None:
        self.file = file
        self.text = text
        self.next: Callable[[], _Event] = parser.get_event
        self.resolve: Callable[..., str] = parser.resolve
        self.record = positions
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.key_positions: dict[Path_, tuple[int, int]] = {}
        self.problems: list[Diagnostic] = []
        self.aliased = False
        self._anchors: dict[str, _Event] = {}  # anchor → the event of its value
        self._values: dict[str, Any] = {}  # a plain scalar's text → its value
        self._keys: dict[str, tuple[Any, str]] = {}  # a plain key's text → what _key says

    def problem(self, event: _Event, code: str, message: Message) -> None:
        mark = event.start_mark
        self.problems.append(
            make_diagnostic(self.file, self.text, mark.line + 1, mark.column + 1, code, message)
        )

    def document(self) -> Any:
        """The data of the single document of the stream (``_NOTHING`` if it has none)."""
        self.next()  # stream start
        start = self.next()
        if isinstance(start, yaml.StreamEndEvent):
            return _NOTHING
        data = self.build(self.next(), ())
        self.next()  # document end
        after = self.next()
        if not isinstance(after, yaml.StreamEndEvent):
            raise ComposerError(
                "expected a single document in the stream",
                start.start_mark,
                "but found another document",
                after.start_mark,
            )
        return data

    def build(self, event: _Event, path: Path_) -> Any:
        if isinstance(event, yaml.AliasEvent):
            # an alias stands where its anchor is; refusing them defuses "billion
            # laughs" bombs
            mark = self._anchored(event).start_mark
            if self.record:
                self.positions[path] = (mark.line + 1, mark.column + 1)
            self.aliased = True
            return None
        if self.record:
            mark = event.start_mark
            self.positions[path] = (mark.line + 1, mark.column + 1)
        if event.anchor is not None:
            self._anchor(event)
        if len(path) > MAX_DEPTH:
            if len(path) == MAX_DEPTH + 1:
                self.problem(
                    event,
                    "yaml-depth",
                    msg("values are nested deeper than {depth:count} levels", depth=MAX_DEPTH),
                )
            self._skip(event)
            return None
        if isinstance(event, yaml.MappingStartEvent):
            return self._mapping(event, path)
        if isinstance(event, yaml.SequenceStartEvent):
            self._check_tag(event, self._tag(event), "seq")
            items: list[Any] = []
            while not isinstance(item := self.next(), yaml.SequenceEndEvent):
                items.append(self.build(item, (*path, len(items))))
            return items
        if event.tag is None and event.implicit[0]:
            return self._plain(event)
        return self._scalar(event, self._tag(event))

    def _plain(self, event: _Event) -> Any:
        """A plain scalar's value, made once per text: it depends on its text only, and
        a roster repeats the same few (offer ids, dates, years), 450 000 scalars in 35 000
        members. A text with a problem is made again, each time said where it is."""
        value = self._values.get(event.value, _NOTHING)
        if value is _NOTHING:
            problems = len(self.problems)
            value = self._scalar(event, self._tag(event))
            if len(self.problems) == problems and len(self._values) < _KNOWN_TAGS:
                self._values[event.value] = value
        return value

    def _anchor(self, event: _Event) -> None:
        anchor: str = event.anchor
        if anchor in self._anchors:
            raise ComposerError(
                "found duplicate anchor; first occurrence"
                if _C
                else f"found duplicate anchor {anchor!r}; first occurrence",
                self._anchors[anchor].start_mark,
                "second occurrence",
                event.start_mark,
            )
        self._anchors[anchor] = event

    def _anchored(self, alias: _Event) -> _Event:
        """The event of the value an alias repeats."""
        anchored = self._anchors.get(alias.anchor)
        if anchored is None:
            said = "found undefined alias" if _C else f"found undefined alias {alias.anchor!r}"
            raise ComposerError(None, None, said, alias.start_mark)
        return anchored

    def _skip(self, event: _Event) -> None:
        """Reads past a value left out of the data, minding its anchors and aliases as
        the composer would."""
        depth = 0
        while True:
            if isinstance(event, yaml.AliasEvent):
                self._anchored(event)
            elif getattr(event, "anchor", None) is not None:
                self._anchor(event)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if depth == 0:
                return
            event = self.next()

    def _tag(self, event: _Event) -> str:
        """The tag of a value, as the composer gives it: the one written, else the
        implicit one (a plain scalar's is told by its text)."""
        tag: str | None = event.tag
        if tag is not None and tag != "!":
            return tag
        if not isinstance(event, yaml.ScalarEvent):
            return _TAG + ("map" if isinstance(event, yaml.MappingStartEvent) else "seq")
        if not event.implicit[0]:  # quoted
            return self.resolve(yaml.ScalarNode, event.value, event.implicit)
        # a plain scalar's depends on its text only, told once per text: a roster repeats
        # the same few (offer ids, dates, « true »), 600 000 scalars in 35 000 members
        tag = _TAGS.get(event.value)
        if tag is None:
            tag = self.resolve(yaml.ScalarNode, event.value, event.implicit)
            if len(_TAGS) < _KNOWN_TAGS:
                _TAGS[event.value] = tag
        return tag

    def _check_tag(self, event: _Event, tag: str, expected: str) -> None:
        if tag != _TAG + expected:
            tag = "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag
            self.problem(
                event, "yaml-tag", msg("tag {tag} is not allowed: plain YAML data only", tag=tag)
            )

    def _key(self, key_event: _Event) -> tuple[_Event, tuple[Any, str] | None]:
        """The event of a mapping key (an alias key is the anchored value itself), and the
        key with its text once validated (``2026`` and ``"2026"`` are one key), or None
        for a key left out of the data (its problem said)."""
        if isinstance(key_event, yaml.AliasEvent):
            key_event = self._anchored(key_event)
        elif isinstance(key_event, yaml.ScalarEvent):
            if key_event.anchor is not None:
                self._anchor(key_event)
        else:
            self._skip(key_event)
        tag = self._tag(key_event)
        if tag == _TAG + "merge":
            self.problem(
                key_event,
                "yaml-merge",
                msg("merge keys (<<) are not supported: write the keys out"),
            )
            return key_event, None
        if not isinstance(key_event, yaml.ScalarEvent):
            self.problem(key_event, "yaml-key", msg("mapping keys must be plain scalars"))
            return key_event, None
        key = self._scalar(key_event, tag)
        if isinstance(key, Decimal | bool | _Word) or key is None:
            key = key_event.value  # such keys are names (offers, years, 'on'), never numbers
        return key_event, (key, key.isoformat() if isinstance(key, dt.date) else str(key))

    def _mapping(self, start: _Event, path: Path_) -> dict[Any, Any]:
        self._check_tag(start, self._tag(start), "map")
        result: dict[Any, Any] = {}
        # each key by its text, with its line: 2026 and "2026" are one key once validated
        as_text: dict[str, tuple[Any, int]] = {}
        while not isinstance(key_event := self.next(), yaml.MappingEndEvent):
            plain = (
                key_event.__class__ is yaml.ScalarEvent
                and key_event.tag is None
                and key_event.anchor is None
                and key_event.implicit[0]
            )
            # a plain key is made once per text: a roster repeats the same few
            known = self._keys.get(key_event.value) if plain else None
            if known is None:
                problems = len(self.problems)
                key_event, known = self._key(key_event)
                if known is None:
                    self._skip(self.next())
                    continue
                if plain and len(self.problems) == problems and len(self._keys) < _KNOWN_TAGS:
                    self._keys[key_event.value] = known
            key, written = known
            if written in as_text:
                first, line = as_text[written]
                self.problem(
                    key_event,
                    "duplicate-key",
                    msg(
                        "key '{key}' is repeated (first at line {line:count}): YAML would "
                        "silently keep only the last value",
                        key=key_event.value,
                        line=line,
                    )
                    if first == key
                    else msg(
                        "key {key} is {first} of line {line:count} written another way: both "
                        "are read as {text}, and only one value could be kept",
                        key=_written(key),
                        first=_written(first),
                        line=line,
                        text=written,
                    ),
                )
                self._skip(self.next())
                continue
            mark: _Event = key_event.start_mark  # libyaml's marks are typed apart
            as_text[written] = (key, mark.line + 1)
            if self.record:
                self.key_positions[(*path, key)] = (mark.line + 1, mark.column + 1)
            result[key] = self.build(self.next(), (*path, key))
        return result

    def _scalar(self, node: _Event, written_tag: str) -> Any:
        text: str = node.value
        tag = written_tag.removeprefix(_TAG)
        if tag == "str":
            return text
        if tag == "int":
            return self._integer(node, text)
        if tag == "float":
            try:
                number = Decimal(text.replace("_", ""))
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite():
                self.problem(node, "yaml-number", msg("'{text}' is not a finite number", text=text))
                return text
            return number
        if tag == "bool":
            value = text.lower() in {"true", "yes", "on", "y"}
            if text.lower() not in _BOOL_WORDS:
                return _Word(text, value)
            return value
        if tag == "null":
            return None
        if tag == "timestamp":
            if not _DATE.match(text):
                self.problem(
                    node,
                    "yaml-date",
                    msg("'{text}' is not a date: write dates as YYYY-MM-DD", text=text),
                )
                return text
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                self.problem(node, "yaml-date", msg("'{text}' is not a calendar date", text=text))
                return text
        self._check_tag(node, written_tag, "str")
        return text

    def _integer(self, node: _Event, text: str) -> Any:
        digits = text.lstrip("+-")
        if ":" in text:
            self.problem(
                node,
                "yaml-sexagesimal",
                msg("YAML 1.1 reads '{text}' as a base-60 number: quote it ('{text}')", text=text),
            )
            return text
        if len(digits) > 1 and digits.startswith("0") and digits.isdigit():
            self.problem(
                node,
                "yaml-octal",
                msg(
                    "YAML 1.1 reads '{text}' as the octal number {octal:count}",
                    text=text,
                    octal=int(digits, 8),
                )
                if set(digits) <= set("01234567")
                else msg("a number written '{text}' loses its leading zero", text=text),
            )
            # keep the text so the message above is the only one about this value
            return text
        if digits[:2] in {"0x", "0b", "0o"} or "_" in text:
            self.problem(
                node,
                "yaml-number",
                msg(
                    "'{text}' is a YAML 1.1 special integer: write a plain decimal number",
                    text=text,
                ),
            )
            return text
        if len(digits) > 18:
            self.problem(
                node,
                "yaml-number",
                msg("'{text}' has {digits:count} digits: too large", text=text, digits=len(digits)),
            )
            return text
        return int(text)


def _alias_problems(text: str, file: str) -> list[Diagnostic]:
    """One problem per anchor, at its first alias (a bomb repeats each alias many times)."""
    anchors: dict[str, int] = {}  # anchor name → its line
    problems: list[Diagnostic] = []
    for event in yaml.parse(text, Loader=_Parser):
        anchor = getattr(event, "anchor", None)
        if anchor is None:
            continue
        mark = event.start_mark
        if mark is None:  # pragma: no cover - the parsers mark every event
            continue
        if not isinstance(event, yaml.AliasEvent):
            anchors.setdefault(anchor, mark.line + 1)
        elif anchor in anchors:
            line = anchors.pop(anchor)
            problems.append(
                make_diagnostic(
                    file,
                    text,
                    mark.line + 1,
                    mark.column + 1,
                    "yaml-alias",
                    msg(
                        "alias *{anchor} repeats the value anchored at line {line:count} "
                        "(&{anchor}): anchors and aliases are not supported, write the value out",
                        anchor=anchor,
                        line=line,
                    ),
                )
            )
    return problems


class _Word(int):
    """A boolean written as a word (``yes``, ``no``, ``on``, ``off``): YAML 1.1 reads it as
    true/false. Behaves as a bool for boolean fields; text fields reject it with a hint."""

    text: str

    def __new__(cls, text: str, value: bool) -> _Word:
        word = super().__new__(cls, value)
        word.text = text
        return word

    def __bool__(self) -> bool:
        return int(self) == 1

    def __repr__(self) -> str:
        return self.text


def is_yaml_word(value: Any) -> bool:
    """True for a value YAML 1.1 turned from a word (``no``, ``off``…) into a boolean."""
    return isinstance(value, _Word)
