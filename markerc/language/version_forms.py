"""How a version set is written: :class:`VersionForms`, the base of
:class:`markerc.language.version_sets.VersionSet` that finds a set's conjunctive form (one
conjunction of comparisons on the variable, in PEP 508 text or, for ``cuda_version``, the
markerc language), trying substring (``in``/``not in``), joined, within and without forms
before specifiers.  The set algebra itself is :mod:`markerc.language.version_sets`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from markerc.language.domains import ValueSet, substring_groups, substrings, within_form
from markerc.language.finite_sets import FinCo
from markerc.language.literals import markerc_literal
from markerc.language.literals import pep508_literal as lit
from markerc.language.version_ranges import (
    full_range,
    in_range,
    is_spelling,
    spec_form,
    spec_range,
    valid_spec,
)
from markerc.language.versions import parse_version

if TYPE_CHECKING:
    from packaging.ranges import VersionRange


class VersionForms(ValueSet):
    """The conjunctive forms of a version set (the members are
    :class:`~markerc.language.version_sets.VersionSet`'s; see its docstring for what they mean)."""

    __slots__ = ()

    rng: VersionRange
    plus: frozenset[str]
    minus: frozenset[str]
    nv: FinCo | None
    unset: bool | None

    def _parts(self) -> tuple[bool, bool, bool, bool]:
        """(has a version range part, has spellings, has non-versions, has unset)."""
        return (
            not self.rng.is_empty or bool(self.minus),
            bool(self.plus),
            self.nv is not None and not self.nv.is_empty,
            bool(self.unset),
        )

    def terms(self, var: str, custom: bool) -> list[str] | None:
        """This set as a conjunction of comparisons on ``var``; None where it is not one.

        ``custom`` (``cuda_version``): markerc-language text, where ``not`` is available."""
        if self.is_full:
            return []
        rng_part, spell, nonver, _unset = self._parts()
        if custom:
            return self._custom_terms(var)
        found = (self._substring_form(var) or self._joined_form(var) or self._within_form(var)
                 or self._without_form(var))  # fmt: skip
        if found is not None:
            return found
        if self.minus:
            return None
        if rng_part and not spell and not nonver:
            form = spec_form(self.rng)
            # no clause at all says "any value": only right where no value is left out (on
            # platform_release every version is not every value: its non-versions are not in it)
            if form is None or (not form and not self.is_full):
                return None
            return [f'{var} {op} "{v}"' for op, v in form]
        if spell and not rng_part and not nonver and len(self.plus) == 1:
            (s,) = self.plus
            return [f"{var} === {lit(s)}"] if lit(s) else None
        if nonver and not rng_part and not spell:
            nv = self.nv
            assert nv is not None
            if not nv.co and len(nv.points) == 1:
                (s,) = nv.points
                if valid_spec("==", s) or lit(s) is None:
                    return None  # would be read as a version comparison
                return [f"{var} == {lit(s)}"]
        if self.nv is not None and self.nv.co and self.rng == full_range() and not spell:
            out = []
            for s in sorted(self.nv.points):
                if valid_spec("!=", s) or lit(s) is None:
                    return None
                out.append(f"{var} != {lit(s)}")
            return out
        return None

    def _substring_form(self, var: str) -> list[str] | None:
        """``var in "L"`` / ``var not in "L"``: the spellings (and non-version strings) that
        are substrings of L, L being the longest of them."""
        full, empty = self.rng == full_range(), self.rng.is_empty
        if empty and self.plus and not self.minus:
            points, nv_points, word = (
                self.plus,
                (self.nv.points if self.nv and not self.nv.co else None),
                "in",
            )
        elif full and self.minus and not self.plus:
            points, nv_points, word = (
                self.minus,
                (self.nv.points if self.nv and self.nv.co else None),
                "not in",
            )
        else:
            return None
        if self.nv is not None and nv_points is None:
            return None
        longest = max(points | (nv_points or frozenset()), key=lambda t: (len(t), t))
        subs = substrings(longest)
        if {t for t in subs if is_spelling(t)} != points or lit(longest) is None:
            return None
        if (
            self.nv is not None
            and frozenset(t for t in subs if parse_version(t) is None) != nv_points
        ):
            return None
        if self.unset:
            return None
        return [f"{var} {word} {lit(longest)}"]

    def _without_form(self, var: str) -> list[str] | None:
        """Every value but some spellings and non-version strings: ``var not in "L"`` groups
        (string tests) and ``var != "s"`` for non-version strings."""
        if self.rng != full_range() or self.plus or not self.minus or self.unset is False:
            return None
        if self.nv is not None and not self.nv.co:
            return None
        nv_points = self.nv.points if self.nv is not None else frozenset()
        literals, singles = substring_groups(self.minus | nv_points, lambda t: is_spelling(t) or (
            self.nv is not None and parse_version(t) is None))  # fmt: skip
        out = []
        for literal in literals:
            if lit(literal) is None:
                return None
            out.append(f"{var} not in {lit(literal)}")
        for d in singles:
            if d in self.minus or valid_spec("!=", d) or lit(d) is None:
                return None  # "!=" on a version drops every spelling of it
            out.append(f"{var} != {lit(d)}")
        return out

    def _joined_form(self, var: str) -> list[str] | None:
        """``var in "A B C"`` for a finite set of spellings of a version-only field: version
        strings hold no space, so the substrings of the space-joined literals that are
        spellings are exactly those of each literal."""
        if (
            self.nv is not None
            or not self.rng.is_empty
            or self.minus
            or self.unset
            or len(self.plus) < 2
        ):
            return None
        literals, singles = substring_groups(self.plus, is_spelling)
        words = sorted(set(literals) | set(singles), key=lambda t: (-len(t), t))
        joined = " ".join(words)
        if {t for t in substrings(joined) if is_spelling(t)} != self.plus:
            return None
        return [f'{var} in "{joined}"']

    def _within_form(self, var: str) -> list[str] | None:
        if (
            not self.rng.is_empty
            or self.minus
            or self.unset
            or (self.nv is not None and self.nv.co)
        ):
            return None
        nv_points = self.nv.points if self.nv is not None else frozenset()
        points = self.plus | nv_points

        def neq_ok(d: str) -> bool:  # "var != d" on a version is a version comparison
            if parse_version(d) is None:
                return not valid_spec("!=", d)
            if nv_points or not valid_spec("!=", d):
                return False  # it would also drop every non-version string
            rng = spec_range("!=" + d)
            return rng is not None and all(in_range(rng, p) for p in self.plus)

        return within_form(points, lambda t: is_spelling(t) or (
            self.nv is not None and parse_version(t) is None), var, lit, neq_ok)  # fmt: skip

    def _custom_terms(self, var: str) -> list[str] | None:
        rng_part, spell, nonver, unset = self._parts()
        if spell or nonver or self.minus:
            return None
        form = spec_form(self.rng) if rng_part else None
        if rng_part and form is None:
            return None
        if not unset:
            if not rng_part:
                return None
            return [f"{var} {op} {markerc_literal(v)}" for op, v in form or ()] or [
                f'{var} >= "0.dev0"'
            ]
        # unset is a member: != comparisons hold on unset, everything else is false there
        if not rng_part:
            return [f'not {var} >= "0.dev0"']
        if form is not None and all(op == "!=" for op, _ in form):
            return [f"{var} != {markerc_literal(v)}" for _, v in form]
        return None
