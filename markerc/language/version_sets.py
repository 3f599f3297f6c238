"""The domain of the version fields and ``cuda_version``: :class:`VersionSet` (members, the set
operations, a member to pick, and the pieces a cover tries).  How a set is written as a
conjunction of comparisons is its base :class:`markerc.language.version_forms.VersionForms`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from markerc.language.domains import (
    AND,
    OR,
    ValueSet,
    flag,
    substring_groups,
    substrings,
)
from markerc.language.finite_sets import FinCo
from markerc.language.version_forms import VersionForms
from markerc.language.version_ranges import (
    empty_range,
    full_range,
    in_range,
    interval_range,
    intervals,
    is_spelling,
    longer_spelling,
    spec_form,
    sub_range,
    versions_in,
)
from markerc.language.versions import parse_version

if TYPE_CHECKING:
    from packaging._ranges import Interval
    from packaging.ranges import VersionRange


class VersionSet(VersionForms):
    """Values of a version field or of ``cuda_version``.

    A string ``s`` of the domain is a member when it is listed in ``plus``; not one when listed
    in ``minus``; otherwise, when it is a version, when its version is in ``rng``, and when it is
    not a version, when ``nv`` has it.  ``nv`` is None where the domain holds versions only
    (``python_version``, ``python_full_version``, ``implementation_version``, ``cuda_version``);
    ``unset`` is None where the domain has no unset value (every field but ``cuda_version``).

    The version part is spelling-independent (``3.10`` and ``3.10.0`` are one version) except
    for the finitely many exact spellings in ``plus``/``minus``, which string comparisons
    (``python_version in "3.10 3.11"``) introduce.  Every version has infinitely many
    normalised spellings (trailing ``.0``), so ``rng`` is determined by the set: the
    representation is canonical.
    """

    __slots__ = ("_hash", "minus", "nv", "plus", "rng", "unset")

    def __init__(
        self,
        rng: VersionRange,
        plus: Iterable[str] = (),
        minus: Iterable[str] = (),
        nv: FinCo | None = None,
        unset: bool | None = None,
    ) -> None:
        self.rng = rng
        self.plus = frozenset(s for s in plus if not in_range(rng, s))
        self.minus = frozenset(s for s in minus if in_range(rng, s))
        self.nv = nv
        self.unset = unset
        self._hash = hash((rng, self.plus, self.minus, nv, unset))

    @classmethod
    def full(cls, nv: bool, unset: bool) -> VersionSet:
        return cls(full_range(), (), (), FinCo((), True) if nv else None, True if unset else None)

    @classmethod
    def empty(cls, nv: bool, unset: bool) -> VersionSet:
        return cls(empty_range(), (), (), FinCo() if nv else None, False if unset else None)

    def like(
        self,
        rng: VersionRange,
        plus: Iterable[str] = (),
        nv: FinCo | None = None,
        unset: bool = False,
    ) -> VersionSet:
        """A set of this domain (nv and unset only where the domain has them)."""
        return VersionSet(
            rng,
            plus,
            (),
            (nv or FinCo()) if self.nv is not None else None,
            unset if self.unset is not None else None,
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, VersionSet)
            and self._hash == other._hash
            and self.rng == other.rng
            and self.plus == other.plus
            and self.minus == other.minus
            and self.nv == other.nv
            and self.unset == other.unset
        )

    def __hash__(self) -> int:
        return self._hash

    def _member_str(self, s: str) -> bool:
        if s in self.plus:
            return True
        if s in self.minus:
            return False
        return in_range(self.rng, s)

    def contains(self, value: object) -> bool:
        if value is None:
            return bool(self.unset)
        if not isinstance(value, str):
            return False
        if parse_version(value) is None:
            return self.nv.contains(value) if self.nv is not None else False
        return self._member_str(value)

    def _combine(
        self, other: VersionSet, rng: VersionRange, op: Callable[[bool, bool], bool]
    ) -> VersionSet:
        plus: list[str] = []
        minus: list[str] = []
        for s in self.plus | self.minus | other.plus | other.minus:
            want = op(self._member_str(s), other._member_str(s))
            if want != in_range(rng, s):
                (plus if want else minus).append(s)
        nv = None
        if self.nv is not None and other.nv is not None:
            nv = (self.nv & other.nv) if op is AND else (self.nv | other.nv)
        return VersionSet(rng, plus, minus, nv, flag(op, self.unset, other.unset))

    def __and__(self, other: ValueSet) -> VersionSet:
        assert isinstance(other, VersionSet)
        return self._combine(other, self.rng & other.rng, AND)

    def __or__(self, other: ValueSet) -> VersionSet:
        assert isinstance(other, VersionSet)
        return self._combine(other, self.rng | other.rng, OR)

    def __invert__(self) -> VersionSet:
        return VersionSet(
            ~self.rng,
            self.minus,
            self.plus,
            ~self.nv if self.nv is not None else None,
            None if self.unset is None else not self.unset,
        )

    @property
    def is_empty(self) -> bool:
        return (
            self.rng.is_empty
            and not self.plus
            and (self.nv is None or self.nv.is_empty)
            and not self.unset
        )

    @property
    def is_full(self) -> bool:
        return (
            self.rng == full_range()
            and not self.minus
            and (self.nv is None or self.nv.is_full)
            and self.unset is not False
        )

    def key(self) -> tuple[object, ...]:
        return (repr(self.rng), tuple(sorted(self.plus)), tuple(sorted(self.minus)),
                self.nv.key() if self.nv else (), self.unset)  # fmt: skip

    def pick(self) -> str | None:
        """A member of the domain (None: unset); the set must not be empty."""
        if self.plus:
            return min(self.plus)
        if not self.rng.is_empty:
            for v in versions_in(self.rng):
                spelling = str(v)
                for _ in range(len(self.minus) + 1):
                    if spelling not in self.minus:
                        return spelling
                    spelling = longer_spelling(spelling)
        if self.nv is not None and not self.nv.is_empty:
            return self.nv.pick()
        if self.unset:
            return None
        raise ValueError(f"no member found in {self!r}")

    def __repr__(self) -> str:
        return f"VersionSet({self.rng!r}, +{sorted(self.plus)}, -{sorted(self.minus)}, nv={self.nv and self.nv.key()}, unset={self.unset})"

    def strings(self) -> frozenset[str]:
        return self.plus | self.minus | (self.nv.points if self.nv is not None else frozenset())

    def split(self) -> list[VersionSet]:
        """Pieces whose union is this set, each as likely as possible to have a conjunctive
        form (intervals grouped while they keep one)."""
        out: list[VersionSet] = []
        base = self.like(empty_range())
        group: list[Interval] = []
        for interval in intervals(self.rng):
            trial = [*group, interval]
            if not group or spec_form(sub_range(trial, self.rng)) is not None:
                group = trial
                continue
            out.append(self.like(sub_range(group, self.rng)))
            group = [interval]
        if group:
            out.append(self.like(sub_range(group, self.rng)))
        if self.minus:  # spellings removed from the ranges: keep them with their range
            out = [VersionSet(p.rng, (), self.minus, p.nv, p.unset) for p in out]
        nv_points = self.nv.points if self.nv is not None and not self.nv.co else frozenset()
        literals, singles = substring_groups(self.plus | nv_points, lambda t: is_spelling(t) or (
            self.nv is not None and parse_version(t) is None))  # fmt: skip
        for literal in literals:
            subs = substrings(literal)
            out.append(self.like(empty_range(), (t for t in subs if is_spelling(t)),
                                 FinCo(t for t in subs if parse_version(t) is None)))  # fmt: skip
        out += [self.like(empty_range(), (s,)) for s in singles if s in self.plus]
        out += [self.like(empty_range(), (), FinCo((s,))) for s in singles if s in nv_points]
        if self.nv is not None and self.nv.co and not self.nv.is_empty:
            out.append(
                VersionSet(
                    empty_range(), (), (), self.nv, False if self.unset is not None else None
                )
            )
        if self.unset:
            out.append(self.like(empty_range(), unset=True))
        return out or [base]

    def candidates(self, bigger: ValueSet) -> list[VersionSet]:
        """Sets between self and ``bigger`` worth trying as a conjunctive piece, largest first."""
        assert isinstance(bigger, VersionSet)
        out = [bigger]
        if self.rng.is_empty or self.plus or self.minus:
            return [*out, self]
        touching = [
            iv for iv in intervals(bigger.rng) if not interval_range(iv).is_disjoint(self.rng)
        ]
        if touching:
            out.append(self.like(sub_range(touching, bigger.rng)))
            for iv in touching:  # each touching component on its own
                out.append(self.like(sub_range((iv,), bigger.rng)))
        out.append(self)
        return out
