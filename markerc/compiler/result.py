"""What a compile produces: requirement lines with their provenance, and installer options.

These records are the interface between the compiler (expand/merge/emit) and its consumers
(lock, install, the CLI).  They are immutable and hold only plain data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from markerc.diagnostics import Location
from markerc.records import field, record

if TYPE_CHECKING:
    from markerc.compiler.hub import SourceString
    from markerc.language.algebra import Node

#: the layers of SPEC section 8, lowest precedence first
Layer = Literal["engine", "model", "user"]
LAYERS: tuple[Layer, ...] = ("engine", "model", "user")


@record
class IndexOptions:
    """Package sources for one compiled set (SPEC section 10)."""

    index_url: str | None = None
    extra_index_url: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    trusted_host: tuple[str, ...] = ()
    index_strategy: str | None = None
    no_build_isolation: bool = False
    no_index: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "index_url": self.index_url,
            "extra_index_url": list(self.extra_index_url),
            "find_links": list(self.find_links),
            "trusted_host": list(self.trusted_host),
            "index_strategy": self.index_strategy,
            "no_build_isolation": self.no_build_isolation,
        }

    def pip_lines(self) -> list[str]:
        """Option lines that both pip and uv accept inside a requirements file."""
        out: list[str] = []
        if self.no_index:
            out.append("--no-index")
        if self.index_url:
            out.append(f"--index-url {self.index_url}")
        out += [f"--extra-index-url {u}" for u in self.extra_index_url]
        out += [f"--find-links {u}" for u in self.find_links]
        out += [f"--trusted-host {h}" for h in self.trusted_host]
        return out

    def _flags(self, *, strategy: bool, trusted_host: bool) -> list[str]:
        out: list[str] = []
        if self.no_index:
            out.append("--no-index")
        if self.index_url:
            out += ["--index-url", self.index_url]
        for u in self.extra_index_url:
            out += ["--extra-index-url", u]
        for u in self.find_links:
            out += ["--find-links", u]
        for h in self.trusted_host if trusted_host else ():
            out += ["--trusted-host", h]
        if strategy and self.index_strategy:
            out += ["--index-strategy", self.index_strategy]
        if self.no_build_isolation:
            out.append("--no-build-isolation")
        return out

    def uv_args(self) -> list[str]:
        """Command-line flags for ``uv pip compile`` / ``uv pip install``."""
        return self._flags(strategy=True, trusted_host=False)

    def pip_args(self) -> list[str]:
        """Command-line flags for ``pip install`` / ``pip-compile`` (no index strategy in pip)."""
        return self._flags(strategy=False, trusted_host=True)


@record
class Origin:
    """Where a requirement line came from: the hub entry (or engine table / command line)."""

    layer: Layer
    text: str  # the entry as written
    fixed_location: Location | None = None  # file position of the entry, when it has one
    via: str | None = None  # e.g. "#vllm_dependencies#" for expanded entries
    #: where the entry lives when it is not a hub string: ``engine table vllm (builtin)``,
    #: ``-p/--package #1``, ``torch companion rule``, a launch step
    where: str = ""
    #: the index in its record's ``packages`` list (the JSON index: ``Block.entries``) of the hub
    #: string the entry (or the placeholder it came from) was written as: the position comes from
    #: the record's string, so a set compiled once serves every record with an equal block
    #: (:mod:`markerc.compiler.rebind`)
    entry: int | None = field(default=None, compare=False, repr=False)

    def location(self, strings: Sequence[SourceString | None]) -> Location | None:
        """The entry's file position, its hub string taken from ``strings`` (the strings of the
        record whose set it is, by JSON index: :attr:`CompiledSet.strings`); looked up only when
        someone asks (JSON output never does)."""
        if self.fixed_location is not None:
            return self.fixed_location
        if self.entry is None or not 0 <= self.entry < len(strings):
            return None
        string = strings[self.entry]
        return string.entry_location if string is not None else None

    def describe(self, strings: Sequence[SourceString | None]) -> str:
        location = self.location(strings)
        where = str(location) if location else self.layer
        via = f" via {self.via}" if self.via else ""
        return f"{where}{via}"

    @property
    def place(self) -> str:
        """Where the entry lives, without a file position: ``model``, ``engine table vllm
        (builtin)``, ``-p/--package #1``, ``torch companion rule``."""
        return self.where or self.layer

    def describe_source(self) -> str:
        """The entry by place and text (``model: flash-attn>=2.8 ; has_cuda``): unlike
        :meth:`describe` it does not change when unrelated lines of the hub file move."""
        via = f" via {self.via}" if self.via else ""
        return f"{self.place}: {self.text}{via}"

    def as_json(self, strings: Sequence[SourceString | None] | None = None) -> dict[str, object]:
        """The origin's JSON object; with ``strings`` (its record's), its file position too."""
        doc: dict[str, object] = {
            "layer": self.layer,
            "entry": self.text,
            "place": self.place,
            "via": self.via,
        }
        if strings is not None:
            loc = self.location(strings)
            doc["location"] = str(loc) if loc else None
        return doc


@record
class Line:
    """One output requirement: PEP 508 text without marker, its residual marker, its origins."""

    requirement: str  # e.g. 'vllm[audio]>=0.11' or 'foo @ https://...'
    marker: str | None  # canonical PEP 508 marker text, double quotes; None = unconditional
    origins: tuple[Origin, ...] = ()
    #: the canonical value of the marker (a :class:`markerc.language.algebra.Node`; None when unknown)
    condition: Node | None = field(default=None, compare=False, repr=False)

    def render(self) -> str:
        return f"{self.requirement} ; {self.marker}" if self.marker else self.requirement

    def location(self, strings: Sequence[SourceString | None]) -> Location | None:
        """The file position of the first origin that has one (``strings``: its record's, as
        for :meth:`Origin.location`)."""
        return next((loc for o in self.origins if (loc := o.location(strings)) is not None), None)

    def describe(self, strings: Sequence[SourceString | None]) -> str:
        """Every origin by file position (else layer), for a message."""
        return ", ".join(o.describe(strings) for o in self.origins) or "no recorded origin"


@record
class CompiledSet:
    """The compiled requirements of one (file, model, engine, target)."""

    file: str
    model: str | None
    engine: str
    lines: tuple[Line, ...]
    options: IndexOptions
    target: str | None = None  # target profile name, if any
    bound_markers: tuple[tuple[str, str], ...] = field(default=())  # standard marker values bound
    #: distributions skip-installed never takes from a base environment (launch step 14)
    reinstall: tuple[str, ...] = field(default=())
    #: the set this one was rebound from (:mod:`markerc.compiler.rebind`): the same lines and
    #: options but for positions, so outputs without positions can be rendered once for both
    shared_with: CompiledSet | None = field(default=None, compare=False, repr=False)
    #: the ``packages`` strings of the record compiled, by index in the JSON list
    #: (:attr:`markerc.compiler.hub.Block.entries`): where each origin's position is read
    #: (:meth:`Origin.location`); a rebound set differs from its shared set only here
    strings: tuple[SourceString | None, ...] = field(default=(), compare=False, repr=False)

    def location(self, origin: Origin) -> Location | None:
        """The file position of one of this set's origins."""
        return origin.location(self.strings)

    def describe(self, origin: Origin) -> str:
        """One of this set's origins by file position (else layer), ``via`` what."""
        return origin.describe(self.strings)

    @property
    def requirements(self) -> tuple[str, ...]:
        return tuple(line.render() for line in self.lines)

    def as_json(self) -> dict[str, object]:
        """The element of SPEC 11's JSON array (exactly its fields)."""
        return {
            "file": self.file,
            "model": self.model,
            "engine": self.engine,
            "requirements": list(self.requirements),
            "options": self.options.as_json(),
        }

    def content(self) -> tuple[object, ...]:
        """What an installer gets from this set (requirements in order, option values): equal
        content means an equal requirements file body and an equal lock input."""
        return (self.requirements, self.options)

    def source_json(self, *, location: bool = False) -> dict[str, object]:
        """The ``source`` object of the JSON output: the origins of each requirement, aligned
        with ``requirements``; file positions only with ``location``."""
        return {
            "target": self.target,
            "origins": [
                [o.as_json(self.strings if location else None) for o in line.origins]
                for line in self.lines
            ],
        }
