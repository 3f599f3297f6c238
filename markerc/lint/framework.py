"""The lint framework of ``markerc check``: findings, fixes, the context rules share, and rule
selection.

A rule is a function over one record's parsed entries (or one block) that yields
:class:`Finding` objects; the rules live in :mod:`markerc.lint.rules` (markerc's own meaning) and
:mod:`markerc.lint.xinference` (where Xinference at launch reads an entry differently), and
:mod:`markerc.lint.check` runs them.  What each code means, its default severity and whether it is on by
default is data in :mod:`markerc.catalogue`; :class:`RuleSet` is the resolved selection (ruff's
semantics, see :mod:`markerc.lint.config`).  Nothing here prints or exits.  The records are
immutable named tuples; :class:`Context` holds a cache and is a record
(:mod:`markerc.records`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple, TypeGuard

from markerc.compiler.engines import EngineTable
from markerc.compiler.hub import SourceString
from markerc.compiler.targets import canonical_name
from markerc.diagnostics import Diagnostic, MarkercError, Span, mask_credentials
from markerc.language.nodes import TRUE, Compare, Entry, Marker, Placeholder, Requirement, SystemPin
from markerc.language.variables import engine_list_spans
from markerc.records import field, record

if TYPE_CHECKING:
    from markerc.language.algebra import Node

__all__ = [
    "SYSTEM_PACKAGES",
    "Context",
    "Finding",
    "Fix",
    "Item",
    "RuleSet",
    "diag",
]

#: The packages system pins are for (Xinference's six hard-coded ``#system_`` heads, research 6).
SYSTEM_PACKAGES = ("torch", "torchvision", "torchaudio", "torchcodec", "numpy", "pandas")


# ============================================================================ results


class Fix(NamedTuple):
    """Replace decoded characters ``start..end`` of ``source`` with ``new``."""

    code: str
    source: SourceString
    start: int
    end: int
    new: str

    @property
    def old(self) -> str:
        return self.source.value[self.start : self.end]


class Finding(NamedTuple):
    diagnostic: Diagnostic
    fix: Fix | None = None

    @property
    def fixable(self) -> bool:
        return self.fix is not None and self.fix.old != self.fix.new


class RuleSet(NamedTuple):
    """The codes ``check`` reports: ``enabled`` (selectable rules; input errors are always on),
    minus ``per_file_ignores``: (pattern, codes) pairs, a pattern with a ``/`` matched against
    the absolute path (so already joined with its configuration file's folder), one without
    against the file name; ``*`` crosses folders and ``**/`` also matches no folder."""

    enabled: frozenset[str]
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()

    def ignored_for(self, path: str) -> frozenset[str]:
        """Codes the per-file ignores remove for ``path``."""
        if not self.per_file_ignores:
            return frozenset()
        import fnmatch
        import os

        absolute = os.path.abspath(path).replace(os.sep, "/")
        name = absolute.rsplit("/", 1)[-1]
        out: set[str] = set()
        for pattern, codes in self.per_file_ignores:
            subject = absolute if "/" in pattern else name
            if fnmatch.fnmatchcase(subject, pattern) or (
                "**/" in pattern and fnmatch.fnmatchcase(subject, pattern.replace("**/", ""))
            ):
                out |= codes
        return frozenset(out)


# ============================================================================ shared context


@record
class Context:
    """What the rules of one run share: the engine table, the system packages the checked
    files pin (PEP 503 name -> number of records pinning it), and a cache of the always-true /
    always-false verdicts by canonical marker text."""

    engines: EngineTable
    pinned: Mapping[str, int] = field(default_factory=dict)
    verdicts: dict[str, bool | None] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return self.engines.names()

    def canon(self, name: str) -> str:
        return self.engines.canonical(name) or name.strip().lower()


class Item(NamedTuple):
    """One parsed entry of a block; ``position`` is its index in ``packages`` (a field called
    ``index`` would shadow ``tuple.index``)."""

    position: int
    source: SourceString
    entry: Entry


def diag(
    code: str, message: str, source: SourceString, span: Span | None, notes: tuple[str, ...] = ()
) -> Diagnostic:
    """A diagnostic about characters ``span`` of an entry (None: the whole string)."""
    if span is None:
        location = source.location()
        return Diagnostic.make(code, mask_credentials(message), location=location, notes=notes)
    location = source.location(span.start, span.end)
    return Diagnostic.make(
        code,
        mask_credentials(message),
        location=location,
        text=mask_credentials(source.value),
        span=span,
        notes=notes,
    )


def where(source: SourceString, span: Span | None = None) -> str:
    loc = source.location(span.start, span.end) if span else source.location()
    return f"line {loc.line}, column {loc.column}"


def quoted(item: Item) -> str:
    return repr(mask_credentials(item.source.value.strip()))


# ============================================================================ helpers on entries


def is_engine(leaf: object) -> TypeGuard[Compare]:
    """Whether ``leaf`` is a comparison of ``#engine#``."""
    return isinstance(leaf, Compare) and leaf.var.name == "engine" and leaf.var.template


def engine_members(leaf: Compare) -> Iterator[tuple[str, Span]]:
    """Each engine name of an engine comparison with its span (inside the quotes)."""
    base = leaf.value_span.start + 1
    if leaf.op in ("in", "not in"):
        for name, start, end in engine_list_spans(leaf.value):
            yield name, Span(base + start, base + end)
    else:
        yield leaf.value, Span(base, base + len(leaf.value))


def condition(entry: Entry, ctx: Context) -> Node | None:
    """The canonical value (:mod:`markerc.language.algebra`, the compiler's own) of an entry's marker over
    this run's engine table: equal meaning gives the same object.  None when the algebra refuses
    the marker (MK521, too complex to decide): such entries take no part in comparisons."""
    from markerc.language import algebra

    try:
        return algebra.value(entry.marker, algebra.space(ctx.engines))
    except MarkercError:
        return None


def head_key(entry: Entry) -> object:
    head = entry.head
    if isinstance(head, Requirement):
        spec = tuple(sorted(head.specifier))
        extras = tuple(sorted({e.lower() for e in head.extras}))
        return ("req", canonical_name(head.name), extras, spec, head.url)
    if isinstance(head, SystemPin):
        return ("sys", head.name.lower(), tuple(sorted(head.extras)))
    return head


def placeholder_engine(entry: Entry, ctx: Context) -> tuple[str, bool] | None:
    """(engine as written, legacy bare form) for a placeholder head, else None."""
    from markerc.language.typecheck import legacy_placeholder

    head = entry.head
    if isinstance(head, Placeholder):
        return head.engine, False
    legacy = legacy_placeholder(head, ctx.engines)
    return (legacy.engine, True) if legacy is not None else None


def engine_bound(marker: Marker | None, engine: str, ctx: Context) -> Marker:
    """The marker with ``#engine#`` bound to ``engine`` (other variables left)."""
    from markerc.language.markers import partial

    if marker is None:
        return TRUE
    return partial(marker, {"engine": engine}, ctx.canon)


def describe_engines(engines: Iterable[str], ctx: Context) -> str:
    wanted = set(engines)
    chosen = [e for e in ctx.names if e in wanted]
    if not chosen:
        return "no engine"
    if len(chosen) == len(ctx.names):
        return "every engine"
    return ", ".join(chosen)
