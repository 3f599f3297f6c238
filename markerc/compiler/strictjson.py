"""Strict JSON rules and limits for hub files, on top of the standard library's C scanner.

The hub loader (:mod:`markerc.compiler.hub`) walks the parts of a hub it needs in Python and lets the C
scanner skip the rest.  This module makes both strict, at C speed on the fast path:

* :data:`SCAN_ONCE` is the C scanner with hooks that refuse a duplicate key in any object,
  a number literal longer than :data:`MAX_NUMBER_CHARS` and ``NaN``/``Infinity``.  A hook only
  says *that* something is wrong; :func:`locate` then re-reads that one value in Python to say
  *where* (the error path only).
* :func:`bad_escape` finds a lone surrogate (``"\\ud800"``) or NUL (``"\\u0000"``) escape
  anywhere in the file; :func:`too_deep` finds nesting deeper than :data:`MAX_DEPTH`.  Both are
  linear, C-speed scans of the whole text; the reader runs the second only on a file it refuses,
  and measures decoded values with :func:`nests_deeper` instead.

Every limit is documented in ``docs/security-reading.md``.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any, NoReturn

__all__ = [
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
    "MAX_STRING_CHARS",
    "SCAN_ONCE",
    "BadConstant",
    "Problem",
    "StrictError",
    "bad_escape",
    "locate",
    "nests_deeper",
    "too_deep",
]

MAX_DEPTH = 100  # arrays and objects nested in each other (a real hub needs 6)
MAX_NUMBER_CHARS = 100  # characters of one number literal, sign and exponent included
MAX_STRING_CHARS = 65536  # characters of one string markerc reads (key, name, entry, URL)


class BadConstant(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity``: Python's scanner accepts them, JSON does not."""


class StrictError(ValueError):
    """Raised from a scanner hook: a duplicate key or an over-long number somewhere in a value."""


# A problem found by :func:`locate`: (code, message, offset, end offset).
Problem = tuple[str, str, int, int]


def _reject_constant(name: str) -> NoReturn:
    raise BadConstant(name)


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise StrictError("duplicate key")
    return out


def _int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise StrictError("number too long")
    return int(literal)


def _float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise StrictError("number too long")
    return float(literal)


SCAN_ONCE: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder(  # type: ignore[attr-defined]
    parse_constant=_reject_constant, object_pairs_hook=_pairs, parse_int=_int, parse_float=_float
).scan_once

# -- whole-text scans -------------------------------------------------------------------------

_SUSPECT = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
# Every escape, left to right (so that "\\\\u0000" is an escaped backslash, then text): a valid
# surrogate pair, a lone surrogate or NUL (group 1), or any other escape.
_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    r"|\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})"
    r"|\\[^u]|\\u"
)
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_NOT_ESCAPE_OR_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"\\bfnrtu/')
_ESCAPE_ENDS = bytes.maketrans(b"bfnrtu/", b"xxxxxxx")
_ANY_ESCAPE = re.compile(rb"\\.", re.DOTALL)
# a backslash before a character no JSON escape ends with: an escape JSON does not have, unless
# the backslash is the second of an escaped backslash (the search skips from backslash to
# backslash: the pattern's literal prefix)
_MAYBE_BAD_ESCAPE = re.compile(rb'\\(?:[^"\\/bfnrtu]|\Z)')
_DEPTH_BYTES = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def bad_escape(text: str) -> Problem | None:
    """The first lone-surrogate or NUL escape in ``text``, or None."""
    if _SUSPECT.search(text) is None:  # the fast path: no candidate at all
        return None
    for m in _ESCAPE.finditer(text):
        unit = m.group(1)
        if unit is None:
            continue
        if unit == "0000":
            what = "a NUL character (\\u0000)"
        else:
            what = f"a lone surrogate (\\u{unit}), which is no character"
        return ("MK622", f"string escape decodes to {what}", m.start(), m.end())
    return None


def _bad_escape(data: bytes) -> bool:
    """Whether ``data`` holds an escape JSON does not have (``\\q``, a backslash at the end)."""
    for m in _MAYBE_BAD_ESCAPE.finditer(data):
        start = j = m.start()
        while j > 0 and data[j - 1] == 0x5C:  # the backslashes before it
            j -= 1
        if (start - j) % 2 == 0:  # read in pairs from the run's start, it begins an escape
            return True
    return False


def too_deep(text: str) -> Problem | None:
    """Nesting deeper than :data:`MAX_DEPTH` anywhere in ``text`` (strings ignored), or None."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    # In bytes (faster): keep only brackets, quotes, backslashes and the characters an escape can
    # end with (``bfnrtu/``, as ``x``; text with any other escape is no JSON, read the slow way);
    # drop each escape of a quote or a backslash, left to right as JSON reads escapes (each pair
    # of backslashes is one escaped backslash; a backslash left before a quote escapes it); drop
    # the rest but brackets and quotes; drop each "" (an empty string, or two strings with no
    # bracket between them: merging them changes no bracket outside strings); then every odd
    # piece between the remaining quotes is a string's content.  Only translations and plain
    # searches: a regular expression over the whole text was most of a hub's reading time.
    data = text.encode("utf-8", "surrogatepass")
    if _bad_escape(data):  # not JSON: every escape removed the slow way
        data = _ANY_ESCAPE.sub(b"", data)
    elif b"\\" in data:
        data = data.translate(_ESCAPE_ENDS, _NOT_ESCAPE_OR_STRUCTURE)
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    brackets = b"".join(kept.split(b'"')[0::2]).translate(_DEPTH_BYTES)
    if len(brackets) <= MAX_DEPTH:
        return None
    # Each pass drops the innermost pairs ("[]" is b"\x02\x00"), so the nesting depth is the
    # number of passes that empty the sequence: a few for a real hub.
    rest = brackets
    for _ in range(MAX_DEPTH):
        fewer = rest.replace(b"\x02\x00", b"")
        if not fewer:
            return None
        if len(fewer) == len(rest):  # unbalanced: the exact count below decides
            break
        rest = fewer
    # depth after bracket k is sum(+1 / -1) = sum(2 / 0) - (k + 1): all at C speed.
    rises = accumulate(brackets)
    if max(map(operator.sub, rises, range(1, len(brackets) + 1))) <= MAX_DEPTH:
        return None
    return locate(text, 0, depth_only=True) or ("MK621", _deep_message(), 0, 1)


def nests_deeper(value: object, limit: int) -> bool:
    """Whether decoded JSON ``value`` has arrays and objects nested more than ``limit`` levels
    deep (level by level, no recursion: a fifth of :func:`too_deep`'s cost on a real hub)."""
    level = [value] if type(value) is dict or type(value) is list else []
    for _ in range(limit):
        if not level:
            return False
        level = [
            c
            for v in level
            for c in (v.values() if type(v) is dict else v)
            if type(c) is dict or type(c) is list
        ]
    return bool(level)


def _deep_message() -> str:
    return f"arrays and objects nested more than {MAX_DEPTH} levels deep"


# -- locating a problem the hooks reported ----------------------------------------------------

_TOKEN = re.compile(
    r'[ \t\n\r]+|"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]|[^ \t\n\r{}\[\]:,"]+', re.DOTALL
)


def locate(text: str, start: int, *, depth_only: bool = False) -> Problem | None:
    """Re-read the value at ``start`` in Python: the first duplicate key, over-long number or
    over-deep bracket in file order (only the last with ``depth_only``), or None."""
    stack: list[dict[str, int] | None] = []  # one dict of keys per open object, None per array
    expect_key = False
    pos = start
    for m in _TOKEN.finditer(text, start):
        tok = m.group()
        pos = m.start()
        first = tok[0]
        if first in " \t\n\r":
            continue
        if first in "[{":
            stack.append({} if first == "{" else None)
            expect_key = first == "{"
            if len(stack) > MAX_DEPTH:
                return ("MK621", _deep_message(), pos, pos + 1)
            continue
        if first in "]}":
            if not stack:
                return None
            stack.pop()
            expect_key = False
        elif first == ",":
            expect_key = bool(stack) and stack[-1] is not None
            continue
        elif first == ":":
            continue
        elif first == '"':
            if expect_key and stack and stack[-1] is not None and not depth_only:
                problem = _key(stack[-1], tok, text, pos, m.end())
                if problem is not None:
                    return problem
            expect_key = False
        elif len(tok) > MAX_NUMBER_CHARS and not depth_only and (first == "-" or first.isdigit()):
            return (
                "MK621",
                f"number literal of {len(tok)} characters (at most {MAX_NUMBER_CHARS})",
                pos,
                m.end(),
            )
        if not stack:  # a whole top-level scalar or container was read
            return None
    return None


def _key(keys: dict[str, int], tok: str, text: str, pos: int, end: int) -> Problem | None:
    try:
        name = json.loads(tok)
    except ValueError:
        return None
    if not isinstance(name, str):
        return None
    if name in keys:
        first = keys[name]
        line = text.count("\n", 0, first) + 1
        col = first - text.rfind("\n", 0, first)
        return ("MK620", f"duplicate key {name!r} (first at {line}:{col})", pos, end)
    keys[name] = pos
    return None
