"""Hypothesis strategies shared by the property tests: markers over standard and custom
variables, environments, and grammar-generated entries."""

from __future__ import annotations

from hypothesis import strategies as st

from markerc.language.variables import ALWAYS_VERSION_FIELDS, STRING_FIELDS, VERSION_FIELDS
from markerc.language.nodes import And, Bare, Compare, Not, Or, Var

# Versions of every PEP 440 shape, plus strings that are not versions at all.
VERSIONS = [
    "3", "3.9", "3.10", "3.11", "3.12", "3.13", "3.13.0", "3.13.1", "3.14",
    "3.13.0rc1", "3.13rc1", "3.13.0a2", "3.13.dev0", "3.13.0.dev1", "3.13.post1",
    "3.13.0.post2.dev1", "3.13+local", "3.13.0+cu128", "3.12.9+x", "1!3.13", "4",
    "2.8.0", "12.8", "13.0", "12.1", "12",
]
WILDCARDS = ["3.*", "3.13.*", "3.12.*", "12.*", "13.0.*"]
STRINGS = ["linux", "darwin", "win32", "Linux", "x86_64", "aarch64", "arm64", "posix", "nt",
           "CPython", "cpython", "", "li", "5.15.0-1051-azure", "6.8.0", "foo bar"]
OPS = ["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"]

standard_names = st.sampled_from(sorted(STRING_FIELDS | VERSION_FIELDS))
literals = st.sampled_from(VERSIONS + WILDCARDS + STRINGS)


@st.composite
def standard_compare(draw) -> Compare:
    name = draw(standard_names)
    op = draw(st.sampled_from(OPS))
    value = draw(literals)
    return Compare(Var(name), op, value, draw(st.booleans()))


def _tree(leaf, allow_not: bool):
    def extend(children):
        options = [
            st.lists(children, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
            st.lists(children, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
        ]
        if allow_not:
            options.append(children.map(Not))
        return st.one_of(*options)

    return st.recursive(leaf, extend, max_leaves=6)


def standard_markers(allow_not: bool = False):
    return _tree(standard_compare(), allow_not)


CUSTOM_LEAVES = st.one_of(
    st.builds(lambda v: Bare(Var(v)), st.sampled_from(["has_cuda", "has_npu"])),
    st.builds(
        lambda op, v: Compare(Var("engine", True), op, v),
        st.sampled_from(["==", "!=", "in", "not in"]),
        st.sampled_from(["vllm", "VLLM", "sglang", "vllm, sglang", "transformers"]),
    ),
    st.builds(
        lambda op, v, r: Compare(Var("cuda_version"), op, v, r),
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        st.sampled_from(["12.8", "13.0", "12.1", "12"]),
        st.booleans(),
    ),
    st.builds(
        lambda op, v: Compare(Var("cuda_version"), op, v),
        st.sampled_from(["==", "!="]),
        st.sampled_from(["12.*", "13.*"]),
    ),
    st.builds(
        lambda op, v: Compare(Var("cuda_arch"), op, v),
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        st.sampled_from(["sm_80", "sm_90", "sm_90a", "sm_100", "sm_120"]),
    ),
    st.builds(
        lambda op, v: Compare(Var("has_cuda"), op, v),
        st.sampled_from(["==", "!="]),
        st.sampled_from(["true", "False"]),
    ),
)


def mixed_markers():
    return _tree(st.one_of(standard_compare(), CUSTOM_LEAVES), allow_not=True)


@st.composite
def environments(draw, exact_domains: bool = False) -> dict[str, str]:
    """Values for every standard variable.  With ``exact_domains`` the interpreter-version
    fields hold PEP 440 versions only (their real domain)."""
    env = {}
    for name in sorted(STRING_FIELDS | VERSION_FIELDS):
        if exact_domains and name in ALWAYS_VERSION_FIELDS:
            env[name] = draw(st.sampled_from(VERSIONS))
        else:
            env[name] = draw(st.sampled_from(VERSIONS + STRINGS))
    return env


@st.composite
def custom_bindings(draw) -> dict[str, object]:
    has_cuda = draw(st.booleans())
    out: dict[str, object] = {
        "engine": draw(st.sampled_from(["vllm", "sglang", "transformers"])),
        "has_cuda": has_cuda,
        "has_npu": draw(st.booleans()),
        "cuda_version": draw(st.sampled_from(["12.8", "13.0", "12.1"])) if has_cuda else None,
        "cuda_arch": draw(st.sampled_from(["sm_80", "sm_90", "sm_90a", "sm_120"])) if has_cuda else None,
    }
    return out


# ---------------------------------------------------------------- every variable kind (algebra)

TEMPLATE_VALUES = ["a", "b", "ab", "", "x y"]
ENGINE_VALUES = ["vllm", "sglang", "transformers", "llama.cpp", "mlx"]


@st.composite
def exact_standard_compare(draw) -> Compare:
    """A standard comparison decided exactly by the algebra (no opaque forms: a reversed
    comparison only on string fields, ``===`` only with a version)."""
    name = draw(standard_names)
    op = draw(st.sampled_from(OPS))
    value = draw(literals)
    if op == "===" and name in VERSION_FIELDS:
        value = draw(st.sampled_from(VERSIONS))
    reversed_ = draw(st.booleans()) if name in STRING_FIELDS else False
    return Compare(Var(name), op, value, reversed_)


TEMPLATE_LEAVES = st.builds(
    lambda op, v, r: Compare(Var("flavour", True), op, v, r),
    st.sampled_from(["==", "!=", "in", "not in"]),
    st.sampled_from(TEMPLATE_VALUES + ["a b", "c"]),
    st.booleans(),
)
ENGINE_LEAVES = st.builds(
    lambda op, v: Compare(Var("engine", True), op, v),
    st.sampled_from(["==", "!=", "in", "not in"]),
    st.sampled_from(["vllm", "VLLM", "sglang", "vllm, sglang", "transformers", "llama_cpp", "mlx sglang"]),
)


def every_kind_markers(exact: bool = False, max_leaves: int = 6):
    """Markers over every variable kind: standard fields, engine, booleans, cuda_version,
    cuda_arch, a template variable; ``exact`` leaves out the comparisons the algebra keeps
    opaque."""
    leaf = st.one_of(
        exact_standard_compare() if exact else standard_compare(), CUSTOM_LEAVES, TEMPLATE_LEAVES, ENGINE_LEAVES
    )

    def extend(children):
        return st.one_of(
            st.lists(children, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
            st.lists(children, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
            children.map(Not),
        )

    return st.recursive(leaf, extend, max_leaves=max_leaves)


@st.composite
def full_environments(draw) -> dict[str, object]:
    """A value for every variable: standard fields in their domains, custom variables (unset
    included), the engine and the template variable (unset included)."""
    env: dict[str, object] = dict(draw(environments(exact_domains=True)))
    env.update(draw(custom_bindings()))
    env["engine"] = draw(st.sampled_from(ENGINE_VALUES))
    if draw(st.booleans()):
        env["cuda_version"] = draw(st.sampled_from(["12.8", "13.0", "12.1", "12", "13.0rc1", "11.8"]))
        env["cuda_arch"] = draw(st.sampled_from(["sm_80", "sm_90", "sm_90a", "sm_100", "sm_120", "sm_86"]))
    env["flavour"] = draw(st.sampled_from([*TEMPLATE_VALUES, None]))
    return env
