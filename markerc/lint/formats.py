"""Rendering diagnostics for ``markerc check``: full and concise text, JSON and GitHub workflow
commands, the summary (counts per code, what ``--fix`` can do) and ``--statistics``.

Text is made safe for a terminal: control characters, bidirectional overrides and line
separators from the input are shown as visible stand-ins (one character for one, so the caret
stays aligned); colour (ANSI SGR) is added only when the caller asks for it, and only around
markerc's own text.
"""

from __future__ import annotations

from collections.abc import Sequence

from markerc.diagnostics import Diagnostic
from markerc.safety import mask_credentials, terminal

__all__ = [
    "FORMATS",
    "FORMAT_ALIASES",
    "OUTPUT_FORMATS",
    "github_command",
    "render_diagnostics",
    "statistics",
    "summary",
]

OUTPUT_FORMATS = ("full", "concise", "json", "github")
FORMAT_ALIASES = {"text": "full", "json": "json", "github": "github"}  # today's --format names
FORMATS = tuple(FORMAT_ALIASES)

_RESET, _BOLD = "\x1b[0m", "\x1b[1m"
_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "note": "\x1b[36m"}


def render_diagnostics(
    diagnostics: Sequence[Diagnostic],
    fmt: str,
    *,
    fixable: Sequence[bool] = (),
    color: bool = False,
    quiet: bool = False,
    stats: bool = False,
) -> str:
    """``full`` (alias ``text``; with a caret under the offending characters), ``concise`` (one
    line each), ``json`` or ``github``.  Text ends with :func:`summary` unless ``quiet``;
    ``stats`` prints the counts per code instead of the diagnostics."""
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(OUTPUT_FORMATS)}")
    flags = list(fixable) + [False] * (len(diagnostics) - len(fixable))
    if stats:
        return statistics(diagnostics, flags, fmt, color=color)
    if fmt == "json":
        import json

        rows = [dict(d.as_json(), fixable=f) for d, f in zip(diagnostics, flags, strict=False)]
        return json.dumps(rows, indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(github_command(d) for d in diagnostics)
    if not diagnostics:
        return ""
    render = _full if fmt == "full" else _concise
    body = [render(d, color) for d in diagnostics]
    if quiet:
        return "\n".join(body)
    return "\n".join(body) + "\n" + summary(diagnostics, flags, color=color)


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


def _headline(d: Diagnostic, color: bool) -> str:
    if not color:
        return terminal(d.headline())
    where = _paint(terminal(f"{d.location}:"), _BOLD, True) + " " if d.location else ""
    code = _paint(d.code, _COLOURS[d.severity], True)
    return f"{where}{code} {terminal(mask_credentials(d.message))}"


def _concise(d: Diagnostic, color: bool) -> str:
    return _headline(d, color)


def _full(d: Diagnostic, color: bool) -> str:
    lines = terminal(d.render()).split("\n")
    lines[0] = _headline(d, color)
    if color:
        for n in range(1, len(lines)):
            if lines[n].lstrip().startswith("^"):
                lines[n] = _paint(lines[n], _COLOURS[d.severity], True)
            elif lines[n].startswith("  note:"):
                lines[n] = _paint("  note:", _COLOURS["note"], True) + lines[n][len("  note:") :]
    return "\n".join(lines)


def _counts(
    diagnostics: Sequence[Diagnostic], flags: Sequence[bool]
) -> list[tuple[str, str, int, int]]:
    """(code, severity, count, fixable count), errors first, then by count and code."""
    table: dict[str, tuple[str, int, int]] = {}
    for d, fix in zip(diagnostics, flags, strict=False):
        severity, count, fixable = table.get(d.code, (d.severity, 0, 0))
        table[d.code] = (severity, count + 1, fixable + int(fix))
    rows = [(code, s, n, f) for code, (s, n, f) in table.items()]
    return sorted(rows, key=lambda r: (r[1] != "error", -r[2], r[0]))


def summary(
    diagnostics: Sequence[Diagnostic], fixable: Sequence[bool] = (), *, color: bool = False
) -> str:
    """``Found 1 error and 7 warnings in 2 files:``, one line per code, then what ``--fix``
    would do."""
    from markerc.catalogue.codes import CODES

    flags = list(fixable) + [False] * (len(diagnostics) - len(fixable))
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    files = len({d.location.path for d in diagnostics if d.location is not None}) or 1
    parts = []
    if errors:
        parts.append(_plural(errors, "error"))
    if warnings:
        parts.append(_plural(warnings, "warning"))
    rules = CODES
    lines = [_paint(f"Found {' and '.join(parts)} in {_plural(files, 'file')}:", _BOLD, color)]
    for code, severity, count, fix in _counts(diagnostics, flags):
        rule = rules.get(code)
        name = rule.name if rule else ""
        mark = " [*]" if fix else ""
        lines.append(
            f"  {count:>5}  {_paint(code, _COLOURS[severity], color)}  {severity:<7}  {name}{mark}"
        )
    total = sum(flags)
    if total:
        lines.append(f"[*] {total} fixable with `markerc check --fix`.")
    return "\n".join(lines)


def statistics(
    diagnostics: Sequence[Diagnostic],
    fixable: Sequence[bool],
    fmt: str = "full",
    *,
    color: bool = False,
) -> str:
    """``--statistics``: one row per code (count, code, severity, fixable, name, title)."""
    from markerc.catalogue.codes import CODES

    rules = CODES
    rows = _counts(diagnostics, fixable)
    if fmt == "json":
        import json

        return json.dumps(
            [
                {
                    "code": c,
                    "name": rules[c].name if c in rules else None,
                    "severity": s,
                    "count": n,
                    "fixable": f,
                }
                for c, s, n, f in rows
            ],
            indent=2,
        )
    out = []
    for code, severity, count, fix in rows:
        rule = rules.get(code)
        mark = "[*]" if fix else "[ ]"
        title = f"{rule.name}  {rule.title}" if rule else ""
        out.append(
            f"{count:>5}  {_paint(code, _COLOURS[severity], color)}  {severity:<7}  {mark} {title}"
        )
    return "\n".join(out)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(d: Diagnostic) -> str:
    """``::error file=PATH,line=L,col=C,endColumn=E,title=CODE::message`` (GitHub escaping)."""
    props = []
    loc = d.location
    if loc is not None:
        props.append(f"file={_escape_property(terminal(loc.path))}")
        props.append(f"line={loc.line}")
        props.append(f"col={loc.column}")
        if loc.end_column is not None and loc.end_column > loc.column:
            props.append(f"endColumn={loc.end_column}")
    props.append(f"title={_escape_property(d.code)}")
    message = "\n".join([f"{d.code} {d.message}", *(f"note: {n}" for n in d.notes)])
    return f"::{d.severity} {','.join(props)}::{_escape_data(terminal(message))}"
