"""``markerc check --fix``: rewrite what the selected rules flag and have one right spelling for,
and nothing else.

Fixable findings (the rules with a ``fix`` in :mod:`markerc.catalogue`: spellings such as MK301,
MK302, MK310, MK314, MK315, MK320, and the rewrites that make Xinference read an entry as markerc
does, MK401 and MK404) carry a :class:`markerc.lint.framework.Fix`: a range of decoded characters of one
JSON string.  Only findings the rule set reports for the file are applied, so ``--fix`` touches
only the strings with selected findings.  The range is
mapped back to the file through :meth:`markerc.compiler.hub.SourceString.raw_offset`, the replacement is JSON-encoded
like its surroundings, and only those characters change: the rest of the file (formatting, key
order, escapes, line endings, a byte-order mark) stays byte-identical.  Writes are atomic
(a temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

from markerc.compiler.engines import EngineTable
from markerc.diagnostics import Location, MarkercError
from markerc.escaping import printable
from markerc.files import atomic_write
from markerc.lint.framework import Context, RuleSet
from markerc.records import record

__all__ = ["FixResult", "fix_paths", "fix_text"]

_BOM = b"\xef\xbb\xbf"
_MAX_PASSES = 4


@record
class FixResult:
    changes: tuple[str, ...]  # one human line per change
    files_changed: int


def fix_paths(
    paths: Sequence[str],
    *,
    engines: EngineTable,
    rules: RuleSet | Callable[[str], RuleSet] | None = None,
    follow_symlinks: bool = False,
) -> FixResult:
    """Fix each readable, valid file in place; the rest is left to the check that follows.

    ``rules``: the rule set (or each path's) whose findings may be fixed; None: the defaults.
    A path that is a symlink is refused (MK624, before any file is written) unless
    ``follow_symlinks``: then the file it points to is rewritten, and the link stays a link."""
    from markerc.compiler.hub import load_hub
    from markerc.lint.check import make_context, rules_function
    from markerc.reading import MAX_HUB_BYTES, read_bytes

    if not follow_symlinks:
        for path in paths:
            if os.path.islink(path):
                raise MarkercError(
                    "MK624",
                    f"--fix does not rewrite {path}: it is a symlink (to {printable(os.readlink(path))}); "
                    "--fix-symlinks rewrites the file it points to",
                    location=Location(path, 1, 1),
                )
    rules_for = rules_function(rules)
    hubs = []
    for path in paths:
        try:
            hubs.append(load_hub(path))
        except MarkercError:
            continue
    ctx = make_context(engines, hubs)
    changes: list[str] = []
    changed = 0
    for path in paths:
        try:
            data = read_bytes(path, MAX_HUB_BYTES)
        except MarkercError:
            continue
        bom = data.startswith(_BOM)
        try:
            from markerc.compiler.hub import decode_utf8

            text = decode_utf8(data, path)
        except MarkercError:
            continue
        text = text.removeprefix("\ufeff")
        new_text, lines = fix_text(text, path, ctx, rules_for(path))
        if not lines:
            continue
        target = os.path.realpath(path) if follow_symlinks else path
        atomic_write(target, (_BOM if bom else b"") + new_text.encode("utf-8"), keep_mode=True)
        changes.extend(lines)
        changed += 1
    return FixResult(tuple(changes), changed)


def fix_text(
    text: str, path: str, engines: EngineTable | Context, rules: RuleSet | None = None
) -> tuple[str, list[str]]:
    """The fixed text and one line per change (locations in the text each pass started from)."""
    from markerc.compiler.hub import parse_hub
    from markerc.lint.check import default_rules, findings, reported

    rules = rules or default_rules()
    lines: list[str] = []
    for _ in range(_MAX_PASSES):
        try:
            hub = parse_hub(text, path)
        except MarkercError:
            break
        edits: list[tuple[int, int, str, str]] = []
        for finding in reported(findings(hub, engines), path, rules):
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
