"""Answers without resolving: the resolution cache (``<out_dir>/.markerc-cache`` by default,
one JSON file per job key, with its own ``.gitignore``) and outputs already on disk that were
written for the same key and not edited since."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from markerc.backends import lockfile
from markerc.backends.lock.jobs import LockJob
from markerc.backends.uvtool import read_text
from markerc.diagnostics import MarkercError
from markerc.files import atomic_write

__all__ = ["CACHE_DIRNAME", "cache_load", "cache_store", "from_outputs"]

CACHE_DIRNAME = ".markerc-cache"


def _cache_path(cache_dir: str, key: str) -> str:
    return os.path.join(cache_dir, f"{key}.json")


def cache_load(cache_dir: str, job: LockJob) -> dict[str, str] | None:
    """The resolver files cached for ``job``'s key, or None."""
    from markerc.reading import read_text as read_bounded

    try:
        doc = json.loads(read_bounded(_cache_path(cache_dir, job.key)))
    except (MarkercError, ValueError):
        return None
    files = doc.get("files") if isinstance(doc, dict) and doc.get("key") == job.key else None
    names = job.request.resolver_files
    if not isinstance(files, dict) or not all(isinstance(files.get(n), str) for n in names):
        return None
    return {n: files[n] for n in names}


def cache_store(cache_dir: str, job: LockJob, files: Mapping[str, str]) -> None:
    ignore = os.path.join(cache_dir, ".gitignore")
    if not os.path.exists(ignore):  # the cache may live inside a committed lock folder
        atomic_write(ignore, "# markerc's resolution cache: never commit it\n*\n")
    doc = {"key": job.key, "format": job.request.fmt, "resolver": job.request.resolver,
           "files": dict(files)}  # fmt: skip
    atomic_write(_cache_path(cache_dir, job.key), json.dumps(doc, indent=1, sort_keys=True) + "\n")


def from_outputs(out_dir: str, job: LockJob) -> dict[str, str] | None:
    """Answer a job from outputs already on disk, written for the same key and not edited since."""
    if job.request.fmt == "uv":
        base = job.outputs[0].rsplit("/", 1)[0]
        parsed = lockfile.parse(read_text(os.path.join(out_dir, base, "pyproject.toml")))
        lock = read_text(os.path.join(out_dir, base, "uv.lock"))
        if parsed is None or lock is None or parsed.key != job.key or not parsed.intact():
            return None
        if parsed.extra("uv.lock") != lockfile.text_digest(lock):
            return None
        return {"pyproject.toml": parsed.body, "uv.lock": lock}
    for output in job.outputs:
        parsed = lockfile.parse(read_text(os.path.join(out_dir, output)))
        if parsed is not None and parsed.key == job.key and parsed.intact():
            return {job.request.reads[0]: parsed.body}
    return None
