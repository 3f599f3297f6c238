"""Engines as data: reading the engine table from TOML and validating it (SPEC section 6).

The built-in table (``markerc/data/engines.toml``) holds Xinference's seven engines with their
default package lists, model-format extras, extra index URLs and index strategies, the platforms
each runs on, and the engines Xinference knows without default lists (``flag``, ``pytorch``); and
the ``[torch_index]`` table: which index serves the PyTorch family's CUDA (or CPU) builds.  Users
extend or replace it with ``[tool.markerc]`` in ``pyproject.toml`` and with ``--engines FILE``.

The table's records and queries are in :mod:`markerc.compiler.engine_table`; this module is where
importers take them from (with :func:`load_engines`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from os import path as os_path
from typing import Any

from markerc.compiler.engine_table import (
    ALL_ENGINES,
    BUILTIN_SOURCE,
    CudaIndex,
    Engine,
    EngineTable,
    TorchIndex,
    engine_key,
    means_all_engines,
    split_engine_list,
)
from markerc.compiler.hub import INDEX_STRATEGIES
from markerc.diagnostics import Location, MarkercError
from markerc.records import replace

__all__ = ["load_engines", "parse_toml", "read_toml"]
# the records and queries of markerc.compiler.engine_table, re-exported for importers
__all__ += ["ALL_ENGINES", "BUILTIN_SOURCE", "CudaIndex", "Engine", "EngineTable", "TorchIndex"]
__all__ += ["means_all_engines", "split_engine_list"]

_ENGINE_KEYS = (
    "aliases",
    "packages",
    "index_url",
    "extra_index_url",
    "index_strategy",
    "model_format",
    "platforms",
    "abi_pins",
    "cuda_index",
)
_TORCH_KEYS = ("url", "backends", "packages", "launch_tags", "launch_packages")
_CUDA_INDEX_KEYS = ("url", "backends", "packages")
_PLATFORM = re.compile(r"[a-z][a-z0-9_]*")
_BACKEND = re.compile(r"cpu|cu[0-9]{2,3}")
# Engine names appear in `#engine# in "vllm, sglang"` lists and in `#NAME_dependencies#`.
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def read_toml(path: str) -> dict[str, Any]:
    """Parse a TOML file: MK205 when unreadable or not a regular file, MK621 above
    :data:`~markerc.reading.MAX_TEXT_BYTES`, MK505 when it is not valid TOML."""
    from markerc.reading import read_bytes

    return parse_toml(read_bytes(path), path)


def parse_toml(data: bytes, path: str) -> dict[str, Any]:
    """The TOML document ``data`` (read from ``path``); a parse kept by the parse cache when this
    reader has parsed the same bytes before (``tomllib`` is not imported then)."""
    from markerc.language import parsecache

    doc = parsecache.lookup_document(data, _READER)
    if doc is None:
        doc = _parse_toml(data, path)
        parsecache.remember_document(data, _READER, doc)
    return doc


#: the TOML reader, as the parse cache tells parses apart
_READER = (
    f"tomllib {sys.version_info[0]}.{sys.version_info[1]}"
    if sys.version_info >= (3, 11)
    else "tomli"
)


def _parse_toml(data: bytes, path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MarkercError("MK505", f"{path}: not valid UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _TOML_POSITION.search(message)
        if m:
            location: Location | None = Location(path, int(m.group(1)), int(m.group(2)))
        elif "end of document" in message:
            last = text.rsplit("\n", 1)[-1]
            location = Location(path, text.count("\n") + 1, len(last) + 1)
        else:
            location = None
        raise MarkercError("MK505", f"{path}: invalid TOML: {message}", location=location) from None
    except (ValueError, RecursionError) as exc:  # tomllib's int() limit, or nesting past the stack
        raise _toml_limit(text, path, exc) from None


def _toml_limit(text: str, path: str, exc: BaseException) -> MarkercError:
    """MK621 for TOML that tomllib cannot take: an integer over Python's digit limit, or arrays
    and inline tables nested deeper than the interpreter's stack."""
    if isinstance(exc, RecursionError):
        depth, pos = 0, max(len(text) - 1, 0)
        for i, ch in enumerate(text):
            depth += (ch in "[{") - (ch in "]}")
            if depth > 100:
                pos = i
                break
        what = "arrays and inline tables nested too deeply for the TOML parser"
    else:
        digits = sys.get_int_max_str_digits()
        m = re.search(rf"[+-]?[0-9][0-9_]{{{digits - 1},}}", text)
        pos = m.start() if m else 0
        what = f"an integer of more than {digits} digits"
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    return MarkercError("MK621", f"{path}: {what}", location=Location(path, line, column))


def load_engines(files: Sequence[str] = (), *, pyproject: str | None = None) -> EngineTable:
    """The built-in table, then ``[tool.markerc]`` of ``pyproject``, then each ``--engines`` file.

    In ``pyproject.toml``: ``[tool.markerc] engines = "path"`` (relative to the pyproject's folder)
    or ``[tool.markerc.engines.NAME]`` tables; ``replace-engines = true`` starts from an empty
    table instead of the built-in one.  An engines file has ``[engines.NAME]`` tables and an
    optional top-level ``replace = true``.  A table for a known engine (or alias) overrides the
    keys it gives; one for a new engine adds it.
    """
    if not files and pyproject is None:
        return _builtin()
    table = _builtin()
    if pyproject is not None:
        table = _apply_pyproject(table, pyproject)
    for file in files:
        table = _apply_file(table, read_toml(file), file)
    return table


@cache
def _builtin() -> EngineTable:
    # a plain path (markerc/data is a real package folder): importlib.resources costs start-up time
    path = os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "engines.toml"
    )
    with open(path, "rb") as fh:
        data = parse_toml(fh.read(), BUILTIN_SOURCE)
    return _apply_file(EngineTable(()), data, BUILTIN_SOURCE)


def _apply_pyproject(table: EngineTable, pyproject: str) -> EngineTable:
    data = read_toml(pyproject)
    tool = data.get("tool", {})
    config = tool.get("markerc") if isinstance(tool, dict) else None
    if config is None:
        return table
    if not isinstance(config, dict):
        raise MarkercError("MK505", f"{pyproject}: 'tool.markerc' must be a table")
    replace_all = config.get("replace-engines", config.get("replace_engines", False))
    if not isinstance(replace_all, bool):
        raise MarkercError(
            "MK505", f"{pyproject}: 'tool.markerc.replace-engines' must be true or false"
        )
    if replace_all:
        table = replace(table, engines=())
    torch = config.get("torch-index", config.get("torch_index"))
    if torch is not None:
        table = replace(
            table,
            torch_index=_torch_index(
                table.torch_index, torch, pyproject, "tool.markerc.torch-index"
            ),
        )
    spec = config.get("engines")
    if spec is None:
        return table
    if isinstance(spec, str):
        file = (
            spec if os_path.isabs(spec) else os_path.join(os_path.dirname(pyproject) or ".", spec)
        )
        return _apply_file(table, read_toml(file), file)
    if isinstance(spec, dict):
        return _table(_apply_tables(list(table.engines), spec, pyproject, "tool.markerc.engines"),
                      pyproject, table.torch_index)  # fmt: skip
    raise MarkercError(
        "MK505",
        f"{pyproject}: 'tool.markerc.engines' must be a file path or a table of engines",
    )


def _apply_file(table: EngineTable, data: Mapping[str, Any], source: str) -> EngineTable:
    for key in data:
        if key not in ("engines", "replace", "torch_index"):
            raise MarkercError(
                "MK505",
                f"{source}: unknown top-level key {key!r} (expected 'engines', 'replace', 'torch_index')",
            )
    replace_all = data.get("replace", False)
    if not isinstance(replace_all, bool):
        raise MarkercError("MK505", f"{source}: 'replace' must be true or false")
    tables = data.get("engines", {})
    if not isinstance(tables, dict):
        raise MarkercError("MK505", f"{source}: 'engines' must be a table of engine tables")
    torch = table.torch_index
    if "torch_index" in data:
        torch = _torch_index(torch, data["torch_index"], source, "torch_index")
    engines = _apply_tables([] if replace_all else list(table.engines), tables, source, "engines")
    return _table(engines, source, torch)


def _torch_index(base: TorchIndex, raw: object, source: str, where: str) -> TorchIndex:
    """``[torch_index]`` over ``base``: each key given replaces that key."""
    if not isinstance(raw, dict):
        raise MarkercError("MK505", f"{source}: {where!r} must be a table")
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        here = f"{where}.{key}"
        if key not in _TORCH_KEYS:
            raise MarkercError(
                "MK505", f"{source}: unknown key {here!r} (known: {', '.join(_TORCH_KEYS)})"
            )
        if key == "url":
            url = _string(value, source, here)
            if url and "{backend}" not in url:
                raise MarkercError(
                    "MK505",
                    f"{source}: {here!r} must contain {{backend}} (e.g. .../whl/{{backend}})",
                )
            fields["url"] = url
        else:
            items = _strings(value, source, here)
            pattern = _BACKEND if key in ("backends", "launch_tags") else _NAME
            for item in items:
                if not pattern.fullmatch(item):
                    raise MarkercError("MK505", f"{source}: {here!r}: invalid entry {item!r}")
            fields[key] = items
    return replace(base, source=source, **fields)


def _apply_tables(
    engines: list[Engine], tables: Mapping[str, Any], source: str, prefix: str
) -> list[Engine]:
    out = list(engines)
    for raw_name, table in tables.items():
        where = f"{prefix}.{raw_name}"
        if not isinstance(table, dict):
            raise MarkercError("MK505", f"{source}: {where!r} must be a table")
        if not _NAME.fullmatch(raw_name):
            raise MarkercError("MK505", f"{source}: {where!r}: invalid engine name {raw_name!r}")
        fields = _engine_fields(table, source, where)
        lookup = _table(out, source)
        existing = lookup.find(raw_name)
        if existing is None:
            out.append(Engine(name=engine_key(raw_name), source=source, **fields))
        else:
            out[out.index(existing)] = replace(existing, source=source, **fields)
    return out


def _engine_fields(table: Mapping[str, Any], source: str, where: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        here = f"{where}.{raw_key}"
        if key not in _ENGINE_KEYS:
            raise MarkercError(
                "MK505", f"{source}: unknown key {here!r} (known: {', '.join(_ENGINE_KEYS)})"
            )
        if key == "index_url":
            fields[key] = _string(value, source, here) if value != "" else None
        elif key == "index_strategy":
            strategy = _string(value, source, here)
            if strategy not in INDEX_STRATEGIES:
                raise MarkercError(
                    "MK505",
                    f"{source}: {here!r}: invalid index strategy {strategy!r}"
                    f" (expected one of {', '.join(INDEX_STRATEGIES)})",
                )
            fields[key] = strategy
        elif key == "model_format":
            if not isinstance(value, dict):
                raise MarkercError("MK505", f"{source}: {here!r} must be a table of lists")
            fields["model_formats"] = tuple(
                (fmt, _strings(v, source, f"{here}.{fmt}")) for fmt, v in value.items()
            )
        elif key == "extra_index_url" and isinstance(value, str):
            fields[key] = (value,)
        elif key == "abi_pins":
            fields[key] = _strings(value, source, here)
            for name in fields[key]:
                if not _NAME.fullmatch(name):
                    raise MarkercError(
                        "MK505", f"{source}: {here!r}: invalid distribution name {name!r}"
                    )
        elif key == "cuda_index":
            fields[key] = _cuda_index(value, source, here)
        elif key == "platforms":
            fields[key] = _strings(value, source, here)
            for plat in fields[key]:
                if not _PLATFORM.fullmatch(plat):
                    raise MarkercError(
                        "MK505",
                        f"{source}: {here!r}: {plat!r} is not a sys_platform value (linux, darwin, win32)",
                    )
        else:  # aliases, packages, extra_index_url
            fields[key] = _strings(value, source, here)
    for alias in fields.get("aliases", ()):
        if not _NAME.fullmatch(alias):
            raise MarkercError("MK505", f"{source}: {where}.aliases: invalid engine name {alias!r}")
    return fields


def _cuda_index(raw: object, source: str, where: str) -> CudaIndex | None:
    """``[engines.NAME.cuda_index]``: ``url`` with ``{backend}``, ``backends`` a table of
    backend = CUDA specifier (first match wins), ``packages``; an empty table or ``url = ""``
    switches the step off."""
    # markerc.language.versions, not packaging.specifiers: start-up time of `markerc check`
    from markerc.language.versions import valid_specifier_set

    if not isinstance(raw, dict):
        raise MarkercError("MK505", f"{source}: {where!r} must be a table")
    for key in raw:
        if key not in _CUDA_INDEX_KEYS:
            raise MarkercError(
                "MK505",
                f"{source}: unknown key {where}.{key!r} (known: {', '.join(_CUDA_INDEX_KEYS)})",
            )
    url = _string(raw.get("url", ""), source, f"{where}.url")
    if url and "{backend}" not in url:
        raise MarkercError(
            "MK505", f"{source}: {where}.url must contain {{backend}} (e.g. .../whl/{{backend}})"
        )
    backends_raw = raw.get("backends", {})
    if not isinstance(backends_raw, dict):
        raise MarkercError(
            "MK505", f'{source}: {where}.backends must be a table of BACKEND = "CUDA specifier"'
        )
    backends: list[tuple[str, str]] = []
    for backend, spec in backends_raw.items():
        here = f"{where}.backends.{backend}"
        if not _BACKEND.fullmatch(backend) or backend == "cpu":
            raise MarkercError(
                "MK505", f"{source}: {here!r}: {backend!r} is not a CUDA backend (cuNNN)"
            )
        text = _string(spec, source, here)
        if not valid_specifier_set(text):
            raise MarkercError("MK505", f"{source}: {here!r}: {text!r} is not a version specifier")
        backends.append((backend, text))
    packages = _strings(raw.get("packages", []), source, f"{where}.packages")
    for name in packages:
        if not _NAME.fullmatch(name):
            raise MarkercError(
                "MK505", f"{source}: {where}.packages: invalid distribution name {name!r}"
            )
    if not url or not backends:
        return None
    return CudaIndex(url, tuple(backends), packages)


def _string(value: object, source: str, where: str) -> str:
    if not isinstance(value, str):
        raise MarkercError("MK505", f"{source}: {where!r} must be a string")
    return value


def _strings(value: object, source: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MarkercError("MK505", f"{source}: {where!r} must be a list of strings")
    return tuple(value)


def _table(
    engines: Sequence[Engine], source: str, torch_index: TorchIndex | None = None
) -> EngineTable:
    """Build a table; MK505 when two engines claim one name or alias."""
    owner: dict[str, str] = {}
    for engine in engines:
        for spelling in (engine.name, *engine.aliases):
            key = engine_key(spelling)
            if owner.get(key, engine.name) != engine.name:
                raise MarkercError(
                    "MK505",
                    f"{source}: engine name or alias {spelling!r} is claimed by both "
                    f"{owner[key]!r} and {engine.name!r}",
                )
            owner[key] = engine.name
    return EngineTable(tuple(engines), torch_index or TorchIndex())
