"""Planning a lock run (pure apart from asking the resolver for its version): one *case* per
compiled set (per model folder for ``--format uv``), each with its output path and resolution
request; cases whose requests are equal share one :class:`LockJob`, keyed by the request's
fingerprint, so N identical models resolve once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markerc.backends.lock.jobs import RESOLVERS, LockJob, LockPlan, Request, Resolver, Settings
from markerc.backends.lock.pip_compile import pip_compile_request
from markerc.backends.lock.sharding import shard_jobs, shard_of
from markerc.backends.lock.uv_compile import uv_compile_request
from markerc.backends.lock.uv_project import uv_lock_request
from markerc.backends.matrix import LockTarget, Outcome, default_lock_target
from markerc.backends.naming import case_dir, check_format, output_path
from markerc.compiler.result import CompiledSet
from markerc.diagnostics import MarkercError

__all__ = ["check_resolver", "plan", "resolver_settings"]


def check_resolver(resolver: str) -> Resolver:
    """``resolver`` as a :data:`Resolver`; MK507 for anything else."""
    for known in RESOLVERS:
        if resolver == known:
            return known
    raise MarkercError("MK507", f"unknown resolver {resolver!r} (choose {', '.join(RESOLVERS)})")


def resolver_settings(resolver: str = "uv", *, allow_build: bool = False, program: Sequence[str] | None = None,
                      environ: Mapping[str, str] | None = None) -> Settings:  # fmt: skip
    """The run-wide inputs: the resolver's version (one ``--version`` call) and the ``UV_*``
    settings that change its answer."""
    from markerc.backends.lock.resolve import resolver_program
    from markerc.backends.uvtool import resolution_environment, tool_version

    if resolver == "pip-compile":
        from importlib.metadata import PackageNotFoundError, version

        try:
            label = f"pip-compile {version('pip-tools')} (pip {version('pip')})"
        except PackageNotFoundError:
            label = "pip-compile (not installed)"
        return Settings(label, (), allow_build)
    return Settings(
        tool_version(program or resolver_program("uv")),
        resolution_environment(environ),
        allow_build,
    )


def plan(
    sets: Sequence[CompiledSet],
    *,
    fmt: str = "pylock",
    resolver: str = "uv",
    shard: tuple[int, int] | None = None,
    targets: Mapping[str | None, LockTarget] | None = None,
    settings: Settings | None = None,
    outcomes: Sequence[Outcome] = (),
    target_names: Sequence[str | None] | None = None,
) -> LockPlan:
    """Deduplicated resolution jobs for ``sets``.

    ``targets`` maps a set's target name to what the resolver must know about it (a name not
    there: derived from the set's bound markers); ``settings`` defaults to
    :func:`resolver_settings` (it asks the resolver for its version).  ``outcomes`` are the pairs
    that are not cases (from :func:`markerc.backends.matrix.build_matrix`); with ``shard`` each lands in
    exactly one shard.
    """
    form = check_format(fmt)
    by = check_resolver(resolver)
    if by == "pip-compile" and form != "requirements":
        raise MarkercError("MK507", "the pip-compile resolver writes only --format requirements")
    settings = settings or resolver_settings(by)
    known_targets = dict(targets or {})

    def target_of(cs: CompiledSet) -> LockTarget:
        return known_targets.get(cs.target) or default_lock_target(cs)

    cases: list[tuple[tuple[str, ...], tuple[CompiledSet, ...], Request]] = []
    described: dict[str, str] = {}
    if form == "uv":
        groups: dict[str, list[CompiledSet]] = {}
        for cs in sets:
            groups.setdefault(case_dir(cs.file, cs.model, cs.target, form), []).append(cs)
        for base, group in groups.items():
            first = group[0]
            project = case_dir(first.file, first.model, None, "uv").split("/")[0]
            request = uv_lock_request(project, group, target_of(first), settings)
            cases.append(((f"{base}/pyproject.toml", f"{base}/uv.lock"), tuple(group), request))
            described[f"{base}/pyproject.toml"] = (
                f"{settings.resolver_version} for {target_of(first).describe()}"
            )
    else:
        for cs in sets:
            if by == "pip-compile":
                request = pip_compile_request(cs, target_of(cs), settings)
            else:
                request = uv_compile_request(cs, form, target_of(cs), settings)
            cases.append(((output_path(cs, form),), (cs,), request))
            described[output_path(cs, form)] = (
                f"{settings.resolver_version} for {target_of(cs).describe()}"
            )

    by_path: dict[str, tuple[str, CompiledSet]] = {}
    grouped: dict[str, tuple[list[str], list[CompiledSet], Request]] = {}
    n_cases = 0
    for outputs, members, request in cases:
        key = request.key()
        prior = by_path.get(outputs[0])
        if prior is not None:
            if prior[0] == key:
                continue  # the same case listed twice
            raise MarkercError(
                "MK507",
                f"two cases write {outputs[0]}: {_describe_set(prior[1])} and "
                f"{_describe_set(members[0])}; select one with --model or --engine",
            )
        by_path[outputs[0]] = (key, members[0])
        n_cases += 1
        entry = grouped.setdefault(key, ([], [], request))
        entry[0].extend(outputs)
        entry[1].extend(members)
    jobs = [LockJob(k, tuple(s), tuple(o), r, tuple((p, described[p]) for p in o if p in described))
            for k, (o, s, r) in grouped.items()]  # fmt: skip
    # outputs a run speaks for: its cases, and the pairs it keeps (excluded, failed to compile);
    # a skipped pair's old lock is an orphan (--prune removes it)
    kept = [o.output for o in outcomes if o.output and o.status in ("excluded", "failed")]
    known = frozenset([p for o, _s, _r in cases for p in o] + kept)
    kept_outcomes = tuple(outcomes)
    if shard is not None:
        jobs = shard_jobs(jobs, shard)
        per_case = 2 if form == "uv" else 1
        n_cases = sum(len(j.outputs) // per_case for j in jobs)
        kept_outcomes = tuple(
            o for o in outcomes if shard_of(o.output or o.model or "", shard[1]) == shard[0] - 1
        )
    names = (
        tuple(target_names)
        if target_names is not None
        else tuple(dict.fromkeys(cs.target for cs in sets))
    )
    return LockPlan(tuple(jobs), n_cases, form, by, kept_outcomes, known, names)


def _describe_set(cs: CompiledSet) -> str:
    target = f", target {cs.target}" if cs.target else ""
    return f"{cs.file} model {cs.model or '-'} engine {cs.engine}{target}"
