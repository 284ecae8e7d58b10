"""Keep the message catalogues in step with the code.

The English message ids are in the code: ``_()``, ``N_()``, ``ngettext()``, ``msg()``
and ``msg_n()`` calls, and the titles and descriptions of the JSON Schemas
(``servcommun.schemas.phrases``). ``update`` extracts them into ``src/servcommun/locale/
servcommun.pot`` and merges that into each language's ``.po`` (a new id comes in
untranslated, a removed one becomes obsolete); translate the new entries, then
``compile`` writes the ``.mo`` files the package ships (committed: a fresh clone speaks
French with no build step; ``tests/test_language.py`` checks they match their ``.po``
and that every id of the code is translated).

Usage: ``python scripts/catalogue.py update`` then ``python scripts/catalogue.py compile``
(``--statistics`` says how complete each catalogue is).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "servcommun"
LOCALE_DIR = PACKAGE / "locale"
TEMPLATE = LOCALE_DIR / "servcommun.pot"
LANGUAGES = ("fr",)  # English is the language of the message ids
_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # the files depend on their contents only
_HEADER = {
    "project": "servcommun",
    "copyright_holder": "servcommun",
    "charset": "utf-8",
    "creation_date": _DATE,
    "revision_date": _DATE,
    "last_translator": "servcommun",
    "language_team": "servcommun",
}
_PLURALS = {"fr": (2, "(n > 1)")}  # GNU gettext's French rule: « 0 commune, 2 communes »

KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "msg": None,
    "msg_n": (1, 2),
}


def extracted() -> Catalog:
    """Every message id of the package's code, with where it is used."""
    catalog = Catalog(**_HEADER)  # type: ignore[arg-type]
    found: Iterator[tuple[str, int, str | tuple[str, ...], list[str], str | None]] = (
        extract_from_dir(
            str(PACKAGE),
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        )
    )
    for filename, lineno, message, comments, context in found:
        where = (str(Path("servcommun") / filename), lineno)
        catalog.add(message, None, [where], auto_comments=comments, context=context)
    # the JSON Schemas' titles and descriptions, hovers in an editor: the models' words
    from servcommun.schemas import phrases

    for phrase in phrases():
        catalog.add(phrase, None, [("servcommun/schemas.py", 0)])
    for message in catalog:
        # servcommun's messages are brace templates: a « 12 % de » is no printf directive
        message.flags.discard("python-format")
    return catalog


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "servcommun.po"


def read_catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as file:
        return read_po(file, locale=language)


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled catalogue, as the package ships it (fuzzy entries left out)."""
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def update() -> None:
    template = extracted()
    with TEMPLATE.open("wb") as file:
        write_po(file, template, width=88, sort_output=True, include_lineno=False)
    for language in LANGUAGES:
        path = po_path(language)
        catalog = read_catalog(language) if path.exists() else _new_catalog(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.revision_date = _DATE
        for message in catalog:
            message.flags.discard("python-format")  # see extracted()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as file:
            write_po(
                file,
                catalog,
                width=88,
                sort_output=True,
                ignore_obsolete=True,
                include_lineno=False,
            )


def _new_catalog(language: str) -> Catalog:
    catalog = Catalog(locale=language, **_HEADER)  # type: ignore[arg-type]
    if language in _PLURALS:
        catalog._num_plurals, catalog._plural_expr = _PLURALS[language]  # Babel's own fields
    return catalog


def statistics(language: str) -> tuple[int, int]:
    """(translated, total) entries of a language's catalogue."""
    catalog = read_catalog(language)
    entries = [message for message in catalog if message.id]
    done = [m for m in entries if m.string and all(m.string) and not m.fuzzy]
    return len(done), len(entries)


def compile_all(show: bool) -> None:
    for language in LANGUAGES:
        catalog = read_catalog(language)
        path = po_path(language).with_suffix(".mo")
        path.write_bytes(mo_bytes(catalog))
        if show:
            done, total = statistics(language)
            percent = 100 * done // total if total else 100
            print(f"{language}: {done} of {total} messages translated ({percent} %)")


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("update", "compile"))
    parser.add_argument("--statistics", action="store_true")
    options = parser.parse_args(arguments)
    if options.action == "update":
        update()
    else:
        compile_all(options.statistics)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
