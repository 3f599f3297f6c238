"""Marker values as text and syntax trees: :func:`render` (canonical PEP 508 text, the smallest
DNF found), :func:`render_mixed`, :func:`describe` (markerc-language text for messages; never
fails) and :func:`to_marker`.  :class:`NoForm` is the value PEP 508 text cannot write."""

from __future__ import annotations

from markerc.language.cover import Cube, InexactCover, cover, cube_key, terms
from markerc.language.decisions import Variable
from markerc.language.diagram import FALSE, TRUE, Node
from markerc.language.domains import ValueSet
from markerc.language.literals import markerc_literal, pep508_literal
from markerc.language.nodes import FALSE as AST_FALSE
from markerc.language.nodes import TRUE as AST_TRUE
from markerc.language.nodes import And, Marker, Or
from markerc.language.version_sets import VersionSet


class NoForm(Exception):
    """A value that PEP 508 text cannot write exactly (``code``: MK503, or MK520 where a value
    it needs cannot be carried by PEP 508 text)."""

    def __init__(self, why: str, var: Variable | None = None, code: str = "MK503") -> None:
        super().__init__(why)
        self.why = why
        self.var = var
        self.code = code


_RENDER_MEMO: dict[tuple[int, str], tuple[tuple[str, ...], ...] | NoForm] = {}


def _dnf_terms(node: Node, mode: str) -> tuple[tuple[str, ...], ...]:
    """The DNF as comparison texts: a tuple of conjunctions (memoised per node and mode)."""
    key = (node.uid, mode)
    hit = _RENDER_MEMO.get(key)
    if hit is None:
        try:
            hit = _render_cover(cover(node, mode), mode)
        except NoForm as exc:
            hit = exc
        except InexactCover:
            hit = NoForm("markerc finds no PEP 508 marker that writes exactly this condition")
        _RENDER_MEMO[key] = hit
    if isinstance(hit, NoForm):
        raise hit
    return hit


def _render(node: Node, mode: str) -> str:
    if node is TRUE:
        return "true"
    if node is FALSE:
        return "false"
    return " or ".join(" and ".join(cube) if cube else "true" for cube in _dnf_terms(node, mode))


def _render_cover(cubes: list[Cube], mode: str) -> tuple[tuple[str, ...], ...]:
    texts = []
    for cube in cubes:
        parts: list[str] = []
        for var, s in cube:
            t = terms(var, s, mode)
            if t is None:
                bad = _uncarried(var, s) if mode != "markerc" else None
                if bad is not None:
                    raise NoForm(
                        f"the value {markerc_literal(bad)} cannot be written in PEP 508 text that pip "
                        "and uv read alike (a backslash, a character that is not printable, or both "
                        "kinds of quote)",
                        var,
                        "MK520",
                    )
                raise NoForm(_why(var, s, mode), var)
            parts.extend(t)
        texts.append((cube_key(cube, mode), tuple(parts)))
    texts.sort()
    return tuple(t for _, t in texts)


def _uncarried(var: Variable, s: ValueSet) -> str | None:
    """A string of the set's description that PEP 508 text cannot carry, if any."""
    if var.kind == "opaque":
        return var.leaf.value if var.pep is None and var.leaf is not None else None
    strings: list[str] = []
    for attr in ("plus", "minus", "pats"):
        strings.extend(getattr(s, attr, ()))
    nv = getattr(s, "nv", None)
    if nv is not None:
        strings.extend(nv.points)
    return next((t for t in sorted(strings) if pep508_literal(t) is None), None)


def _why(var: Variable, s: ValueSet, mode: str) -> str:
    if not var.standard:
        return f"{var.name} is not a PEP 508 variable"
    if var.kind == "opaque":
        return f"'{var.text}' has no exact PEP 508 complement"
    if (
        var.name == "platform_release"
        and isinstance(s, VersionSet)
        and s.nv is not None
        and s.nv.co
    ):
        return (
            "platform_release can hold strings that are not versions, for which every version "
            "comparison is false, so only ==/!= on such strings can select them"
        )
    return f"no PEP 508 comparison on {var.name} selects exactly these values"


def render(node: Node) -> str:
    """The smallest DNF found for ``node``, in canonical PEP 508 text with double quotes.

    Standard variables only; raises :class:`NoForm` where PEP 508 text cannot say it exactly.
    Constants render as ``true``/``false`` (callers drop or keep the line instead)."""
    return _render(node, "pep508")


def render_mixed(node: Node) -> str:
    """Standard variables in PEP 508 form (NoForm where impossible), custom and template
    variables in the markerc language."""
    return _render(node, "mixed")


def describe(node: Node) -> str:
    """Markerc-language text for messages (``not`` allowed); never fails."""
    try:
        return _render(node, "mixed")
    except NoForm:
        return _render(node, "markerc")


# ====================================================================== syntax trees (compatibility)


def to_marker(node: Node, mode: str = "mixed") -> Marker:
    """A syntax tree for the value: the DNF of :func:`render_mixed`, each comparison parsed
    back (so a long DNF is no single entry to parse)."""
    if node is TRUE:
        return AST_TRUE
    if node is FALSE:
        return AST_FALSE
    from markerc.language.typecheck import check_marker

    cubes = []
    for cube in _dnf_terms(node, mode):
        items = tuple(check_marker(term) for term in cube)
        cubes.append(items[0] if len(items) == 1 else And(items) if items else AST_TRUE)
    return cubes[0] if len(cubes) == 1 else Or(tuple(cubes))
