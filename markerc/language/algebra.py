"""The marker algebra: a marker as a canonical value, and everything that reasons about markers.

A marker is a *reduced, ordered, hash-consed multi-valued decision diagram* (after uv's
``MarkerTree``): a node tests one variable, and its edges are sets of that variable's values
(:mod:`markerc.language.domains`) that partition the variable's domain, each leading to a child.  Edges
with the same child are merged and a node whose only edge is the whole domain is its child, so
two markers with the same meaning over the domains are the *same* node (``is`` and ``==``),
and the constants are recognised exactly: a marker is false precisely when no environment of
the domains satisfies it.  Variables are tested in a fixed order (the engine first, then the
custom variables, template variables, and the standard fields).

Public operations: :func:`value` (an AST marker to a node), :func:`conj`, :func:`disj`,
:func:`neg`, :func:`restrict` (partial evaluation), :func:`evaluate`, :func:`is_disjoint`,
:func:`implies`, :func:`engines_where`, :func:`needed` (variables left), :func:`render` (the
smallest DNF found, canonical PEP 508 text) and :func:`describe` (markerc-language text for
messages; never fails).

Comparisons whose value set is not representable in the variable's domain are *opaque*: a
boolean variable of their own (decided exactly, but not related to the other comparisons on
the same field): every reversed comparison on a version field (``"3.9" < python_version``),
``"x" in platform_release`` and its kin, ``===`` with a non-version on ``platform_release``, and
``VAR in "LITERAL"`` with a literal longer than :data:`markerc.language.domains.MAX_SUBSTRING_LITERAL`.
See ``docs/algebra.md``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from markerc.language import domains as D
from markerc.language.markers import (
    ALWAYS_VERSION_FIELDS,
    STRING_FIELDS,
    eval_leaf,
    kind_of,
    partial,
    repair_full_version,
    variables,
)
from markerc.language.nodes import FALSE as AST_FALSE
from markerc.language.nodes import TRUE as AST_TRUE
from markerc.language.nodes import And, Bare, Compare, Const, Marker, Not, Or

if TYPE_CHECKING:
    from markerc.compiler.engines import EngineTable

Set = D.Finite | D.VersionSet | D.StrSet | D.ArchSet

# ====================================================================== variables

_STANDARD_ORDER = (
    "sys_platform",
    "platform_system",
    "os_name",
    "platform_machine",
    "platform_release",
    "platform_version",
    "python_version",
    "python_full_version",
    "implementation_name",
    "implementation_version",
    "platform_python_implementation",
)
_CUSTOM_ORDER = {"engine": 0, "has_cuda": 1, "has_npu": 2, "cuda_version": 3, "cuda_arch": 4}
_TEMPLATE_RANK = 5
_STANDARD_RANK = {name: 10 + i for i, name in enumerate(_STANDARD_ORDER)}
STANDARD_KINDS = frozenset({"string", "version", "opaque"})


class Variable:
    """One decision variable.  ``base`` is the binding key (``engine``, ``has_cuda``, a template
    name, a standard field); an opaque comparison is a variable of its own over ``{true,
    false}``, tested right after the field it reads.  Variables compare and hash by ``order``
    (unique per variable).  (A plain slotted class: defining dataclasses costs start-up time.)"""

    __slots__ = (
        "_hash",
        "base",
        "kind",
        "leaf",
        "name",
        "negated",
        "negated_pep",
        "order",
        "pep",
        "text",
    )

    def __init__(
        self,
        order: tuple[Any, ...],
        name: str,  # as written in marker text: "#engine#", "has_cuda", "#flavour#", "sys_platform"
        kind: str,  # engine | bool | cuda_version | arch | template | string | version | opaque
        base: str,
        leaf: Compare | None = None,  # opaque: the comparison
        text: str = "",  # opaque: its markerc text
        pep: str | None = None,  # ... in PEP 508 (None: it cannot be written)
        negated: str | None = None,  # opaque: its exact complement, markerc text
        negated_pep: str | None = None,  # ... in PEP 508
    ) -> None:
        self.order = order
        self.name = name
        self.kind = kind
        self.base = base
        self.leaf = leaf
        self.text = text
        self.pep = pep
        self.negated = negated
        self.negated_pep = negated_pep
        self._hash = hash(order)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Variable) and self.order == other.order

    def __hash__(self) -> int:
        return self._hash

    def __lt__(self, other: Variable) -> bool:
        return self.order < other.order

    def __repr__(self) -> str:
        return f"Variable({self.name!r})"

    @property
    def standard(self) -> bool:
        return self.kind in STANDARD_KINDS


@functools.cache
def _variable(base: str, template: bool) -> Variable:
    if template:
        if base == "engine":
            return Variable((0, base), "#engine#", "engine", "engine")
        return Variable((_TEMPLATE_RANK, base), f"#{base}#", "template", base)
    if base in _CUSTOM_ORDER:
        kind = {
            "has_cuda": "bool",
            "has_npu": "bool",
            "cuda_version": "cuda_version",
            "cuda_arch": "arch",
        }[base]
        return Variable((_CUSTOM_ORDER[base], base), base, kind, base)
    kind = "string" if base in STRING_FIELDS else "version"
    return Variable((_STANDARD_RANK[base], base), base, kind, base)


def _opaque(leaf: Compare, negated: Compare | None) -> Variable:
    from markerc.language.markers import render_leaf

    text = render_leaf(leaf, pep508=False)
    base = leaf.var.name
    return Variable(
        (_STANDARD_RANK[base], base, text),
        text,
        "opaque",
        base,
        leaf=leaf,
        text=text,
        pep=render_leaf(leaf, pep508=True),
        negated=render_leaf(negated, pep508=False) if negated is not None else None,
        negated_pep=render_leaf(negated, pep508=True) if negated is not None else None,
    )


_BOOLS = frozenset({True, False, None})
_OPAQUE = frozenset({True, False})


# ====================================================================== the engine domain


class Space:
    """The domain of ``#engine#``: the engines of the table in use (and how literals name
    them).  Spaces compare by their engines."""

    __slots__ = ("canon", "engines")

    def __init__(self, engines: frozenset[str], canon: Callable[[str], str] = str.lower) -> None:
        self.engines = engines
        self.canon = canon

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self.engines == other.engines

    def __hash__(self) -> int:
        return hash(self.engines)


@functools.lru_cache(maxsize=64)
def _space_of(table: EngineTable) -> Space:
    return Space(
        frozenset(table.names()), lambda name: table.canonical(name) or name.strip().lower()
    )


def space(table: EngineTable | None = None) -> Space:
    """The engine domain of ``table`` (default: the built-in engine table)."""
    if table is None:
        from markerc.compiler.engines import load_engines

        table = load_engines()
    return _space_of(table)


# ====================================================================== nodes


class Node:
    """A decision-diagram node (interned: equal structure is the same object)."""

    __slots__ = ("__weakref__", "edges", "uid", "var")

    def __init__(self, var: Variable | None, edges: tuple[tuple[Set, Node], ...], uid: int) -> None:
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
_UNIQUE: dict[tuple[Any, ...], Node] = {}
_NEXT = itertools.count(2)


def _mk(var: Variable, edges: Iterable[tuple[Set, Node]]) -> Node:
    merged: dict[int, tuple[Set, Node]] = {}
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


def _single(var: Variable, s: Set) -> Node:
    return _mk(var, ((s, TRUE), (~s, FALSE)))


_AND_MEMO: dict[tuple[int, int], Node] = {}
_OR_MEMO: dict[tuple[int, int], Node] = {}
_NEG_MEMO: dict[int, Node] = {}


def _apply(is_and: bool, a: Node, b: Node) -> Node:
    if is_and:
        if a is FALSE or b is FALSE:
            return FALSE
        if a is TRUE:
            return b
        if b is TRUE:
            return a
    else:
        if a is TRUE or b is TRUE:
            return TRUE
        if a is FALSE:
            return b
        if b is FALSE:
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
        out = _mk(va, edges)
    elif va.order < vb.order:
        out = _mk(va, [(s, _apply(is_and, c, b)) for s, c in a.edges])
    else:
        out = _mk(vb, [(s, _apply(is_and, a, c)) for s, c in b.edges])
    memo[key] = out
    return out


def conj(*nodes: Node) -> Node:
    out = TRUE
    for n in nodes:
        out = _apply(True, out, n)
        if out is FALSE:
            break
    return out


def disj(*nodes: Node) -> Node:
    out = FALSE
    for n in nodes:
        out = _apply(False, out, n)
        if out is TRUE:
            break
    return out


def neg(node: Node) -> Node:
    if node is TRUE:
        return FALSE
    if node is FALSE:
        return TRUE
    hit = _NEG_MEMO.get(node.uid)
    if hit is None:
        assert node.var is not None
        hit = _mk(node.var, [(s, neg(c)) for s, c in node.edges])
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


# ====================================================================== atoms


def _version_set(
    nv: bool, rng: Any, plus: Iterable[str] = (), nvs: Iterable[str] = ()
) -> D.VersionSet:
    return D.VersionSet(rng, plus, (), D.FinCo(nvs) if nv else None, None)


def _point(name: str, lit: str) -> D.VersionSet:
    """The strings of a version field's domain that equal ``lit`` exactly."""
    nv = name == "platform_release"
    if D.is_spelling(lit):
        return _version_set(nv, D._empty_range(), (lit,))
    if nv and D.parse_version(lit) is None:
        return _version_set(nv, D._empty_range(), (), (lit,))
    return _version_set(nv, D._empty_range())


def _complement_leaf(leaf: Compare, op: str) -> Compare:
    return Compare(leaf.var, op, leaf.value, leaf.reversed)


_SWAP = {"==": "!=", "!=": "==", "in": "not in", "not in": "in"}


def _standard_atom(leaf: Compare) -> tuple[Variable, Set]:
    name, op, lit = leaf.var.name, leaf.op, leaf.value
    var = _variable(name, False)
    if name in STRING_FIELDS:
        found = _string_atom(op, lit, leaf.reversed, None)
        return _opaque_atom(leaf) if found is None else (var, found)
    nv = name == "platform_release"
    if leaf.reversed:
        return _opaque_atom(leaf)
    if op in ("in", "not in"):
        if len(lit) > D.MAX_SUBSTRING_LITERAL:
            return _opaque_atom(leaf)
        subs = D.substrings(lit)
        s = _version_set(
            nv,
            D._empty_range(),
            (t for t in subs if D.is_spelling(t)),
            (t for t in subs if D.parse_version(t) is None) if nv else (),
        )
        return var, (~s if op == "not in" else s)
    if op == "===":
        low = lit.lower()
        if D.parse_version(lit) is None and nv:
            return _opaque_atom(leaf)
        return var, _version_set(nv, D._empty_range(), (low,) if D.is_spelling(low) else ())
    if D.valid_spec(op, lit):
        return var, _version_set(nv, D.spec_range(op + D.canonical_literal(op, lit)))
    # packaging falls back to its string table
    if op in ("<", ">"):
        return var, _version_set(nv, D._empty_range())
    if op in ("==", "<=", ">="):
        return var, _point(name, lit)
    if op == "!=":
        return var, ~_point(name, lit)
    raise ValueError(f"{op!r} on {name} (the type checker refuses it)")


def _opaque_atom(leaf: Compare) -> tuple[Variable, Set]:
    """A comparison kept as a boolean variable of its own.  A comparison and its exact
    complement (``==``/``!=``, ``in``/``not in``) share one variable, so ``not ("3" ==
    python_version)`` and ``"3" != python_version`` are one value."""
    complement = None
    if leaf.op in ("in", "not in") or (
        leaf.op in ("==", "!=") and leaf.reversed and D.parse_version(leaf.value) is not None
    ):
        complement = _complement_leaf(leaf, _SWAP[leaf.op])
    if complement is not None and leaf.op in ("!=", "not in"):
        return _opaque(complement, leaf), D.Finite((False,), _OPAQUE)
    return _opaque(leaf, complement), D.Finite((True,), _OPAQUE)


def _string_atom(op: str, lit: str, reversed_: bool, unset: bool | None) -> D.StrSet | None:
    """packaging's string table: ``==``/``<=``/``>=`` equality, ``!=``, ``<``/``>`` false,
    ``in``/``not in`` substring tests (``lhs in rhs``, the variable on either side).

    ``unset``: None for a field without an unset value, else False (every comparison but
    ``!=`` and ``not in`` is false on unset).  None is returned for ``VAR in "LITERAL"`` with a
    literal too long to enumerate."""
    u = None if unset is None else False
    if op in ("<", ">"):
        return D.StrSet((), (), (), (), u)
    if op in ("==", "<=", ">=", "!="):
        s = D.StrSet((), (), (lit,), (), u)
    elif op in ("in", "not in"):
        if reversed_:  # "lit" in VAR: VAR contains lit
            s = D.StrSet.full(False) if lit == "" else D.StrSet((lit,), (frozenset({lit}),), (), ())
            if u is not None:
                s = D.StrSet(s.pats, s.cells, s.plus, s.minus, False, reduce=False)
        else:  # VAR in "lit": VAR is a substring of lit
            if len(lit) > D.MAX_SUBSTRING_LITERAL:
                return None
            s = D.StrSet((), (), D.substrings(lit), (), u)
    else:
        raise ValueError(f"{op!r} on a string (the type checker refuses it)")
    return ~s if op in ("!=", "not in") else s


_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_TRUTH = {"true": True, "false": False}


def atom(leaf: Compare | Bare, sp: Space) -> Node:
    """The value of one (resolved) comparison."""
    return _single(*_atom(leaf, sp))


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def _atom(leaf: Compare | Bare, sp: Space) -> tuple[Variable, Set]:
    if isinstance(leaf, Bare):
        return _variable(leaf.var.name, False), D.Finite((True,), _BOOLS)
    kind = kind_of(leaf.var)
    name, op, lit = leaf.var.name, leaf.op, leaf.value
    if kind in ("string", "version"):
        return _standard_atom(leaf)
    var = _variable(name, leaf.var.template)
    if kind == "bool":
        truth = _TRUTH[lit.lower()]
        s = D.Finite((truth,), _BOOLS)
        return var, (s if op == "==" else ~s)
    if kind == "engine":
        if op in ("in", "not in"):
            import re

            members = {sp.canon(x) for x in re.split(r"[,\s]+", lit) if x}
        else:
            members = {sp.canon(lit)}
        s = D.Finite(members, sp.engines)
        return var, (s if op in ("==", "in") else ~s)
    if kind == "cuda_version":
        eff = _FLIP.get(op, op) if leaf.reversed else op
        rng = D.spec_range(eff + D.canonical_literal(eff, lit)) if D.valid_spec(eff, lit) else None
        return var, D.VersionSet(
            rng if rng is not None else D._empty_range(), (), (), None, op == "!="
        )
    if kind == "arch":
        if op in ("==", "!="):
            s = D.ArchSet((), (lit,))
            return var, (s if op == "==" else ~s)
        k = D.arch_key(lit)
        assert k is not None
        eff = _FLIP[op] if leaf.reversed else op
        ivals = {"<": (0, k), "<=": (0, k + 1), ">": (k + 1, None), ">=": (k, None)}[eff]
        return var, D.ArchSet((ivals,))
    # template variable
    s = _string_atom(op, lit, leaf.reversed, False)
    if s is None:
        raise D.TooComplex(
            f"{leaf.var.render()} in a literal longer than {D.MAX_SUBSTRING_LITERAL} characters"
        )
    return var, s


_VALUE_MEMO: dict[tuple[Marker, Space], Node] = {}


def value(marker: Marker | None, sp: Space | None = None) -> Node:
    """The canonical value of a resolved marker (None, no marker, is true)."""
    if marker is None:
        return TRUE
    sp = sp or space()
    key = (marker, sp)
    hit = _VALUE_MEMO.get(key)
    if hit is None:
        hit = _VALUE_MEMO[key] = _value(marker, sp)
    return hit


def _value(marker: Marker, sp: Space) -> Node:
    if isinstance(marker, Const):
        return TRUE if marker.value else FALSE
    if isinstance(marker, (Compare, Bare)):
        return atom(marker, sp)
    if isinstance(marker, Not):
        return neg(value(marker.operand, sp))
    if isinstance(marker, And):
        return conj(*(value(m, sp) for m in marker.items))
    if isinstance(marker, Or):
        return disj(*(value(m, sp) for m in marker.items))
    raise TypeError(marker)


# ====================================================================== evaluation


def in_domain(var_name: str, value_: object, sp: Space | None = None) -> bool:
    """Whether a binding lies in the variable's domain (restriction decides those; others are
    folded on the syntax tree by :func:`markerc.language.markers.partial`)."""
    if var_name in ALWAYS_VERSION_FIELDS:
        return isinstance(value_, str) and D.is_spelling(value_)
    if var_name == "platform_release":
        return isinstance(value_, str) and (
            D.is_spelling(value_) or D.parse_version(value_) is None
        )
    if var_name in STRING_FIELDS:
        return isinstance(value_, str)
    if var_name in ("has_cuda", "has_npu"):
        return value_ in (True, False, None)
    if var_name == "cuda_version":
        return value_ is None or (isinstance(value_, str) and D.parse_version(value_) is not None)
    if var_name == "cuda_arch":
        return value_ is None or (isinstance(value_, str) and D.arch_key(value_) is not None)
    if var_name == "engine":
        sp = sp or space()
        return isinstance(value_, str) and sp.canon(value_) in sp.engines
    return value_ is None or isinstance(value_, str)  # templates


def restrict(
    node: Node, values: Mapping[str, object], canon: Callable[[str], str] = str.lower
) -> Node:
    """Partial evaluation: ``node`` with the variables of ``values`` (binding key -> value,
    None for unset) fixed.  Values must lie in their domains (:func:`in_domain`)."""
    if node is TRUE or node is FALSE:
        return node
    memo: dict[int, Node] = {}
    vals = dict(values)
    if isinstance(vals.get("python_full_version"), str):
        vals["python_full_version"] = repair_full_version(vals["python_full_version"])  # type: ignore[arg-type]
    if isinstance(vals.get("engine"), str):
        vals["engine"] = canon(vals["engine"])  # type: ignore[arg-type]

    def go(n: Node) -> Node:
        if n is TRUE or n is FALSE:
            return n
        hit = memo.get(n.uid)
        if hit is not None:
            return hit
        var = n.var
        assert var is not None
        if var.base in vals:
            v = vals[var.base]
            if var.kind == "opaque":
                assert var.leaf is not None
                v = eval_leaf(var.leaf, v, canon)
            for s, child in n.edges:
                if s.contains(v):
                    out = go(child)
                    break
            else:
                raise ValueError(f"{v!r} is outside the domain of {var.name}")
        else:
            out = _mk(var, [(s, go(c)) for s, c in n.edges])
        memo[n.uid] = out
        return out

    return go(node)


def residual(
    marker: Marker | None,
    bindings: Mapping[str, object],
    sp: Space | None = None,
    canon: Callable[[str], str] = str.lower,
) -> Node:
    """The canonical value of ``marker`` under ``bindings``: restriction for values in their
    domain; others (an unset standard field, an odd spelling) folded on the syntax tree first,
    with packaging's evaluation."""
    if marker is None:
        return TRUE
    if all(v.name in bindings for v in variables(marker)):  # fully bound: just evaluate
        folded = partial(marker, bindings, canon)
        if isinstance(folded, Const):
            return TRUE if folded.value else FALSE
    odd, plain = split_bindings(bindings, sp)
    if odd:
        marker = partial(marker, odd, canon)
    node = value(marker, sp)
    return restrict(node, plain, canon) if plain else node


def split_bindings(
    bindings: Mapping[str, object], sp: Space | None = None
) -> tuple[dict[str, object], dict[str, object]]:
    """(bindings outside their domains, the others); see :func:`residual`."""
    odd = {k: v for k, v in bindings.items() if not in_domain(k, v, sp)}
    return odd, {k: v for k, v in bindings.items() if k not in odd}


def evaluate(
    node: Node, environment: Mapping[str, object], canon: Callable[[str], str] = str.lower
) -> bool:
    out = restrict(node, environment, canon)
    if out is TRUE:
        return True
    if out is FALSE:
        return False
    raise KeyError(", ".join(v.name for v in support(out)))


# ====================================================================== queries


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


def _project(node: Node, var: Variable, full: Set, empty: Set) -> Set:
    """The values of ``var`` under which ``node`` can hold."""
    memo: dict[int, Set] = {}

    def go(n: Node) -> Set:
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
            env[var.base] = s.pick()  # type: ignore[union-attr]
    return env


def engines_where(node: Node, sp: Space | None = None) -> frozenset[str]:
    """The engines for which the marker can hold (for some value of the other variables)."""
    sp = sp or space()
    full = D.Finite(sp.engines, sp.engines)
    return _project(node, _variable("engine", True), full, ~full).members  # type: ignore[return-value]


# ====================================================================== rendering


class NoForm(Exception):
    """A value that PEP 508 text cannot write exactly (``code``: MK503, or MK520 where a value
    it needs cannot be carried by PEP 508 text)."""

    def __init__(self, why: str, var: Variable | None = None, code: str = "MK503") -> None:
        super().__init__(why)
        self.why = why
        self.var = var
        self.code = code


Cube = tuple[tuple[Variable, Set], ...]


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def _terms(var: Variable, s: Set, mode: str) -> tuple[str, ...] | None:
    found = _terms_uncached(var, s, mode)
    return None if found is None else tuple(found)


def _terms_uncached(var: Variable, s: Set, mode: str) -> list[str] | None:
    """A conjunction for ``var in s``; None where there is none in this mode.

    ``mode``: "pep508" (standard variables only), "mixed" (standard ones in PEP 508, custom
    ones in the markerc language), "markerc" (anything, ``not`` allowed)."""
    custom = not var.standard
    if custom and mode == "pep508":
        return None
    if var.kind == "opaque":
        assert isinstance(s, D.Finite)
        if s.is_full:
            return []
        text = var.text if mode == "markerc" else var.pep
        if s.members == {True}:
            return [text] if text is not None else None
        negated = var.negated if mode == "markerc" else var.negated_pep
        if negated is not None:
            return [negated]
        return [f"not ({var.text})"] if mode == "markerc" else None
    if isinstance(s, D.Finite):
        return D.finite_terms(s, var.name, "bool" if var.kind == "bool" else "engine")
    found = s.terms(var.name, custom)  # type: ignore[union-attr]
    if found is None and mode == "markerc" and isinstance(s, D.StrSet):
        found = s.terms(var.name, True)  # markerc quoting (escapes) for a string field
    if found is None and mode == "markerc":
        found = _markerc_fallback(var, s)
    return found


def _markerc_fallback(var: Variable, s: Set) -> list[str] | None:
    custom = not var.standard
    comp = (~s).terms(var.name, custom)  # type: ignore[union-attr,operator]
    if comp is not None and comp:
        return [f"not ({' and '.join(comp)})" if len(comp) > 1 else f"not {comp[0]}"]
    parts = []
    for piece in s.split():  # type: ignore[union-attr]
        t = piece.terms(var.name, custom)
        if t is None:
            return [f"{var.name} in <{s!r}>"]  # no text of the language says it; for people only
        parts.append(" and ".join(t) if t else "true")
    return [f"({' or '.join(parts)})"]


def _cube_cost(cube: Cube, mode: str) -> int:
    return sum(D.cost(_terms(v, s, mode)) for v, s in cube)


def _cube_node(cube: Iterable[tuple[Variable, Set]]) -> Node:
    return conj(*(_single(v, s) for v, s in cube))


def _paths(node: Node) -> Iterator[list[tuple[Variable, Set]]]:
    if node is TRUE:
        yield []
        return
    if node is FALSE:
        return
    assert node.var is not None
    for s, child in node.edges:
        for rest in _paths(child):
            yield [(node.var, s), *rest]


def _split(s: Set) -> list[Set]:
    return s.split() if hasattr(s, "split") else [s]  # type: ignore[union-attr]


def _candidates(s: Set, bigger: Set) -> list[Set]:
    if hasattr(s, "candidates"):
        return s.candidates(bigger)  # type: ignore[union-attr]
    return [bigger, s]


def _expand(cube: Cube, off: Node, mode: str) -> Cube:
    """Grow each coordinate of ``cube`` as far as the off-set allows (espresso's EXPAND)."""
    coords = dict(cube)
    for var in sorted(coords):  # first drop every coordinate that can go
        rest = _cube_node((v, s) for v, s in coords.items() if v != var)
        s = coords[var]
        allowed = ~_project(conj(rest, off), var, s | ~s, s & ~s)
        if allowed.is_full:
            del coords[var]
    for var in sorted(coords):
        rest = _cube_node((v, s) for v, s in coords.items() if v != var)
        s = coords[var]
        allowed = ~_project(conj(rest, off), var, s | ~s, s & ~s)
        options = [c | s for c in _candidates(s, allowed)]  # never shrink a coordinate
        coords[var] = min(options, key=lambda c: (D.cost(_terms(var, c, mode)), options.index(c)))
    return tuple(sorted(coords.items(), key=lambda vs: vs[0].order))


def _cube_key(cube: Cube, mode: str) -> tuple[Any, ...]:
    return tuple((v.order, tuple(_terms(v, s, mode) or ("~", *s.key()))) for v, s in cube)


def _irredundant(cubes: list[Cube], mode: str) -> list[Cube]:
    keep = list(cubes)
    for cube in sorted(cubes, key=lambda c: (-_cube_cost(c, mode), _cube_key(c, mode))):
        others = [c for c in keep if c is not cube]
        if implies(_cube_node(cube), disj(*(_cube_node(c) for c in others))):
            keep = others
    return keep


#: Above this many starting cubes the cover is the (exact) path cover without EXPAND.
MAX_EXPAND_CUBES = 48


def _cover(node: Node, mode: str) -> list[Cube]:
    assert node.var is not None
    if all(c is TRUE or c is FALSE for _, c in node.edges):  # one variable: its own pieces
        (s,) = [s for s, c in node.edges if c is TRUE]
        whole = ((node.var, s),)
        pieces = [((node.var, p),) for p in _split(s)]
        whole_cost = D.cost(_terms(node.var, s, mode))
        if all(_terms(node.var, p, mode) is not None for ((_, p),) in pieces) and (
            sum(_cube_cost(c, mode) for c in pieces) < whole_cost
        ):
            return pieces
        if whole_cost < D.cost(None):
            return [whole]
    off = neg(node)
    cubes: list[Cube] = []
    for path in _paths(node):
        pieces = [[(v, p) for p in _split(s)] for v, s in path]
        if functools.reduce(lambda n, p: n * len(p), pieces, 1) > 256:
            pieces = [[(v, s)] for v, s in path]
        cubes.extend(tuple(c) for c in itertools.product(*pieces))
    if len(cubes) > MAX_EXPAND_CUBES:
        return cubes
    best: list[Cube] | None = None
    for _ in range(3):
        grown: dict[tuple[Any, ...], Cube] = {}
        for cube in sorted(cubes, key=lambda c: (_cube_cost(c, mode), _cube_key(c, mode))):
            big = _expand(cube, off, mode)
            grown.setdefault(_cube_key(big, mode), big)
        cubes = _irredundant(sorted(grown.values(), key=lambda c: _cube_key(c, mode)), mode)
        cost = sum(_cube_cost(c, mode) for c in cubes)
        if best is not None and cost >= sum(_cube_cost(c, mode) for c in best):
            break
        best = cubes
    assert best is not None
    if (
        disj(*(_cube_node(c) for c in best)) is not node
    ):  # pragma: no cover - a bug, never a wrong marker
        raise AssertionError("marker rendering lost exactness")
    return best


_RENDER_MEMO: dict[tuple[int, str], tuple[tuple[str, ...], ...] | NoForm] = {}


def _dnf_terms(node: Node, mode: str) -> tuple[tuple[str, ...], ...]:
    """The DNF as comparison texts: a tuple of conjunctions (memoised per node and mode)."""
    key = (node.uid, mode)
    hit = _RENDER_MEMO.get(key)
    if hit is None:
        try:
            hit = _render_cover(_cover(node, mode), mode)
        except NoForm as exc:
            hit = exc
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
            t = _terms(var, s, mode)
            if t is None:
                bad = _uncarried(var, s) if mode != "markerc" else None
                if bad is not None:
                    raise NoForm(
                        f"the value {D.markerc_literal(bad)} cannot be written in PEP 508 text that pip "
                        "and uv read alike (a backslash, a character that is not printable, or both "
                        "kinds of quote)",
                        var,
                        "MK520",
                    )
                raise NoForm(_why(var, s, mode), var)
            parts.extend(t)
        texts.append((_cube_key(cube, mode), tuple(parts)))
    texts.sort()
    return tuple(t for _, t in texts)


def _uncarried(var: Variable, s: Set) -> str | None:
    """A string of the set's description that PEP 508 text cannot carry, if any."""
    if var.kind == "opaque":
        return var.leaf.value if var.pep is None and var.leaf is not None else None
    strings: list[str] = []
    for attr in ("plus", "minus", "pats"):
        strings.extend(getattr(s, attr, ()))
    nv = getattr(s, "nv", None)
    if nv is not None:
        strings.extend(nv.points)
    return next((t for t in sorted(strings) if D.pep508_literal(t) is None), None)


def _why(var: Variable, s: Set, mode: str) -> str:
    if not var.standard:
        return f"{var.name} is not a PEP 508 variable"
    if var.kind == "opaque":
        return f"'{var.text}' has no exact PEP 508 complement"
    if (
        var.name == "platform_release"
        and isinstance(s, D.VersionSet)
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
    from markerc.language.entry import check_marker

    cubes = []
    for cube in _dnf_terms(node, mode):
        items = tuple(check_marker(term) for term in cube)
        cubes.append(items[0] if len(items) == 1 else And(items) if items else AST_TRUE)
    return cubes[0] if len(cubes) == 1 else Or(tuple(cubes))
