"""Merging layers (SPEC section 8): precedence user > model > engine, decided by the marker
algebra.

A higher-layer entry replaces the lower-layer entries of its name wherever its marker holds:
each lower entry lives on under ``its condition and not (union of higher conditions)``, an
exact set difference; one whose condition becomes false is overridden.  Within one layer,
entries with the same condition (the same canonical value) are combined into one line.  Two
lines of one name whose conditions overlap and whose specifiers no version satisfies together
(or two different URLs) are MK502, wherever the conditions overlap, bound or not.  Only then is
each line's condition written in PEP 508 (MK503 where it has no form).  The result is
deterministic: lines are ordered by their first contributing entry.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from markerc.compiler.provenance import LAYERS, Item, Source, Verdict, locate
from markerc.compiler.result import Line, Origin
from markerc.compiler.wording import marker_text
from markerc.diagnostics import MarkercError
from markerc.language import algebra
from markerc.language.versions import unsatisfiable
from markerc.records import record


@record
class Merged:
    lines: tuple[Line, ...]
    verdicts: tuple[Verdict, ...]  # overridden / narrowed entries (replacing their "kept")


class _Draft:
    """A line before its condition is written out (a plain slotted class: thousands per hub)."""

    __slots__ = ("cond", "items", "key", "layer", "order", "requirement", "specifier", "url")

    def __init__(self, order: tuple[int, ...], key: str, layer: str, requirement: str,
                 specifier: tuple[tuple[str, str], ...], url: str | None, cond: algebra.Node,
                 items: tuple[Item, ...]) -> None:  # fmt: skip
        self.order = order
        self.key = key
        self.layer = layer
        self.requirement = requirement
        self.specifier = specifier
        self.url = url
        self.cond = cond
        self.items = items


def origin(source: Source) -> Origin:
    """The origin of a line from ``source``: its hub string by index in the record's
    ``packages``."""
    o = source
    return Origin(o.layer, o.text, o.fixed_location, o.via, o.where, _entry_index(o))


def _entry_index(source: Source) -> int | None:
    """The index in the record's ``packages`` of the hub string that places ``source``."""
    string = source.positioned_by
    return string.list_index if string is not None else None


def merge(items: Sequence[Item], *, pep508: bool = True) -> Merged:
    """Merge the items of one (record, engine) into lines.

    ``pep508=False`` writes a condition that PEP 508 cannot express in the markerc language
    instead of stopping with MK503 (for tests and diagnostics; never for output files)."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.key, []).append(item)
    survivors: list[Item] = []
    verdicts: list[Verdict] = []
    for key in groups:
        kept, notes = _override(groups[key])
        survivors.extend(kept)
        verdicts.extend(notes)
    drafts = _combine(survivors)
    if len(drafts) != len({d.key for d in drafts}):
        for pair in conflicts(drafts):
            raise _conflict_error(*pair)
    return Merged(tuple([_line(d, pep508) for d in drafts]), tuple(verdicts))


def merge_key(items: Sequence[Item], *, pep508: bool = True) -> tuple[object, ...]:
    """What :func:`merge` of the items of one compile (one engine table and target) depends on:
    items with equal keys merge to equal lines (their verdicts, which name the items' own
    sources, aside; an error is raised alike).  An item's requirement parts follow from its
    entry's text under one target, and it is not narrowed yet; a condition is a canonical
    diagram node, its ``uid`` its identity; an origin names its hub string by index, so the
    string itself is not part of the key.  (Kept small: a hub of distinct blocks keeps one key
    per merge.)"""
    key: list[object] = [pep508]
    for i in items:
        s = i.source
        key.append(
            (
                s.text,
                i.cond.uid,
                s.order,
                s.layer,
                s.via,
                s.where,
                s.fixed_location,
                _entry_index(s),
            )
        )
    return tuple(key)


def _describe(sources: Sequence[Source]) -> str:
    return ", ".join(f"{s.text!r} ({s.describe()})" for s in sources)


def _override(items: list[Item]) -> tuple[list[Item], list[Verdict]]:
    """Apply layer precedence to the items of one name."""
    if len(items) == 1 or len({i.source.layer for i in items}) == 1:
        return items, []  # one layer: nothing to override
    kept: list[Item] = []
    notes: list[Verdict] = []
    cover = algebra.FALSE
    coverers: list[Item] = []
    for layer in reversed(LAYERS):  # user, model, engine
        layer_items = [i for i in items if i.source.layer == layer]
        if cover is algebra.FALSE:
            kept.extend(layer_items)
        elif layer_items:
            uncovered = algebra.neg(cover)  # once per layer: where no higher entry holds
            for item in layer_items:
                rest = algebra.conj(item.cond, uncovered)
                if rest is item.cond:
                    kept.append(item)
                    continue
                by = tuple(c.source for c in coverers if not algebra.is_disjoint(c.cond, item.cond))
                if rest is algebra.FALSE:
                    notes.append(Verdict(item.source, "overridden", f"by {_describe(by)}"))
                    continue
                narrowed = item.with_cond(rest, by)
                taken = algebra.conj(item.cond, cover)
                notes.append(
                    Verdict(
                        item.source,
                        "narrowed",
                        f"overridden where {marker_text(taken)} holds, by {_describe(by)}",
                        marker=marker_text(rest),
                    )
                )
                kept.append(narrowed)
        if layer_items:
            cover = algebra.disj(cover, *(i.cond for i in layer_items))
            coverers.extend(layer_items)
    return kept, notes


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def spec_text(specifier: tuple[tuple[str, str], ...]) -> str:
    """Canonical specifier text: ``str(SpecifierSet(...))`` of the clauses, which sorts them as
    text and keeps the first of clauses it counts equal (the same operator and equal versions,
    ``>=1.0`` and ``>=1.0.0``).  Clauses with distinct operators are never equal, so packaging
    (4 ms to import) decides only where an operator repeats."""
    clauses = [op + v for op, v in specifier]
    if len({op for op, _ in specifier}) == len(clauses):
        return ",".join(sorted(clauses))
    from packaging.specifiers import SpecifierSet

    return str(SpecifierSet(",".join(clauses)))


def _combine(items: list[Item]) -> list[_Draft]:
    """Combine items of one layer, name and condition into lines."""
    groups: dict[tuple[str, str, int], list[Item]] = {}
    for item in items:
        groups.setdefault((item.key, item.source.layer, item.cond.uid), []).append(item)
    out: list[_Draft] = []
    for group in groups.values():
        out.extend(_combine_group(group))
    out.sort(key=lambda d: d.order)
    return out


class ConflictError(MarkercError):
    """MK502: requirements no version satisfies together; ``overlap`` is the condition where
    they all apply (check uses it to say where)."""

    def __init__(self, message: str, *, overlap: algebra.Node, notes: tuple[str, ...] = ()) -> None:
        super().__init__("MK502", message, notes=notes)
        self.overlap = overlap


def _unsatisfiable_alone(item: Item) -> MarkercError:
    message = f"no version of {item.name} satisfies {item.source.text!r}"
    return locate(ConflictError(message, overlap=item.cond), item.source)


def _extras_text(items: Sequence[Item]) -> str:
    extras: dict[str, str] = {}
    for item in sorted(items, key=lambda i: i.source.order):
        for extra in item.extras:
            extras.setdefault(extra.lower().replace("_", "-"), extra)
    return "[" + ",".join(sorted(extras.values(), key=str.lower)) + "]" if extras else ""


def _combine_group(group: list[Item]) -> list[_Draft]:
    if len(group) == 1 and not (group[0].url is not None and group[0].specifier):
        only = group[0]  # the common case, without the combination machinery
        if only.specifier and unsatisfiable(only.specifier):
            raise _unsatisfiable_alone(only)
        extras = _extras_text(group) if only.extras else ""
        if only.url is not None:
            req = f"{only.name}{extras} @ {only.url}" if only.name else only.url
        else:
            req = f"{only.name}{extras}{spec_text(only.specifier)}"
        return [_Draft(only.source.order, only.key, only.source.layer, req, only.specifier, only.url, only.cond,
                       (only,))]  # fmt: skip
    group = sorted(group, key=lambda i: i.source.order)
    first = group[0]
    name, cond, layer, key = first.name, first.cond, first.source.layer, first.key
    for item in group:
        if item.specifier and unsatisfiable(item.specifier):
            raise _unsatisfiable_alone(item)
    extras = _extras_text(group)
    urls: dict[str, Item] = {}
    specifier: list[tuple[str, str]] = []
    spec_items: list[Item] = []
    for item in group:
        if item.url is not None:
            if urls and item.url not in urls:
                other = next(iter(urls.values()))
                raise _pair_error(other, item, "two different URLs", cond)
            urls.setdefault(item.url, item)
        for spec in item.specifier:
            if spec not in specifier:
                specifier.append(spec)
                if unsatisfiable(tuple(specifier)):
                    raise _pair_error(
                        spec_items[0], item, "requirements no version satisfies", cond
                    )
        if item.specifier:
            spec_items.append(item)
    drafts: list[_Draft] = []
    if urls:
        url, url_item = next(iter(urls.items()))
        req = f"{name}{extras} @ {url}" if name else url
        url_items = tuple(i for i in group if i.url is not None)
        drafts.append(_Draft(url_item.source.order, key, layer, req, (), url, cond, url_items))
    if specifier or not urls:
        spec_group = tuple(i for i in group if i.url is None) or tuple(group)
        order = min(i.source.order for i in spec_group)
        req = f"{name}{extras}{spec_text(tuple(specifier))}"
        drafts.append(_Draft(order, key, layer, req, tuple(specifier), None, cond, spec_group))
    return drafts


# ------------------------------------------------------------------ conflicts


def conflicts(drafts: Sequence[Any]) -> list[tuple[Any, Any, str, algebra.Node]]:
    """Pairs of requirements of one name whose conditions overlap and that no version
    satisfies together (specifiers with an empty intersection, or two different URLs):
    ``(first, second, what, where both hold)``.

    Each requirement is any object with ``key`` (PEP 503 name), ``specifier`` (``((op,
    version), ...)``), ``url`` and ``cond`` (an :mod:`markerc.language.algebra` value): the compiler's
    lines, or a checker's entries.  Lines of different layers never overlap (overrides made
    them disjoint)."""
    by_key: dict[str, list[Any]] = {}
    for d in drafts:
        by_key.setdefault(d.key, []).append(d)
    out = []
    for lines in by_key.values():
        if len(lines) < 2:
            continue
        for i, a in enumerate(lines):
            for b in lines[i + 1 :]:
                what = clash(a.specifier, a.url, b.specifier, b.url)
                if what is None:
                    continue
                both = algebra.conj(a.cond, b.cond)
                if both is not algebra.FALSE:
                    out.append((a, b, what, both))
    return out


def clash(
    spec_a: tuple[tuple[str, str], ...],
    url_a: str | None,
    spec_b: tuple[tuple[str, str], ...],
    url_b: str | None,
) -> str | None:
    """Why two requirements of one name cannot hold together (None: they can)."""
    if url_a is not None and url_b is not None and url_a != url_b:
        return "two different URLs"
    if spec_a and spec_b and unsatisfiable(tuple(dict.fromkeys(spec_a + spec_b))):
        return "requirements no version satisfies"
    return None


def _where(cond: algebra.Node) -> str:
    return "unconditionally" if cond is algebra.TRUE else f"where {marker_text(cond)} holds"


def _pair_error(a: Item, b: Item, what: str, both: algebra.Node) -> MarkercError:
    """MK502 citing both entries; ``overlap`` carries the condition where both hold."""
    name = b.name or b.url
    return locate(
        ConflictError(
            f"{what} for {name} {_where(both)}: {a.source.text!r} ({a.source.describe()}) "
            f"and {b.source.text!r}",
            overlap=both,
            notes=(f"first: {a.source.text!r} at {a.source.describe()}",),
        ),
        b.source,
    )


def _conflict_error(a: _Draft, b: _Draft, what: str, both: algebra.Node) -> MarkercError:
    first = min(a.items, key=lambda i: i.source.order)
    second = min(b.items, key=lambda i: i.source.order)
    if second.source.order < first.source.order:
        first, second = second, first
    return _pair_error(first, second, what, both)


# ------------------------------------------------------------------ writing conditions


def _line(d: _Draft, pep508: bool) -> Line:
    origins = tuple([origin(i.source) for i in d.items])
    if d.cond is algebra.TRUE:
        return Line(d.requirement, None, origins, d.cond)
    try:
        text = algebra.render(d.cond)
    except algebra.NoForm as exc:
        if not pep508:
            return Line(d.requirement, algebra.describe(d.cond), origins, d.cond)
        raise _no_form(d, exc) from None
    return Line(d.requirement, text, origins, d.cond)


def _no_form(d: _Draft, exc: algebra.NoForm) -> MarkercError:
    first = min(d.items, key=lambda i: i.source.order)
    notes = [f"entry: {i.source.text!r} at {i.source.describe()}" for i in d.items]
    by = {s.text: s for i in d.items for s in i.narrowed_by}
    if by:
        notes.append("overridden where these hold: " + _describe(list(by.values())))
    return locate(
        MarkercError(
            exc.code,
            f"{d.requirement} applies exactly where {algebra.describe(d.cond)} holds, and PEP 508 "
            f"has no marker for that: {exc.why}",
            notes=tuple(notes),
        ),
        first.source,
    )
