"""Lock back end: compiled sets -> ``uv pip compile`` / ``pip-compile`` / ``uv lock`` -> lock files.

This package is the public entry (``from markerc.backends import lock``); each step is one
module:

* :func:`plan` (:mod:`.planning`, pure): one *case* per compiled set (per model for
  ``--format uv``), each with an output path (:mod:`markerc.backends.naming`) and a resolution
  *request* (the exact input files, resolver arguments and target facts: :mod:`.uv_compile`,
  :mod:`.pip_compile`, :mod:`.uv_project`, sharing :mod:`.inputs`).  Cases whose requests are
  equal share one :class:`LockJob` (:mod:`.jobs`), keyed by the request's fingerprint
  (:mod:`markerc.backends.lockfile`), so N identical models resolve once.  ``shard=(I, N)``
  keeps every N-th job by sorted key (:mod:`.sharding`).
* :func:`run_lock` (:mod:`.run`): answers each job from the cache (``<out_dir>/.markerc-cache``
  by default, with its own ``.gitignore``), or from existing outputs written for the same
  fingerprint (:mod:`.cache`), or by running the resolver (in parallel with ``jobs > 1``) in a
  private temp directory (:mod:`.resolve`); every resolution runs, each success is written
  (:mod:`.outputs`; one staged set, :func:`markerc.files.write_all`), each failure is an outcome
  with the hub locations involved (:mod:`.failures`).  With ``check=True`` nothing is resolved
  or written: each output is compared with its fingerprint and content digest (:mod:`.verify`).
  Orphaned lock files are found (and with ``--prune`` removed) by :mod:`.prune`.
* Resolution is wheels-only unless ``allow_build`` (uv ``--no-build``): no code from the hub runs.
  What the resolver prints is made printable and bounded; what it writes is parsed before it is
  kept (MK539); a CUDA target's lock never pins another CUDA's builds (MK540).

See ``docs/lock.md``.
"""

from __future__ import annotations

from markerc.backends.lock.cache import CACHE_DIRNAME
from markerc.backends.lock.failures import ALLOW_BUILD_FLAG, ResolverError, classify, resolver_error
from markerc.backends.lock.jobs import (
    RESOLVERS,
    Failure,
    LockJob,
    LockPlan,
    LockReport,
    Progress,
    Request,
    Resolver,
    Settings,
)
from markerc.backends.lock.planning import plan, resolver_settings
from markerc.backends.lock.prune import PruneScope, orphans
from markerc.backends.lock.resolve import resolve_job
from markerc.backends.lock.run import run_lock
from markerc.backends.lock.sharding import parse_shard, shard_jobs
from markerc.backends.lock.uv_project import normalize_extra, pins_pyproject, uv_pyproject
from markerc.backends.lock.verify import verify_lock
from markerc.backends.naming import FORMATS, Format, output_path

__all__ = [
    "ALLOW_BUILD_FLAG",
    "CACHE_DIRNAME",
    "FORMATS",
    "RESOLVERS",
    "Failure",
    "Format",
    "LockJob",
    "LockPlan",
    "LockReport",
    "Progress",
    "PruneScope",
    "Request",
    "Resolver",
    "ResolverError",
    "Settings",
    "classify",
    "normalize_extra",
    "orphans",
    "output_path",
    "parse_shard",
    "pins_pyproject",
    "plan",
    "resolve_job",
    "resolver_error",
    "resolver_settings",
    "run_lock",
    "shard_jobs",
    "uv_pyproject",
    "verify_lock",
]
