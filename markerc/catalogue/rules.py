"""Every rule of the registry, in code order: the family modules joined.

Only the docs generator, the tests and the documentation paths import this (it loads every
explanation and example); the run-time facts are :mod:`markerc.catalogue.codes`.
"""

from __future__ import annotations

from markerc.catalogue import (
    compiling,
    inputs,
    launch,
    lock,
    lock_files,
    review,
    security,
    skip_installed,
    style,
    xinference,
)
from markerc.catalogue.records import Rule

__all__ = ["RULES", "by_code"]

_FAMILIES = (
    inputs,
    style,
    xinference,
    compiling,
    lock,
    lock_files,
    launch,
    skip_installed,
    review,
    security,
)

#: Every rule, sorted by code (a family module may hold codes of several ranges).
RULES: tuple[Rule, ...] = tuple(
    sorted((r for family in _FAMILIES for r in family.RULES), key=lambda r: r.code)
)


def by_code() -> dict[str, Rule]:
    return {r.code: r for r in RULES}
