"""Work proportional to what is distinct: one compile per distinct (block, format) of an engine
and target, rebound to every record that has that block.

A compiled set depends on a record only through its ``virtualenv`` block's values and its model
format; the file, the model name and the file positions of its entries are the record's own.  So
:func:`markerc.compiler.compile.compile_record` keeps the first compile of each :func:`block_key` in the
evaluation context and gives every later record with the same key a copy whose file, model and
entry positions are that record's (:func:`rebind_set`; :func:`rebind_verdicts` for ``explain``).  Positions stay lazy: a rebound entry points
at the new record's hub string and computes its ``file:line:col`` only when someone asks.

Results whose text already holds a position (merge notes naming where an override came from,
warnings) are not shared: those records are compiled on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from markerc.compiler.hub import Block, SourceString
from markerc.compiler.provenance import Source, Verdict
from markerc.compiler.result import CompiledSet, Line, Origin

_T = TypeVar("_T", Line, Origin)

#: what of a record a compiled set depends on: (model format, block values)
BlockKey = tuple[object, ...]


def block_key(block: Block | None, fmt: str | None) -> BlockKey:
    """Equal keys compile to equal sets (up to file, model and positions) for one context."""
    return (fmt, block.values if block is not None else None)


def _moved(string: SourceString | None, packages: Sequence[SourceString]) -> SourceString | None:
    """The new record's string for a hub string of the shared compile: the entry at the same
    index of its ``packages`` (a path ends with that index)."""
    if string is None:
        return None
    index = string.path[-1]
    return packages[index] if isinstance(index, int) else None


def _copy(record: _T, **changes: object) -> _T:
    """``dataclasses.replace`` of a frozen record for the hot path: its fields copied as they are
    (none of these classes computes anything in ``__init__``), a few times faster than calling it."""
    new = object.__new__(type(record))
    fields = dict(record.__dict__)
    fields.update(changes)
    object.__setattr__(new, "__dict__", fields)
    return new


def _line(line: Line, packages: Sequence[SourceString]) -> Line:
    origins = tuple(
        o if o.string is None else _copy(o, string=_moved(o.string, packages)) for o in line.origins
    )
    return _copy(line, origins=origins)


def rebind_set(
    compiled: CompiledSet, *, file: str, model: str | None, block: Block | None
) -> CompiledSet:
    """``compiled`` as the compile of the record with ``block`` in ``file``: its own file, model
    and entry strings (positions stay lazy).  Lines from the engine table alone are shared."""
    packages = block.packages if block is not None else ()
    lines = tuple(
        _line(line, packages) if any(o.string is not None for o in line.origins) else line
        for line in compiled.lines
    )
    return CompiledSet(
        file,
        model,
        compiled.engine,
        lines,
        compiled.options,
        compiled.target,
        compiled.bound_markers,
        compiled.reinstall,
        shared_with=compiled.shared_with or compiled,
    )


def rebind_verdicts(verdicts: Sequence[Verdict], block: Block | None) -> tuple[Verdict, ...]:
    """The verdicts of a shared compile for the record with ``block`` (on demand: only
    ``explain`` reads them)."""
    packages = block.packages if block is not None else ()
    memo: dict[int, Source] = {}

    def source(s: Source) -> Source:
        string = _moved(s.positioned_by, packages)
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
