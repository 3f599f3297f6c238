"""``markerc diff OLD NEW``: what a hub change does to every (model, engine, target) cell.

Both sides are compiled with the same options (no resolution, no network); cells are matched
by (file name, model, engine, target).  Per cell: requirements added, removed or changed (same
package, other specifier, extras, URL or marker), a change of order, package-source changes,
and whether the cell now fails (or no longer fails) to compile.  Per model: added, removed,
renamed (the same model object under another ``model_name``) or changed.  With a lock folder,
the lock files that go stale (:func:`markerc.review.sources.lock_goes_stale`), that lose their cell
(orphaned) or that a new cell lacks (missing).

Renderers: :func:`text`, :func:`markdown` (GitHub-flavoured, for a pull-request comment) and
:func:`as_json`.  Every hub value is escaped for its output (:mod:`markerc.escaping`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from markerc import __version__
from markerc.compiler.result import CompiledSet, Line
from markerc.diagnostics import Diagnostic
from markerc.escaping import md_code, md_text, printable
from markerc.review.sources import (
    Cell,
    ModelLabels,
    Side,
    lock_exists,
    lock_goes_stale,
    lock_path,
    model_rows,
    target_label,
)
from markerc.safety import mask_credentials

SCHEMA = "markerc-diff/1"
#: GitHub refuses comments over 65,536 characters; the Markdown stops well before.
MARKDOWN_LIMIT = 60_000

CellKey = tuple[str, str | None, str, str | None]


@dataclass(frozen=True)
class NameChange:
    """One package whose lines differ: the old lines and the new lines of that name."""

    name: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class CellDiff:
    engine: str
    target: str | None
    change: str  # changed | added | removed | fails | fixed | renamed
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[NameChange, ...] = ()
    reordered: bool = False
    options: tuple[tuple[str, object, object], ...] = ()  # (field, old, new)
    error: str | None = None  # the new side's compile error
    old_error: str | None = None
    locks: tuple[tuple[str, str], ...] = ()  # (stale | orphaned | missing, relative path)

    def details(self) -> tuple[object, ...]:
        """Everything but the target and the locks: cells with equal details print together."""
        return (self.engine, self.change, self.added, self.removed, self.changed, self.reordered,
                self.options, self.error, self.old_error)  # fmt: skip


@dataclass(frozen=True)
class ModelDiff(ModelLabels):
    file: str
    model: str | None
    change: str  # changed | added | removed | renamed
    old_model: str | None = None  # renamed: the old name
    cells: tuple[CellDiff, ...] = ()


@dataclass(frozen=True)
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

    def lock_paths(self, status: str) -> list[str]:
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


# --------------------------------------------------------------------------- computing


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


def _masked(value: object) -> object:
    """An option's value for a report: credentials in URLs masked (docs/security.md)."""
    if isinstance(value, tuple):
        return [_masked(v) for v in value]
    return mask_credentials(value) if isinstance(value, str) else value


def _option_changes(old: CompiledSet, new: CompiledSet) -> tuple[tuple[str, object, object], ...]:
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

    def for_pair(self, old: Cell | None, new: Cell | None) -> tuple[tuple[str, str], ...]:
        """The lock consequences of one cell going from ``old`` to ``new``."""
        if self.dir is None:
            return ()
        out: list[tuple[str, str]] = []
        new_path = lock_path(new, self.fmt) if new else None
        old_path = lock_path(old, self.fmt) if old else None
        if old is not None and new is not None and old_path == new_path:
            if lock_goes_stale(old.compiled, new.compiled, lock_exists(self.dir, new_path)):
                out.append(("stale", new_path))  # type: ignore[arg-type]
            elif (
                new.compiled is not None
                and old.compiled is None
                and not lock_exists(self.dir, new_path)
            ):
                out.append(("missing", new_path))  # type: ignore[arg-type]
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
    from dataclasses import replace

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


# --------------------------------------------------------------------------- rendering


#: Model changes whose cells are shown line by line (a removed or renamed model's are not).
_DETAILED = ("changed", "added")


def _targets_text(targets: Sequence[str | None]) -> str:
    return ", ".join(target_label(t) for t in targets)


def _groups(cells: Sequence[CellDiff]) -> list[tuple[CellDiff, list[CellDiff]]]:
    """Cells with equal details, grouped (first cell, all cells), in first-seen order."""
    groups: dict[tuple[object, ...], list[CellDiff]] = {}
    for c in cells:
        groups.setdefault(c.details(), []).append(c)
    return [(members[0], members) for members in groups.values()]


def _counts_phrase(c: CellDiff) -> str:
    parts = []
    if c.changed:
        parts.append(f"{len(c.changed)} changed")
    if c.added:
        parts.append(f"{len(c.added)} added")
    if c.removed:
        parts.append(f"{len(c.removed)} removed")
    if c.reordered:
        parts.append("order changed")
    if c.options:
        parts.append(f"{len(c.options)} package-source option(s) changed")
    return ", ".join(parts)


def _cell_lines(c: CellDiff, *, marks: tuple[str, str, str] = ("~", "-", "+")) -> list[str]:
    """The body of one cell group: requirement lines with diff marks (hub text made printable)."""
    tilde, minus, plus = marks
    out: list[str] = []
    if c.old_error and c.change in ("fails", "fixed", "removed"):
        out.append(f"{minus} fails to compile: {printable(c.old_error)}")
    if c.error:
        out.append(f"{plus} fails to compile: {printable(c.error)}")
    for n in c.changed:
        if tilde == "~":
            out.append(f"~ {printable(', '.join(n.old))} -> {printable(', '.join(n.new))}")
        else:
            out += [f"{minus} {printable(x)}" for x in n.old] + [
                f"{plus} {printable(x)}" for x in n.new
            ]
    out += [f"{minus} {printable(x)}" for x in c.removed]
    out += [f"{plus} {printable(x)}" for x in c.added]
    if c.reordered:
        out.append(
            f"{tilde} same requirements, new order"
            if tilde == "~"
            else "  (same requirements, new order)"
        )
    for name, a, b in c.options:
        if tilde == "~":
            out.append(f"~ option {name}: {printable(json.dumps(a))} -> {printable(json.dumps(b))}")
        else:
            out += [
                f"{minus} option {name}: {printable(json.dumps(a))}",
                f"{plus} option {name}: {printable(json.dumps(b))}",
            ]
    return out


def _model_title(m: ModelDiff) -> str:
    if m.change == "renamed":
        return f"{printable(m.old_model or '')} -> {printable(m.name)}"
    return printable(m.name)


def _summary_text(d: HubDiff) -> str:
    n = d.counts()
    parts = [
        f"{n['models_changed']} model(s) changed ({n['cells_changed']} cell(s) changed, {n['cells_added']} added, "
        f"{n['cells_removed']} removed)",
        f"{n['models_added']} added",
        f"{n['models_removed']} removed",
        f"{n['models_renamed']} renamed",
    ]
    if n["cells_failing"]:
        parts.append(f"{n['cells_failing']} cell(s) fail to compile")
    if d.locks_dir is not None:
        parts.append(
            f"locks: {n['locks_stale']} stale, {n['locks_orphaned']} orphaned, {n['locks_missing']} missing"
        )
    return "; ".join(parts)


def text(d: HubDiff) -> str:
    """Terminal text: one block per model, cells with equal changes grouped by target."""
    out = [
        f"markerc diff {printable(d.old)} -> {printable(d.new)} (targets: {printable(_targets_text(d.targets))})"
    ]
    for f in d.files_added:
        out.append(f"file added: {printable(f)}")
    for f in d.files_removed:
        out.append(f"file removed: {printable(f)}")
    for m in d.models:
        head = f"{printable(m.file)}: {_model_title(m)}: {m.change}"
        if m.change in ("added", "removed"):
            head += " (" + _cells_phrase(m.cells) + ")"
        elif m.change == "renamed":
            head += " (same content)"
        out.append(head)
        for first, members in _groups(m.cells):
            where = f"{printable(first.engine)} on {printable(_targets_text([c.target for c in members]))}"
            if m.change in _DETAILED:
                phrase = _counts_phrase(first)
                out.append(
                    f"  {where}: {first.change}"
                    + (f" ({phrase})" if phrase and first.change == "changed" else "")
                )
                out += [f"    {line}" for line in _cell_lines(first)]
            for c in members:
                out += [f"    lock {status}: {printable(path)}" for status, path in c.locks]
    if not d.changed:
        out.append(f"no change in {d.cells_compared} cell(s)")
    else:
        out.append(_summary_text(d))
    return "\n".join(out) + "\n"


def _cells_phrase(cells: Sequence[CellDiff]) -> str:
    by_engine: dict[str, list[str | None]] = {}
    for c in cells:
        by_engine.setdefault(c.engine, []).append(c.target)
    return (
        "; ".join(
            f"{printable(e)} on {printable(_targets_text(ts))}" for e, ts in by_engine.items()
        )
        or "no cells"
    )


def _md_cells(cells: Sequence[CellDiff]) -> str:
    by_engine: dict[str, list[str | None]] = {}
    for c in cells:
        by_engine.setdefault(c.engine, []).append(c.target)
    return "; ".join(
        f"{md_code(e)}: " + ", ".join(md_code(target_label(t)) for t in ts)
        for e, ts in by_engine.items()
    )


def _fence(lines: Sequence[str]) -> str:
    """A code fence longer than any run of backticks in ``lines``."""
    runs = [len(r) for ln in lines for r in re.findall(r"`+", ln)]
    return "`" * max(3, max(runs, default=0) + 1)


def markdown(d: HubDiff, *, limit: int = MARKDOWN_LIMIT) -> str:
    """GitHub-flavoured Markdown for a pull-request comment (at most about ``limit`` characters:
    models beyond it are counted, not shown)."""
    n = d.counts()
    head = [
        "## markerc diff",
        "",
        f"{md_code(d.old)} → {md_code(d.new)} · targets: "
        + ", ".join(md_code(target_label(t)) for t in d.targets),
        "",
    ]
    if not d.changed:
        head.append(f"No change in {d.cells_compared} (model, engine, target) cells.")
        return "\n".join(head) + "\n"
    summary = (f"**{n['models_changed']}** model(s) changed ({n['cells_changed']} cells changed, "
               f"{n['cells_added']} added, {n['cells_removed']} removed) · **{n['models_added']}** added · "
               f"**{n['models_removed']}** removed · **{n['models_renamed']}** renamed")  # fmt: skip
    if n["cells_failing"]:
        summary += f" · **{n['cells_failing']}** cell(s) fail to compile"
    if d.locks_dir is not None:
        summary += (f" · locks: **{n['locks_stale']}** stale, {n['locks_orphaned']} orphaned, "
                    f"{n['locks_missing']} missing")  # fmt: skip
    head += [summary, ""]
    for f in d.files_added:
        head.append(f"* file added: {md_code(f)}")
    for f in d.files_removed:
        head.append(f"* file removed: {md_code(f)}")
    if d.files_added or d.files_removed:
        head.append("")
    head += ["| model | file | change | cells (engine: targets) |", "| --- | --- | --- | --- |"]
    table: list[str] = []
    sections: list[str] = []
    for m in d.models:
        name = (
            f"{md_code(m.old_model or '')} → {md_code(m.name)}"
            if m.change == "renamed"
            else md_code(m.name)
        )
        table.append(f"| {name} | {md_code(m.file)} | {md_text(m.change)} | {_md_cells(m.cells)} |")
        if m.change not in _DETAILED and not any(c.locks for c in m.cells):
            continue
        body = [f"### {name} ({md_code(m.file)}): {md_text(m.change)}", ""]
        for first, members in _groups(m.cells):
            targets = ", ".join(md_code(target_label(c.target)) for c in members)
            if m.change in _DETAILED:
                phrase = _counts_phrase(first)
                body.append(f"**{md_code(first.engine)}** on {targets}: {md_text(first.change)}"
                            + (f" ({md_text(phrase)})" if phrase and first.change == "changed" else ""))  # fmt: skip
                lines = _cell_lines(first, marks=(" ", "-", "+"))
                fence = _fence(lines)
                body += ["", f"{fence}diff", *lines, fence, ""]
            locks = [(s, p) for c in members for s, p in c.locks]
            if locks:
                body.append("Locks: " + ", ".join(f"{md_code(p)} ({md_text(s)})" for s, p in locks))
                body.append("")
        sections.append("\n".join(body))
    out = "\n".join(head + table) + "\n\n"
    shown = 0
    for section in sections:
        if len(out) + len(section) > limit:
            break
        out += section + "\n"
        shown += 1
    if shown < len(sections):
        out += (f"_{len(sections) - shown} more model section(s) not shown (the comment would be too long); "
                "run `markerc diff` with `--format text` for all of them._\n")  # fmt: skip
    return out


def as_json(d: HubDiff) -> dict[str, object]:
    def cell(c: CellDiff) -> dict[str, object]:
        return {
            "engine": c.engine,
            "target": c.target,
            "change": c.change,
            "added": list(c.added),
            "removed": list(c.removed),
            "changed": [
                {"name": x.name, "old": list(x.old), "new": list(x.new)} for x in c.changed
            ],
            "reordered": c.reordered,
            "options": {name: {"old": a, "new": b} for name, a, b in c.options},
            "error": c.error,
            "old_error": c.old_error,
            "locks": [{"status": s, "path": p} for s, p in c.locks],
        }

    return {
        "schema": SCHEMA,
        "markerc": __version__,
        "old": d.old,
        "new": d.new,
        "targets": list(d.targets),
        "engines": list(d.engines),
        "changed": d.changed,
        "summary": {"cells_compared": d.cells_compared, **d.counts()},
        "files": {"added": list(d.files_added), "removed": list(d.files_removed)},
        "models": [
            {
                "file": m.file,
                "type": m.type,
                "model": m.model,
                "change": m.change,
                "old_model": m.old_model,
                "cells": [cell(c) for c in m.cells],
            }
            for m in d.models
        ],
        "locks": {s: d.lock_paths(s) for s in ("stale", "orphaned", "missing")},
        "errors": [e.as_json() for e in d.errors],
    }


def json_text(d: HubDiff) -> str:
    return json.dumps(as_json(d), indent=2, ensure_ascii=True) + "\n"
