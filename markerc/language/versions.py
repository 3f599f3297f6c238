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
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(",".join(op + v for op, v in specifier)).is_unsatisfiable()
