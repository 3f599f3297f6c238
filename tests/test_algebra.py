"""The marker algebra (markerc.language.algebra): Hypothesis properties over generated markers on every
variable kind, with markerc's reference evaluator and packaging as the oracles.

* soundness: the canonical value evaluates as the input in every environment; its PEP 508
  rendering means the same to packaging;
* completeness and canonicity: a value that is not FALSE has a satisfying environment
  (``witness``), so FALSE and TRUE are recognised exactly, and two values that are not the same
  node differ in some environment;
* exact negation, and ``is_disjoint`` exactly when no environment satisfies both.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from packaging.markers import Marker as PMarker

from markerc.language import algebra as A
from markerc.diagnostics import MarkercError
from markerc.language.markers import evaluate
from markerc.language.nodes import And, Not, Or
from markerc.language.typecheck import check_marker, resolve
from markerc.language.version_ranges import is_spelling

from .conftest import DEEP
from .strategies import (
    VERSIONS,
    every_kind_markers,
    full_environments,
    standard_markers,
)

SETTINGS = settings(
    max_examples=300 * DEEP,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
SPACE = A.space()
CANON = SPACE.canon


def _valid(marker):
    try:
        return resolve(marker)
    except MarkercError:
        assume(False)


def _ref(marker, env) -> bool:
    return evaluate(marker, env, CANON)


def _complete(witness: dict, base: dict) -> dict:
    return {**base, **witness}


def test_generated_versions_are_in_the_domain():
    assert all(is_spelling(v) for v in VERSIONS)


@SETTINGS
@given(every_kind_markers(), full_environments())
def test_value_is_sound(marker, env):
    """The canonical value evaluates as the input, in every environment (opaque forms too)."""
    marker = _valid(marker)
    assert A.evaluate(A.value(marker), env, CANON) == _ref(marker, env)


@SETTINGS
@given(standard_markers(allow_not=True), full_environments())
def test_pep508_rendering_means_the_same_to_packaging(marker, env):
    marker = _valid(marker)
    node = A.value(marker)
    try:
        text = A.render(node)
    except A.NoForm:
        assume(False)
    if node is A.TRUE or node is A.FALSE:
        assert text == ("true" if node is A.TRUE else "false")
        assert _ref(marker, env) == (node is A.TRUE)
        return
    assert PMarker(text).evaluate(env) == _ref(marker, env)
    assert A.value(check_marker(text)) is node  # the text reads back as the same value


@SETTINGS
@given(every_kind_markers(), full_environments())
def test_described_text_reads_back_as_the_same_value(marker, env):
    marker = _valid(marker)
    node = A.value(marker)
    text = A.describe(node)
    assume("<" not in text.replace("<=", "").replace(' < "', "").replace('" <', ""))
    if node is A.TRUE or node is A.FALSE:
        return
    assert A.value(check_marker(text)) is node, text


@SETTINGS
@given(every_kind_markers(exact=True), full_environments())
def test_false_and_true_are_recognised(marker, env):
    """Completeness: a value that is not FALSE holds somewhere, one that is not TRUE fails
    somewhere (the witnesses are checked with the reference evaluator)."""
    marker = _valid(marker)
    node = A.value(marker)
    if node is not A.FALSE:
        w = _complete(A.witness(node), env)
        assert _ref(marker, w), (w, A.describe(node))
    if node is not A.TRUE:
        w = _complete(A.witness(A.neg(node)), env)
        assert not _ref(marker, w), (w, A.describe(node))


@SETTINGS
@given(every_kind_markers(exact=True, max_leaves=4), every_kind_markers(exact=True, max_leaves=4), full_environments())
def test_canonical_equal_meaning_is_the_same_value(a, b, env):
    """Two values are the same node exactly when the markers agree in every environment."""
    a, b = _valid(a), _valid(b)
    na, nb = A.value(a), A.value(b)
    if na is nb:
        assert _ref(a, env) == _ref(b, env)
        return
    differ = A.disj(A.conj(na, A.neg(nb)), A.conj(A.neg(na), nb))
    assert differ is not A.FALSE
    w = _complete(A.witness(differ), env)
    assert _ref(a, w) != _ref(b, w)


@SETTINGS
@given(every_kind_markers(exact=True, max_leaves=4), every_kind_markers(exact=True, max_leaves=4), full_environments())
def test_is_disjoint_exactly_when_nothing_satisfies_both(a, b, env):
    a, b = _valid(a), _valid(b)
    na, nb = A.value(a), A.value(b)
    if A.is_disjoint(na, nb):
        assert not (_ref(a, env) and _ref(b, env))
    else:
        w = _complete(A.witness(A.conj(na, nb)), env)
        assert _ref(a, w) and _ref(b, w)
    assert A.implies(na, nb) == A.is_disjoint(na, A.neg(nb))


@SETTINGS
@given(every_kind_markers(), full_environments())
def test_negation_is_exact(marker, env):
    marker = _valid(marker)
    node = A.value(marker)
    assert A.value(Not(marker)) is A.neg(node)
    assert A.neg(A.neg(node)) is node
    assert A.evaluate(A.neg(node), env, CANON) == (not _ref(marker, env))


@SETTINGS
@given(every_kind_markers(max_leaves=5), every_kind_markers(max_leaves=3), every_kind_markers(max_leaves=3))
def test_rewritings_give_the_same_value(a, b, c):
    """Equivalent forms: commutation, duplication, De Morgan, distribution, absorption."""
    a, b, c = _valid(a), _valid(b), _valid(c)
    v = A.value
    assert v(And((a, b))) is v(And((b, a)))
    assert v(Or((a, b, a))) is v(Or((b, a)))
    assert v(Not(And((a, b)))) is v(Or((Not(a), Not(b))))
    assert v(And((a, Or((b, c))))) is v(Or((And((a, b)), And((a, c)))))
    assert v(And((a, Or((a, b))))) is v(a)
    assert v(Or((a, Not(a)))) is A.TRUE and v(And((a, Not(a)))) is A.FALSE


def test_restriction_is_partial_evaluation():
    m = check_marker('#engine# == "sglang" and cuda_version < "13.0" or sys_platform == "linux"')
    assert A.render(A.residual(m, {"engine": "vllm"})) == 'sys_platform == "linux"'
    left = A.residual(m, {"engine": "sglang", "sys_platform": "win32"})
    assert [v.name for v in A.needed(left)] == ["cuda_version"]
    assert A.residual(m, {"engine": "sglang", "sys_platform": "win32", "cuda_version": None}) is A.FALSE
    # packaging repairs an untagged python_full_version ("3.11.1+" is 3.11.1+local)
    full = check_marker('python_full_version < "3.12"')
    assert A.residual(full, {"python_full_version": "3.11.1+"}) is A.TRUE
    assert evaluate(full, {"python_full_version": "3.11.1+"})


@pytest.mark.parametrize(
    "text, expected",
    [
        ('python_version < "3.10" and python_version >= "3.10"', "false"),
        ('python_version != "3.10" or python_version < "3.12"', "true"),
        ('python_version >= "3.10" and python_version <= "3.10" and python_version != "3.10"', "false"),
        ('not python_version < "3.13"', 'python_version >= "3.13.dev0"'),
        ('not python_version >= "3.10"', 'python_version <= "3.10" and python_version != "3.10"'),
        ('sys_platform != "foo" and (sys_platform == "bar" or sys_platform == "baz")',
         'sys_platform == "bar" or sys_platform == "baz"'),
        ('"arm" in platform_machine and "ar" not in platform_machine', "false"),
        ('"arm" in platform_machine or platform_machine == "arm64"', '"arm" in platform_machine'),
        ('os_name == "a" and (os_name == "a" or sys_platform == "x")', 'os_name == "a"'),
        ("sys_platform >= 'linux'", 'sys_platform == "linux"'),
        ("sys_platform < 'linux'", "false"),
        ('(python_version < "3.1" or python_version < "3.2") and (python_version < "3.2" or python_version == "3.3")',
         'python_version < "3.2"'),
    ],
)
def test_simplification_examples(text, expected):
    assert A.render(A.value(check_marker(text))) == expected


@pytest.mark.parametrize(
    "text",
    ['not python_version > "3.9"', 'not platform_release >= "5.4"', 'not "3.9" < python_version'],
)
def test_no_pep508_form_is_refused(text):
    with pytest.raises(A.NoForm):
        A.render(A.value(check_marker(text)))


def test_engine_set_comes_from_the_engine_table():
    from markerc.compiler.engines import load_engines

    node = A.value(check_marker('#engine# != "vllm" and #engine# in "vllm, sglang, mlx"'))
    assert A.engines_where(node) == {"sglang", "mlx"}
    assert A.engines_where(A.value(check_marker("has_cuda"))) == set(load_engines().names())
    assert A.value(check_marker('#engine# == "vLLM"')) is A.value(check_marker('#engine# == "vllm"'))
    assert A.value(check_marker('#engine# == "llama_cpp"')) is A.value(check_marker('#engine# == "llama.cpp"'))


def test_custom_domains():
    v = lambda t: A.value(check_marker(t))  # noqa: E731
    # booleans: true, false, unset
    assert A.disj(v("has_cuda"), v("not has_cuda")) is A.TRUE
    assert v('has_cuda != "true"') is v("not has_cuda")
    assert A.conj(v('has_cuda == "false"'), v("not has_cuda")) is v('has_cuda == "false"')
    # cuda_version: versions plus unset (!= holds on unset)
    assert A.disj(v('cuda_version < "13.0"'), v('cuda_version >= "13.0"')) is not A.TRUE
    assert A.disj(v('cuda_version == "13.0"'), v('cuda_version != "13.0"')) is A.TRUE
    assert v('"12.0" <= cuda_version') is v('cuda_version >= "12.0"')
    # cuda_arch: ordered by capability, == exact
    assert A.conj(v('cuda_arch >= "sm_90"'), v('cuda_arch < "sm_90"')) is A.FALSE
    assert A.implies(v('cuda_arch == "sm_90a"'), v('cuda_arch >= "sm_90"'))
    assert not A.implies(v('cuda_arch >= "sm_90"'), v('cuda_arch == "sm_90"'))
    assert A.implies(v('cuda_arch < "sm_100"'), v('cuda_arch <= "sm_99"'))


# ---------------------------------------------------------------- uv's own marker test cases

UV_CASES = json.loads((Path(__file__).parents[1] / "benchmarks" / "uv_marker_cases.json").read_text("utf-8"))
BASE = {  # any values: variables a value does not test cannot change it
    "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64",
    "platform_release": "6.8.0", "platform_version": "#1 SMP", "python_version": "3.11",
    "python_full_version": "3.11.7", "implementation_name": "cpython", "implementation_version": "3.11.7",
    "platform_python_implementation": "CPython",
}


def _accepted(text):
    try:
        return check_marker(text)
    except MarkercError:
        return None  # extra, literal == literal, ~= on a string: outside markerc's language


def _opaque(node) -> bool:
    return any(v.kind == "opaque" for v in A.support(node))


def _packaging(text, env) -> bool:
    return PMarker(text).evaluate({k: v for k, v in env.items() if isinstance(v, str)})


@pytest.mark.parametrize("case", [c for c in UV_CASES["simplify"] if _accepted(c["input"]) is not None],
                         ids=lambda c: c["input"][:60])
def test_uv_simplification_cases(case):
    """On uv's inputs: markerc's rendering reads back as the same value and means to packaging
    what the input means, where the value holds and where it fails (witnesses)."""
    marker = _accepted(case["input"])
    node = A.value(marker)
    if _opaque(node):
        return  # an opaque comparison gets no witness value of its own (docs/algebra.md)
    for probe in (node, A.neg(node)):
        if probe is A.FALSE:
            continue
        env = _complete(A.witness(probe), BASE)
        assert A.evaluate(node, env, CANON) == _ref(marker, env) == (probe is node)
        if node is not A.TRUE and node is not A.FALSE:
            try:
                text = A.render(node)
            except A.NoForm:
                continue
            assert A.value(check_marker(text)) is node, text
            assert _packaging(text, env) == _ref(marker, env), (text, env)


@pytest.mark.parametrize("case", [c for c in UV_CASES["disjoint"] if None not in (_accepted(c["a"]), _accepted(c["b"]))],
                         ids=lambda c: f"{c['a'][:30]} | {c['b'][:30]}")
def test_uv_disjointness_cases(case):
    """markerc's verdict on uv's pairs: an overlap comes with an environment where both hold
    (to packaging too).  Pairs with an opaque comparison (a reversed one) have no witness of
    their own (docs/algebra.md)."""
    a, b = _accepted(case["a"]), _accepted(case["b"])
    both = A.conj(A.value(a), A.value(b))
    if not _opaque(both) and both is not A.FALSE:
        env = _complete(A.witness(both), BASE)
        assert _ref(a, env) and _ref(b, env)
        assert _packaging(case["a"], env) and _packaging(case["b"], env)


def test_rendering_does_not_depend_on_which_equal_spelling_came_first() -> None:
    """Values are interned: without one spelling per version, ``< "3.14.0rc2"`` seen first would
    make every later equal range (``< "3.14rc2"``) render with its spelling, so an output
    would depend on unrelated entries compiled before it."""
    from markerc.language.markers import negate
    from markerc.language.rendering import render
    from markerc.language.typecheck import check_marker

    first = render(negate(check_marker('python_version < "3.14.0rc2"')))
    second = render(negate(check_marker('python_version < "3.14rc2"')))
    assert first == second == 'python_version >= "3.14rc2"'
    assert render(negate(check_marker('python_full_version >= "3.12.0.0"'))) == (
        'python_full_version <= "3.12" and python_full_version != "3.12"'
    )


def test_pieces_of_a_version_set_keep_its_arbitrary_equality_holes() -> None:
    """``not (cuda_version > "1" or cuda_version === "1.0")`` holds for "1" but not for "1.0":
    splitting the set into conjunctive pieces must keep that hole (found by check's brute-force
    property once check used the algebra)."""
    from markerc.language import algebra
    from markerc.language.typecheck import check_marker

    node = algebra.value(check_marker('not (cuda_version > "1" or cuda_version === "1.0")'))
    algebra.describe(node)  # raised "marker rendering lost exactness" before
    assert algebra.restrict(node, {"cuda_version": "1"}) is algebra.TRUE
    assert algebra.restrict(node, {"cuda_version": "1.0"}) is algebra.FALSE
