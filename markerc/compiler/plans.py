"""Plans: what one distinct entry means in one context (engine and target).

An entry's meaning depends only on its text, the placeholders it was expanded from and the
context, so :mod:`markerc.compiler.expand` keeps a :class:`Plan` per distinct entry (the
context's memo, shared by the engines where the entry does not test the engine): a whole hub
parses, types and evaluates each distinct entry once per engine.  A plan is the entry, its
residual condition, its requirement parts, and whether it tests the engine; what only a verdict
shows (why a condition is false, in words) is worded when a verdict is made.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeGuard

from markerc.compiler.filenames import distribution_name
from markerc.compiler.provenance import Source, locate
from markerc.compiler.targets import canonical_name
from markerc.compiler.wording import why_false
from markerc.diagnostics import MarkercError
from markerc.language import algebra, variables
from markerc.language.markers import leaves, partial
from markerc.language.nodes import (
    FALSE,
    And,
    BareUrl,
    Compare,
    Entry,
    Head,
    Marker,
    Placeholder,
    Requirement,
    SystemPin,
)
from markerc.language.typecheck import check_entry, legacy_placeholder
from markerc.language.variables import STANDARD_VARIABLES, split_engine_list
from markerc.language.versions import unsatisfiable
from markerc.records import record

if TYPE_CHECKING:
    from markerc.compiler.expand import Context

__all__ = ["Parts", "Plan", "legacy_spelling", "make_plan", "why_false_of", "yields_items"]

#: the names a context binds to its engine (``#engine#`` and its aliases, from the registry)
_ENGINE_VARIABLES = frozenset({variables.ENGINE.name, *variables.ENGINE.aliases})
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


#: (key, name, extras, specifier, url) of a requirement
Parts = tuple[str, str | None, tuple[str, ...], tuple[tuple[str, str], ...], str | None]


@record
class Plan:
    """What one distinct entry (text and enclosing placeholders) means in one context."""

    entry: Entry
    head: Head  # the entry's head, a legacy placeholder spelling read as a placeholder
    cond: algebra.Node  # the residual condition (entry and enclosing placeholders)
    #: the requirement it yields; None for a placeholder or a system pin (whose version comes
    #: from the context)
    parts: Parts | None
    #: neither the entry nor its enclosing placeholders test the engine: the plan holds for
    #: every engine of one table and target
    engine_free: bool


def legacy_spelling(head: Head) -> TypeGuard[Placeholder | SystemPin]:
    """Whether ``head`` is written in a legacy spelling (``vllm_dependencies``, a system pin
    not in canonical form), which is accepted with a warning (SPEC 3)."""
    return (isinstance(head, Placeholder) and head.legacy) or (
        isinstance(head, SystemPin) and head.noncanonical
    )


def yields_items(plan: Plan, ctx: Context) -> bool | None:
    """Whether a top-level entry with ``plan`` yields items in ``ctx``: False when its expansion
    gives only a verdict (a false condition, another engine's placeholder), None when it would
    also warn (a legacy spelling) or fail (an unknown engine): only its expansion says so."""
    head = plan.head
    if legacy_spelling(head):
        return None
    if plan.cond is algebra.FALSE:
        return False
    if isinstance(head, Placeholder):
        engine = ctx.engines.canonical(head.engine)
        return None if engine is None else engine == ctx.engine.name
    return True


def make_plan(source: Source, ctx: Context) -> Plan:
    """What ``source`` (its text, under the placeholders it came from) means in ``ctx``; a
    :class:`MarkercError`, located at the source, when it has no meaning there."""
    entry = _entry(source)
    head = legacy_placeholder(entry.head, ctx.engines) or entry.head
    if source.text not in ctx.shared.named:
        _check_engine_names(source, entry, ctx)
        ctx.shared.named.add(source.text)
    cond = _residual(source, entry.marker, ctx)
    parts: Parts | None = None
    if isinstance(head, BareUrl):
        name = _wheel_or_sdist_name(head.url)
        key = canonical_name(name) if name else f"url:{head.url}"
        parts = (key, name, (), (), head.url)
    elif isinstance(head, Requirement):
        key = canonical_name(head.name)
        parts = (key, head.name, head.extras, head.specifier, head.url)
    tested = [*leaves(entry.marker)] if entry.marker is not None else []
    if source.guard is not None:
        tested += leaves(source.guard)
    engine_free = not any(leaf.var.name in _ENGINE_VARIABLES for leaf in tested)
    return Plan(entry, head, cond, parts, engine_free)


def why_false_of(source: Source, entry: Entry, ctx: Context) -> str:
    """Why the condition of ``source`` (its entry's and its placeholders') is false, in words."""
    guard_false = (
        source.guard is not None and partial(source.guard, ctx.bindings, ctx.canon) == FALSE
    )
    marker = source.guard if guard_false else entry.marker
    return why_false(marker, ctx.bindings, ctx.canon) if marker is not None else ""


def _entry(source: Source) -> Entry:
    try:
        entry = check_entry(source.text)
    except MarkercError as err:
        raise locate(err, source) from None
    head = entry.head
    if isinstance(head, Requirement) and head.specifier and unsatisfiable(head.specifier):
        # whatever the marker says for this engine and target: check reports it everywhere
        span = head.spec_span if head.spec_span.end else entry.head_span
        spec = ",".join(op + v for op, v in head.specifier)
        raise locate(
            MarkercError(
                "MK502",
                f"no version of {head.name} satisfies {spec!r}",
                span=span,
                text=source.text,
            ),
            source,
        )
    return entry


def _template_hint(name: str) -> str:
    """A misspelt #engine# is far more likely than a new template variable."""
    close = variables.suggest(name, "template")
    return f" (did you mean #{close}#?)" if close else ""


# ------------------------------------------------------------------ evaluation of one source


def _residual(source: Source, marker: Marker | None, ctx: Context) -> algebra.Node:
    full: Marker | None
    if source.guard is not None and marker is not None:
        full = And((source.guard, marker))
    else:
        full = marker if marker is not None else source.guard
    try:
        rest = algebra.residual(full, ctx.bindings, ctx.space, ctx.canon)
    except MarkercError as err:  # MK521: too many substring tests to decide
        raise locate(err, source) from None
    if rest is algebra.TRUE or rest is algebra.FALSE:
        return rest
    missing = algebra.needed(rest)
    if missing:
        names = ", ".join(v.name for v in missing)
        flags = "; ".join(variables.binding_hint(v.base) for v in missing)
        flags += "".join(_template_hint(v.base) for v in missing if v.kind == "template")
        bases = {v.base for v in missing}
        term = next(
            (
                leaf
                for leaf in (leaves(marker) if marker is not None else ())
                if leaf.var.name in bases
                and not (leaf.var.name in STANDARD_VARIABLES and not leaf.var.template)
            ),
            None,
        )
        raise locate(
            MarkercError(
                "MK501",
                f"{names} has no value for engine {ctx.engine.name} and the marker needs it: "
                f"bind it with {flags}",
                span=term.span if term is not None else None,
                text=source.text if term is not None else None,
            ),
            source,
        )
    return rest


def _wheel_or_sdist_name(url: str) -> str | None:
    egg = _EGG.search(url)
    if egg:
        return egg.group(1)
    path = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    return distribution_name(path.rsplit("/", 1)[-1])


def _check_engine_names(source: Source, entry: Entry, ctx: Context) -> None:
    """An engine literal no table knows would silently make its comparison false: MK103."""
    for leaf in leaves(entry.marker) if entry.marker is not None else ():
        if isinstance(leaf, Compare) and leaf.var.name == "engine":
            names = split_engine_list(leaf.value) if leaf.op in ("in", "not in") else [leaf.value]
            for name in filter(None, names):
                if ctx.engines.canonical(name) is None:
                    hint = ctx.engines.suggest(name)
                    raise locate(
                        MarkercError(
                            "MK103",
                            f"unknown engine {name!r} in a marker"
                            + (f"; did you mean {hint!r}?" if hint else ""),
                            span=leaf.value_span,
                            text=source.text,
                        ),
                        source,
                    )
