"""Properties of the rules that reason about values: the always-true/false markers (MK318/MK319)
and the comparisons no real value satisfies (MK317) agree with brute-force evaluation over real
CUDA versions and architectures; the system-pin spelling rules."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from markerc.lint.system_pins import osa_distance
from markerc.lint.values import constant_value, cuda_arch_witnesses, cuda_version_witnesses
from markerc.compiler.engines import load_engines
from markerc.language.typecheck import check_marker
from markerc.lint.framework import Context
from markerc.language.markers import evaluate
from tests.conftest import DEEP

ENGINES = load_engines()
CUDA_GRID = [f"{x}.{y}" for x in range(1, 15) for y in range(0, 12)] + [None]
ARCH_GRID = [f"sm_{m}{n}{s}" for m in range(1, 15) for n in range(10) for s in ("", "a", "f")] + [None]


def _cuda_leaf() -> st.SearchStrategy[str]:
    x, y, z = st.one_of(st.just(1), st.integers(1, 12)), st.one_of(st.just(0), st.integers(0, 9)), st.integers(0, 2)
    plain = st.one_of(
        x.map(str),
        st.tuples(x, y).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(x, y, z).map(lambda t: f"{t[0]}.{t[1]}.{t[2]}"),
        st.tuples(x, y).map(lambda t: f"{t[0]}.{t[1]}rc1"),
        st.tuples(x, y).map(lambda t: f"{t[0]}.{t[1]}.post1"),
    )
    wild = st.one_of(x.map(lambda v: f"{v}.*"), st.tuples(x, y).map(lambda t: f"{t[0]}.{t[1]}.*"))
    compatible = st.one_of(
        st.tuples(x, y).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(x, y, z).map(lambda t: f"{t[0]}.{t[1]}.{t[2]}"),
    )
    return st.one_of(
        st.tuples(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), plain),
        st.tuples(st.sampled_from(["==", "!="]), wild),
        st.tuples(st.just("~="), compatible),
        st.tuples(st.just("==="), st.tuples(x, y).map(lambda t: f"{t[0]}.{t[1]}")),
    ).map(lambda t: f'cuda_version {t[0]} "{t[1]}"')


def _arch_leaf() -> st.SearchStrategy[str]:
    arch = st.tuples(st.integers(0, 12), st.integers(0, 9), st.sampled_from(["", "a", "f"])).map(
        lambda t: f"sm_{t[0]}{t[1]}{t[2]}" if t[0] else f"sm_{t[1]}{t[2]}"
    )
    return st.tuples(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), arch).map(
        lambda t: f'cuda_arch {t[0]} "{t[1]}"'
    )


def _markers(leaf: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            inner.map(lambda m: f"not {m}"),
        ),
        max_leaves=4,
    )


def _agrees_with_brute_force(text: str, name: str, grid: list[object]) -> None:
    """The rule's verdict is sound (never claims a constant that some value contradicts) and,
    on one variable, complete (finds every constant marker)."""
    marker = check_marker(text)
    verdict = constant_value(marker, Context(ENGINES))
    values = {evaluate(marker, {name: v}) for v in grid}
    if verdict is not None:
        assert values == {verdict}, (text, verdict, values)
    if len(values) == 1:
        assert verdict == next(iter(values)), (text, values)


@settings(max_examples=150 * DEEP, deadline=None)
@given(_markers(_cuda_leaf()))
def test_constant_cuda_markers_agree_with_brute_force(text: str) -> None:
    _agrees_with_brute_force(text, "cuda_version", CUDA_GRID)


@settings(max_examples=100 * DEEP, deadline=None)
@given(_markers(_arch_leaf()))
def test_constant_arch_markers_agree_with_brute_force(text: str) -> None:
    _agrees_with_brute_force(text, "cuda_arch", ARCH_GRID)


@settings(max_examples=60 * DEEP, deadline=None)
@given(
    st.lists(st.sampled_from(ENGINES.names()), min_size=1, max_size=3),
    st.sampled_from(["and", "or"]),
    st.booleans(),
)
def test_constant_engine_and_bool_markers(engines: list[str], word: str, negate: bool) -> None:
    text = f" {word} ".join(f'#engine# == "{e}"' for e in engines) + f" {word} " + ("not has_cuda" if negate else "has_cuda")
    marker = check_marker(text)
    values = {
        evaluate(marker, {"engine": e, "has_cuda": c}, ENGINES.canonical)  # type: ignore[arg-type]
        for e, c in itertools.product(ENGINES.names(), (True, False, None))
    }
    verdict = constant_value(marker, Context(ENGINES))
    assert verdict == (next(iter(values)) if len(values) == 1 else None)


def test_edges_of_the_real_versions() -> None:
    """1.0 is the smallest real CUDA version: the fast path must not call these non-constant."""
    ctx = Context(ENGINES)
    assert constant_value(check_marker('cuda_version < "1.0"'), ctx) is False
    assert constant_value(check_marker('cuda_version < "1" and has_cuda'), ctx) is False
    assert constant_value(check_marker('cuda_version >= "1.0" or not has_cuda'), ctx) is None
    assert constant_value(check_marker('cuda_version >= "1.0" or cuda_version < "1.0"'), ctx) is None  # unset
    assert constant_value(check_marker('cuda_version != "1.0.1" or has_cuda'), ctx) is True


def test_witnesses() -> None:
    assert cuda_version_witnesses(["12.4"]) == ["1.0", "12.0", "12.4", "12.5", "13.0"]
    assert cuda_version_witnesses(["12.*", "bad version"]) == ["1.0", "12.0", "12.1", "13.0"]
    assert cuda_arch_witnesses(["sm_90a"]) == ["sm_10", "sm_90", "sm_90a", "sm_90f", "sm_91"]
    assert cuda_arch_witnesses(["sm_9"]) == ["sm_10"]  # major 0 is no real architecture


def test_osa_distance() -> None:
    assert osa_distance("tourch", "torch") == 1
    assert osa_distance("torhc", "torch") == 1  # a transposition
    assert osa_distance("torchao", "torchaudio") == 3
    assert osa_distance("", "abc") == 3 and osa_distance("abc", "abc") == 0


_CUDA_LITERALS = st.one_of(
    st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,3}(\.\*)?", fullmatch=True),
    st.sampled_from(["v12.4", "0!12.4", "12.4rc1", "12.4.post1", "12.4+local", "1.0", "1", "0.9", " 12.4"]),
)


@settings(max_examples=300 * DEEP, deadline=None)
@given(op=st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "~="]), literal=_CUDA_LITERALS)
def test_the_ordinary_cuda_fast_path_is_packagings_reading(op: str, literal: str) -> None:
    """The fast path reads ``a`` / ``a.b`` without packaging; it says "ordinary" exactly where
    packaging's ``Version`` sees a plain release of one or two numbers (>= 1, not 1.0) in a
    literal spelt as digits (other spellings are evaluated instead: never a wrong "ordinary")."""
    from packaging.version import InvalidVersion, Version

    from markerc.lint.values import _ordinary_cuda

    try:
        (leaf,) = [check_marker(f'cuda_version {op} "{literal}"')]
    except Exception:  # a literal the language refuses for cuda_version
        return
    text = literal[:-2] if literal.endswith(".*") and op in ("==", "!=") else literal
    try:
        v = Version(text)
    except InvalidVersion:
        v = None
    plain = v is not None and not (v.epoch or v.pre or v.post or v.dev or v.local)
    spelt = text.replace(".", "").isdigit() and text.isascii()
    release = tuple(v.release) if v is not None else ()
    expected = (
        plain and spelt and 1 <= len(release) <= 2 and (op != "~=" or len(release) == 2)
        and release[0] >= 1 and release + (0,) * (2 - len(release)) != (1, 0)
    )  # fmt: skip
    assert _ordinary_cuda(leaf) == expected
