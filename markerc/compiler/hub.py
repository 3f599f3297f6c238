"""Model-hub JSON with source positions.

A model-hub file (SPEC section 2) is a list of model objects (``llm_family.json``), one model
object (it has ``model_name`` or ``virtualenv``), or a bare block (``{"packages": [...]}``).

The loader keeps the file position of every string it hands out, so that a diagnostic about an
entry can name the line and column of the offending character inside the JSON file, through JSON
escapes.  Speed matters (``markerc check`` runs in pre-commit over a 1.5 MB hub): only the parts
that need positions are walked in Python (the top-level list or object, each model object's keys
and the whole ``virtualenv`` block); every other value is skipped by the standard library's C
scanner (``JSONDecoder.scan_once``), which also validates it.  The walker is not recursive beyond
that fixed shape, so deep nesting cannot exhaust the stack; the C scanner's own ``RecursionError``
on pathological nesting is reported as MK201.

Only a file that cannot be read (MK205) or is not UTF-8 JSON (MK201) raises; structural problems
(wrong types, unknown block keys, an invalid index strategy) are collected in
:attr:`HubFile.diagnostics` and the loader returns what it could.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from typing import Any, NoReturn

from markerc.compiler.strictjson import (
    MAX_STRING_CHARS,
    SCAN_ONCE,
    BadConstant,
    Problem,
    StrictError,
    bad_escape,
    locate,
    too_deep,
)
from markerc.diagnostics import Diagnostic, Location, MarkercError
from markerc.reading import MAX_HUB_BYTES, read_bytes

__all__ = [
    "BLOCK_KEYS",
    "INDEX_STRATEGIES",
    "Block",
    "HubFile",
    "HubText",
    "ModelRecord",
    "SourceString",
    "load_hub",
    "parse_hub",
    "select_records",
]

INDEX_STRATEGIES = ("first-index", "unsafe-first-match", "unsafe-best-match")
BLOCK_KEYS = (
    "packages",
    "index_url",
    "extra_index_url",
    "find_links",
    "trusted_host",
    "index_strategy",
    "no_build_isolation",
    "inherit_pip_config",
)
_MODEL_KEYS = ("model_name", "engine", "model_format", "virtualenv")
_LIST_KEYS = ("extra_index_url", "find_links", "trusted_host")
_BOOL_KEYS = ("no_build_isolation", "inherit_pip_config")

_WS = re.compile(r"[ \t\n\r]*")
_WS_MATCH = _WS.match
# A JSON string literal, or one of the non-JSON constants Python's scanner accepts.
_CONSTANT_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|(NaN|-?Infinity)', re.DOTALL)


# --------------------------------------------------------------------------------------------
# Positions


@dataclass(frozen=True)
class HubText:
    """The text of one hub file plus a lazily built line index (offsets are ``str`` indexes)."""

    path: str
    text: str

    @cached_property
    def _line_starts(self) -> tuple[int, ...]:
        # C-speed running sum of line lengths (+1 for each newline).
        lengths = map((1).__add__, map(len, self.text.split("\n")))
        return tuple(accumulate(lengths, initial=0))

    @cached_property
    def _cursor(self) -> list[tuple[int, int, int]]:
        """``[(offset, line_index, line_start)]`` of the last forward query (one tuple: thread-safe
        swaps).  Keeping the line's start makes a forward query cost the distance moved, not the
        distance to the previous newline (quadratic on a one-line file)."""
        return [(0, 0, 0)]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of ``offset``."""
        text = self.text
        offset = max(0, min(offset, len(text)))
        if "_line_starts" not in self.__dict__:
            # Queries come mostly in file order: count newlines forward from the last one
            # (C speed, no index); build the full index on the first backward query.
            cursor = self._cursor
            last, line, line_start = cursor[0]
            if offset >= last:
                newlines = text.count("\n", last, offset)
                if newlines:
                    line += newlines
                    line_start = text.rfind("\n", last, offset) + 1
                cursor[0] = (offset, line, line_start)
                return line + 1, offset - line_start + 1
        starts = self._line_starts
        line = bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def location(self, offset: int, end: int | None = None) -> Location:
        """Location of ``offset``; ``end`` (exclusive) gives ``end_column`` on the same line."""
        line, col = self.line_col(offset)
        end_column = None
        if end is not None:
            if end <= offset:
                end_column = col
            else:
                end_line, last_col = self.line_col(end - 1)
                if end_line == line:
                    end_column = last_col + 1
        return Location(self.path, line, col, end_column)


@dataclass(frozen=True)
class SourceString:
    """One JSON string literal: its decoded value and where it stands in the file.

    ``start`` is the offset of the opening quote, ``end`` the offset just after the closing quote.
    """

    value: str
    hub: HubText
    start: int
    end: int

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


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
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
    location: Location

    def package_sources(self) -> tuple[tuple[str, SourceString], ...]:
        """``(key, value)`` for every index and find-links value of the block, in key order
        (``index_url``, ``extra_index_url``, ``find_links``)."""
        first = (("index_url", self.index_url),) if self.index_url is not None else ()
        return (
            first
            + tuple(("extra_index_url", s) for s in self.extra_index_url)
            + tuple(("find_links", s) for s in self.find_links)
        )


@dataclass(frozen=True)
class ModelRecord:
    """One model object of a hub file (or the single record of a bare block)."""

    index: int  # position in the file's list; 0 for a single object or a bare block
    name: str | None  # model_name
    engine: SourceString | None
    model_format: str | None
    block: Block | None
    location: Location

    @property
    def engine_name(self) -> str | None:
        return self.engine.value if self.engine is not None else None


@dataclass(frozen=True)
class HubFile:
    path: str
    hub: HubText
    records: tuple[ModelRecord, ...]
    diagnostics: tuple[Diagnostic, ...]

    def names(self) -> tuple[str, ...]:
        """Distinct model names, in file order."""
        return tuple(dict.fromkeys(r.name for r in self.records if r.name is not None))


# --------------------------------------------------------------------------------------------
# Loading


def load_hub(path: str) -> HubFile:
    """Read and parse a hub file.  MK205: unreadable or not a regular file; MK621: larger than
    :data:`~markerc.reading.MAX_HUB_BYTES`; MK201: not UTF-8 or not JSON; MK620-MK622: JSON that
    breaks a strict rule or a limit (:mod:`markerc.compiler.strictjson`)."""
    return parse_hub(decode_utf8(read_bytes(path, MAX_HUB_BYTES), path), path)


def decode_utf8(data: bytes, path: str) -> str:
    """Decode UTF-8 (a leading BOM is dropped); MK201 at the first byte that is not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
        line_start = data.rfind(b"\n", 0, bad) + 1
        line = data.count(b"\n", 0, bad) + 1
        column = len(data[line_start:bad].decode("utf-8", "replace")) + 1
        raise MarkercError(
            "MK201",
            f"file is not valid UTF-8 (byte 0x{data[bad]:02x})",
            location=Location(path, line, column, column + 1),
        ) from None


def parse_hub(text: str, path: str) -> HubFile:
    """Parse hub text (a leading BOM is dropped; offsets refer to the text without it)."""
    text = text.removeprefix("\ufeff")
    hub = HubText(path, text)
    parser = _Parser(hub)
    for problem in (bad_escape(text), too_deep(text)):
        if problem is not None:
            parser.problem(problem)
    records = parser.document()
    diagnostics = sorted(parser.diagnostics, key=_diagnostic_order)
    return HubFile(path, hub, tuple(records), tuple(diagnostics))


def _diagnostic_order(d: Diagnostic) -> tuple[int, int]:
    loc = d.location
    return (loc.line, loc.column) if loc is not None else (0, 0)


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object"


# An object key while walking: (decoded key, offset of its opening quote, offset after it).
_Key = tuple[str, int, int]


class _BlockBuilder:
    """Collects one block's keys; diagnostics are kept apart until the shape is known.

    Locations are computed as the walk goes (in file order), which keeps :class:`HubText`'s
    forward line counting cheap.
    """

    def __init__(self, parser: _Parser, start: int) -> None:
        self.p = parser
        self.location = parser.hub.location(start)
        self.brace = parser.hub.location(start, start + 1)
        self.fields: dict[str, Any] = {}
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, start: int, end: int) -> None:
        self.diagnostics.append(
            Diagnostic.make(code, message, location=self.p.hub.location(start, end))
        )

    def member(self, key: _Key, i: int) -> int:
        """Handle one key whose value starts at ``i``; returns the value's end."""
        name = key[0]
        text = self.p.text
        if name == "packages":
            if text.startswith("[", i):
                items: list[SourceString] = []
                end = self.p.walk_array(i, lambda j: self._string_item(j, name, items))
                self.fields[name] = tuple(items)
                return end
            value, end = self.p.scan(i)
            self.error(
                "MK202", f"'packages' must be a list of strings, not {_json_type(value)}", i, end
            )
            self.fields[name] = ()
            return end
        if name in _LIST_KEYS:
            if text.startswith("[", i):
                items = []
                end = self.p.walk_array(i, lambda j: self._string_item(j, name, items))
                self.fields[name] = tuple(items)
                return end
            value, end = self.p.scan(i)
            if isinstance(value, str):
                self.fields[name] = (SourceString(value, self.p.hub, i, end),)
            elif value is None:
                self.fields[name] = ()
            else:
                self.error(
                    "MK202",
                    f"'{name}' must be a string or a list of strings, not {_json_type(value)}",
                    i,
                    end,
                )
            return end
        value, end = self.p.scan(i)
        if name in ("index_url", "index_strategy"):
            if value is None:
                self.fields[name] = None
            elif not isinstance(value, str):
                self.error("MK202", f"'{name}' must be a string, not {_json_type(value)}", i, end)
            elif name == "index_strategy" and value not in INDEX_STRATEGIES:
                self.error(
                    "MK203",
                    f"invalid index strategy {value!r}; "
                    f"expected one of {', '.join(INDEX_STRATEGIES)}",
                    i,
                    end,
                )
            else:
                self.fields[name] = SourceString(value, self.p.hub, i, end)
        elif name in _BOOL_KEYS:
            if value is None or isinstance(value, bool):
                self.fields[name] = value
            else:
                self.error(
                    "MK202", f"'{name}' must be true or false, not {_json_type(value)}", i, end
                )
        else:
            self.diagnostics.append(self.p.unknown_key(key))
        return end

    def _string_item(self, i: int, key: str, out: list[SourceString]) -> int:
        value, end = self.p.scan(i)
        if isinstance(value, str):
            out.append(SourceString(value, self.p.hub, i, end))
        else:
            self.error(
                "MK202", f"each item of '{key}' must be a string, not {_json_type(value)}", i, end
            )
        return end

    def build(self) -> tuple[Block, list[Diagnostic]]:
        f = self.fields
        diags = list(self.diagnostics)
        if "packages" not in f:
            diags.append(
                Diagnostic.make("MK202", "block has no 'packages' list", location=self.brace)
            )
        block = Block(
            packages=f.get("packages", ()),
            index_url=f.get("index_url"),
            extra_index_url=f.get("extra_index_url", ()),
            find_links=f.get("find_links", ()),
            trusted_host=f.get("trusted_host", ()),
            index_strategy=f.get("index_strategy"),
            no_build_isolation=f.get("no_build_isolation"),
            inherit_pip_config=f.get("inherit_pip_config"),
            location=self.location,
        )
        return block, diags


class _ModelBuilder:
    """Collects one model object's keys of interest; skips the rest at C speed."""

    def __init__(self, parser: _Parser, start: int) -> None:
        self.p = parser
        self.location = parser.hub.location(start)
        self.brace = parser.hub.location(start, start + 1)
        self.name: str | None = None
        self.engine: SourceString | None = None
        self.model_format: str | None = None
        self.block: Block | None = None
        self.seen: set[str] = set()
        self.keys: list[_Key] = []  # every key, for a bare-block reading
        self.diagnostics: list[Diagnostic] = []

    def error(self, message: str, start: int, end: int) -> None:
        self.diagnostics.append(
            Diagnostic.make("MK202", message, location=self.p.hub.location(start, end))
        )

    def member(self, key: _Key, i: int) -> int:
        name = key[0]
        self.keys.append(key)
        if name not in _MODEL_KEYS:
            return self.p.skip(i)
        self.seen.add(name)
        if name == "virtualenv" and self.p.text.startswith("{", i):
            builder = _BlockBuilder(self.p, i)
            end = self.p.walk_object(i, builder.member)
            self.block, diags = builder.build()
            self.diagnostics += diags
            return end
        value, end = self.p.scan(i)
        if name == "virtualenv":
            self.block = None
            if value is not None:
                self.error(f"'virtualenv' must be an object, not {_json_type(value)}", i, end)
        elif value is None:
            pass
        elif not isinstance(value, str):
            self.error(f"'{name}' must be a string, not {_json_type(value)}", i, end)
        elif name == "model_name":
            self.name = value
        elif name == "engine":
            self.engine = SourceString(value, self.p.hub, i, end)
        else:
            self.model_format = value
        return end

    def record(self, index: int) -> ModelRecord:
        return ModelRecord(
            index=index,
            name=self.name,
            engine=self.engine,
            model_format=self.model_format,
            block=self.block,
            location=self.location,
        )


class _Parser:
    def __init__(self, hub: HubText) -> None:
        self.hub = hub
        self.text = hub.text
        self.diagnostics: list[Diagnostic] = []
        self.records: list[ModelRecord] = []
        self._list_index = 0

    # -- low level -----------------------------------------------------------------------

    def fail(self, message: str, pos: int) -> NoReturn:
        raise MarkercError(
            "MK201", f"invalid JSON: {message}", location=self.hub.location(pos, pos + 1)
        )

    def problem(self, found: Problem) -> NoReturn:
        code, message, start, end = found
        raise MarkercError(code, message, location=self.hub.location(start, end))

    def ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]

    def scan(self, i: int) -> tuple[Any, int]:
        """Decode the value at ``i`` with the C scanner: ``(value, end)``; MK201 if invalid."""
        try:
            value, end = SCAN_ONCE(self.text, i)
        except StopIteration as exc:
            self.fail("Expecting value", exc.value)
        except json.JSONDecodeError as exc:
            self.fail(exc.msg, exc.pos)
        except BadConstant as exc:
            self.fail(f"{exc.args[0]} is not valid JSON", self._constant_pos(i))
        except StrictError as exc:
            found = locate(self.text, i)
            if found is None:  # cannot happen: the hook and locate apply the same rules
                self.fail(str(exc), i)
            self.problem(found)
        except RecursionError:
            self.fail("value nested too deeply", i)
        if type(value) is str and len(value) > MAX_STRING_CHARS:
            self.problem(
                ("MK621", f"string of {len(value)} characters (at most {MAX_STRING_CHARS})", i, end)
            )
        return value, end

    def skip(self, i: int) -> int:
        return self.scan(i)[1]

    def _constant_pos(self, i: int) -> int:
        for m in _CONSTANT_OR_STRING.finditer(self.text, i):
            if m.group(1):
                return m.start(1)
        return i

    def unknown_key(self, key: _Key) -> Diagnostic:
        return Diagnostic.make(
            "MK306",
            f"unknown block key {key[0]!r} (known: {', '.join(BLOCK_KEYS)})",
            location=self.hub.location(key[1], key[2]),
        )

    def walk_object(self, i: int, member: Callable[[_Key, int], int]) -> int:
        """Walk the object at ``i`` (``{``); ``member(key, value_start)`` returns the value end."""
        text, ws, scan = self.text, _WS_MATCH, self.scan
        i = ws(text, i + 1).end()
        if text.startswith("}", i):
            return i + 1
        seen: dict[str, int] = {}
        while True:
            if not text.startswith('"', i):
                self.fail("Expecting property name enclosed in double quotes", i)
            key, end = scan(i)
            start = i
            if key in seen:
                line, col = self.hub.line_col(seen[key])
                self.problem(("MK620", f"duplicate key {key!r} (first at {line}:{col})", i, end))
            seen[key] = i
            i = ws(text, end).end()
            if not text.startswith(":", i):
                self.fail("Expecting ':' delimiter", i)
            i = ws(text, member((key, start, end), ws(text, i + 1).end())).end()
            if text.startswith(",", i):
                comma, i = i, ws(text, i + 1).end()
                if text.startswith("}", i):
                    self.fail("Illegal trailing comma before end of object", comma)
            elif text.startswith("}", i):
                return i + 1
            else:
                self.fail("Expecting ',' delimiter", i)

    def walk_array(self, i: int, item: Callable[[int], int]) -> int:
        """Walk the array at ``i`` (``[``); ``item(start)`` returns the item's end."""
        text, ws = self.text, _WS_MATCH
        i = ws(text, i + 1).end()
        if text.startswith("]", i):
            return i + 1
        while True:
            i = ws(text, item(i)).end()
            if text.startswith(",", i):
                comma, i = i, ws(text, i + 1).end()
                if text.startswith("]", i):
                    self.fail("Illegal trailing comma before end of array", comma)
            elif text.startswith("]", i):
                return i + 1
            else:
                self.fail("Expecting ',' delimiter", i)

    # -- document ------------------------------------------------------------------------

    def document(self) -> list[ModelRecord]:
        text = self.text
        i = self.ws(0)
        if text.startswith("[", i):
            end = self.walk_array(i, self._list_item)
        elif text.startswith("{", i):
            end = self._top_object(i)
        else:
            value, end = self.scan(i)
            self.diagnostics.append(
                Diagnostic.make(
                    "MK202",
                    "a model-hub document is a list of model objects, a model object or a block, "
                    f"not {_json_type(value)}",
                    location=self.hub.location(i, end),
                )
            )
        end = self.ws(end)
        if end != len(text):
            self.fail("Extra data", end)
        return self.records

    def _list_item(self, i: int) -> int:
        index = self._list_index
        self._list_index += 1
        if not self.text.startswith("{", i):
            value, end = self.scan(i)
            self.diagnostics.append(
                Diagnostic.make(
                    "MK202",
                    "each item of a model-hub list must be a model object, "
                    f"not {_json_type(value)}",
                    location=self.hub.location(i, end),
                )
            )
            return end
        model = _ModelBuilder(self, i)
        end = self.walk_object(i, model.member)
        self.diagnostics += model.diagnostics
        if "model_name" not in model.seen:
            self.diagnostics.append(
                Diagnostic.make("MK202", "model object has no 'model_name'", location=model.brace)
            )
        self.records.append(model.record(index))
        return end

    def _top_object(self, i: int) -> int:
        model = _ModelBuilder(self, i)
        block = _BlockBuilder(self, i)

        def member(key: _Key, j: int) -> int:
            if key[0] in BLOCK_KEYS:
                return block.member(key, j)
            return model.member(key, j)

        end = self.walk_object(i, member)
        if "model_name" in model.seen or "virtualenv" in model.seen:
            self.diagnostics += model.diagnostics
            self.records.append(model.record(0))
        elif "packages" in block.fields:
            built, diags = block.build()
            self.diagnostics += diags + [self.unknown_key(k) for k in model.keys]
            self.records.append(ModelRecord(0, None, None, None, built, block.location))
        else:
            self.diagnostics.append(
                Diagnostic.make(
                    "MK202",
                    "object is neither a model object (no 'model_name' or 'virtualenv') "
                    "nor a block (no 'packages')",
                    location=model.brace,
                )
            )
        return end


# --------------------------------------------------------------------------------------------
# Selection


def select_records(
    hub: HubFile,
    model: str | None,
    engine: str | None,
    canonical_engine: Callable[[str], str | None],
) -> tuple[ModelRecord, ...]:
    """The records to compile for ``model`` (None: all) and ``engine`` (None: no filtering).

    For each model name, the records whose engine is ``engine`` (after canonicalisation) are
    preferred; without one, the records that declare no engine are taken.  Records that declare
    another engine are skipped.  The result keeps file order and may be empty when every record of
    the model declares another engine.  An unknown ``model`` raises MK204 with a suggestion.
    """
    records = hub.records
    if model is not None:
        records = tuple(r for r in records if r.name == model)
        if not records:
            raise MarkercError("MK204", _not_found_message(hub, model))
    if engine is None:
        return records
    return prefer_engine(records, engine, canonical_engine)


def prefer_engine(
    records: Sequence[ModelRecord], engine: str, canonical_engine: Callable[[str], str | None]
) -> tuple[ModelRecord, ...]:
    """The part of :func:`select_records` after the model filter: of ``records`` (file order),
    those to compile for ``engine``.  It decides per model name, so applying it to one model's
    records (:func:`records_by_group`) gives that model's part of the whole answer."""

    def canon(name: str) -> str:
        return canonical_engine(name) or name.strip().lower()

    wanted = canon(engine)
    specific: set[object] = set()
    for r in records:
        if r.engine is not None and canon(r.engine.value) == wanted:
            specific.add(record_group(r))
    out = []
    for r in records:
        if r.engine is None:
            if record_group(r) not in specific:
                out.append(r)
        elif canon(r.engine.value) == wanted:
            out.append(r)
    return tuple(out)


def record_group(record: ModelRecord) -> object:
    """The records :func:`select_records` decides together: one model name (or one record)."""
    return record.name if record.name is not None else ("#", record.index)


def records_by_group(records: Sequence[ModelRecord]) -> dict[object, list[ModelRecord]]:
    """Records indexed by :func:`record_group`, each list in file order (one pass)."""
    out: dict[object, list[ModelRecord]] = {}
    for r in records:
        out.setdefault(record_group(r), []).append(r)
    return out


def _not_found_message(hub: HubFile, model: str) -> str:
    import difflib

    names = hub.names()
    message = f"model {model!r} not found in {hub.path}"
    close = difflib.get_close_matches(model, names, n=1, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in names}
        close = [lowered[model.lower()]] if model.lower() in lowered else []
    if close:
        message += f"; did you mean {close[0]!r}?"
    elif not names:
        message += " (the file names no models)"
    return message
