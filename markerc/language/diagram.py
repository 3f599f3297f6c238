"""The decision diagrams: interned nodes (equal structure is the same object), the set
operations on them (:func:`conj`, :func:`disj`, :func:`neg`), and the queries that read them
(:func:`support`, :func:`needed`, :func:`project`, :func:`witness`).

A node tests one :class:`markerc.language.decisions.Variable`; its edges are sets of that
variable's values (:class:`markerc.language.domains.ValueSet`) that partition the domain, each
leading to a child.  Edges with the same child are merged and a node whose only edge is the
whole domain is its child, so two markers with the same meaning are the same node.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from markerc.language.decisions import Variable
from markerc.language.domains import ValueSet


class Node:
    """A decision-diagram node (interned: equal structure is the same object)."""

    __slots__ = ("__weakref__", "edges", "uid", "var")

    def __init__(
        self, var: Variable | None, edges: tuple[tuple[ValueSet, Node], ...], uid: int
    ) -> None:
        self.var = var
        self.edges = edges
        self.uid = uid

    def __repr__(self) -> str:
        if self is TRUE:
            return "<true>"
        if self is FALSE:
            return "<false>"
        return f"<node {self.var.name if self.var else '?'} #{self.uid}>"

    def __bool__(self) -> bool:  # never use a node as a truth value by accident
        raise TypeError("use is_true()/is_false() on a marker value")


TRUE = Node(None, (), 1)
FALSE = Node(None, (), 0)
_UNIQUE: dict[tuple[object, ...], Node] = {}
_NEXT = itertools.count(2)


def make(var: Variable, edges: Iterable[tuple[ValueSet, Node]]) -> Node:
    merged: dict[int, tuple[ValueSet, Node]] = {}
    for s, child in edges:
        if s.is_empty:
            continue
        prev = merged.get(child.uid)
        merged[child.uid] = (s if prev is None else prev[0] | s, child)
    if len(merged) == 1:
        return next(iter(merged.values()))[1]
    ordered = tuple(sorted(merged.values(), key=lambda e: e[0].key()))
    key = (var, tuple((s, c.uid) for s, c in ordered))
    node = _UNIQUE.get(key)
    if node is None:
        node = _UNIQUE[key] = Node(var, ordered, next(_NEXT))
    return node


def single(var: Variable, s: ValueSet) -> Node:
    return make(var, ((s, TRUE), (~s, FALSE)))


_AND_MEMO: dict[tuple[int, int], Node] = {}
_OR_MEMO: dict[tuple[int, int], Node] = {}
_NEG_MEMO: dict[int, Node] = {}
#: and (True) / or (False) -> (its absorbing node, its unit node)
_ENDS = {True: (FALSE, TRUE), False: (TRUE, FALSE)}


def _apply(is_and: bool, a: Node, b: Node) -> Node:
    absorbing, unit = _ENDS[is_and]
    if a is absorbing or b is absorbing:
        return absorbing
    if a is unit:
        return b
    if b is unit:
        return a
    if a is b:
        return a
    key = (a.uid, b.uid) if a.uid < b.uid else (b.uid, a.uid)
    memo = _AND_MEMO if is_and else _OR_MEMO
    hit = memo.get(key)
    if hit is not None:
        return hit
    va, vb = a.var, b.var
    assert va is not None and vb is not None
    if va.order == vb.order:
        edges = []
        for sa, ca in a.edges:
            for sb, cb in b.edges:
                s = sa & sb
                if not s.is_empty:
                    edges.append((s, _apply(is_and, ca, cb)))
        out = make(va, edges)
    elif va.order < vb.order:
        out = make(va, [(s, _apply(is_and, c, b)) for s, c in a.edges])
    else:
        out = make(vb, [(s, _apply(is_and, a, c)) for s, c in b.edges])
    memo[key] = out
    return out


def _join(is_and: bool, nodes: tuple[Node, ...]) -> Node:
    """``nodes`` joined by ``and`` (``is_and``) or ``or``, stopping at the absorbing node."""
    absorbing, out = _ENDS[is_and]
    for n in nodes:
        out = _apply(is_and, out, n)
        if out is absorbing:
            break
    return out


def conj(*nodes: Node) -> Node:
    return _join(True, nodes)


def disj(*nodes: Node) -> Node:
    return _join(False, nodes)


def neg(node: Node) -> Node:
    if node.var is None:  # TRUE or FALSE
        return FALSE if node is TRUE else TRUE
    hit = _NEG_MEMO.get(node.uid)
    if hit is None:
        hit = make(node.var, [(s, neg(c)) for s, c in node.edges])
        _NEG_MEMO[node.uid] = hit
        _NEG_MEMO[hit.uid] = node
    return hit


def is_true(node: Node) -> bool:
    return node is TRUE


def is_false(node: Node) -> bool:
    return node is FALSE


def is_disjoint(a: Node, b: Node) -> bool:
    """True when no environment satisfies both."""
    return conj(a, b) is FALSE


def implies(a: Node, b: Node) -> bool:
    """True when every environment that satisfies ``a`` satisfies ``b``."""
    return conj(a, neg(b)) is FALSE


def support(node: Node) -> list[Variable]:
    """The variables a value depends on, in decision order."""
    seen: set[int] = set()
    found: set[Variable] = set()

    def go(n: Node) -> None:
        if n.var is None or n.uid in seen:
            return
        seen.add(n.uid)
        found.add(n.var)
        for _, c in n.edges:
            go(c)

    go(node)
    return sorted(found)


def needed(node: Node) -> list[Variable]:
    """Variables that pip and uv cannot evaluate (custom and template variables) still in the
    value."""
    return [v for v in support(node) if not v.standard]


def project(node: Node, var: Variable, full: ValueSet, empty: ValueSet) -> ValueSet:
    """The values of ``var`` under which ``node`` can hold."""
    memo: dict[int, ValueSet] = {}

    def go(n: Node) -> ValueSet:
        if n is FALSE:
            return empty
        if n is TRUE:
            return full
        hit = memo.get(n.uid)
        if hit is not None:
            return hit
        assert n.var is not None
        if n.var == var:
            out = empty
            for s, c in n.edges:
                if c is not FALSE:
                    out = out | s
        elif var.order < n.var.order:
            out = full
        else:
            out = empty
            for _, c in n.edges:
                out = out | go(c)
                if out.is_full:
                    break
        memo[n.uid] = out
        return out

    return go(node)


def witness(node: Node) -> dict[str, object] | None:
    """An environment (binding key -> value) that satisfies ``node`` on every variable it
    tests, None for FALSE.  Opaque comparisons get no value of their own (their field's value
    is chosen for the field's other tests only)."""
    if node is FALSE:
        return None
    env: dict[str, object] = {}
    n = node
    while n is not TRUE:
        var = n.var
        assert var is not None
        s, n = next((s, c) for s, c in n.edges if c is not FALSE)
        if var.kind != "opaque":
            env[var.base] = s.pick()
    return env
