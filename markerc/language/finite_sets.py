"""Finite universes: :class:`Finite` (a subset of a finite universe: the engines of the engine
table, ``{true, false, unset}`` for ``has_cuda``/``has_npu``, ``{true, false}`` for an opaque
comparison), :class:`FinCo` (a finite or cofinite set of strings: the non-version values of
``platform_release``) and :func:`finite_terms` (how the markerc language writes a subset)."""

from __future__ import annotations

from collections.abc import Iterable

from markerc.language.domains import ValueSet


class Finite(ValueSet):
    """A subset of a finite universe (engine names, booleans and unset, true and false)."""

    __slots__ = ("_hash", "members", "universe")

    def __init__(self, members: Iterable[object], universe: frozenset[object]) -> None:
        self.members = frozenset(members) & universe
        self.universe = universe
        self._hash = hash((self.members, universe))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Finite)
            and self.members == other.members
            and self.universe == other.universe
        )

    def __hash__(self) -> int:
        return self._hash

    def __and__(self, other: ValueSet) -> Finite:
        assert isinstance(other, Finite)
        return Finite(self.members & other.members, self.universe)

    def __or__(self, other: ValueSet) -> Finite:
        assert isinstance(other, Finite)
        return Finite(self.members | other.members, self.universe)

    def __invert__(self) -> Finite:
        return Finite(self.universe - self.members, self.universe)

    @property
    def is_empty(self) -> bool:
        return not self.members

    @property
    def is_full(self) -> bool:
        return self.members == self.universe

    def contains(self, value: object) -> bool:
        return value in self.members

    def key(self) -> tuple[object, ...]:
        return tuple(sorted(repr(m) for m in self.members))

    def pick(self) -> object:
        """A member (the set must not be empty)."""
        return min(self.members, key=repr)

    def __repr__(self) -> str:
        return f"Finite({sorted(map(repr, self.members))})"


class FinCo:
    """A finite or cofinite set of strings (``co``: every string except ``points``)."""

    __slots__ = ("co", "points")

    def __init__(self, points: Iterable[str] = (), co: bool = False) -> None:
        self.points = frozenset(points)
        self.co = co

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FinCo) and self.points == other.points and self.co == other.co

    def __hash__(self) -> int:
        return hash((self.points, self.co))

    def contains(self, value: str) -> bool:
        return (value in self.points) != self.co

    def __invert__(self) -> FinCo:
        return FinCo(self.points, not self.co)

    def __and__(self, other: FinCo) -> FinCo:
        if not self.co and not other.co:
            return FinCo(self.points & other.points)
        if self.co and other.co:
            return FinCo(self.points | other.points, True)
        fin, co = (self, other) if not self.co else (other, self)
        return FinCo(fin.points - co.points)

    def __or__(self, other: FinCo) -> FinCo:
        return ~(~self & ~other)

    @property
    def is_empty(self) -> bool:
        return not self.co and not self.points

    @property
    def is_full(self) -> bool:
        return self.co and not self.points

    def key(self) -> tuple[object, ...]:
        return (self.co, tuple(sorted(self.points)))

    def pick(self) -> str:
        """A member that is not a version string (the set must not be empty)."""
        if not self.co:
            return min(self.points)
        n = 0
        while f"~{n}~" in self.points:
            n += 1
        return f"~{n}~"


def finite_terms(s: Finite, var: str, kind: str) -> list[str] | None:
    """Markerc-language text of a subset of a finite universe (engines, booleans)."""
    if s.is_full:
        return []
    if kind == "bool":
        table: dict[frozenset[object], list[str]] = {
            frozenset({True}): [var],
            frozenset({False, None}): [f"not {var}"],
            frozenset({False}): [f'{var} == "false"'],
            frozenset({True, None}): [f'{var} != "false"'],
            frozenset({None}): [f"not {var}", f'{var} != "false"'],
            frozenset({True, False}): [f'({var} or {var} == "false")'],
        }
        return table.get(s.members)
    # engines
    members = sorted(str(m) for m in s.members)
    others = sorted(str(m) for m in s.universe - s.members)
    if len(members) == 1:
        return [f'{var} == "{members[0]}"']
    if len(others) == 1:
        return [f'{var} != "{others[0]}"']
    if len(members) <= len(others):
        return [f'{var} in "{", ".join(members)}"']
    return [f'{var} not in "{", ".join(others)}"']
