"""The records expansion works on: an input entry with its provenance (:class:`Source`), the
requirement it yields (:class:`Item`), what happened to it (:class:`Verdict`), and placing an
error raised inside an entry's text at the entry's file position (:func:`locate`)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Literal

from markerc.compiler.result import LAYERS, Layer
from markerc.diagnostics import Location, MarkercError
from markerc.language import algebra
from markerc.language.nodes import Marker
from markerc.records import field, record, replace

if TYPE_CHECKING:
    from markerc.compiler.hub import SourceString

__all__ = ["LAYERS", "Item", "Layer", "Source", "Status", "Verdict", "locate"]


#: what happened to an input entry
Status = Literal["kept", "dropped", "expanded", "overridden", "narrowed", "other-engine"]


@record
class Source:
    """One input entry and where it came from."""

    text: str
    layer: Layer
    order: tuple[int, ...]  # output order key: placeholders expand in place, user entries last
    fixed_location: Location | None = None
    string: SourceString | None = field(default=None, repr=False, compare=False)
    where: str = ""  # description when there is no file position ("engine table vllm", "-p")
    via: str | None = None  # the placeholder or rule that produced it
    guard: Marker | None = field(default=None, repr=False)  # marker of the enclosing placeholder
    depth: int = 0
    lineage: tuple[str, ...] = ()  # texts of the enclosing placeholders (the guard's identity)
    #: the hub string whose position an entry derived from it (a placeholder's expansion, a
    #: companion pin) reports; kept as the string, not its position, so that positions are
    #: computed only when asked for and a compiled set can be rebound to another record
    anchor: SourceString | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def location(self) -> Location | None:
        """File position of the entry (computed on first use: most entries never need it)."""
        if self.fixed_location is not None:
            return self.fixed_location
        string = self.positioned_by
        return string.entry_location if string is not None else None

    @property
    def positioned_by(self) -> SourceString | None:
        """The hub string this entry's position comes from (its own, or its anchor)."""
        return self.string if self.string is not None else self.anchor

    def describe(self) -> str:
        place = str(self.location) if self.location else self.where
        return f"{place}{' via ' + self.via if self.via else ''}"


@record
class Item:
    """A requirement that survived evaluation: PEP 508 parts plus its residual condition."""

    source: Source
    key: str  # PEP 503 name, or "url:<url>" for a bare URL without a name
    name: str | None
    extras: tuple[str, ...]
    specifier: tuple[tuple[str, str], ...]
    url: str | None
    cond: algebra.Node  # the canonical residual marker; never FALSE ("same marker" is identity)
    system: bool = False  # from a #system_...# pin
    narrowed_by: tuple[Source, ...] = ()  # higher-layer entries that took part of its condition

    def with_cond(self, cond: algebra.Node, by: tuple[Source, ...] = ()) -> Item:
        return replace(self, cond=cond, narrowed_by=(*self.narrowed_by, *by))


@record
class Verdict:
    """What happened to one input entry."""

    source: Source
    status: Status
    detail: str = ""
    marker: str | None = None  # residual marker text, where kept

    def as_json(self) -> dict[str, object]:
        loc = self.source.location
        return {
            "entry": self.source.text,
            "layer": self.source.layer,
            "location": str(loc) if loc else None,
            "where": self.source.where or None,
            "via": self.source.via,
            "status": self.status,
            "detail": self.detail,
            "marker": self.marker,
        }


def locate(err: MarkercError, source: Source) -> MarkercError:
    """``err``, raised inside an entry's text, placed at the entry's file position."""
    if err.location is not None:
        return err
    if source.string is not None and source.via is None:
        span, string = err.span, source.string
        err = err.with_location(
            string.location(span.start, span.end) if span else string.location()
        )
    elif source.location is not None:
        err = err.with_location(source.location)
    if source.via or not source.location:
        err = err.with_notes(f"in {source.describe()}: {source.text}")
    return err
