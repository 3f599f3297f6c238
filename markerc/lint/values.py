"""``check`` rules about the real values of markerc's variables: comparisons no real CUDA version
or architecture satisfies as written (MK316, MK317) and markers that are false or true in every
environment (MK318, MK319), decided by the marker algebra over witness values of each variable."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from markerc.compiler.hub import SourceString
from markerc.diagnostics import Span
from markerc.language import variables
from markerc.language.markers import leaves
from markerc.language.nodes import FALSE, TRUE, And, Bare, Compare, Const, Marker, Not, Or
from markerc.language.versions import release_numbers

if TYPE_CHECKING:
    from packaging.version import Version

from markerc.lint.framework import Context, Finding, Item, diag, is_engine

_ENUMERATION_LIMIT = 4096  # variable combinations tried by the always-true/false rules
_ARCH = re.compile(r"sm_(\d+)([af]?)")
_PLAIN = (None, None, None, None)  # no pre, post or dev part, no local label

__all__ = [
    "constant_marker",
    "constant_value",
    "cuda_arch_witnesses",
    "cuda_version_witnesses",
    "impossible_comparison",
]


@functools.lru_cache(maxsize=1024)
def _pep440(text: str) -> Version | None:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion:
        return None


def _version_release(text: str) -> tuple[int, int] | None:
    v = _pep440(text[:-2] if text.endswith(".*") else text)
    if v is None:
        return None
    release = (*tuple(v.release), 0)
    return release[0], release[1]


def cuda_version_witnesses(literals: Sequence[str]) -> list[str]:
    """CUDA versions (``X.Y``, X >= 1) on which every comparison with ``literals`` takes each of
    the values it can take.

    A comparison of ``X.Y`` with a literal whose release starts ``a.b`` changes value only when
    ``X.Y`` reaches ``a.0``, ``a.b``, ``a.(b+1)`` or ``(a+1).0`` (orderings, ``==``, prefix
    matches, ``~=``, ``===``), so between two such points every comparison is constant and the
    points themselves are witnesses for every stretch of real versions (with ``1.0``, the
    smallest)."""
    points = {(1, 0)}
    for text in literals:
        release = _version_release(text)
        if release is None:
            continue
        a, b = release
        points.update({(a, 0), (a, b), (a, b + 1), (a + 1, 0)})
    return [f"{x}.{y}" for x, y in sorted(p for p in points if p[0] >= 1)]


def cuda_arch_witnesses(literals: Sequence[str]) -> list[str]:
    """GPU architectures (``sm_<major><minor>[a|f]``, major >= 1) covering every value that
    comparisons with ``literals`` can take: orderings compare (major, minor), ``==`` the exact
    text, so each literal's point (with each suffix), the point after it and ``sm_10``."""
    points: set[tuple[int, int, str]] = {(1, 0, "")}
    for text in literals:
        m = _ARCH.fullmatch(text)
        if m is None:
            continue
        digits = m.group(1)
        major, minor = (int(digits[:-1]), int(digits[-1])) if len(digits) > 1 else (0, int(digits))
        for suffix in ("", "a", "f"):
            points.add((major, minor, suffix))
        points.add((major, minor + 1, "") if minor < 9 else (major + 1, 0, ""))
    return [f"sm_{a}{b}{s}" for a, b, s in sorted(points) if a >= 1]


def _witnesses(name: str, marker: Marker, ctx: Context) -> list[object] | None:
    """Real values of variable ``name`` (``None`` = unset) that decide every comparison on it."""
    if name == "engine":
        return list(ctx.names)
    if variables.lookup(name).domain == "bool":
        return [True, False, None]
    literals = [
        lf.value for lf in leaves(marker) if isinstance(lf, Compare) and lf.var.name == name
    ]
    if name == "cuda_version":
        return [*cuda_version_witnesses(literals), None]
    if name == "cuda_arch":
        return [*cuda_arch_witnesses(literals), None]
    return None  # template and standard variables: left to the algebra


def impossible_comparison(leaf: Compare | Bare, source: SourceString) -> Iterator[Finding]:
    """MK316 (``cuda_version == "12"``) and MK317 (a comparison constant on real values)."""
    if not isinstance(leaf, Compare) or leaf.var.name not in ("cuda_version", "cuda_arch"):
        return
    from markerc.language.markers import eval_leaf

    written = source.value[leaf.span.start : leaf.span.end]
    if leaf.var.name == "cuda_version" and leaf.op in ("==", "!="):
        v = _pep440(leaf.value)
        if v is not None and len(v.release) == 1 and (v.pre, v.post, v.dev, v.local) == _PLAIN:
            major = v.release[0]
            yield Finding(
                diag(
                    "MK316",
                    f"{written!r} is true only for CUDA {major}.0 (PEP 440 pads "
                    f'"{leaf.value}" with zeros, in markerc and in Xinference), not for '
                    f'{major}.4 or {major}.8; write "{major}.*" for the {major} series, or '
                    f'"{major}.0"',
                    source,
                    leaf.value_span,
                )
            )
            return
    if leaf.var.name == "cuda_version":
        if _ordinary_cuda(leaf):
            return  # takes both values on real versions (and evaluating would cost start-up)
        values, what = cuda_version_witnesses([leaf.value]), "CUDA version (major.minor)"
    else:
        values, what = cuda_arch_witnesses([leaf.value]), "GPU architecture (sm_<major><minor>)"
    results = {eval_leaf(leaf, value) for value in values}
    if len(results) != 1:
        return
    if results == {False}:
        message = f"{written!r} is never true: no real {what} satisfies it"
    else:
        message = f"{written!r} is true for every real {what}"
    yield Finding(
        diag(
            "MK317", message + "; the comparison does not test what it seems to", source, leaf.span
        )
    )


def _ordinary_cuda(leaf: Compare) -> bool:
    """Whether a ``cuda_version`` comparison is known to be true for some real version and false
    for another without evaluating it: a plain literal ``a`` or ``a.b`` (a >= 1, not ``1.0``)
    with any operator but ``===``.  ``1.0`` and ``a.b`` (or ``(a+1).0`` for ``>``, ``>=``,
    ``<=`` and ``~=``) then disagree.  A fast path only: the other comparisons are evaluated."""
    if leaf.op == "===":
        return False
    text = leaf.value[:-2] if leaf.value.endswith(".*") and leaf.op in ("==", "!=") else leaf.value
    release = release_numbers(text)
    if release is None or not 1 <= len(release) <= 2:  # another spelling: evaluated
        return False
    if leaf.op == "~=" and len(release) != 2:
        return False
    return release[0] >= 1 and release + (0,) * (2 - len(release)) != (1, 0)


def _replace(marker: Marker, leaf: Marker, by: Marker) -> Marker:
    """``marker`` with the node ``leaf`` (by identity) replaced by ``by``."""
    if marker is leaf:
        return by
    if isinstance(marker, (And, Or)):
        return type(marker)(tuple(_replace(m, leaf, by) for m in marker.items))
    if isinstance(marker, Not):
        return Not(_replace(marker.operand, leaf, by))
    return marker


def constant_value(marker: Marker, ctx: Context) -> bool | None:
    """True or False when the marker has that value in every environment, as far as markerc's
    marker algebra (:func:`markerc.language.markers.residual`) decides it once the markerc variables
    (engine, booleans, CUDA version and architecture) take each of their real values; None when
    it depends on the environment or cannot be decided.

    A single ``cuda_version`` comparison known to take both values (:func:`_ordinary_cuda`) is
    replaced by true and by false instead of being evaluated on versions: the variables are
    independent, so the marker is constant exactly when both replacements give that constant."""
    from markerc.language.rendering import canonical_text

    key = canonical_text(marker)
    if key in ctx.verdicts:
        return ctx.verdicts[key]
    cuda = [
        lf for lf in leaves(marker) if isinstance(lf, Compare) and lf.var.name == "cuda_version"
    ]
    if len(cuda) == 1 and _ordinary_cuda(cuda[0]):
        both = {_constant(_replace(marker, cuda[0], value), ctx) for value in (TRUE, FALSE)}
        verdict = both.pop() if len(both) == 1 else None
    else:
        verdict = _constant(marker, ctx)
    ctx.verdicts[key] = verdict
    return verdict


def _constant(marker: Marker, ctx: Context) -> bool | None:
    from markerc.language.markers import NoComplement, partial, residual
    from markerc.language.markers import variables as marker_variables
    from markerc.language.variables import is_standard

    verdict: bool | None = None
    if isinstance(marker, Const):
        return marker.value
    if all(is_engine(leaf) for leaf in leaves(marker)):
        # only the engine varies, over the finite table: evaluate each engine (cheap, exact, and
        # no algebra import on the common path of a pre-commit run)
        seen = {partial(marker, {"engine": e}, ctx.canon) for e in ctx.names}
        only = seen.pop() if len(seen) == 1 else None
        return only.value if isinstance(only, Const) else None
    try:
        direct = residual(marker, {}, ctx.canon)
    except NoComplement:
        direct = None
    if isinstance(direct, Const):
        verdict = direct.value
    else:
        names = sorted({v.name for v in marker_variables(marker) if not is_standard(v)})
        domains: list[list[object]] = []
        size = 1
        for name in names:
            values = _witnesses(name, marker, ctx)
            if values is None:
                domains = []
                break
            domains.append(values)
            size *= len(values)
        if domains and size <= _ENUMERATION_LIMIT:
            verdict = _enumerate(marker, names, domains, ctx)
    return verdict


def _enumerate(
    marker: Marker, names: list[str], domains: list[list[object]], ctx: Context
) -> bool | None:
    from itertools import product

    from markerc.language.markers import NoComplement, residual

    seen: set[bool] = set()
    for combo in product(*domains):
        try:
            folded = residual(marker, dict(zip(names, combo, strict=False)), ctx.canon)
        except NoComplement:
            return None
        if not isinstance(folded, Const):
            return None
        seen.add(folded.value)
        if len(seen) > 1:
            return None
    return seen.pop() if seen else None


def constant_marker(item: Item, ctx: Context) -> Iterator[Finding]:
    marker = item.entry.marker
    assert marker is not None
    verdict = constant_value(marker, ctx)
    if verdict is None:
        return
    span = item.entry.marker_span or Span(0, len(item.source.value))
    written = item.source.value[span.start : span.end]
    if verdict is False:
        yield Finding(
            diag(
                "MK318",
                f"the marker {written!r} is false in every environment (every engine, with and "
                "without CUDA, every CUDA version and architecture): the entry is never installed",
                item.source,
                span,
            )
        )
    else:
        yield Finding(
            diag(
                "MK319",
                f"the marker {written!r} is true in every environment: it says nothing; drop it "
                "or write the condition that was meant",
                item.source,
                span,
            )
        )
