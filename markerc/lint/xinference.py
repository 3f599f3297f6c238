"""What Xinference at launch does differently from markerc: an emulation of its runtime, and the
rules of ``markerc check`` that compare the two readings (MK401-MK406).

The emulation follows research/xinference-semantics.md (snapshot 7ecec16, after v3.2.1):

* the textual pre-filter ``filter_virtualenv_packages_by_markers`` (section 6):
  :func:`recognises`, :func:`engine_form`, :func:`engine_set`;
* the merge ``merge_virtual_env_packages`` (section 5): :func:`package_key`,
  :func:`engine_condition`, :func:`merge_drops`;
* the placeholder expansion (section 4), which ignores a placeholder's marker.

markerc's own reading comes from the compiler (:func:`markerc.lint.framework.engine_bound`, i.e.
:func:`markerc.language.markers.partial`), never from a copy.  Where a rewrite makes both readings agree,
the finding carries it as a :class:`markerc.lint.framework.Fix`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from markerc.diagnostics import MarkercError, Span
from markerc.language.markers import leaves
from markerc.language.nodes import (
    FALSE,
    TRUE,
    And,
    Bare,
    Compare,
    Const,
    Entry,
    Marker,
    Not,
    Or,
    Requirement,
)
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

__all__ = [
    "engine_condition",
    "engine_form",
    "engine_set",
    "entry_findings",
    "merge_drops",
    "model_findings",
    "package_key",
    "recognises",
]

# Xinference's merge (research 5.1): fallback separators, in list order.
_KEY_SEPARATORS = ("@", "==", ">=", "<=", "~=", "!=", "[", " ")
# Xinference's CUDA pre-filter regex (research section 6), on the lower-cased marker.
_SYS_PLATFORM = re.compile(r"sys_platform\s*(==|!=)\s*['\"]([^'\"]*)['\"]")
_MACHINES = ('platform_machine == "x86_64"', 'platform_machine == "aarch64"')
_MEMBER = re.compile(r"[^,\s]+")
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


# ============================================================================ the pre-filter


def recognises(leaf: Compare | Bare, text: str) -> bool:
    """Whether Xinference's textual pre-filter (research section 6) reads this term."""
    if isinstance(leaf, Bare):
        return False
    written = text[leaf.span.start : leaf.span.end].lower()
    name = leaf.var.name
    if is_engine(leaf):
        return engine_form(leaf, written)
    if name == "cuda_version":
        return not leaf.reversed
    if name == "sys_platform":
        return not leaf.reversed and _SYS_PLATFORM.fullmatch(written) is not None
    if name == "platform_machine":
        return written in _MACHINES
    return False


def engine_form(leaf: Compare, written: str) -> bool:
    """Whether the (lower-cased) text of an engine comparison is one the pre-filter finds."""
    value = leaf.value.lower()
    if leaf.op != "==" or leaf.reversed:
        return False
    return written in (
        f'#engine# == "{value}"',
        f'#model_engine# == "{value}"',
        f"#model_engine# == '{value}'",
    )


def engine_set(marker_text: str, ctx: Context) -> set[str]:
    """The engines for which Xinference's engine test passes (section 6, step 1)."""
    lowered = marker_text.strip().lower()
    if "#engine#" not in lowered and "#model_engine#" not in lowered:
        return set(ctx.names)
    return {
        e
        for e in ctx.names
        if f'#engine# == "{e}"' in lowered
        or f'#model_engine# == "{e}"' in lowered
        or f"#model_engine# == '{e}'" in lowered
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
    members = _MEMBER.findall(leaf.value)
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
                    _engine_fix(leaf, marker, source),  # type: ignore[arg-type]
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


def _engine_fix(leaf: Compare, marker: Marker, source: object) -> Fix | None:
    new = _engine_rewrite(leaf, marker)
    if new is None:
        return None
    return Fix("MK401", source, leaf.span.start, leaf.span.end, new)  # type: ignore[arg-type]


def _engine_disjunction(marker: Marker, text: str) -> bool:
    if isinstance(marker, Or):
        return all(_engine_disjunction(m, text) for m in marker.items)
    return (
        isinstance(marker, Compare)
        and is_engine(marker)
        and engine_form(marker, text[marker.span.start : marker.span.end].lower())
    )


# ============================================================================ the merge


class _Row(NamedTuple):
    """One entry of Xinference's base list: a model entry, or one spliced from a default list
    (``item`` None, ``via`` the placeholder that brought it)."""

    text: str
    entry: Entry
    item: Item | None = None
    via: Item | None = None


def package_key(text: str, entry: Entry) -> str:
    """``get_key`` of Xinference's merge (research 5.1), on markerc's parse."""
    head = text.split(";", 1)[0].strip()
    if head.startswith("#system_") and head.endswith("#"):
        return head[len("#system_") : -1].lower()
    if head.startswith("#"):
        return head
    if isinstance(entry.head, Requirement) and (entry.marker is None or _pep508_only(entry.marker)):
        return entry.head.name.lower()
    for sep in _KEY_SEPARATORS:
        if sep in head:
            return head.split(sep, 1)[0].strip().lower()
    return head.lower()


def _pep508_only(marker: Marker) -> bool:
    from markerc.language.variables import is_standard

    if isinstance(marker, (And, Or)):
        return all(_pep508_only(m) for m in marker.items)
    if isinstance(marker, Compare):
        return is_standard(marker.var)
    return isinstance(marker, Const)


def engine_condition(text: str) -> str | None:
    """The merge's "engine condition": the lower-cased marker when it names the engine."""
    if ";" not in text:
        return None
    marker = text.split(";", 1)[1].strip().lower()
    return marker if ("#engine#" in marker or "#model_engine#" in marker) else None


def merge_drops(rows: list[_Row]) -> list[tuple[_Row, _Row, str]]:
    """The base-list pass of ``merge_virtual_env_packages`` (research 5.2): the entries it
    drops, as ``(dropped, replaced by, kind of the dropped one)``."""
    # slot: [internal key, row, kind, key]; kind: "sys" | "engine" | "plain"
    slots: list[list[object]] = []
    drops: list[tuple[_Row, _Row, str]] = []

    def find(ikey: str) -> int | None:
        for n, slot in enumerate(slots):
            if slot[0] == ikey:
                return n
        return None

    def put(ikey: str, row: _Row, kind: str, key: str) -> None:
        """Same internal key: the later entry takes the earlier one's slot; else append."""
        n = find(ikey)
        if n is None:
            slots.append([ikey, row, kind, key])
        else:
            drops.append((slots[n][1], row, kind))  # type: ignore[arg-type]
            slots[n][1] = row

    for row in rows:
        key = package_key(row.text, row.entry)
        head, _, marker = row.text.partition(";")
        head = head.strip()
        cond = engine_condition(row.text)
        if head.startswith("#system_") and ";" in row.text:
            put(f"{key}; {marker.strip().lower()}", row, "sys", key)
        elif cond is not None:
            ikey = f"{key}; {cond}"
            n = find(key)
            if n is not None and slots[n][2] == "plain":
                drops.append((slots[n][1], row, "plain"))  # type: ignore[arg-type]
                slots[n] = [ikey, row, "engine", key]
                continue
            put(ikey, row, "engine", key)
        else:
            engine_slots = [n for n, s in enumerate(slots) if s[2] == "engine" and s[3] == key]
            if engine_slots:
                for n in engine_slots:
                    drops.append((slots[n][1], row, "engine"))  # type: ignore[arg-type]
                slots[engine_slots[0]] = [key, row, "plain", key]
                for n in reversed(engine_slots[1:]):
                    del slots[n]
                continue
            put(key, row, "plain", key)
    return drops


def _same_meaning(a: _Row, b: _Row, ctx: Context) -> bool:
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
        _Row(i.source.value, i.entry, i) for i in items if placeholder_engine(i.entry, ctx) is None
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
        rows: list[_Row] = []
        for item in items:
            placeholder = placeholder_engine(item.entry, ctx)
            if placeholder is None:
                rows.append(_Row(item.source.value, item.entry, item))
            elif ctx.engines.canonical(placeholder[0]) == engine:
                for text in ctx.engines.get(engine).packages:
                    try:
                        rows.append(_Row(text, check_entry(text), None, item))
                    except MarkercError:
                        continue  # the engine table is checked elsewhere
        for dropped, by, kind in merge_drops(rows):
            if dropped.item is not None or by.item is None or kind != "plain":
                continue
            condition = engine_condition(by.text)
            if condition is None or engine in engine_set(condition, ctx):
                continue  # an intended override for this engine
            key = package_key(dropped.text, dropped.entry)
            if (by.item.index, engine) in reported:
                continue
            reported.add((by.item.index, engine))
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
