"""The domain of ``cuda_arch``: :class:`ArchSet` (compute-capability ranges, exact spellings,
and unset)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from markerc.language.domains import AND, OR, ValueSet
from markerc.language.literals import markerc_literal
from markerc.language.spelling_sets import SpellingSet

_ARCH = re.compile(r"sm_(\d+)([af]?)")
_INF = None


def arch_key(text: str) -> int | None:
    m = _ARCH.fullmatch(text)
    return int(m.group(1)) if m else None


def _norm_ivals(ivals: Iterable[tuple[int, int | None]]) -> tuple[tuple[int, int | None], ...]:
    out: list[list[Any]] = []
    for lo, hi in sorted(ivals, key=lambda iv: iv[0]):
        if hi is not None and hi <= lo:
            continue
        if out and (out[-1][1] is None or lo <= out[-1][1]):
            if out[-1][1] is not None and (hi is None or hi > out[-1][1]):
                out[-1][1] = hi
            continue
        out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def _ivals_contain(ivals: tuple[tuple[int, int | None], ...], k: int) -> bool:
    return any(lo <= k and (hi is None or k < hi) for lo, hi in ivals)


def _in_ivals(ivals: tuple[tuple[int, int | None], ...], text: str) -> bool:
    k = arch_key(text)
    return k is not None and _ivals_contain(ivals, k)


def _ivals_complement(
    ivals: tuple[tuple[int, int | None], ...],
) -> tuple[tuple[int, int | None], ...]:
    out: list[tuple[int, int | None]] = []
    start = 0
    for lo, hi in ivals:
        if lo > start:
            out.append((start, lo))
        if hi is None:
            return tuple(out)
        start = hi
    out.append((start, None))
    return tuple(out)


def _ivals_and(
    a: tuple[tuple[int, int | None], ...], b: tuple[tuple[int, int | None], ...]
) -> tuple[tuple[int, int | None], ...]:
    out = []
    for lo1, hi1 in a:
        for lo2, hi2 in b:
            lo = max(lo1, lo2)
            his = [h for h in (hi1, hi2) if h is not None]
            hi = min(his) if his else None
            if hi is None or lo < hi:
                out.append((lo, hi))
    return _norm_ivals(out)


class ArchSet(SpellingSet):
    """Values of ``cuda_arch``: compute-capability ranges (``sm_90a`` has capability 90),
    exact spellings (``==``/``!=`` compare the text), and unset."""

    __slots__ = ("_hash", "ivals", "minus", "plus", "unset")
    unset: bool  # cuda_arch can be unset: never None

    def __init__(self, ivals: Iterable[tuple[int, int | None]] = (), plus: Iterable[str] = (),
                 minus: Iterable[str] = (), unset: bool = False) -> None:  # fmt: skip
        self.ivals = _norm_ivals(ivals)
        self.plus = frozenset(s for s in plus if not _in_ivals(self.ivals, s))
        self.minus = frozenset(s for s in minus if _in_ivals(self.ivals, s))
        self.unset = unset
        self._hash = hash((self.ivals, self.plus, self.minus, unset))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArchSet) and (self.ivals, self.plus, self.minus, self.unset) == (
            other.ivals, other.plus, other.minus, other.unset)  # fmt: skip

    def __hash__(self) -> int:
        return self._hash

    def _base(self, s: str) -> bool:
        return _in_ivals(self.ivals, s)

    def _combine(
        self,
        other: ArchSet,
        ivals: Iterable[tuple[int, int | None]],
        op: Callable[[bool, bool], bool],
    ) -> ArchSet:
        plus, minus = self._exceptions(other, op)
        return ArchSet(ivals, plus, minus, op(self.unset, other.unset))

    def __and__(self, other: ValueSet) -> ArchSet:
        assert isinstance(other, ArchSet)
        return self._combine(other, _ivals_and(self.ivals, other.ivals), AND)

    def __or__(self, other: ValueSet) -> ArchSet:
        assert isinstance(other, ArchSet)
        return self._combine(other, self.ivals + other.ivals, OR)

    def __invert__(self) -> ArchSet:
        return ArchSet(_ivals_complement(self.ivals), self.minus, self.plus, not self.unset)

    @property
    def is_empty(self) -> bool:
        return not self.ivals and not self.plus and not self.unset

    @property
    def is_full(self) -> bool:
        return self.ivals == ((0, None),) and not self.minus and self.unset

    def key(self) -> tuple[object, ...]:
        return (self.ivals, tuple(sorted(self.plus)), tuple(sorted(self.minus)), self.unset)

    def pick(self) -> str | None:
        if self.plus:
            return min(self.plus)
        for lo, _ in self.ivals:
            for text in (f"sm_{lo}", f"sm_{lo}a", f"sm_{lo}f", f"sm_0{lo}", f"sm_00{lo}"):
                if text not in self.minus and arch_key(text) == lo:
                    return text
        self._require_unset()
        return None

    def terms(self, var: str, custom: bool) -> list[str] | None:
        if self.is_full:
            return []
        if self.plus:
            if len(self.plus) == 1 and not self.ivals and not self.unset:
                return [f"{var} == {markerc_literal(next(iter(self.plus)))}"]
            return None
        out: list[str] = []
        if len(self.ivals) > 1:
            if not self.unset and not self.minus:
                return None
            # a range with holes of whole capabilities cannot be written with != (exact text)
            return None
        if self.ivals:
            lo, hi = self.ivals[0]
            if lo > 0:
                out.append(f'{var} >= "sm_{lo}"')
            if hi is not None:
                out.append(f'{var} < "sm_{hi}"')
            if not out:
                out.append(f'{var} >= "sm_0"')
        for s in sorted(self.minus):
            out.append(f"{var} != {markerc_literal(s)}")
        if self.unset:
            if self.ivals == ((0, None),) and self.minus:
                return [t for t in out if " != " in t]
            if not self.ivals and not self.minus:
                return [f'not {var} >= "sm_0"']
            return None
        return out

    def split(self) -> list[ArchSet]:
        out = [ArchSet((iv,), (), self.minus) for iv in self.ivals]
        out += [ArchSet((), (s,)) for s in sorted(self.plus)]
        if self.unset:
            out.append(ArchSet((), (), (), True))
        return out or [self]

    def strings(self) -> frozenset[str]:
        return self.plus | self.minus
