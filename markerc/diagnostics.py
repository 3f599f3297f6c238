"""Errors and diagnostics: one exception type, one diagnostic record, one catalogue of codes.

Every problem markerc reports has a stable code from :data:`CATALOGUE`, built from the rule
registry :mod:`markerc.catalogue` (its generated table, :mod:`markerc.catalogue.codes`).  Errors raised
while parsing one entry carry a :class:`Span` inside the entry text; the hub layer turns that into
a file :class:`Location` (line and column of the offending character inside the JSON file,
through JSON escapes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypedDict

from markerc.catalogue.codes import CODES, Severity
from markerc.records import field, record, replace
from markerc.safety import mask_credentials, printable

if TYPE_CHECKING:
    from typing import Unpack

__all__ = [
    "CATALOGUE",
    "Diagnostic",
    "Location",
    "MarkercError",
    "Span",
    "Where",
    "caret_lines",
    "mask_credentials",
]


@record
class Span:
    """Half-open character range ``[start, end)`` inside one entry's text."""

    start: int
    end: int


@record
class Location:
    """A place in a file: 1-based line and column (in characters)."""

    path: str
    line: int
    column: int
    end_column: int | None = None  # on the same line, exclusive; None when unknown

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class Where(TypedDict, total=False):
    """Where a finding is, the keywords of :class:`MarkercError` and :meth:`Diagnostic.make`:
    its place in a file, the entry ``text`` and the ``span`` inside it, and notes."""

    location: Location | None
    text: str | None
    span: Span | None
    notes: tuple[str, ...]


# code -> (severity, short title), from the table generated from the rule registry
# (markerc/catalogue/), which also generates docs/diagnostics.md.  Add a code there, not here.
CATALOGUE: dict[str, tuple[Severity, str]] = {c.code: (c.severity, c.title) for c in CODES.values()}


def severity_of(code: str) -> Severity:
    return CATALOGUE[code][0]


class MarkercError(Exception):
    """The one exception type of markerc.

    ``span`` is a range inside ``text`` (an entry) when the error is about an entry;
    ``location`` is where it is in a file, once known.  An error is never changed after it is
    made (the attributes are final): :meth:`with_location` and :meth:`with_notes` return a new
    one, to raise in its place.
    """

    def __init__(self, code: str, message: str, **where: Unpack[Where]) -> None:
        if code not in CATALOGUE:  # a programming error, caught by the tests
            raise ValueError(f"unknown diagnostic code {code}")
        super().__init__(message)
        self.code: Final = code
        self.message: Final = message
        self.span: Final = where.get("span")
        self.text: Final = where.get("text")
        self.location: Final = where.get("location")
        self.notes: Final = where.get("notes", ())

    def with_location(self, location: Location) -> MarkercError:
        """The same error placed at ``location``."""
        return self._copy(location, self.notes)

    def with_notes(self, *notes: str) -> MarkercError:
        """The same error with ``notes`` added after its own (each once); itself when it has
        them all."""
        added = tuple(n for n in dict.fromkeys(notes) if n not in self.notes)
        return self._copy(self.location, self.notes + added) if added else self

    def _copy(self, location: Location | None, notes: tuple[str, ...]) -> MarkercError:
        # of the same class, with every other attribute (a subclass's own, such as a conflict's
        # overlap or a resolver's output), made without running a constructor
        cls = type(self)
        new = cls.__new__(cls, *self.args)
        new.args = self.args
        new.__dict__.update(self.__dict__, location=location, notes=notes)
        return new

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


@record
class Diagnostic:
    """One located finding: a code, its message and where it is."""

    code: str
    severity: Severity
    message: str
    location: Location | None = None
    text: str | None = None  # the entry the span points into
    span: Span | None = None
    notes: tuple[str, ...] = field(default=())

    @staticmethod
    def make(code: str, message: str, **where: Unpack[Where]) -> Diagnostic:
        """A diagnostic with the catalogue's severity of ``code``."""
        return Diagnostic(code, severity_of(code), message, **where)

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


def caret_lines(text: str, span: Span) -> list[str]:
    """The entry (made printable: an escape stands for each hidden character), then a caret
    line under ``span`` (packaging/pip style)."""
    shown: list[str] = []
    starts: list[int] = []  # offset in the shown text of each character of ``text``
    at = 0
    for c in text.replace("\t", " "):
        starts.append(at)
        piece = printable(c)
        shown.append(piece)
        at += len(piece)
    starts.append(at)
    start = starts[max(0, min(span.start, len(text)))]
    end = starts[max(0, min(span.end, len(text)))]
    return ["    " + "".join(shown), "    " + " " * start + "^" * max(1, end - start)]
