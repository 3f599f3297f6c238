"""``markerc check --fix``: rewrite what has one right spelling, and nothing else.

Fixable findings (engine names in ``#engine#`` comparisons, MK302; legacy bare placeholders,
MK301; mis-spelt placeholders, system pins and template variables, MK310) carry a
:class:`markerc.check.Fix`: a range of decoded characters of one JSON string.  The range is
mapped back to the file through :meth:`SourceString.raw_offset`, the replacement is JSON-encoded
like its surroundings, and only those characters change: the rest of the file (formatting, key
order, escapes, line endings, a byte-order mark) stays byte-identical.  Writes are atomic
(a temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from markerc.diagnostics import MarkercError
from markerc.engines import EngineTable
from markerc.files import atomic_write

__all__ = ["FixResult", "fix_paths", "fix_text"]

_BOM = b"\xef\xbb\xbf"
_MAX_PASSES = 4


@dataclass(frozen=True)
class FixResult:
    changes: tuple[str, ...]  # one human line per change
    files_changed: int


def fix_paths(paths: Sequence[str], *, engines: EngineTable) -> FixResult:
    """Fix each readable, valid file in place; the rest is left to the check that follows."""
    changes: list[str] = []
    changed = 0
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        bom = data.startswith(_BOM)
        try:
            from markerc.hub import decode_utf8

            text = decode_utf8(data, path)
        except MarkercError:
            continue
        if text.startswith("\ufeff"):
            text = text[1:]
        new_text, lines = fix_text(text, path, engines)
        if not lines:
            continue
        atomic_write(path, (_BOM if bom else b"") + new_text.encode("utf-8"), keep_mode=True)
        changes.extend(lines)
        changed += 1
    return FixResult(tuple(changes), changed)


def fix_text(text: str, path: str, engines: EngineTable) -> tuple[str, list[str]]:
    """The fixed text and one line per change (locations in the text each pass started from)."""
    from markerc.check import findings
    from markerc.hub import parse_hub

    lines: list[str] = []
    for _ in range(_MAX_PASSES):
        try:
            hub = parse_hub(text, path)
        except MarkercError:
            break
        edits: list[tuple[int, int, str, str]] = []
        for finding in findings(hub, engines):
            fix = finding.fix
            if fix is None or fix.old == fix.new:
                continue
            source = fix.source
            start, end = source.raw_offset(fix.start), source.raw_offset(fix.end)
            old_raw = hub.hub.text[start:end]
            loc = source.location(fix.start, fix.end)
            line = f"{loc}: fixed {fix.code}: {fix.old!r} -> {fix.new!r}"
            edits.append((start, end, _encode(fix.new, old_raw), line))
        edits.sort()
        kept: list[tuple[int, int, str, str]] = []
        for edit in edits:
            if kept and edit[0] < kept[-1][1]:
                continue  # overlapping: the next pass sees it again
            kept.append(edit)
        if not kept:
            break
        for start, end, new_raw, _line in reversed(kept):
            text = text[:start] + new_raw + text[end:]
        lines.extend(e[3] for e in kept)
    return text, lines


def _encode(value: str, old_raw: str) -> str:
    """JSON string content for ``value``: ASCII escapes if the original used ``\\u``."""
    return json.dumps(value, ensure_ascii="\\u" in old_raw)[1:-1]
