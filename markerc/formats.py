"""Rendering diagnostics for ``markerc check``: text, JSON and GitHub workflow commands."""

from __future__ import annotations

from collections.abc import Sequence

from markerc.diagnostics import Diagnostic

__all__ = ["FORMATS", "render_diagnostics", "github_command"]

FORMATS = ("text", "json", "github")


def render_diagnostics(diagnostics: Sequence[Diagnostic], fmt: str) -> str:
    """``text`` (with a summary line when there are findings), ``json`` or ``github``."""
    if fmt == "text":
        return _text(diagnostics)
    if fmt == "json":
        import json

        return json.dumps([d.as_json() for d in diagnostics], indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(github_command(d) for d in diagnostics)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _text(diagnostics: Sequence[Diagnostic]) -> str:
    if not diagnostics:
        return ""
    body = [d.render() for d in diagnostics]
    return "\n".join(body) + "\n" + summary(diagnostics)


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    files = len({d.location.path for d in diagnostics if d.location is not None}) or 1
    parts = []
    if errors:
        parts.append(_plural(errors, "error"))
    if warnings:
        parts.append(_plural(warnings, "warning"))
    return f"Found {' and '.join(parts)} in {_plural(files, 'file')}."


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
        props.append(f"file={_escape_property(loc.path)}")
        props.append(f"line={loc.line}")
        props.append(f"col={loc.column}")
        if loc.end_column is not None and loc.end_column > loc.column:
            props.append(f"endColumn={loc.end_column}")
    props.append(f"title={_escape_property(d.code)}")
    message = "\n".join([f"{d.code} {d.message}", *(f"note: {n}" for n in d.notes)])
    return f"::{d.severity} {','.join(props)}::{_escape_data(message)}"
