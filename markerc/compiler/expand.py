"""Expansion: each input entry, evaluated against the target, becomes requirement items.

Placeholders expand in place into their engine's default list (entries keep their own markers,
conjoined with the placeholder's); system pins become ``name==<installed version>``; bare URLs
get a name from their wheel/sdist file name or ``#egg=``.  Every input entry gets a
:class:`Verdict`, so nothing is ever lost without a trace (``markerc explain``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from markerc.compiler.targets import canonical_name
from markerc.diagnostics import Diagnostic, Location, MarkercError
from markerc.language import algebra, variables
from markerc.language.markers import leaves, partial
from markerc.language.nodes import (
    FALSE,
    TRUE,
    And,
    BareUrl,
    Compare,
    Entry,
    Marker,
    Not,
    Or,
    Placeholder,
    Requirement,
    SystemPin,
)
from markerc.language.rendering import render_markerc
from markerc.language.typecheck import check_entry, legacy_placeholder
from markerc.language.variables import STANDARD_VARIABLES
from markerc.language.versions import unsatisfiable

if TYPE_CHECKING:
    from markerc.compiler.engines import Engine, EngineTable
    from markerc.compiler.hub import SourceString

LAYERS = ("engine", "model", "user")
MAX_EXPANSION_DEPTH = 8


@dataclass(frozen=True)
class Source:
    """One input entry and where it came from."""

    text: str
    layer: str  # "engine" | "model" | "user"
    order: tuple[int, ...]  # output order key: placeholders expand in place, user entries last
    fixed_location: Location | None = None
    string: SourceString | None = field(default=None, repr=False, compare=False)
    where: str = ""  # description when there is no file position ("engine table vllm", "-p")
    via: str | None = None  # the placeholder or rule that produced it
    guard: Marker | None = field(default=None, repr=False)  # marker of the enclosing placeholder
    depth: int = 0
    lineage: tuple[str, ...] = ()  # texts of the enclosing placeholders (the guard's identity)
    #: the hub string whose position an entry derived from it (a placeholder's expansion, a
    #: companion pin) reports; kept as the string, not its position, so that positions are
    #: computed only when asked for and a compiled set can be rebound to another record
    anchor: SourceString | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def location(self) -> Location | None:
        """File position of the entry (computed on first use: most entries never need it)."""
        if self.fixed_location is not None:
            return self.fixed_location
        string = self.positioned_by
        return string.entry_location if string is not None else None

    @property
    def positioned_by(self) -> SourceString | None:
        """The hub string this entry's position comes from (its own, or its anchor)."""
        return self.string if self.string is not None else self.anchor

    def describe(self) -> str:
        place = str(self.location) if self.location else self.where
        return f"{place}{' via ' + self.via if self.via else ''}"


@dataclass(frozen=True)
class Item:
    """A requirement that survived evaluation: PEP 508 parts plus its residual condition."""

    source: Source
    key: str  # PEP 503 name, or "url:<url>" for a bare URL without a name
    name: str | None
    extras: tuple[str, ...]
    specifier: tuple[tuple[str, str], ...]
    url: str | None
    cond: algebra.Node  # the canonical residual marker; never FALSE ("same marker" is identity)
    system: bool = False  # from a #system_...# pin
    narrowed_by: tuple[Source, ...] = ()  # higher-layer entries that took part of its condition

    def with_cond(self, cond: algebra.Node, by: tuple[Source, ...] = ()) -> Item:
        return replace(self, cond=cond, narrowed_by=(*self.narrowed_by, *by))


@dataclass(frozen=True)
class Verdict:
    """What happened to one input entry."""

    source: Source
    status: str  # kept | dropped | expanded | overridden | narrowed | other-engine
    detail: str = ""
    marker: str | None = None  # residual marker text, where kept

    def as_json(self) -> dict[str, object]:
        loc = self.source.location
        return {
            "entry": self.source.text,
            "layer": self.source.layer,
            "location": str(loc) if loc else None,
            "where": self.source.where or None,
            "via": self.source.via,
            "status": self.status,
            "detail": self.detail,
            "marker": self.marker,
        }


@dataclass(frozen=True)
class Context:
    """Everything the evaluation of one (record, engine) needs."""

    engine: Engine
    engines: EngineTable
    bindings: Mapping[str, object]
    system: Mapping[str, str]  # canonical name -> installed version
    system_missing: str = "error"  # "error" | "unpinned"
    keep_local_version: bool = False
    # Evaluations by (lineage, text): the same entry evaluates the same way for every record
    # compiled for one engine and target, so a whole hub evaluates each distinct entry once.
    memo: dict[tuple[tuple[str, ...], str], tuple[algebra.Node, str]] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: compiled sets by :func:`markerc.compiler.rebind.block_key`, shared by the records with that key
    #: (held by :func:`markerc.compiler.compile.compile_record`; values are its ``Compiled``)
    sets: dict[tuple[object, ...], object] = field(default_factory=dict, compare=False, repr=False)

    def canon(self, name: str) -> str:
        return self.engines.canonical(name) or name.strip().lower()

    @functools.cached_property
    def space(self) -> algebra.Space:
        """The engine domain of this context's table."""
        return algebra.space(self.engines)

    @functools.cached_property
    def bound_markers(self) -> tuple[tuple[str, str], ...]:
        """The standard marker values bound (lock uses them for --python-platform)."""
        return tuple(
            sorted(
                (k, str(v))
                for k, v in self.bindings.items()
                if k in STANDARD_VARIABLES and v is not None
            )
        )


# ------------------------------------------------------------------ errors with positions


def locate(err: MarkercError, source: Source) -> MarkercError:
    """Place an error raised inside an entry's text at its file position."""
    if err.location is not None:
        return err
    if source.string is not None and source.via is None:
        span = err.span
        err.location = (
            source.string.location(span.start, span.end) if span else source.string.location()
        )
    elif source.location is not None:
        err.location = source.location
    if source.via or not source.location:
        note = f"in {source.describe()}: {source.text}"
        if note not in err.notes:
            err.notes = (*err.notes, note)
    return err


def _entry(source: Source):
    try:
        entry = check_entry(source.text)
    except MarkercError as err:
        raise locate(err, source) from None
    head = entry.head
    if isinstance(head, Requirement) and head.specifier and unsatisfiable(head.specifier):
        # whatever the marker says for this engine and target: check reports it everywhere
        span = head.spec_span if head.spec_span.end else entry.head_span
        spec = ",".join(op + v for op, v in head.specifier)
        raise locate(
            MarkercError(
                "MK502",
                f"no version of {head.name} satisfies {spec!r}",
                span=span,
                text=source.text,
            ),
            source,
        )
    return entry


# ------------------------------------------------------------------ explain helpers


def why_false(marker: Marker, bindings: Mapping[str, object], canon: Callable[[str], str]) -> str:
    """The term that made a marker false (the first false conjunct, recursively)."""
    if isinstance(marker, And):
        for item in marker.items:
            if partial(item, bindings, canon) == FALSE:
                return why_false(item, bindings, canon)
    if isinstance(marker, Not) and isinstance(marker.operand, Or):
        for item in marker.operand.items:  # not (a or b) is false where a term holds
            if partial(item, bindings, canon) == TRUE:
                return "not " + render_markerc(item)
    return render_markerc(marker)


def _template_hint(name: str) -> str:
    """A misspelt #engine# is far more likely than a new template variable."""
    close = variables.suggest(name, "template")
    return f" (did you mean #{close}#?)" if close else ""


# ------------------------------------------------------------------ evaluation of one source


def _residual(source: Source, marker: Marker | None, ctx: Context) -> algebra.Node:
    full: Marker | None
    if source.guard is not None and marker is not None:
        full = And((source.guard, marker))
    else:
        full = marker if marker is not None else source.guard
    try:
        rest = algebra.residual(full, ctx.bindings, ctx.space, ctx.canon)
    except MarkercError as err:  # MK521: too many substring tests to decide
        raise locate(err, source) from None
    if rest is algebra.TRUE or rest is algebra.FALSE:
        return rest
    missing = algebra.needed(rest)
    if missing:
        names = ", ".join(v.name for v in missing)
        flags = "; ".join(variables.binding_hint(v.base) for v in missing)
        flags += "".join(_template_hint(v.base) for v in missing if v.kind == "template")
        bases = {v.base for v in missing}
        term = next(
            (
                leaf
                for leaf in (leaves(marker) if marker is not None else ())
                if leaf.var.name in bases
                and not (leaf.var.name in STANDARD_VARIABLES and not leaf.var.template)
            ),
            None,
        )
        raise locate(
            MarkercError(
                "MK501",
                f"{names} has no value for engine {ctx.engine.name} and the marker needs it: "
                f"bind it with {flags}",
                span=term.span if term is not None else None,
                text=source.text if term is not None else None,
            ),
            source,
        )
    return rest


def marker_text(cond: algebra.Node) -> str | None:
    """The PEP 508 text of a condition for people (explain): None when it is true; the
    markerc-language description where PEP 508 has no form for it."""
    if cond is algebra.TRUE:
        return None
    try:
        return algebra.render(cond)
    except algebra.NoForm:
        return algebra.describe(cond)


def _wheel_or_sdist_name(url: str) -> str | None:
    egg = re.search(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)", url)
    if egg:
        return egg.group(1)
    path = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    filename = path.rsplit("/", 1)[-1]
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[0]
        if filename.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(filename)[0]
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


def _evaluate(source: Source, entry: Entry, ctx: Context) -> tuple[algebra.Node, str]:
    """(residual condition, why-false) of one source, memoised."""
    key = (source.lineage, source.text)
    hit = ctx.memo.get(key)
    if hit is None:
        _check_engine_names(source, entry, ctx)
        cond = _residual(source, entry.marker, ctx)
        why = ""
        if cond is algebra.FALSE:
            guard_false = (
                source.guard is not None and partial(source.guard, ctx.bindings, ctx.canon) == FALSE
            )
            why = why_false(
                source.guard if guard_false else entry.marker,  # type: ignore[arg-type]
                ctx.bindings,
                ctx.canon,
            )
        hit = (cond, why)
        ctx.memo[key] = hit
    return hit


def _check_engine_names(source: Source, entry: Entry, ctx: Context) -> None:
    """An engine literal no table knows would silently make its comparison false: MK103."""
    for leaf in leaves(entry.marker) if entry.marker is not None else ():
        if isinstance(leaf, Compare) and leaf.var.name == "engine":
            names = re.split(r"[,\s]+", leaf.value) if leaf.op in ("in", "not in") else [leaf.value]
            for name in filter(None, names):
                if ctx.engines.canonical(name) is None:
                    hint = ctx.engines.suggest(name)
                    raise locate(
                        MarkercError(
                            "MK103",
                            f"unknown engine {name!r} in a marker"
                            + (f"; did you mean {hint!r}?" if hint else ""),
                            span=leaf.value_span,
                            text=source.text,
                        ),
                        source,
                    )


def _legacy_warning(source: Source, entry: Entry, head: object) -> Diagnostic | None:
    """Legacy spellings are accepted with a warning (SPEC 3)."""
    if source.layer == "engine" and source.via is not None:
        return None  # the engine table's own entries: reported by `markerc check` if at all
    if isinstance(head, Placeholder) and head.legacy:
        code, right = (
            ("MK301", head.render())
            if not head.spelling.startswith("#")
            else ("MK310", head.render())
        )
    elif isinstance(head, SystemPin) and head.noncanonical:
        code, right = "MK310", head.render()
    else:
        return None
    err = MarkercError(
        code,
        f"legacy spelling {head.spelling or source.text!r}: write {right}",
        span=entry.head_span,
        text=source.text,
    )
    return locate(err, source).to_diagnostic()


def expand(source: Source, ctx: Context) -> Iterator[Item | Verdict | Diagnostic]:
    """Evaluate one source: yields the items it produces, verdicts for it (and for the entries
    a placeholder expands to), and warnings about legacy spellings."""
    entry = _entry(source)
    head = legacy_placeholder(entry.head, ctx.engines) or entry.head
    warning = _legacy_warning(source, entry, head)
    if warning is not None:
        yield warning
    cond, why = _evaluate(source, entry, ctx)
    if cond is algebra.FALSE:
        yield Verdict(source, "dropped", f"marker is false for this target: {why}")
        return
    if isinstance(head, Placeholder):
        yield from _expand_placeholder(source, head, entry.marker, ctx)
        return
    if isinstance(head, SystemPin):
        yield _system_item(source, head, cond, ctx)
    elif isinstance(head, BareUrl):
        name = _wheel_or_sdist_name(head.url)
        ident = canonical_name(name) if name else f"url:{head.url}"
        yield Item(source, ident, name, (), (), head.url, cond)
    else:
        assert isinstance(head, Requirement)
        yield Item(
            source,
            canonical_name(head.name),
            head.name,
            head.extras,
            head.specifier,
            head.url,
            cond,
        )
    yield Verdict(source, "kept", marker=marker_text(cond))


def _expand_placeholder(
    source: Source, head: Placeholder, marker: Marker | None, ctx: Context
) -> Iterator[Item | Verdict]:
    target = ctx.engines.canonical(head.engine)
    if target is None:
        hint = ctx.engines.suggest(head.engine)
        raise locate(
            MarkercError(
                "MK103",
                f"unknown engine {head.engine!r} in placeholder {head.render()}"
                + (f"; did you mean #{hint}_dependencies#?" if hint else ""),
            ),
            source,
        )
    if target != ctx.engine.name:
        yield Verdict(
            source,
            "other-engine",
            f"placeholder of engine {target}; compiling for {ctx.engine.name}",
        )
        return
    if source.depth >= MAX_EXPANSION_DEPTH:
        raise locate(
            MarkercError("MK505", "placeholders expand into each other in a cycle"), source
        )
    defaults = ctx.engine.packages
    yield Verdict(source, "expanded", f"{len(defaults)} entries of engine {target}")
    guard = (
        marker
        if source.guard is None
        else (And((source.guard, marker)) if marker is not None else source.guard)
    )
    for j, text in enumerate(defaults):
        child = Source(
            text=text,
            layer="engine",
            order=(*source.order, j),
            fixed_location=source.fixed_location,
            anchor=source.positioned_by,
            where=f"engine table {target} ({ctx.engine.source})",
            via=head.spelling or head.render(),
            guard=guard,
            depth=source.depth + 1,
            lineage=(*source.lineage, source.text),
        )
        yield from expand(child, ctx)


def _system_item(source: Source, head: SystemPin, cond: algebra.Node, ctx: Context) -> Item:
    name = canonical_name(head.name)
    version = ctx.system.get(name)
    if version is None:
        if ctx.system_missing != "unpinned":
            raise locate(
                MarkercError(
                    "MK504",
                    f"{head.render()}: the target has no {head.name} installed; give its version "
                    f"with --system {head.name}=VERSION, --system-python PATH or a target "
                    "profile's [system] table, or pass --system-missing unpinned",
                ),
                source,
            )
        return Item(source, name, head.name, head.extras, (), None, cond, True)
    if not ctx.keep_local_version:
        version = version.split("+", 1)[0]
    return Item(source, name, head.name, head.extras, (("==", version),), None, cond, True)


# ------------------------------------------------------------------ the torch companion rule

COMPANIONS = ("torchvision", "torchaudio", "torchcodec")


def companion_conditions(
    pins: Sequence[tuple[object, algebra.Node]], torch: Sequence[algebra.Node]
) -> list[tuple[object, algebra.Node]]:
    """SPEC 7 as a query: for each system pin of a torch companion (``(tag, condition)``), the
    condition under which it needs a ``#system_torch#`` pin: where it holds and no torch
    requirement (``torch`` conditions) nor an earlier companion pin applies.  Pins implied by
    what torch already covers get none."""
    covered = algebra.disj(*torch)
    out = []
    for tag, cond in pins:
        need = algebra.conj(cond, algebra.neg(covered))
        if need is not algebra.FALSE:
            out.append((tag, need))
            covered = algebra.disj(covered, need)
    return out


def torch_companions(
    items: list[Item], ctx: Context, source_for: Callable[[Item], Source]
) -> list[Item]:
    """SPEC 7: a system-pinned torchvision/torchaudio/torchcodec gets a ``#system_torch#`` pin
    (engine layer) exactly where no torch requirement applies."""
    pins = [(i, i.cond) for i in items if i.system and i.key in COMPANIONS]
    if not pins:
        return []
    torch = [i.cond for i in items if i.key == "torch"]
    added: list[Item] = []
    for item, need in companion_conditions(pins, torch):
        assert isinstance(item, Item)
        added.append(_system_item(source_for(item), SystemPin("torch"), need, ctx))
    return added
