"""Markers as syntax trees: evaluation, partial evaluation, traversal, and the operations that go
through the marker algebra (residual, negation, simplification).

* standard PEP 508 variables keep packaging 26's semantics exactly: the four version fields
  try a PEP 440 specifier first; every field falls back to the string table
  (``==``/``!=``/``in``/``not in`` are string operations, ``<=``/``>=`` mean ``==``,
  ``<``/``>`` are false);
* ``#engine#``: engine names, case-insensitive, ``==``, ``!=``, ``in``/``not in`` a comma- or
  space-separated list; ``has_cuda``/``has_npu``: booleans; ``cuda_version``: a PEP 440
  version; ``cuda_arch``: ``sm_<major><minor>[a|f]`` ordered by compute capability; any other
  ``#name#``: a string bound with ``--set`` (the variables: :mod:`markerc.language.variables`).

Bindings map a variable's canonical name to its value; ``None`` means *unset* (known absent),
a missing key means *unbound*.  An unset value makes every comparison false except ``!=`` and
``not in``.  Evaluation is total and short-circuit.  Names and types are checked before
(:mod:`markerc.language.typecheck`); text comes out of :mod:`markerc.language.rendering`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from markerc.diagnostics import MarkercError
from markerc.language.nodes import (
    FALSE,
    TRUE,
    And,
    Bare,
    Compare,
    Const,
    Marker,
    Not,
    Or,
    Var,
)
from markerc.language.variables import VERSION_FIELDS, is_standard, lookup, split_engine_list
from markerc.language.versions import release_matches, specifier

if TYPE_CHECKING:
    from markerc.language.algebra import Node

Bindings = Mapping[str, object]  # a value: str | bool | None (unset)
Canon = Callable[[str], str]

_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_ARCH = re.compile(r"sm_(\d+)([af]?)")
_TRUTH = {"true": True, "false": False}


def _arch_key(text: str) -> tuple[int, int] | None:
    m = _ARCH.fullmatch(text)
    if not m:
        return None
    digits = m.group(1)
    if len(digits) < 2:
        return (0, int(digits))
    return (int(digits[:-1]), int(digits[-1]))


# ---------------------------------------------------------------- evaluation


def _string_op(op: str, lhs: str, rhs: str) -> bool:
    if op == "in":
        return lhs in rhs
    if op == "not in":
        return lhs not in rhs
    if op in ("==", "<=", ">="):
        return lhs == rhs
    if op == "!=":
        return lhs != rhs
    return False  # "<", ">" (and ~= / === which resolve() rejects)


def repair_full_version(value: str) -> str:
    """packaging's repair of ``python_full_version`` for untagged builds: ``3.11.1+`` is read
    as ``3.11.1+local`` (``Marker.evaluate`` applies it to every environment)."""
    return value + "local" if value.endswith("+") else value


def _standard(c: Compare, value: str) -> bool:
    """packaging 26's ``_eval_op`` for one comparison, reproduced exactly."""
    if c.var.name == "python_full_version":
        value = repair_full_version(value)
    lhs, rhs = (c.value, value) if c.reversed else (value, c.value)
    if c.var.name in VERSION_FIELDS and c.op not in ("in", "not in"):
        spec = specifier(c.op + rhs)
        if spec is not None:
            return bool(spec.contains(lhs, prereleases=True))
    return _string_op(c.op, lhs, rhs)


def _engine_members(text: str, canon: Canon) -> set[str]:
    return {canon(x) for x in split_engine_list(text)}


def eval_leaf(leaf: Compare | Bare, value: object, canon: Canon = str.lower) -> bool:
    """The value of one comparison given its variable's value (``None`` = unset)."""
    if isinstance(leaf, Bare):
        return value is True
    kind = lookup(leaf.var.name).domain
    op = leaf.op
    if value is None:
        return op in ("!=", "not in")
    if kind in ("string", "version"):
        return _standard(leaf, str(value))
    if kind == "bool":
        same = bool(value) == _TRUTH.get(leaf.value.lower())
        return same if op == "==" else not same
    if kind == "engine":
        mine = canon(str(value))
        if op in ("in", "not in"):
            inside = mine in _engine_members(leaf.value, canon)
            return inside if op == "in" else not inside
        same = mine == canon(leaf.value)
        return same if op == "==" else not same
    if kind == "cuda_version":
        op = _FLIP.get(op, op) if leaf.reversed else op
        plain = release_matches(op + leaf.value, str(value))  # 12.8 < 13.0: packaging unasked
        if plain is not None:
            return plain
        spec = specifier(op + leaf.value)
        return bool(spec is not None and spec.contains(str(value), prereleases=True))
    if kind == "arch":
        if op in ("==", "!="):
            same = str(value) == leaf.value
            return same if op == "==" else not same
        have, lit = _arch_key(str(value)), _arch_key(leaf.value)
        if have is None or lit is None:
            return False
        a, b = (lit, have) if leaf.reversed else (have, lit)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    # template string
    lhs, rhs = (leaf.value, str(value)) if leaf.reversed else (str(value), leaf.value)
    return _string_op(op, lhs, rhs)


def partial(marker: Marker, bindings: Bindings, canon: Canon = str.lower) -> Marker:
    """Fold every leaf whose variable is bound; keep the rest.  Short-circuit, total."""
    if isinstance(marker, (Compare, Bare)):
        name = marker.var.name
        if name in bindings:
            return TRUE if eval_leaf(marker, bindings[name], canon) else FALSE
        return marker
    if isinstance(marker, Not):
        inner = partial(marker.operand, bindings, canon)
        if isinstance(inner, Const):
            return FALSE if inner.value else TRUE
        return Not(inner, span=marker.span)
    if isinstance(marker, (And, Or)):
        absorbing = FALSE if isinstance(marker, And) else TRUE
        items: list[Marker] = []
        for item in marker.items:
            folded = partial(item, bindings, canon)
            if folded == absorbing:
                return absorbing
            if isinstance(folded, Const):
                continue
            items.append(folded)
        if not items:
            return TRUE if isinstance(marker, And) else FALSE
        if len(items) == 1:
            return items[0]
        return type(marker)(tuple(items), span=marker.span)
    return marker


def evaluate(marker: Marker, environment: Bindings, canon: Canon = str.lower) -> bool:
    """Evaluate a marker in an environment that binds every variable it needs."""
    folded = partial(marker, environment, canon)
    if isinstance(folded, Const):
        return folded.value
    missing = sorted({v.render() for v in variables(folded)})
    raise MarkercError("MK501", f"no value for {', '.join(missing)}")


def variables(marker: Marker) -> Iterable[Var]:
    if isinstance(marker, (Compare, Bare)):
        yield marker.var
    elif isinstance(marker, Not):
        yield from variables(marker.operand)
    elif isinstance(marker, (And, Or)):
        for item in marker.items:
            yield from variables(item)


def leaves(marker: Marker) -> Iterable[Compare | Bare]:
    if isinstance(marker, (Compare, Bare)):
        yield marker
    elif isinstance(marker, Not):
        yield from leaves(marker.operand)
    elif isinstance(marker, (And, Or)):
        for item in marker.items:
            yield from leaves(item)


# ---------------------------------------------------------------- negation, simplification


class NoComplement(Exception):
    """A marker whose exact meaning PEP 508 text cannot write (kept for the library API; the
    compiler reports it as MK503)."""

    def __init__(self, leaf: Compare | None, why: str) -> None:
        super().__init__(why)
        self.leaf = leaf
        self.why = why


def _algebra_marker(node: Node) -> Marker:
    from markerc.language import algebra

    try:
        return algebra.to_marker(node)
    except algebra.NoForm as exc:
        raise NoComplement(None, exc.why) from None


def negate(marker: Marker) -> Marker:
    """``not marker``, exact, as the smallest DNF found (:mod:`markerc.language.algebra`): standard
    variables in PEP 508 form, custom ones in the markerc language.

    Raises :class:`NoComplement` where PEP 508 cannot express the result exactly.
    """
    from markerc.language import algebra

    return _algebra_marker(algebra.neg(algebra.value(marker)))


def nnf(marker: Marker) -> Marker:
    """The marker without ``not`` over standard comparisons (its canonical DNF)."""
    return simplify(marker)


def simplify(marker: Marker) -> Marker:
    """The canonical DNF of the marker: equal meaning gives an equal result, false and true
    are recognised whenever the domains decide them.  Raises :class:`NoComplement` where the
    meaning has no PEP 508 form."""
    from markerc.language import algebra

    return _algebra_marker(algebra.value(marker))


# ---------------------------------------------------------------- the residual


def residual(marker: Marker | None, bindings: Bindings, canon: Canon = str.lower) -> Marker:
    """Partial evaluation (restriction of the canonical value) as a syntax tree.  ``None``
    (no marker) is ``TRUE``.

    Leaves on unbound custom or template variables survive; callers decide whether that is an
    error (:func:`unbound_custom`).  Raises :class:`NoComplement` when the result has no exact
    PEP 508 form.
    """
    from markerc.language import algebra

    return _algebra_marker(algebra.residual(marker, bindings, canon=canon))


def unbound_custom(marker: Marker) -> list[Var]:
    """Variables in a (residual) marker that pip and uv cannot evaluate."""
    seen: dict[str, Var] = {}
    for var in variables(marker):
        if not is_standard(var):
            seen.setdefault(var.render(), var)
    return list(seen.values())


def conjoin(*markers: Marker | None) -> Marker:
    items = tuple(m for m in markers if m is not None)
    if not items:
        return TRUE
    return simplify(And(items)) if len(items) > 1 else simplify(items[0])


def disjoin(*markers: Marker) -> Marker:
    return simplify(Or(tuple(markers))) if len(markers) > 1 else simplify(markers[0])
