"""Parse and check one entry: syntax (:mod:`markerc.language.syntax`) plus names and types
(:func:`markerc.language.markers.resolve`).  This is what every later stage starts from."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import TYPE_CHECKING

from markerc.language.markers import resolve
from markerc.language.nodes import Entry, Marker, Placeholder, Requirement
from markerc.language.syntax import parse_entry, parse_marker

if TYPE_CHECKING:
    from markerc.compiler.engines import EngineTable


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def check_entry(text: str) -> Entry:
    """Parse ``text`` and resolve its marker.  Raises :class:`MarkercError` with a span."""
    entry = parse_entry(text)
    if entry.marker is None:
        return entry
    return replace(entry, marker=resolve(entry.marker, text))


def check_marker(text: str) -> Marker:
    return resolve(parse_marker(text), text)


def render_entry(entry: Entry) -> str:
    """The entry as markerc text (canonical spelling; parses back to an equal entry)."""
    from markerc.language.markers import render_markerc

    head = entry.head.render()
    if entry.marker is None:
        return head
    return f"{head} ; {render_markerc(entry.marker)}"


def legacy_placeholder(head: object, engines: EngineTable) -> Placeholder | None:
    """``vllm_dependencies`` written without hashes, for a known engine."""
    if (
        isinstance(head, Requirement)
        and not head.extras
        and not head.specifier
        and head.url is None
        and head.name.lower().endswith("_dependencies")
    ):
        engine = head.name[: -len("_dependencies")]
        if engines.canonical(engine) is not None:
            return Placeholder(engine=engine.lower(), spelling=head.name, legacy=True)
    return None
