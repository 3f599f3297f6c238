"""A failed resolution as the user sees it: the resolver's own (printable, bounded) text, its
cause (no solution, sdist refused, network, ...), the line that decided it, and the hub
locations of the requirements it names."""

from __future__ import annotations

import re

from markerc.backends.lock.inputs import requirement_name
from markerc.backends.lock.jobs import LockJob
from markerc.backends.matrix import Cause
from markerc.backends.uvtool import trim_output
from markerc.compiler.result import CompiledSet, Line
from markerc.compiler.targets import canonical_name
from markerc.diagnostics import Location, MarkercError

__all__ = [
    "ALLOW_BUILD_FLAG",
    "ResolverError",
    "classify",
    "failure_cause",
    "failure_locations",
    "failure_reason",
    "resolver_error",
]

#: The flag that lets a resolution build sdists (run their build backends).
ALLOW_BUILD_FLAG = "--allow-build"

_NETWORK = re.compile(r"Failed to fetch|error sending request|dns error|Connection (refused|reset)|"
                      r"client error \(Connect\)|timed out|network was disabled|Could not connect", re.I)  # fmt: skip
_NO_BUILD = re.compile(r"building from source is disabled|marked as `?--no-build|no usable wheels.*--no-build|"
                       r"--only-binary|building source distributions (for `[^`]*` )?is disabled",
                       re.I | re.S)  # fmt: skip
_URL = re.compile(r"https?://[^\s/`'\"]+")
#: The cause of a failure that is no resolver error (the output markerc checks).
_CAUSES: dict[str, Cause] = {"MK539": "invalid-output", "MK540": "cuda-mismatch"}


class ResolverError(MarkercError):
    """The resolver failed: :class:`MarkercError` plus its cause, the line that decided it, and
    the resolver's trimmed text (to find the requirements it names)."""

    def __init__(self, code: str, message: str, *, cause: Cause, deciding: str, said: str,
                 location: Location | None = None, notes: tuple[str, ...] = ()) -> None:  # fmt: skip
        super().__init__(code, message, location=location, notes=notes)
        self.cause = cause
        self.deciding = deciding
        self.said = said


def classify(stderr: str) -> tuple[Cause, str]:
    """(cause, code) of a resolver failure from its message."""
    if _NO_BUILD.search(stderr):
        return "sdist-refused", "MK538"
    if _NETWORK.search(stderr):
        return "network", "MK541"
    if (
        "No solution found" in stderr
        or "ResolutionImpossible" in stderr
        or "Could not find a version" in stderr
    ):
        return "no-solution", "MK506"
    return "resolver", "MK506"


def _deciding_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for prefix in ("cause:", "hint:", "error:"):
        for ln in lines:
            if ln.lower().startswith(prefix):
                return ln[len(prefix) :].strip()[:300]
    return (lines[0] if lines else "failed")[:300]


def resolver_error(job: LockJob, stderr: str, returncode: int) -> ResolverError:
    """The failure of one job: uv's own (printable, bounded) text, its cause, and the hub
    locations of the requirements it names (each once, however many engines share the job)."""
    text = trim_output(stderr) or f"exit status {returncode}"
    cause, code = classify(text)
    deciding = _deciding_line(text)
    what = job.outputs[0] + (f" (and {len(job.outputs) - 1} more)" if len(job.outputs) > 1 else "")
    lines = [f"{job.request.resolver} could not resolve {what} (exit status {returncode}):"]
    lines += [f"  | {ln}" for ln in text.splitlines()]
    notes: list[str] = []
    if cause == "sdist-refused":
        notes.append(f"markerc resolves with wheels only, so that no code from the hub runs during lock; "
                     f"{ALLOW_BUILD_FLAG} lets the resolver build sdists (it runs their build backends)")  # fmt: skip
    elif cause == "network":
        hosts = sorted({m.group(0).split("://", 1)[1] for m in _URL.finditer(text)})
        notes.append("a package index could not be reached from this machine"
                     + (f" ({', '.join(hosts)})" if hosts else "")
                     + ": a cause of the environment, not of the hub")  # fmt: skip
        deciding = f"{notes[-1]}; uv: {deciding}"
    location: Location | None = None
    involved = _involved_lines(job, text)
    if involved:
        lines.append("requirements involved:")
        seen: set[tuple[str, str]] = set()
        for cs, line in involved:
            where = line.describe(cs.strings)
            if (line.render(), where) in seen:
                continue
            seen.add((line.render(), where))
            lines.append(f"  {line.render()}  from {where}")
            if location is None:
                location = line.location(cs.strings)
    return ResolverError(code, "\n".join(lines), cause=cause, deciding=deciding, said=text,
                         location=location, notes=tuple(notes))  # fmt: skip


def _involved_lines(job: LockJob, stderr: str) -> list[tuple[CompiledSet, Line]]:
    """The lines (with their sets: an origin's position is its set's) a resolver's message
    names, else every line; each text once."""
    words = {canonical_name(w) for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9._-]*", stderr)}
    words |= {canonical_name(w.rstrip(".")) for w in list(words)}
    every: list[tuple[CompiledSet, Line]] = []
    seen: set[str] = set()
    for cs in job.sets:
        for line in cs.lines:
            if line.render() not in seen:
                seen.add(line.render())
                every.append((cs, line))
    named = [(cs, ln) for cs, ln in every if requirement_name(ln.requirement) in words]
    return named or every


def failure_locations(job: LockJob, error: MarkercError) -> tuple[str, ...]:
    """The hub locations of the requirements a failure involves, each once."""
    said = error.said if isinstance(error, ResolverError) else error.message
    lines = _involved_lines(job, said)
    return tuple(
        dict.fromkeys(
            str(loc) for cs, ln in lines for o in ln.origins if (loc := cs.location(o)) is not None
        )
    )


def failure_reason(error: MarkercError) -> str:
    """The report's one-line reason of a failure."""
    reason = error.deciding if isinstance(error, ResolverError) else error.message.splitlines()[0]
    return reason[:300]


def failure_cause(error: MarkercError) -> Cause:
    if isinstance(error, ResolverError):
        return error.cause
    return _CAUSES.get(error.code, "resolver")
