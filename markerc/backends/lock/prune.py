"""Orphans: lock files markerc wrote under ``--out`` that no case of the matrix writes any more,
within the scope a run speaks for (its format, targets, and the models and engines it named);
``--prune`` removes them, ``--check`` reports them stale (MK536)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence

from markerc.backends import lockfile
from markerc.backends.lock.jobs import LockPlan
from markerc.backends.matrix import CaseRow, Outcome
from markerc.backends.naming import UNIVERSAL, engine_of_file, engine_part
from markerc.reading import first_line
from markerc.records import record

__all__ = ["PruneScope", "orphan_outcome", "orphans", "remove_inside"]


@record
class PruneScope:
    """Which files under ``--out`` a run speaks for: its format, its targets (folder names), and,
    when the selection named them, its models and engines."""

    fmt: str
    targets: frozenset[str]
    models: frozenset[str] | None = None  # folder names; None: every model
    engines: frozenset[str] | None = None  # file-name engine parts; None: every engine

    def covers(self, rel: str) -> bool:
        parts = rel.split("/")
        if self.fmt == "uv":
            if parts[-1] not in ("uv.lock", "pyproject.toml") or len(parts) not in (2, 3):
                return False
            target = parts[1] if len(parts) == 3 else UNIVERSAL
            engine_ok = True
        else:
            if len(parts) != 3:
                return False
            engine = engine_of_file(parts[2], self.fmt)
            if engine is None:
                return False
            target, engine_ok = parts[1], self.engines is None or engine in self.engines
        return (
            target in self.targets
            and engine_ok
            and (self.models is None or parts[0] in self.models)
        )

    @classmethod
    def of_selection(cls, fmt: str, target_names: Iterable[str | None], hubs: Sequence[str],
                     model: str | None, engines: Sequence[str]) -> PruneScope:  # fmt: skip
        """The scope of a run over ``hubs`` on ``target_names`` (None: no target) for ``model``
        (None: every model) and the split engine list ``engines`` (``all``: every engine)."""
        from markerc.compiler.engine_table import means_all_engines
        from markerc.files import case_stem, safe_name

        targets = frozenset(safe_name(t) if t else UNIVERSAL for t in target_names)
        models = None if model is None else frozenset(case_stem(model, h) for h in hubs)
        parts = (
            None if means_all_engines(engines) else frozenset(engine_part(e, fmt) for e in engines)
        )
        return cls(fmt, targets, models, parts)

    @staticmethod
    def engine_part(engine: str, fmt: str) -> str:
        """The engine as a lock file name carries it (:func:`markerc.backends.naming.engine_part`)."""
        return engine_part(engine, fmt)


def orphans(out_dir: str, plan: LockPlan, scope: PruneScope) -> list[str]:
    """Lock files markerc wrote under ``out_dir``, in ``scope``, that no case of the matrix
    writes any more (sorted, ``/``-separated)."""
    found: list[str] = []
    if not os.path.isdir(out_dir):
        return found
    for root, dirs, names in os.walk(out_dir):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(root, d))
        )
        for name in sorted(names):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, out_dir).replace(os.sep, "/")
            if rel in plan.known or not scope.covers(rel) or os.path.islink(path):
                continue
            probe = path if not rel.endswith("uv.lock") else os.path.join(root, "pyproject.toml")
            if first_line(probe) == lockfile.HEADER_FIRST:
                found.append(rel)
    return found


def orphan_outcome(rel: str, pruned: bool, plan: LockPlan) -> Outcome:
    """The report row of one orphan: ``pruned`` (removed) or ``stale`` (``--check``)."""
    parts = rel.split("/")
    target = parts[1] if len(parts) == 3 else None
    engine = "*" if plan.fmt == "uv" else engine_of_file(parts[-1], plan.fmt) or parts[-1]
    reason = "no case of the matrix writes this file any more"
    reason += "; removed (--prune)" if pruned else "; run with --prune to remove it"
    row = CaseRow("", parts[0], engine, None if target == UNIVERSAL else target, rel)
    return row.outcome("pruned" if pruned else "stale", reason=reason, code="MK536")


def remove_inside(out_dir: str, rel: str) -> None:
    """Delete one lock file found by :func:`orphans` (never outside ``out_dir``, never a link)."""
    path = os.path.join(out_dir, *rel.split("/"))
    base = os.path.realpath(out_dir)
    if os.path.islink(path) or os.path.commonpath([base, os.path.realpath(path)]) != base:
        return
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
