"""Checks of an entry's text before the parser sees it: characters that would smuggle a line
into a requirements file (MK003), unsafe text (:func:`markerc.safety.entry_problem`), empty and
comment-only entries (MK004), a leading ``-`` (MK002), and the size limits (MK005)."""

from __future__ import annotations

import re

from markerc.diagnostics import MarkercError, Span
from markerc.safety import blank_strings, entry_problem

MAX_LENGTH = 4096
MAX_DEPTH = 64

_HASH_WORD = re.compile(r"#[ \t]*([A-Za-z0-9_.\-]+)[ \t]*#")
_BAD_LINE_CHARS = re.compile(r"[\n\r\0\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def precheck(text: str, *, entry: bool) -> None:
    bad = _BAD_LINE_CHARS.search(text)
    if bad:
        what = "NUL character" if bad.group() == "\0" else "line break"
        raise MarkercError(
            "MK003",
            f"{what} inside an entry: each entry must be one line (it would smuggle a line "
            "into a requirements file)",
            span=Span(bad.start(), bad.start() + 1),
            text=text,
        )
    unsafe = entry_problem(text) if entry else None
    if unsafe is not None:
        raise MarkercError(
            unsafe.code, unsafe.message, span=Span(unsafe.start, unsafe.end), text=text
        )
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    if not stripped:
        raise MarkercError("MK004", "empty entry", span=Span(0, max(1, len(text))), text=text)
    if len(text) > MAX_LENGTH:
        raise MarkercError(
            "MK005", f"entry is longer than {MAX_LENGTH} characters", span=Span(0, 1), text=text
        )
    if entry and stripped.startswith("-"):
        raise MarkercError(
            "MK002",
            "entry starts with '-': in a requirements file it would become an installer "
            "option; write installer options as block keys (index_url, find_links, ...)",
            span=Span(lead, lead + 1),
            text=text,
        )
    if entry and stripped.startswith("#") and not _HASH_WORD.match(stripped):
        raise MarkercError(
            "MK004",
            "comment-only entry: '#' does not start a placeholder here "
            "(placeholders look like #vllm_dependencies# or #system_torch#)",
            span=Span(lead, len(text.rstrip())),
            text=text,
        )
    depth = deepest = 0
    code = blank_strings(text)  # brackets and 'not' inside a quoted value are text
    for i, ch in enumerate(code):
        if ch == "(":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    raise MarkercError(
                        "MK005",
                        f"marker nested deeper than {MAX_DEPTH} levels",
                        span=Span(i, i + 1),
                        text=text,
                    )
        elif ch == ")":
            depth -= 1
    nots = len(re.findall(r"\bnot\b", code))
    if nots > MAX_DEPTH:
        raise MarkercError(
            "MK005", f"more than {MAX_DEPTH} 'not' operators", span=Span(0, 1), text=text
        )
