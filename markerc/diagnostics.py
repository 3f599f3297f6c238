"""Errors and diagnostics: one exception type, one diagnostic record, one catalogue of codes.

Every problem markerc reports has a stable code from :data:`CATALOGUE` (documented in
``docs/diagnostics.md``).  Errors raised while parsing one entry carry a :class:`Span` inside the
entry text; the hub layer turns that into a file :class:`Location` (line and column of the
offending character inside the JSON file, through JSON escapes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Span:
    """Half-open character range ``[start, end)`` inside one entry's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Location:
    """A place in a file: 1-based line and column (in characters)."""

    path: str
    line: int
    column: int
    end_column: int | None = None  # on the same line, exclusive; None when unknown

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


# code -> (severity, short title).  The long form lives in docs/diagnostics.md.
CATALOGUE: dict[str, tuple[Severity, str]] = {
    # entry syntax
    "MK001": ("error", "syntax error in an entry"),
    "MK002": ("error", "entry would become an installer option (leading '-')"),
    "MK003": ("error", "entry smuggles a line break or NUL"),
    "MK004": ("error", "empty or comment-only entry"),
    "MK005": ("error", "entry too long or too deeply nested"),
    "MK006": ("error", "invalid version specifier"),
    # marker semantics
    "MK101": ("error", "unknown marker variable"),
    "MK102": ("error", "type error in a comparison"),
    "MK103": ("error", "unknown engine"),
    "MK104": ("error", "unknown placeholder"),
    "MK105": ("error", "comparison needs one variable and one quoted value"),
    "MK106": ("error", "extra, extras and dependency_groups have no meaning in a model-hub entry"),
    # hub structure
    "MK201": ("error", "file is not valid UTF-8 JSON"),
    "MK202": ("error", "wrong type for a key"),
    "MK203": ("error", "invalid index strategy"),
    "MK204": ("error", "model or record not found"),
    "MK205": ("error", "cannot read file"),
    # compile
    "MK501": ("error", "unbound variable"),
    "MK502": ("error", "conflicting requirements for one name where their conditions overlap"),
    "MK503": ("error", "residual marker has no PEP 508 form"),
    "MK504": ("error", "system package missing on the target"),
    "MK505": ("error", "invalid target or engine table"),
    "MK506": ("error", "resolver failed"),
    "MK507": ("error", "usage error"),
    # marker algebra
    "MK520": ("error", "marker value that PEP 508 text cannot carry"),
    "MK521": ("error", "marker too complex to decide"),
    # warnings
    "MK301": ("warning", "legacy placeholder without hashes"),
    "MK302": ("warning", "non-canonical engine spelling"),
    "MK303": ("warning", "placeholder guarded by another engine"),
    "MK304": ("warning", "engine named by a placeholder but never by a marker"),
    "MK305": ("warning", "duplicate entry"),
    "MK306": ("warning", "unknown block key"),
    "MK307": ("warning", "index URL over plain http"),
    "MK308": ("warning", "index URL with credentials"),
    "MK309": ("warning", "torch companion pinned to the system without torch"),
    "MK310": ("warning", "non-canonical placeholder spelling"),
    "MK311": ("warning", "template variable that Xinference never binds"),
    # Xinference-runtime compatibility warnings
    "MK401": ("warning", "Xinference's textual engine filter misreads this marker"),
    "MK402": ("warning", "Xinference's engine filter ignores or/not/!= in this marker"),
    "MK403": ("warning", "Xinference's merge drops this unconditional entry"),
    "MK404": ("warning", "Xinference's CUDA filter misreads this marker"),
    "MK405": ("warning", "Xinference's merge keeps only the last entry of a package key"),
    "MK406": ("warning", "Xinference ignores this marker term"),
}


def severity_of(code: str) -> Severity:
    return CATALOGUE[code][0]


class MarkercError(Exception):
    """The one exception type of markerc.

    ``span`` is a range inside ``text`` (an entry) when the error is about an entry;
    ``location`` is set once the error is placed in a file.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        span: Span | None = None,
        text: str | None = None,
        location: Location | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        if code not in CATALOGUE:  # a programming error, caught by the tests
            raise ValueError(f"unknown diagnostic code {code}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.span = span
        self.text = text
        self.location = location
        self.notes = notes

    def to_diagnostic(self) -> Diagnostic:
        return Diagnostic(
            code=self.code,
            severity=severity_of(self.code),
            message=self.message,
            location=self.location,
            text=self.text,
            span=self.span,
            notes=self.notes,
        )

    def __str__(self) -> str:
        return self.to_diagnostic().render()


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    location: Location | None = None
    text: str | None = None  # the entry the span points into
    span: Span | None = None
    notes: tuple[str, ...] = field(default=())

    @staticmethod
    def make(code: str, message: str, **kw: object) -> Diagnostic:
        return Diagnostic(code=code, severity=severity_of(code), message=message, **kw)  # type: ignore[arg-type]

    def at(self, location: Location | None) -> Diagnostic:
        return replace(self, location=location)

    def headline(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.code} {mask_credentials(self.message)}"

    def render(self) -> str:
        """``path:line:col: CODE message`` plus the entry with a caret under the span.
        Credentials in URLs are masked (same length, so the caret stays aligned)."""
        lines = [self.headline()]
        if self.text is not None and self.span is not None:
            lines.extend(caret_lines(mask_credentials(self.text), self.span))
        lines.extend(f"  note: {mask_credentials(n)}" for n in self.notes)
        return "\n".join(lines)

    def as_json(self) -> dict[str, object]:
        loc = self.location
        return {
            "path": loc.path if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "code": self.code,
            "severity": self.severity,
            "message": mask_credentials(self.message),
        }


_CREDENTIALS = re.compile(r"(?<=://)([^/@\s'\"]+)(?=@)")


def mask_credentials(text: str) -> str:
    """``https://user:token@host`` -> ``https://**********@host`` (length kept)."""
    return _CREDENTIALS.sub(lambda m: "*" * len(m.group(1)), text)


def caret_lines(text: str, span: Span) -> list[str]:
    """The entry, then a caret line under ``span`` (packaging/pip style)."""
    shown = text.replace("\n", "\u23ce").replace("\0", "\u2400").replace("\t", " ")
    start = max(0, min(span.start, len(shown)))
    end = max(start + 1, min(span.end, len(shown) + 1))
    return ["    " + shown, "    " + " " * start + "^" * (end - start)]
