"""Targets: what is known about the machine a compile is for (SPEC sections 4, 5, 9).

A :class:`Target` holds marker values and a ``[system]`` table of installed distributions.  Its
:meth:`Target.bindings` is the contract with the marker evaluator: a mapping keyed by canonical
variable name whose value is a string, a bool (``has_cuda``/``has_npu``), or None for **unset**
(known absent); a variable that is not a key is **unbound**.  The engine is not part of a target
(it comes from ``--engine``).

A target also holds **platform facts** that are not marker variables but decide which wheels it
can install (SPEC section 9): ``glibc_version`` / ``musl_version`` (Linux) and ``macos_version``
(Darwin).  They reach the resolver (:mod:`markerc.backends.uvtool`), never a marker.

Targets come from ``--set VAR=VALUE`` (:func:`parse_set`), ``--system NAME=VERSION``
(:func:`parse_system`), profile files and named profiles (:func:`load_target`: a file, a project's
``markerc.toml`` / ``pyproject.toml``, then the profiles shipped in ``markerc/data/targets/``) and
detection (:mod:`markerc.backends.envinfo`).  :func:`profile_toml` writes a profile that
:func:`load_target` reads back unchanged.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from markerc.compiler.engines import read_toml
from markerc.diagnostics import MarkercError
from markerc.language import variables as V
from markerc.records import record
from markerc.safety import line_problem, toml_string, version_problem

__all__ = [
    "CUSTOM_VARIABLES",
    "KNOWN_VARIABLES",
    "PLATFORM_FACTS",
    "STANDARD_VARIABLES",
    "Target",
    "Value",
    "build_target",
    "canonical_name",
    "finalize",
    "load_target",
    "parse_set",
    "parse_system",
    "profile_toml",
    "shipped_targets",
]

Value = V.Value

# the variables a target binds, from the registry (markerc.language.variables)
STANDARD_VARIABLES: tuple[str, ...] = V.names("standard", pool="target")
CUSTOM_VARIABLES: tuple[str, ...] = V.names("custom", pool="target")
KNOWN_VARIABLES: tuple[str, ...] = V.names(pool="target")
#: Platform facts: target data for the resolver, not marker variables (SPEC section 9).
PLATFORM_FACTS: tuple[str, ...] = ("glibc_version", "musl_version", "macos_version")

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DIST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_FACT_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+){0,2}")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SUGGEST_CUTOFF = 0.8


_SEPARATORS = re.compile(r"[-_.]+")


@functools.cache  # a hub names a few hundred distributions, each many times
def canonical_name(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return _SEPARATORS.sub("-", name).lower()


@record
class Target:
    """Marker values (sorted by name), installed versions (sorted canonical names) and platform
    facts (sorted by name; see :data:`PLATFORM_FACTS`)."""

    name: str | None = None
    values: tuple[tuple[str, Value], ...] = ()
    system: tuple[tuple[str, str], ...] = ()
    facts: tuple[tuple[str, str], ...] = ()

    @classmethod
    def make(
        cls,
        name: str | None = None,
        values: Mapping[str, Value] | None = None,
        system: Mapping[str, str] | None = None,
        facts: Mapping[str, str] | None = None,
    ) -> Target:
        vals = dict(values or {})
        sysmap = {canonical_name(k): v for k, v in (system or {}).items()}
        return cls(
            name,
            tuple(sorted(vals.items())),
            tuple(sorted(sysmap.items())),
            tuple(sorted((facts or {}).items())),
        )

    def bindings(self) -> dict[str, Value]:
        return dict(self.values)

    def system_map(self) -> dict[str, str]:
        return dict(self.system)

    def fact_map(self) -> dict[str, str]:
        return dict(self.facts)

    def with_values(self, **values: Value) -> Target:
        return Target.make(
            self.name, {**self.bindings(), **values}, self.system_map(), self.fact_map()
        )

    def with_system(self, **versions: str) -> Target:
        return Target.make(
            self.name, self.bindings(), {**self.system_map(), **versions}, self.fact_map()
        )

    def merged(self, other: Target) -> Target:
        """``self`` overlaid with ``other`` (later wins, value by value)."""
        return Target.make(
            other.name if other.name is not None else self.name,
            {**self.bindings(), **other.bindings()},
            {**self.system_map(), **other.system_map()},
            {**self.fact_map(), **other.fact_map()},
        )


# --------------------------------------------------------------------------------------------
# Variable names and values


def _suggest_variable(name: str) -> str | None:
    for probe in (name, name.lower()):
        close = V.suggest(probe, "target", cutoff=_SUGGEST_CUTOFF)
        if close:
            return close
    return None


def check_variable(name: str, *, code: str = "MK507", where: str = "") -> str:
    """Validate a variable name; returns it without ``#`` hashes.

    Known names pass; a name close to a known one (``sys_platfrom``) is MK101 with a suggestion;
    ``engine``/``model_engine`` is ``code`` (it is chosen by ``--engine``); any other identifier is
    a template variable.
    """
    bare = name.strip()
    if len(bare) > 2 and bare.startswith("#") and bare.endswith("#"):
        bare = bare[1:-1].strip()
    if bare in KNOWN_VARIABLES:
        return bare
    if not _IDENT.fullmatch(bare):
        raise MarkercError(code, f"{where}invalid variable name {name!r}")
    if bare.lower() in (V.ENGINE.name, *V.ENGINE.aliases):
        raise MarkercError(code, f"{where}the engine is not part of a target; use --engine")
    hint = _suggest_variable(bare)
    if hint is not None:
        raise MarkercError(
            "MK101", f"{where}unknown marker variable {bare!r}; did you mean {hint!r}?"
        )
    return bare


def convert_value(name: str, raw: object, *, code: str = "MK507", where: str = "") -> Value:
    """Turn a raw value (a string, or a bool from TOML) into a binding; '' means unset (the
    variable's parser in the registry)."""
    try:
        return V.lookup(name).value(raw)
    except ValueError as exc:
        raise MarkercError(code, f"{where}{exc}") from None


def convert_fact(name: str, raw: object, *, code: str = "MK507", where: str = "") -> str:
    """A platform fact (``glibc_version = "2.39"``): a dotted version of one to three numbers."""
    if not isinstance(raw, str) or not _FACT_VERSION.fullmatch(raw.strip()):
        raise MarkercError(code, f'{where}{name} must be a version such as "2.39", not {raw!r}')
    return raw.strip()


def parse_set(items: Sequence[str]) -> Target:
    """``--set VAR=VALUE`` items (later wins); an empty value means unset.  A platform fact
    (``--set macos_version=14.0``) sets that fact."""
    values: dict[str, Value] = {}
    facts: dict[str, str] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise MarkercError("MK507", f"--set expects VAR=VALUE, got {item!r}")
        if name.strip() in PLATFORM_FACTS:
            facts[name.strip()] = convert_fact(name.strip(), raw, where="--set: ")
            continue
        var = check_variable(name, where="--set: ")
        unsafe = line_problem(raw, f"--set {var}={raw!r}", expansion=True, hash_comment=False)
        if unsafe is not None:
            raise MarkercError(unsafe.code, unsafe.message)
        values[var] = convert_value(var, raw, where="--set: ")
    return Target.make(None, values, None, facts)


_SYSTEM_ITEM = re.compile(r"\s*([^=\s]+)\s*==?\s*(.+?)\s*", re.DOTALL)


def _check_version(name: str, version: str, where: str) -> None:
    problem = version_problem(name, version, where)
    if problem is not None:
        raise MarkercError(problem.code, problem.message)


def parse_system(items: Sequence[str]) -> Target:
    """``--system NAME=VERSION`` items (``NAME==VERSION`` also accepted; VERSION is PEP 440)."""
    system: dict[str, str] = {}
    for item in items:
        m = _SYSTEM_ITEM.fullmatch(item)
        if not m or not _DIST_NAME.fullmatch(m.group(1)):
            raise MarkercError("MK507", f"--system expects NAME=VERSION, got {item!r}")
        # MK600/MK606 (docs/security.md): one PEP 440 version, nothing else
        _check_version(m.group(1), m.group(2), "--system")
        system[canonical_name(m.group(1))] = m.group(2)
    return Target.make(None, None, system)


def finalize(target: Target) -> Target:
    """SPEC 4: without CUDA (``has_cuda`` false or unset), unstated cuda_version and cuda_arch
    become unset."""
    values = target.bindings()
    if "has_cuda" in values and not values["has_cuda"]:
        cuda = [v.name for v in V.REGISTRY if v.unset == "without-cuda"]
        changed = {k: None for k in cuda if k not in values}
        if changed:
            return target.with_values(**changed)
    return target


# --------------------------------------------------------------------------------------------
# Profiles


def project_tables(cwd: str, name: str) -> Iterator[tuple[str, tuple[str, ...], Any]]:
    """The project's ``[NAME]`` table of ``markerc.toml`` and ``[tool.markerc.NAME]`` of
    ``pyproject.toml`` in ``cwd`` (in that order, where present): ``(path, keys, table)``."""
    for file, keys in (("markerc.toml", (name,)), ("pyproject.toml", ("tool", "markerc", name))):
        full = os.path.join(cwd, file)
        if not os.path.isfile(full):
            continue
        table: Any = read_toml(full)
        for key in keys:
            table = table.get(key) if isinstance(table, dict) else None
        if table is not None:
            yield full, keys, table


SHIPPED_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "targets"
)


def shipped_targets() -> tuple[str, ...]:
    """Names of the profiles shipped with markerc (``markerc/data/targets/NAME.toml``)."""
    try:
        names = os.listdir(SHIPPED_DIR)
    except OSError:
        return ()
    return tuple(sorted(n[: -len(".toml")] for n in names if n.endswith(".toml")))


def load_target(spec: str, *, cwd: str = ".") -> Target:
    """A profile FILE, or a NAME in ``markerc.toml`` ``[targets.NAME]`` or ``pyproject.toml``
    ``[tool.markerc.targets.NAME]`` (looked up in that order, in ``cwd``), or else one of the
    profiles shipped with markerc (:func:`shipped_targets`): a project's own profile of that name
    wins over the shipped one."""
    path = spec if os.path.isabs(spec) else os.path.join(cwd, spec)
    pathlike = os.sep in spec or "/" in spec or spec.endswith(".toml")
    if os.path.isfile(path) or (
        pathlike and os.path.exists(path)
    ):  # read_toml refuses a FIFO, a device
        data = read_toml(path)
        stem = os.path.splitext(os.path.basename(path))[0]
        return _profile(data, path, "", default_name=stem)
    if os.sep in spec or "/" in spec or spec.endswith(".toml"):
        raise MarkercError("MK205", f"cannot read target profile {spec}: no such file")
    available: list[str] = []
    for full, keys, table in project_tables(cwd, "targets"):
        where = ".".join(keys)
        if not isinstance(table, dict):
            raise MarkercError("MK505", f"{full}: {where!r} must be a table of target profiles")
        if spec in table:
            return _profile(table[spec], full, f"{where}.{spec}.", default_name=spec)
        available += [k for k in table if k not in available]
    shipped = shipped_targets()
    if spec in shipped:
        path = os.path.join(SHIPPED_DIR, f"{spec}.toml")
        return _profile(read_toml(path), f"markerc/data/targets/{spec}.toml", "", default_name=spec)
    available += [k for k in shipped if k not in available]
    message = f"unknown target {spec!r}"
    import difflib

    close = difflib.get_close_matches(spec, available, n=1, cutoff=0.6)
    if close:
        message += f"; did you mean {close[0]!r}?"
    notes: tuple[str, ...] = (f"known targets: {', '.join(available)}",) if available else ()
    if not os.path.isfile(os.path.join(cwd, "markerc.toml")) and not os.path.isfile(
        os.path.join(cwd, "pyproject.toml")
    ):
        notes += (
            f"no file {spec!r}, and no [targets] in markerc.toml or [tool.markerc.targets] in "
            f"pyproject.toml under {cwd}",
        )
    raise MarkercError("MK505", message, notes=notes)


def build_target(spec: str | None, *, installed: Target | None = None, system: Sequence[str] = (),
                 sets: Sequence[str] = ()) -> Target:  # fmt: skip
    """The target profile ``spec`` (or none), overlaid with the distributions ``installed`` in a
    base environment (``--system-python``: its probe), then ``--system`` and ``--set`` items."""
    found = load_target(spec) if spec else Target()
    if installed is not None:
        found = found.merged(Target.make(None, {}, installed.system_map()))
    return found.merged(parse_system(system)).merged(parse_set(sets))


def _profile(table: object, source: str, prefix: str, *, default_name: str) -> Target:
    if not isinstance(table, dict):
        raise MarkercError("MK505", f"{source}: {prefix.rstrip('.')!r} must be a table")
    name = table.get("name", default_name)
    if not isinstance(name, str):
        raise MarkercError("MK505", f"{source}: {prefix}name must be a string")
    values: dict[str, Value] = {}
    system: dict[str, str] = {}
    facts: dict[str, str] = {}
    for key, raw in table.items():
        where = f"{source}: {prefix}"
        if key == "name":
            continue
        if key in PLATFORM_FACTS:
            facts[key] = convert_fact(key, raw, code="MK505", where=where)
            continue
        if key == "unset":
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise MarkercError("MK505", f"{where}unset must be a list of variable names")
            for var in raw:
                values[check_variable(var, code="MK505", where=where)] = None
            continue
        if key == "system":
            if not isinstance(raw, dict):
                raise MarkercError("MK505", f'{where}system must be a table of NAME = "VERSION"')
            for dist, version in raw.items():
                if not _DIST_NAME.fullmatch(dist) or not isinstance(version, str):
                    raise MarkercError(
                        "MK505", f'{where}system.{dist}: expected NAME = "VERSION", got {version!r}'
                    )
                # MK600/MK606 (docs/security.md): one PEP 440 version, nothing else
                _check_version(dist, version, f"{where}system:")
                system[canonical_name(dist)] = version.strip()
            continue
        var = check_variable(key, code="MK505", where=where)
        values[var] = convert_value(var, raw, code="MK505", where=where)
    return Target.make(name or None, values, system, facts)


_toml_string = toml_string  # one implementation: markerc.safety


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_value(value: str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _toml_string(value)


def profile_toml(target: Target) -> str:
    """The profile as TOML: sorted marker values, then the platform facts, then the unset
    variables as one ``unset = [...]`` list (never ``""``), then ``[system]``;
    :func:`load_target` reads it back."""
    lines = ["# markerc target profile"]
    if target.name is not None:
        lines.append(f"name = {_toml_string(target.name)}")
    for key, value in sorted(target.values):
        if value is not None:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, fact in target.facts:
        lines.append(f"{_toml_key(key)} = {_toml_string(fact)}")
    unset = [key for key, value in sorted(target.values) if value is None]
    if unset:
        lines.append(f"unset = [{', '.join(_toml_string(k) for k in unset)}]")
    lines += ["", "[system]"]
    for key, version in sorted(target.system):
        lines.append(f"{_toml_key(key)} = {_toml_string(version)}")
    return "\n".join(lines) + "\n"
