"""``markerc report``: the model x (engine x target) matrix, built.

Each cell is one of :data:`STATUSES`, decided in one place (:func:`cell_status`) from the
compile (no resolution, no network), the lock folder and the last ``markerc lock --report``
JSON.  :mod:`markerc.review.report_render` renders the matrix as one static HTML page, Markdown
(CI summaries) or JSON.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

from markerc.records import record
from markerc.review.sources import Cell, CellKey, LockCase, ModelLabels, lock_exists, lock_path

#: A cell's status: locked, compiles (no lock), stale lock, skipped by the last lock run,
#: fails (to compile or to lock), not applicable (no record of the model for the engine).
Status = Literal["locked", "compiles", "stale", "skipped", "failed", "na"]
#: Cell statuses, best first.
STATUSES: tuple[Status, ...] = ("locked", "compiles", "stale", "skipped", "failed", "na")


@record
class ReportCell:
    engine: str
    target: str | None
    status: Status
    reason: str | None = None
    lock: str | None = None  # the lock file's path relative to the lock folder


@record
class ReportRow(ModelLabels):
    file: str
    model: str | None
    cells: tuple[ReportCell, ...]


@record
class Matrix:
    hubs: tuple[str, ...]
    engines: tuple[str, ...]
    targets: tuple[str | None, ...]
    rows: tuple[ReportRow, ...]
    locks_dir: str | None = None
    lock_report: str | None = None
    lock_format: str = "pylock"

    def counts(self) -> dict[Status, int]:
        found = Counter(c.status for r in self.rows for c in r.cells)
        return {s: found[s] for s in STATUSES}

    def types(self) -> list[str]:
        return list(dict.fromkeys(r.type for r in self.rows))


# --------------------------------------------------------------------------- building


def cell_status(
    cell: Cell | None, case: LockCase | None, engine: str, lock_file: str | None, lock_present: bool
) -> tuple[Status, str | None]:
    """The status of one matrix cell and its one-line reason (the only place that decides)."""
    if cell is None:
        if case is not None and case.status in ("skipped", "excluded"):
            return "skipped", f"lock {case.status}: {case.reason or 'no reason given'}"
        return "na", f"no record of this model is compiled for {engine}"
    if cell.compiled is None:
        assert cell.error is not None
        return "failed", f"compile: {cell.error.headline()}"
    if case is not None:
        reason = f": {case.reason}" if case.reason else ""
        if case.status == "failed":
            return "failed", f"lock failed{reason}"
        if case.status in ("skipped", "excluded"):
            return "skipped", f"lock {case.status}{reason}"
        if case.status in ("stale", "missing"):
            return "stale", f"lock {case.status} (markerc lock --check){reason}"
        if case.status in ("written", "unchanged"):
            return (
                "locked",
                f"locked: {case.output or lock_file} ({case.status} by the last markerc lock)",
            )
    if lock_present:
        return "locked", f"lock file {lock_file} exists"
    return "compiles", f"compiles ({len(cell.compiled.requirements)} requirements)"


def build_matrix(
    cells: Sequence[Cell],
    *,
    hubs: Sequence[str],
    engines: Sequence[str],
    targets: Sequence[str | None],
    locks_dir: str | None = None,
    lock_report: str | None = None,
    lock_cases: Mapping[CellKey, LockCase] | None = None,
    lock_format: str = "pylock",
    models: Sequence[tuple[str, str | None]] = (),
) -> Matrix:
    """Rows (file, model) in input order, ``models`` first (so a model no cell names still has
    its row, all not applicable); one cell per engine x target."""
    cases = lock_cases or {}
    grid: dict[tuple[str, str | None], dict[tuple[str, str | None], Cell]] = {
        row: {} for row in models
    }
    for cell in cells:
        row = grid.setdefault(cell.row, {})
        prior = row.get((cell.engine, cell.target))
        if prior is None or (prior.compiled is not None and cell.compiled is None):
            row[(cell.engine, cell.target)] = cell  # two records for one cell: a failure shows
    rows = []
    for (file, model), row in grid.items():
        out = []
        for engine in engines:
            for target in targets:
                found = row.get((engine, target))
                rel = lock_path(found, lock_format) if found is not None else None
                present = locks_dir is not None and lock_exists(locks_dir, rel)
                status, reason = cell_status(
                    found, cases.get((file, model, engine, target)), engine, rel, present
                )
                out.append(
                    ReportCell(engine, target, status, reason, rel if status == "locked" else None)
                )
        rows.append(ReportRow(file, model, tuple(out)))
    return Matrix(
        tuple(hubs),
        tuple(engines),
        tuple(targets),
        tuple(rows),
        locks_dir,
        lock_report,
        lock_format,
    )
