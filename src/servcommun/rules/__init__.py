"""The rules of the tariff language, one module each, collected once.

Every module of this package but ``base`` and those named with a leading underscore
defines one rule as a ``PartRule`` subclass and names it ``RULE``. Adding a rule is
writing its module (with its section of ``docs/tariff-format.md`` and its case in the
error catalogue): the tariff's ``Part`` union, the JSON Schema and every question the
engine and ``check`` ask are built from ``RULES``.
"""

from __future__ import annotations

import importlib
import pkgutil

from servcommun.rules.base import PartRule


def _collect() -> tuple[type[PartRule], ...]:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if info.name != "base" and not info.name.startswith("_")
    )
    return tuple(importlib.import_module(f"{__name__}.{name}").RULE for name in names)


RULES: tuple[type[PartRule], ...] = _collect()
"""Every rule of the tariff language, by module name."""
