"""The rules of ``markerc check`` about markerc's own meaning of an entry (docs/diagnostics.md).

* entry rules: parse errors (MK0xx/MK1xx, raised by :func:`markerc.language.entry.check_entry`, with
  MK315 for a placeholder that lost its closing ``#``), engine literals (MK103, MK302),
  placeholders and system pins (MK301, MK303, MK310, MK312-MK314, MK320), template variables
  (MK310, MK311, MK320), comparisons no real value satisfies (MK316, MK317) and markers that are
  always false or true (MK318, MK319);
* model rules, over the entries of one block: duplicates (MK305), conflicts (MK502), the engine
  availability rule (MK304), the torch companion (MK309), index URLs (MK307, MK308).

What Xinference at launch reads differently is :mod:`markerc.lint.xinference`.  Rules yield
:class:`markerc.lint.framework.Finding` objects; selection happens in :mod:`markerc.lint.check`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from markerc.compiler.hub import Block, ModelRecord, SourceString
from markerc.compiler.targets import canonical_name
from markerc.diagnostics import Diagnostic, MarkercError, Span, mask_credentials
from markerc.language.markers import leaves
from markerc.language.nodes import (
    FALSE,
    TRUE,
    And,
    Bare,
    Compare,
    Const,
    Marker,
    Not,
    Or,
    Placeholder,
    Requirement,
    SystemPin,
)
from markerc.language.versions import unsatisfiable
from markerc.lint.framework import (
    SYSTEM_PACKAGES,
    Context,
    Finding,
    Fix,
    Item,
    condition,
    diag,
    engine_bound,
    engine_members,
    head_key,
    is_engine,
    placeholder_engine,
    quoted,
    where,
)

_TORCH_COMPANIONS = ("torchvision", "torchaudio", "torchcodec")
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")
_BOUND_BY_XINFERENCE = (
    "engine",
    "model_engine",
    "has_cuda",
    "has_npu",
    "cuda_version",
    "cuda_arch",
)
_UNCLOSED = re.compile(r"\s*(#[ \t]*([A-Za-z0-9_.\-]+))")
_BARE_SYSTEM = re.compile(r"system[_.-](.+)", re.IGNORECASE)
_PLACEHOLDER_WORD = re.compile(r"(?:.+_dependencies|system_.+)", re.IGNORECASE)
_ENUMERATION_LIMIT = 4096  # variable combinations tried by the always-true/false rules

__all__ = [
    "constant_value",
    "cuda_arch_witnesses",
    "cuda_version_witnesses",
    "entry_findings",
    "model_findings",
    "osa_distance",
    "parse_error",
    "parse_record",
]


# ============================================================================ per record


def parse_record(record: ModelRecord, ctx: Context) -> tuple[list[Item], list[Finding]]:
    """One record's parsed entries, and the findings about its own keys and about the entries
    that do not parse."""
    found: list[Finding] = []
    if record.engine is not None and record.engine.value not in ctx.engines:
        hint = ctx.engines.suggest(record.engine.value)
        message = f"unknown engine {record.engine.value!r} for this record"
        if hint:
            message += f"; did you mean {hint!r}?"
        found.append(
            Finding(
                Diagnostic.make(
                    "MK103",
                    message,
                    location=record.engine.location(),
                    notes=(f"known engines: {', '.join(ctx.names)}",),
                )
            )
        )
    items: list[Item] = []
    if record.block is None:
        return items, found
    from markerc.language.entry import check_entry

    for index, source in enumerate(record.block.packages):
        try:
            items.append(Item(index, source, check_entry(source.value)))
        except MarkercError as exc:
            found.append(parse_error(exc, source))
    return items, found


def parse_error(exc: MarkercError, source: SourceString) -> Finding:
    """The parser's error as a finding; MK315 where MK004 hides a placeholder without its
    closing ``#``."""
    if exc.code == "MK004":
        m = _UNCLOSED.match(source.value)
        if m and _PLACEHOLDER_WORD.fullmatch(m.group(2)):
            start, end = m.start(1), m.end(1)
            written = m.group(1)
            fixed = written + "#"
            return Finding(
                diag(
                    "MK315",
                    f"{written!r} has no closing '#': markerc reads a comment-only entry and "
                    f"Xinference hands the text to pip, which fails at launch; write {fixed!r}",
                    source,
                    Span(start, end),
                ),
                Fix("MK315", source, start, end, fixed),
            )
    return Finding(diag(exc.code, exc.message, source, exc.span, exc.notes))


def model_findings(items: list[Item], block: Block, ctx: Context) -> Iterator[Finding]:
    yield from _duplicates_and_conflicts(items, ctx)
    yield from _availability(items, ctx)
    yield from _torch_companion(items, ctx)
    yield from _index_urls(block)


# ============================================================================ entry rules


def entry_findings(item: Item, ctx: Context) -> Iterator[Finding]:
    entry, source = item.entry, item.source
    leaf_findings = False  # a finding on one term (an unknown engine, MK317) explains the marker
    if entry.marker is not None:
        for leaf in leaves(entry.marker):
            if is_engine(leaf):
                assert isinstance(leaf, Compare)
                for finding in _engine_literals(leaf, source, ctx):
                    leaf_findings = leaf_findings or finding.diagnostic.code == "MK103"
                    yield finding
            yield from _template_spelling(leaf, source)
            yield from _unbound_template(leaf, source)
            for finding in _impossible_comparison(leaf, source):
                leaf_findings = True
                yield finding
    head = entry.head
    placeholder = placeholder_engine(entry, ctx)
    if placeholder is not None:
        engine, legacy = placeholder
        yield from _placeholder_findings(item, engine, legacy, ctx)
    elif isinstance(head, SystemPin):
        yield from _system_pin(item, head, ctx)
    elif isinstance(head, Requirement):
        yield from _bare_system_pin(item, head, ctx)
    if entry.marker is not None and not leaf_findings:
        yield from _constant_marker(item, ctx)


def _engine_literals(leaf: Compare, source: SourceString, ctx: Context) -> Iterator[Finding]:
    for name, span in engine_members(leaf):
        canonical = ctx.engines.canonical(name)
        if canonical is None:
            hint = ctx.engines.suggest(name) if name else None
            message = f"unknown engine {name!r}"
            if hint:
                message += f"; did you mean {hint!r}?"
            yield Finding(
                diag(
                    "MK103",
                    message,
                    source,
                    span if span.end > span.start else leaf.value_span,
                    (f"known engines: {', '.join(ctx.names)}",),
                )
            )
        elif canonical != name:
            yield Finding(
                diag(
                    "MK302",
                    f"engine {name!r} is spelled {canonical!r} in canonical form (engine names "
                    "compare case-insensitively; one spelling keeps the hub greppable)",
                    source,
                    span,
                ),
                Fix("MK302", source, span.start, span.end, canonical),
            )


def _spelling(
    written: str, canonical: str, source: SourceString, span: Span, what: str, *, case: bool = False
) -> Iterator[Finding]:
    """MK310 for what Xinference does not resolve (spaces inside the hashes; the case too where
    ``case``), MK320 for a case-only difference it tolerates."""
    if written == canonical:
        return
    if case or written[1:-1] != written[1:-1].strip() or written.lower() != canonical.lower():
        yield Finding(
            diag(
                "MK310",
                f"{what} {written!r} is not resolved by Xinference (xoscar and Xinference's "
                f"filter look for the exact text {canonical!r}): write {canonical!r}",
                source,
                span,
            ),
            Fix("MK310", source, span.start, span.end, canonical),
        )
    else:
        yield Finding(
            diag(
                "MK320",
                f"{what} {written!r} is spelled {canonical!r} in canonical form (Xinference and "
                "markerc lower-case it)",
                source,
                span,
            ),
            Fix("MK320", source, span.start, span.end, canonical),
        )


def _template_spelling(leaf: Compare | Bare, source: SourceString) -> Iterator[Finding]:
    """``#ENGINE#``, ``# engine #``: one right spelling, ``#engine#``."""
    if not leaf.var.template:
        return
    span = leaf.var_span if isinstance(leaf, Compare) else leaf.span
    written = source.value[span.start : span.end]
    if not written.startswith("#"):
        return
    canonical = "#" + written[1:-1].strip().lower() + "#"
    yield from _spelling(written, canonical, source, span, "variable")


def _unbound_template(leaf: Compare | Bare, source: SourceString) -> Iterator[Finding]:
    """A ``#name#`` Xinference never binds: almost always a misspelt ``#engine#``."""
    var = leaf.var
    if not var.template or var.name in _BOUND_BY_XINFERENCE:
        return
    import difflib

    close = difflib.get_close_matches(var.name, _BOUND_BY_XINFERENCE, n=1, cutoff=0.75)
    hint = f"; did you mean #{close[0]}#?" if close else ""
    span = leaf.var_span if isinstance(leaf, Compare) else leaf.span
    yield Finding(
        diag(
            "MK311",
            f"#{var.name}# is not a variable Xinference binds (it binds #engine# and "
            f"#model_engine#): its xoscar evaluator reads the unknown name as a comment and "
            f"truncates the marker; markerc needs --set {var.name}=VALUE{hint}",
            source,
            span,
        )
    )


def _placeholder_findings(item: Item, engine: str, legacy: bool, ctx: Context) -> Iterator[Finding]:
    entry, source, text = item.entry, item.source, item.source.value
    head = entry.head
    if legacy:
        assert isinstance(head, Requirement)
        span = head.name_span
        canonical = f"#{head.name.lower()}#"
        yield Finding(
            diag(
                "MK301",
                f"legacy placeholder {head.name!r} without hashes: write {canonical!r} "
                "(a bare name reads as a package to every tool but Xinference)",
                source,
                span,
            ),
            Fix("MK301", source, span.start, span.end, canonical),
        )
    else:
        assert isinstance(head, Placeholder)
        start = text.find(head.spelling, entry.head_span.start)
        span = Span(start, start + len(head.spelling)) if start >= 0 else entry.head_span
        if ctx.engines.canonical(engine) is None:
            hint = ctx.engines.suggest(engine)
            message = f"placeholder {head.spelling!r} names unknown engine {engine!r}"
            if hint:
                message += f"; did you mean {hint!r}?"
            yield Finding(
                diag("MK103", message, source, span, (f"known engines: {', '.join(ctx.names)}",))
            )
            return
        yield from _spelling(head.spelling, head.render(), source, span, "placeholder")
    canonical_engine = ctx.engines.canonical(engine)
    if canonical_engine is None or entry.marker is None:
        return
    if engine_bound(entry.marker, canonical_engine, ctx) == FALSE:
        yield Finding(
            diag(
                "MK303",
                f"placeholder for engine {canonical_engine!r} is guarded by a marker that is "
                f"false for {canonical_engine!r}: markerc never expands it; Xinference ignores "
                f"a placeholder's marker and expands it whenever the engine is "
                f"{canonical_engine!r}",
                source,
                entry.marker_span or Span(0, len(text)),
            )
        )


# ---------------------------------------------------------------- system pins


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, transpositions
    of adjacent characters)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _misspelling_of(name: str, pool: Sequence[str]) -> str | None:
    """The pool name ``name`` is a typo of: one edit away, two for names of 8+ characters."""
    limit = 1 if len(name) < 8 else 2
    best = None
    for candidate in pool:
        if candidate == name or abs(len(candidate) - len(name)) > limit:
            continue
        d = osa_distance(name, candidate)
        if d <= limit and (best is None or d < best[0]):
            best = (d, candidate)
    return best[1] if best else None


def _system_pool(ctx: Context, exclude: str) -> list[str]:
    return list(SYSTEM_PACKAGES) + sorted(
        n for n in ctx.pinned if n != exclude and n not in SYSTEM_PACKAGES
    )


def _system_pin(item: Item, head: SystemPin, ctx: Context) -> Iterator[Finding]:
    entry, source, text = item.entry, item.source, item.source.value
    start = text.find(head.spelling, entry.head_span.start)
    span = Span(start, start + len(head.spelling)) if start >= 0 else entry.head_span
    if head.noncanonical and start >= 0:
        yield from _spelling(
            head.spelling, f"#system_{head.name}#", source, span, "system pin", case=True
        )
    name = canonical_name(head.name)
    if name in SYSTEM_PACKAGES:
        return
    typo = _misspelling_of(name, SYSTEM_PACKAGES)
    if typo is None and ctx.pinned.get(name, 0) > 1:
        return  # a package this hub pins in other models too
    typo = typo or _misspelling_of(name, _system_pool(ctx, name))
    if typo is not None:
        yield Finding(
            diag(
                "MK312",
                f"unknown system package {head.name!r}; did you mean #system_{typo}#? Neither "
                f"tool finds a distribution called {head.name!r}: Xinference installs the bare "
                "name from the index, markerc stops (MK504)",
                source,
                span,
            )
        )
        return
    yield Finding(
        diag(
            "MK313",
            f"#system_{head.name}# pins {head.name!r} to the base environment, but it is none of "
            f"{', '.join(SYSTEM_PACKAGES)} and no other model of the checked files pins it: "
            "where it is not installed, Xinference installs it unpinned and markerc stops "
            "(MK504)",
            source,
            span,
        )
    )


def _bare_system_pin(item: Item, head: Requirement, ctx: Context) -> Iterator[Finding]:
    m = _BARE_SYSTEM.fullmatch(head.name)
    if m is None or head.specifier or head.url is not None:
        return
    package = m.group(1)
    name = canonical_name(package)
    known = set(SYSTEM_PACKAGES) | set(ctx.pinned)
    if name not in known and _misspelling_of(name, sorted(known)) is None:
        return
    span = head.name_span
    fixed = f"#system_{package}#"
    yield Finding(
        diag(
            "MK314",
            f"{head.name!r} is not a system pin: every tool, Xinference and markerc included, "
            f"reads it as a package called {head.name!r}; write {fixed!r} to pin {package} to "
            "the version installed in the base environment",
            item.source,
            span,
        ),
        Fix("MK314", item.source, span.start, span.end, fixed),
    )


# ---------------------------------------------------------------- real values of the variables


@functools.lru_cache(maxsize=1024)
def _pep440(text: str):  # type: ignore[no-untyped-def]
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


_ARCH = re.compile(r"sm_(\d+)([af]?)")


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
    if name in ("has_cuda", "has_npu"):
        return [True, False, None]
    literals = [
        lf.value for lf in leaves(marker) if isinstance(lf, Compare) and lf.var.name == name
    ]
    if name == "cuda_version":
        return [*cuda_version_witnesses(literals), None]
    if name == "cuda_arch":
        return [*cuda_arch_witnesses(literals), None]
    return None  # template and standard variables: left to the algebra


def _impossible_comparison(leaf: Compare | Bare, source: SourceString) -> Iterator[Finding]:
    """MK316 (``cuda_version == "12"``) and MK317 (a comparison constant on real values)."""
    if not isinstance(leaf, Compare) or leaf.var.name not in ("cuda_version", "cuda_arch"):
        return
    from markerc.language.markers import eval_leaf

    written = source.value[leaf.span.start : leaf.span.end]
    if leaf.var.name == "cuda_version" and leaf.op in ("==", "!="):
        v = _pep440(leaf.value)
        if v is not None and len(v.release) == 1 and v.pre is v.post is v.dev is v.local is None:
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
    v = _pep440(text)
    if v is None or v.epoch or v.pre or v.post or v.dev or v.local or not 1 <= len(v.release) <= 2:
        return False
    if leaf.op == "~=" and len(v.release) != 2:
        return False
    return v.release[0] >= 1 and tuple(v.release) + (0,) * (2 - len(v.release)) != (1, 0)


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
    from markerc.language.markers import canonical_text

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
    from markerc.language.markers import NoComplement, is_standard, partial, residual, variables

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
        names = sorted({v.name for v in variables(marker) if not is_standard(v)})
        domains = []
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


def _constant_marker(item: Item, ctx: Context) -> Iterator[Finding]:
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


# ============================================================================ model rules


class _Draft(NamedTuple):
    """A model entry as :func:`markerc.compiler.merge.conflicts` sees a line."""

    item: Item
    key: str
    specifier: tuple[tuple[str, str], ...]
    url: str | None
    cond: object


def _duplicates_and_conflicts(items: list[Item], ctx: Context) -> Iterator[Finding]:
    """MK305 (the same entry twice, compared by meaning) and MK502 (two requirements of one name
    that no version satisfies together where both conditions hold), with the compiler's own
    algebra; conditions are computed only where two entries share a name."""
    by_head: dict[object, list[Item]] = {}
    by_name: dict[str, list[Item]] = {}
    for item in items:
        by_head.setdefault(head_key(item.entry), []).append(item)
        head = item.entry.head
        if isinstance(head, Requirement):
            by_name.setdefault(canonical_name(head.name), []).append(item)
    duplicates: set[int] = set()
    for group in by_head.values():
        seen: dict[object, Item] = {}
        for item in group if len(group) > 1 else ():
            cond = condition(item.entry, ctx)
            first = seen.get(cond) if cond is not None else None
            if first is None:
                if cond is not None:
                    seen[cond] = item
                continue
            duplicates.add(item.index)
            yield Finding(
                diag(
                    "MK305",
                    f"duplicate entry: {quoted(first)} at {where(first.source)} says the "
                    "same; remove one",
                    item.source,
                    item.entry.head_span if item.entry.head_span.end else None,
                )
            )
    for name, group in by_name.items():
        group = [i for i in group if i.index not in duplicates]
        yield from _conflicts(name, group, ctx)


def _conflicts(name: str, group: list[Item], ctx: Context) -> Iterator[Finding]:
    drafts: list[_Draft] = []
    for item in group:
        head = item.entry.head
        assert isinstance(head, Requirement)
        if head.specifier and unsatisfiable(head.specifier):
            span = head.spec_span if head.spec_span.end else item.entry.head_span
            message = f"no version of {name} satisfies {_spec(head.specifier)!r}"
            yield Finding(diag("MK502", message, item.source, span))
            continue
        if len(group) > 1:
            cond = condition(item.entry, ctx)
            if cond is not None:
                drafts.append(_Draft(item, name, head.specifier, head.url, cond))
    if len(drafts) < 2:
        return
    from markerc.compiler.merge import conflicts
    from markerc.language import algebra

    reported: set[int] = set()
    for first, second, what, both in conflicts(drafts):
        item = second.item
        if item.index in reported:
            continue
        reported.add(item.index)
        head = item.entry.head
        assert isinstance(head, Requirement)
        span = (
            head.spec_span
            if head.spec_span.end and what != "two different URLs"
            else item.entry.head_span
        )
        overlap = (
            "unconditionally" if both is algebra.TRUE else f"where {algebra.describe(both)} holds"
        )
        yield Finding(
            diag(
                "MK502",
                f"{'two different URLs' if what == 'two different URLs' else 'conflicting requirements'} "
                f"for {name} {overlap}: no version satisfies both this entry and "
                f"{quoted(first.item)} at {where(first.item.source)}",
                item.source,
                span,
            )
        )


def _spec(specifier: Sequence[tuple[str, str]]) -> str:
    return ",".join(op + v for op, v in specifier)


def _availability(items: list[Item], ctx: Context) -> Iterator[Finding]:
    """MK304: Xinference lists a model's engines from ``#engine# == "x"`` markers only."""
    listed: set[str] = set()
    for item in items:
        if item.entry.marker is None:
            continue
        for leaf in leaves(item.entry.marker):
            if is_engine(leaf) and leaf.op == "==":  # type: ignore[union-attr]
                listed.add(ctx.canon(leaf.value))  # type: ignore[union-attr]
    for item in items:
        placeholder = placeholder_engine(item.entry, ctx)
        if placeholder is None:
            continue
        engine = ctx.engines.canonical(placeholder[0])
        if engine is None or engine in listed:
            continue
        yield Finding(
            diag(
                "MK304",
                f"engine {engine!r} is named by this placeholder but by no "
                f'#engine# == "{engine}" marker of the model: Xinference lists a model\'s '
                f"engines from those markers only, so it does not offer {engine!r} for this "
                "model (and refuses to launch it when other engines are listed); markerc "
                f'compiles it; add ; #engine# == "{engine}" to the placeholder',
                item.source,
                item.entry.head_span,
            )
        )


def _torch_companion(items: list[Item], ctx: Context) -> Iterator[Finding]:
    """MK309 where the compiler would add a ``#system_torch#`` companion pin: a system-pinned
    torchvision/torchaudio/torchcodec under a condition that no torch requirement covers (the
    compiler's own query, :func:`markerc.compiler.expand.companion_conditions`)."""
    companions = [
        i
        for i in items
        if isinstance(i.entry.head, SystemPin) and i.entry.head.name.lower() in _TORCH_COMPANIONS
    ]
    if not companions:
        return
    from markerc.compiler.companions import companion_conditions
    from markerc.language import algebra

    torch: list[object] = []
    for item in items:
        head = item.entry.head
        name = (
            head.name.lower()
            if isinstance(head, SystemPin)
            else (canonical_name(head.name) if isinstance(head, Requirement) else None)
        )
        if name == "torch":
            cond = condition(item.entry, ctx)
            torch.append(algebra.TRUE if cond is None else cond)  # undecidable: assume covered
    pins = [(i, c) for i in companions if (c := condition(i.entry, ctx)) is not None]
    for item, need in companion_conditions(pins, torch):  # type: ignore[arg-type]
        head = item.entry.head
        assert isinstance(head, SystemPin)
        where_ = "" if need is algebra.TRUE else f" where {algebra.describe(need)} holds"
        yield Finding(
            diag(
                "MK309",
                f"{head.render()} pins {head.name} to the installed version but nothing in "
                f"this model pins torch{where_}: a torch resolved independently can break its "
                "ABI. Xinference and markerc both add #system_torch# under that condition "
                "(markerc: --no-torch-companion disables it); write it explicitly",
                item.source,
                item.entry.head_span,
            )
        )


def _index_urls(block: Block) -> Iterator[Finding]:
    for key, source in block.package_sources():
        yield from _url_findings(key, source)


def _url_findings(key: str, source: SourceString) -> Iterator[Finding]:
    from urllib.parse import urlsplit

    value = source.value.strip()
    lead = len(source.value) - len(source.value.lstrip())
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return
    shown = mask_credentials(value)
    if parts.scheme.lower() == "http" and (host or "") not in _LOOPBACK:
        yield Finding(
            Diagnostic.make(
                "MK307",
                f"{key} {shown!r} uses plain http: packages and their hashes travel "
                "unauthenticated; use https",
                location=source.location(lead, lead + len(value)),
            )
        )
    if "@" in parts.netloc:
        start = lead + value.find("//") + 2
        end = lead + value.find("@", start - lead) if "//" in value else lead
        yield Finding(
            Diagnostic.make(
                "MK308",
                f"{key} {shown!r} carries credentials in the URL: they end up in lock files, "
                "logs and the hub repository; use a keyring or netrc, or an environment-"
                "specific pip/uv configuration",
                location=source.location(start, max(start + 1, end)),
            )
        )
