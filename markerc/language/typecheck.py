"""Names and types: an entry parsed (:mod:`markerc.language.syntax`), then its marker's variables
resolved and its comparisons type-checked against the variable registry
(:mod:`markerc.language.variables`).  :func:`check_entry` is what every later stage starts from.

Errors (:class:`MarkercError` with the span of the offending term): MK101 unknown variable (with
a suggestion), MK102 type error (``cuda_arch >= "ampere"``, ``#engine# < "vllm"``, a bare
string variable), MK106 a PEP 508 variable that means nothing in a hub entry (``extra``).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from markerc.diagnostics import MarkercError, Span
from markerc.language import parsecache
from markerc.language import variables as V
from markerc.language.nodes import (
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
    Var,
)
from markerc.language.syntax import parse_fresh, parse_marker
from markerc.language.versions import parse_version, valid_specifier
from markerc.records import replace

if TYPE_CHECKING:
    from markerc.compiler.engines import EngineTable

__all__ = ["check_entry", "check_marker", "legacy_placeholder", "resolve"]

_ARCH = re.compile(r"sm_(\d+)([af]?)")
_TRUTH = ("true", "false")


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def check_entry(text: str) -> Entry:
    """Parse ``text`` and resolve its marker.  Raises :class:`MarkercError` with a span."""
    cached = parsecache.lookup_checked(text)  # checked in an earlier run (docs: parsecache.py)
    if cached is not None:
        return cached
    entry = parse_fresh(text)
    if entry.marker is not None:
        entry = replace(entry, marker=resolve(entry.marker, text))
    parsecache.remember_checked(text, entry)
    return entry


def check_marker(text: str) -> Marker:
    """Parse a marker on its own and resolve it."""
    return resolve(parse_marker(text), text)


def legacy_placeholder(head: object, engines: EngineTable) -> Placeholder | None:
    """``vllm_dependencies`` written without hashes, for a known engine."""
    if (
        isinstance(head, Requirement)
        and not head.extras
        and not head.specifier
        and head.url is None
        and head.name.lower().endswith("_dependencies")
    ):
        engine = head.name[: -len("_dependencies")]
        if engines.canonical(engine) is not None:
            return Placeholder(engine=engine.lower(), spelling=head.name, legacy=True)
    return None


# ---------------------------------------------------------------- resolution


def resolve(marker: Marker, text: str = "") -> Marker:
    """Check names and types; return the marker with canonical variables.

    Raises :class:`MarkercError` (MK101 unknown variable, MK102 type error, MK106 extra) with
    the span of the offending term inside ``text``.
    """
    if isinstance(marker, (And, Or)):
        return type(marker)(tuple(resolve(m, text) for m in marker.items), span=marker.span)
    if isinstance(marker, Not):
        return Not(resolve(marker.operand, text), span=marker.span)
    if isinstance(marker, Const):
        return marker
    var_span = marker.var_span if isinstance(marker, Compare) else marker.span
    var = _resolve_var(marker.var, text, var_span)
    if isinstance(marker, Bare):
        if V.lookup(var.name).domain != "bool":
            raise MarkercError(
                "MK102",
                f"{var.render()} is not a boolean; compare it with a quoted value "
                f"(only has_cuda and has_npu stand alone)",
                span=marker.span,
                text=text,
            )
        return Bare(var, span=marker.span)
    checked = Compare(
        var,
        marker.op,
        marker.value,
        marker.reversed,
        span=marker.span,
        var_span=marker.var_span,
        value_span=marker.value_span,
    )
    problem = _type_problem(checked)
    if problem:
        raise MarkercError("MK102", problem, span=marker.span, text=text)
    return checked


def _suggest(name: str) -> str:
    if name in (V.ENGINE.name, *V.ENGINE.aliases):
        return f"; did you mean {V.ENGINE.spelling}?"
    match = V.suggest(name, "marker")
    return f"; did you mean {match}?" if match else ""


def _resolve_var(var: Var, text: str, span: Span) -> Var:
    name = var.name
    known = V.known(name)
    if var.template:
        standard = name in V.FORBIDDEN_VARIABLES or (known is not None and known.standard)
        if not standard and (known is None or known.spelling == var.render()):
            return var  # #engine#, or a template variable
        if not standard:
            return Var(name)  # #has_cuda# is has_cuda
        raise MarkercError(
            "MK101",
            f"#{name}# is a standard marker variable: write {name} without the hashes",
            span=span,
            text=text,
        )
    if name in V.FORBIDDEN_VARIABLES:
        raise MarkercError(
            "MK106",
            f"'{name}' has no meaning in a model-hub entry (installers evaluate it to false "
            "in a requirements file)",
            span=span,
            text=text,
        )
    if known is not None and known.spelling == name:
        return var
    raise MarkercError(
        "MK101", f"unknown marker variable '{name}'{_suggest(name)}", span=span, text=text
    )


def _type_problem(c: Compare) -> str | None:
    var = V.lookup(c.var.name)
    kind, allowed = var.domain, c.op in var.operators
    op, value, shown = c.op, c.value, c.var.render()
    if c.reversed and op in ("~=", "==="):
        return f"'{op}' needs the variable on the left: write {shown} {op} \"{value}\""
    if kind == "string":
        if not allowed:
            return f"'{op}' is not defined on the string field {shown} (packaging refuses it)"
        return None
    if kind == "version":
        if op in ("~=", "===") and not valid_specifier(op, value):
            return f"'{op} \"{value}\"' is not a valid PEP 440 comparison (packaging refuses it)"
        return None
    if kind == "engine":
        if not allowed:
            return f"{shown} is an engine name: only ==, !=, in and not in apply, not '{op}'"
        return None
    if kind == "bool":
        if not allowed:
            return (
                f'{shown} is a boolean: use it bare, with \'not\', or with == / != "true"/"false"'
            )
        if value.lower() not in _TRUTH:
            return f'{shown} is a boolean: compare it with "true" or "false", not "{value}"'
        return None
    if kind == "cuda_version":
        if not allowed:
            return f"{shown} is a version: '{op}' does not apply"
        if c.reversed:
            if parse_version(value) is None:
                return f'{shown} is a version: "{value}" is not a PEP 440 version'
        elif not valid_specifier(op, value):
            return f"{shown} is a version: '{op} \"{value}\"' is not a PEP 440 comparison"
        return None
    if kind == "arch":
        if not allowed:
            return f"{shown} is a GPU architecture: '{op}' does not apply"
        if not _ARCH.fullmatch(value):
            return f'{shown} is a GPU architecture like "sm_90" or "sm_100a", not "{value}"'
        return None
    # template variables are strings bound with --set
    if not allowed:
        return f"{shown} is a string: only ==, !=, in and not in apply, not '{op}'"
    return None
