"""Comparisons as values: each resolved comparison is one variable and the set of its values
that satisfy it (:func:`atom`), and a whole marker is their combination (:func:`value`).

Comparisons whose value set is not representable in the variable's domain are *opaque*
(:func:`markerc.language.decisions.opaque_variable`): every reversed comparison on a version
field, ``"x" in platform_release`` and its kin, ``===`` with a non-version on
``platform_release``, and ``VAR in "LITERAL"`` with a literal longer than
:data:`markerc.language.domains.MAX_SUBSTRING_LITERAL`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from markerc.language import variables as V
from markerc.language.arch_sets import ArchSet, arch_key
from markerc.language.decisions import (
    BOOLS,
    OPAQUE,
    Space,
    Variable,
    opaque_variable,
    space,
    variable_of,
)
from markerc.language.diagram import FALSE, TRUE, Node, conj, disj, neg, single
from markerc.language.domains import MAX_SUBSTRING_LITERAL, TooComplex, ValueSet, substrings
from markerc.language.finite_sets import FinCo, Finite
from markerc.language.nodes import And, Bare, Compare, Const, Marker, Not, Or
from markerc.language.string_sets import StrSet
from markerc.language.version_ranges import (
    canonical_literal,
    empty_range,
    is_spelling,
    spec_range,
    valid_spec,
)
from markerc.language.version_sets import VersionSet
from markerc.language.versions import parse_version

if TYPE_CHECKING:
    from packaging.ranges import VersionRange


def _version_set(
    nv: bool, rng: VersionRange, plus: Iterable[str] = (), nvs: Iterable[str] = ()
) -> VersionSet:
    return VersionSet(rng, plus, (), FinCo(nvs) if nv else None, None)


def _point(name: str, lit: str) -> VersionSet:
    """The strings of a version field's domain that equal ``lit`` exactly."""
    nv = V.lookup(name).non_versions
    if is_spelling(lit):
        return _version_set(nv, empty_range(), (lit,))
    if nv and parse_version(lit) is None:
        return _version_set(nv, empty_range(), (), (lit,))
    return _version_set(nv, empty_range())


def _complement_leaf(leaf: Compare, op: str) -> Compare:
    return Compare(leaf.var, op, leaf.value, leaf.reversed)


_SWAP = {"==": "!=", "!=": "==", "in": "not in", "not in": "in"}


def _standard_atom(leaf: Compare) -> tuple[Variable, ValueSet]:
    name, op, lit = leaf.var.name, leaf.op, leaf.value
    var = variable_of(name, False)
    spec = V.lookup(name)
    if spec.domain == "string":
        found = _string_atom(op, lit, leaf.reversed, None)
        return _opaque_atom(leaf) if found is None else (var, found)
    nv = spec.non_versions
    if leaf.reversed:
        return _opaque_atom(leaf)
    if op in ("in", "not in"):
        if len(lit) > MAX_SUBSTRING_LITERAL:
            return _opaque_atom(leaf)
        subs = substrings(lit)
        s = _version_set(
            nv,
            empty_range(),
            (t for t in subs if is_spelling(t)),
            (t for t in subs if parse_version(t) is None) if nv else (),
        )
        return var, (~s if op == "not in" else s)
    if op == "===":
        low = lit.lower()
        if parse_version(lit) is None and nv:
            return _opaque_atom(leaf)
        return var, _version_set(nv, empty_range(), (low,) if is_spelling(low) else ())
    if valid_spec(op, lit):
        rng = spec_range(op + canonical_literal(op, lit))
        assert rng is not None  # the canonical spelling of a valid literal is valid
        return var, _version_set(nv, rng)
    # packaging falls back to its string table
    if op in ("<", ">"):
        return var, _version_set(nv, empty_range())
    if op in ("==", "<=", ">="):
        return var, _point(name, lit)
    if op == "!=":
        return var, ~_point(name, lit)
    raise ValueError(f"{op!r} on {name} (the type checker refuses it)")


def _opaque_atom(leaf: Compare) -> tuple[Variable, ValueSet]:
    """A comparison kept as a boolean variable of its own.  A comparison and its exact
    complement (``==``/``!=``, ``in``/``not in``) share one variable, so ``not ("3" ==
    python_version)`` and ``"3" != python_version`` are one value."""
    complement = None
    if leaf.op in ("in", "not in") or (
        leaf.op in ("==", "!=") and leaf.reversed and parse_version(leaf.value) is not None
    ):
        complement = _complement_leaf(leaf, _SWAP[leaf.op])
    if complement is not None and leaf.op in ("!=", "not in"):
        return opaque_variable(complement, leaf), Finite((False,), OPAQUE)
    return opaque_variable(leaf, complement), Finite((True,), OPAQUE)


def _string_atom(op: str, lit: str, reversed_: bool, unset: bool | None) -> StrSet | None:
    """packaging's string table: ``==``/``<=``/``>=`` equality, ``!=``, ``<``/``>`` false,
    ``in``/``not in`` substring tests (``lhs in rhs``, the variable on either side).

    ``unset``: None for a field without an unset value, else False (every comparison but
    ``!=`` and ``not in`` is false on unset).  None is returned for ``VAR in "LITERAL"`` with a
    literal too long to enumerate."""
    u = None if unset is None else False
    if op in ("<", ">"):
        return StrSet((), (), (), (), u)
    if op in ("==", "<=", ">=", "!="):
        s = StrSet((), (), (lit,), (), u)
    elif op in ("in", "not in"):
        if reversed_:  # "lit" in VAR: VAR contains lit
            s = StrSet.full(False) if lit == "" else StrSet((lit,), (frozenset({lit}),), (), ())
            if u is not None:
                s = StrSet(s.pats, s.cells, s.plus, s.minus, False, reduce=False)
        else:  # VAR in "lit": VAR is a substring of lit
            if len(lit) > MAX_SUBSTRING_LITERAL:
                return None
            s = StrSet((), (), substrings(lit), (), u)
    else:
        raise ValueError(f"{op!r} on a string (the type checker refuses it)")
    return ~s if op in ("!=", "not in") else s


_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_TRUTH = {"true": True, "false": False}


def atom(leaf: Compare | Bare, sp: Space) -> Node:
    """The value of one (resolved) comparison."""
    return single(*_atom(leaf, sp))


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def _atom(leaf: Compare | Bare, sp: Space) -> tuple[Variable, ValueSet]:
    if isinstance(leaf, Bare):
        return variable_of(leaf.var.name, False), Finite((True,), BOOLS)
    kind = V.lookup(leaf.var.name).domain
    name, op, lit = leaf.var.name, leaf.op, leaf.value
    if kind in ("string", "version"):
        return _standard_atom(leaf)
    var = variable_of(name, leaf.var.template)
    if kind == "bool":
        truth = _TRUTH[lit.lower()]
        s = Finite((truth,), BOOLS)
        return var, (s if op == "==" else ~s)
    if kind == "engine":
        if op in ("in", "not in"):
            members = {sp.canon(x) for x in V.split_engine_list(lit)}
        else:
            members = {sp.canon(lit)}
        names = Finite(members, sp.engines)
        return var, (names if op in ("==", "in") else ~names)
    if kind == "cuda_version":
        eff = _FLIP.get(op, op) if leaf.reversed else op
        rng = spec_range(eff + canonical_literal(eff, lit)) if valid_spec(eff, lit) else None
        return var, VersionSet(rng if rng is not None else empty_range(), (), (), None, op == "!=")
    if kind == "arch":
        if op in ("==", "!="):
            spelled = ArchSet((), (lit,))
            return var, (spelled if op == "==" else ~spelled)
        k = arch_key(lit)
        assert k is not None
        eff = _FLIP[op] if leaf.reversed else op
        ivals = {"<": (0, k), "<=": (0, k + 1), ">": (k + 1, None), ">=": (k, None)}[eff]
        return var, ArchSet((ivals,))
    # template variable
    strings = _string_atom(op, lit, leaf.reversed, False)
    if strings is None:
        raise TooComplex(
            f"{leaf.var.render()} in a literal longer than {MAX_SUBSTRING_LITERAL} characters"
        )
    return var, strings


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
