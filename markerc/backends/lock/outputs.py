"""What a job writes: its cases (one output each; one model folder each for ``--format uv``),
the files of each output, and each output's text (the resolver's file under a markerc
header that names the re-create command and the fingerprint)."""

from __future__ import annotations

from collections.abc import Mapping

from markerc.backends import lockfile
from markerc.backends.lock.jobs import LockJob
from markerc.backends.matrix import CaseRow
from markerc.backends.naming import case_dir
from markerc.compiler.result import CompiledSet

__all__ = ["case_row", "cases", "job_outputs", "render", "source_name"]


def _uv_dir(cs: CompiledSet) -> str:
    return case_dir(cs.file, cs.model, cs.target, "uv")


def cases(job: LockJob) -> list[tuple[CompiledSet, str]]:
    """(set, output) per case of a job; ``--format uv``: one case per model folder (uv.lock)."""
    if job.request.fmt != "uv":  # one output per set, in the same order
        return list(zip(job.sets, job.outputs, strict=False))
    return [(next(s for s in job.sets if _uv_dir(s) == o.rsplit("/", 1)[0]), o)
            for o in job.outputs if o.endswith("uv.lock")]  # fmt: skip


def job_outputs(job: LockJob, output: str) -> list[str]:
    """The files of one case: its output (``--format uv``: ``pyproject.toml`` and ``uv.lock``)."""
    if job.request.fmt == "uv":
        base = output.rsplit("/", 1)[0]
        return [f"{base}/pyproject.toml", f"{base}/uv.lock"]
    return [output]


def case_row(job: LockJob, cs: CompiledSet, output: str) -> CaseRow:
    """Which case a report row is about (``--format uv``: every engine of the model's uv.lock)."""
    engine = cs.engine
    if job.request.fmt == "uv":
        engine = ",".join(s.engine for s in job.sets if _uv_dir(s) == _uv_dir(cs))
    return CaseRow(cs.file, cs.model, engine, cs.target, output)


def _command_for(job: LockJob, output: str) -> str:
    """The header's re-create command of one output (built from its case)."""
    if job.request.fmt == "uv":
        base = output.rsplit("/", 1)[0]
        members = [cs for cs in job.sets if _uv_dir(cs) == base] or list(job.sets)
        cs = members[0]
        return lockfile.lock_command(
            cs.file, cs.model, [m.engine for m in members], cs.target, "uv"
        )
    cs = job.sets[job.outputs.index(output)]  # one output per set, in the same order
    return lockfile.lock_command(cs.file, cs.model, [cs.engine], cs.target, job.request.fmt)


def source_name(job: LockJob, output: str) -> tuple[str, bool]:
    """Which resolver file an output holds, and whether it carries the markerc header."""
    if job.request.fmt == "uv":
        name = output.rsplit("/", 1)[-1]
        return name, name == "pyproject.toml"
    return job.request.reads[0], True


def render(job: LockJob, output: str, files: Mapping[str, str]) -> str:
    """The text of one output from the resolver's ``files`` (by name)."""
    name, headed = source_name(job, output)
    if not headed:
        return files[name]
    extra = f" uv.lock={lockfile.text_digest(files['uv.lock'])}" if job.request.fmt == "uv" else ""
    resolved_by = dict(job.resolved_by).get(output)
    return lockfile.render(
        _command_for(job, output), job.request.fingerprint, files[name], extra, resolved_by
    )
