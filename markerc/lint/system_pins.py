"""``check`` rules about system pins (``#system_NAME#``): a misspelt or unknown system package
(MK312, MK313) and a bare ``system_NAME`` requirement meant as a pin (MK314)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from markerc.compiler.targets import canonical_name
from markerc.diagnostics import Span
from markerc.language.nodes import Requirement, SystemPin
from markerc.lint.framework import SYSTEM_PACKAGES, Context, Finding, Fix, Item, diag
from markerc.lint.spellings import spelling_findings

_BARE_SYSTEM = re.compile(r"system[_.-](.+)", re.IGNORECASE)

__all__ = [
    "bare_system_pin",
    "osa_distance",
    "system_pin",
]


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, transpositions
    of adjacent characters)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _misspelling_of(name: str, pool: Sequence[str]) -> str | None:
    """The pool name ``name`` is a typo of: one edit away, two for names of 8+ characters."""
    limit = 1 if len(name) < 8 else 2
    best = None
    for candidate in pool:
        if candidate == name or abs(len(candidate) - len(name)) > limit:
            continue
        d = osa_distance(name, candidate)
        if d <= limit and (best is None or d < best[0]):
            best = (d, candidate)
    return best[1] if best else None


def _system_pool(ctx: Context, exclude: str) -> list[str]:
    return list(SYSTEM_PACKAGES) + sorted(
        n for n in ctx.pinned if n != exclude and n not in SYSTEM_PACKAGES
    )


def system_pin(item: Item, head: SystemPin, ctx: Context) -> Iterator[Finding]:
    entry, source, text = item.entry, item.source, item.source.value
    start = text.find(head.spelling, entry.head_span.start)
    span = Span(start, start + len(head.spelling)) if start >= 0 else entry.head_span
    if head.noncanonical and start >= 0:
        yield from spelling_findings(
            head.spelling, f"#system_{head.name}#", source, span, "system pin", case=True
        )
    name = canonical_name(head.name)
    if name in SYSTEM_PACKAGES:
        return
    typo = _misspelling_of(name, SYSTEM_PACKAGES)
    if typo is None and ctx.pinned.get(name, 0) > 1:
        return  # a package this hub pins in other models too
    typo = typo or _misspelling_of(name, _system_pool(ctx, name))
    if typo is not None:
        yield Finding(
            diag(
                "MK312",
                f"unknown system package {head.name!r}; did you mean #system_{typo}#? Neither "
                f"tool finds a distribution called {head.name!r}: Xinference installs the bare "
                "name from the index, markerc stops (MK504)",
                source,
                span,
            )
        )
        return
    yield Finding(
        diag(
            "MK313",
            f"#system_{head.name}# pins {head.name!r} to the base environment, but it is none of "
            f"{', '.join(SYSTEM_PACKAGES)} and no other model of the checked files pins it: "
            "where it is not installed, Xinference installs it unpinned and markerc stops "
            "(MK504)",
            source,
            span,
        )
    )


def bare_system_pin(item: Item, head: Requirement, ctx: Context) -> Iterator[Finding]:
    m = _BARE_SYSTEM.fullmatch(head.name)
    if m is None or head.specifier or head.url is not None:
        return
    package = m.group(1)
    name = canonical_name(package)
    known = set(SYSTEM_PACKAGES) | set(ctx.pinned)
    if name not in known and _misspelling_of(name, sorted(known)) is None:
        return
    span = head.name_span
    fixed = f"#system_{package}#"
    yield Finding(
        diag(
            "MK314",
            f"{head.name!r} is not a system pin: every tool, Xinference and markerc included, "
            f"reads it as a package called {head.name!r}; write {fixed!r} to pin {package} to "
            "the version installed in the base environment",
            item.source,
            span,
        ),
        Fix("MK314", item.source, span.start, span.end, fixed),
    )
