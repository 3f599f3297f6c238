"""``check`` rules over the entries of one model's block: duplicate entries (MK305), conflicting
requirements (MK502), the engine availability rule (MK304), the torch companion pin (MK309) and
package-index URLs (MK307, MK308).  Duplicates, conflicts and companions use the compiler's own
algebra and queries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from markerc.compiler.hub import Block, SourceString
from markerc.compiler.targets import canonical_name
from markerc.diagnostics import Diagnostic, mask_credentials
from markerc.language.markers import leaves
from markerc.language.nodes import Requirement, SystemPin
from markerc.language.versions import unsatisfiable
from markerc.lint.framework import (
    Context,
    Finding,
    Item,
    condition,
    diag,
    head_key,
    is_engine,
    placeholder_engine,
    quoted,
    where,
)

if TYPE_CHECKING:
    from markerc.language.algebra import Node

_TORCH_COMPANIONS = ("torchvision", "torchaudio", "torchcodec")
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")

__all__ = [
    "availability",
    "duplicates_and_conflicts",
    "index_urls",
    "torch_companion",
]


class _Draft(NamedTuple):
    """A model entry as :func:`markerc.compiler.merge.conflicts` sees a line."""

    item: Item
    key: str
    specifier: tuple[tuple[str, str], ...]
    url: str | None
    cond: Node


def duplicates_and_conflicts(items: list[Item], ctx: Context) -> Iterator[Finding]:
    """MK305 (the same entry twice, compared by meaning) and MK502 (two requirements of one name
    that no version satisfies together where both conditions hold), with the compiler's own
    algebra; conditions are computed only where two entries share a name."""
    by_head: dict[object, list[Item]] = {}
    by_name: dict[str, list[Item]] = {}
    for item in items:
        by_head.setdefault(head_key(item.entry), []).append(item)
        head = item.entry.head
        if isinstance(head, Requirement):
            by_name.setdefault(canonical_name(head.name), []).append(item)
    duplicates: set[int] = set()
    for group in by_head.values():
        seen: dict[object, Item] = {}
        for item in group if len(group) > 1 else ():
            cond = condition(item.entry, ctx)
            first = seen.get(cond) if cond is not None else None
            if first is None:
                if cond is not None:
                    seen[cond] = item
                continue
            duplicates.add(item.position)
            yield Finding(
                diag(
                    "MK305",
                    f"duplicate entry: {quoted(first)} at {where(first.source)} says the "
                    "same; remove one",
                    item.source,
                    item.entry.head_span if item.entry.head_span.end else None,
                )
            )
    for name, group in by_name.items():
        group = [i for i in group if i.position not in duplicates]
        yield from _conflicts(name, group, ctx)


def _conflicts(name: str, group: list[Item], ctx: Context) -> Iterator[Finding]:
    drafts: list[_Draft] = []
    for item in group:
        head = item.entry.head
        assert isinstance(head, Requirement)
        if head.specifier and unsatisfiable(head.specifier):
            span = head.spec_span if head.spec_span.end else item.entry.head_span
            message = f"no version of {name} satisfies {_spec(head.specifier)!r}"
            yield Finding(diag("MK502", message, item.source, span))
            continue
        if len(group) > 1:
            cond = condition(item.entry, ctx)
            if cond is not None:
                drafts.append(_Draft(item, name, head.specifier, head.url, cond))
    if len(drafts) < 2:
        return
    from markerc.compiler.merge import conflicts
    from markerc.language import algebra

    reported: set[int] = set()
    for first, second, what, both in conflicts(drafts):
        item = second.item
        if item.position in reported:
            continue
        reported.add(item.position)
        head = item.entry.head
        assert isinstance(head, Requirement)
        span = (
            head.spec_span
            if head.spec_span.end and what != "two different URLs"
            else item.entry.head_span
        )
        overlap = (
            "unconditionally" if both is algebra.TRUE else f"where {algebra.describe(both)} holds"
        )
        yield Finding(
            diag(
                "MK502",
                f"{'two different URLs' if what == 'two different URLs' else 'conflicting requirements'} "
                f"for {name} {overlap}: no version satisfies both this entry and "
                f"{quoted(first.item)} at {where(first.item.source)}",
                item.source,
                span,
            )
        )


def _spec(specifier: Sequence[tuple[str, str]]) -> str:
    return ",".join(op + v for op, v in specifier)


def availability(items: list[Item], ctx: Context) -> Iterator[Finding]:
    """MK304: Xinference lists a model's engines from ``#engine# == "x"`` markers only."""
    listed: set[str] = set()
    for item in items:
        if item.entry.marker is None:
            continue
        for leaf in leaves(item.entry.marker):
            if is_engine(leaf) and leaf.op == "==":
                listed.add(ctx.canon(leaf.value))
    for item in items:
        placeholder = placeholder_engine(item.entry, ctx)
        if placeholder is None:
            continue
        engine = ctx.engines.canonical(placeholder[0])
        if engine is None or engine in listed:
            continue
        yield Finding(
            diag(
                "MK304",
                f"engine {engine!r} is named by this placeholder but by no "
                f'#engine# == "{engine}" marker of the model: Xinference lists a model\'s '
                f"engines from those markers only, so it does not offer {engine!r} for this "
                "model (and refuses to launch it when other engines are listed); markerc "
                f'compiles it; add ; #engine# == "{engine}" to the placeholder',
                item.source,
                item.entry.head_span,
            )
        )


def torch_companion(items: list[Item], ctx: Context) -> Iterator[Finding]:
    """MK309 where the compiler would add a ``#system_torch#`` companion pin: a system-pinned
    torchvision/torchaudio/torchcodec under a condition that no torch requirement covers (the
    compiler's own query, :func:`markerc.compiler.companions.companion_conditions`)."""
    companions = [
        i
        for i in items
        if isinstance(i.entry.head, SystemPin) and i.entry.head.name.lower() in _TORCH_COMPANIONS
    ]
    if not companions:
        return
    from markerc.compiler.companions import companion_conditions
    from markerc.language import algebra

    torch: list[algebra.Node] = []
    for item in items:
        head = item.entry.head
        name = (
            head.name.lower()
            if isinstance(head, SystemPin)
            else (canonical_name(head.name) if isinstance(head, Requirement) else None)
        )
        if name == "torch":
            cond = condition(item.entry, ctx)
            torch.append(algebra.TRUE if cond is None else cond)  # undecidable: assume covered
    pins = [(i, c) for i in companions if (c := condition(i.entry, ctx)) is not None]
    for tag, need in companion_conditions(pins, torch):
        assert isinstance(tag, Item)  # the tags are the pins' items
        item = tag
        head = item.entry.head
        assert isinstance(head, SystemPin)
        where_ = "" if need is algebra.TRUE else f" where {algebra.describe(need)} holds"
        yield Finding(
            diag(
                "MK309",
                f"{head.render()} pins {head.name} to the installed version but nothing in "
                f"this model pins torch{where_}: a torch resolved independently can break its "
                "ABI. Xinference and markerc both add #system_torch# under that condition "
                "(markerc: --no-torch-companion disables it); write it explicitly",
                item.source,
                item.entry.head_span,
            )
        )


def index_urls(block: Block) -> Iterator[Finding]:
    for key, source in block.package_sources():
        yield from _url_findings(key, source)


def _url_findings(key: str, source: SourceString) -> Iterator[Finding]:
    from urllib.parse import urlsplit

    value = source.value.strip()
    lead = len(source.value) - len(source.value.lstrip())
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return
    shown = mask_credentials(value)
    if parts.scheme.lower() == "http" and (host or "") not in _LOOPBACK:
        yield Finding(
            Diagnostic.make(
                "MK307",
                f"{key} {shown!r} uses plain http: packages and their hashes travel "
                "unauthenticated; use https",
                location=source.location(lead, lead + len(value)),
            )
        )
    if "@" in parts.netloc:
        start = lead + value.find("//") + 2
        end = lead + value.find("@", start - lead) if "//" in value else lead
        yield Finding(
            Diagnostic.make(
                "MK308",
                f"{key} {shown!r} carries credentials in the URL: they end up in lock files, "
                "logs and the hub repository; use a keyring or netrc, or an environment-"
                "specific pip/uv configuration",
                location=source.location(start, max(start + 1, end)),
            )
        )
