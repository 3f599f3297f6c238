"""The data of a lock run: :class:`Settings` (run-wide), :class:`Request` (one resolution),
:class:`LockJob` (the cases that share one), :class:`LockPlan` and :class:`LockReport`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from markerc.backends import lockfile
from markerc.backends.matrix import Outcome, Status, TorchPin
from markerc.backends.naming import Format
from markerc.compiler.result import CompiledSet, Line
from markerc.diagnostics import MarkercError
from markerc.records import field, record

__all__ = [
    "RESOLVERS",
    "Failure",
    "LockJob",
    "LockPlan",
    "LockReport",
    "Progress",
    "Request",
    "Resolver",
    "Settings",
]

Progress = Callable[[int, int, str, int], None]  # (done, total, what, failed) after each resolution

#: The resolvers (``lock --resolver``).
Resolver = Literal["uv", "pip-compile"]
RESOLVERS: tuple[Resolver, ...] = get_args(Resolver)


@record
class Settings:
    """Run-wide inputs of every request."""

    resolver_version: str
    environment: tuple[tuple[str, str], ...] = ()
    allow_build: bool = False


@record
class Request:
    """Everything one resolution needs, as plain data; its fingerprint is the job key.

    ``files`` are written into an empty temp directory, the resolver runs there with ``args``
    (after the program: the uv binary, or ``python -m piptools compile``) and ``env``, and
    ``reads`` are the files read back.  ``pin``/``pinned``: the PyTorch family pinned to an
    explicit index (``pinned``: the names pinned from the first round on); ``cuda``: the target's
    CUDA, checked against the result.
    """

    fmt: Format
    resolver: Resolver
    files: tuple[tuple[str, str], ...]
    args: tuple[str, ...]
    reads: tuple[str, ...]
    fingerprint: lockfile.Fingerprint = field(compare=False, repr=False)
    env: tuple[tuple[str, str], ...] = ()
    pin: TorchPin | None = None
    pinned: tuple[str, ...] = ()
    cuda: str | None = None
    #: skip-installed (docs/lock.md, "Locks over a base"): the base environment, the compiled
    #: lines, the index option lines, the first round's arguments, the names never provided
    base: tuple[tuple[str, str], ...] | None = None
    lines: tuple[Line, ...] = field(default=(), compare=False, repr=False)
    option_lines: tuple[str, ...] = ()
    resolve_args: tuple[str, ...] = ()
    reinstall: tuple[str, ...] = ()

    def key(self) -> str:
        return self.fingerprint.key

    @property
    def kind(self) -> Literal["pylock", "requirements", "uv.lock"]:
        """What :func:`lockfile.check_output` checks the resolver's output as."""
        return "uv.lock" if self.fmt == "uv" else self.fmt

    @property
    def resolver_files(self) -> tuple[str, ...]:
        """The resolver files the outputs of this request are made of."""
        return ("pyproject.toml", "uv.lock") if self.fmt == "uv" else self.reads


@record
class LockJob:
    key: str  # the fingerprint of the resolution input
    sets: tuple[CompiledSet, ...]  # all cases that share this input
    outputs: tuple[str, ...]  # relative output paths (uv format: pyproject.toml and uv.lock)
    request: Request = field(repr=False, compare=False)
    #: output -> its header's ``resolved by`` line
    resolved_by: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)


#: The statuses of the pairs that are not cases, as :meth:`LockPlan.as_json` lists them.
_NOT_CASES: tuple[Status, ...] = ("skipped", "excluded", "failed")


@record
class LockPlan:
    jobs: tuple[LockJob, ...]
    cases: int
    fmt: Format = "pylock"
    resolver: Resolver = "uv"
    #: pairs that are not cases (skipped, excluded, failed to compile)
    outcomes: tuple[Outcome, ...] = ()
    known: frozenset[str] = frozenset()  # every output path the matrix names (all shards)
    targets: tuple[str | None, ...] = ()

    def saved(self) -> int:
        """Resolutions saved by deduplication: cases minus distinct resolutions."""
        return self.cases - len(self.jobs)

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"format": self.fmt, "resolver": self.resolver}
        out |= {"cases": self.cases, "resolutions": len(self.jobs), "saved": self.saved()}
        out["jobs"] = [{"key": j.key, "outputs": list(j.outputs)} for j in self.jobs]
        for status in _NOT_CASES:
            out[status] = [o.as_json() for o in self.outcomes if o.status == status]
        return out


@record
class Failure:
    """A failed resolution: the error to print once, and the outputs it leaves unwritten."""

    error: MarkercError
    outputs: tuple[str, ...]


class _PathsOf:
    """A read-only attribute of :class:`LockReport`: the output paths of one status."""

    def __init__(self, status: Status) -> None:
        self.status: Status = status

    def __get__(self, report: LockReport, owner: type | None = None) -> tuple[str, ...]:
        return report.paths(self.status)


@record
class LockReport:
    outcomes: tuple[Outcome, ...] = ()
    resolutions: int = 0  # resolver processes run (rounds of one job count once)
    cache_hits: int = 0  # jobs answered by the cache or by existing outputs of the same key
    failures: tuple[Failure, ...] = ()
    resolver_seconds: float = 0.0  # wall time of the resolver processes, summed

    def paths(self, status: Status) -> tuple[str, ...]:
        """The output paths of the cases of ``status``."""
        return tuple(o.output for o in self.outcomes if o.status == status and o.output)

    written = _PathsOf("written")
    unchanged = _PathsOf("unchanged")
    stale = _PathsOf("stale")
    missing = _PathsOf("missing")
    pruned = _PathsOf("pruned")

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def up_to_date(self) -> bool:
        return not self.stale and not self.missing
