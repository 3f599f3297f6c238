"""The rules of ``markerc check`` where Xinference at launch reads an entry otherwise than markerc
(MK401-MK406): what its textual pre-filter sees of a marker, that it ignores a placeholder's
marker, and what its merge drops.

Xinference's reading comes from the emulation :mod:`markerc.lint.xinference_runtime`; markerc's own
from the compiler (:func:`markerc.lint.framework.engine_bound`, i.e.
:func:`markerc.language.markers.partial`, and the marker algebra), never from a copy.  Where a
rewrite makes both readings agree, the finding carries it as a
:class:`markerc.lint.framework.Fix`.
"""

from __future__ import annotations

from collections.abc import Iterator

from markerc.compiler.hub import SourceString
from markerc.diagnostics import MarkercError, Span
from markerc.language.markers import leaves
from markerc.language.nodes import FALSE, TRUE, And, Compare, Marker, Not, Or
from markerc.language.variables import split_engine_list
from markerc.lint.framework import (
    Context,
    Finding,
    Fix,
    Item,
    condition,
    describe_engines,
    diag,
    engine_bound,
    engine_members,
    head_key,
    is_engine,
    placeholder_engine,
    quoted,
    where,
)
from markerc.lint.xinference_runtime import (
    MergeRow,
    engine_condition,
    engine_form,
    engine_set,
    merge_drops,
    package_key,
    recognises,
)

__all__ = ["entry_findings", "model_findings"]

_FLIP = {
    "<": ">",
    ">": "<",
    "<=": ">=",
    ">=": "<=",
    "==": "==",
    "!=": "!=",
    "~=": "~=",
    "===": "===",
}


def _markerc_engine_set(marker: Marker, ctx: Context) -> set[str]:
    """The engines for which markerc can keep the entry: the compiler's algebra projects the
    marker's value onto the engine variable."""
    from markerc.language import algebra

    try:
        return set(
            algebra.engines_where(
                algebra.value(marker, algebra.space(ctx.engines)), algebra.space(ctx.engines)
            )
        )
    except MarkercError:
        return {e for e in ctx.names if engine_bound(marker, e, ctx) != FALSE}


def _parent(marker: Marker, leaf: Marker) -> Marker | None:
    """The node directly above ``leaf`` inside ``marker`` (by identity)."""
    children: tuple[Marker, ...] = ()
    if isinstance(marker, (And, Or)):
        children = marker.items
    elif isinstance(marker, Not):
        children = (marker.operand,)
    for child in children:
        if child is leaf:
            return marker
        found = _parent(child, leaf)
        if found is not None:
            return found
    return None


def _engine_rewrite(leaf: Compare, marker: Marker) -> str | None:
    """The comparison written so that both readings agree, where that needs no engine table."""
    if leaf.op == "==":
        return f'#engine# == "{leaf.value}"'
    if leaf.op != "in":
        return None
    members = split_engine_list(leaf.value)
    if not members:
        return None
    text = " or ".join(f'#engine# == "{m}"' for m in members)
    parent = _parent(marker, leaf)
    if len(members) > 1 and parent is not None and not isinstance(parent, Or):
        text = f"({text})"
    return text


def entry_findings(item: Item, ctx: Context) -> Iterator[Finding]:
    """MK401, MK402, MK404, MK406 for one entry."""
    entry = item.entry
    if entry.marker is None:
        return
    placeholder = placeholder_engine(entry, ctx)
    if placeholder is not None:
        yield from _placeholder_marker(item, placeholder[0], ctx)
        return
    for leaf in leaves(entry.marker):
        if is_engine(leaf):
            assert isinstance(leaf, Compare)
            if any(ctx.engines.canonical(name) is None for name, _ in engine_members(leaf)):
                return  # unknown engines are MK103; what each tool keeps is moot
    yield from _prefilter(item, ctx)


def _placeholder_marker(item: Item, engine: str, ctx: Context) -> Iterator[Finding]:
    """Xinference ignores a placeholder's marker (research 4, Q11)."""
    entry = item.entry
    canonical = ctx.engines.canonical(engine)
    if canonical is None or entry.marker is None:
        return
    bound = engine_bound(entry.marker, canonical, ctx)
    if bound in (TRUE, FALSE):  # FALSE: MK303 says it
        return
    yield Finding(
        diag(
            "MK406",
            f"Xinference ignores a placeholder's marker: it expands the {canonical!r} default "
            f"list whenever the engine is {canonical!r}, whatever the rest of this marker says; "
            "markerc expands it only where the whole marker holds",
            item.source,
            entry.marker_span or Span(0, len(item.source.value)),
        )
    )


def _prefilter(item: Item, ctx: Context) -> Iterator[Finding]:
    entry, source, text = item.entry, item.source, item.source.value
    marker = entry.marker
    assert marker is not None
    marker_text = text.split(";", 1)[1] if ";" in text else ""
    lowered = marker_text.strip().lower()
    custom = "#engine#" in lowered or "#model_engine#" in lowered or "cuda_version" in lowered
    terms = list(leaves(marker))
    if not custom:
        for leaf in terms:
            if is_engine(leaf):
                yield Finding(
                    diag(
                        "MK401",
                        "Xinference's engine filter does not see this engine test (it looks for "
                        "the text #engine#): it hands the marker to xoscar, which cannot "
                        "evaluate it; markerc reads it as an engine comparison",
                        source,
                        leaf.span,
                    ),
                    _engine_fix(leaf, marker, source),
                )
        return
    xi = mk = None
    for leaf in terms:
        written = text[leaf.span.start : leaf.span.end]
        if is_engine(leaf):
            assert isinstance(leaf, Compare)
            if engine_form(leaf, written.lower()):
                continue
            if xi is None:
                xi, mk = engine_set(marker_text, ctx), _markerc_engine_set(marker, ctx)
            fix = _engine_fix(leaf, marker, source)
            advice = (
                f"; write {fix.new!r}"
                if fix is not None
                else ("; name the engines it is for with == (joined by or)")
            )
            yield Finding(
                diag(
                    "MK401",
                    f"Xinference's textual engine filter does not recognise {written!r} (it "
                    'looks for the exact text #engine# == "name": double quotes, one space '
                    "on each side of ==, no !=, no in): Xinference keeps this entry for "
                    f"{describe_engines(xi, ctx)}; markerc keeps it for "
                    f"{describe_engines(mk or (), ctx)}{advice}",
                    source,
                    leaf.span,
                ),
                fix,
            )
        elif leaf.var.name == "cuda_version":
            assert isinstance(leaf, Compare)
            if leaf.reversed:
                new = f'cuda_version {_FLIP.get(leaf.op, leaf.op)} "{leaf.value}"'
                yield Finding(
                    diag(
                        "MK404",
                        f"Xinference's CUDA filter ignores the reversed comparison {written!r}: "
                        "it keeps this entry whatever the CUDA version, even without CUDA; "
                        f"markerc evaluates it (write {new})",
                        source,
                        leaf.span,
                    ),
                    Fix("MK404", source, leaf.span.start, leaf.span.end, new),
                )
            elif leaf.op == "!=":
                yield Finding(
                    diag(
                        "MK404",
                        f"Xinference's CUDA filter drops this entry when no CUDA is detected, "
                        f"even for {written!r}; markerc keeps it there (an unset cuda_version "
                        "makes != true)",
                        source,
                        leaf.span,
                    )
                )
        elif not recognises(leaf, text):
            yield Finding(
                diag(
                    "MK406",
                    f"Xinference's pre-filter discards {written!r}: a marker that mentions "
                    "#engine# or cuda_version loses every term the filter does not know, so "
                    "Xinference installs the entry whatever its value; markerc evaluates it",
                    source,
                    leaf.span,
                )
            )
    conjuncts = marker.items if isinstance(marker, And) else (marker,)
    for conjunct in conjuncts:
        if not isinstance(conjunct, (Or, Not)):
            continue
        inner = list(leaves(conjunct))
        if isinstance(conjunct, Or) and _engine_disjunction(conjunct, text):
            continue  # Xinference's substring test happens to read an or of engines right
        if not any(recognises(leaf, text) for leaf in inner):
            continue  # nothing Xinference reads: each term got MK401/MK406 already
        word = "or" if isinstance(conjunct, Or) else "not"
        written = text[conjunct.span.start : conjunct.span.end]
        xi, mk = engine_set(marker_text, ctx), _markerc_engine_set(marker, ctx)
        yield Finding(
            diag(
                "MK402",
                f"Xinference's pre-filter ignores '{word}' in {written!r}: it reads every term "
                "it recognises as if joined by 'and' (engines: Xinference keeps this entry for "
                f"{describe_engines(xi, ctx)}, markerc for {describe_engines(mk, ctx)}); "
                "split the entry so that each marker is a plain 'and' of terms",
                source,
                conjunct.span,
            )
        )


def _engine_fix(leaf: Compare, marker: Marker, source: SourceString) -> Fix | None:
    new = _engine_rewrite(leaf, marker)
    if new is None:
        return None
    return Fix("MK401", source, leaf.span.start, leaf.span.end, new)


def _engine_disjunction(marker: Marker, text: str) -> bool:
    if isinstance(marker, Or):
        return all(_engine_disjunction(m, text) for m in marker.items)
    return (
        isinstance(marker, Compare)
        and is_engine(marker)
        and engine_form(marker, text[marker.span.start : marker.span.end].lower())
    )


def _same_meaning(a: MergeRow, b: MergeRow, ctx: Context) -> bool:
    if head_key(a.entry) != head_key(b.entry):
        return False
    cond = condition(a.entry, ctx)
    return cond is not None and cond is condition(b.entry, ctx)


def model_findings(items: list[Item], ctx: Context) -> Iterator[Finding]:
    """MK403/MK405: what Xinference's merge drops.

    First over the model's own entries (what every engine sees), then, for each engine a
    placeholder names, over the list with that engine's defaults spliced in (research 4), where
    a model entry for another engine can replace a default and take it away."""
    own = [
        MergeRow(i.source.value, i.entry, i)
        for i in items
        if placeholder_engine(i.entry, ctx) is None
    ]
    for dropped, by, kind in merge_drops(own):
        if _same_meaning(dropped, by, ctx):
            continue  # MK305 reports exact duplicates
        assert dropped.item is not None and by.item is not None
        key = package_key(dropped.text, dropped.entry)
        if kind == "plain" and engine_condition(by.text) is not None:
            engines = engine_set(by.text.split(";", 1)[1], ctx)
            yield Finding(
                diag(
                    "MK403",
                    f"Xinference's merge replaces this entry with {quoted(by.item)} at "
                    f"{where(by.item.source)} (same package key {key!r}): for engines other "
                    f"than {describe_engines(engines, ctx)} Xinference installs no {key!r} at "
                    "all; markerc keeps this entry for every engine where its marker holds",
                    dropped.item.source,
                    None,
                )
            )
        else:
            yield Finding(
                diag(
                    "MK405",
                    f"Xinference's merge keeps only the later entry {quoted(by.item)} at "
                    f"{where(by.item.source)} for package key {key!r} (it compares names, not "
                    "markers), so this entry is lost; markerc keeps both, each under its own "
                    "marker",
                    dropped.item.source,
                    None,
                )
            )
    yield from _default_losses(items, ctx)


def _default_losses(items: list[Item], ctx: Context) -> Iterator[Finding]:
    from markerc.language.typecheck import check_entry

    engines: list[str] = []
    for item in items:
        placeholder = placeholder_engine(item.entry, ctx)
        if placeholder is not None:
            engine = ctx.engines.canonical(placeholder[0])
            if engine is not None and engine not in engines:
                engines.append(engine)
    reported: set[tuple[int, str]] = set()
    for engine in engines:
        rows: list[MergeRow] = []
        for item in items:
            placeholder = placeholder_engine(item.entry, ctx)
            if placeholder is None:
                rows.append(MergeRow(item.source.value, item.entry, item))
            elif ctx.engines.canonical(placeholder[0]) == engine:
                for text in ctx.engines.get(engine).packages:
                    try:
                        rows.append(MergeRow(text, check_entry(text), None, item))
                    except MarkercError:
                        continue  # the engine table is checked elsewhere
        for dropped, by, kind in merge_drops(rows):
            if dropped.item is not None or by.item is None or kind != "plain":
                continue
            condition = engine_condition(by.text)
            if condition is None or engine in engine_set(condition, ctx):
                continue  # an intended override for this engine
            key = package_key(dropped.text, dropped.entry)
            if (by.item.position, engine) in reported:
                continue
            reported.add((by.item.position, engine))
            via = dropped.via
            from_where = f" (brought by {quoted(via)} at {where(via.source)})" if via else ""
            yield Finding(
                diag(
                    "MK403",
                    f"for engine {engine!r}, Xinference's merge lets this entry replace "
                    f"{dropped.text!r} from {engine}'s default list{from_where} (same package key "
                    f"{key!r}), then drops this entry because its marker names another engine: "
                    f"{engine} installs no {key!r}; markerc keeps the default for {engine}",
                    by.item.source,
                    None,
                )
            )
