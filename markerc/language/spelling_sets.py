"""What the string domains that name exact spellings share: :class:`SpellingSet`, a set decided
by a base rule except for finitely many exact spellings, plus *unset*.

:class:`~markerc.language.arch_sets.ArchSet` (capability ranges) and
:class:`~markerc.language.string_sets.StrSet` (substring patterns) build on it; each gives its
base rule (:meth:`SpellingSet._base`), its own equality and its own ``__hash__``.
"""

from __future__ import annotations

from collections.abc import Callable

from markerc.language.domains import ValueSet

__all__ = ["SpellingSet"]


class SpellingSet(ValueSet):
    """Strings of the base rule, except the spellings in ``plus`` (members the rule leaves out)
    and ``minus`` (non-members the rule takes in); ``unset`` says whether an unset variable is a
    member (None: the domain has no unset value)."""

    __slots__ = ()

    plus: frozenset[str]
    minus: frozenset[str]
    unset: bool | None

    def _base(self, s: str) -> bool:
        """Whether the base rule takes in ``s`` (the exceptions aside)."""
        raise NotImplementedError

    def _member_str(self, s: str) -> bool:
        if s in self.plus:
            return True
        if s in self.minus:
            return False
        return self._base(s)

    def contains(self, value: object) -> bool:
        if value is None:
            return bool(self.unset)
        return isinstance(value, str) and self._member_str(value)

    def _exceptions(
        self, other: SpellingSet, op: Callable[[bool, bool], bool]
    ) -> tuple[list[str], list[str]]:
        """The spellings either set lists, split by membership in ``self op other``: the
        exceptions of the combined set (its constructor drops those its base rule agrees with)."""
        plus: list[str] = []
        minus: list[str] = []
        for s in self.plus | self.minus | other.plus | other.minus:
            (plus if op(self._member_str(s), other._member_str(s)) else minus).append(s)
        return plus, minus

    def _require_unset(self) -> None:
        """The last resort of :meth:`pick`, which then picks unset (None): raises
        :class:`ValueError` unless unset is a member."""
        if not self.unset:
            raise ValueError(f"no member found in {self!r}")
