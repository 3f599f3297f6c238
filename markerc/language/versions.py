"""PEP 440 helpers shared by the parser, the type checker, check and merge.

``valid_specifier`` answers "would packaging accept ``Specifier(op + version)``?" and
``valid_specifier_set`` "would it accept ``SpecifierSet(text)``?" using only ``packaging.version``
(``packaging.specifiers`` costs ``markerc check`` start-up time on every commit); property tests
in ``tests/test_versions.py`` hold both equal to packaging's answer.  ``unsatisfiable`` imports
``packaging.specifiers`` only when it has to decide; :func:`parse_version` and :func:`specifier`
(packaging's objects, cached, None when invalid) import packaging on first use.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from packaging.specifiers import Specifier
    from packaging.version import Version

_T = TypeVar("_T")


def _or_none(make: Callable[[str], _T], invalid: type[ValueError], text: str) -> _T | None:
    """``make(text)``, or None where it raises ``invalid`` (packaging's Invalid... error)."""
    try:
        return make(text)
    except invalid:
        return None


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def parse_version(text: str) -> Version | None:
    """``packaging.version.Version(text)`` or None."""
    from packaging.version import InvalidVersion, Version

    return _or_none(Version, InvalidVersion, text)


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def specifier(text: str) -> Specifier | None:
    """``packaging.specifiers.Specifier(text)`` or None."""
    from packaging.specifiers import InvalidSpecifier, Specifier

    return _or_none(Specifier, InvalidSpecifier, text)


def _parse(text: str) -> Version | None:
    """A version written without surrounding space, as a specifier's version must be."""
    return parse_version(text) if text and text == text.strip() else None


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def valid_specifier(op: str, version: str) -> bool:
    """True when ``Specifier(op + version)`` is a valid PEP 440 specifier."""
    if op == "===":
        return bool(version) and not any(c.isspace() or c in ";)" for c in version)
    release = release_numbers(version)
    if release is not None:  # a plain release: valid for every operator, packaging unasked
        return op != "~=" or len(release) >= 2  # ~= needs two release numbers
    if op in ("==", "!="):
        if version.endswith(".*"):
            prefix = _parse(version[:-2])
            return prefix is not None and (prefix.pre, prefix.post, prefix.dev, prefix.local) == (
                None,
                None,
                None,
                None,
            )
        return _parse(version) is not None
    if "*" in version:
        return False
    parsed = _parse(version)
    if parsed is None or parsed.local is not None:
        return False
    if op == "~=":
        return len(parsed.release) >= 2
    return op in ("<", "<=", ">", ">=")


_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def release_numbers(text: str) -> tuple[int, ...] | None:
    """The numbers of ``text`` when it is a release number and nothing else, in ASCII digits
    (``12.8``: ``(12, 8)``, what ``Version(text).release`` is), else None.  Such a text is a valid
    PEP 440 version with no epoch, pre, post or dev part and no local label, so every operator
    takes it (``~=`` with two numbers at least): the CUDA specifiers of the engine table and
    most CUDA comparisons are such, and a one-model ``check`` does not import packaging for
    them (3 ms).  Other spellings of a release (``v1``, ``0!1``) are None: packaging decides."""
    if _RELEASE.fullmatch(text) is None:
        return None
    return tuple(int(part) for part in text.split("."))


_CLAUSE = re.compile(r"\s*(~=|===|==|!=|<=|>=|<|>)\s*(\S+)\s*")


def valid_specifier_set(text: str) -> bool:
    """True when ``SpecifierSet(text)`` is valid: comma-separated clauses (empty ones ignored)."""
    for part in text.split(","):
        if not part.strip():
            continue
        m = _CLAUSE.fullmatch(part)
        if m is None or not valid_specifier(m.group(1), m.group(2)):
            return False
    return True


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def unsatisfiable(specifier: tuple[tuple[str, str], ...]) -> bool:
    """True when no PEP 440 version (pre-releases included) satisfies every clause."""
    if not specifier or (
        len(specifier) == 1 and specifier[0][0] in (">=", ">", "!=", "~=", "==", "===")
    ):
        return False  # one such clause always admits a version (no packaging import needed)
    answer = _range_unsatisfiable(specifier)
    if answer is not None:
        return answer
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(",".join(op + v for op, v in specifier)).is_unsatisfiable()


def _plain_clauses(
    specifier: tuple[tuple[str, str], ...], ops: tuple[str, ...]
) -> list[tuple[str, tuple[int, ...]]] | None:
    """The clauses as (operator, release without trailing zeros) when every operator is one of
    ``ops`` and every version a plain release number (``1.0`` is ``1``); else None."""
    out = []
    for op, version in specifier:
        release = release_numbers(version)
        if release is None or op not in ops:
            return None
        out.append((op, _without_trailing_zeros(release)))
    return out


def _without_trailing_zeros(release: tuple[int, ...]) -> tuple[int, ...]:
    """``(1, 0)`` as ``(1,)``: PEP 440 compares releases padded with zeros."""
    while release and release[-1] == 0:
        release = release[:-1]
    return release


def _range_unsatisfiable(specifier: tuple[tuple[str, str], ...]) -> bool | None:
    """``unsatisfiable`` for bounds on plain release numbers (``>=4.51.3,<5``), packaging unasked
    (it imports ``inspect`` through ``warnings.deprecated``: 18 ms of a whole-hub compile); None
    for any other clause.  The bounds leave a version unless they cross: between two distinct
    releases lies a third that is neither a pre-release of the upper nor a post-release of the
    lower (``1.0.0.1`` between ``1.0`` and ``1.0.1``), and below ``<V`` lies release ``0`` unless
    ``V`` is ``0`` (pre-releases of ``V`` do not match ``<V``).  A property test holds this to
    ``SpecifierSet.is_unsatisfiable``."""
    clauses = _plain_clauses(specifier, ("<", "<=", ">", ">="))
    if clauses is None:
        return None
    low: tuple[tuple[int, ...], bool] | None = None  # (release, inclusive)
    high: tuple[tuple[int, ...], bool] | None = None
    for op, release in clauses:
        bound = (release, op in ("<=", ">="))
        if op[0] == ">":
            if low is None or bound[0] > low[0] or (bound[0] == low[0] and not bound[1]):
                low = bound
        elif high is None or bound[0] < high[0] or (bound[0] == high[0] and not bound[1]):
            high = bound
    if high is None:
        return False
    if low is None:
        return not high[1] and not high[0]  # only <0 leaves nothing
    if low[0] != high[0]:
        return low[0] > high[0]
    return not (low[1] and high[1])


_COMPARE: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def release_matches(text: str, version: str) -> bool | None:
    """Whether the plain release ``version`` (``12.8``) satisfies the specifier set ``text``
    (``>=12.8,<13``) when both are plain release numbers with ``<``, ``<=``, ``>``, ``>=``,
    ``==`` or ``!=``; else None (ask packaging).  A final release without a local label matches
    such a clause exactly when its release numbers compare so, trailing zeros aside; a property
    test holds this to ``SpecifierSet.contains``."""
    numbers = release_numbers(version)
    clauses = []
    for part in text.split(","):
        m = _CLAUSE.fullmatch(part)
        if m is None:
            return None
        clauses.append((m.group(1), m.group(2)))
    plain = _plain_clauses(tuple(clauses), tuple(_COMPARE))
    if numbers is None or plain is None:
        return None
    numbers = _without_trailing_zeros(numbers)
    return all(_COMPARE[op](numbers, release) for op, release in plain)
