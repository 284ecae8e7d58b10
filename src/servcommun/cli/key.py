"""``servcommun key derive``: the percentage that makes a party's share equal an amount."""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated

import typer

from servcommun.cli.app import (
    Lang,
    ServiceName,
    command_group,
    config_here,
    deliver,
    fail,
    print_rich,
)
from servcommun.cli.notes import bad_parameter, option_problem
from servcommun.language import N_, _
from servcommun.message import msg

key_app = command_group("key", N_("Percentage keys a service's parties share costs by."))


class KeyFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _amount(text: str) -> Decimal:
    """An amount as a French officer may type it: 20000, 20000.00, 20 000,00."""
    cleaned = text.strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        raise bad_parameter(
            msg("{text} is not an amount (20000 or 20000.00)", text=repr(text))
        ) from None
    if not value.is_finite() or abs(value) >= Decimal("1E12"):  # 1e400: no amount either
        raise bad_parameter(msg("{text} is not an amount (20000 or 20000.00)", text=repr(text)))
    if value != value.quantize(Decimal("0.01")):
        raise bad_parameter(msg("{text} is not an amount to the cent", text=repr(text)))
    return value


@key_app.command(
    help=N_(
        "The share that makes PARTY bear TARGET on BASE, rounded to the key's precision and "
        "taken from --take-from, the other shares unchanged; with each party's amount."
    )
)
def derive(
    party: Annotated[str, typer.Option(help=N_("The party whose share is set (ccas)."))],
    target: Annotated[
        Decimal,
        typer.Option(
            parser=_amount,
            metavar=N_("AMOUNT"),
            help=N_("The amount it should bear on the base (20000)."),
        ),
    ],
    take_from: Annotated[
        str,
        typer.Option(
            "--take-from", help=N_("The party whose share gives (or gets back) the difference.")
        ),
    ],
    base: Annotated[
        Decimal | None,
        typer.Option(
            parser=_amount,
            metavar=N_("AMOUNT"),
            help=N_(
                "The amount the key applies to. Default: the salary mass shared "
                "by the key in the --year budget."
            ),
        ),
    ] = None,
    service: ServiceName = None,
    year: Annotated[
        int | None,
        typer.Option(
            help=N_("Use the key in force this year (default: the latest version)."),
            min=1900,
            max=2999,
        ),
    ] = None,
    format: Annotated[KeyFormat, typer.Option("--format", help=N_("Output format."))] = (
        KeyFormat.TABLE
    ),
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.analysis import derive_key
    from servcommun.diagnostics import InputError
    from servcommun.engine.keys import KeyDerivationError

    if base is None and year is None:
        print(
            _("give the base (--base AMOUNT), or --year to take it from that year's budget"),
            file=sys.stderr,
        )
        raise typer.Exit(2)
    try:
        derivation = derive_key(
            config_here(), service, year, party=party, target=target, base=base, take_from=take_from
        )
    except InputError as error:
        fail(error.diagnostics)
    except KeyDerivationError as error:
        option = {"base": "--base", "take_from": "--take-from", "target": "--target"}[error.field]
        fail([option_problem(option, error.code, error.message)])
    if format is KeyFormat.JSON:
        from servcommun.render.json import dumps
        from servcommun.render.key import derivation_json

        deliver(dumps(derivation_json(derivation)), None, False)
    else:
        from servcommun.render.key import derivation_table

        print_rich(lambda width: derivation_table(derivation), None, False)
