"""Markers as values: name resolution and typing, evaluation, partial evaluation, negation,
simplification and rendering.

Variables (SPEC section 4):

* standard PEP 508 variables keep packaging 26's semantics exactly: the four version fields
  (``python_version``, ``python_full_version``, ``implementation_version``,
  ``platform_release``) try a PEP 440 specifier first; every field falls back to the string
  table (``==``/``!=``/``in``/``not in`` are string operations, ``<=``/``>=`` mean ``==``,
  ``<``/``>`` are false);
* ``#engine#`` (alias ``#model_engine#``): engine names, case-insensitive, ``==``, ``!=``,
  ``in``/``not in`` a comma- or space-separated list;
* ``has_cuda``/``has_npu``: booleans; ``cuda_version``: a PEP 440 version; ``cuda_arch``:
  ``sm_<major><minor>[a|f]`` ordered by compute capability;
* any other ``#name#``: a string bound with ``--set``.

Bindings map a variable's canonical name to its value; ``None`` means *unset* (known absent),
a missing key means *unbound*.  An unset custom value makes every comparison false except
``!=`` and ``not in``.  Evaluation is total and short-circuit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markerc.diagnostics import MarkercError, Span
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
    Var,
)
from markerc.language.versions import valid_specifier

Value = Any  # str | bool | None
Bindings = Mapping[str, Value]
Canon = Callable[[str], str]

STRING_FIELDS = frozenset(
    {
        "os_name",
        "sys_platform",
        "platform_system",
        "platform_version",
        "platform_machine",
        "platform_python_implementation",
        "implementation_name",
    }
)
VERSION_FIELDS = frozenset(
    {"python_version", "python_full_version", "implementation_version", "platform_release"}
)
# Version fields whose every real value is a PEP 440 version (an interpreter's version).
# platform_release is any string ("5.15.0-1051-azure"), which matters for exact negation.
ALWAYS_VERSION_FIELDS = frozenset(
    {"python_version", "python_full_version", "implementation_version"}
)
STANDARD_VARIABLES = STRING_FIELDS | VERSION_FIELDS
FORBIDDEN_VARIABLES = frozenset({"extra", "extras", "dependency_groups"})
BOOL_VARIABLES = frozenset({"has_cuda", "has_npu"})
CUSTOM_VARIABLES = BOOL_VARIABLES | {"cuda_version", "cuda_arch"}
ENGINE = "engine"

_VERSION_OPS = ("===", "==", "!=", "~=", "<=", ">=", "<", ">")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_ARCH = re.compile(r"sm_(\d+)([af]?)")
_TRUTH = {"true": True, "false": False}


def kind_of(var: Var) -> str:
    """'string' | 'version' | 'bool' | 'cuda_version' | 'arch' | 'engine' | 'template'."""
    name = var.name
    if name in STRING_FIELDS:
        return "string"
    if name in VERSION_FIELDS:
        return "version"
    if name in BOOL_VARIABLES:
        return "bool"
    if name == "cuda_version":
        return "cuda_version"
    if name == "cuda_arch":
        return "arch"
    if name == ENGINE:
        return "engine"
    return "template"


def is_standard(var: Var) -> bool:
    return var.name in STANDARD_VARIABLES and not var.template


# ====================================================================== resolution and typing


def _suggest(name: str) -> str:
    import difflib

    pool = [*sorted(STANDARD_VARIABLES | CUSTOM_VARIABLES), "#engine#"]
    match = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
    if name in ("engine", "model_engine"):
        return "; did you mean #engine#?"
    return f"; did you mean {match[0]}?" if match else ""


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
        if kind_of(var) != "bool":
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


def _resolve_var(var: Var, text: str, span: Span) -> Var:
    name = var.name
    if var.template:
        if name == ENGINE:
            return var
        if name in CUSTOM_VARIABLES:
            return Var(name)
        if name in STANDARD_VARIABLES or name in FORBIDDEN_VARIABLES:
            raise MarkercError(
                "MK101",
                f"#{name}# is a standard marker variable: write {name} without the hashes",
                span=span,
                text=text,
            )
        return var
    if name in FORBIDDEN_VARIABLES:
        raise MarkercError(
            "MK106",
            f"'{name}' has no meaning in a model-hub entry (installers evaluate it to false "
            "in a requirements file)",
            span=span,
            text=text,
        )
    if name in STANDARD_VARIABLES or name in CUSTOM_VARIABLES:
        return var
    raise MarkercError(
        "MK101", f"unknown marker variable '{name}'{_suggest(name)}", span=span, text=text
    )


def _type_problem(c: Compare) -> str | None:
    kind = kind_of(c.var)
    op, value, shown = c.op, c.value, c.var.render()
    if c.reversed and op in ("~=", "==="):
        return f"'{op}' needs the variable on the left: write {shown} {op} \"{value}\""
    if kind == "string":
        if op in ("~=", "==="):
            return f"'{op}' is not defined on the string field {shown} (packaging refuses it)"
        return None
    if kind == "version":
        if op in ("~=", "===") and not valid_specifier(op, value):
            return f"'{op} \"{value}\"' is not a valid PEP 440 comparison (packaging refuses it)"
        return None
    if kind == "engine":
        if op not in ("==", "!=", "in", "not in"):
            return f"{shown} is an engine name: only ==, !=, in and not in apply, not '{op}'"
        return None
    if kind == "bool":
        if op not in ("==", "!="):
            return (
                f'{shown} is a boolean: use it bare, with \'not\', or with == / != "true"/"false"'
            )
        if value.lower() not in _TRUTH:
            return f'{shown} is a boolean: compare it with "true" or "false", not "{value}"'
        return None
    if kind == "cuda_version":
        if op in ("in", "not in"):
            return f"{shown} is a version: '{op}' does not apply"
        if c.reversed:
            if parse_version(value) is None:
                return f'{shown} is a version: "{value}" is not a PEP 440 version'
        elif not valid_specifier(op, value):
            return f"{shown} is a version: '{op} \"{value}\"' is not a PEP 440 comparison"
        return None
    if kind == "arch":
        if op not in ("==", "!=", "<", "<=", ">", ">="):
            return f"{shown} is a GPU architecture: '{op}' does not apply"
        if not _ARCH.fullmatch(value):
            return f'{shown} is a GPU architecture like "sm_90" or "sm_100a", not "{value}"'
        return None
    # template variables are strings bound with --set
    if op not in ("==", "!=", "in", "not in"):
        return f"{shown} is a string: only ==, !=, in and not in apply, not '{op}'"
    return None


# ====================================================================== PEP 440 helpers


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def _specifier(text: str) -> Any:
    from packaging.specifiers import InvalidSpecifier, Specifier

    try:
        return Specifier(text)
    except InvalidSpecifier:
        return None


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def parse_version(text: str) -> Any:
    """``packaging.version.Version(text)`` or None."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion:
        return None


def _arch_key(text: str) -> tuple[int, int] | None:
    m = _ARCH.fullmatch(text)
    if not m:
        return None
    digits = m.group(1)
    if len(digits) < 2:
        return (0, int(digits))
    return (int(digits[:-1]), int(digits[-1]))


# ====================================================================== evaluation


def _string_op(op: str, lhs: str, rhs: str) -> bool:
    if op == "in":
        return lhs in rhs
    if op == "not in":
        return lhs not in rhs
    if op in ("==", "<=", ">="):
        return lhs == rhs
    if op == "!=":
        return lhs != rhs
    return False  # "<", ">" (and ~= / === which resolve() rejects)


def repair_full_version(value: str) -> str:
    """packaging's repair of ``python_full_version`` for untagged builds: ``3.11.1+`` is read
    as ``3.11.1+local`` (``Marker.evaluate`` applies it to every environment)."""
    return value + "local" if value.endswith("+") else value


def _standard(c: Compare, value: str) -> bool:
    """packaging 26's ``_eval_op`` for one comparison, reproduced exactly."""
    if c.var.name == "python_full_version":
        value = repair_full_version(value)
    lhs, rhs = (c.value, value) if c.reversed else (value, c.value)
    if c.var.name in VERSION_FIELDS and c.op not in ("in", "not in"):
        spec = _specifier(c.op + rhs)
        if spec is not None:
            return bool(spec.contains(lhs, prereleases=True))
    return _string_op(c.op, lhs, rhs)


def _engine_members(text: str, canon: Canon) -> set[str]:
    return {canon(x) for x in re.split(r"[,\s]+", text) if x}


def eval_leaf(leaf: Compare | Bare, value: Value, canon: Canon = str.lower) -> bool:
    """The value of one comparison given its variable's value (``None`` = unset)."""
    if isinstance(leaf, Bare):
        return value is True
    kind = kind_of(leaf.var)
    op = leaf.op
    if value is None:
        return op in ("!=", "not in")
    if kind in ("string", "version"):
        return _standard(leaf, str(value))
    if kind == "bool":
        same = bool(value) == _TRUTH.get(leaf.value.lower())
        return same if op == "==" else not same
    if kind == "engine":
        mine = canon(str(value))
        if op in ("in", "not in"):
            inside = mine in _engine_members(leaf.value, canon)
            return inside if op == "in" else not inside
        same = mine == canon(leaf.value)
        return same if op == "==" else not same
    if kind == "cuda_version":
        op = _FLIP.get(op, op) if leaf.reversed else op
        spec = _specifier(op + leaf.value)
        return bool(spec is not None and spec.contains(str(value), prereleases=True))
    if kind == "arch":
        if op in ("==", "!="):
            same = str(value) == leaf.value
            return same if op == "==" else not same
        have, lit = _arch_key(str(value)), _arch_key(leaf.value)
        if have is None or lit is None:
            return False
        a, b = (lit, have) if leaf.reversed else (have, lit)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    # template string
    lhs, rhs = (leaf.value, str(value)) if leaf.reversed else (str(value), leaf.value)
    return _string_op(op, lhs, rhs)


def partial(marker: Marker, bindings: Bindings, canon: Canon = str.lower) -> Marker:
    """Fold every leaf whose variable is bound; keep the rest.  Short-circuit, total."""
    if isinstance(marker, (Compare, Bare)):
        name = marker.var.name
        if name in bindings:
            return TRUE if eval_leaf(marker, bindings[name], canon) else FALSE
        return marker
    if isinstance(marker, Not):
        inner = partial(marker.operand, bindings, canon)
        if isinstance(inner, Const):
            return FALSE if inner.value else TRUE
        return Not(inner, span=marker.span)
    if isinstance(marker, (And, Or)):
        absorbing = FALSE if isinstance(marker, And) else TRUE
        items: list[Marker] = []
        for item in marker.items:
            folded = partial(item, bindings, canon)
            if folded == absorbing:
                return absorbing
            if isinstance(folded, Const):
                continue
            items.append(folded)
        if not items:
            return TRUE if isinstance(marker, And) else FALSE
        if len(items) == 1:
            return items[0]
        return type(marker)(tuple(items), span=marker.span)
    return marker


def evaluate(marker: Marker, environment: Bindings, canon: Canon = str.lower) -> bool:
    """Evaluate a marker in an environment that binds every variable it needs."""
    folded = partial(marker, environment, canon)
    if isinstance(folded, Const):
        return folded.value
    missing = sorted({v.render() for v in variables(folded)})
    raise MarkercError("MK501", f"no value for {', '.join(missing)}")


def variables(marker: Marker) -> Iterable[Var]:
    if isinstance(marker, (Compare, Bare)):
        yield marker.var
    elif isinstance(marker, Not):
        yield from variables(marker.operand)
    elif isinstance(marker, (And, Or)):
        for item in marker.items:
            yield from variables(item)


def leaves(marker: Marker) -> Iterable[Compare | Bare]:
    if isinstance(marker, (Compare, Bare)):
        yield marker
    elif isinstance(marker, Not):
        yield from leaves(marker.operand)
    elif isinstance(marker, (And, Or)):
        for item in marker.items:
            yield from leaves(item)


# ====================================================================== negation, simplification


class NoComplement(Exception):
    """A marker whose exact meaning PEP 508 text cannot write (kept for the library API; the
    compiler reports it as MK503)."""

    def __init__(self, leaf: Compare | None, why: str) -> None:
        super().__init__(why)
        self.leaf = leaf
        self.why = why


def _algebra_marker(node: Any) -> Marker:
    from markerc.language import algebra

    try:
        return algebra.to_marker(node)
    except algebra.NoForm as exc:
        raise NoComplement(None, exc.why) from None


def negate(marker: Marker) -> Marker:
    """``not marker``, exact, as the smallest DNF found (:mod:`markerc.language.algebra`): standard
    variables in PEP 508 form, custom ones in the markerc language.

    Raises :class:`NoComplement` where PEP 508 cannot express the result exactly.
    """
    from markerc.language import algebra

    return _algebra_marker(algebra.neg(algebra.value(marker)))


def nnf(marker: Marker) -> Marker:
    """The marker without ``not`` over standard comparisons (its canonical DNF)."""
    return simplify(marker)


def simplify(marker: Marker) -> Marker:
    """The canonical DNF of the marker: equal meaning gives an equal result, false and true
    are recognised whenever the domains decide them.  Raises :class:`NoComplement` where the
    meaning has no PEP 508 form."""
    from markerc.language import algebra

    return _algebra_marker(algebra.value(marker))


# ====================================================================== the residual


def residual(marker: Marker | None, bindings: Bindings, canon: Canon = str.lower) -> Marker:
    """Partial evaluation (restriction of the canonical value) as a syntax tree.  ``None``
    (no marker) is ``TRUE``.

    Leaves on unbound custom or template variables survive; callers decide whether that is an
    error (:func:`unbound_custom`).  Raises :class:`NoComplement` when the result has no exact
    PEP 508 form.
    """
    from markerc.language import algebra

    return _algebra_marker(algebra.residual(marker, bindings, canon=canon))


def unbound_custom(marker: Marker) -> list[Var]:
    """Variables in a (residual) marker that pip and uv cannot evaluate."""
    seen: dict[str, Var] = {}
    for var in variables(marker):
        if not is_standard(var):
            seen.setdefault(var.render(), var)
    return list(seen.values())


def conjoin(*markers: Marker | None) -> Marker:
    items = tuple(m for m in markers if m is not None)
    if not items:
        return TRUE
    return simplify(And(items)) if len(items) > 1 else simplify(items[0])


def disjoin(*markers: Marker) -> Marker:
    return simplify(Or(tuple(markers))) if len(markers) > 1 else simplify(markers[0])


# ====================================================================== rendering


def _quote(value: str, pep508: bool) -> str:
    if '"' not in value and "\\" not in value and value.isprintable():
        return (
            f'"{value}"'  # the common case, without importing markerc.language.domains (start-up)
        )
    from markerc.language.domains import markerc_literal, pep508_literal

    if not pep508:
        return markerc_literal(value)
    text = pep508_literal(value)
    if text is None:
        raise MarkercError(
            "MK520",
            f"marker value {markerc_literal(value)} cannot be written in PEP 508 text that pip and "
            "uv read alike (a backslash, a character that is not printable, or both kinds of "
            "quote)",
        )
    return text


def render_leaf(leaf: Compare | Bare, pep508: bool = True) -> str | None:
    """One comparison as text (None: PEP 508 text cannot carry its value)."""
    try:
        return _render(leaf, None, pep508, False)
    except MarkercError:
        return None


def _render(marker: Marker, parent: str | None, pep508: bool, sort: bool) -> str:
    if isinstance(marker, Const):
        return "true" if marker.value else "false"  # never reaches PEP 508 output
    if isinstance(marker, Bare):
        return marker.var.render()
    if isinstance(marker, Compare):
        var = marker.var.render()
        lit = _quote(marker.value, pep508)
        return f"{lit} {marker.op} {var}" if marker.reversed else f"{var} {marker.op} {lit}"
    if isinstance(marker, Not):
        if pep508:
            raise ValueError("'not' has no PEP 508 form; apply nnf() first")
        return "not " + _render(marker.operand, "not", pep508, sort)
    word = "and" if isinstance(marker, And) else "or"
    parts = [_render(m, word, pep508, sort) for m in marker.items]
    if sort:
        parts.sort()
    text = f" {word} ".join(parts)
    needs_parens = parent == "not" or (parent == "and" and word == "or")
    return f"({text})" if needs_parens else text


def render(marker: Marker) -> str:
    """PEP 508 text with double quotes (the marker must be ``not``-free and standard only).
    A value that PEP 508 text cannot carry is MK520."""
    return _render(marker, None, True, False)


def render_markerc(marker: Marker) -> str:
    """Text in the markerc language (``not``, ``#engine#`` and custom variables allowed;
    escapes where a value needs them)."""
    return _render(marker, None, False, False)


def canonical_text(marker: Marker) -> str:
    """An order-independent key: equal for markers that differ only in the order of terms
    (a syntactic key; :mod:`markerc.language.algebra` compares by meaning)."""
    return _render(marker, None, False, True)
