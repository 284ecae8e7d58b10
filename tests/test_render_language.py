"""What the renderers write, in English (the language the tests read): plurals chosen by
their count, figures as Babel writes them for en_GB, documents in their tariff locale's
language unless ``--lang`` was given."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servcommun import language
from servcommun.engine.result import MemberRef, Settlement
from servcommun.render.amounts import money, number
from servcommun.render.csv import csv_amount
from servcommun.render.documents import id_label, month_label, population_text
from servcommun.render.pdf import Issuer
from servcommun.render.simulation import _ordinal
from servcommun.render.table import settlement_text
from servcommun.render.words import say

D = Decimal


def test_amounts_are_written_as_the_language_in_use_writes_them() -> None:
    assert (money(D("5532.50")), number(D("-3500"))) == ("€5,532.50", "-3,500.00")


@pytest.mark.parametrize(("population", "said"), [(1, "1 inhabitant"), (2163, "2,163 inhabitants")])
def test_a_population_is_one_inhabitant_or_many(population: int, said: str) -> None:
    assert say(population_text(population)) == said


@pytest.mark.parametrize(
    ("rank", "said"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (21, "21st")],
)
def test_ordinals(rank: int, said: str) -> None:
    assert say(_ordinal(rank)) == said


def test_months_and_ids_in_the_language_in_use() -> None:
    assert month_label("2027-01") == "January 2027"
    assert month_label("later") == "later"  # not a month: as it is
    assert id_label(MemberRef("35236", "Redon")) == "INSEE code"
    assert id_label(MemberRef("200033025", "EPCI")) == "SIREN"
    assert id_label(MemberRef("ville", "Ville")) == "Identifier"


def test_the_french_dialect_keeps_its_decimal_comma_in_any_language() -> None:
    assert (csv_amount(D("-3500"), "fr"), csv_amount(D("-3500"))) == ("-3500,00", "-3500.00")


def test_a_settlement_says_its_figures() -> None:
    deducted = Settlement("attribution-deduction", "art. 9", 2027, D("185000"), D("7536"))
    assert say(settlement_text(deducted)) == (
        "Settled by deduction from the 2027 attribution de compensation (art. 9): "
        "€185,000.00 − €7,536.00 = €177,464.00."
    )
    assert say(settlement_text(Settlement("revenue-title", ""))) == (
        "Settled by a title of revenue."
    )


def test_statements_speak_their_tariffs_language_unless_lang_is_given() -> None:
    issuer = Issuer(title="Service", deliberations=(), locale="fr_FR")
    assert issuer.speaking_in().language == "fr"  # SERVCOMMUN_LANG is not --lang
    language.choose("en")  # --lang en
    assert issuer.speaking_in().language == "en"
    settled = Issuer(title="Service", deliberations=(), locale="fr_FR", language="fr")
    assert settled.speaking_in() is settled  # what the workers are given
