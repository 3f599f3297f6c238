"""The records of a hub file: its strings with their positions found on demand
(:class:`SourceString`), ``virtualenv`` blocks, model records and the file
(:mod:`markerc.compiler.hub` reads them)."""

from __future__ import annotations

from functools import cached_property

from markerc.compiler.jsonpos import HubText, Path, value_span
from markerc.diagnostics import Diagnostic, Location
from markerc.records import record

__all__ = ["Block", "HubFile", "ModelRecord", "SourceString"]


@record
class SourceString:
    """One JSON string of a hub file: its decoded value and where it stands, found on demand.

    ``anchor`` is the offset where its record starts, ``path`` the keys and indexes from there.
    ``start`` is the offset of the opening quote, ``end`` the offset just after the closing quote.
    """

    value: str
    hub: HubText
    anchor: int
    path: Path

    @cached_property
    def _span(self) -> tuple[int, int]:
        return value_span(self.hub.text, self.anchor, self.path)

    @property
    def list_index(self) -> int | None:
        """The string's index in the JSON list that holds it (the last step of its path), or
        None for a value that is not an item of a list."""
        index = self.path[-1] if self.path else None
        return index if isinstance(index, int) else None

    @property
    def start(self) -> int:
        return self._span[0]

    @property
    def end(self) -> int:
        return self._span[1]

    @cached_property
    def _offsets(self) -> tuple[int, ...] | None:
        """File offset of each decoded character, plus the closing quote; None when no escapes."""
        raw = self.hub.text[self.start + 1 : self.end - 1]
        if "\\" not in raw:
            return None
        base = self.start + 1
        out: list[int] = []
        j, n = 0, len(raw)
        while j < n:
            out.append(base + j)
            if raw[j] != "\\":
                j += 1
            elif raw[j + 1] != "u":
                j += 2
            else:
                unit = int(raw[j + 2 : j + 6], 16)
                if 0xD800 <= unit <= 0xDBFF and raw[j + 6 : j + 8] == "\\u":
                    low = int(raw[j + 8 : j + 12], 16)
                    if 0xDC00 <= low <= 0xDFFF:  # a surrogate pair decodes to one character
                        j += 12
                        continue
                j += 6
        out.append(self.end - 1)
        if len(out) != len(self.value) + 1:  # cannot happen for text the scanner accepted
            return None
        return tuple(out)

    def raw_offset(self, index: int) -> int:
        """File offset of decoded character ``index``; ``len(value)`` maps to the closing quote."""
        index = max(0, min(index, len(self.value)))
        offsets = self._offsets
        if offsets is None:
            return self.start + 1 + index
        return offsets[index]

    def location(self, start: int = 0, end: int | None = None) -> Location:
        """Location of decoded characters ``start..end`` (``end`` None: to the end of the value)."""
        if end is None:
            end = len(self.value)
        first = self.raw_offset(start)
        last = self.raw_offset(max(start, end))
        return self.hub.location(first, max(first, last))

    @cached_property
    def entry_location(self) -> Location:
        """Location of the whole value (cached: compile asks for it once per engine)."""
        return self.location()

    @property
    def literal_location(self) -> Location:
        """Location of the whole literal, quotes included."""
        return self.hub.location(self.start, self.end)

    def __str__(self) -> str:
        return self.value


@record
class Block:
    """One ``virtualenv`` block (or a bare block document)."""

    packages: tuple[SourceString, ...]
    index_url: SourceString | None
    extra_index_url: tuple[SourceString, ...]
    find_links: tuple[SourceString, ...]
    trusted_host: tuple[SourceString, ...]
    index_strategy: SourceString | None
    no_build_isolation: bool | None
    inherit_pip_config: bool | None
    hub: HubText
    anchor: int
    path: Path

    @cached_property
    def values(self) -> tuple[object, ...]:
        """The block's values without positions: equal for blocks that compile alike."""
        return (
            tuple(s.value for s in self.packages),
            self.index_url.value if self.index_url else None,
            tuple(s.value for s in self.extra_index_url),
            tuple(s.value for s in self.find_links),
            tuple(s.value for s in self.trusted_host),
            self.index_strategy.value if self.index_strategy else None,
            bool(self.no_build_isolation),
        )

    @cached_property
    def entries(self) -> tuple[SourceString | None, ...]:
        """``packages`` by index in the JSON list, None where an item is no string (a diagnostic
        reports it): what an origin's index (:attr:`markerc.compiler.result.Origin.entry`, its
        string's :attr:`SourceString.list_index`) points into."""
        if all(s.list_index == i for i, s in enumerate(self.packages)):
            return self.packages
        by_index = {s.list_index: s for s in self.packages}
        size = max((i for i in by_index if i is not None), default=-1) + 1
        return tuple(by_index.get(i) for i in range(size))

    @cached_property
    def location(self) -> Location:
        """Where the block's object starts."""
        return self.hub.location(value_span(self.hub.text, self.anchor, self.path)[0])

    def package_sources(self) -> tuple[tuple[str, SourceString], ...]:
        """``(key, value)`` for every index and find-links value of the block, in key order
        (``index_url``, ``extra_index_url``, ``find_links``)."""
        first = (("index_url", self.index_url),) if self.index_url is not None else ()
        return (
            first
            + tuple(("extra_index_url", s) for s in self.extra_index_url)
            + tuple(("find_links", s) for s in self.find_links)
        )


@record
class ModelRecord:
    """One model object of a hub file (or the single record of a bare block)."""

    index: int  # position in the file's list; 0 for a single object or a bare block
    name: str | None  # model_name
    engine: SourceString | None
    model_format: str | None
    block: Block | None
    hub: HubText
    anchor: int  # offset where the record's object starts

    @cached_property
    def location(self) -> Location:
        return self.hub.location(self.anchor)

    @property
    def engine_name(self) -> str | None:
        return self.engine.value if self.engine is not None else None


@record
class HubFile:
    path: str
    hub: HubText
    records: tuple[ModelRecord, ...]
    diagnostics: tuple[Diagnostic, ...]

    def names(self) -> tuple[str, ...]:
        """Distinct model names, in file order."""
        return tuple(dict.fromkeys(r.name for r in self.records if r.name is not None))
