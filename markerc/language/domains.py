"""The value sets of the marker variables: their common base :class:`ValueSet`, and what the
domains share (limits, substring forms, the cost of a form).

:mod:`markerc.language.algebra` decides markers over these sets (its decision-diagram edges are
sets of values of one variable).  Every set is immutable, hashable, and *canonical*: two sets
with the same members compare equal and hash alike, and ``is_empty``/``is_full`` are exact.
One exact set algebra per domain (see ``docs/algebra.md``):

* :class:`markerc.language.finite_sets.Finite` - a subset of a finite universe: the engines of
  the engine table, ``{true, false, unset}`` for ``has_cuda``/``has_npu``, ``{true, false}`` for
  an opaque comparison;
* :class:`markerc.language.version_sets.VersionSet` - the version fields and ``cuda_version``: a
  ``packaging.ranges`` ``VersionRange`` over PEP 440 versions
  (:mod:`markerc.language.version_ranges`), plus finitely many exact spellings (string
  comparisons on a version field compare the spelling), plus, for ``platform_release``, a finite
  or cofinite set of non-version strings, plus *unset* for ``cuda_version``;
* :class:`markerc.language.string_sets.StrSet` - the string fields and template variables: any
  string, with substring patterns (``"arm" in platform_machine``) decided exactly, plus *unset*
  for templates;
* :class:`markerc.language.arch_sets.ArchSet` - ``cuda_arch``: integer ranges of compute
  capability (``sm_90`` -> 90), exact spellings for ``==``/``!=``, plus *unset*.

Each set also knows its *conjunctive forms*: how to write it (if it can be written) as a
conjunction of comparisons on its variable, which is what the DNF renderer of
:mod:`markerc.language.algebra` assembles.  ``packaging`` is imported on first use only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

from markerc.diagnostics import MarkercError

# ---------------------------------------------------------------- limits

#: A ``var in "LITERAL"`` test is the finite set of the literal's substrings; longer literals
#: are kept as opaque comparisons rather than enumerated.
MAX_SUBSTRING_LITERAL = 48
#: At most this many distinct ``"p" in var`` patterns on one variable (the cells of a set are
#: subsets of its patterns).
MAX_PATTERNS = 8


class TooComplex(MarkercError):
    """A set would exceed :data:`MAX_PATTERNS` substring patterns on one variable (MK521)."""

    def __init__(self, message: str) -> None:
        super().__init__("MK521", message)


# ---------------------------------------------------------------- the common base


class ValueSet:
    """A set of values of one variable's domain (a plain base class: an ABC's instance checks
    cost time in the algebra's inner loops).  Combining sets of two different domains is a
    bug; every subclass asserts it."""

    __slots__ = ()

    def __and__(self, other: ValueSet) -> ValueSet:
        raise NotImplementedError

    def __or__(self, other: ValueSet) -> ValueSet:
        raise NotImplementedError

    def __invert__(self) -> ValueSet:
        raise NotImplementedError

    @property
    def is_empty(self) -> bool:
        raise NotImplementedError

    @property
    def is_full(self) -> bool:
        raise NotImplementedError

    def contains(self, value: object) -> bool:
        """Whether a binding (a value of the domain; None for unset) is a member."""
        raise NotImplementedError

    def key(self) -> tuple[object, ...]:
        """A sort key, equal for equal sets."""
        raise NotImplementedError

    def pick(self) -> object:
        """A member (None: unset); the set must not be empty."""
        raise NotImplementedError

    def terms(self, var: str, custom: bool) -> list[str] | None:
        """This set as a conjunction of comparisons on ``var`` (``custom``: in the markerc
        language); None where it is not one."""
        return None

    def split(self) -> Sequence[ValueSet]:
        """Pieces whose union is this set, each as likely as possible to have a conjunctive
        form."""
        return [self]

    def candidates(self, bigger: ValueSet) -> Sequence[ValueSet]:
        """Sets between self and ``bigger`` worth trying as a conjunctive piece, largest first."""
        return [bigger, self]

    def strings(self) -> Iterable[str]:
        """The strings the set's description names (a renderer checks PEP 508 can carry them)."""
        return ()


def flag(op: Callable[[bool, bool], bool], a: bool | None, b: bool | None) -> bool | None:
    """A three-state flag combined (None: the domain has no such value)."""
    return None if a is None or b is None else op(a, b)


def AND(a: bool, b: bool) -> bool:  # the operator, named as such
    return a and b


def OR(a: bool, b: bool) -> bool:
    return a or b


# ---------------------------------------------------------------- substring forms


@functools.lru_cache(maxsize=1024)
def substrings(text: str) -> frozenset[str]:
    return frozenset(text[i:j] for i in range(len(text) + 1) for j in range(i, len(text) + 1))


def within_form(
    points: frozenset[str],
    domain: Callable[[str], bool],
    var: str,
    quote: Callable[[str], str | None],
    neq_ok: Callable[[str], bool] = lambda d: True,
) -> list[str] | None:
    """``VAR in "L"`` minus some of L's substrings (``and VAR not in "M"``, ``and VAR != "d"``):
    a conjunction for a finite set of domain strings ``points`` (L its longest member)."""
    if not points:
        return None
    longest = max(points, key=lambda t: (len(t), t))
    universe = frozenset(t for t in substrings(longest) if domain(t))
    if not points <= universe or quote(longest) is None:
        return None
    missing = universe - points
    out = [f"{var} in {quote(longest)}"]
    literals, singles = substring_groups(missing, domain)
    for literal in literals:
        out.append(f"{var} not in {quote(literal)}")
    for d in singles:
        if quote(d) is None or not neq_ok(d):
            return None
        out.append(f"{var} != {quote(d)}")
    return out if len(out) < len(points) else None


def substring_groups(
    points: frozenset[str], keep: Callable[[str], bool] = lambda t: True
) -> tuple[list[str], list[str]]:
    """Cover ``points`` by ``VAR in "L"`` sets (the substrings of L that ``keep`` admits, all
    in ``points``) and single points: (the literals L, the points left over)."""
    covered: set[str] = set()
    literals = []
    for cand in sorted(points, key=lambda t: (-len(t), t)):
        if cand in covered or len(cand) < 2:
            continue
        subs = {t for t in substrings(cand) if keep(t)}
        if subs <= points and len(subs) > 2 and keep(cand):
            literals.append(cand)
            covered |= subs
    return literals, sorted(points - covered)


def cost(terms: Sequence[str] | None) -> int:
    """The size of a conjunctive form (no form: more than any)."""
    return 10_000 if terms is None else len(terms)
