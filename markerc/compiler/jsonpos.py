"""Positions in JSON text: line and column of an offset, the span of a value by its path, and the
located error of text the fast reader refused.

The hub reader (:mod:`markerc.compiler.hub`) decodes a file with the standard library's C
scanner and keeps, for each model record, only the offset where it starts.  Everything here runs
when somebody asks *where*: a diagnostic, an annotation, ``--fix``.

* :class:`HubText` maps an offset to ``line:column`` (a forward cursor, then a line index).
* :func:`value_span` finds the value (or the key) at a path below an offset, descending along
  the path only; siblings are skipped by the C scanner.
* :func:`raise_error` re-reads refused text in Python to raise its first error with the
  position of the offending character (MK201 not JSON, MK620/MK621 strict rules and limits).
"""

from __future__ import annotations

import itertools
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from itertools import accumulate
from typing import NoReturn

from markerc.compiler.strictjson import (
    MAX_DEPTH,
    MAX_STRING_CHARS,
    SCAN_ONCE,
    BadConstant,
    Problem,
    StrictError,
    locate,
    nests_deeper,
    too_deep,
)
from markerc.diagnostics import Location, MarkercError
from markerc.records import record

__all__ = [
    "HubText",
    "Path",
    "located",
    "raise_error",
    "skip_ws",
    "top_items",
    "top_value",
    "value_span",
]

#: object keys and array indexes from a value down to one below it
Path = tuple[str | int, ...]

_WS_MATCH = re.compile(r"[ \t\n\r]*").match
# A JSON string literal, or one of the non-JSON constants Python's scanner accepts.
_CONSTANT_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|(NaN|-?Infinity)', re.DOTALL)


#: backward line queries answered by counting back from the cursor before the line index is built
#: (a compile goes through a file once per engine: a handful of backward steps)
_COUNTED_QUERIES = 64


def _ws(text: str, i: int) -> int:
    m = _WS_MATCH(text, i)
    return m.end() if m is not None else i


@record
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

    @cached_property
    def _backward(self) -> list[int]:
        """How many backward queries were answered by counting newlines."""
        return [0]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of ``offset``."""
        text = self.text
        offset = max(0, min(offset, len(text)))
        if "_line_starts" not in self.__dict__:
            # Queries come mostly in file order: count newlines from the last one (C speed, no
            # index), forward or, a limited number of times, backward.
            cursor = self._cursor
            last, line, line_start = cursor[0]
            if offset >= last:
                newlines = text.count("\n", last, offset)
                if newlines:
                    line += newlines
                    line_start = text.rfind("\n", last, offset) + 1
                cursor[0] = (offset, line, line_start)
                return line + 1, offset - line_start + 1
            if self._backward[0] < _COUNTED_QUERIES:  # a few: counting beats an index
                self._backward[0] += 1
                line = line - text.count("\n", offset, last)
                line_start = text.rfind("\n", 0, offset) + 1
                cursor[0] = (offset, line, line_start)  # later queries go forward from here
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


# --------------------------------------------------------------------------------------------
# Spans of values by path (text the fast reader accepted)


def value_span(text: str, start: int, path: Path, *, key: bool = False) -> tuple[int, int]:
    """``(start, end)`` of the value at ``path`` below the value at offset ``start`` (with
    ``key``: of the key naming the last step).  The path must exist: the text was decoded."""
    i = start
    for depth, step in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(step, int):
            i = _ws(text, i + 1)
            for _ in range(step):
                i = _ws(text, SCAN_ONCE(text, i)[1])
                i = _ws(text, i + 1)  # the comma
            continue
        i = _ws(text, i + 1)
        while True:
            name, key_end = SCAN_ONCE(text, i)
            value_start = _ws(text, _ws(text, key_end) + 1)  # after the colon
            if name == step:
                if last and key:
                    return i, key_end
                i = value_start
                break
            i = _ws(text, SCAN_ONCE(text, value_start)[1])
            i = _ws(text, i + 1)  # the comma
    return i, SCAN_ONCE(text, i)[1]


# --------------------------------------------------------------------------------------------
# The fast reading: a top-level list item by item, with each item's offset


def skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t\n\r":
        i += 1
    return i


def top_items(text: str, i: int) -> Iterator[tuple[int, object]]:
    """The items of the top-level list at ``i`` as ``(offset, value)``, C-decoded one at a
    time.  Raises ValueError on anything that is not strict JSON."""
    i = skip_ws(text, i + 1)
    if text.startswith("]", i):
        if skip_ws(text, i + 1) != len(text):
            _refuse()
        return
    while True:
        try:
            value, end = SCAN_ONCE(text, i)
        except StopIteration:  # no value at i
            _refuse()
        yield i, value
        i = skip_ws(text, end)
        if text.startswith(",", i):
            i = skip_ws(text, i + 1)
            if text.startswith("]", i):
                _refuse()  # a trailing comma
        elif text.startswith("]", i):
            if skip_ws(text, i + 1) != len(text):
                _refuse()
            return
        else:
            _refuse()


def read_document(
    hub: HubText,
    item: Callable[[int, int, object], None],
    top: Callable[[int, object], None],
) -> None:
    """Decode ``hub``'s text: each item of a top-level list goes to ``item(index, offset,
    value)`` as it is decoded, then is dropped (memory holds what ``item`` keeps, not the
    document); any other top-level value goes to ``top(offset, value)``.  MarkercError for text
    that is not strict JSON or nests deeper than :data:`~markerc.strictjson.MAX_DEPTH`.

    Nesting over the limit is the error reported wherever the deep value stands, before any
    other (the callbacks' included): the values are measured as they are decoded, and the whole
    text is scanned for nesting on the way out of a refused file (a fifth of the scan's cost
    for a file that is read)."""
    try:
        read = _read(hub, item, top)
    except MarkercError:  # a callback's
        problem = too_deep(hub.text)
        if problem is not None:
            raise located(hub, problem) from None
        raise
    if not read:  # refused: nesting first, since the error walk must not recurse that deep
        problem = too_deep(hub.text)
        if problem is not None:
            raise located(hub, problem)
        raise_error(hub)


def _read(
    hub: HubText,
    item: Callable[[int, int, object], None],
    top: Callable[[int, object], None],
) -> bool:
    """:func:`read_document`'s decoding; False as soon as the text is refused."""
    text = hub.text
    start = skip_ws(text, 0)
    if text.startswith("[", start):
        items = top_items(text, start)
        for index in itertools.count():
            try:
                found = next(items, None)
            except (ValueError, RecursionError):
                return False
            if found is None:
                break
            if nests_deeper(found[1], MAX_DEPTH - 1):  # the top-level list is one level
                return False
            item(index, *found)
        return True
    try:
        whole = top_value(text, start)
    except (ValueError, StopIteration, RecursionError):
        return False
    if nests_deeper(whole[1], MAX_DEPTH):
        return False
    top(*whole)
    return True


def top_value(text: str, i: int) -> tuple[int, object]:
    value, end = SCAN_ONCE(text, i)
    if skip_ws(text, end) != len(text):
        _refuse()
    return i, value


def _refuse() -> NoReturn:
    raise ValueError("not strict JSON")  # jsonpos.raise_error says what and where


# --------------------------------------------------------------------------------------------
# The located error of refused text


def located(hub: HubText, problem: Problem) -> MarkercError:
    code, message, start, end = problem
    return MarkercError(code, message, location=hub.location(start, end))


def raise_error(hub: HubText) -> NoReturn:
    """Raise the first error of a hub text the strict C decoder refused, located.

    The text is walked as a hub is read (the top-level list or object, each model object's keys,
    ``virtualenv`` blocks and their lists); every other value is decoded by the C scanner, whose
    message and position are kept.  Also refuses what the reader refuses on those parts: a
    string over :data:`~markerc.compiler.strictjson.MAX_STRING_CHARS`."""
    _Walker(hub).document()
    raise MarkercError("MK201", "invalid JSON", location=hub.location(0, 1))  # not reached


class _Walker:
    def __init__(self, hub: HubText) -> None:
        self.hub = hub
        self.text = hub.text

    def fail(self, message: str, pos: int) -> NoReturn:
        raise MarkercError(
            "MK201", f"invalid JSON: {message}", location=self.hub.location(pos, pos + 1)
        )

    def scan(self, i: int) -> tuple[object, int]:
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
            raise located(self.hub, found) from None
        except RecursionError:
            self.fail("value nested too deeply", i)
        if type(value) is str and len(value) > MAX_STRING_CHARS:
            message = f"string of {len(value)} characters (at most {MAX_STRING_CHARS})"
            raise located(self.hub, ("MK621", message, i, end))
        return value, end

    def _constant_pos(self, i: int) -> int:
        for m in _CONSTANT_OR_STRING.finditer(self.text, i):
            if m.group(1):
                return m.start(1)
        return i

    def walk_object(self, i: int, member: Callable[[str, int], int]) -> int:
        """Walk the object at ``i`` (``{``); ``member(key, value_start)`` returns the value end."""
        text, scan = self.text, self.scan
        i = _ws(text, i + 1)
        if text.startswith("}", i):
            return i + 1
        seen: dict[object, int] = {}
        while True:
            if not text.startswith('"', i):
                self.fail("Expecting property name enclosed in double quotes", i)
            key, end = scan(i)
            if key in seen:
                line, col = self.hub.line_col(seen[key])
                message = f"duplicate key {key!r} (first at {line}:{col})"
                raise located(self.hub, ("MK620", message, i, end))
            seen[key] = i
            i = _ws(text, end)
            if not text.startswith(":", i):
                self.fail("Expecting ':' delimiter", i)
            i = _ws(text, member(str(key), _ws(text, i + 1)))
            i, done = self._after_item(i, "}", "object")
            if done:
                return i

    def walk_array(self, i: int, item: Callable[[int], int]) -> int:
        """Walk the array at ``i`` (``[``); ``item(start)`` returns the item's end."""
        text = self.text
        i = _ws(text, i + 1)
        if text.startswith("]", i):
            return i + 1
        while True:
            i, done = self._after_item(_ws(text, item(i)), "]", "array")
            if done:
                return i

    def _after_item(self, i: int, close: str, what: str) -> tuple[int, bool]:
        """After an item or member at ``i``: ``(next item's start, False)`` after a comma, or
        ``(the end, True)`` at the closing bracket; MK201 otherwise."""
        text = self.text
        if text.startswith(",", i):
            comma, i = i, _ws(text, i + 1)
            if text.startswith(close, i):
                self.fail(f"Illegal trailing comma before end of {what}", comma)
            return i, False
        if text.startswith(close, i):
            return i + 1, True
        self.fail("Expecting ',' delimiter", i)

    def skip(self, i: int) -> int:
        return self.scan(i)[1]

    def value(self, i: int, walk: Sequence[str]) -> int:
        """Walk the value at ``i``: an object whose keys in ``walk`` are walked as blocks, or
        anything else decoded by the C scanner."""
        if self.text.startswith("{", i):
            return self.walk_object(i, lambda k, j: self.block(j) if k in walk else self.skip(j))
        return self.skip(i)

    def block(self, i: int) -> int:
        if not self.text.startswith("{", i):
            return self.skip(i)
        return self.walk_object(i, lambda _k, j: self.items(j))

    def items(self, i: int) -> int:
        if self.text.startswith("[", i):
            return self.walk_array(i, self.skip)
        return self.skip(i)

    def document(self) -> None:
        text = self.text
        i = _ws(text, 0)
        if text.startswith("[", i):
            end = self.walk_array(i, lambda j: self.value(j, ("virtualenv",)))
        elif text.startswith("{", i):
            end = self.walk_object(i, self._top_member)
        else:
            end = self.skip(i)
        end = _ws(text, end)
        if end != len(text):
            self.fail("Extra data", end)

    def _top_member(self, key: str, i: int) -> int:
        if key == "virtualenv":
            return self.block(i)
        return self.items(i)
