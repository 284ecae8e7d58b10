"""An amount in words, as a statement writes its total (« arrêté à la somme de … »):
« cinq mille trois cent quatre-vingt-quatorze euros et cinquante centimes ».

The numbers are num2words' cardinals; the currency words and their agreement are this
module's, for num2words' own currency forms are wrong in French (« un million euros »,
« zéro centimes ») and in English (« eighty euro »). French says « d'euros » after a
round million or milliard (« un million d'euros », but « un million deux cents euros »),
and the singular below two (« zéro euro », « un centime »).
"""

from __future__ import annotations

from decimal import Decimal

from num2words import num2words  # type: ignore[import-untyped]

# (unit singular, plural, cent singular, plural, "and", "of" before a round million)
_EUROS = {
    "fr": ("euro", "euros", "centime", "centimes", "et", "d'"),
    "en": ("euro", "euros", "cent", "cents", "and", ""),
}
_ZERO = {"fr": "zéro", "en": "zero"}
_MINUS = {"fr": "moins", "en": "minus"}
_ROUND = ("million", "millions", "milliard", "milliards", "billion", "billions")


def amount_in_words(amount: Decimal, language: str, currency: str = "EUR") -> str:
    """``amount`` (to the cent) in words in ``language`` (``fr`` or ``en``): euros and
    cents for the euro; another currency is left to num2words."""
    if currency != "EUR" or language not in _EUROS:
        return str(num2words(amount, lang=language, to="currency", currency=currency))
    unit, units, cent, cents, joined, of = _EUROS[language]
    cents_total = int((abs(amount) * 100).to_integral_value())
    whole, rest = divmod(cents_total, 100)
    parts = []
    if whole or not rest:
        words = _cardinal(whole, language)
        # French writes the singular below two (« zéro euro »), English for one only
        name = unit if whole == 1 or (whole == 0 and language == "fr") else units
        if of and words.split()[-1] in _ROUND:
            parts.append(f"{words} {of}{name}")
        else:
            parts.append(f"{words} {name}")
    if rest:
        parts.append(f"{_cardinal(rest, language)} {cent if rest == 1 else cents}")
    said = f" {joined} ".join(parts)
    return f"{_MINUS[language]} {said}" if amount < 0 else said


def _cardinal(number: int, language: str) -> str:
    if number == 0:
        return _ZERO[language]
    return str(num2words(number, lang=language))
