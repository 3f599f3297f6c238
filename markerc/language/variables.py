"""The marker variables: one record per variable, the only table of them (SPEC section 4).

Every stage looks a variable up here: the type checker (:mod:`markerc.language.typecheck`: which
names exist, which operators apply), evaluation (:mod:`markerc.language.markers`), the marker
algebra (which value set a variable ranges over, in which order the decision diagram tests it),
targets (:mod:`markerc.compiler.targets`: parsing ``--set`` and profile values), the compiler's
messages and ``markerc check`` (which variables Xinference binds at launch, the pools of names
"did you mean" suggests from).

* standard PEP 508 variables keep packaging 26's semantics: the four version fields
  (``python_version``, ``python_full_version``, ``implementation_version``,
  ``platform_release``) try a PEP 440 specifier first; every field falls back to the string
  table;
* ``#engine#`` (alias ``#model_engine#``): engine names, case-insensitive; ``in`` takes an
  engine list (:func:`split_engine_list`, also ``--engine``'s rule);
* ``has_cuda``/``has_npu``: booleans; ``cuda_version``: a PEP 440 version; ``cuda_arch``:
  ``sm_<major><minor>[a|f]`` ordered by compute capability;
* any other ``#name#`` is a *template* variable: a string bound with ``--set``
  (:func:`template`).

A record is a :class:`typing.NamedTuple` (frozen; cheaper to define than a dataclass, and this
module is on the start-up path of ``markerc check``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from markerc.language.nodes import Var

__all__ = [
    "ALWAYS_VERSION_FIELDS",
    "ENGINE",
    "FORBIDDEN_VARIABLES",
    "REGISTRY",
    "STANDARD_VARIABLES",
    "STRING_FIELDS",
    "VERSION_FIELDS",
    "Domain",
    "Kind",
    "MarkerVariable",
    "Pool",
    "Unset",
    "Value",
    "binding_hint",
    "canonical_name",
    "engine_list_spans",
    "is_standard",
    "known",
    "lookup",
    "names",
    "split_engine_list",
    "suggest",
    "template",
]

#: standard: a PEP 508 variable (pip and uv evaluate it); custom: markerc's and Xinference's.
Kind = Literal["standard", "custom"]
#: The value set a variable ranges over (one exact set algebra each, in the domain modules).
Domain = Literal["string", "version", "bool", "cuda_version", "arch", "engine", "template"]
#: What *unset* (a binding to None, known absent) means for the variable:
#:
#: * ``outside``: not a value of the domain (a standard field): folded with packaging's rule,
#:   every comparison false but ``!=`` and ``not in``;
#: * ``member``: a value of the domain, with the same rule (templates, booleans);
#: * ``without-cuda``: a member, and what the variable becomes when the target has no CUDA;
#: * ``never``: always bound (the engine comes from ``--engine``).
Unset = Literal["outside", "member", "without-cuda", "never"]
#: Where "did you mean" looks: ``marker`` (an unknown variable in a marker, MK101), ``target``
#: (``--set`` and profile names), ``template`` (a ``#name#`` that Xinference does not bind).
Pool = Literal["marker", "target", "template"]
#: A binding: a string, a bool (the boolean variables), or None for unset.
Value = str | bool | None


class MarkerVariable(NamedTuple):
    """One marker variable."""

    name: str  # the binding key: "engine", "has_cuda", "sys_platform", a template's name
    spelling: str  # as written in marker text: "#engine#", "has_cuda", "#flavour#"
    kind: Kind
    domain: Domain
    operators: frozenset[str]  # the comparison operators that apply
    parse: Callable[[str, object], Value]  # (name, raw --set/profile value) -> binding
    unset: Unset
    launch_bound: bool  # Xinference binds it at launch
    pools: frozenset[Pool]  # the suggestion pools it is offered in
    rank: int  # decision order in the marker algebra (smaller is tested first)
    aliases: tuple[str, ...] = ()  # other spellings, written as the variable is (with or without #)
    non_versions: bool = False  # a version field that also holds non-version strings

    @property
    def standard(self) -> bool:
        return self.kind == "standard"

    def value(self, raw: object) -> Value:
        """A raw value (a string, or a bool from TOML) as a binding; ``""`` means unset.
        Raises :class:`ValueError` with a message that starts with the name."""
        return self.parse(self.name, raw)


# ---------------------------------------------------------------- value parsers

_LONG_NUMBER = re.compile(r"[0-9]{101}")
_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def parse_text(name: str, raw: object) -> str | None:
    """A string value: stripped, ``""`` for unset, bounded (a comparison would parse a long
    number as a version)."""
    if not isinstance(raw, str):
        raise ValueError(f'{name} must be a quoted string (e.g. {name} = "..."), not {raw!r}')
    value = raw.strip()
    if value == "":
        return None
    if len(value) > 256 or _LONG_NUMBER.search(value):
        raise ValueError(
            f"{name}: value too long (at most 256 characters, numbers of at most 100 digits)"
        )
    return value


def parse_bool(name: str, raw: object) -> bool | None:
    """true/false (also 1/0, yes/no, any case, or a TOML bool); ``""`` for unset."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        if raw.strip() == "":
            return None
        if raw.strip().lower() in _BOOLS:
            return _BOOLS[raw.strip().lower()]
    raise ValueError(f"{name} must be true or false (or empty for unset), not {raw!r}")


def _shaped(pattern: str, example: str) -> Callable[[str, object], Value]:
    shape = re.compile(pattern)

    def parse(name: str, raw: object) -> str | None:
        value = parse_text(name, raw)
        if value is not None and not shape.fullmatch(value):
            raise ValueError(f"{name} must look like {example!r}, not {raw!r}")
        return value

    return parse


# ---------------------------------------------------------------- the registry

_ALL_OPS = frozenset({"===", "==", "!=", "~=", "<=", ">=", "<", ">", "in", "not in"})
_EQUALITY = frozenset({"==", "!="})
_MEMBERSHIP = frozenset({"==", "!=", "in", "not in"})
_ORDERING = frozenset({"==", "!=", "<", "<=", ">", ">="})

# the decision order of the standard fields in the marker algebra
_STANDARD_RANK = {
    name: 10 + i
    for i, name in enumerate(
        (
            "sys_platform",
            "platform_system",
            "os_name",
            "platform_machine",
            "platform_release",
            "platform_version",
            "python_version",
            "python_full_version",
            "implementation_name",
            "implementation_version",
            "platform_python_implementation",
        )
    )
}
_TEMPLATE_RANK = 5
_STANDARD_POOLS: frozenset[Pool] = frozenset({"marker", "target"})
_LAUNCH_POOLS: frozenset[Pool] = frozenset({"marker", "target", "template"})


def _standard(
    name: str, domain: Domain, non_versions: bool = False, aliases: tuple[str, ...] = ()
) -> MarkerVariable:
    ops = _ALL_OPS if domain == "version" else _ALL_OPS - {"~=", "==="}
    return MarkerVariable(name, name, "standard", domain, ops, parse_text, "outside", False,
                          _STANDARD_POOLS, _STANDARD_RANK[name], aliases, non_versions)  # fmt: skip


def _custom(
    name: str, domain: Domain, ops: frozenset[str], parse: Callable[[str, object], Value],
    unset: Unset, rank: int,
) -> MarkerVariable:  # fmt: skip
    return MarkerVariable(name, name, "custom", domain, ops, parse, unset, True, _LAUNCH_POOLS,
                          rank)  # fmt: skip


#: Every known variable, the standard ones in PEP 508's order, then the custom ones.
REGISTRY: tuple[MarkerVariable, ...] = (
    _standard("python_version", "version"),
    _standard("python_full_version", "version"),
    _standard("os_name", "string", aliases=("os.name",)),
    _standard("sys_platform", "string", aliases=("sys.platform",)),
    _standard("platform_release", "version", non_versions=True),  # "5.15.0-1051-azure"
    _standard("platform_system", "string"),
    _standard("platform_version", "string", aliases=("platform.version",)),
    _standard("platform_machine", "string", aliases=("platform.machine",)),
    _standard(
        "platform_python_implementation",
        "string",
        aliases=("platform.python_implementation", "python_implementation"),
    ),
    _standard("implementation_name", "string"),
    _standard("implementation_version", "version"),
    _custom("has_cuda", "bool", _EQUALITY, parse_bool, "member", 1),
    _custom("has_npu", "bool", _EQUALITY, parse_bool, "member", 2),
    _custom(
        "cuda_version",
        "cuda_version",
        _ALL_OPS - {"in", "not in"},
        _shaped(r"[0-9]+(?:\.[0-9]+)*", "12.8"),
        "without-cuda",
        3,
    ),
    _custom("cuda_arch", "arch", _ORDERING, _shaped(r"sm_[0-9]+[af]?", "sm_90"), "without-cuda", 4),
    MarkerVariable(
        name="engine",
        spelling="#engine#",
        kind="custom",
        domain="engine",
        operators=_MEMBERSHIP,
        parse=parse_text,
        unset="never",
        launch_bound=True,
        pools=frozenset({"marker", "template"}),
        rank=0,
        aliases=("model_engine",),
    ),
)
_BY_NAME = {v.name: v for v in REGISTRY}
#: The engine variable (``#engine#``; chosen by ``--engine``, never part of a target).
ENGINE = _BY_NAME["engine"]
#: One name of an engine list: commas and white space separate the names, empty items drop out.
_ENGINE_NAME = re.compile(r"[^,\s]+")
#: PEP 508 variables that have no meaning in a model-hub entry (MK106).
FORBIDDEN_VARIABLES = frozenset({"extra", "extras", "dependency_groups"})

# an alias is written the way its variable is: "#model_engine#", "os.name" (packaging's legacy)
_ALIASES = {(v.spelling.startswith("#"), alias): v.name for v in REGISTRY for alias in v.aliases}

STRING_FIELDS = frozenset(v.name for v in REGISTRY if v.standard and v.domain == "string")
VERSION_FIELDS = frozenset(v.name for v in REGISTRY if v.standard and v.domain == "version")
#: Version fields whose every real value is a PEP 440 version (an interpreter's version).
ALWAYS_VERSION_FIELDS = frozenset(n for n in VERSION_FIELDS if not _BY_NAME[n].non_versions)
STANDARD_VARIABLES = STRING_FIELDS | VERSION_FIELDS


@functools.cache
def template(name: str) -> MarkerVariable:
    """The record of a template variable ``#name#`` (a string bound with ``--set``)."""
    return MarkerVariable(name, f"#{name}#", "custom", "template", _MEMBERSHIP, parse_text,
                          "member", False, frozenset(), _TEMPLATE_RANK)  # fmt: skip


def canonical_name(written: str, *, template: bool) -> str:
    """The name a variable written as ``written`` (without hashes) is known by."""
    return _ALIASES.get((template, written), written)


def known(name: str) -> MarkerVariable | None:
    """The record of a known variable (standard or custom, not a template), or None."""
    return _BY_NAME.get(name)


def lookup(name: str) -> MarkerVariable:
    """The record of a (resolved) variable name: a known one, or else a template."""
    return _BY_NAME.get(name) or template(name)


def is_standard(var: Var) -> bool:
    """Whether a variable is a PEP 508 one (pip and uv can evaluate it): a standard name
    written without hashes."""
    return var.name in STANDARD_VARIABLES and not var.template


def names(kind: Kind | None = None, pool: Pool | None = None) -> tuple[str, ...]:
    """The names of the known variables, in registry order (of one kind, or in one pool)."""
    return tuple(
        v.name
        for v in REGISTRY
        if (kind is None or v.kind == kind) and (pool is None or pool in v.pools)
    )


def suggest(name: str, pool: Pool, cutoff: float = 0.75) -> str | None:
    """The closest spelling to ``name`` in ``pool`` (as written there: ``#engine#`` in the
    marker pool, names in the target pool, names and aliases in the template pool), or None."""
    import difflib

    words: list[str] = []
    for v in REGISTRY:
        if pool in v.pools:
            words += {"marker": [v.spelling], "target": [v.name]}.get(pool, [v.name, *v.aliases])
    close = difflib.get_close_matches(name, words, n=1, cutoff=cutoff)
    return close[0] if close else None


def binding_hint(name: str) -> str:
    """How to bind a variable on the command line (for MK501)."""
    var = lookup(name)
    if var.domain == "template":
        return f"--set {name}=VALUE"
    if var.unset == "without-cuda":
        return f"--set {name}=... (or --set has_cuda=false, or a --target profile)"
    return f"--set {name}=true|false (or a --target profile)"


def split_engine_list(text: str) -> list[str]:
    """The names of an engine list, in order, empty items dropped: comma- or space-separated, as
    in ``#engine# in "vllm, sglang"`` and ``--engine vllm,sglang`` (SPEC sections 3 and 11).
    The one rule for both.  The names are as written (case kept): callers canonicalise them."""
    return _ENGINE_NAME.findall(text)


def engine_list_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Each name of :func:`split_engine_list` with its start and end offsets in ``text``."""
    for m in _ENGINE_NAME.finditer(text):
        yield m.group(), m.start(), m.end()
