"""Rendering a :class:`markerc.review.diff_records.HubDiff`: :func:`text` (the terminal),
:func:`markdown` (GitHub-flavoured, for a pull-request comment) and :func:`as_json` /
:func:`json_text`.  Every hub value is escaped for its output (:mod:`markerc.escaping`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from markerc import __version__
from markerc.escaping import md_code, md_text, printable
from markerc.review.diff_records import CellDiff, HubDiff, ModelChange, ModelDiff
from markerc.review.sources import target_label

SCHEMA = "markerc-diff/1"
#: GitHub refuses comments over 65,536 characters; the Markdown stops well before.
MARKDOWN_LIMIT = 60_000


#: Model changes whose cells are shown line by line (a removed or renamed model's are not).
_DETAILED: tuple[ModelChange, ...] = ("changed", "added")


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
