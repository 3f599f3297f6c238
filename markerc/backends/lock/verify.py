"""Checking locks without resolving: ``lock --check`` (is each output what a run would write
now?) and :func:`verify_lock` (may ``install --lock`` install this file?), for a compiled set
with :func:`verify_install_lock`."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from markerc.backends import lockfile
from markerc.backends.lock.jobs import LockJob, LockPlan, LockReport
from markerc.backends.lock.outputs import case_row, cases, render, source_name
from markerc.backends.lock.prune import PruneScope, orphan_outcome, orphans
from markerc.backends.matrix import Outcome, Status
from markerc.backends.uvtool import read_text
from markerc.diagnostics import MarkercError

if TYPE_CHECKING:
    from markerc.compiler.engines import EngineTable
    from markerc.compiler.indexes import UserSources
    from markerc.compiler.result import CompiledSet
    from markerc.compiler.targets import Target

__all__ = ["check_plan", "verify_install_lock", "verify_lock"]


def check_plan(plan: LockPlan, out_dir: str, prune: PruneScope | None) -> LockReport:
    """Each output ``unchanged``, ``stale`` (with the reason) or ``missing``; with ``prune``,
    each orphan in that scope ``stale``."""
    outcomes: list[Outcome] = []
    for job in plan.jobs:
        for cs, output in cases(job):
            status, reason, code = _check_output(job, out_dir, output)
            outcomes.append(case_row(job, cs, output).outcome(status, reason=reason, code=code))
    if prune is not None:
        outcomes += [orphan_outcome(rel, False, plan) for rel in orphans(out_dir, plan, prune)]
    return LockReport(tuple(plan.outcomes) + tuple(outcomes), 0, 0)


def _check_output(job: LockJob, out_dir: str, output: str) -> tuple[Status, str | None, str | None]:
    """(status, reason, code) of one output, without resolving anything."""
    headed = output.rsplit("/", 1)[0] + "/pyproject.toml" if job.request.fmt == "uv" else output
    text = read_text(os.path.join(out_dir, *headed.split("/")))
    lock_text = read_text(os.path.join(out_dir, *output.split("/")))
    if text is None or lock_text is None:
        return "missing", "no lock file: run markerc lock without --check", "MK535"
    parsed = lockfile.parse(text)
    if parsed is None:
        what = (
            "an older markerc header" if lockfile.written_by_markerc(text) else "no markerc header"
        )
        return "stale", f"{what}: re-create it with markerc lock", "MK534"
    if not parsed.intact() or (
        job.request.fmt == "uv" and parsed.extra("uv.lock") != lockfile.text_digest(lock_text)
    ):
        return (
            "stale",
            "the file was changed after markerc wrote it (its content digest does not match)",
            "MK537",
        )
    if parsed.key != job.key:
        reasons = lockfile.stale_reasons(parsed, job.request.fingerprint)
        return "stale", "; ".join(reasons) or "the resolution input changed", "MK534"
    files = {source_name(job, headed)[0]: parsed.body}
    if job.request.fmt == "uv":
        files["uv.lock"] = lock_text
    if render(job, headed, files) != text:
        return (
            "stale",
            "the header is out of date (another hub file name, model or target name)",
            "MK534",
        )
    return "unchanged", None, None


def verify_lock(path: str, job: LockJob | None = None) -> None:
    """Before installing ``path``: MK545 without a markerc header, MK537 when its content no
    longer matches what markerc wrote, MK534 when ``job`` (the compiled set's resolution) has
    other requirements, sources or platform than the lock was made for."""
    text = read_text(path)
    if text is None:
        raise MarkercError("MK205", f"cannot read lock file {path}: no such file")
    parsed = lockfile.parse(text)
    if parsed is None:
        raise MarkercError("MK545", f"{path} has no markerc lock header; install --lock installs only "
                                    "locks markerc wrote (it verifies them first)")  # fmt: skip
    if not parsed.intact():
        raise MarkercError("MK537", f"{path} was changed after markerc wrote it (its content digest does "
                                    "not match); re-create it with markerc lock")  # fmt: skip
    if job is not None and parsed.key != job.key:
        reasons = lockfile.stale_reasons(
            parsed, job.request.fingerprint, only=("requirements", "sources", "platform")
        )
        if reasons:
            raise MarkercError("MK534", f"{path} is stale for this model, engine and target: "
                                        + "; ".join(reasons) + "; re-create it with markerc lock")  # fmt: skip


def verify_install_lock(path: str, cs: CompiledSet, target: Target, engines: EngineTable,
                        sources: UserSources, *, allow_build: bool) -> None:  # fmt: skip
    """``install --lock``: ``path`` must be a lock markerc wrote, unchanged, for ``cs`` on
    ``target`` (:func:`verify_lock` against the resolution a lock run would plan for it now;
    over the base environment when the lock records one)."""
    from markerc.backends.base import read_provided
    from markerc.backends.install_argv import is_pylock
    from markerc.backends.lock.jobs import Settings
    from markerc.backends.lock.planning import plan
    from markerc.backends.matrix import lock_target

    fmt = "pylock" if is_pylock(path) else "requirements"
    over_base = read_provided(read_text(path) or "", fmt) is not None
    lt = lock_target(target, engines, user_sources=sources.given, no_index=sources.no_index,
                     skip_installed=over_base)  # fmt: skip
    settings = Settings("(not compared)", (), allow_build)
    verify_lock(path, plan([cs], fmt=fmt, targets={cs.target: lt}, settings=settings).jobs[0])
