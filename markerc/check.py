"""``markerc check``: every rule of the catalogue over model-hub files (docs/diagnostics.md).

The checker loads each file with :mod:`markerc.hub` (which keeps the file position of every
string), parses every entry once with :func:`markerc.language.check_entry` and runs three groups
of rules:

* entry rules: syntax, names and types (raised by the parser, MK0xx/MK1xx), engine literals
  (MK103, MK302), placeholders and system pins (MK103, MK301, MK303, MK310);
* model rules, over the entries of one block: duplicates (MK305), conflicts (MK502), the engine
  availability rule (MK304), the torch companion (MK309), index URLs (MK307, MK308);
* Xinference-runtime rules: where today's Xinference reads an entry differently from markerc
  (MK401-MK406, research sections 5, 6 and 12).

Rules that have one right spelling carry a :class:`Fix` (used by :mod:`markerc.fix`).
Nothing here prints or exits; heavy modules (lark, packaging) load on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from markerc.diagnostics import Diagnostic, Location, MarkercError, Span, mask_credentials
from markerc.language import legacy_placeholder
from markerc.markers import leaves
from markerc.versions import unsatisfiable
from markerc.targets import canonical_name
from markerc.engines import EngineTable
from markerc.hub import Block, HubFile, ModelRecord, SourceString, load_hub
from markerc.nodes import (
    FALSE,
    TRUE,
    And,
    Bare,
    Compare,
    Const,
    Entry,
    Marker,
    Not,
    Or,
    Placeholder,
    Requirement,
    SystemPin,
)

__all__ = [
    "CheckResult",
    "Finding",
    "Fix",
    "check_hub",
    "check_paths",
    "findings",
]

_MEMBER = re.compile(r"[^,\s]+")
_TORCH_COMPANIONS = ("torchvision", "torchaudio", "torchcodec")
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")
# Xinference's merge (research 5.1): fallback separators, in list order.
_KEY_SEPARATORS = ("@", "==", ">=", "<=", "~=", "!=", "[", " ")
# Xinference's CUDA pre-filter regex (research section 6), on the lower-cased marker.
_XI_SYS_PLATFORM = re.compile(r"sys_platform\s*(==|!=)\s*['\"]([^'\"]*)['\"]")
_XI_MACHINES = ('platform_machine == "x86_64"', 'platform_machine == "aarch64"')


# ============================================================================ results


@dataclass(frozen=True)
class Fix:
    """Replace decoded characters ``start..end`` of ``source`` with ``new``."""

    code: str
    source: SourceString
    start: int
    end: int
    new: str

    @property
    def old(self) -> str:
        return self.source.value[self.start : self.end]


@dataclass(frozen=True)
class Finding:
    diagnostic: Diagnostic
    fix: Fix | None = None


@dataclass(frozen=True)
class CheckResult:
    diagnostics: tuple[Diagnostic, ...]
    files: int
    exit_code: int  # 0 clean (or warnings only), 1 errors (or warnings with strict), 2 unreadable


# ============================================================================ entry points


def check_paths(paths: Sequence[str], *, engines: EngineTable, strict: bool = False) -> CheckResult:
    """Check every file in order.  A file that cannot be read gives MK205 and exit code 2."""
    out: list[Diagnostic] = []
    unreadable = False
    for path in paths:
        try:
            hub = load_hub(path)
        except MarkercError as exc:
            if exc.code == "MK205":
                unreadable = True
            diag = exc.to_diagnostic()
            if diag.location is None:
                diag = diag.at(Location(path, 1, 1))
            out.append(diag)
            continue
        out.extend(check_hub(hub, engines))
    if unreadable:
        code = 2
    elif any(d.severity == "error" for d in out) or (strict and out):
        code = 1
    else:
        code = 0
    return CheckResult(tuple(out), len(paths), code)


def check_hub(hub: HubFile, engines: EngineTable) -> list[Diagnostic]:
    """All rules for one loaded file, sorted by (line, column, code)."""
    diags = [f.diagnostic for f in findings(hub, engines)]
    return sorted(diags, key=_order)


def findings(hub: HubFile, engines: EngineTable) -> list[Finding]:
    """Every finding of one file, with the fixes of the rules that have one right spelling."""
    out = [Finding(d) for d in hub.diagnostics]
    ctx = _Context(engines)
    for record in hub.records:
        out.extend(_record_findings(record, ctx))
    return out


def _order(d: Diagnostic) -> tuple[int, int, str]:
    loc = d.location
    return (loc.line, loc.column, d.code) if loc is not None else (0, 0, d.code)


# ============================================================================ helpers


class _Context:
    def __init__(self, engines: EngineTable) -> None:
        self.engines = engines
        self.names = engines.names()

    def canon(self, name: str) -> str:
        return self.engines.canonical(name) or name.strip().lower()


@dataclass(frozen=True)
class _Item:
    """One parsed entry of a block."""

    index: int
    source: SourceString
    entry: Entry


def _diag(
    code: str, message: str, source: SourceString, span: Span | None, notes: tuple[str, ...] = ()
) -> Diagnostic:
    """A diagnostic about characters ``span`` of an entry (None: the whole string)."""
    if span is None:
        location = source.location()
        return Diagnostic.make(code, mask_credentials(message), location=location, notes=notes)
    location = source.location(span.start, span.end)
    return Diagnostic.make(
        code,
        mask_credentials(message),
        location=location,
        text=mask_credentials(source.value),
        span=span,
        notes=notes,
    )


def _where(source: SourceString, span: Span | None = None) -> str:
    loc = source.location(span.start, span.end) if span else source.location()
    return f"line {loc.line}, column {loc.column}"


def _quoted(item: _Item) -> str:
    return repr(mask_credentials(item.source.value.strip()))


def _is_engine(leaf: object) -> bool:
    return isinstance(leaf, Compare) and leaf.var.name == "engine" and leaf.var.template


def _engine_members(leaf: Compare) -> Iterator[tuple[str, Span]]:
    """Each engine name of an engine comparison with its span (inside the quotes)."""
    base = leaf.value_span.start + 1
    if leaf.op in ("in", "not in"):
        for m in _MEMBER.finditer(leaf.value):
            yield m.group(), Span(base + m.start(), base + m.end())
    else:
        yield leaf.value, Span(base, base + len(leaf.value))


def _canon_marker(marker: Marker, ctx: _Context) -> Marker:
    """The marker with engine literals in canonical form (for comparing conditions)."""
    if isinstance(marker, Compare) and _is_engine(marker):
        if marker.op in ("in", "not in"):
            value = ", ".join(sorted({ctx.canon(m) for m in _MEMBER.findall(marker.value)}))
        else:
            value = ctx.canon(marker.value)
        return Compare(marker.var, marker.op, value, marker.reversed)
    if isinstance(marker, Not):
        return Not(_canon_marker(marker.operand, ctx))
    if isinstance(marker, (And, Or)):
        return type(marker)(tuple(_canon_marker(m, ctx) for m in marker.items))
    return marker


def _condition_key(entry: Entry, ctx: _Context) -> str:
    from markerc.markers import canonical_text

    if entry.marker is None:
        return ""
    return canonical_text(_canon_marker(entry.marker, ctx))


def _placeholder_engine(entry: Entry, ctx: _Context) -> tuple[str, bool] | None:
    """(engine as written, legacy bare form) for a placeholder head, else None."""
    head = entry.head
    if isinstance(head, Placeholder):
        return head.engine, False
    legacy = legacy_placeholder(head, ctx.engines)
    return (legacy.engine, True) if legacy is not None else None


def _engine_bound(marker: Marker | None, engine: str, ctx: _Context) -> Marker:
    """The marker with ``#engine#`` bound to ``engine`` (other variables left)."""
    from markerc.markers import partial

    if marker is None:
        return TRUE
    return partial(marker, {"engine": engine}, ctx.canon)


def _describe_engines(engines: Iterable[str], ctx: _Context) -> str:
    chosen = [e for e in ctx.names if e in set(engines)]
    if not chosen:
        return "no engine"
    if len(chosen) == len(ctx.names):
        return "every engine"
    return ", ".join(chosen)


# ============================================================================ per record


def _record_findings(record: ModelRecord, ctx: _Context) -> Iterator[Finding]:
    if record.engine is not None and record.engine.value not in ctx.engines:
        hint = ctx.engines.suggest(record.engine.value)
        message = f"unknown engine {record.engine.value!r} for this record"
        if hint:
            message += f"; did you mean {hint!r}?"
        yield Finding(
            Diagnostic.make(
                "MK103",
                message,
                location=record.engine.location(),
                notes=(f"known engines: {', '.join(ctx.names)}",),
            )
        )
    block = record.block
    if block is None:
        return
    items: list[_Item] = []
    for index, source in enumerate(block.packages):
        try:
            from markerc.language import check_entry

            entry = check_entry(source.value)
        except MarkercError as exc:
            span = exc.span
            yield Finding(_diag(exc.code, exc.message, source, span, exc.notes))
            continue
        item = _Item(index, source, entry)
        items.append(item)
        yield from _entry_findings(item, ctx)
    yield from _duplicates_and_conflicts(items, ctx)
    yield from _availability(items, ctx)
    yield from _torch_companion(items)
    yield from _index_urls(block)
    yield from _xinference_merge(items, ctx)


# ============================================================================ entry rules


_BOUND_BY_XINFERENCE = ("engine", "model_engine", "has_cuda", "has_npu", "cuda_version", "cuda_arch")


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
        _diag(
            "MK311",
            f"#{var.name}# is not a variable Xinference binds (it binds #engine# and "
            f"#model_engine#): its xoscar evaluator reads the unknown name as a comment and "
            f"truncates the marker; markerc needs --set {var.name}=VALUE{hint}",
            source,
            span,
        )
    )


def _entry_findings(item: _Item, ctx: _Context) -> Iterator[Finding]:
    entry, source, text = item.entry, item.source, item.source.value
    unknown_engine = False
    if entry.marker is not None:
        for leaf in leaves(entry.marker):
            if _is_engine(leaf):
                assert isinstance(leaf, Compare)
                for name, span in _engine_members(leaf):
                    canonical = ctx.engines.canonical(name)
                    if canonical is None:
                        unknown_engine = True
                        hint = ctx.engines.suggest(name) if name else None
                        message = f"unknown engine {name!r}"
                        if hint:
                            message += f"; did you mean {hint!r}?"
                        yield Finding(
                            _diag(
                                "MK103",
                                message,
                                source,
                                span if span.end > span.start else leaf.value_span,
                                (f"known engines: {', '.join(ctx.names)}",),
                            )
                        )
                    elif canonical != name:
                        yield Finding(
                            _diag(
                                "MK302",
                                f"engine {name!r} is spelled {canonical!r} in canonical form "
                                "(engine names compare case-insensitively; one spelling keeps "
                                "the hub greppable)",
                                source,
                                span,
                            ),
                            Fix("MK302", source, span.start, span.end, canonical),
                        )
            yield from _template_spelling(leaf, source)
            yield from _unbound_template(leaf, source)
    head = entry.head
    placeholder = _placeholder_engine(entry, ctx)
    if placeholder is not None:
        engine, legacy = placeholder
        yield from _placeholder_findings(item, engine, legacy, ctx)
    elif isinstance(head, SystemPin) and head.noncanonical:
        start = text.find(head.spelling, entry.head_span.start)
        if start >= 0:
            span = Span(start, start + len(head.spelling))
            canonical = f"#system_{head.name}#"
            yield Finding(
                _diag(
                    "MK310",
                    f"non-canonical spelling {head.spelling!r}: write {canonical!r} (xoscar "
                    "only resolves the exact lower-case form without spaces; the misspelt "
                    "pin reaches the installer unresolved)",
                    source,
                    span,
                ),
                Fix("MK310", source, span.start, span.end, canonical),
            )
    if not unknown_engine and entry.marker is not None:
        if placeholder is None:
            yield from _xinference_filter(item, ctx)


def _template_spelling(leaf: Compare | Bare, source: SourceString) -> Iterator[Finding]:
    """``#ENGINE#``, ``# engine #``: one right spelling, ``#engine#``."""
    if not leaf.var.template:
        return
    span = leaf.var_span if isinstance(leaf, Compare) else leaf.span
    written = source.value[span.start : span.end]
    canonical = "#" + written[1:-1].strip().lower() + "#"
    if written.startswith("#") and written != canonical:
        yield Finding(
            _diag(
                "MK310",
                f"non-canonical variable spelling {written!r}: write {canonical!r} "
                "(Xinference and xoscar look for the exact lower-case text)",
                source,
                span,
            ),
            Fix("MK310", source, span.start, span.end, canonical),
        )


def _placeholder_findings(
    item: _Item, engine: str, legacy: bool, ctx: _Context
) -> Iterator[Finding]:
    entry, source, text = item.entry, item.source, item.source.value
    head = entry.head
    if legacy:
        assert isinstance(head, Requirement)
        span = head.name_span
        canonical = f"#{head.name.lower()}#"
        yield Finding(
            _diag(
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
        canonical = head.render()
        if ctx.engines.canonical(engine) is None:
            hint = ctx.engines.suggest(engine)
            message = f"placeholder {head.spelling!r} names unknown engine {engine!r}"
            if hint:
                message += f"; did you mean {hint!r}?"
            yield Finding(
                _diag("MK103", message, source, span, (f"known engines: {', '.join(ctx.names)}",))
            )
            return
        if head.spelling != canonical:
            yield Finding(
                _diag(
                    "MK310",
                    f"non-canonical placeholder spelling {head.spelling!r}: write {canonical!r}",
                    source,
                    span,
                ),
                Fix("MK310", source, span.start, span.end, canonical),
            )
    canonical_engine = ctx.engines.canonical(engine)
    if canonical_engine is None or entry.marker is None:
        return
    bound = _engine_bound(entry.marker, canonical_engine, ctx)
    marker_span = entry.marker_span or Span(0, len(text))
    if bound == FALSE:
        yield Finding(
            _diag(
                "MK303",
                f"placeholder for engine {canonical_engine!r} is guarded by a marker that is "
                f"false for {canonical_engine!r}: markerc never expands it; Xinference ignores "
                f"a placeholder's marker and expands it whenever the engine is "
                f"{canonical_engine!r}",
                source,
                marker_span,
            )
        )
    elif bound != TRUE:
        yield Finding(
            _diag(
                "MK406",
                f"Xinference ignores a placeholder's marker: it expands the "
                f"{canonical_engine!r} default list whenever the engine is "
                f"{canonical_engine!r}, whatever the rest of this marker says; markerc expands "
                "it only where the whole marker holds",
                source,
                marker_span,
            )
        )


# ============================================================================ Xinference pre-filter


def _xi_recognises(leaf: Compare | Bare, text: str) -> bool:
    """Whether Xinference's textual pre-filter (research section 6) reads this term."""
    if isinstance(leaf, Bare):
        return False
    written = text[leaf.span.start : leaf.span.end].lower()
    name = leaf.var.name
    if _is_engine(leaf):
        return _xi_engine_form(leaf, written)
    if name == "cuda_version":
        return not leaf.reversed
    if name == "sys_platform":
        return not leaf.reversed and _XI_SYS_PLATFORM.fullmatch(written) is not None
    if name == "platform_machine":
        return written in _XI_MACHINES
    return False


def _xi_engine_form(leaf: Compare, written: str) -> bool:
    value = leaf.value.lower()
    if leaf.op != "==" or leaf.reversed:
        return False
    return written in (
        f'#engine# == "{value}"',
        f'#model_engine# == "{value}"',
        f"#model_engine# == '{value}'",
    )


def _xi_engine_set(marker_text: str, ctx: _Context) -> set[str]:
    """The engines for which Xinference's engine test passes (section 6, step 1)."""
    lowered = marker_text.strip().lower()
    if "#engine#" not in lowered and "#model_engine#" not in lowered:
        return set(ctx.names)
    return {
        e
        for e in ctx.names
        if f'#engine# == "{e}"' in lowered
        or f'#model_engine# == "{e}"' in lowered
        or f"#model_engine# == '{e}'" in lowered
    }


def _markerc_engine_set(marker: Marker, ctx: _Context) -> set[str]:
    return {e for e in ctx.names if _engine_bound(marker, e, ctx) != FALSE}


def _xinference_filter(item: _Item, ctx: _Context) -> Iterator[Finding]:
    entry, source, text = item.entry, item.source, item.source.value
    marker = entry.marker
    assert marker is not None
    marker_text = text.split(";", 1)[1] if ";" in text else ""
    lowered = marker_text.strip().lower()
    custom = "#engine#" in lowered or "#model_engine#" in lowered or "cuda_version" in lowered
    terms = list(leaves(marker))
    if not custom:
        for leaf in terms:
            if _is_engine(leaf):
                yield Finding(
                    _diag(
                        "MK401",
                        "Xinference's engine filter does not see this engine test (it looks for "
                        "the text #engine#): it hands the marker to xoscar, which cannot "
                        "evaluate it; markerc reads it as an engine comparison",
                        source,
                        leaf.span,
                    )
                )
        return
    xi = mk = None
    for leaf in terms:
        written = text[leaf.span.start : leaf.span.end]
        if _is_engine(leaf):
            assert isinstance(leaf, Compare)
            if _xi_engine_form(leaf, written.lower()):
                continue
            if xi is None:
                xi, mk = _xi_engine_set(marker_text, ctx), _markerc_engine_set(marker, ctx)
            yield Finding(
                _diag(
                    "MK401",
                    f"Xinference's textual engine filter does not recognise {written!r} (it "
                    "looks for the exact text #engine# == \"name\": double quotes, one space "
                    "on each side of ==, no !=, no in): Xinference keeps this entry for "
                    f"{_describe_engines(xi, ctx)}; markerc keeps it for "
                    f"{_describe_engines(mk or (), ctx)}",
                    source,
                    leaf.span,
                )
            )
        elif leaf.var.name == "cuda_version":
            assert isinstance(leaf, Compare)
            if leaf.reversed:
                yield Finding(
                    _diag(
                        "MK404",
                        f"Xinference's CUDA filter ignores the reversed comparison {written!r}: "
                        "it keeps this entry whatever the CUDA version, even without CUDA; "
                        f"markerc evaluates it (write cuda_version "
                        f"{_flip(leaf.op)} \"{leaf.value}\")",
                        source,
                        leaf.span,
                    )
                )
            elif leaf.op == "!=":
                yield Finding(
                    _diag(
                        "MK404",
                        f"Xinference's CUDA filter drops this entry when no CUDA is detected, "
                        f"even for {written!r}; markerc keeps it there (an unset cuda_version "
                        "makes != true)",
                        source,
                        leaf.span,
                    )
                )
        elif not _xi_recognises(leaf, text):
            yield Finding(
                _diag(
                    "MK406",
                    f"Xinference's pre-filter discards {written!r}: a marker that mentions "
                    "#engine# or cuda_version loses every term the filter does not know, so "
                    "Xinference installs the entry whatever its value; markerc evaluates it",
                    source,
                    leaf.span,
                )
            )
    conjuncts = marker.items if isinstance(marker, And) else (marker,)
    for conjunct in conjuncts:
        if not isinstance(conjunct, (Or, Not)):
            continue
        inner = list(leaves(conjunct))
        if isinstance(conjunct, Or) and _engine_disjunction(conjunct, text):
            continue  # Xinference's substring test happens to read an or of engines right
        if not any(_xi_recognises(leaf, text) for leaf in inner):
            continue  # nothing Xinference reads: each term got MK401/MK406 already
        word = "or" if isinstance(conjunct, Or) else "not"
        written = text[conjunct.span.start : conjunct.span.end]
        xi, mk = _xi_engine_set(marker_text, ctx), _markerc_engine_set(marker, ctx)
        yield Finding(
            _diag(
                "MK402",
                f"Xinference's pre-filter ignores '{word}' in {written!r}: it reads every term "
                "it recognises as if joined by 'and' (engines: Xinference keeps this entry for "
                f"{_describe_engines(xi, ctx)}, markerc for {_describe_engines(mk, ctx)}); "
                "markerc evaluates the real expression",
                source,
                conjunct.span,
            )
        )


def _engine_disjunction(marker: Marker, text: str) -> bool:
    if isinstance(marker, Or):
        return all(_engine_disjunction(m, text) for m in marker.items)
    return (
        isinstance(marker, Compare)
        and _is_engine(marker)
        and _xi_engine_form(marker, text[marker.span.start : marker.span.end].lower())
    )


def _flip(op: str) -> str:
    return {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)


# ============================================================================ model rules


def _head_key(entry: Entry) -> object:
    head = entry.head
    if isinstance(head, Requirement):
        spec = tuple(sorted(head.specifier))
        extras = tuple(sorted({e.lower() for e in head.extras}))
        return ("req", canonical_name(head.name), extras, spec, head.url)
    if isinstance(head, SystemPin):
        return ("sys", head.name.lower(), tuple(sorted(head.extras)))
    return head


def _duplicates_and_conflicts(items: list[_Item], ctx: _Context) -> Iterator[Finding]:
    seen: dict[tuple[object, str], _Item] = {}
    groups: dict[tuple[str, str], list[_Item]] = {}
    for item in items:
        cond = _condition_key(item.entry, ctx)
        key = (_head_key(item.entry), cond)
        first = seen.get(key)
        if first is not None:
            yield Finding(
                _diag(
                    "MK305",
                    f"duplicate entry: {_quoted(first)} at {_where(first.source)} says the "
                    "same; remove one",
                    item.source,
                    item.entry.head_span if item.entry.head_span.end else None,
                )
            )
            continue
        seen[key] = item
        head = item.entry.head
        if isinstance(head, Requirement):
            groups.setdefault((canonical_name(head.name), cond), []).append(item)
    for (name, cond), group in groups.items():
        yield from _conflicts(name, cond, group)


def _conflicts(name: str, cond: str, group: list[_Item]) -> Iterator[Finding]:
    where = f"under {cond!r}" if cond else "unconditionally"
    specs: list[tuple[_Item, tuple[tuple[str, str], ...]]] = []
    url_item: _Item | None = None
    for item in group:
        head = item.entry.head
        assert isinstance(head, Requirement)
        span = head.spec_span if head.spec_span.end else item.entry.head_span
        if head.url is not None:
            if url_item is not None:
                other = url_item.entry.head
                assert isinstance(other, Requirement)
                if other.url != head.url:
                    yield Finding(
                        _diag(
                            "MK502",
                            f"two different URLs for {name} {where}: {_quoted(url_item)} at "
                            f"{_where(url_item.source)} and this entry",
                            item.source,
                            item.entry.head_span,
                        )
                    )
            else:
                url_item = item
            continue
        if not head.specifier:
            continue
        if unsatisfiable(tuple(s for _, spec in specs for s in spec) + head.specifier):
            if unsatisfiable(head.specifier):
                message = f"no version of {name} satisfies {_spec(head.specifier)!r}"
            else:
                cited = " and ".join(f"{_quoted(i)} at {_where(i.source)}" for i, _ in specs)
                message = (
                    f"conflicting requirements for {name} {where}: no version satisfies both "
                    f"this entry and {cited}"
                )
            yield Finding(_diag("MK502", message, item.source, span))
            continue
        specs.append((item, head.specifier))


def _spec(specifier: Sequence[tuple[str, str]]) -> str:
    return ",".join(op + v for op, v in specifier)


def _availability(items: list[_Item], ctx: _Context) -> Iterator[Finding]:
    """MK304: Xinference lists a model's engines from ``#engine# == "x"`` markers only."""
    listed: set[str] = set()
    for item in items:
        if item.entry.marker is None:
            continue
        for leaf in leaves(item.entry.marker):
            if _is_engine(leaf) and leaf.op == "==":  # type: ignore[union-attr]
                listed.add(ctx.canon(leaf.value))  # type: ignore[union-attr]
    for item in items:
        placeholder = _placeholder_engine(item.entry, ctx)
        if placeholder is None:
            continue
        engine = ctx.engines.canonical(placeholder[0])
        if engine is None or engine in listed:
            continue
        yield Finding(
            _diag(
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


def _torch_companion(items: list[_Item]) -> Iterator[Finding]:
    has_torch = False
    companions: list[_Item] = []
    for item in items:
        head = item.entry.head
        if isinstance(head, SystemPin):
            name = head.name.lower()
            if name == "torch":
                has_torch = True
            elif name in _TORCH_COMPANIONS:
                companions.append(item)
        elif isinstance(head, Requirement) and canonical_name(head.name) == "torch":
            has_torch = True
    if has_torch:
        return
    for item in companions:
        head = item.entry.head
        assert isinstance(head, SystemPin)
        yield Finding(
            _diag(
                "MK309",
                f"{head.render()} pins {head.name} to the installed version but nothing in "
                "this model pins torch: a torch resolved independently can break its ABI. "
                "Xinference and markerc both add #system_torch# under the same condition "
                "(markerc: --no-torch-companion disables it); write it explicitly",
                item.source,
                item.entry.head_span,
            )
        )


def _index_urls(block: Block) -> Iterator[Finding]:
    sources: list[tuple[str, SourceString]] = []
    if block.index_url is not None:
        sources.append(("index_url", block.index_url))
    sources += [("extra_index_url", s) for s in block.extra_index_url]
    sources += [("find_links", s) for s in block.find_links]
    for key, source in sources:
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


# ============================================================================ Xinference merge


@dataclass(frozen=True)
class _XiRow:
    """One entry of Xinference's base list: a model entry, or one spliced from a default list
    (``item`` None, ``via`` the placeholder that brought it)."""

    text: str
    entry: Entry
    item: _Item | None = None
    via: _Item | None = None


def _xi_key(row: _XiRow) -> str:
    """``get_key`` of Xinference's merge (research 5.1), on markerc's parse."""
    head = row.text.split(";", 1)[0].strip()
    if head.startswith("#system_") and head.endswith("#"):
        return head[len("#system_") : -1].lower()
    if head.startswith("#"):
        return head
    entry = row.entry
    if isinstance(entry.head, Requirement) and (
        entry.marker is None or _pep508_only(entry.marker)
    ):
        return entry.head.name.lower()
    for sep in _KEY_SEPARATORS:
        if sep in head:
            return head.split(sep, 1)[0].strip().lower()
    return head.lower()


def _pep508_only(marker: Marker) -> bool:
    from markerc.markers import is_standard

    if isinstance(marker, (And, Or)):
        return all(_pep508_only(m) for m in marker.items)
    if isinstance(marker, Compare):
        return is_standard(marker.var)
    return isinstance(marker, Const)


def _xi_condition(text: str) -> str | None:
    if ";" not in text:
        return None
    marker = text.split(";", 1)[1].strip().lower()
    return marker if ("#engine#" in marker or "#model_engine#" in marker) else None


def _xi_merge(rows: list[_XiRow]) -> list[tuple[_XiRow, _XiRow, str]]:
    """The base-list pass of ``merge_virtual_env_packages`` (research 5.2): the entries it
    drops, as ``(dropped, replaced by, kind of the dropped one)``."""
    # slot: [internal key, row, kind, key]; kind: "sys" | "engine" | "plain"
    slots: list[list[object]] = []
    drops: list[tuple[_XiRow, _XiRow, str]] = []

    def find(ikey: str) -> int | None:
        for n, slot in enumerate(slots):
            if slot[0] == ikey:
                return n
        return None

    def put(ikey: str, row: _XiRow, kind: str, key: str) -> None:
        """Same internal key: the later entry takes the earlier one's slot; else append."""
        n = find(ikey)
        if n is None:
            slots.append([ikey, row, kind, key])
        else:
            drops.append((slots[n][1], row, kind))  # type: ignore[arg-type]
            slots[n][1] = row

    for row in rows:
        key = _xi_key(row)
        head, _, marker = row.text.partition(";")
        head = head.strip()
        cond = _xi_condition(row.text)
        if head.startswith("#system_") and ";" in row.text:
            put(f"{key}; {marker.strip().lower()}", row, "sys", key)
        elif cond is not None:
            ikey = f"{key}; {cond}"
            n = find(key)
            if n is not None and slots[n][2] == "plain":
                drops.append((slots[n][1], row, "plain"))  # type: ignore[arg-type]
                slots[n] = [ikey, row, "engine", key]
                continue
            put(ikey, row, "engine", key)
        else:
            engine_slots = [n for n, s in enumerate(slots) if s[2] == "engine" and s[3] == key]
            if engine_slots:
                for n in engine_slots:
                    drops.append((slots[n][1], row, "engine"))  # type: ignore[arg-type]
                slots[engine_slots[0]] = [key, row, "plain", key]
                for n in reversed(engine_slots[1:]):
                    del slots[n]
                continue
            put(key, row, "plain", key)
    return drops


def _same_meaning(a: _XiRow, b: _XiRow, ctx: _Context) -> bool:
    return (_head_key(a.entry), _condition_key(a.entry, ctx)) == (
        _head_key(b.entry),
        _condition_key(b.entry, ctx),
    )


def _xinference_merge(items: list[_Item], ctx: _Context) -> Iterator[Finding]:
    """MK403/MK405: what Xinference's merge drops.

    First over the model's own entries (what every engine sees), then, for each engine a
    placeholder names, over the list with that engine's defaults spliced in (research 4), where
    a model entry for another engine can replace a default and take it away."""
    own = [
        _XiRow(i.source.value, i.entry, i)
        for i in items
        if _placeholder_engine(i.entry, ctx) is None
    ]
    for dropped, by, kind in _xi_merge(own):
        if _same_meaning(dropped, by, ctx):
            continue  # MK305 reports exact duplicates
        assert dropped.item is not None and by.item is not None
        key = _xi_key(dropped)
        if kind == "plain" and _xi_condition(by.text) is not None:
            engines = _xi_engine_set(by.text.split(";", 1)[1], ctx)
            yield Finding(
                _diag(
                    "MK403",
                    f"Xinference's merge replaces this entry with {_quoted(by.item)} at "
                    f"{_where(by.item.source)} (same package key {key!r}): for engines other "
                    f"than {_describe_engines(engines, ctx)} Xinference installs no {key!r} at "
                    "all; markerc keeps this entry for every engine where its marker holds",
                    dropped.item.source,
                    None,
                )
            )
        else:
            yield Finding(
                _diag(
                    "MK405",
                    f"Xinference's merge keeps only the later entry {_quoted(by.item)} at "
                    f"{_where(by.item.source)} for package key {key!r} (it compares names, not "
                    "markers), so this entry is lost; markerc keeps both, each under its own "
                    "marker",
                    dropped.item.source,
                    None,
                )
            )
    yield from _default_losses(items, ctx)


def _default_losses(items: list[_Item], ctx: _Context) -> Iterator[Finding]:
    from markerc.language import check_entry

    engines: list[str] = []
    for item in items:
        placeholder = _placeholder_engine(item.entry, ctx)
        if placeholder is not None:
            engine = ctx.engines.canonical(placeholder[0])
            if engine is not None and engine not in engines:
                engines.append(engine)
    reported: set[tuple[int, str]] = set()
    for engine in engines:
        rows: list[_XiRow] = []
        for item in items:
            placeholder = _placeholder_engine(item.entry, ctx)
            if placeholder is None:
                rows.append(_XiRow(item.source.value, item.entry, item))
            elif ctx.engines.canonical(placeholder[0]) == engine:
                for text in ctx.engines.get(engine).packages:
                    try:
                        rows.append(_XiRow(text, check_entry(text), None, item))
                    except MarkercError:
                        continue  # the engine table is checked elsewhere
        for dropped, by, kind in _xi_merge(rows):
            if dropped.item is not None or by.item is None or kind != "plain":
                continue
            condition = _xi_condition(by.text)
            if condition is None or engine in _xi_engine_set(condition, ctx):
                continue  # an intended override for this engine
            key = _xi_key(dropped)
            if (by.item.index, engine) in reported:
                continue
            reported.add((by.item.index, engine))
            via = dropped.via
            where = f" (brought by {_quoted(via)} at {_where(via.source)})" if via else ""
            yield Finding(
                _diag(
                    "MK403",
                    f"for engine {engine!r}, Xinference's merge lets this entry replace "
                    f"{dropped.text!r} from {engine}'s default list{where} (same package key "
                    f"{key!r}), then drops this entry because its marker names another engine: "
                    f"{engine} installs no {key!r}; markerc keeps the default for {engine}",
                    by.item.source,
                    None,
                )
            )
