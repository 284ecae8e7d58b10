"""What ``bill`` says of a year already issued: the journal's figures against the bill's,
member by member (a key of the JSON, a note below the table, a warning on stderr when
they differ). Not a command: ``bill`` calls it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType

    from servcommun.config import Config
    from servcommun.engine.result import Bill
    from servcommun.issuance import IssuedYear


def issued_for_bill(config: Config, service: str | None, bill: Bill) -> IssuedYear | None:
    """The issued figures of ``bill``'s year (None when nothing of it is issued, the
    journal read only if there is one); a warning on stderr when they have changed."""
    from servcommun.journal import journal_path

    if config.bundled or not journal_path(config.root, config.service(service).id).exists():
        return None  # nothing issued: the issuance machinery is not even imported
    from servcommun.issuance import issued_against

    issued = issued_against(config, service, bill)
    if issued is not None and issued.changed:
        from servcommun.message import msg_n
        from servcommun.render.words import say

        print(
            say(
                msg_n(
                    "warning: {year:year} is issued and {count:count} member's figure "
                    "differs from it: servcommun titres --year {year:year} --corrections "
                    "lists the titres that correct it",
                    "warning: {year:year} is issued and {count:count} members' figures "
                    "differ from it: servcommun titres --year {year:year} --corrections "
                    "lists the titres that correct them",
                    n="count",
                    year=issued.year,
                    count=len(issued.members),
                )
            ),
            file=sys.stderr,
        )
    return issued


def with_issued(data: dict[str, Any], issued: IssuedYear | None) -> dict[str, Any]:
    """The bill's JSON with its ``issued`` key, when its year is issued."""
    if issued is None:
        return data
    from servcommun.render.titres import issued_json

    return {**data, "issued": issued_json(issued)}


def with_issued_note(table: RenderableType, issued: IssuedYear | None) -> RenderableType:
    """The bill's table, then what the journal says of its year."""
    if issued is None:
        return table
    from rich.console import Group
    from rich.text import Text

    from servcommun.render.titres import issued_lines

    return Group(table, *(Text(line, style="dim") for line in issued_lines(issued)))
