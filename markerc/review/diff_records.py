"""The records of a hub diff (``markerc diff``): :class:`HubDiff` (the whole comparison and its
counts), :class:`ModelDiff` per model, :class:`CellDiff` per (engine, target) cell,
:class:`NameChange` per package whose lines differ, and what each change can be.

:mod:`markerc.review.diff` computes them; :mod:`markerc.review.diff_render` renders them.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from markerc.diagnostics import Diagnostic
from markerc.records import field, record
from markerc.review.sources import ModelLabels

#: What happened to one cell: its content changed, it is new or gone, it now fails (or no
#: longer fails) to compile, or its model was renamed.
CellChange = Literal["changed", "added", "removed", "fails", "fixed", "renamed"]
#: What happened to one model.
ModelChange = Literal["changed", "added", "removed", "renamed"]
LockChange = Literal["stale", "orphaned", "missing"]
#: A package-source option's value as a report shows it (credentials masked, lists as lists).
OptionValue = str | bool | list[str] | None


@record
class NameChange:
    """One package whose lines differ: the old lines and the new lines of that name."""

    name: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@record
class CellDiff:
    engine: str
    target: str | None
    change: CellChange
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[NameChange, ...] = ()
    reordered: bool = False
    options: tuple[tuple[str, OptionValue, OptionValue], ...] = ()  # (field, old, new)
    error: str | None = None  # the new side's compile error
    old_error: str | None = None
    locks: tuple[tuple[LockChange, str], ...] = ()  # (what, relative path)

    def details(self) -> tuple[object, ...]:
        """Everything but the target and the locks: cells with equal details print together."""
        return (self.engine, self.change, self.added, self.removed, self.changed, self.reordered,
                self.options, self.error, self.old_error)  # fmt: skip


@record
class ModelDiff(ModelLabels):
    file: str
    model: str | None
    change: ModelChange
    old_model: str | None = None  # renamed: the old name
    cells: tuple[CellDiff, ...] = ()


@record
class HubDiff:
    old: str
    new: str
    targets: tuple[str | None, ...]
    engines: tuple[str, ...]
    models: tuple[ModelDiff, ...]
    cells_compared: int = 0
    files_added: tuple[str, ...] = ()
    files_removed: tuple[str, ...] = ()
    errors: tuple[Diagnostic, ...] = field(default=())  # compile errors of the new side
    locks_dir: str | None = None
    lock_format: str = "pylock"

    @property
    def changed(self) -> bool:
        return bool(self.models or self.files_added or self.files_removed)

    def lock_paths(self, status: LockChange) -> list[str]:
        return list(
            dict.fromkeys(
                p for m in self.models for c in m.cells for s, p in c.locks if s == status
            )
        )

    def counts(self) -> dict[str, int]:
        by = Counter(m.change for m in self.models)
        cells = Counter(c.change for m in self.models if m.change == "changed" for c in m.cells)
        return {
            "models_changed": by["changed"],
            "models_added": by["added"],
            "models_removed": by["removed"],
            "models_renamed": by["renamed"],
            "cells_changed": cells["changed"] + cells["fixed"],
            "cells_added": cells["added"],
            "cells_removed": cells["removed"],
            "cells_failing": sum(1 for m in self.models for c in m.cells if c.change == "fails"),
            "locks_stale": len(self.lock_paths("stale")),
            "locks_orphaned": len(self.lock_paths("orphaned")),
            "locks_missing": len(self.lock_paths("missing")),
        }
