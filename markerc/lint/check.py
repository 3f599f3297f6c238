"""``markerc check``: run the rules over model-hub files, keep the selected findings, order them
errors first, and decide the exit status (docs/check.md, docs/diagnostics.md).

The checker loads each file with :mod:`markerc.compiler.hub` (which keeps the file position of every
string), parses every entry once with :func:`markerc.language.typecheck.check_entry` and runs the rules of
:mod:`markerc.lint.rules` (markerc's meaning) and :mod:`markerc.lint.xinference` (where
Xinference at launch reads an entry differently).  Which codes are reported is a
:class:`markerc.lint.framework.RuleSet` (``--select`` and friends, :mod:`markerc.lint.config`); input errors
that ``compile`` also refuses are always reported.  Nothing here prints or exits; heavy modules
(lark, packaging) load on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from markerc.compiler.engines import EngineTable
from markerc.compiler.hub import HubFile, load_hub
from markerc.diagnostics import Diagnostic, Location, MarkercError
from markerc.lint.framework import Context, Finding, Fix, RuleSet

__all__ = [
    "ALWAYS",
    "CheckResult",
    "Finding",
    "Fix",
    "check_hub",
    "check_paths",
    "default_rules",
    "findings",
    "make_context",
    "reported",
    "rules_function",
]


def _always() -> frozenset[str]:
    from markerc.catalogue.codes import CODES

    return frozenset(c.code for c in CODES.values() if not c.selectable)


#: Codes that selection cannot turn off: the input errors ``compile`` also refuses, and the
#: command-line and configuration errors.
ALWAYS = _always()


def default_rules() -> RuleSet:
    """The rules ``check`` runs without ``--select``: those on by default."""
    from markerc.catalogue.codes import CODES

    return RuleSet(frozenset(c.code for c in CODES.values() if c.selectable and c.default))


Rules = RuleSet | Callable[[str], RuleSet] | None


class CheckResult(NamedTuple):
    findings: tuple[Finding, ...]  # the reported ones: errors first, then warnings
    files: int
    exit_code: int  # 0 clean (or warnings only), 1 errors (or warnings with strict), 2 unreadable

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(f.diagnostic for f in self.findings)


# ============================================================================ entry points


def check_paths(
    paths: Sequence[str], *, engines: EngineTable, strict: bool = False, rules: Rules = None
) -> CheckResult:
    """Check every file.  A file that cannot be read gives MK205 and exit code 2.

    ``rules`` is one :class:`RuleSet` for every file, or a function giving each path's (its
    configuration file's) rule set; None: the defaults."""
    rules_for = rules_function(rules)
    out: list[tuple[int, Finding]] = []
    unreadable = False
    hubs: list[tuple[int, HubFile]] = []
    for n, path in enumerate(paths):
        try:
            hubs.append((n, load_hub(path)))
        except MarkercError as exc:
            if exc.code == "MK205":
                unreadable = True
            diag = exc.to_diagnostic()
            if diag.location is None:
                diag = diag.at(Location(path, 1, 1))
            out.append((n, Finding(diag)))
    ctx = make_context(engines, [hub for _, hub in hubs])
    for n, hub in hubs:
        selected = reported(findings(hub, ctx), hub.path, rules_for(hub.path))
        out.extend((n, f) for f in selected)
    out.sort(
        key=lambda pair: (
            pair[1].diagnostic.severity != "error",
            pair[0],
            _order(pair[1].diagnostic),
        )
    )
    diagnostics = [f.diagnostic for _, f in out]
    if unreadable:
        code = 2
    elif any(d.severity == "error" for d in diagnostics) or (strict and diagnostics):
        code = 1
    else:
        code = 0
    return CheckResult(tuple(f for _, f in out), len(paths), code)


def check_hub(hub: HubFile, engines: EngineTable, rules: RuleSet | None = None) -> list[Diagnostic]:
    """The reported diagnostics of one loaded file, sorted by (line, column, code)."""
    selected = reported(
        findings(hub, make_context(engines, [hub])), hub.path, rules or default_rules()
    )
    return sorted((f.diagnostic for f in selected), key=_order)


def findings(hub: HubFile, engines: EngineTable | Context) -> list[Finding]:
    """Every finding of one file, selected or not, with the fixes of the rules that have one."""
    from markerc.compiler import guard
    from markerc.lint import rules as check_rules
    from markerc.lint import xinference as check_xinference

    ctx = engines if isinstance(engines, Context) else make_context(engines, [hub])
    out = [Finding(d) for d in hub.diagnostics]
    for record in hub.records:
        out.extend(Finding(err.to_diagnostic()) for err in guard.record_errors(record))
        items, found = check_rules.parse_record(record, ctx)
        out.extend(found)
        for item in items:
            out.extend(check_rules.entry_findings(item, ctx))
            out.extend(check_xinference.entry_findings(item, ctx))
        if record.block is not None:
            out.extend(check_rules.model_findings(items, record.block, ctx))
            out.extend(check_xinference.model_findings(items, ctx))
    return out


def reported(found: Iterable[Finding], path: str, rules: RuleSet) -> list[Finding]:
    """The findings ``rules`` reports for ``path``."""
    ignored = rules.ignored_for(path)
    return [
        f
        for f in found
        if f.diagnostic.code in ALWAYS
        or (f.diagnostic.code in rules.enabled and f.diagnostic.code not in ignored)
    ]


def make_context(engines: EngineTable, hubs: Iterable[HubFile]) -> Context:
    """The shared context of a run: the engine table and the system packages the files pin
    (number of records pinning each, PEP 503 names)."""
    from markerc.compiler.targets import canonical_name
    from markerc.language.nodes import SystemPin
    from markerc.language.syntax import parse_entry
    from markerc.language.typecheck import check_entry

    pinned: dict[str, int] = {}
    for hub in hubs:
        for record in hub.records:
            if record.block is None:
                continue
            names: set[str] = set()
            for source in record.block.packages:
                if "#" not in source.value:
                    continue
                try:  # the rules check every entry: the same check, done once
                    head = check_entry(source.value).head
                except MarkercError:
                    try:  # a marker error: the head may still be a pin
                        head = parse_entry(source.value).head
                    except MarkercError:
                        continue
                if isinstance(head, SystemPin):
                    names.add(canonical_name(head.name))
            for name in names:
                pinned[name] = pinned.get(name, 0) + 1
    return Context(engines, pinned)


def rules_function(rules: Rules) -> Callable[[str], RuleSet]:
    if rules is None:
        default = default_rules()
        return lambda _path: default
    if isinstance(rules, RuleSet):
        return lambda _path: rules
    return rules


def _order(d: Diagnostic) -> tuple[int, int, str]:
    loc = d.location
    return (loc.line, loc.column, d.code) if loc is not None else (0, 0, d.code)
