"""The lock matrix: hub records x engines x targets -> the cases to resolve, and what happened
to every pair (SPEC section 9, docs/lock.md).

:func:`build_matrix` compiles each (record, engine, target) that applies and records an
:class:`Outcome` for every pair that does not become a case: **excluded** by the user's
patterns (``--exclude``, ``[tool.markerc.lock] exclude``), **skipped** (the engine does not run
on the target's platform; the compiled set is empty) or **failed** to compile (its diagnostic,
located in the hub).  Nothing is dropped silently: every pair the selection names is either a
case or an outcome.  :class:`LockTarget` is what the resolver needs to know about one target.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, get_args

from markerc.backends.naming import UNIVERSAL, output_name
from markerc.backends.uvtool import ResolverPlatform, redact, resolver_platform
from markerc.compiler.engines import BUILTIN_SOURCE, EngineTable
from markerc.compiler.result import CompiledSet
from markerc.compiler.targets import Target, canonical_name, finalize
from markerc.diagnostics import Diagnostic, MarkercError
from markerc.files import case_stem
from markerc.records import field, record, replace

if TYPE_CHECKING:
    from markerc.compiler.compile import Options
    from markerc.compiler.expand import Context
    from markerc.compiler.hub import HubFile

#: Python lower bound (universal) or exact version (one platform) when the target binds none.
DEFAULT_PYTHON = "3.10"


@record
class TorchPin:
    """The PyTorch family pinned to the index of one accelerator build (``[torch_index]``)."""

    backend: str  # "cu128", "cpu"
    url: str
    packages: tuple[str, ...]  # canonical names

    @property
    def index_name(self) -> str:
        return f"torch-{self.backend}"


@record
class LockTarget:
    """One target as the resolver sees it."""

    name: str | None
    platform: ResolverPlatform
    sys_platform: str | None = None
    cuda_version: str | None = None  # the target's CUDA (has_cuda and cuda_version bound)
    torch: TorchPin | None = None
    notes: tuple[str, ...] = ()  # e.g. why no torch index applies
    #: skip-installed: the target's base environment ((canonical name, version) from its
    #: ``[system]`` table); None: a lock of everything (docs/lock.md, "Locks over a base")
    base: tuple[tuple[str, str], ...] | None = None

    def describe(self) -> str:
        """The ``# resolved by ... for`` part of a lock header."""
        text = self.platform.describe()
        if self.torch is not None:
            text += (
                f"; {self.torch.backend} builds of the PyTorch family from {redact(self.torch.url)}"
            )
        if self.base is not None:
            text += f"; over the target's base environment ({len(self.base)} distributions, skip-installed)"
        return text + "".join(f"; {n}" for n in self.notes)


def lock_target(target: Target | None, engines: EngineTable, *, user_sources: bool = False,
                no_index: bool = False, skip_installed: bool = False) -> LockTarget:  # fmt: skip
    """The resolver's view of ``target`` (None: a universal resolution).  ``skip_installed``:
    the lock is made over the target's ``[system]`` table as its base environment (MK554 for a
    target without one)."""
    if target is None:
        if skip_installed:
            raise MarkercError("MK554", "lock --skip-installed needs a --target whose [system] table lists the base "
                                        "environment (markerc env writes one)")  # fmt: skip
        return LockTarget(None, ResolverPlatform(None, DEFAULT_PYTHON))
    target = finalize(target)
    if skip_installed and not target.system:
        raise MarkercError("MK554", f"target {target.name or '(command line)'} has no [system] table: lock "
                                    "--skip-installed needs the base environment's distributions (markerc env "
                                    "writes them)")  # fmt: skip
    values = target.bindings()
    bound = {k: v for k, v in values.items() if isinstance(v, str)}
    platform = resolver_platform(bound, target.fact_map(), default_python=DEFAULT_PYTHON)
    sys_platform = bound.get("sys_platform")
    has_cuda, cuda = values.get("has_cuda"), values.get("cuda_version")
    cuda_version = cuda if has_cuda is True and isinstance(cuda, str) else None
    index = engines.torch_index
    backend = index.backend_for(sys_platform=sys_platform, has_cuda=has_cuda, cuda_version=cuda)
    notes: list[str] = []
    pin = None
    if backend is not None and platform.universal:
        notes.append("no torch index: a universal resolution")
    elif backend is not None and no_index:
        notes.append("no torch index: --no-index")
    elif backend is not None and user_sources and index.source == BUILTIN_SOURCE:
        notes.append("no torch index: the package sources given replace every built-in URL")
    elif backend is not None:
        pin = TorchPin(
            backend, index.url_for(backend), tuple(canonical_name(p) for p in index.packages)
        )
    elif cuda_version is not None and index.url:
        notes.append(f"no torch index build for CUDA {cuda_version}")
    base = target.system if skip_installed else None
    return LockTarget(target.name, platform, sys_platform, cuda_version, pin, tuple(notes), base)


def default_lock_target(cs: CompiledSet) -> LockTarget:
    """A target known only from a compiled set's bound markers (no facts, no torch index)."""
    platform = resolver_platform(dict(cs.bound_markers), {}, default_python=DEFAULT_PYTHON)
    return LockTarget(cs.target, platform, dict(cs.bound_markers).get("sys_platform"))


# --------------------------------------------------------------------------- outcomes


#: What happened to one pair of the matrix (the columns of the summary table).
Status = Literal[
    "written", "unchanged", "stale", "missing", "failed", "skipped", "excluded", "pruned"
]
STATUSES: tuple[Status, ...] = get_args(Status)
#: Why a pair failed: its compile, or its resolution (the resolver's answer, or markerc's check
#: of what the resolver wrote).
Cause = Literal[
    "compile",
    "no-solution",
    "sdist-refused",
    "network",
    "cuda-mismatch",
    "invalid-output",
    "resolver",
]


@record
class Outcome:
    """One row of the lock report: a case (file, model, engine, target) and what happened."""

    file: str
    model: str | None
    engine: str
    target: str | None
    status: Status
    output: str | None = None
    reason: str | None = None
    locations: tuple[str, ...] = ()
    code: str | None = None
    cause: Cause | None = None  # failed only

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "model": self.model,
            "engine": self.engine,
            "target": self.target,
            "status": self.status,
            "output": self.output,
            "reason": self.reason,
            "locations": list(self.locations),
            "code": self.code,
            "cause": self.cause,
        }


@record
class CaseRow:
    """Which pair a report row is about: the fields an :class:`Outcome` starts with."""

    file: str
    model: str | None
    engine: str
    target: str | None
    output: str | None = None

    def outcome(self, status: Status, *, reason: str | None = None, locations: tuple[str, ...] = (),
                code: str | None = None, cause: Cause | None = None) -> Outcome:  # fmt: skip
        return Outcome(self.file, self.model, self.engine, self.target, status, self.output,
                       reason, locations, code, cause)  # fmt: skip


# --------------------------------------------------------------------------- exclusions


@record
class Exclusion:
    """``MODEL:ENGINE:TARGET`` shell-style patterns (a missing part is ``*``)."""

    model: str = "*"
    engine: str = "*"
    target: str = "*"
    reason: str | None = None
    source: str = "--exclude"

    def matches(self, model: str, engine: str, target: str) -> bool:
        return (
            fnmatch.fnmatchcase(model, self.model)
            and fnmatch.fnmatchcase(engine, self.engine)
            and fnmatch.fnmatchcase(target, self.target)
        )

    def describe(self) -> str:
        text = f"{self.model}:{self.engine}:{self.target} ({self.source})"
        return f"{text}: {self.reason}" if self.reason else text


def parse_exclusion(spec: object, source: str = "--exclude") -> Exclusion:
    """``"gemma-4:sglang:linux-cuda128"`` or ``{model = ..., engine = ..., target = ..., reason = ...}``."""
    if isinstance(spec, str):
        parts = spec.strip().split(":")
        if not spec.strip() or len(parts) > 3 or any(not p for p in parts):
            raise MarkercError(
                "MK507", f"{source}: exclusion {spec!r} must be MODEL[:ENGINE[:TARGET]] (patterns)"
            )
        model, engine, target = [*parts, "*", "*"][:3]
        return Exclusion(model, engine, target, source=source)
    if isinstance(spec, dict):
        unknown = set(spec) - {"model", "engine", "target", "reason"}
        model, engine, target = (spec.get(k, "*") for k in ("model", "engine", "target"))
        reason = spec.get("reason")
        if (
            unknown
            or not isinstance(model, str)
            or not isinstance(engine, str)
            or not isinstance(target, str)
            or not (model and engine and target)
            or not isinstance(reason, (str, type(None)))
        ):
            raise MarkercError(
                "MK505",
                f"{source}: exclusion {spec!r}: expected model/engine/target patterns and a reason string",
            )
        return Exclusion(model, engine, target, reason=reason, source=source)
    raise MarkercError("MK505", f"{source}: exclusion {spec!r} must be a string or a table")


def load_exclusions(cwd: str = ".") -> tuple[Exclusion, ...]:
    """``[lock] exclude`` of ``markerc.toml`` and ``[tool.markerc.lock] exclude`` of
    ``pyproject.toml`` in ``cwd``."""
    from markerc.compiler.targets import project_tables

    out: list[Exclusion] = []
    for path, keys, table in project_tables(cwd, "lock"):
        where = f"{os.path.basename(path)} [{'.'.join(keys)}]"
        specs = table.get("exclude", []) if isinstance(table, dict) else None
        if not isinstance(specs, list):
            raise MarkercError("MK505", f"{where}: exclude must be a list")
        out += [parse_exclusion(s, where) for s in specs]
    return tuple(out)


# --------------------------------------------------------------------------- the matrix


@record
class Matrix:
    sets: tuple[CompiledSet, ...]
    targets: Mapping[str | None, LockTarget]
    #: pairs that are not cases: excluded, skipped, failed to compile
    outcomes: tuple[Outcome, ...] = ()
    errors: tuple[MarkercError, ...] = ()  # the compile failures, to print
    warnings: tuple[Diagnostic, ...] = field(default=())
    target_names: tuple[str | None, ...] = ()


def build_matrix(
    hubs: Sequence[HubFile],
    *,
    engines: EngineTable,
    engine_spec: Sequence[str],
    model: str | None,
    targets: Sequence[Target | None],
    options: Options,
    exclusions: Iterable[Exclusion] = (),
    fmt: str = "pylock",
    skip_installed: bool = False,
) -> Matrix:
    """Compile every applicable (record, engine, target); record an outcome for every other pair.

    ``options`` is a :class:`markerc.compiler.compile.Options` whose ``target`` is replaced per target.
    With ``engine_spec == ["all"]`` a record that names no engine gets one engine-independent
    case (engine ``default``).  Two targets with one name are an error (MK507).
    """
    from markerc.compiler.compile import ENGINE_LESS, compile_record, make_context, plan_jobs

    excl = tuple(exclusions)
    sources = options.sources
    lock_targets: dict[str | None, LockTarget] = {}
    sets: list[CompiledSet] = []
    outcomes: list[Outcome] = []
    errors: list[MarkercError] = []
    warnings: list[Diagnostic] = []
    names: list[str | None] = []
    for target in targets:
        name = target.name if target is not None else None
        if name in lock_targets:
            raise MarkercError(
                "MK507",
                f"two --target profiles are named {name or UNIVERSAL!r}; give each its own name",
            )
        lt = lock_target(target, engines, user_sources=sources.given, no_index=sources.no_index,
                         skip_installed=skip_installed)  # fmt: skip
        lock_targets[name] = lt
        names.append(name)
        opts = replace(options, target=target if target is not None else Target())
        contexts: dict[str, Context] = {}
        for job in plan_jobs(hubs, engines, engine_spec, model, engine_less=ENGINE_LESS):
            hub, record, engine = job.hub, job.record, job.engine
            model_name = record.name if record.name is not None else case_stem(None, hub.path)
            row = CaseRow(hub.path, record.name, engine.name, name,
                          output_name(hub.path, record.name, engine.name, name, fmt))  # fmt: skip
            rule = next(
                (e for e in excl if e.matches(model_name, engine.name, name or UNIVERSAL)), None
            )
            if rule is not None:
                outcomes.append(
                    row.outcome("excluded", reason=f"excluded by {rule.describe()}", code="MK532")
                )
                continue
            if lt.sys_platform is not None and not engine.runs_on(lt.sys_platform):
                reason = (f"{engine.name} runs on {', '.join(engine.platforms)} only ({engine.source}); "
                          f"target {name or UNIVERSAL} is {lt.sys_platform}")  # fmt: skip
                outcomes.append(row.outcome("skipped", reason=reason, code="MK531",
                                            locations=(str(record.location),)))  # fmt: skip
                continue
            ctx = contexts.get(engine.name)
            if ctx is None:
                ctx = contexts[engine.name] = make_context(engine, engines, opts)
            try:
                compiled = compile_record(hub, record, engine, engines, opts, ctx)
            except MarkercError as exc:
                errors.append(exc)
                where = (str(exc.location),) if exc.location else (str(record.location),)
                outcomes.append(row.outcome("failed", reason=exc.message.splitlines()[0][:300],
                                            locations=where, code=exc.code, cause="compile"))  # fmt: skip
                continue
            warnings += compiled.warnings
            if not compiled.compiled.lines:
                outcomes.append(row.outcome("skipped", code="MK533", locations=(str(record.location),),
                                            reason="no requirements for this engine and target: nothing to lock"))  # fmt: skip
                continue
            sets.append(compiled.compiled)
    return Matrix(
        tuple(sets), lock_targets, tuple(outcomes), tuple(errors), tuple(warnings), tuple(names)
    )


# --------------------------------------------------------------------------- report


def summary(
    outcomes: Iterable[Outcome], targets: Sequence[str | None]
) -> dict[str, dict[Status, int]]:
    """Per target name (``universal`` for none): the count of each status."""
    table = {(t or UNIVERSAL): dict.fromkeys(STATUSES, 0) for t in targets}
    for o in outcomes:
        row = table.setdefault(o.target or UNIVERSAL, dict.fromkeys(STATUSES, 0))
        row[o.status] += 1
    return table


def totals(table: Mapping[str, Mapping[Status, int]]) -> dict[Status, int]:
    """The count of each status over every target of a :func:`summary`."""
    return {s: sum(row[s] for row in table.values()) for s in STATUSES}


def report_json(outcomes: Sequence[Outcome], *, fmt: str, targets: Sequence[str | None],
                extra: Mapping[str, object] | None = None) -> dict[str, object]:  # fmt: skip
    """The ``lock --report FILE`` document (schema ``markerc-lock-report/1``)."""
    from markerc import __version__

    doc: dict[str, object] = {
        "schema": "markerc-lock-report/1",
        "markerc": __version__,
        "format": fmt,
        "targets": [t for t in targets],
        "cases": [o.as_json() for o in outcomes],
        "summary": summary(outcomes, targets),
    }
    doc.update(extra or {})
    return doc


def summary_table(
    outcomes: Sequence[Outcome], targets: Sequence[str | None], *, check: bool
) -> str:
    """The table printed at the end of every run."""
    table = summary(outcomes, targets)
    cols: list[Status] = ["unchanged", "stale", "missing"] if check else ["written", "unchanged"]
    cols += ["failed", "skipped", "excluded"]
    cols += [] if check else ["pruned"]
    width = max([len("target"), *map(len, table)])
    lines = [f"{'target':<{width}}  " + "  ".join(f"{c:>9}" for c in cols)]
    for name, row in table.items():
        lines.append(f"{name:<{width}}  " + "  ".join(f"{row[c]:>9}" for c in cols))
    return "\n".join(lines) + "\n"
