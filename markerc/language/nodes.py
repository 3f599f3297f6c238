"""The abstract syntax of one entry: immutable records, no behaviour beyond rendering.

Spans and original spellings are carried for diagnostics but excluded from equality, so two
entries that mean the same thing compare equal however they were spaced or quoted.
"""

from __future__ import annotations

from markerc.diagnostics import Span
from markerc.records import field, record

_NO_SPAN = Span(0, 0)


# ---------------------------------------------------------------- markers


@record
class Var:
    """A marker variable.  ``template`` is True for the ``#name#`` form."""

    name: str
    template: bool = False

    def render(self) -> str:
        return f"#{self.name}#" if self.template else self.name


@record
class Compare:
    """``var op "value"``, or ``"value" op var`` when ``reversed``."""

    var: Var
    op: str
    value: str
    reversed: bool = False
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)
    var_span: Span = field(default=_NO_SPAN, compare=False, repr=False)
    value_span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@record
class Bare:
    """A bare boolean operand: ``; has_cuda``."""

    var: Var
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@record
class Not:
    """``not operand``."""

    operand: Marker
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@record
class And:
    """``a and b and ...``."""

    items: tuple[Marker, ...]
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@record
class Or:
    """``a or b or ...``."""

    items: tuple[Marker, ...]
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@record
class Const:
    """The constants: ``TRUE`` (AnyMarker) and ``FALSE`` (EmptyMarker)."""

    value: bool


TRUE = Const(True)
FALSE = Const(False)

Marker = Compare | Bare | Not | And | Or | Const
Leaf = Compare | Bare


# ---------------------------------------------------------------- heads


@record
class Requirement:
    """A PEP 508 requirement without its marker."""

    name: str
    extras: tuple[str, ...] = ()
    specifier: tuple[tuple[str, str], ...] = ()  # ((op, version), ...)
    url: str | None = None
    name_span: Span = field(default=_NO_SPAN, compare=False, repr=False)
    spec_span: Span = field(default=_NO_SPAN, compare=False, repr=False)

    def render(self) -> str:
        out = self.name
        if self.extras:
            out += "[" + ",".join(self.extras) + "]"
        if self.url is not None:
            return f"{out} @ {self.url}"
        return out + ",".join(op + v for op, v in self.specifier)


@record
class BareUrl:
    """A direct reference written without a name (``git+https://...``, a wheel URL)."""

    url: str

    def render(self) -> str:
        return self.url


@record
class Placeholder:
    """``#<engine>_dependencies#``: the default package list of an engine."""

    engine: str  # as written, lower-cased (canonicalised later against the engine table)
    spelling: str = field(default="", compare=False)  # the text as written
    legacy: bool = field(default=False, compare=False)  # written without hashes, or with spaces

    def render(self) -> str:
        return f"#{self.engine}_dependencies#"


@record
class SystemPin:
    """``#system_<name>#[extras]``: pin to the version installed on the target."""

    name: str
    extras: tuple[str, ...] = ()
    spelling: str = field(default="", compare=False)
    noncanonical: bool = field(default=False, compare=False)  # spaces or case in the prefix

    def render(self) -> str:
        out = f"#system_{self.name}#"
        return out + ("[" + ",".join(self.extras) + "]" if self.extras else "")


Head = Requirement | BareUrl | Placeholder | SystemPin


@record
class Entry:
    """One ``packages`` entry: its head and its marker (``None`` when it has none)."""

    head: Head
    marker: Marker | None = None
    text: str = field(default="", compare=False, repr=False)
    head_span: Span = field(default=_NO_SPAN, compare=False, repr=False)
    marker_span: Span | None = field(default=None, compare=False, repr=False)
