"""``check`` rules about how an entry writes engines, placeholders and template variables: unknown
engines (MK103), their canonical spelling (MK302), legacy and misspelt placeholders (MK301, MK310,
MK320), a placeholder its own marker disables (MK303) and ``#name#`` variables Xinference never
binds (MK311)."""

from __future__ import annotations

from collections.abc import Iterator

from markerc.compiler.hub import SourceString
from markerc.diagnostics import Span
from markerc.language import variables
from markerc.language.nodes import FALSE, Bare, Compare, Placeholder, Requirement
from markerc.lint.framework import Context, Finding, Fix, Item, diag, engine_bound, engine_members

__all__ = [
    "engine_literals",
    "placeholder_findings",
    "spelling_findings",
    "template_spelling",
    "unbound_template",
]


def engine_literals(leaf: Compare, source: SourceString, ctx: Context) -> Iterator[Finding]:
    for name, span in engine_members(leaf):
        canonical = ctx.engines.canonical(name)
        if canonical is None:
            hint = ctx.engines.suggest(name) if name else None
            message = f"unknown engine {name!r}"
            if hint:
                message += f"; did you mean {hint!r}?"
            yield Finding(
                diag(
                    "MK103",
                    message,
                    source,
                    span if span.end > span.start else leaf.value_span,
                    (f"known engines: {', '.join(ctx.names)}",),
                )
            )
        elif canonical != name:
            yield Finding(
                diag(
                    "MK302",
                    f"engine {name!r} is spelled {canonical!r} in canonical form (engine names "
                    "compare case-insensitively; one spelling keeps the hub greppable)",
                    source,
                    span,
                ),
                Fix("MK302", source, span.start, span.end, canonical),
            )


def spelling_findings(
    written: str, canonical: str, source: SourceString, span: Span, what: str, *, case: bool = False
) -> Iterator[Finding]:
    """MK310 for what Xinference does not resolve (spaces inside the hashes; the case too where
    ``case``), MK320 for a case-only difference it tolerates."""
    if written == canonical:
        return
    if case or written[1:-1] != written[1:-1].strip() or written.lower() != canonical.lower():
        yield Finding(
            diag(
                "MK310",
                f"{what} {written!r} is not resolved by Xinference (xoscar and Xinference's "
                f"filter look for the exact text {canonical!r}): write {canonical!r}",
                source,
                span,
            ),
            Fix("MK310", source, span.start, span.end, canonical),
        )
    else:
        yield Finding(
            diag(
                "MK320",
                f"{what} {written!r} is spelled {canonical!r} in canonical form (Xinference and "
                "markerc lower-case it)",
                source,
                span,
            ),
            Fix("MK320", source, span.start, span.end, canonical),
        )


def template_spelling(leaf: Compare | Bare, source: SourceString) -> Iterator[Finding]:
    """``#ENGINE#``, ``# engine #``: one right spelling, ``#engine#``."""
    if not leaf.var.template:
        return
    span = leaf.var_span if isinstance(leaf, Compare) else leaf.span
    written = source.value[span.start : span.end]
    if not written.startswith("#"):
        return
    canonical = "#" + written[1:-1].strip().lower() + "#"
    yield from spelling_findings(written, canonical, source, span, "variable")


def unbound_template(leaf: Compare | Bare, source: SourceString) -> Iterator[Finding]:
    """A ``#name#`` Xinference never binds: almost always a misspelt ``#engine#``."""
    var = leaf.var
    known = variables.known(variables.canonical_name(var.name, template=True))
    if not var.template or (known is not None and known.launch_bound):
        return
    close = variables.suggest(var.name, "template")
    hint = f"; did you mean #{close}#?" if close else ""
    span = leaf.var_span if isinstance(leaf, Compare) else leaf.span
    yield Finding(
        diag(
            "MK311",
            f"#{var.name}# is not a variable Xinference binds (it binds #engine# and "
            f"#model_engine#): its xoscar evaluator reads the unknown name as a comment and "
            f"truncates the marker; markerc needs --set {var.name}=VALUE{hint}",
            source,
            span,
        )
    )


def placeholder_findings(item: Item, engine: str, legacy: bool, ctx: Context) -> Iterator[Finding]:
    entry, source, text = item.entry, item.source, item.source.value
    head = entry.head
    if legacy:
        assert isinstance(head, Requirement)
        span = head.name_span
        canonical = f"#{head.name.lower()}#"
        yield Finding(
            diag(
                "MK301",
                f"legacy placeholder {head.name!r} without hashes: write {canonical!r} "
                "(a bare name reads as a package to every tool but Xinference)",
                source,
                span,
            ),
            Fix("MK301", source, span.start, span.end, canonical),
        )
    else:
        assert isinstance(head, Placeholder)
        start = text.find(head.spelling, entry.head_span.start)
        span = Span(start, start + len(head.spelling)) if start >= 0 else entry.head_span
        if ctx.engines.canonical(engine) is None:
            hint = ctx.engines.suggest(engine)
            message = f"placeholder {head.spelling!r} names unknown engine {engine!r}"
            if hint:
                message += f"; did you mean {hint!r}?"
            yield Finding(
                diag("MK103", message, source, span, (f"known engines: {', '.join(ctx.names)}",))
            )
            return
        yield from spelling_findings(head.spelling, head.render(), source, span, "placeholder")
    canonical_engine = ctx.engines.canonical(engine)
    if canonical_engine is None or entry.marker is None:
        return
    if engine_bound(entry.marker, canonical_engine, ctx) == FALSE:
        yield Finding(
            diag(
                "MK303",
                f"placeholder for engine {canonical_engine!r} is guarded by a marker that is "
                f"false for {canonical_engine!r}: markerc never expands it; Xinference ignores "
                f"a placeholder's marker and expands it whenever the engine is "
                f"{canonical_engine!r}",
                source,
                entry.marker_span or Span(0, len(text)),
            )
        )
