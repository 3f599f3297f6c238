"""``markerc diff OLD NEW``: what a hub change does to every (model, engine, target) cell.

Both sides are compiled with the same options (no resolution, no network); cells are matched
by (file name, model, engine, target).  Per cell: requirements added, removed or changed (same
package, other specifier, extras, URL or marker), a change of order, package-source changes,
and whether the cell now fails (or no longer fails) to compile.  Per model: added, removed,
renamed (the same model object under another ``model_name``) or changed.  With a lock folder,
the lock files that go stale (:func:`markerc.review.sources.lock_goes_stale`), that lose their cell
(orphaned) or that a new cell lacks (missing).

This module computes the difference (:func:`diff_cells`, :func:`compare_sets` for one cell) as
the records of :mod:`markerc.review.diff_records`; :mod:`markerc.review.diff_render` renders it
as text, Markdown or JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from markerc.compiler.result import CompiledSet, Line
from markerc.diagnostics import Diagnostic
from markerc.records import replace
from markerc.review.diff_records import (
    CellDiff,
    HubDiff,
    LockChange,
    ModelDiff,
    NameChange,
    OptionValue,
)
from markerc.review.sources import (
    Cell,
    Side,
    lock_exists,
    lock_goes_stale,
    lock_path,
    model_rows,
)
from markerc.safety import mask_credentials


def _name(line: Line) -> str:
    from markerc.compiler.targets import canonical_name

    head = line.requirement.split(" @ ", 1)[0].split("[", 1)[0]
    if "://" in head:
        return line.requirement  # a bare URL is its own name
    for i, ch in enumerate(head):
        if not (ch.isalnum() or ch in "._-"):
            head = head[:i]
            break
    return canonical_name(head)


def _minus(a: Sequence[Line], b: Sequence[Line]) -> list[Line]:
    """``a`` without the lines of ``b`` (as multisets), in ``a``'s order."""
    left = Counter(ln.render() for ln in b)
    out = []
    for ln in a:
        if left[ln.render()]:
            left[ln.render()] -= 1
        else:
            out.append(ln)
    return out


_OPTION_FIELDS = ("index_url", "extra_index_url", "find_links", "trusted_host", "index_strategy",
                  "no_build_isolation", "no_index")  # fmt: skip


def _masked(value: str | bool | tuple[str, ...] | None) -> OptionValue:
    """An option's value for a report: credentials in URLs masked (docs/security.md)."""
    if isinstance(value, tuple):
        return [mask_credentials(v) for v in value]
    return mask_credentials(value) if isinstance(value, str) else value


def _option_changes(
    old: CompiledSet, new: CompiledSet
) -> tuple[tuple[str, OptionValue, OptionValue], ...]:
    out = []
    for name in _OPTION_FIELDS:
        a, b = getattr(old.options, name), getattr(new.options, name)
        if a != b:
            out.append((name, _masked(a), _masked(b)))
    return tuple(out)


def compare_sets(
    old: CompiledSet, new: CompiledSet, engine: str, target: str | None
) -> CellDiff | None:
    """The difference of one cell that compiles on both sides (None: the same content)."""
    if old.content() == new.content():
        return None
    removed = _minus(old.lines, new.lines)
    added = _minus(new.lines, old.lines)
    names_both = {_name(ln) for ln in removed} & {_name(ln) for ln in added}
    changed = tuple(
        NameChange(
            n,
            tuple(ln.render() for ln in removed if _name(ln) == n),
            tuple(ln.render() for ln in added if _name(ln) == n),
        )
        for n in dict.fromkeys(_name(ln) for ln in removed if _name(ln) in names_both)
    )
    return CellDiff(
        engine,
        target,
        "changed",
        added=tuple(ln.render() for ln in added if _name(ln) not in names_both),
        removed=tuple(ln.render() for ln in removed if _name(ln) not in names_both),
        changed=changed,
        reordered=not added and not removed and old.requirements != new.requirements,
        options=_option_changes(old, new),
    )


def _brief(d: Diagnostic | None) -> str | None:
    """An error as ``CODE message`` without its location (locations move with unrelated edits)."""
    return None if d is None else f"{d.code} {d.message}"


def _headline(d: Diagnostic | None) -> str | None:
    return None if d is None else d.headline()


class _Locks:
    def __init__(self, locks_dir: str | None, fmt: str) -> None:
        self.dir = locks_dir
        self.fmt = fmt

    def for_pair(self, old: Cell | None, new: Cell | None) -> tuple[tuple[LockChange, str], ...]:
        """The lock consequences of one cell going from ``old`` to ``new``."""
        if self.dir is None:
            return ()
        out: list[tuple[LockChange, str]] = []
        new_path = lock_path(new, self.fmt) if new else None
        old_path = lock_path(old, self.fmt) if old else None
        if old is not None and new is not None and old_path == new_path:
            if new_path is None:  # neither side compiles: no lock path
                return ()
            present = lock_exists(self.dir, new_path)
            if lock_goes_stale(old.compiled, new.compiled, present):
                out.append(("stale", new_path))
            elif new.compiled is not None and old.compiled is None and not present:
                out.append(("missing", new_path))
            return tuple(out)
        if old_path is not None and lock_exists(self.dir, old_path):
            out.append(("orphaned", old_path))
        if new_path is not None and not lock_exists(self.dir, new_path):
            out.append(("missing", new_path))
        return tuple(out)


def _cell_pair(old: Cell | None, new: Cell | None, locks: _Locks) -> CellDiff | None:
    cell = new or old
    assert cell is not None
    engine, target = cell.engine, cell.target
    lock_info = locks.for_pair(old, new)
    if old is None:
        assert new is not None
        if new.compiled is None:
            return CellDiff(engine, target, "fails", error=_headline(new.error))
        return CellDiff(engine, target, "added", added=new.compiled.requirements, locks=lock_info)
    if new is None:
        if old.compiled is None:
            return CellDiff(
                engine, target, "removed", old_error=_headline(old.error), locks=lock_info
            )
        return CellDiff(
            engine, target, "removed", removed=old.compiled.requirements, locks=lock_info
        )
    if new.compiled is None:
        if old.compiled is None and _brief(old.error) == _brief(new.error):
            return None
        return CellDiff(engine, target, "fails", error=_headline(new.error),
                        old_error=_headline(old.error), locks=lock_info)  # fmt: skip
    if old.compiled is None:
        return CellDiff(engine, target, "fixed", added=new.compiled.requirements,
                        old_error=_headline(old.error), locks=lock_info)  # fmt: skip
    found = compare_sets(old.compiled, new.compiled, engine, target)
    if found is None:
        return None
    return CellDiff(found.engine, found.target, found.change, found.added, found.removed, found.changed,
                    found.reordered, found.options, locks=lock_info)  # fmt: skip


def _rows(
    cells: Sequence[Cell], models: Sequence[tuple[str, str | None]]
) -> dict[tuple[str, str | None], dict[tuple[str, str | None], Cell]]:
    rows: dict[tuple[str, str | None], dict[tuple[str, str | None], Cell]] = {
        row: {} for row in models
    }
    for cell in cells:
        rows.setdefault(cell.row, {}).setdefault((cell.engine, cell.target), cell)
    return rows


def _signatures(side: Side, file: str, models: Sequence[str | None]) -> dict[str | None, str]:
    """Per model name: the model's objects in the file without their ``model_name`` (canonical
    JSON), which is what "the same content under a new name" compares."""
    entry = next((e for e in side.entries if e.key == file), None)
    if entry is None:
        return {}
    doc = json.loads(entry.hub.hub.text)
    objects = doc if isinstance(doc, list) else [doc]
    out: dict[str | None, str] = {}
    for name in models:
        if name is None:
            continue
        picked = [
            {k: v for k, v in objects[r.index].items() if k != "model_name"}
            for r in entry.hub.records
            if r.name == name and r.index < len(objects) and isinstance(objects[r.index], dict)
        ]
        out[name] = json.dumps(picked, sort_keys=True, ensure_ascii=True)
    return out


def diff_cells(
    old_side: Side,
    new_side: Side,
    old_cells: Sequence[Cell],
    new_cells: Sequence[Cell],
    *,
    targets: Sequence[str | None],
    engines: Sequence[str],
    locks_dir: str | None = None,
    lock_format: str = "pylock",
    model: str | None = None,
) -> HubDiff:
    """Compare two compiled sides.  Two single files are compared as one file whatever their
    names (``origin/main:hub.json`` against ``hub.json``, or ``a.json`` against ``b.json``)."""

    if old_side.single_file and new_side.single_file:
        key = new_side.entries[0].key
        old_cells = [replace(c, file=key) for c in old_cells]
        old_keys = new_keys = [key]
        old_models = [(key, m) for _, m in model_rows(old_side.entries, model)]
    else:
        old_keys = [e.key for e in old_side.entries]
        new_keys = [e.key for e in new_side.entries]
        old_models = model_rows(old_side.entries, model)
    locks = _Locks(locks_dir, lock_format)
    old_rows, new_rows = (
        _rows(old_cells, old_models),
        _rows(new_cells, model_rows(new_side.entries, model)),
    )
    models: list[ModelDiff] = []
    added_rows = [r for r in new_rows if r not in old_rows]
    removed_rows = [r for r in old_rows if r not in new_rows]
    renamed = _pair_renames(
        old_side,
        new_side,
        removed_rows,
        added_rows,
        single=old_side.single_file and new_side.single_file,
    )
    renamed_old = {o for o, _ in renamed.values()}
    for row, cells in new_rows.items():
        if row in old_rows:
            before = old_rows[row]
            diffs = [d for k in [*cells, *(k for k in before if k not in cells)]
                     if (d := _cell_pair(before.get(k), cells.get(k), locks)) is not None]  # fmt: skip
            if diffs:
                models.append(ModelDiff(row[0], row[1], "changed", cells=tuple(diffs)))
        elif row in renamed:
            old_row, _ = renamed[row]
            before = old_rows[old_row]
            diffs = [CellDiff(k[0], k[1], "renamed", locks=locks.for_pair(before.get(k), cells.get(k)))
                     for k in [*cells, *(k for k in before if k not in cells)]]  # fmt: skip
            models.append(ModelDiff(row[0], row[1], "renamed", old_model=old_row[1],
                                    cells=tuple(d for d in diffs if d.locks)))  # fmt: skip
        else:
            diffs = [d for k, c in cells.items() if (d := _cell_pair(None, c, locks)) is not None]
            models.append(ModelDiff(row[0], row[1], "added", cells=tuple(diffs)))
    for row in removed_rows:
        if row in renamed_old:
            continue
        diffs = [
            d for k, c in old_rows[row].items() if (d := _cell_pair(c, None, locks)) is not None
        ]
        models.append(ModelDiff(row[0], row[1], "removed", cells=tuple(diffs)))
    errors = {d.headline(): d for c in new_cells if c.error is not None for d in (c.error,)}
    return HubDiff(
        old=old_side.spec,
        new=new_side.spec,
        targets=tuple(targets),
        engines=tuple(engines),
        models=tuple(models),
        cells_compared=len({c.key for c in (*old_cells, *new_cells)}),
        files_added=tuple(k for k in new_keys if k not in old_keys),
        files_removed=tuple(k for k in old_keys if k not in new_keys),
        errors=tuple(errors.values()),
        locks_dir=locks_dir,
        lock_format=lock_format,
    )


def _pair_renames(
    old_side: Side, new_side: Side, removed: Sequence[tuple[str, str | None]],
    added: Sequence[tuple[str, str | None]], *, single: bool,
) -> dict[tuple[str, str | None], tuple[tuple[str, str | None], str]]:  # fmt: skip
    """``{new row: (old row, signature)}`` for removed and added models of one file whose
    model objects are equal apart from ``model_name`` (paired in file order)."""
    out: dict[tuple[str, str | None], tuple[tuple[str, str | None], str]] = {}
    for file in dict.fromkeys(r[0] for r in added):
        gone = [r for r in removed if r[0] == file and r[1] is not None]
        new = [r for r in added if r[0] == file and r[1] is not None]
        if not gone or not new:
            continue
        old_file = old_side.entries[0].key if single else file
        old_sigs = _signatures(old_side, old_file, [r[1] for r in gone])
        new_sigs = _signatures(new_side, file, [r[1] for r in new])
        free = list(gone)
        for row in new:
            match = next((o for o in free if old_sigs.get(o[1]) == new_sigs.get(row[1])), None)
            if match is not None:
                free.remove(match)
                out[row] = (match, new_sigs[row[1]])
    return out
