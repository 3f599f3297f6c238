"""Merging layers (SPEC section 8): precedence user > model > engine, marker-aware.

A higher-layer entry replaces the lower-layer entries of its name wherever its marker holds:
each lower entry lives on under ``its marker and not (union of higher markers)``.  Within one
layer, entries with the same residual marker are combined into one line.  The result is
deterministic: lines are ordered by their first contributing entry.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from markerc.diagnostics import MarkercError
from markerc.expand import LAYERS, Item, Source, Verdict, locate
from markerc.markers import NoComplement, conjoin, disjoin, negate, render
from markerc.nodes import FALSE, Marker
from markerc.result import Line, Origin
from markerc.versions import unsatisfiable


@dataclass(frozen=True)
class Merged:
    lines: tuple[Line, ...]
    verdicts: tuple[Verdict, ...]  # overridden / narrowed entries (replacing their "kept")


def origin(source: Source) -> Origin:
    return Origin(layer=source.layer, text=source.text, via=source.via, source=source)


def merge(items: Sequence[Item]) -> Merged:
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.key, []).append(item)
    survivors: list[Item] = []
    verdicts: list[Verdict] = []
    for key in groups:
        kept, notes = _override(groups[key])
        survivors.extend(kept)
        verdicts.extend(notes)
    lines = _combine(survivors)
    return Merged(tuple(lines), tuple(verdicts))


def _override(items: list[Item]) -> tuple[list[Item], list[Verdict]]:
    """Apply layer precedence to the items of one name."""
    if len({i.source.layer for i in items}) == 1:
        return items, []  # one layer: nothing to override
    kept: list[Item] = []
    notes: list[Verdict] = []
    cover: Marker = FALSE
    coverers: list[Item] = []
    for layer in reversed(LAYERS):  # user, model, engine
        layer_items = [i for i in items if i.source.layer == layer]
        if cover == FALSE:
            kept.extend(layer_items)
        elif layer_items:
            try:
                uncovered = negate(cover)  # once per layer: where no higher entry holds
            except NoComplement as exc:
                by = "; ".join(f"{c.source.text!r} at {c.source.describe()}" for c in coverers)
                first = layer_items[0]
                raise locate(
                    MarkercError(
                        "MK503",
                        f"cannot override {first.source.text!r} exactly: the overriding entries' "
                        f"condition {render(cover)} has no exact PEP 508 complement ({exc.why})",
                        notes=(f"overridden by {by}",),
                    ),
                    first.source,
                ) from None
            by = ", ".join(f"{c.source.text!r} ({c.source.describe()})" for c in coverers)
            for item in layer_items:
                narrowed = conjoin(item.marker, uncovered)
                if narrowed == FALSE:
                    notes.append(Verdict(item.source, "overridden", f"by {by}"))
                    continue
                item_narrowed = item.with_marker(narrowed)
                if item_narrowed.marker_key != item.marker_key:
                    notes.append(
                        Verdict(
                            item.source,
                            "narrowed",
                            f"overridden where {render(cover)} holds, by {by}",
                            marker=item_narrowed.marker_text,
                        )
                    )
                kept.append(item_narrowed)
        if layer_items:
            cover = disjoin(cover, *(i.marker for i in layer_items))
            coverers.extend(layer_items)
    return kept, notes


@functools.lru_cache(maxsize=4096)
def _spec_text(specifier: tuple[tuple[str, str], ...]) -> str:
    """Canonical specifier text (packaging sorts and normalises the clauses)."""
    from packaging.specifiers import SpecifierSet

    return str(SpecifierSet(",".join(op + v for op, v in specifier))) if specifier else ""


def _conflict(a: Item, b: Item, what: str) -> MarkercError:
    return locate(
        MarkercError(
            "MK502",
            f"{what} for {a.name or a.url} under the same condition: {b.source.text!r} "
            f"({b.source.describe()}) and {a.source.text!r}",
            notes=(f"first: {b.source.text!r} at {b.source.describe()}",),
        ),
        a.source,
    )


def _combine(items: list[Item]) -> list[Line]:
    """Combine items of one layer, name and residual marker into lines."""
    groups: dict[tuple[str, str, str], list[Item]] = {}
    for item in items:
        groups.setdefault((item.key, item.source.layer, item.marker_key), []).append(item)
    out: list[tuple[tuple[int, ...], Line]] = []
    for group in groups.values():
        out.extend(_combine_group(group))
    out.sort(key=lambda pair: pair[0])
    return [line for _, line in out]


def _combine_group(group: list[Item]) -> list[tuple[tuple[int, ...], Line]]:
    if len(group) == 1 and not (group[0].url is not None and group[0].specifier):
        only = group[0]
        extras = "[" + ",".join(sorted(dict.fromkeys(only.extras), key=str.lower)) + "]" if only.extras else ""
        if only.url is not None:
            req = f"{only.name}{extras} @ {only.url}" if only.name else only.url
        else:
            req = f"{only.name}{extras}{_spec_text(only.specifier)}"
        return [(only.source.order, Line(req, only.marker_text, (origin(only.source),)))]
    first = min(group, key=lambda i: i.source.order)
    name = first.name
    extras: dict[str, str] = {}
    specifier: list[tuple[str, str]] = []
    urls: dict[str, Item] = {}
    spec_items: list[Item] = []
    for item in sorted(group, key=lambda i: i.source.order):
        for extra in item.extras:
            extras.setdefault(extra.lower().replace("_", "-"), extra)
        if item.url is not None:
            if urls and item.url not in urls:
                raise _conflict(item, next(iter(urls.values())), "two different URLs")
            urls.setdefault(item.url, item)
        for spec in item.specifier:
            if spec not in specifier:
                specifier.append(spec)
                if unsatisfiable(tuple(specifier)):
                    if unsatisfiable(item.specifier) or not spec_items:
                        raise locate(
                            MarkercError("MK502", f"no version of {item.name} satisfies {item.source.text!r}"),
                            item.source,
                        )
                    raise _conflict(item, spec_items[0], "requirements no version satisfies")
        if item.specifier:
            spec_items.append(item)
    marker = first.marker_text
    extras_text = "[" + ",".join(sorted(extras.values(), key=str.lower)) + "]" if extras else ""
    lines: list[tuple[tuple[int, ...], Line]] = []
    if urls:
        url, url_item = next(iter(urls.items()))
        req = f"{name}{extras_text} @ {url}" if name else url
        url_origins = tuple(origin(i.source) for i in group if i.url is not None)
        lines.append((url_item.source.order, Line(req, marker, url_origins)))
    if specifier or not urls:
        spec_group = [i for i in group if i.url is None]
        order = min(i.source.order for i in spec_group) if spec_group else first.source.order
        req = f"{name}{extras_text}{_spec_text(tuple(specifier))}"
        lines.append((order, Line(req, marker, tuple(origin(i.source) for i in spec_group or group))))
    return lines
