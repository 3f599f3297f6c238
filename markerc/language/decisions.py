"""The decision variables of the marker algebra, and the engine domain.

A :class:`Variable` is what a decision-diagram node tests: a marker variable of the registry
(:mod:`markerc.language.variables`, which also fixes the order they are tested in), or an
*opaque* comparison, a boolean variable of its own.  :class:`Space` is the domain of
``#engine#``: the engines of the table in use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from markerc.language import variables as V
from markerc.language.nodes import Compare
from markerc.language.rendering import render_leaf

if TYPE_CHECKING:
    from markerc.compiler.engines import EngineTable

#: A decision variable's kind: its registry domain, or an opaque comparison.
Kind = V.Domain | Literal["opaque"]
STANDARD_KINDS = frozenset({"string", "version", "opaque"})
BOOLS = frozenset({True, False, None})  # the universe of has_cuda / has_npu
OPAQUE = frozenset({True, False})  # the universe of an opaque comparison


class Variable:
    """One decision variable.  ``base`` is the binding key (``engine``, ``has_cuda``, a template
    name, a standard field); an opaque comparison is a variable of its own over ``{true,
    false}``, tested right after the field it reads.  Variables compare and hash by ``order``
    (unique per variable).  (A plain slotted class.)"""

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
        order: tuple[int | str, ...],
        name: str,  # as written in marker text: "#engine#", "has_cuda", "#flavour#", "sys_platform"
        kind: Kind,
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
def variable_of(base: str, template: bool) -> Variable:
    """The variable of a (resolved) marker variable: ``template`` for the ``#name#`` form."""
    spec = V.known(base) if not template or base == V.ENGINE.name else None
    if spec is None:
        spec = V.template(base)
    return Variable((spec.rank, base), spec.spelling, spec.domain, base)


def opaque_variable(leaf: Compare, negated: Compare | None) -> Variable:
    """A comparison kept as a variable of its own (``negated``: its exact complement)."""
    text = render_leaf(leaf, pep508=False)
    assert text is not None  # markerc text carries every value
    base = leaf.var.name
    return Variable(
        (V.lookup(base).rank, base, text),
        text,
        "opaque",
        base,
        leaf=leaf,
        text=text,
        pep=render_leaf(leaf, pep508=True),
        negated=render_leaf(negated, pep508=False) if negated is not None else None,
        negated_pep=render_leaf(negated, pep508=True) if negated is not None else None,
    )


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
