"""Every rule of the registry, in code order, read from ``markerc/data/rules.toml`` into
:class:`~markerc.catalogue.records.Rule` records (the file's header describes its format).

Only the docs generator, the tests and the documentation paths import this (it parses every
explanation and example); the run-time facts are :mod:`markerc.catalogue.codes`.  A malformed
rules file raises :class:`ValueError` naming the rule and the key.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from markerc.catalogue.codes import Severity, Stage
from markerc.catalogue.records import Example, Rule, stand_in_uv

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["RULES", "RULES_FILE", "by_code", "load"]

#: The data file of the registry (a plain path: markerc/data is a real package folder).
RULES_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "rules.toml"
)

_SEVERITIES: dict[str, Severity] = {"error": "error", "warning": "warning"}
_STAGES: dict[str, Stage] = {"check": "check", "compile": "compile", "lock": "lock", "cli": "cli"}
#: A rule's keys: the fields of :class:`Rule` but its group (the ``[[group]]`` it stands in).
_RULE_KEYS = frozenset(Rule._fields) - {"group"}
#: An example's fields that are one string, and those that are a list of strings.
_STR_FIELDS = ("block", "note", "pythonpath")
_LIST_FIELDS = ("entries", "wheels", "sdists")


def _table(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a table")
    return value


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected an array")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a string")
    return value


def _strs(value: object, where: str, length: int | None = None) -> tuple[str, ...]:
    items = tuple(_str(item, where) for item in _list(value, where))
    if length is not None and len(items) != length:
        raise ValueError(f"{where}: expected {length} strings")
    return items


class _Shared:
    """The ``[commands]`` and ``[texts]`` that examples name as ``"*NAME"``."""

    def __init__(self, doc: Mapping[str, object]) -> None:
        commands = _table(doc.get("commands", {}), "[commands]")
        self.commands = {k: _strs(v, f"[commands] {k}") for k, v in commands.items()}
        self.texts: dict[str, str] = {}
        for key, value in _table(doc.get("texts", {}), "[texts]").items():
            where = f"[texts] {key}"
            if isinstance(value, str):
                self.texts[key] = value
            else:
                spec = _table(value, where)
                body = _strs(spec.get("body", []), f"{where}.body")
                self.texts[key] = stand_in_uv(_str(spec.get("stand_in_uv"), where), *body)

    def args(self, value: object, where: str) -> tuple[str, ...]:
        out: list[str] = []
        for arg in _strs(value, where):
            if arg.startswith("*"):
                if arg[1:] not in self.commands:
                    raise ValueError(f"{where}: no [commands] {arg[1:]}")
                out += self.commands[arg[1:]]
            else:
                out.append(arg)
        return tuple(out)

    def text(self, value: str, where: str) -> str:
        if not value.startswith("*"):
            return value
        if value[1:] not in self.texts:
            raise ValueError(f"{where}: no [texts] {value[1:]}")
        return self.texts[value[1:]]


def _example(value: object, shared: _Shared, where: str) -> Example:
    t = _table(value, where)
    unknown = set(t) - set(Example._fields)
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    strs = {k: _str(t.get(k, ""), f"{where}.{k}") for k in _STR_FIELDS}
    lists = {k: _strs(t.get(k, []), f"{where}.{k}") for k in _LIST_FIELDS}
    files = tuple(_strs(f, f"{where}.files", 2) for f in _list(t.get("files", []), where))
    links = tuple(_strs(f, f"{where}.links", 2) for f in _list(t.get("links", []), where))
    edits = tuple(_strs(e, f"{where}.edits", 3) for e in _list(t.get("edits", []), where))
    exit_status = t.get("exit")
    if exit_status is not None and (type(exit_status) is not int):
        raise ValueError(f"{where}.exit: expected an integer")
    return Example(
        entries=lists["entries"],
        block=strs["block"],
        document=None if "document" not in t else _str(t["document"], f"{where}.document"),
        args=shared.args(t.get("args", []), f"{where}.args"),
        files=tuple((path, shared.text(text, f"{where}.files")) for path, text in files),
        wheels=lists["wheels"],
        note=strs["note"],
        before=tuple(shared.args(b, f"{where}.before") for b in _list(t.get("before", []), where)),
        edits=tuple((path, old, new) for path, old, new in edits),
        sdists=lists["sdists"],
        pythonpath=strs["pythonpath"],
        exit=exit_status,
        links=tuple((path, target) for path, target in links),
    )


def _rule(value: object, group: str, shared: _Shared) -> Rule:
    t = _table(value, f"[[group.rule]] of {group!r}")
    code = _str(t.get("code"), f"a rule of {group!r}: code")
    unknown = set(t) - _RULE_KEYS
    if unknown:
        raise ValueError(f"{code}: unknown keys {sorted(unknown)}")
    severity = _str(t.get("severity"), f"{code}.severity")
    stages = _strs(t.get("stages", ["check"]), f"{code}.stages")
    default = t.get("default", True)
    if not isinstance(default, bool):
        raise ValueError(f"{code}.default: expected a boolean")
    try:
        typed_severity, typed_stages = _SEVERITIES[severity], tuple(_STAGES[s] for s in stages)
    except KeyError as exc:
        raise ValueError(f"{code}: unknown severity or stage {exc}") from None
    return Rule(
        code=code,
        name=_str(t.get("name"), f"{code}.name"),
        severity=typed_severity,
        title=_str(t.get("title"), f"{code}.title"),
        group=group,
        explanation=_str(t.get("explanation"), f"{code}.explanation"),
        bad=_example(t.get("bad"), shared, f"{code}.bad"),
        fixed=_example(t.get("fixed"), shared, f"{code}.fixed"),
        stages=typed_stages,
        default=default,
        fix=None if "fix" not in t else _str(t["fix"], f"{code}.fix"),
    )


def load(text: str) -> tuple[Rule, ...]:
    """The rules of a rules file's ``text``, sorted by code."""
    doc = tomllib.loads(text)
    shared = _Shared(doc)
    rules = []
    for group in _list(doc.get("group", []), "[[group]]"):
        g = _table(group, "[[group]]")
        title = _str(g.get("title"), "[[group]] title")
        rules += [_rule(r, title, shared) for r in _list(g.get("rule", []), title)]
    return tuple(sorted(rules, key=lambda r: r.code))


def _read() -> tuple[Rule, ...]:
    with open(RULES_FILE, encoding="utf-8") as fh:
        return load(fh.read())


#: Every rule, sorted by code.
RULES: tuple[Rule, ...] = _read()


def by_code() -> dict[str, Rule]:
    return {r.code: r for r in RULES}
