"""The rules of ``markerc check`` about markerc's own meaning of an entry (docs/diagnostics.md):
parsing each entry of a record, and running the rule families over each entry and each block.

* parse errors (MK0xx/MK1xx, raised by :func:`markerc.language.typecheck.check_entry`, with MK315 for
  a placeholder that lost its closing ``#``) and a record's unknown ``engine`` (MK103), here;
* how engines, placeholders and template variables are written: :mod:`markerc.lint.spellings`;
* system pins: :mod:`markerc.lint.system_pins`;
* comparisons and markers on the real values of the variables: :mod:`markerc.lint.values`;
* the rules over one block's entries: :mod:`markerc.lint.model_rules`.

What Xinference at launch reads differently is :mod:`markerc.lint.xinference`.  Rules yield
:class:`markerc.lint.framework.Finding` objects; selection happens in :mod:`markerc.lint.check`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markerc.compiler.hub import Block, ModelRecord, SourceString
from markerc.diagnostics import Diagnostic, MarkercError, Span
from markerc.language.markers import leaves
from markerc.language.nodes import Compare, Requirement, SystemPin
from markerc.lint import model_rules, spellings, system_pins, values
from markerc.lint.framework import Context, Finding, Fix, Item, diag, is_engine, placeholder_engine

__all__ = ["entry_findings", "model_findings", "parse_error", "parse_record"]

_UNCLOSED = re.compile(r"\s*(#[ \t]*([A-Za-z0-9_.\-]+))")
_PLACEHOLDER_WORD = re.compile(r"(?:.+_dependencies|system_.+)", re.IGNORECASE)


def parse_record(record: ModelRecord, ctx: Context) -> tuple[list[Item], list[Finding]]:
    """One record's parsed entries, and the findings about its own keys and about the entries
    that do not parse."""
    found: list[Finding] = []
    if record.engine is not None and record.engine.value not in ctx.engines:
        hint = ctx.engines.suggest(record.engine.value)
        message = f"unknown engine {record.engine.value!r} for this record"
        if hint:
            message += f"; did you mean {hint!r}?"
        found.append(
            Finding(
                Diagnostic.make(
                    "MK103",
                    message,
                    location=record.engine.location(),
                    notes=(f"known engines: {', '.join(ctx.names)}",),
                )
            )
        )
    items: list[Item] = []
    if record.block is None:
        return items, found
    from markerc.language.typecheck import check_entry

    for index, source in enumerate(record.block.packages):
        try:
            items.append(Item(index, source, check_entry(source.value)))
        except MarkercError as exc:
            found.append(parse_error(exc, source))
    return items, found


def parse_error(exc: MarkercError, source: SourceString) -> Finding:
    """The parser's error as a finding; MK315 where MK004 hides a placeholder without its
    closing ``#``."""
    if exc.code == "MK004":
        m = _UNCLOSED.match(source.value)
        if m and _PLACEHOLDER_WORD.fullmatch(m.group(2)):
            start, end = m.start(1), m.end(1)
            written = m.group(1)
            fixed = written + "#"
            return Finding(
                diag(
                    "MK315",
                    f"{written!r} has no closing '#': markerc reads a comment-only entry and "
                    f"Xinference hands the text to pip, which fails at launch; write {fixed!r}",
                    source,
                    Span(start, end),
                ),
                Fix("MK315", source, start, end, fixed),
            )
    return Finding(diag(exc.code, exc.message, source, exc.span, exc.notes))


def model_findings(items: list[Item], block: Block, ctx: Context) -> Iterator[Finding]:
    yield from model_rules.duplicates_and_conflicts(items, ctx)
    yield from model_rules.availability(items, ctx)
    yield from model_rules.torch_companion(items, ctx)
    yield from model_rules.index_urls(block)


def entry_findings(item: Item, ctx: Context) -> Iterator[Finding]:
    entry, source = item.entry, item.source
    leaf_findings = False  # a finding on one term (an unknown engine, MK317) explains the marker
    if entry.marker is not None:
        for leaf in leaves(entry.marker):
            if is_engine(leaf):
                assert isinstance(leaf, Compare)
                for finding in spellings.engine_literals(leaf, source, ctx):
                    leaf_findings = leaf_findings or finding.diagnostic.code == "MK103"
                    yield finding
            yield from spellings.template_spelling(leaf, source)
            yield from spellings.unbound_template(leaf, source)
            for finding in values.impossible_comparison(leaf, source):
                leaf_findings = True
                yield finding
    head = entry.head
    placeholder = placeholder_engine(entry, ctx)
    if placeholder is not None:
        engine, legacy = placeholder
        yield from spellings.placeholder_findings(item, engine, legacy, ctx)
    elif isinstance(head, SystemPin):
        yield from system_pins.system_pin(item, head, ctx)
    elif isinstance(head, Requirement):
        yield from system_pins.bare_system_pin(item, head, ctx)
    if entry.marker is not None and not leaf_findings:
        yield from values.constant_marker(item, ctx)
