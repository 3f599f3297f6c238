"""The smallest DNF found for a value: how one coordinate (a variable in a set of its values)
is written as a conjunction (:func:`terms`, per rendering mode), and a cover of the value by
cubes, grown and pruned as espresso does (:func:`cover`).

Modes: ``pep508`` (standard variables only), ``mixed`` (standard ones in PEP 508, custom ones
in the markerc language), ``markerc`` (anything, ``not`` allowed).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator

from markerc.language.decisions import Variable
from markerc.language.diagram import FALSE, TRUE, Node, conj, disj, implies, neg, project, single
from markerc.language.domains import ValueSet, cost
from markerc.language.finite_sets import Finite, finite_terms
from markerc.language.string_sets import StrSet

Cube = tuple[tuple[Variable, ValueSet], ...]


_UNSAFE_IN_WORDS = re.compile(r"[^\w.,:=\[\]() +]")


class InexactCover(Exception):
    """The DNF cover of a value did not give the value back exactly (the caller reports that
    PEP 508 text has no form for it, MK503, instead of writing a wrong marker)."""


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def terms(var: Variable, s: ValueSet, mode: str) -> tuple[str, ...] | None:
    found = _terms_uncached(var, s, mode)
    return None if found is None else tuple(found)


def _terms_uncached(var: Variable, s: ValueSet, mode: str) -> list[str] | None:
    """A conjunction for ``var in s``; None where there is none in this mode.

    ``mode``: "pep508" (standard variables only), "mixed" (standard ones in PEP 508, custom
    ones in the markerc language), "markerc" (anything, ``not`` allowed)."""
    custom = not var.standard
    if custom and mode == "pep508":
        return None
    if var.kind == "opaque":
        assert isinstance(s, Finite)
        if s.is_full:
            return []
        text = var.text if mode == "markerc" else var.pep
        if s.members == {True}:
            return [text] if text is not None else None
        negated = var.negated if mode == "markerc" else var.negated_pep
        if negated is not None:
            return [negated]
        return [f"not ({var.text})"] if mode == "markerc" else None
    if isinstance(s, Finite):
        return finite_terms(s, var.name, "bool" if var.kind == "bool" else "engine")
    found = s.terms(var.name, custom)
    if found is None and mode == "markerc" and isinstance(s, StrSet):
        found = s.terms(var.name, True)  # markerc quoting (escapes) for a string field
    if found is None and mode == "markerc":
        found = _markerc_fallback(var, s)
    return found


def _markerc_fallback(var: Variable, s: ValueSet) -> list[str] | None:
    custom = not var.standard
    comp = (~s).terms(var.name, custom)
    if comp is not None and comp:
        return [f"not ({' and '.join(comp)})" if len(comp) > 1 else f"not {comp[0]}"]
    parts = []
    for piece in s.split():
        t = piece.terms(var.name, custom)
        if t is None:
            # no text of the language says it: a description for people, with nothing in it an
            # installer could read as a quote or an option (the output guard checks every line)
            return [f"{var.name} in <{_UNSAFE_IN_WORDS.sub('', repr(s))}>"]
        parts.append(" and ".join(t) if t else "true")
    return [f"({' or '.join(parts)})"]


def _cube_cost(cube: Cube, mode: str) -> int:
    return sum(cost(terms(v, s, mode)) for v, s in cube)


def cube_node(cube: Iterable[tuple[Variable, ValueSet]]) -> Node:
    return conj(*(single(v, s) for v, s in cube))


def _paths(node: Node) -> Iterator[list[tuple[Variable, ValueSet]]]:
    if node is TRUE:
        yield []
        return
    if node is FALSE:
        return
    assert node.var is not None
    for s, child in node.edges:
        for rest in _paths(child):
            yield [(node.var, s), *rest]


def _expand(cube: Cube, off: Node, mode: str) -> Cube:
    """Grow each coordinate of ``cube`` as far as the off-set allows (espresso's EXPAND)."""
    coords = dict(cube)
    for var in sorted(coords):  # first drop every coordinate that can go
        rest = cube_node((v, s) for v, s in coords.items() if v != var)
        s = coords[var]
        allowed = ~project(conj(rest, off), var, s | ~s, s & ~s)
        if allowed.is_full:
            del coords[var]
    for var in sorted(coords):
        rest = cube_node((v, s) for v, s in coords.items() if v != var)
        s = coords[var]
        allowed = ~project(conj(rest, off), var, s | ~s, s & ~s)
        options = [c | s for c in s.candidates(allowed)]  # never shrink a coordinate
        coords[var] = min(options, key=lambda c: (cost(terms(var, c, mode)), options.index(c)))
    return tuple(sorted(coords.items(), key=lambda vs: vs[0].order))


def cube_key(cube: Cube, mode: str) -> tuple[object, ...]:
    return tuple((v.order, tuple(terms(v, s, mode) or ("~", *s.key()))) for v, s in cube)


def _irredundant(cubes: list[Cube], mode: str) -> list[Cube]:
    keep = list(cubes)
    for cube in sorted(cubes, key=lambda c: (-_cube_cost(c, mode), cube_key(c, mode))):
        others = [c for c in keep if c is not cube]
        if implies(cube_node(cube), disj(*(cube_node(c) for c in others))):
            keep = others
    return keep


#: Above this many starting cubes the cover is the (exact) path cover without EXPAND.
MAX_EXPAND_CUBES = 48


def cover(node: Node, mode: str) -> list[Cube]:
    assert node.var is not None
    if all(c is TRUE or c is FALSE for _, c in node.edges):  # one variable: its own pieces
        (s,) = [s for s, c in node.edges if c is TRUE]
        whole = ((node.var, s),)
        pieces: list[Cube] = [((node.var, p),) for p in s.split()]
        whole_cost = cost(terms(node.var, s, mode))
        if all(terms(node.var, p, mode) is not None for ((_, p),) in pieces) and (
            sum(_cube_cost(c, mode) for c in pieces) < whole_cost
        ):
            return pieces
        if whole_cost < cost(None):
            return [whole]
    off = neg(node)
    cubes: list[Cube] = []
    for path in _paths(node):
        choices = [[(v, p) for p in s.split()] for v, s in path]
        if functools.reduce(lambda n, p: n * len(p), choices, 1) > 256:
            choices = [[(v, s)] for v, s in path]
        cubes.extend(tuple(c) for c in itertools.product(*choices))
    if len(cubes) > MAX_EXPAND_CUBES:
        return cubes
    best: list[Cube] | None = None
    for _ in range(3):
        grown: dict[tuple[object, ...], Cube] = {}
        for cube in sorted(cubes, key=lambda c: (_cube_cost(c, mode), cube_key(c, mode))):
            big = _expand(cube, off, mode)
            grown.setdefault(cube_key(big, mode), big)
        cubes = _irredundant(sorted(grown.values(), key=lambda c: cube_key(c, mode)), mode)
        total = sum(_cube_cost(c, mode) for c in cubes)
        if best is not None and total >= sum(_cube_cost(c, mode) for c in best):
            break
        best = cubes
    assert best is not None
    if disj(*(cube_node(c) for c in best)) is not node:
        # the cubes found do not give the value back exactly (seen on contrived mixes of
        # substring and version tests of one version field): no marker rather than a wrong one
        raise InexactCover(node)
    return best
