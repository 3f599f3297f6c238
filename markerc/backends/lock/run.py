"""Running a lock plan: answer each job from the cache or from existing outputs, resolve the
rest, write every success (one staged set, :func:`markerc.files.write_all`), report every
failure with the hub locations involved, and prune orphans when asked."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from markerc.backends.lock.cache import CACHE_DIRNAME, cache_load, cache_store, from_outputs
from markerc.backends.lock.failures import failure_cause, failure_locations, failure_reason
from markerc.backends.lock.jobs import Failure, LockJob, LockPlan, LockReport, Progress
from markerc.backends.lock.outputs import case_row, cases, job_outputs, render
from markerc.backends.lock.prune import PruneScope, orphan_outcome, orphans, remove_inside
from markerc.backends.lock.resolve import resolve_all
from markerc.backends.lock.verify import check_plan
from markerc.backends.matrix import Outcome
from markerc.backends.uvtool import Runner, read_text

__all__ = ["run_lock"]


def run_lock(
    plan: LockPlan,
    out_dir: str,
    *,
    cache_dir: str | None = None,
    jobs: int = 1,
    check: bool = False,
    progress: Progress | None = None,
    runner: Runner | None = None,
    refresh: bool = False,
    programs: Mapping[str, Sequence[str]] | None = None,
    prune: PruneScope | None = None,
) -> LockReport:
    """Resolve what the cache cannot answer, then write (or, with ``check``, compare) outputs.

    ``cache_dir`` None means ``<out_dir>/.markerc-cache``.  ``refresh`` ignores cached answers and
    existing outputs (re-resolves everything).  ``runner`` replaces :func:`uvtool.run_process`,
    ``programs`` the resolver commands (by resolver name).  Every job runs; each success is
    written, each failure becomes ``failed`` outcomes (and a :class:`Failure` to print).  With
    ``check`` nothing is resolved or written: each output is ``unchanged``, ``stale`` (with the
    reason) or ``missing``.  ``prune``: lock files in that scope that no case writes any more are
    removed (``pruned``), or with ``check`` reported ``stale``.
    """
    if check:
        return check_plan(plan, out_dir, prune)
    cache = cache_dir if cache_dir is not None else os.path.join(out_dir, CACHE_DIRNAME)
    answers: dict[str, dict[str, str]] = {}
    todo: list[LockJob] = []
    for job in plan.jobs:
        found = None if refresh else (cache_load(cache, job) or from_outputs(out_dir, job))
        if found is None:
            todo.append(job)
        else:
            answers[job.key] = found
    hits = len(answers)
    timer: list[float] = []
    resolved, errors = resolve_all(todo, jobs=jobs, runner=runner, progress=progress,
                                   programs=programs, timer=timer)  # fmt: skip
    answers.update(resolved)
    for job in todo:
        if job.key in resolved:
            cache_store(cache, job, resolved[job.key])

    outcomes: list[Outcome] = []
    files: dict[str, str] = {}
    for job in plan.jobs:
        error = errors.get(job.key)
        for cs, output in cases(job):
            row = case_row(job, cs, output)
            if error is not None:
                outcomes.append(row.outcome("failed", reason=failure_reason(error),
                                            locations=failure_locations(job, error), code=error.code,
                                            cause=failure_cause(error)))  # fmt: skip
                continue
            for rel in job_outputs(job, output):
                content = render(job, rel, answers[job.key])
                if read_text(os.path.join(out_dir, *rel.split("/"))) != content:
                    files[rel] = content
            outcomes.append(row.outcome("written" if output in files else "unchanged"))
    if files:
        from markerc.files import write_all

        write_all(files, out_dir)
    if prune is not None:
        for rel in orphans(out_dir, plan, prune):
            remove_inside(out_dir, rel)
            outcomes.append(orphan_outcome(rel, True, plan))
    failures = tuple(Failure(errors[j.key], j.outputs) for j in plan.jobs if j.key in errors)
    return LockReport(tuple(plan.outcomes) + tuple(outcomes), len(todo), hits, failures, sum(timer))
