"""The domain of the string fields and template variables: :class:`StrSet` (any string, with
substring patterns such as ``"arm" in platform_machine`` decided exactly, plus *unset* for
templates)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable

from markerc.language.domains import (
    AND,
    MAX_PATTERNS,
    OR,
    TooComplex,
    ValueSet,
    flag,
    substring_groups,
    substrings,
    within_form,
)
from markerc.language.literals import markerc_literal
from markerc.language.literals import pep508_literal as lit
from markerc.language.spelling_sets import SpellingSet


@functools.lru_cache(maxsize=1024)
def _feasible(pats: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    """Every set P of patterns that some string contains exactly (of ``pats``): P must hold
    every pattern that is a substring of one of its members (a string made of P's patterns
    joined by a character none of them uses contains no other pattern)."""
    if len(pats) > MAX_PATTERNS:
        raise TooComplex(
            f'more than {MAX_PATTERNS} different substring tests ("x" in VAR) on one variable: '
            "markerc decides markers exactly and refuses to enumerate more"
        )
    out = []
    for n in range(len(pats) + 1):
        for combo in itertools.combinations(pats, n):
            chosen = set(combo)
            if all(q in chosen for p in chosen for q in pats if q in p):
                out.append(frozenset(combo))
    return tuple(out)


def _cell(s: str, pats: tuple[str, ...]) -> frozenset[str]:
    return frozenset(p for p in pats if p in s)


def _lift(
    cells: frozenset[frozenset[str]], pats: tuple[str, ...], to: tuple[str, ...]
) -> frozenset[frozenset[str]]:
    if pats == to:
        return cells
    own = frozenset(pats)
    return frozenset(c for c in _feasible(to) if (c & own) in cells)


class StrSet(SpellingSet):
    """Values of a string field or a template variable.

    Strings are told apart by which of the patterns ``pats`` they contain: ``cells`` lists the
    pattern sets whose strings are members (every such class of strings is infinite).  Finitely
    many strings are exceptions: ``plus`` members outside those cells, ``minus`` non-members
    inside them.  ``unset`` is None for the string fields (no unset value).  The exceptions and
    the member cells are determined by the set (the patterns are reduced to those that matter),
    so equal sets compare equal.
    """

    __slots__ = ("_hash", "cells", "minus", "pats", "plus", "unset")

    def __init__(
        self,
        pats: tuple[str, ...] = (),
        cells: Iterable[frozenset[str]] = (),
        plus: Iterable[str] = (),
        minus: Iterable[str] = (),
        unset: bool | None = None,
        *,
        reduce: bool = True,
    ) -> None:
        cells = frozenset(cells)
        if reduce:
            pats, cells = _reduce(pats, cells)
        self.pats = pats
        self.cells = cells
        self.plus = frozenset(s for s in plus if _cell(s, pats) not in cells)
        self.minus = frozenset(s for s in minus if _cell(s, pats) in cells)
        self.unset = unset
        self._hash = hash((self.plus, self.minus, unset))

    @classmethod
    def full(cls, unset: bool) -> StrSet:
        return cls((), (frozenset(),), (), (), True if unset else None)

    @classmethod
    def empty(cls, unset: bool) -> StrSet:
        return cls((), (), (), (), False if unset else None)

    def _base(self, s: str) -> bool:
        return _cell(s, self.pats) in self.cells

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StrSet) or self._hash != other._hash:
            return False
        if (self.plus, self.minus, self.unset) != (other.plus, other.minus, other.unset):
            return False
        if self.pats == other.pats:
            return self.cells == other.cells
        pats = tuple(sorted(set(self.pats) | set(other.pats)))
        return _lift(self.cells, self.pats, pats) == _lift(other.cells, other.pats, pats)

    def __hash__(self) -> int:
        return self._hash

    def _combine(self, other: StrSet, op: Callable[[bool, bool], bool]) -> StrSet:
        pats = tuple(sorted(set(self.pats) | set(other.pats)))
        a, b = _lift(self.cells, self.pats, pats), _lift(other.cells, other.pats, pats)
        cells = [c for c in _feasible(pats) if op(c in a, c in b)]
        plus, minus = self._exceptions(other, op)
        return StrSet(pats, cells, plus, minus, flag(op, self.unset, other.unset))

    def __and__(self, other: ValueSet) -> StrSet:
        assert isinstance(other, StrSet)
        return self._combine(other, AND)

    def __or__(self, other: ValueSet) -> StrSet:
        assert isinstance(other, StrSet)
        return self._combine(other, OR)

    def __invert__(self) -> StrSet:
        cells = frozenset(_feasible(self.pats)) - self.cells
        return StrSet(self.pats, cells, self.minus, self.plus, None if self.unset is None else not self.unset,
                      reduce=False)  # fmt: skip

    @property
    def is_empty(self) -> bool:
        return not self.cells and not self.plus and not self.unset

    @property
    def is_full(self) -> bool:
        return (
            not self.minus
            and self.unset is not False
            and len(self.cells) == len(_feasible(self.pats))
        )

    def key(self) -> tuple[object, ...]:
        return (self.pats, tuple(sorted(tuple(sorted(c)) for c in self.cells)), tuple(sorted(self.plus)),
                tuple(sorted(self.minus)), self.unset)  # fmt: skip

    def pick(self) -> str | None:
        """A member (None: unset); the set must not be empty."""
        if self.plus:
            return min(self.plus)
        if self.cells:
            sep = next(c for c in "|#~;\u2603\u2604" if not any(c in p for p in self.pats))
            cell = min(self.cells, key=lambda c: (len(c), sorted(c)))
            s = sep.join(sorted(cell))
            while s in self.minus:
                s += sep
            return s
        self._require_unset()
        return None

    def __repr__(self) -> str:
        return f"StrSet(pats={self.pats}, cells={sorted(sorted(c) for c in self.cells)}, +{sorted(self.plus)}, -{sorted(self.minus)}, unset={self.unset})"

    def strings(self) -> frozenset[str]:
        return self.plus | self.minus | frozenset(self.pats)

    # ------------------------------------------------------------ conjunctive forms

    def _literal_term(self) -> tuple[list[str], list[str]] | None:
        """(patterns contained, patterns avoided) when the member cells are exactly the cells
        matching that conjunction; None otherwise."""
        if not self.cells:
            return None
        has = [p for p in self.pats if all(p in c for c in self.cells)]
        avoid = [p for p in self.pats if not any(p in c for c in self.cells)]
        matching = {
            c
            for c in _feasible(self.pats)
            if all(p in c for p in has) and not any(p in c for p in avoid)
        }
        if matching != set(self.cells):
            return None
        # drop implied literals: containing "ab" implies containing "a"; avoiding "a", "ab"
        has = [p for p in has if not any(p != q and p in q for q in has)]
        avoid = [p for p in avoid if not any(p != q and q in p for q in avoid)]
        return has, avoid

    def terms(self, var: str, custom: bool) -> list[str] | None:
        """This set as a conjunction of comparisons on ``var``; None where it is not one."""
        quote = markerc_literal if custom else lit
        if self.is_full:
            return []
        unset = bool(self.unset)
        if not self.cells:  # finitely many strings
            if len(self.plus) == 1 and not unset:
                (s,) = self.plus
                q = quote(s)
                return [f"{var} == {q}"] if q else None
            if self.plus and not unset:
                found = within_form(self.plus, lambda t: True, var, quote)
                if found is not None:
                    return found
            if custom and not self.plus and unset:
                return [f'not "" in {var}']
            return None
        term = self._literal_term()
        if term is None:
            return None
        has, avoid = term
        literals, singles = substring_groups(self.minus)
        wanted = [("{q} in {v}", p) for p in has] + [("{q} not in {v}", p) for p in avoid]
        wanted += [("{v} not in {q}", t) for t in literals] + [("{v} != {q}", t) for t in singles]
        quoted = [quote(value) for _, value in wanted]
        if any(q is None for q in quoted):
            return None
        out = [form.format(q=q, v=var) for (form, _), q in zip(wanted, quoted, strict=False)]
        if self.plus:
            return None
        natural = not has  # negative literals only: they hold on unset
        if unset != natural and self.unset is not None:
            if not custom:
                return None
            out.append(f'not "" in {var}' if unset else f'"" in {var}')
            if unset and has:
                return None
        return out

    def split(self) -> list[StrSet]:
        out: list[StrSet] = []
        unset = False if self.unset is not None else None
        finite = StrSet((), (), self.plus, (), unset)
        literals, singles = substring_groups(self.plus)
        if self.plus and within_form(self.plus, lambda t: True, "v", lit) is not None:
            literals, singles = [], []  # one conjunction says them all
            out.append(finite)
        for literal in literals:
            out.append(StrSet((), (), substrings(literal), (), unset))
        for s in singles:
            out.append(StrSet((), (), (s,), (), unset))
        if self.cells:
            pats = self.pats
            minus, back = self.minus, frozenset[str]()
            if minus:  # "not in L" for most excluded points, the rest of L's substrings put back
                longest = max(minus, key=lambda t: (len(t), t))
                subs = substrings(longest)
                if len(minus & subs) > len(subs - minus) + 1:
                    minus, back = (
                        minus | subs,
                        frozenset(t for t in subs - self.minus if self._base(t)),
                    )
            for term in _pattern_cover(pats, self.cells):
                cells = [c for c in _feasible(pats) if all((p in c) == want for p, want in term)]
                out.append(StrSet(pats, cells, (), minus, unset))
            if back:
                out.append(StrSet((), (), back, (), unset))
        if self.unset:
            out.append(StrSet((), (), (), (), True))
        return out or [self]

    def candidates(self, bigger: ValueSet) -> list[StrSet]:
        assert isinstance(bigger, StrSet)
        out = [bigger]
        if bigger.cells and not self.cells:
            out.append(
                StrSet(
                    bigger.pats,
                    bigger.cells,
                    (),
                    bigger.minus,
                    False if bigger.unset is not None else None,
                )
            )
        out.append(self)
        return out


def _reduce(
    pats: tuple[str, ...], cells: frozenset[frozenset[str]]
) -> tuple[tuple[str, ...], frozenset[frozenset[str]]]:
    """Drop patterns that do not decide membership of any string."""
    changed = True
    while changed and pats:
        changed = False
        for p in pats:
            groups: dict[frozenset[str], set[bool]] = {}
            for c in _feasible(pats):
                groups.setdefault(c - {p}, set()).add(c in cells)
            if all(len(g) == 1 for g in groups.values()):
                pats = tuple(q for q in pats if q != p)
                cells = frozenset(c - {p} for c in cells)
                changed = True
                break
    return pats, cells


def _pattern_cover(
    pats: tuple[str, ...], cells: frozenset[frozenset[str]]
) -> list[tuple[tuple[str, bool], ...]]:
    """A small set of pattern-literal conjunctions covering exactly ``cells`` (the infeasible
    cells are free)."""
    feasible = set(_feasible(pats))
    off = feasible - set(cells)
    # every conjunction of literals (3^n; n is small) that avoids the off cells
    implicants = []
    for choice in itertools.product((None, True, False), repeat=len(pats)):
        term = tuple((p, w) for p, w in zip(pats, choice, strict=False) if w is not None)
        cover = {c for c in feasible if all((p in c) == w for p, w in term)}
        if cover and not cover & off:
            implicants.append((term, frozenset(cover)))
    primes = [t for t in implicants if not any(t[1] < u[1] for u in implicants)]
    todo: set[frozenset[str]] = set(cells)
    out = []
    while todo:
        term, covered = max(
            primes, key=lambda t: (len(t[1] & todo), -len(t[0]), [str(x) for x in t[0]])
        )
        out.append(term)
        todo -= covered
    return out
