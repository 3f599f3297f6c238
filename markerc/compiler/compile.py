"""The compiler: hub records x engines x target -> :class:`CompiledSet` (with verdicts).

    hub -> syntax -> expand (placeholders, system pins) -> markers (residuals) -> merge -> emit

This module only orchestrates the stages; each stage is a module of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TypedDict

from markerc.compiler import guard, launch
from markerc.compiler.companions import torch_companions
from markerc.compiler.engines import Engine, EngineTable, means_all_engines, split_engine_list
from markerc.compiler.expand import Context, Shared, expand
from markerc.compiler.hub import Block, HubFile, ModelRecord, load_hub
from markerc.compiler.indexes import UserSources, resolve_options
from markerc.compiler.launch import LaunchOptions
from markerc.compiler.merge import merge, merge_key
from markerc.compiler.provenance import Item, Source, Verdict
from markerc.compiler.rebind import block_key, model_sources, rebind_set, rebind_verdicts
from markerc.compiler.result import CompiledSet
from markerc.compiler.select import prefer_engine, record_group, records_by_group, select_records
from markerc.compiler.targets import Target, finalize
from markerc.diagnostics import Diagnostic, MarkercError
from markerc.language.markers import leaves
from markerc.language.nodes import Compare, Placeholder
from markerc.records import field, record

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11; annotations only
from markerc.language.typecheck import legacy_placeholder


@record
class Options:
    """Compile options that do not depend on the record."""

    target: Target = field(default_factory=Target)
    user_packages: tuple[str, ...] = ()
    model_format: str | None = None
    system_missing: str = "error"
    keep_local_version: bool = False
    torch_companion: bool = True
    sources: UserSources = field(default_factory=UserSources)
    #: False: a condition PEP 508 cannot write is given in the markerc language instead of
    #: MK503 (for tests and diagnostics, never for output files)
    pep508: bool = True
    launch: LaunchOptions = field(default_factory=LaunchOptions)
    #: keep a verdict per input entry (``explain``, tests); outputs never show them
    verdicts: bool = True


@record
class Compiled:
    """One compiled (record, engine): the set, the verdict of every input entry, warnings."""

    compiled: CompiledSet
    #: the verdicts as compiled for ``shared_with`` (or this record, when that is None)
    compiled_verdicts: tuple[Verdict, ...]
    warnings: tuple[Diagnostic, ...] = ()
    #: the block of this record when its set was compiled for an earlier record with an equal
    #: block (:mod:`markerc.compiler.rebind`); the verdicts are rebound to it when asked for
    rebound_to: Block | None = field(default=None, compare=False, repr=False)

    @functools.cached_property
    def verdicts(self) -> tuple[Verdict, ...]:
        if self.rebound_to is None:
            return self.compiled_verdicts
        return rebind_verdicts(self.compiled_verdicts, self.rebound_to)


def engines_named(record: ModelRecord, engines: EngineTable) -> tuple[str, ...]:
    """The engines a model names: in ``#engine#`` comparisons, placeholders, and its own
    ``engine`` key (canonical names, first-seen order).  Entries that do not parse are skipped
    here; compiling them reports the error."""
    from markerc.language.typecheck import check_entry

    found: dict[str, None] = {}
    if record.engine is not None:
        name = engines.canonical(record.engine.value)
        if name:
            found[name] = None
    for string in record.block.packages if record.block else ():
        try:
            entry = check_entry(string.value)
        except MarkercError:
            continue
        head = legacy_placeholder(entry.head, engines) or entry.head
        if isinstance(head, Placeholder):
            name = engines.canonical(head.engine)
            if name:
                found[name] = None
        for leaf in leaves(entry.marker) if entry.marker is not None else ():
            if isinstance(leaf, Compare) and leaf.var.name == "engine" and leaf.op in ("==", "in"):
                for word in (
                    leaf.value.replace(",", " ").split() if leaf.op == "in" else [leaf.value]
                ):
                    name = engines.canonical(word)
                    if name:
                        found[name] = None
    return tuple(found)


def _source_for_companion(item: Item) -> Source:
    return Source(
        text="#system_torch#",
        layer="engine",
        order=(*item.source.order, 1_000_000),
        fixed_location=item.source.fixed_location,
        anchor=item.source.positioned_by,
        where="torch companion rule",
        via=f"torch companion of {item.source.text!r}",
    )


def make_context(
    engine: Engine,
    engines: EngineTable,
    options: Options,
    shared: Shared | None = None,
) -> Context:
    """The evaluation context of one engine and target; reuse it for every record so that
    identical entries are evaluated once (its memo).  ``shared``: the memos of the other
    engines' contexts of the same table and options (engine-free plans, warnings)."""
    target = finalize(options.target)
    return Context(
        engine=engine,
        engines=engines,
        bindings={**target.bindings(), "engine": engine.name},
        system=target.system_map(),
        system_missing=options.system_missing,
        keep_local_version=options.keep_local_version,
        shared=Shared() if shared is None else shared,
        verdicts=options.verdicts,
    )


def compile_record(
    hub: HubFile,
    record: ModelRecord,
    engine: Engine,
    engines: EngineTable,
    options: Options,
    ctx: Context | None = None,
) -> Compiled:
    """Compile one record for one engine (``ctx``: a :func:`make_context` for this engine and
    these options, shared between records)."""
    for err in guard.record_errors(record):  # a value that would reach an output unsafely
        raise err
    return _compile_checked(hub, record, engine, engines, options, ctx)


def _compile_checked(
    hub: HubFile,
    record: ModelRecord,
    engine: Engine,
    engines: EngineTable,
    options: Options,
    ctx: Context | None,
) -> Compiled:
    """:func:`compile_record` of a record whose values :func:`guard.record_errors` passed."""
    ctx = ctx or make_context(engine, engines, options)
    block = record.block
    fmt = record.model_format or options.model_format  # SPEC 2: the record's own format wins
    # the format matters only where this engine has packages for it
    fmt_key = fmt if engine.format_packages(fmt) else None
    key = block_key(block, fmt_key)
    hit = ctx.sets.get(key)
    if hit is None:  # an earlier block whose entries yield the same for this engine?
        model, yield_key = model_sources(block, fmt_key, ctx, options.verdicts)
        hit = ctx.sets.get(yield_key) if yield_key is not None else None
        if hit is not None:
            ctx.sets[key] = hit
    if hit is not None:  # compiled for an earlier record: rebind it
        compiled = rebind_set(hit.compiled, file=hub.path, model=record.name, block=block)
        return Compiled(compiled, hit.compiled_verdicts, rebound_to=block)
    result, shareable = _compile_record(hub, record, engine, engines, options, ctx, fmt, model)
    if shareable:
        ctx.sets[key] = result
        if yield_key is not None:
            ctx.sets[yield_key] = result
    return result


def _compile_record(
    hub: HubFile,
    record: ModelRecord,
    engine: Engine,
    engines: EngineTable,
    options: Options,
    ctx: Context,
    fmt: str | None,
    model: Sequence[Source],
) -> tuple[Compiled, bool]:
    """The compile of one record (``model``: the sources of its block's entries), and whether
    it may be rebound to another record (nothing in it holds a file position as text)."""
    bindings = ctx.bindings
    block = record.block
    sources: list[Source] = []
    for i, text in enumerate(engine.format_packages(fmt)):
        sources.append(
            Source(
                text,
                "engine",
                (0, i),
                where=f"engine table {engine.name} ({engine.source})",
                via=f"model format {fmt}",
            )
        )
    sources.extend(model)
    for i, text in enumerate(options.user_packages):
        sources.append(Source(text, "user", (2, i), where=f"-p/--package #{i + 1}"))
    expansion = expand(sources, ctx)
    items = list(expansion.items)
    verdicts = list(expansion.verdicts)
    warnings = list(expansion.warnings)
    if options.torch_companion:
        added = torch_companions(items, ctx, _source_for_companion)
        items.extend(added)
        if options.verdicts:
            verdicts.extend(
                Verdict(a.source, "kept", "added by the torch companion rule") for a in added
            )
    merge_as = merge_key(items, pep508=options.pep508)
    merged = ctx.shared.merges.get(merge_as)
    if merged is None:
        merged = merge(items, pep508=options.pep508)
        if not merged.verdicts:  # those name this record's sources
            ctx.shared.merges[merge_as] = merged
    # overridden / narrowed by the merge; a source's order identifies it within one compile
    replaced = {v.source.order: v for v in merged.verdicts}
    final_verdicts = (
        tuple(replaced.get(v.source.order, v) for v in verdicts) if replaced else tuple(verdicts)
    )
    options_out = resolve_options(
        block_index_url=block.index_url.value if block and block.index_url else None,
        block_extra=[s.value for s in block.extra_index_url] if block else [],
        block_find_links=[s.value for s in block.find_links] if block else [],
        block_trusted_host=[s.value for s in block.trusted_host] if block else [],
        block_strategy=block.index_strategy.value if block and block.index_strategy else None,
        no_build_isolation=bool(block.no_build_isolation) if block else False,
        engine_index_url=engine.index_url,
        engine_extra=engine.extra_index_url,
        engine_strategy=engine.index_strategy,
        bindings=bindings,
        user=options.sources,
    )
    # Xinference's target-dependent launch steps (12, 14, 17, 19): markerc.compiler.launch
    launched = launch.apply(
        merged.lines,
        options_out,
        engine=engine,
        engines=engines,
        system=ctx.system,
        bindings=bindings,
        launch=options.launch,
        user=options.sources,
        block_extra=bool(block and block.extra_index_url),
        keep_local_version=options.keep_local_version,
        strings=block.entries if block else (),
    )
    warnings.extend(w.at(record.location) if w.location is None else w for w in launched.warnings)
    compiled = CompiledSet(
        file=hub.path,
        model=record.name,
        engine=engine.name,
        lines=launched.lines,
        options=launched.options,
        target=options.target.name,
        bound_markers=ctx.bound_markers,
        reinstall=launched.reinstall,
        strings=block.entries if block else (),
    )
    guard.check_compiled(compiled, expansion=options.sources.given)  # docs/security.md
    return Compiled(compiled, final_verdicts, tuple(warnings)), not warnings and not merged.verdicts


@record
class Job:
    hub: HubFile
    record: ModelRecord
    engine: Engine


#: The engine of a record that names none, under ``--engine all`` when asked for (``lock``):
#: one engine-independent set, named as Xinference names such a venv (``.../default/...``).
ENGINE_LESS = Engine(
    name="default", source="markerc: the engine-independent set of a record that names no engine"
)


def plan_jobs(
    hubs: Sequence[HubFile],
    engines: EngineTable,
    engine_spec: Sequence[str],
    model: str | None,
    *,
    engine_less: Engine | None = None,
) -> Iterator[Job]:
    """(file, record, engine) to compile, in input order.  ``engine_spec`` is a list of engine
    names or ``["all"]`` (the engines each model names).  With ``["all"]`` and ``engine_less``
    given, a record that names no engine at all is compiled once for ``engine_less`` (an engine
    with no default list, no indexes and no platform restriction: :data:`ENGINE_LESS`) instead
    of not at all."""
    want_all = means_all_engines(engine_spec)
    wanted = [] if want_all else [engines.get(e) for e in engine_spec]
    for hub in hubs:
        if want_all:
            records = select_records(hub, model, None, engines.canonical)
            groups = records_by_group(records)  # one pass: no scan of the file per record
            picks: dict[tuple[object, str], tuple[ModelRecord, ...]] = {}
            for record in records:
                named = engines_named(record, engines)
                if not named and engine_less is not None and record.engine is None:
                    yield Job(hub, record, engine_less)
                group = record_group(record)
                for name in named:
                    picked = picks.get((group, name))
                    if picked is None:
                        picked = picks[(group, name)] = (
                            prefer_engine(groups[group], name, engines.canonical)
                            if record.name
                            else (record,)
                        )
                    if any(p is record for p in picked):
                        yield Job(hub, record, engines.get(name))
            continue
        for engine in wanted:
            for record in select_records(hub, model, engine.name, engines.canonical):
                yield Job(hub, record, engine)


def load_hubs(paths: Sequence[str]) -> list[HubFile]:
    """Load hub files; the first structural error (wrong type, bad index strategy) is raised."""
    hubs = [load_hub(p) for p in paths]
    for hub in hubs:
        for d in hub.diagnostics:
            if d.severity == "error":
                raise MarkercError(d.code, d.message, location=d.location)
    return hubs


class Selection(TypedDict):
    """What to compile: the keyword arguments of :func:`iter_compiled` and :func:`compile_hubs`."""

    engines: EngineTable
    engine_spec: Sequence[str]  # engine names as written, or ["all"]
    model: str | None  # one model name, or None for all
    options: Options


def compile_hubs(paths: Sequence[str], **selection: Unpack[Selection]) -> list[Compiled]:
    """Load ``paths`` and compile every selected (record, engine) in input order."""
    return list(iter_compiled(load_hubs(paths), **selection))


def iter_compiled(hubs: Sequence[HubFile], **selection: Unpack[Selection]) -> Iterator[Compiled]:
    """Every selected (record, engine) of ``hubs``, compiled, in input order, one result at a
    time: a consumer that writes each result and drops it holds only what is distinct (the
    compiles shared by equal blocks), not every case."""
    engines, options = selection["engines"], selection["options"]
    engine_spec, model = selection["engine_spec"], selection["model"]
    contexts: dict[str, Context] = {}
    shared = Shared()
    checked: dict[int, ModelRecord] = {}  # by id: the records are held here and by ``hubs``
    for job in plan_jobs(hubs, engines, engine_spec, model):
        ctx = contexts.get(job.engine.name)
        if ctx is None:
            ctx = contexts[job.engine.name] = make_context(job.engine, engines, options, shared)
        if id(job.record) not in checked:  # a record's values once, not once per engine
            for err in guard.record_errors(job.record):
                raise err
            checked[id(job.record)] = job.record
        yield _compile_checked(job.hub, job.record, job.engine, engines, options, ctx)


def compile_hub_files(
    paths: Sequence[str], engines: str | Sequence[str] = "all", targets: Sequence[Target] = ()
) -> list[CompiledSet]:
    """Convenience for benchmarks and scripts: every model of every file, for the given engines
    and each target (or no target)."""
    from markerc.compiler.engines import load_engines

    table = load_engines()
    spec = (split_engine_list(engines) or [engines]) if isinstance(engines, str) else list(engines)
    out: list[CompiledSet] = []
    for target in targets or (Target(),):
        for c in compile_hubs(
            paths, engines=table, engine_spec=spec, model=None, options=Options(target=target)
        ):
            out.append(c.compiled)
    return out
