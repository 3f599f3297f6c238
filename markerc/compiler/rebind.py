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

Results whose text already holds a position (merge notes naming where an override came from,
warnings) are not shared: those records are compiled on their own.
"""

from __future__ import annotations

from collections.abc import Sequence

from markerc.compiler.hub import Block, SourceString
from markerc.compiler.provenance import Source, Verdict
from markerc.compiler.result import CompiledSet
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
