"""Work proportional to what is distinct: one compile per distinct (block, format) of an engine
and target, rebound to every record that has that block.

A compiled set depends on a record only through its ``virtualenv`` block's values and its model
format; the file, the model name and the file positions of its entries are the record's own.  So
:func:`markerc.compiler.compile.compile_record` keeps the first compile of each :func:`block_key` in the
evaluation context and gives every later record with the same key a set with that record's file,
model and hub strings and the very same lines (:func:`rebind_set`; :func:`rebind_verdicts` for
``explain``): an origin names its entry by index in the record's ``packages``, and the set holds
those strings (:attr:`~markerc.compiler.result.CompiledSet.strings`), so a position is read, when
someone asks for it, from the record whose set it is.

A block that differs from an earlier one only in entries that yield nothing for the engine (a
false condition, another engine's placeholder) compiles to the same set too: without verdicts
(``explain``), :func:`model_sources` leaves such entries out and keys the block by what the others
yield (:func:`yield_key`), so a whole hub's 2,185 (record, engine) cases take about 470 compiles
instead of about 700.

Results whose text already holds a position (merge notes naming where an override came from,
warnings) are not shared: those records are compiled on their own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from markerc.compiler.expand import Context, known_plan, plan_of
from markerc.compiler.hub import Block, SourceString
from markerc.compiler.plans import yields_items
from markerc.compiler.provenance import Source, Verdict
from markerc.compiler.result import CompiledSet
from markerc.diagnostics import MarkercError
from markerc.records import replace

#: what of a record a compiled set depends on: (model format, block values)
BlockKey = tuple[object, ...]


def block_key(block: Block | None, fmt: str | None) -> BlockKey:
    """Equal keys compile to equal sets (up to file, model and positions) for one context.  An
    origin names its entry by index in the ``packages`` list, so a block with an item that is no
    string (MK202, the library goes on) shares only with blocks of the same layout."""
    if block is None:
        return (fmt, None)
    if block.entries is block.packages:
        return (fmt, block.values)
    return (fmt, block.values, tuple(s.list_index for s in block.packages))


def model_sources(
    block: Block | None, fmt_key: str | None, ctx: Context, verdicts: bool
) -> tuple[list[Source], BlockKey | None]:
    """The sources of a block's entries, and the key of what they yield for this engine.

    Without verdicts, an entry that yields nothing here (a false condition, another engine's
    placeholder) adds nothing to the compile but its verdict: it is left out, and blocks that
    differ only in such entries compile alike (:func:`yield_key`).
    With verdicts, or when an entry's expansion warns or fails (it fails in expansion order, after
    the entries before it), every entry is kept and there is no key."""
    if block is None:
        return [], None
    if not verdicts:
        kept: list[Source] = []
        for i, string in enumerate(block.packages):
            source = None
            plan = known_plan(string.value, ctx)
            if plan is None:  # made now, in expansion order
                source = Source(string.value, "model", (1, i), string=string)
                with contextlib.suppress(MarkercError):  # raised by the expansion, in order
                    plan = plan_of(source, ctx)
            yields = yields_items(plan, ctx) if plan is not None else None
            if yields is None:
                break
            if yields:
                kept.append(source or Source(string.value, "model", (1, i), string=string))
        else:
            return kept, yield_key(block, fmt_key, kept)
    return [Source(s.value, "model", (1, i), string=s) for i, s in enumerate(block.packages)], None


def yield_key(block: Block, fmt: str | None, kept: Sequence[Source]) -> BlockKey:
    """The key of a block by what its entries yield for one engine: ``kept``, the sources of
    the entries that yield items (in order; the others yield only verdicts, which are not
    kept), with their indexes in the block and in its ``packages`` list (an origin's), and the
    block's other values.  Blocks with equal keys compile to equal sets for that engine."""
    entries = tuple(
        (s.order, s.string.list_index if s.string is not None else None, s.text) for s in kept
    )
    return ("yields", fmt, entries, block.values[1:])


def _moved(
    string: SourceString | None, entries: Sequence[SourceString | None]
) -> SourceString | None:
    """The new record's string for a hub string of the shared compile: the entry at the same
    index of its ``packages`` list (``entries``: :attr:`~markerc.compiler.hub.Block.entries`)."""
    index = string.list_index if string is not None else None
    return entries[index] if index is not None and index < len(entries) else None


def rebind_set(
    compiled: CompiledSet, *, file: str, model: str | None, block: Block | None
) -> CompiledSet:
    """``compiled`` as the compile of the record with ``block`` in ``file``: its own file, model
    and entry strings (positions stay lazy), the lines themselves shared: an origin names its
    entry by index in the record's ``packages`` (:attr:`CompiledSet.strings`), so rebinding
    copies nothing per line."""
    return CompiledSet(
        file,
        model,
        compiled.engine,
        compiled.lines,
        compiled.options,
        compiled.target,
        compiled.bound_markers,
        compiled.reinstall,
        shared_with=compiled.shared_with or compiled,
        strings=block.entries if block is not None else (),
    )


def rebind_verdicts(verdicts: Sequence[Verdict], block: Block | None) -> tuple[Verdict, ...]:
    """The verdicts of a shared compile for the record with ``block`` (on demand: only
    ``explain`` reads them)."""
    entries = block.entries if block is not None else ()
    memo: dict[int, Source] = {}

    def source(s: Source) -> Source:
        string = _moved(s.positioned_by, entries)
        if string is None:
            return s
        new = memo.get(id(s))
        if new is None:
            new = memo[id(s)] = replace(
                s,
                string=string if s.string is not None else None,
                anchor=string if s.anchor is not None else None,
            )
        return new

    return tuple(Verdict(source(v.source), v.status, v.detail, v.marker) for v in verdicts)
