"""Markers as text: canonical PEP 508 text with double quotes (:func:`render`), the markerc
language (:func:`render_markerc`, ``not`` and custom variables allowed), an order-independent
key (:func:`canonical_text`) and an entry's markerc text (:func:`render_entry`)."""

from __future__ import annotations

from markerc.diagnostics import MarkercError
from markerc.language.nodes import And, Bare, Compare, Const, Entry, Marker, Not


def render_entry(entry: Entry) -> str:
    """The entry as markerc text (canonical spelling; parses back to an equal entry)."""
    head = entry.head.render()
    if entry.marker is None:
        return head
    return f"{head} ; {render_markerc(entry.marker)}"


def _quote(value: str, pep508: bool) -> str:
    if '"' not in value and "\\" not in value and value.isprintable():
        return f'"{value}"'  # the common case, without importing markerc.language.literals
    from markerc.language.literals import markerc_literal, pep508_literal

    if not pep508:
        return markerc_literal(value)
    text = pep508_literal(value)
    if text is None:
        raise MarkercError(
            "MK520",
            f"marker value {markerc_literal(value)} cannot be written in PEP 508 text that pip and "
            "uv read alike (a backslash, a character that is not printable, or both kinds of "
            "quote)",
        )
    return text


def render_leaf(leaf: Compare | Bare, pep508: bool = True) -> str | None:
    """One comparison as text (None: PEP 508 text cannot carry its value)."""
    try:
        return _render(leaf, None, pep508, False)
    except MarkercError:
        return None


def _render(marker: Marker, parent: str | None, pep508: bool, sort: bool) -> str:
    if isinstance(marker, Const):
        return "true" if marker.value else "false"  # never reaches PEP 508 output
    if isinstance(marker, Bare):
        return marker.var.render()
    if isinstance(marker, Compare):
        var = marker.var.render()
        lit = _quote(marker.value, pep508)
        return f"{lit} {marker.op} {var}" if marker.reversed else f"{var} {marker.op} {lit}"
    if isinstance(marker, Not):
        if pep508:
            raise ValueError("'not' has no PEP 508 form; apply nnf() first")
        return "not " + _render(marker.operand, "not", pep508, sort)
    word = "and" if isinstance(marker, And) else "or"
    parts = [_render(m, word, pep508, sort) for m in marker.items]
    if sort:
        parts.sort()
    text = f" {word} ".join(parts)
    needs_parens = parent == "not" or (parent == "and" and word == "or")
    return f"({text})" if needs_parens else text


def render(marker: Marker) -> str:
    """PEP 508 text with double quotes (the marker must be ``not``-free and standard only).
    A value that PEP 508 text cannot carry is MK520."""
    return _render(marker, None, True, False)


def render_markerc(marker: Marker) -> str:
    """Text in the markerc language (``not``, ``#engine#`` and custom variables allowed;
    escapes where a value needs them)."""
    return _render(marker, None, False, False)


def canonical_text(marker: Marker) -> str:
    """An order-independent key: equal for markers that differ only in the order of terms
    (a syntactic key; :mod:`markerc.language.algebra` compares by meaning)."""
    return _render(marker, None, False, True)
