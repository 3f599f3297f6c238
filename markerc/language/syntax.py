"""Parse one entry with the Lark grammar into the AST of :mod:`markerc.language.nodes`.

The grammar file (``grammar/markerc.lark``, shipped as ``markerc.grammar``) is the single source
of syntax.  This module is the only one that touches Lark objects: at run time it loads the
LALR parser once per process from ``markerc/language/_lark_parser.py``, Lark's stand-alone parser generated
from the grammar (no Lark import, no table building, no cache file; ``python -m markerc.language.syntax
--regenerate`` rewrites it and a test fails when it is stale), turns parse trees into records,
and turns Lark's exceptions into :class:`MarkercError` with a span.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import Any

from markerc.diagnostics import MarkercError, Span
from markerc.language import nodes, parsecache
from markerc.language.literals import BadEscape, decode_string
from markerc.language.prechecks import precheck
from markerc.language.variables import canonical_name
from markerc.language.versions import valid_specifier

_SYSTEM = re.compile(r"system_(.+)", re.IGNORECASE)
_DEPS = re.compile(r"(.+)_dependencies", re.IGNORECASE)

_TERMINAL_NAMES = {
    "NAME": "a name",
    "OP": "a comparison operator",
    "VERSION": "a version",
    "URL": "a URL",
    "BARE_URL": "a URL",
    "HASH_WORD": "a #placeholder#",
    "STRING": "a quoted string",
    "VARIABLE": "a marker variable",
    "TEMPLATE": "a #variable#",
    "IN": "'in'",
    "NOT_IN": "'not in'",
    "_NOT": "'not'",
    "_AND": "'and'",
    "_OR": "'or'",
    "_SEMI": "';'",
    "_AT": "'@'",
    "_LBRACK": "'['",
    "_RBRACK": "']'",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_COMMA": "','",
    "$END": "end of entry",
}


def grammar_text() -> str:
    """The grammar file's text: ``markerc/grammar/`` in an installed wheel, ``grammar/`` beside
    the package in a source checkout (plain paths: importlib.resources costs start-up time)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # markerc/
    for folder in (
        os.path.join(package, "grammar"),
        os.path.join(os.path.dirname(package), "grammar"),
    ):
        path = os.path.join(folder, "markerc.lark")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                return fh.read()
    raise FileNotFoundError("markerc.lark: the grammar is missing from this installation")


@functools.cache
def lark_parser(full: bool = False) -> Any:
    """The LALR parser, built once per process.

    At run time it comes from ``markerc/language/_lark_parser.py``, Lark's stand-alone parser generated
    from ``grammar/markerc.lark`` (``python -m markerc.language.syntax --regenerate``; a test keeps it in
    step with the grammar): importing it costs far less than importing Lark, which matters for
    ``markerc check`` in pre-commit.  ``full=True`` builds a ``lark.Lark`` from the grammar file
    instead (what ``hypothesis.extra.lark.from_lark`` needs to generate entries).
    """
    if not full:
        from markerc.language import _lark_parser

        # the generated module is unannotated: this is the one signature markerc relies on
        build: Callable[[], object] = _lark_parser.Lark_StandAlone
        return build()
    from lark import Lark

    return Lark(grammar_text(), **PARSER_OPTIONS)


#: The options the stand-alone parser is generated with (keep in step with ``standalone_source``).
PARSER_OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "lexer": "contextual",
    "propagate_positions": True,
    "start": ["start", "marker_only"],
}


def grammar_digest() -> str:
    """SHA-256 of the grammar file: the generated parser records the grammar it was built from."""
    import hashlib

    return hashlib.sha256(grammar_text().encode("utf-8")).hexdigest()


def standalone_source() -> str:
    """The text of ``markerc/language/_lark_parser.py``: Lark's stand-alone parser for the grammar, plus
    ``GRAMMAR_SHA256`` (a test fails when the grammar changes without regenerating)."""
    import io

    from lark import Lark
    from lark.tools.standalone import gen_standalone

    out = io.StringIO()
    out.write(
        "# Generated from grammar/markerc.lark by `python -m markerc.language.syntax --regenerate`.\n"
    )
    out.write("# Do not edit: change the grammar and regenerate.\n")
    generate: Callable[..., None] = gen_standalone  # lark's generator is unannotated
    generate(Lark(grammar_text(), **PARSER_OPTIONS), out=out)
    out.write(f'\nGRAMMAR_SHA256 = "{grammar_digest()}"\n')
    return out.getvalue()


# ---------------------------------------------------------------- public entry points


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def parse_entry(text: str) -> nodes.Entry:
    """Parse one ``packages`` string.  Raises :class:`MarkercError` with a span on bad input."""
    precheck(text, entry=True)
    cached = parsecache.lookup(text)  # a parse of an earlier run (docs: parsecache.py)
    if cached is not None:
        return cached
    entry = _Builder(text).entry(_parse(text, "start"))
    parsecache.remember(text, entry)
    return entry


def parse_fresh(text: str) -> nodes.Entry:
    """:func:`parse_entry` without either cache, for a caller that caches what it makes of the
    parse (:func:`markerc.language.typecheck.check_entry`)."""
    precheck(text, entry=True)
    return _Builder(text).entry(_parse(text, "start"))


@functools.cache  # unbounded: one entry per distinct input (issue 14)
def parse_marker(text: str) -> nodes.Marker:
    """Parse a marker expression on its own (the part after ``;``)."""
    precheck(text, entry=False)
    cached = parsecache.lookup_marker(text)
    if cached is not None:
        return cached
    marker = _Builder(text).marker(_parse(text, "marker_only").children[0])
    parsecache.remember_marker(text, marker)
    return marker


# ---------------------------------------------------------------- Lark and its errors


def _parse(text: str, start: str) -> Any:
    from markerc.language._lark_parser import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    try:
        return lark_parser().parse(text, start=start)
    except UnexpectedCharacters as e:
        raise _char_error(text, e.pos_in_stream or 0, set(e.allowed or ())) from None
    except UnexpectedToken as e:
        raise _token_error(text, e.token, set(e.expected or ())) from None
    except UnexpectedInput as e:  # UnexpectedEOF
        raise _end_error(text, set(getattr(e, "expected", ()) or ())) from None
    except RecursionError:
        raise MarkercError("MK005", "entry nested too deeply", span=Span(0, 1), text=text) from None


def _expected(names: set[str]) -> str:
    pretty = sorted({_TERMINAL_NAMES.get(n, n) for n in names})
    if not pretty:
        return "nothing more"
    if len(pretty) == 1:
        return pretty[0]
    return ", ".join(pretty[:-1]) + " or " + pretty[-1]


def _hint(text: str, pos: int) -> str | None:
    """A specific message for the common mistakes at ``pos``."""
    ch = text[pos] if pos < len(text) else ""
    if ch in "\"'" and text.count(ch, pos) == 1:
        return f"unterminated string: no closing {ch}"
    if ch == "=" and text[pos : pos + 2] != "==" and (pos == 0 or text[pos - 1] not in "=!<>~"):
        return "single '=' is not a comparison; use '=='"
    if ch == "#":
        return (
            "unexpected '#': a #variable# needs a closing '#', and a comment is not allowed "
            "inside an entry"
        )
    if ch == "!" and text[pos : pos + 2] != "!=":
        return "'!' is not an operator; use 'not' or '!='"
    return None


def _char_error(text: str, pos: int, allowed: set[str]) -> MarkercError:
    ch = text[pos] if pos < len(text) else ""
    msg = _hint(text, pos) or f"unexpected character {ch!r}; expected {_expected(allowed)}"
    return MarkercError("MK001", msg, span=Span(pos, pos + 1), text=text)


def _end_error(text: str, expected: set[str]) -> MarkercError:
    """The entry ended where the grammar ``expected`` more (at its last non-blank character)."""
    pos = len(text.rstrip())
    return MarkercError(
        "MK001",
        f"unexpected end of entry; expected {_expected(expected)}",
        span=Span(pos, pos + 1),
        text=text,
    )


def _token_error(text: str, token: Any, expected: set[str]) -> MarkercError:
    if token.type == "$END":
        return _end_error(text, expected)
    pos = token.start_pos
    hint = _hint(text, pos)
    span = Span(pos, pos + 1) if hint else Span(pos, max(pos + 1, token.end_pos or pos + 1))
    msg = hint or f"unexpected {str(token)!r}; expected {_expected(expected)}"
    return MarkercError("MK001", msg, span=span, text=text)


# ---------------------------------------------------------------- tree -> AST


def _span(node: Any) -> Span:
    if hasattr(node, "start_pos"):  # Token
        return Span(node.start_pos, node.end_pos)
    meta = node.meta
    if getattr(meta, "empty", True):
        return Span(0, 0)
    return Span(meta.start_pos, meta.end_pos)


class _Builder:
    """Recursive builder over Lark trees (kept explicit rather than a Transformer subclass so
    that spans of every node are available where errors are raised)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def error(self, code: str, message: str, span: Span) -> MarkercError:
        return MarkercError(code, message, span=span, text=self.text)

    # -- entry
    def entry(self, tree: Any) -> nodes.Entry:
        head_tree = tree.children[0]
        marker = None
        marker_span = None
        if len(tree.children) > 1:
            marker = self.marker(tree.children[1])
            marker_span = _span(tree.children[1])
        return nodes.Entry(
            head=self.head(head_tree),
            marker=marker,
            text=self.text,
            head_span=_span(head_tree),
            marker_span=marker_span,
        )

    def head(self, tree: Any) -> Any:
        kind = tree.data
        if kind == "requirement":
            return self.requirement(tree)
        if kind == "bare_url":
            return nodes.BareUrl(str(tree.children[0]))
        return self.hash_head(tree)

    def requirement(self, tree: Any) -> nodes.Requirement:
        name_tok = tree.children[0]
        extras: tuple[str, ...] = ()
        specifier: tuple[tuple[str, str], ...] = ()
        url = None
        spec_span = Span(0, 0)
        for child in tree.children[1:]:
            if hasattr(child, "data") and child.data == "extras":
                extras = tuple(str(t) for t in child.children)
            elif hasattr(child, "data") and child.data == "version_many":
                specifier = tuple(self.version_one(v) for v in child.children)
                spec_span = _span(child)
            elif hasattr(child, "data") and child.data == "empty_spec":
                pass  # `name()`: no specifier, as packaging reads it
            else:  # URL token
                url = str(child)
        return nodes.Requirement(
            name=str(name_tok),
            extras=extras,
            specifier=specifier,
            url=url,
            name_span=_span(name_tok),
            spec_span=spec_span,
        )

    def version_one(self, tree: Any) -> tuple[str, str]:
        op_tok, ver_tok = tree.children
        op, ver = str(op_tok), str(ver_tok)
        if not valid_specifier(op, ver):
            raise self.error(
                "MK006",
                f"invalid version specifier {op + ver!r} (PEP 440)",
                Span(op_tok.start_pos, ver_tok.end_pos),
            )
        return op, ver

    def hash_head(self, tree: Any) -> Any:
        tok = tree.children[0]
        extras = tuple(str(t) for t in tree.children[1].children) if len(tree.children) > 1 else ()
        word = str(tok)
        inner = word[1:-1]
        core = inner.strip()
        spaced = core != inner
        system = _SYSTEM.fullmatch(core)
        if system:
            return nodes.SystemPin(
                name=system.group(1),
                extras=extras,
                spelling=word,
                noncanonical=spaced or not core.startswith("system_"),
            )
        deps = _DEPS.fullmatch(core)
        if deps and not extras:
            return nodes.Placeholder(engine=deps.group(1).lower(), spelling=word, legacy=spaced)
        raise self.error(
            "MK104",
            f"unknown placeholder {word}: placeholders are #<engine>_dependencies# and "
            "#system_<package>#",
            _span(tok),
        )

    # -- markers
    def marker(self, tree: Any) -> nodes.Marker:
        kind = tree.data
        if kind in ("or_test", "and_test"):
            node = nodes.Or if kind == "or_test" else nodes.And
            items: list[nodes.Marker] = []
            for child in tree.children:  # associativity: (a and b) and c == a and b and c
                sub = self.marker(child)
                items.extend(sub.items if isinstance(sub, node) else (sub,))
            return node(tuple(items), span=_span(tree))
        if kind == "not_test":
            return nodes.Not(self.marker(tree.children[0]), span=_span(tree))
        if kind == "comparison":
            return self.comparison(tree)
        if kind == "bare":
            operand = tree.children[0]
            if operand.data == "string":
                raise self.error(
                    "MK105",
                    "a quoted value cannot stand alone; compare it with a variable",
                    _span(operand),
                )
            return nodes.Bare(self.var(operand), span=_span(tree))
        # a lone operand reached through parentheses
        return self.marker(tree.children[0])  # pragma: no cover - grammar inlines these

    def comparison(self, tree: Any) -> nodes.Compare:
        lhs, op_tok, rhs = tree.children
        op = " ".join(str(op_tok).split())  # "not   in" -> "not in"
        l_str, r_str = lhs.data == "string", rhs.data == "string"
        if l_str == r_str:
            which = "two quoted values" if l_str else "two variables"
            raise self.error(
                "MK105",
                f"comparison of {which}: one side must be a variable and the other a quoted value",
                _span(tree),
            )
        var_node, val_node = (rhs, lhs) if l_str else (lhs, rhs)
        token = val_node.children[0]
        try:
            value = decode_string(str(token)[1:-1])
        except BadEscape as exc:
            start = token.start_pos + 1 + exc.offset
            raise self.error("MK001", exc.message, Span(start, start + exc.length)) from None
        return nodes.Compare(
            var=self.var(var_node),
            op=op,
            value=value,
            reversed=l_str,
            span=_span(tree),
            var_span=_span(var_node),
            value_span=_span(val_node),
        )

    def var(self, node: Any) -> nodes.Var:
        raw = str(node.children[0])
        if node.data == "template":
            return nodes.Var(
                canonical_name(raw[1:-1].strip().lower(), template=True), template=True
            )
        return nodes.Var(canonical_name(raw, template=False), template=False)


if __name__ == "__main__":  # python -m markerc.language.syntax --regenerate
    import sys

    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python -m markerc.language.syntax --regenerate")
    target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_lark_parser.py")
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(standalone_source())
