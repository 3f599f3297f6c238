"""Located refusals of input values that would reach an output (docs/security.md).

:mod:`markerc.safety` says what is wrong with a value; this module finds the values of a hub
record (its model name, its package sources) and of a compiled set (every line markerc is about
to write) and turns each :class:`~markerc.safety.Problem` into a located :class:`MarkercError`.
``compile`` and ``lock`` raise the first one, ``check`` reports them all (the same functions).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from markerc.compiler.hub import ModelRecord, SourceString
from markerc.diagnostics import Location, MarkercError
from markerc.safety import (
    Problem,
    host_problem,
    line_problem,
    requirement_problem,
    source_problem,
)

if TYPE_CHECKING:  # the compiled records: ``check`` of a hub never builds one
    from markerc.compiler.result import CompiledSet, IndexOptions

__all__ = ["check_compiled", "check_options", "record_errors"]


def _at(problem: Problem, string: SourceString) -> MarkercError:
    return MarkercError(
        problem.code,
        problem.message,
        location=string.location(problem.start, max(problem.start + 1, problem.end)),
    )


def record_errors(record: ModelRecord) -> Iterator[MarkercError]:
    """Every value of ``record`` that cannot be written into a requirements file, a uv input
    or a header comment: the model name, ``index_url``, ``extra_index_url``, ``find_links``,
    ``trusted_host``."""
    if record.name is not None:
        problem = line_problem(record.name, f"model_name {record.name!r}", hash_comment=False)
        if problem is not None:
            yield MarkercError(problem.code, problem.message, location=record.location)
    block = record.block
    if block is None:
        return
    for key, string in block.package_sources():
        problem = source_problem(string.value, key)
        if problem is not None:
            yield _at(problem, string)
    for string in block.trusted_host:
        problem = host_problem(string.value)
        if problem is not None:
            yield _at(problem, string)
    if block.index_strategy is not None:
        problem = line_problem(block.index_strategy.value, "index_strategy")
        if problem is not None:
            yield _at(problem, block.index_strategy)


def check_options(
    opts: IndexOptions, *, location: Location | None = None, expansion: bool = False
) -> None:
    """Raise for the first package source that cannot be written as one option line."""
    values = [("index_url", opts.index_url)] if opts.index_url else []
    values += [("extra_index_url", u) for u in opts.extra_index_url]
    values += [("find_links", u) for u in opts.find_links]
    for key, value in values:
        problem = source_problem(value, key, expansion=expansion)
        if problem is not None:
            raise MarkercError(problem.code, problem.message, location=location)
    for host in opts.trusted_host:
        problem = host_problem(host)
        if problem is not None:
            raise MarkercError(problem.code, problem.message, location=location)


def check_compiled(cs: CompiledSet, *, expansion: bool = False) -> None:
    """Raise for the first line of ``cs`` that pip or uv would read otherwise than markerc
    means it (the last line of defence: the entries were checked when they were parsed)."""
    for line in cs.lines:
        problem = requirement_problem(line.render())
        if problem is not None:
            raise MarkercError(problem.code, problem.message, location=line.location(cs.strings))
    check_options(cs.options, expansion=expansion)
