"""Which rules ``markerc check`` reports: selectors, configuration files and ruff's resolution.

Selectors are codes (``MK302``), code prefixes (``MK3``, ``MK40``) and ``ALL``.  Settings come
in layers, lowest precedence first: the defaults, the configuration file, the command line.
Configuration is ``[tool.markerc.check]`` in ``pyproject.toml`` or ``[check]`` in
``markerc.toml``, taken from the nearest folder at or above the checked file that has one
(``markerc.toml`` first in a folder), or from ``--config FILE``; ``--isolated`` reads none.
Keys: ``select``, ``extend-select``, ``ignore`` (lists of selectors) and ``per-file-ignores``
(a table of glob pattern -> list of selectors; patterns relative to the configuration file's
folder, or matched against the file name when they have no ``/``).

Resolution is ruff's (0.0.238 and later): the highest layer that says ``select`` starts from
its selection and the layers above it adjust it with ``extend-select`` and ``ignore``; inside a
layer the more specific selector wins (``ALL`` < ``MK3`` < ``MK30`` < ``MK302``) and, at equal
specificity, ``ignore`` wins.  Per-file ignores of the configuration and of the command line
add up.  Any unknown code is MK339, located in the configuration file where possible.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from markerc.diagnostics import Location, MarkercError
from markerc.lint.framework import RuleSet

__all__ = ["Layer", "Resolver", "cli_layer", "find_config", "load_layer", "resolve"]

_SELECTOR = re.compile(r"MK\d{0,3}")
_KEYS = ("select", "extend-select", "ignore", "per-file-ignores")


class Layer(NamedTuple):
    """One source of settings: selectors as given (validated), where they come from."""

    source: str  # "the command line" or a file path
    base: str  # folder the per-file patterns are relative to
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()


# ============================================================================ selectors


def _codes() -> tuple[str, ...]:
    from markerc.catalogue import RULES

    return tuple(r.code for r in RULES)


def _selectable() -> frozenset[str]:
    from markerc.catalogue import RULES

    return frozenset(r.code for r in RULES if r.selectable)


def matches(selector: str) -> frozenset[str]:
    """The selectable codes a (valid) selector names."""
    universe = _selectable()
    if selector == "ALL":
        return universe
    return frozenset(c for c in universe if c.startswith(selector))


def specificity(selector: str) -> int:
    return 0 if selector == "ALL" else len(selector)


def check_selector(selector: str, where: str, locate: Location | None = None) -> str:
    """The selector in canonical form; MK339 when it names no code."""
    text = selector.strip().upper()
    if text == "ALL" or (_SELECTOR.fullmatch(text) and any(c.startswith(text) for c in _codes())):
        return text
    raise MarkercError(
        "MK339",
        f"unknown rule selector {selector!r} in {where}{_suggest(text)} (selectors are codes "
        "such as MK302, prefixes such as MK3 or MK40, and ALL; docs/diagnostics.md lists every "
        "code)",
        location=locate,
    )


def _suggest(text: str) -> str:
    """A letter typed for a digit (``MK3O2``) first, else the closest code."""
    lookalike = text[:2] + text[2:].translate(str.maketrans("OILS", "0115"))
    if lookalike != text and any(c.startswith(lookalike) for c in _codes()):
        return f"; did you mean {lookalike}?"
    import difflib

    close = difflib.get_close_matches(text, _codes(), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _split(values: Iterable[str]) -> list[str]:
    return [part for value in values for part in value.split(",") if part.strip()]


def cli_layer(
    *,
    select: Sequence[str] | None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    per_file_ignores: Sequence[str] = (),
) -> Layer:
    """The command line's settings (``--select A,B`` and repeated options)."""
    where = "the command line"
    pfi: list[tuple[str, tuple[str, ...]]] = []
    for spec in per_file_ignores:
        pattern, sep, codes = spec.rpartition(":")
        if not sep or not pattern:
            raise MarkercError(
                "MK339", f"--per-file-ignores {spec!r}: expected PATTERN:CODE[,CODE...]"
            )
        pfi.append(
            (
                pattern,
                tuple(check_selector(c, f"--per-file-ignores {spec!r}") for c in _split([codes])),
            )
        )
    return Layer(
        source=where,
        base=os.getcwd(),
        select=None
        if select is None
        else tuple(check_selector(s, "--select") for s in _split(select)),
        extend_select=tuple(check_selector(s, "--extend-select") for s in _split(extend_select)),
        ignore=tuple(check_selector(s, "--ignore") for s in _split(ignore)),
        per_file_ignores=tuple(pfi),
    )


# ============================================================================ configuration files


def _section(path: str) -> tuple[str, ...]:
    return (
        ("tool", "markerc", "check") if os.path.basename(path) == "pyproject.toml" else ("check",)
    )


def _table_of(path: str) -> dict[str, object] | None:
    """The check table of a configuration file, None when it has none."""
    from markerc.compiler.engines import read_toml

    data: object = read_toml(path)
    for key in _section(path):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    if not isinstance(data, dict):
        raise MarkercError(
            "MK339",
            f"{path}: '{'.'.join(_section(path))}' must be a table",
            location=Location(path, 1, 1),
        )
    return data


def _has_table(path: str) -> bool:
    from markerc.reading import read_text

    try:
        text = read_text(path, errors="replace")
    except MarkercError:
        return False
    if "check" not in text:  # cheap: most pyproject.toml files say nothing about markerc
        return False
    return _table_of(path) is not None


def find_config(path: str) -> str | None:
    """The configuration file for ``path``: the nearest folder at or above it with a check table."""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        for name in ("markerc.toml", "pyproject.toml"):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and _has_table(candidate):
                return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _position(path: str, value: str) -> Location:
    """Best effort: where ``value`` stands in the file (a quoted string), else line 1."""
    from markerc.reading import read_text

    try:
        text = read_text(path)
    except MarkercError:
        return Location(path, 1, 1)
    header = re.search(r"^\s*\[\s*(tool\s*\.\s*markerc\s*\.\s*)?check\s*\]", text, re.M)
    start = header.end() if header else 0
    for quote in ('"', "'"):
        k = text.find(f"{quote}{value}{quote}", start)
        if k < 0:
            k = text.find(f"{quote}{value}{quote}")
        if k >= 0:
            line = text.count("\n", 0, k) + 1
            col = k - (text.rfind("\n", 0, k) + 1) + 2  # the first character inside the quote
            return Location(path, line, col, col + len(value))
    k = text.find(value, start)
    if k >= 0:
        line = text.count("\n", 0, k) + 1
        return Location(path, line, k - (text.rfind("\n", 0, k) + 1) + 1)
    return Location(path, 1, 1)


def load_layer(path: str) -> Layer:
    """The settings of configuration file ``path`` (MK339 on unknown keys and selectors)."""
    table = _table_of(path) or {}
    section = ".".join(_section(path))

    def selectors(key: str) -> tuple[str, ...]:
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise MarkercError(
                "MK339",
                f"{path}: '{section}.{key}' must be a list of rule selectors",
                location=_position(path, key),
            )
        return tuple(
            check_selector(v, f"{path} ({section}.{key})", _position(path, v)) for v in value
        )

    for key in table:
        if key not in _KEYS:
            import difflib

            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise MarkercError(
                "MK339",
                f"{path}: unknown key '{section}.{key}'{hint} (known: {', '.join(_KEYS)})",
                location=_position(path, key),
            )
    pfi: list[tuple[str, tuple[str, ...]]] = []
    raw = table.get("per-file-ignores", {})
    if not isinstance(raw, dict):
        raise MarkercError(
            "MK339",
            f"{path}: '{section}.per-file-ignores' must be a table of pattern = [codes]",
            location=_position(path, "per-file-ignores"),
        )
    for pattern, codes in raw.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise MarkercError(
                "MK339",
                f"{path}: per-file-ignores {pattern!r} must be a list of rule selectors",
                location=_position(path, pattern),
            )
        pfi.append(
            (
                pattern,
                tuple(
                    check_selector(c, f"{path} (per-file-ignores {pattern!r})", _position(path, c))
                    for c in codes
                ),
            )
        )
    return Layer(
        source=path,
        base=os.path.dirname(os.path.abspath(path)),
        select=selectors("select") if "select" in table else None,
        extend_select=selectors("extend-select") if "extend-select" in table else (),
        ignore=selectors("ignore") if "ignore" in table else (),
        per_file_ignores=tuple(pfi),
    )


# ============================================================================ resolution


def resolve(layers: Sequence[Layer], default: frozenset[str]) -> RuleSet:
    """ruff's resolution of ``select``/``extend-select``/``ignore`` over the layers (lowest
    precedence first), starting from ``default``; per-file ignores of every layer add up."""
    enabled = set(default)
    carried: tuple[str, ...] = ()
    for layer in layers:
        updates: dict[str, bool] = {}
        ignores = layer.ignore + carried
        carried = ()
        chosen = (layer.select or ()) + layer.extend_select
        for spec in sorted({specificity(s) for s in chosen + ignores}):
            for selector in chosen:
                if specificity(selector) == spec:
                    updates.update(dict.fromkeys(matches(selector), True))
            for selector in ignores:
                if specificity(selector) == spec:
                    updates.update(dict.fromkeys(matches(selector), False))
        if layer.select is not None:
            enabled = {code for code, on in updates.items() if on}
            if not layer.select and not layer.extend_select and layer.ignore:
                carried = layer.ignore
        else:
            for code, on in updates.items():
                (enabled.add if on else enabled.discard)(code)
    pfi = tuple(
        (_anchor(pattern, layer.base), frozenset(c for s in selectors for c in matches(s)))
        for layer in layers
        for pattern, selectors in layer.per_file_ignores
    )
    return RuleSet(frozenset(enabled), pfi)


def _anchor(pattern: str, base: str) -> str:
    """A pattern with a ``/`` joined with its layer's folder (``./`` dropped); others as given."""
    if "/" not in pattern:
        return pattern
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if os.path.isabs(pattern):
        return pattern.replace(os.sep, "/")
    return os.path.abspath(base).replace(os.sep, "/").rstrip("/") + "/" + pattern


class Resolver:
    """The rule set of each checked path: its configuration file's layer plus the command line's
    (cached per configuration file)."""

    def __init__(self, cli: Layer, *, config: str | None = None, isolated: bool = False) -> None:
        from markerc.lint.check import default_rules

        self.cli = cli
        self.config = config
        self.isolated = isolated
        self.default = default_rules().enabled
        self._cache: dict[str | None, RuleSet] = {}
        if config is not None:
            self._layer(config)  # errors in an explicit --config surface at once

    def _layer(self, path: str | None) -> RuleSet:
        if path not in self._cache:
            layers = [load_layer(path)] if path is not None else []
            self._cache[path] = resolve([*layers, self.cli], self.default)
        return self._cache[path]

    def config_for(self, path: str) -> str | None:
        if self.isolated:
            return None
        return self.config if self.config is not None else find_config(path)

    def __call__(self, path: str) -> RuleSet:
        return self._layer(self.config_for(path))
