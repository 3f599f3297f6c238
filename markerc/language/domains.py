"""The value sets of each marker variable: one exact set algebra per domain.

:mod:`markerc.language.algebra` decides markers over these sets (its decision-diagram edges are sets of
values of one variable).  Every class here is immutable, hashable, and *canonical*: two sets
with the same members compare equal and hash alike, and ``is_empty``/``is_full`` are exact.
The domains (see ``docs/algebra.md``):

* :class:`Finite` - a subset of a finite universe: the engines of the engine table,
  ``{true, false, unset}`` for ``has_cuda``/``has_npu``, ``{true, false}`` for an opaque
  comparison;
* :class:`VersionSet` - the version fields and ``cuda_version``: a ``packaging.ranges``
  ``VersionRange`` over PEP 440 versions (pre-releases admitted, as markers evaluate them), plus
  finitely many exact spellings (string comparisons on a version field compare the spelling),
  plus, for ``platform_release``, a finite or cofinite set of non-version strings, plus *unset*
  for ``cuda_version``;
* :class:`StrSet` - the string fields and template variables: any string, with substring
  patterns (``"arm" in platform_machine``) decided exactly, plus *unset* for templates;
* :class:`ArchSet` - ``cuda_arch``: integer ranges of compute capability (``sm_90`` -> 90), exact
  spellings for ``==``/``!=``, plus *unset*.

Each set also knows its *conjunctive forms*: how to write it (if it can be written) as a
conjunction of comparisons on its variable, which is what the DNF renderer of
:mod:`markerc.language.algebra` assembles.  ``packaging`` is imported on first use only.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from markerc.diagnostics import MarkercError
from markerc.language.markers import parse_version  # one cache of parsed versions

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


# ---------------------------------------------------------------- quoting


def pep508_literal(value: str) -> str | None:
    """``value`` as a quoted PEP 508 string that packaging, pip and uv all read back as
    ``value``; None where no such text exists (a backslash: packaging reads Python escapes, uv
    takes the text literally; both quote characters; a character that is not printable)."""
    if "\\" in value or not value.isprintable():
        return None
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return None


def markerc_literal(value: str) -> str:
    """``value`` as a quoted string of the markerc language (escapes where needed; it parses
    back to ``value``)."""
    plain = pep508_literal(value)
    if plain is not None:
        return plain
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append("\\x22")
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
    return '"' + "".join(out) + '"'


# ---------------------------------------------------------------- finite universes


class Finite:
    """A subset of a finite universe."""

    __slots__ = ("_hash", "members", "universe")

    def __init__(self, members: Iterable[Any], universe: frozenset[Any]) -> None:
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

    def __and__(self, other: Finite) -> Finite:
        return Finite(self.members & other.members, self.universe)

    def __or__(self, other: Finite) -> Finite:
        return Finite(self.members | other.members, self.universe)

    def __invert__(self) -> Finite:
        return Finite(self.universe - self.members, self.universe)

    @property
    def is_empty(self) -> bool:
        return not self.members

    @property
    def is_full(self) -> bool:
        return self.members == self.universe

    def contains(self, value: Any) -> bool:
        return value in self.members

    def key(self) -> tuple[Any, ...]:
        return tuple(sorted(repr(m) for m in self.members))

    def pick(self) -> Any:
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

    def key(self) -> tuple[Any, ...]:
        return (self.co, tuple(sorted(self.points)))

    def pick(self) -> str:
        """A member that is not a version string (the set must not be empty)."""
        if not self.co:
            return min(self.points)
        n = 0
        while f"~{n}~" in self.points:
            n += 1
        return f"~{n}~"


def _flag(op: Callable[[bool, bool], bool], a: bool | None, b: bool | None) -> bool | None:
    return None if a is None or b is None else op(a, b)


_AND = lambda a, b: a and b  # noqa: E731
_OR = lambda a, b: a or b  # noqa: E731


# ---------------------------------------------------------------- PEP 440 helpers


def is_spelling(text: str) -> bool:
    """True for a normalised PEP 440 version string (what interpreters report): the domain of
    the version fields' version values."""
    v = parse_version(text)
    return v is not None and str(v) == text


def canonical_literal(op: str, literal: str) -> str:
    """One spelling per version for the comparisons whose meaning does not depend on it
    (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` without a wildcard): the release trimmed of
    trailing zeros to two components (``3.13.0rc1`` -> ``3.13rc1``, ``12`` -> ``12.0``).

    Values are interned, so the spelling a range renders with would otherwise be that of the
    first equal range the process saw: an output would depend on unrelated input."""
    if op not in ("==", "!=", "<", "<=", ">", ">=") or literal.endswith(".*"):
        return literal
    v = parse_version(literal)
    if v is None:
        return literal
    release = list(v.release)
    while len(release) > 2 and release[-1] == 0:
        release.pop()
    while len(release) < 2:
        release.append(0)
    out = f"{v.epoch}!" if v.epoch else ""
    out += ".".join(map(str, release))
    if v.pre is not None:
        out += f"{v.pre[0]}{v.pre[1]}"
    if v.post is not None:
        out += f".post{v.post}"
    if v.dev is not None:
        out += f".dev{v.dev}"
    if v.local is not None:
        out += f"+{v.local}"
    return out


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def spec_range(text: str) -> Any:
    """The VersionRange of a valid specifier (or specifier set) ``text``; None if invalid."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(text, prereleases=True).to_range()
    except InvalidSpecifier:
        return None


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def valid_spec(op: str, version: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, Specifier

    try:
        Specifier(op + version)
    except InvalidSpecifier:
        return False
    return True


@functools.cache
def _full_range() -> Any:
    from packaging.ranges import VersionRange

    return VersionRange.full(admit_arbitrary=False, prereleases=True)


@functools.cache
def _empty_range() -> Any:
    from packaging.ranges import VersionRange

    return VersionRange.empty(prereleases=True)


def _interval_range(interval: Any) -> Any:
    from packaging.ranges import VersionRange

    return VersionRange._build((interval,), prereleases_configured=True)


def _intervals(rng: Any) -> tuple[Any, ...]:
    return tuple(rng._bounds)


def _sub_range(bounds: Sequence[Any], source: Any) -> Any:
    """A range of some of ``source``'s intervals that keeps ``source``'s ``===`` literals (the
    spellings it admits or rejects inside its bounds): pieces of a set never gain members."""
    from packaging.ranges import VersionRange

    return VersionRange._build(tuple(bounds), admit=source._admit, reject=source._reject,
                               prereleases_configured=True)  # fmt: skip


def _in_range(rng: Any, text: str) -> bool:
    v = parse_version(text)
    return v is not None and rng.contains(v)


def _versions_in(rng: Any) -> Iterator[Any]:
    """Versions inside ``rng``, at least one per interval."""
    pool: list[str] = ["0.dev0", "0", "1", "3.12", "99"]
    for lower, upper in _intervals(rng):
        for bound in (lower, upper):
            v = bound.version
            if v is None:
                continue
            succ = getattr(v, "successor", None)
            if succ is not None:
                pool.append(str(succ))
            v = getattr(v, "version", v)
            release = ".".join(map(str, v.release))
            epoch = f"{v.epoch}!" if v.epoch else ""
            bumped = ".".join(map(str, (*v.release[:-1], v.release[-1] + 1)))
            lowered = (
                ".".join(map(str, (*v.release[:-1], v.release[-1] - 1)))
                if v.release[-1]
                else release + ".dev0"
            )
            for t in (str(v), f"{v.public}+w", f"{v}.post0" if v.post is None and v.dev is None and v.local is None else str(v),
                      f"{epoch}{release}.dev0", f"{epoch}{release}rc1", f"{epoch}{release}", f"{epoch}{release}.post1",
                      f"{epoch}{release}.0.1", f"{epoch}{release}.1", f"{epoch}{bumped}", f"{epoch}{bumped}.dev0",
                      f"{epoch}{lowered}", f"{epoch}{release}.post1.dev0", f"{epoch}{release}+w"):  # fmt: skip
                pool.append(t)
    seen = set()
    for t in pool:
        v = parse_version(t)
        if v is not None and str(v) not in seen and rng.contains(v):
            seen.add(str(v))
            yield v


def _longer_spelling(spelling: str) -> str:
    """Another normalised spelling of the same version (one more trailing ``.0``)."""
    v = parse_version(spelling)
    prefix = (f"{v.epoch}!" if v.epoch else "") + ".".join(map(str, v.release))
    return prefix + ".0" + spelling[len(prefix) :]


_OP_ORDER = {">=": 0, ">": 0, "~=": 0, "==": 1, "===": 1, "<": 2, "<=": 2, "!=": 3}


def _clauses(text: str) -> tuple[tuple[str, str], ...]:
    """``">=1,<2"`` -> ((">=", "1"), ("<", "2")), ordered lower bounds, upper bounds,
    exclusions."""
    from packaging.specifiers import SpecifierSet

    specs = [(s.operator, s.version) for s in SpecifierSet(text)]
    return tuple(sorted(specs, key=lambda c: (_OP_ORDER[c[0]], c[1])))


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def _spec_form_cached(rng: Any) -> tuple[tuple[str, str], ...] | None:
    if rng.is_empty:
        return None
    if rng == _full_range():
        return ()
    candidates: list[str] = []
    versions: list[str] = []
    for lower, upper in _intervals(rng):
        for bound in (lower, upper):
            v = bound.version
            if v is None:
                continue
            v = getattr(v, "version", v)  # a BoundaryVersion sits beside a real version
            versions.append(str(v))
            versions.append(v.base_version)
            versions.append(v.public)
    seen: set[str] = set()
    for v in versions:
        if v in seen:
            continue
        seen.add(v)
        for op in (">=", ">", "<", "<=", "==", "!=", "~="):
            candidates.append(op + v)
        parsed = parse_version(v)
        if parsed is not None:
            release = list(parsed.release)
            for n in range(1, len(release) + 1):
                prefix = ".".join(map(str, release[:n]))
                if parsed.epoch:
                    prefix = f"{parsed.epoch}!{prefix}"
                candidates += [f"=={prefix}.*", f"!={prefix}.*"]
    best: tuple[tuple[str, str], ...] | None = None

    def consider(text: str) -> None:
        nonlocal best
        r = spec_range(text)
        if r is not None and r == rng:
            clauses = _clauses(text)
            if best is None or (len(clauses), len(text)) < (
                len(best),
                len(",".join(a + b for a, b in best)),
            ):
                best = clauses

    for c in candidates:
        consider(c)
    if best is not None:
        return best
    singles = [c for c in candidates if spec_range(c) is not None and rng.is_subset(spec_range(c))]
    for a, b in itertools.combinations(singles, 2):
        r = spec_range(a) & spec_range(b)
        if r == rng:
            consider(a + "," + b)
    if best is not None:
        return best
    spec = rng.to_specifier_set()
    if spec is not None:
        consider(str(spec) if str(spec) else ">=0.dev0")
    return best


def spec_form(rng: Any) -> tuple[tuple[str, str], ...] | None:
    """The shortest specifier clauses whose versions are exactly ``rng`` (() for every version;
    None when PEP 440 has no single specifier set for it)."""
    return _spec_form_cached(rng)


# ---------------------------------------------------------------- version fields


class VersionSet:
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
        rng: Any,
        plus: Iterable[str] = (),
        minus: Iterable[str] = (),
        nv: FinCo | None = None,
        unset: bool | None = None,
    ) -> None:
        self.rng = rng
        self.plus = frozenset(s for s in plus if not _in_range(rng, s))
        self.minus = frozenset(s for s in minus if _in_range(rng, s))
        self.nv = nv
        self.unset = unset
        self._hash = hash((rng, self.plus, self.minus, nv, unset))

    @classmethod
    def full(cls, nv: bool, unset: bool) -> VersionSet:
        return cls(_full_range(), (), (), FinCo((), True) if nv else None, True if unset else None)

    @classmethod
    def empty(cls, nv: bool, unset: bool) -> VersionSet:
        return cls(_empty_range(), (), (), FinCo() if nv else None, False if unset else None)

    def like(
        self, rng: Any, plus: Iterable[str] = (), nv: FinCo | None = None, unset: bool = False
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
        return _in_range(self.rng, s)

    def contains(self, value: str | None) -> bool:
        if value is None:
            return bool(self.unset)
        if parse_version(value) is None:
            return self.nv.contains(value) if self.nv is not None else False
        return self._member_str(value)

    def _combine(self, other: VersionSet, rng: Any, op: Callable[[bool, bool], bool]) -> VersionSet:
        plus, minus = [], []
        for s in self.plus | self.minus | other.plus | other.minus:
            want = op(self._member_str(s), other._member_str(s))
            if want != _in_range(rng, s):
                (plus if want else minus).append(s)
        nv = None
        if self.nv is not None and other.nv is not None:
            nv = (self.nv & other.nv) if op is _AND else (self.nv | other.nv)
        return VersionSet(rng, plus, minus, nv, _flag(op, self.unset, other.unset))

    def __and__(self, other: VersionSet) -> VersionSet:
        return self._combine(other, self.rng & other.rng, _AND)

    def __or__(self, other: VersionSet) -> VersionSet:
        return self._combine(other, self.rng | other.rng, _OR)

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
            self.rng == _full_range()
            and not self.minus
            and (self.nv is None or self.nv.is_full)
            and self.unset is not False
        )

    def key(self) -> tuple[Any, ...]:
        return (repr(self.rng), tuple(sorted(self.plus)), tuple(sorted(self.minus)),
                self.nv.key() if self.nv else (), self.unset)  # fmt: skip

    def pick(self) -> str | None:
        """A member of the domain (None: unset); the set must not be empty."""
        if self.plus:
            return min(self.plus)
        if not self.rng.is_empty:
            for v in _versions_in(self.rng):
                spelling = str(v)
                for _ in range(len(self.minus) + 1):
                    if spelling not in self.minus:
                        return spelling
                    spelling = _longer_spelling(spelling)
        if self.nv is not None and not self.nv.is_empty:
            return self.nv.pick()
        if self.unset:
            return None
        raise ValueError(f"no member found in {self!r}")

    def __repr__(self) -> str:
        return f"VersionSet({self.rng!r}, +{sorted(self.plus)}, -{sorted(self.minus)}, nv={self.nv and self.nv.key()}, unset={self.unset})"

    # ------------------------------------------------------------ conjunctive forms

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
            return None if form is None else [f'{var} {op} "{v}"' for op, v in form]
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
        if self.nv is not None and self.nv.co and self.rng == _full_range() and not spell:
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
        full, empty = self.rng == _full_range(), self.rng.is_empty
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
        if self.nv is not None and {t for t in subs if parse_version(t) is None} != nv_points:
            return None
        if self.unset:
            return None
        return [f"{var} {word} {lit(longest)}"]

    def _without_form(self, var: str) -> list[str] | None:
        """Every value but some spellings and non-version strings: ``var not in "L"`` groups
        (string tests) and ``var != "s"`` for non-version strings."""
        if self.rng != _full_range() or self.plus or not self.minus or self.unset is False:
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
            return all(_in_range(rng, p) for p in self.plus)

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

    def split(self) -> list[VersionSet]:
        """Pieces whose union is this set, each as likely as possible to have a conjunctive
        form (intervals grouped while they keep one)."""
        out: list[VersionSet] = []
        base = self.like(_empty_range())
        intervals = _intervals(self.rng)
        group: list[Any] = []
        for interval in intervals:
            trial = [*group, interval]
            if not group or spec_form(_sub_range(trial, self.rng)) is not None:
                group = trial
                continue
            out.append(self.like(_sub_range(group, self.rng)))
            group = [interval]
        if group:
            out.append(self.like(_sub_range(group, self.rng)))
        if self.minus:  # spellings removed from the ranges: keep them with their range
            out = [VersionSet(p.rng, (), self.minus, p.nv, p.unset) for p in out]
        nv_points = self.nv.points if self.nv is not None and not self.nv.co else frozenset()
        literals, singles = substring_groups(self.plus | nv_points, lambda t: is_spelling(t) or (
            self.nv is not None and parse_version(t) is None))  # fmt: skip
        for literal in literals:
            subs = substrings(literal)
            out.append(self.like(_empty_range(), (t for t in subs if is_spelling(t)),
                                 FinCo(t for t in subs if parse_version(t) is None)))  # fmt: skip
        out += [self.like(_empty_range(), (s,)) for s in singles if s in self.plus]
        out += [self.like(_empty_range(), (), FinCo((s,))) for s in singles if s in nv_points]
        if self.nv is not None and self.nv.co and not self.nv.is_empty:
            out.append(
                VersionSet(
                    _empty_range(), (), (), self.nv, False if self.unset is not None else None
                )
            )
        if self.unset:
            out.append(self.like(_empty_range(), unset=True))
        return out or [base]

    def candidates(self, bigger: VersionSet) -> list[VersionSet]:
        """Sets between self and ``bigger`` worth trying as a conjunctive piece, largest first."""
        out = [bigger]
        if self.rng.is_empty or self.plus or self.minus:
            return [*out, self]
        touching = [
            iv for iv in _intervals(bigger.rng) if not _interval_range(iv).is_disjoint(self.rng)
        ]
        if touching:
            out.append(self.like(_sub_range(touching, bigger.rng)))
            for iv in touching:  # each touching component on its own
                out.append(self.like(_sub_range((iv,), bigger.rng)))
        out.append(self)
        return out


def lit(value: str) -> str | None:
    return pep508_literal(value)


# ---------------------------------------------------------------- strings


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


class StrSet:
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

    def _member_str(self, s: str) -> bool:
        if s in self.plus:
            return True
        if s in self.minus:
            return False
        return self._base(s)

    def contains(self, value: str | None) -> bool:
        if value is None:
            return bool(self.unset)
        return self._member_str(value)

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
        plus, minus = [], []
        for s in self.plus | self.minus | other.plus | other.minus:
            want = op(self._member_str(s), other._member_str(s))
            if want:
                plus.append(s)
            else:
                minus.append(s)
        return StrSet(pats, cells, plus, minus, _flag(op, self.unset, other.unset))

    def __and__(self, other: StrSet) -> StrSet:
        return self._combine(other, _AND)

    def __or__(self, other: StrSet) -> StrSet:
        return self._combine(other, _OR)

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

    def key(self) -> tuple[Any, ...]:
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
        if self.unset:
            return None
        raise ValueError(f"no member found in {self!r}")

    def __repr__(self) -> str:
        return f"StrSet(pats={self.pats}, cells={sorted(sorted(c) for c in self.cells)}, +{sorted(self.plus)}, -{sorted(self.minus)}, unset={self.unset})"

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
            minus, back = self.minus, frozenset()
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

    def candidates(self, bigger: StrSet) -> list[StrSet]:
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
        covered = {c for c in feasible if all((p in c) == w for p, w in term)}
        if covered and not covered & off:
            implicants.append((term, frozenset(covered)))
    primes = [t for t in implicants if not any(t[1] < u[1] for u in implicants)]
    todo = set(cells)
    out = []
    while todo:
        term, covered = max(
            primes, key=lambda t: (len(t[1] & todo), -len(t[0]), [str(x) for x in t[0]])
        )
        out.append(term)
        todo -= covered
    return out


# ---------------------------------------------------------------- cuda_arch

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


def _ivals_complement(
    ivals: tuple[tuple[int, int | None], ...],
) -> tuple[tuple[int, int | None], ...]:
    out = []
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


class ArchSet:
    """Values of ``cuda_arch``: compute-capability ranges (``sm_90a`` has capability 90),
    exact spellings (``==``/``!=`` compare the text), and unset."""

    __slots__ = ("_hash", "ivals", "minus", "plus", "unset")

    def __init__(self, ivals: Iterable[tuple[int, int | None]] = (), plus: Iterable[str] = (),
                 minus: Iterable[str] = (), unset: bool = False) -> None:  # fmt: skip
        self.ivals = _norm_ivals(ivals)
        self.plus = frozenset(s for s in plus if not _ivals_contain(self.ivals, arch_key(s)))  # type: ignore[arg-type]
        self.minus = frozenset(s for s in minus if _ivals_contain(self.ivals, arch_key(s)))  # type: ignore[arg-type]
        self.unset = unset
        self._hash = hash((self.ivals, self.plus, self.minus, unset))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArchSet) and (self.ivals, self.plus, self.minus, self.unset) == (
            other.ivals, other.plus, other.minus, other.unset)  # fmt: skip

    def __hash__(self) -> int:
        return self._hash

    def _member_str(self, s: str) -> bool:
        if s in self.plus:
            return True
        if s in self.minus:
            return False
        k = arch_key(s)
        return k is not None and _ivals_contain(self.ivals, k)

    def contains(self, value: str | None) -> bool:
        return bool(self.unset) if value is None else self._member_str(value)

    def _combine(self, other: ArchSet, ivals: Any, op: Callable[[bool, bool], bool]) -> ArchSet:
        ivals = _norm_ivals(ivals)
        plus, minus = [], []
        for s in self.plus | self.minus | other.plus | other.minus:
            want = op(self._member_str(s), other._member_str(s))
            (plus if want else minus).append(s)
        return ArchSet(ivals, plus, minus, op(self.unset, other.unset))

    def __and__(self, other: ArchSet) -> ArchSet:
        return self._combine(other, _ivals_and(self.ivals, other.ivals), _AND)

    def __or__(self, other: ArchSet) -> ArchSet:
        return self._combine(other, self.ivals + other.ivals, _OR)

    def __invert__(self) -> ArchSet:
        return ArchSet(_ivals_complement(self.ivals), self.minus, self.plus, not self.unset)

    @property
    def is_empty(self) -> bool:
        return not self.ivals and not self.plus and not self.unset

    @property
    def is_full(self) -> bool:
        return self.ivals == ((0, None),) and not self.minus and self.unset

    def key(self) -> tuple[Any, ...]:
        return (self.ivals, tuple(sorted(self.plus)), tuple(sorted(self.minus)), self.unset)

    def pick(self) -> str | None:
        if self.plus:
            return min(self.plus)
        for lo, _ in self.ivals:
            for text in (f"sm_{lo}", f"sm_{lo}a", f"sm_{lo}f", f"sm_0{lo}", f"sm_00{lo}"):
                if text not in self.minus and arch_key(text) == lo:
                    return text
        if self.unset:
            return None
        raise ValueError(f"no member found in {self!r}")

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

    def candidates(self, bigger: ArchSet) -> list[ArchSet]:
        return [bigger, self]


# ---------------------------------------------------------------- finite-set forms


def finite_terms(s: Finite, var: str, kind: str) -> list[str] | None:
    """Markerc-language text of a subset of a finite universe (engines, booleans)."""
    if s.is_full:
        return []
    if kind == "bool":
        table = {
            frozenset({True}): [var],
            frozenset({False, None}): [f"not {var}"],
            frozenset({False}): [f'{var} == "false"'],
            frozenset({True, None}): [f'{var} != "false"'],
            frozenset({None}): [f"not {var}", f'{var} != "false"'],
            frozenset({True, False}): [f'({var} or {var} == "false")'],
        }
        return table.get(s.members)
    # engines
    members = sorted(s.members)
    others = sorted(s.universe - s.members)
    if len(members) == 1:
        return [f'{var} == "{members[0]}"']
    if len(others) == 1:
        return [f'{var} != "{others[0]}"']
    if len(members) <= len(others):
        return [f'{var} in "{", ".join(members)}"']
    return [f'{var} not in "{", ".join(others)}"']


def cost(terms: Sequence[str] | None) -> int:
    return 10_000 if terms is None else len(terms)
