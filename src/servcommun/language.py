"""The language a user reads: French by default, English on request.

Words come from the gettext catalogue of the package (``locale/<lang>/LC_MESSAGES/
servcommun.mo``, compiled from its ``.po`` by ``scripts/catalogue.py``); the English
message ids of the code are the English text. Numbers, amounts, percentages and dates are
formatted by Babel for the language's locale (``render.words``).

The language of the interface (tables, messages, ``--help``) is ``--lang``, else
``SERVCOMMUN_LANG``, else the locale of the environment (``LC_ALL``, ``LC_MESSAGES``,
``LANG``), else French. A document sent to a member (PDF statement, French CSV dialect,
workbook) speaks its tariff's ``locale`` unless ``--lang`` was given
(``document_language``).
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path

LOCALES = {"fr": "fr_FR", "en": "en_GB"}
"""The languages servcommun speaks, and the Babel locale each formats numbers in."""

DEFAULT = "fr"
DOMAIN = "servcommun"
LOCALE_DIR = Path(__file__).parent / "locale"


class _Speaking:
    """The language in use, and whether the user asked for it on the command line."""

    language = DEFAULT
    explicit = False


_now = _Speaking()


def from_environment(environ: Mapping[str, str] = os.environ) -> str:
    """``SERVCOMMUN_LANG``, else the environment's locale, else French — the first one
    naming a language servcommun speaks (``C``, ``POSIX`` or ``de_DE`` name none)."""
    for name in ("SERVCOMMUN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        language = _language_of(environ.get(name, ""))
        if language:
            return language
    return DEFAULT


def _language_of(value: str) -> str | None:
    """``fr_FR.UTF-8`` → ``fr``; None for a locale of another language or none."""
    language = value.split(".")[0].split("_")[0].split("-")[0].lower()
    return language if language in LOCALES else None


def choose(language: str | None) -> None:
    """Speak ``language`` (given on the command line), else the environment's."""
    _now.explicit = language is not None
    _now.language = language if language in LOCALES else from_environment()


def current() -> str:
    return _now.language


def locale() -> str:
    """The Babel locale of the language in use (``fr_FR``)."""
    return LOCALES[_now.language]


def document_language(tariff_locale: str) -> str:
    """The language of a document sent to a member: ``--lang`` if given, else its
    tariff's locale (when servcommun speaks it), else the interface's."""
    if _now.explicit:
        return _now.language
    return _language_of(tariff_locale) or _now.language


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak ``language`` for a while (a document in its tariff's language)."""
    before = _now.language
    _now.language = language
    try:
        yield
    finally:
        _now.language = before


@cache
def _translations(language: str) -> _gettext.NullTranslations:
    # English is the language of the message ids: its catalogue may be absent
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def _(text: str) -> str:
    """``text`` (a message id) in the language in use."""
    return _translations(_now.language).gettext(text)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a sentence for ``count`` (« 1 commune », « 2 communes »)."""
    return _translations(_now.language).ngettext(singular, plural, count)


def N_(text: str) -> str:
    """Marks ``text`` as a message id to translate later, where it is said (an option's
    help, a table header defined once): extraction finds it, nothing changes now."""
    return text
