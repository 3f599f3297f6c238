"""PEP 440 version ranges for the version domains: ``packaging.ranges.VersionRange`` values
(pre-releases admitted, as markers evaluate them), normalised spellings, and the shortest
specifier clauses for a range (:func:`spec_form`).  ``packaging`` is imported on first use."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from markerc.language.versions import parse_version

if TYPE_CHECKING:
    from packaging._ranges import Interval
    from packaging.ranges import VersionRange
    from packaging.version import Version


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
def spec_range(text: str) -> VersionRange | None:
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
def full_range() -> VersionRange:
    from packaging.ranges import VersionRange

    return VersionRange.full(admit_arbitrary=False, prereleases=True)


@functools.cache
def empty_range() -> VersionRange:
    from packaging.ranges import VersionRange

    return VersionRange.empty(prereleases=True)


def interval_range(interval: Interval) -> VersionRange:
    from packaging.ranges import VersionRange

    return VersionRange._build((interval,), prereleases_configured=True)


def intervals(rng: VersionRange) -> tuple[Interval, ...]:
    return tuple(rng._bounds)


def sub_range(bounds: Sequence[Interval], source: VersionRange) -> VersionRange:
    """A range of some of ``source``'s intervals that keeps ``source``'s ``===`` literals (the
    spellings it admits or rejects inside its bounds): pieces of a set never gain members."""
    from packaging.ranges import VersionRange

    return VersionRange._build(tuple(bounds), admit=source._admit, reject=source._reject,
                               prereleases_configured=True)  # fmt: skip


def in_range(rng: VersionRange, text: str) -> bool:
    v = parse_version(text)
    return v is not None and rng.contains(v)


def _bound_versions(rng: VersionRange) -> Iterator[tuple[Version, Version | None]]:
    """Each finite bound of ``rng``'s intervals: (the real version it sits at or beside, the
    successor of a boundary beside it, if any)."""
    from packaging._ranges import BoundaryVersion

    for lower, upper in intervals(rng):
        for bound in (lower, upper):
            v = bound.version
            if isinstance(v, BoundaryVersion):
                yield v.version, v.successor
            elif v is not None:
                yield v, None


def versions_in(rng: VersionRange) -> Iterator[Version]:
    """Versions inside ``rng``, at least one per interval."""
    pool: list[str] = ["0.dev0", "0", "1", "3.12", "99"]
    for v, succ in _bound_versions(rng):
        if succ is not None:
            pool.append(str(succ))
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
    seen: set[str] = set()
    for t in pool:
        parsed = parse_version(t)
        if parsed is not None and str(parsed) not in seen and rng.contains(parsed):
            seen.add(str(parsed))
            yield parsed


def longer_spelling(spelling: str) -> str:
    """Another normalised spelling of the same version (one more trailing ``.0``)."""
    v = parse_version(spelling)
    assert v is not None, spelling
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
def _spec_form_cached(rng: VersionRange) -> tuple[tuple[str, str], ...] | None:
    if rng.is_empty:
        return None
    if rng == full_range():
        return ()
    candidates: list[str] = []
    versions: list[str] = []
    for v, _ in _bound_versions(rng):  # a BoundaryVersion sits beside a real version
        versions += [str(v), v.base_version, v.public]
    seen: set[str] = set()
    for text in versions:
        if text in seen:
            continue
        seen.add(text)
        for op in (">=", ">", "<", "<=", "==", "!=", "~="):
            candidates.append(op + text)
        parsed = parse_version(text)
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
    singles = [(c, r) for c in candidates if (r := spec_range(c)) is not None and rng.is_subset(r)]
    for (a, ra), (b, rb) in itertools.combinations(singles, 2):
        if ra & rb == rng:
            consider(a + "," + b)
    if best is not None:
        return best
    spec = rng.to_specifier_set()
    if spec is not None:
        consider(str(spec) if str(spec) else ">=0.dev0")
    return best


def spec_form(rng: VersionRange) -> tuple[tuple[str, str], ...] | None:
    """The shortest specifier clauses whose versions are exactly ``rng`` (() for every version;
    None when PEP 440 has no single specifier set for it).

    Equal ranges share one cache entry whatever spelling of their bounds came first, so each
    clause is given its canonical spelling here: the text never depends on earlier input."""
    clauses = _spec_form_cached(rng)
    if clauses is None:
        return None
    return tuple((op, canonical_literal(op, version)) for op, version in clauses)
