"""Expansion: each input entry, evaluated against the target, becomes requirement items.

Placeholders expand in place into their engine's default list (entries keep their own markers,
conjoined with the placeholder's); system pins become ``name==<installed version>``; bare URLs
get a name from their wheel/sdist file name or ``#egg=``.  Every input entry gets a
:class:`~markerc.compiler.provenance.Verdict`, so nothing is ever lost without a trace
(``markerc explain``).

What an entry evaluates to depends only on its text, the placeholders it was expanded from and
the context (engine and target), so the context keeps a plan (:mod:`markerc.compiler.plans`) per distinct entry: a whole
hub parses, types and evaluates each distinct entry once per engine, and each record only pairs
the plans with its own sources.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from markerc.compiler.plans import Plan, legacy_spelling, make_plan, why_false_of
from markerc.compiler.provenance import Item, Source, Status, Verdict, locate
from markerc.compiler.targets import canonical_name
from markerc.compiler.wording import marker_text
from markerc.diagnostics import Diagnostic, MarkercError
from markerc.language import algebra
from markerc.language.nodes import (
    And,
    Entry,
    Marker,
    Placeholder,
    SystemPin,
)
from markerc.language.variables import STANDARD_VARIABLES, Value
from markerc.records import field, record

if TYPE_CHECKING:
    from markerc.compiler.compile import Compiled
    from markerc.compiler.engines import Engine, EngineTable
    from markerc.compiler.merge import Merged

#: engine-name canonicalisation (``EngineTable.canonical`` with a fallback)
_Canon = Callable[[str], str]

__all__ = [
    "Context",
    "Expansion",
    "Plan",
    "expand",
    "known_plan",
    "plan_of",
    "system_item",
]

MAX_EXPANSION_DEPTH = 8


@record
class Shared:
    """The memos of one compile's contexts (one table and target, every engine)."""

    #: the engine-free plans: most entries do not test the engine and are evaluated once for
    #: all engines
    plans: dict[tuple[tuple[str, ...], str], Plan] = field(default_factory=dict)
    #: the legacy-spelling warning of each hub string, made once (its location is looked up in
    #: the file) and reported by every engine's compile
    warnings: dict[tuple[object, ...], Diagnostic] = field(default_factory=dict)
    #: the entry texts whose engine names are known to the table (MK103 checked once per text)
    named: set[str] = field(default_factory=set)
    #: merges by :func:`markerc.compiler.merge.merge_key`: engines whose items for a block are
    #: the same (most entries do not test the engine) merge them once
    merges: dict[tuple[object, ...], Merged] = field(default_factory=dict)


@record
class Context:
    """Everything the evaluation of one (record, engine) needs."""

    engine: Engine
    engines: EngineTable
    bindings: Mapping[str, Value]
    system: Mapping[str, str]  # canonical name -> installed version
    system_missing: str = "error"  # "error" | "unpinned"
    keep_local_version: bool = False
    #: plans by (lineage, text): the same entry means the same for every record compiled for
    #: one engine and target
    plans: dict[tuple[tuple[str, ...], str], Plan] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: what the contexts of one table and target share (one compile's engines)
    shared: Shared = field(default_factory=Shared, compare=False, repr=False)
    #: record a verdict per input entry (False: the compile's outputs do not show them)
    verdicts: bool = True
    #: compiled sets by :func:`markerc.compiler.rebind.block_key`, shared by the records with
    #: that key (held by :func:`markerc.compiler.compile.compile_record`)
    sets: dict[tuple[object, ...], Compiled] = field(
        default_factory=dict, compare=False, repr=False
    )

    def canon(self, name: str) -> str:
        return self.engines.canonical(name) or name.strip().lower()

    @functools.cached_property
    def space(self) -> algebra.Space:
        """The engine domain of this context's table."""
        return algebra.space(self.engines)

    @functools.cached_property
    def bound_markers(self) -> tuple[tuple[str, str], ...]:
        """The standard marker values bound (lock uses them for --python-platform)."""
        return tuple(
            sorted(
                (k, str(v))
                for k, v in self.bindings.items()
                if k in STANDARD_VARIABLES and v is not None
            )
        )


@record
class Expansion:
    """The result of expanding a list of sources: items, a verdict per entry (expanded
    placeholders' entries included), and warnings about legacy spellings."""

    items: tuple[Item, ...]
    verdicts: tuple[Verdict, ...]
    warnings: tuple[Diagnostic, ...]


def expand(sources: Sequence[Source], ctx: Context) -> Expansion:
    """Evaluate every source in order."""
    out = _Out(ctx.verdicts)
    for source in sources:
        _expand(source, ctx, out)
    return Expansion(tuple(out.items), tuple(out.verdicts or ()), tuple(out.warnings))


class _Out:
    __slots__ = ("items", "verdicts", "warnings")

    def __init__(self, verdicts: bool) -> None:
        self.items: list[Item] = []
        #: None: verdicts are not recorded
        self.verdicts: list[Verdict] | None = [] if verdicts else None
        self.warnings: list[Diagnostic] = []

    def verdict(
        self, source: Source, status: Status, detail: str = "", marker: str | None = None
    ) -> None:
        if self.verdicts is not None:
            self.verdicts.append(Verdict(source, status, detail, marker))


def known_plan(text: str, ctx: Context) -> Plan | None:
    """The plan of a top-level entry (no placeholder's) with ``text`` when this context or
    another engine's has made it, else None (nothing is evaluated)."""
    return _made(((), text), ctx)


def plan_of(source: Source, ctx: Context) -> Plan:
    """What ``source`` means in ``ctx`` (memoised by its text and the placeholders it came
    from); a :class:`MarkercError` when it has no meaning."""
    memo_key = (source.lineage, source.text)
    plan = _made(memo_key, ctx)
    if plan is None:
        plan = ctx.plans[memo_key] = make_plan(source, ctx)
        if plan.engine_free:  # the same for every engine of this table and target
            ctx.shared.plans[memo_key] = plan
    return plan


def _made(memo_key: tuple[tuple[str, ...], str], ctx: Context) -> Plan | None:
    """The plan under ``memo_key`` made by this context, or by another engine's when it does
    not test the engine (then this context keeps it too)."""
    plan = ctx.plans.get(memo_key)
    if plan is None:
        plan = ctx.shared.plans.get(memo_key)
        if plan is not None:
            ctx.plans[memo_key] = plan
    return plan


def _expand(source: Source, ctx: Context, out: _Out) -> None:
    plan = plan_of(source, ctx)
    head = plan.head
    if not (source.layer == "engine" and source.via is not None) and legacy_spelling(head):
        out.warnings.append(_legacy_warning(source, plan.entry, head, ctx.shared.warnings))
    cond = plan.cond
    if cond is algebra.FALSE:
        if out.verdicts is not None:  # why, in words, only for a verdict
            why = why_false_of(source, plan.entry, ctx)
            out.verdict(source, "dropped", f"marker is false for this target: {why}")
        return
    if plan.parts is not None:
        key, name, extras, specifier, url = plan.parts
        out.items.append(Item(source, key, name, extras, specifier, url, cond))
    elif isinstance(head, SystemPin):
        out.items.append(system_item(source, head, cond, ctx))
    else:
        assert isinstance(head, Placeholder)
        _expand_placeholder(source, head, plan.entry.marker, ctx, out)
        return
    if out.verdicts is not None:
        out.verdict(source, "kept", marker=marker_text(cond))


def _legacy_warning(
    source: Source,
    entry: Entry,
    head: Placeholder | SystemPin,
    memo: dict[tuple[object, ...], Diagnostic],
) -> Diagnostic:
    """Legacy spellings are accepted with a warning (SPEC 3); a hub string's warning is made
    once for all engines (``memo``)."""
    key = (source.string, source.text, source.layer, source.where, source.via)
    if source.string is not None and key in memo:
        return memo[key]
    legacy_word = isinstance(head, Placeholder) and not head.spelling.startswith("#")
    err = MarkercError(
        "MK301" if legacy_word else "MK310",
        f"legacy spelling {head.spelling or source.text!r}: write {head.render()}",
        span=entry.head_span,
        text=source.text,
    )
    warning = locate(err, source).to_diagnostic()
    if source.string is not None:
        memo[key] = warning
    return warning


def _expand_placeholder(
    source: Source, head: Placeholder, marker: Marker | None, ctx: Context, out: _Out
) -> None:
    target = ctx.engines.canonical(head.engine)
    if target is None:
        hint = ctx.engines.suggest(head.engine)
        raise locate(
            MarkercError(
                "MK103",
                f"unknown engine {head.engine!r} in placeholder {head.render()}"
                + (f"; did you mean #{hint}_dependencies#?" if hint else ""),
            ),
            source,
        )
    if target != ctx.engine.name:
        detail = f"placeholder of engine {target}; compiling for {ctx.engine.name}"
        out.verdict(source, "other-engine", detail)
        return
    if source.depth >= MAX_EXPANSION_DEPTH:
        raise locate(
            MarkercError("MK505", "placeholders expand into each other in a cycle"), source
        )
    defaults = ctx.engine.packages
    out.verdict(source, "expanded", f"{len(defaults)} entries of engine {target}")
    guard = (
        marker
        if source.guard is None
        else (And((source.guard, marker)) if marker is not None else source.guard)
    )
    where = f"engine table {target} ({ctx.engine.source})"
    via = head.spelling or head.render()
    anchor = source.positioned_by
    lineage = (*source.lineage, source.text)
    for j, text in enumerate(defaults):
        child = Source(
            text=text,
            layer="engine",
            order=(*source.order, j),
            fixed_location=source.fixed_location,
            anchor=anchor,
            where=where,
            via=via,
            guard=guard,
            depth=source.depth + 1,
            lineage=lineage,
        )
        _expand(child, ctx, out)


def system_item(source: Source, head: SystemPin, cond: algebra.Node, ctx: Context) -> Item:
    """The item of a ``#system_X#`` pin: ``X==<installed version>`` (MK504 when the target has
    no X, unless ``--system-missing unpinned``)."""
    name = canonical_name(head.name)
    version = ctx.system.get(name)
    if version is None:
        if ctx.system_missing != "unpinned":
            raise locate(
                MarkercError(
                    "MK504",
                    f"{head.render()}: the target has no {head.name} installed; give its version "
                    f"with --system {head.name}=VERSION, --system-python PATH or a target "
                    "profile's [system] table, or pass --system-missing unpinned",
                ),
                source,
            )
        return Item(source, name, head.name, head.extras, (), None, cond, True)
    if not ctx.keep_local_version:
        version = version.split("+", 1)[0]
    return Item(source, name, head.name, head.extras, (("==", version),), None, cond, True)
