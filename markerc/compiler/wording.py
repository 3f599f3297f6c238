"""Conditions in words, for people (``explain``, merge notes): a residual condition as PEP 508
text (or markerc's description where PEP 508 has none), and the term that made a marker false."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from markerc.language import algebra
from markerc.language.markers import partial
from markerc.language.nodes import FALSE, TRUE, And, Marker, Not, Or
from markerc.language.rendering import render_markerc

__all__ = ["marker_text", "why_false"]

#: engine-name canonicalisation (``EngineTable.canonical`` with a fallback)
Canon = Callable[[str], str]


def why_false(marker: Marker, bindings: Mapping[str, object], canon: Canon) -> str:
    """The term that made a marker false (the first false conjunct, recursively)."""
    if isinstance(marker, And):
        for item in marker.items:
            if partial(item, bindings, canon) == FALSE:
                return why_false(item, bindings, canon)
    if isinstance(marker, Not) and isinstance(marker.operand, Or):
        for item in marker.operand.items:  # not (a or b) is false where a term holds
            if partial(item, bindings, canon) == TRUE:
                return "not " + render_markerc(item)
    return render_markerc(marker)


def marker_text(cond: algebra.Node) -> str | None:
    """The PEP 508 text of a condition for people (explain): None when it is true; the
    markerc-language description where PEP 508 has no form for it."""
    if cond is algebra.TRUE:
        return None
    try:
        return algebra.render(cond)
    except algebra.NoForm:
        return algebra.describe(cond)
