"""Marker semantics: agreement with packaging, soundness of partial evaluation, exact
negation, simplification, the custom variable types and the unset rule."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from packaging.markers import Marker as PMarker

from markerc.diagnostics import MarkercError
from markerc.language.markers import (
    NoComplement,
    evaluate,
    negate,
    nnf,
    residual,
    simplify,
    unbound_custom,
)
from markerc.language.nodes import FALSE, TRUE, Const
from markerc.language.rendering import canonical_text, render
from markerc.language.typecheck import check_marker, resolve

from .conftest import DEEP
from .strategies import custom_bindings, environments, mixed_markers, standard_markers

SETTINGS = settings(
    max_examples=400 * DEEP, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow]
)


def _valid(marker):
    try:
        return resolve(marker)
    except MarkercError:
        assume(False)


def packaging_eval(marker, env) -> bool:
    if isinstance(marker, Const):
        return marker.value
    return PMarker(render(marker)).evaluate(env)


@SETTINGS
@given(standard_markers(), environments())
def test_agrees_with_packaging(marker, env):
    marker = _valid(marker)
    assert evaluate(marker, env) == PMarker(render(marker)).evaluate(env)


@SETTINGS
@given(mixed_markers(), custom_bindings(), environments(exact_domains=True), st.sets(st.sampled_from(
    ["sys_platform", "platform_machine", "python_version", "python_full_version", "platform_release", "os_name"])))
def test_partial_evaluation_is_sound(marker, custom, env, bound_standard):
    """evaluate(m, B + E) == packaging(residual(m, B), E) for E agreeing with B."""
    marker = _valid(marker)
    bindings = dict(custom)
    bindings.update({k: env[k] for k in bound_standard})
    try:
        rest = residual(marker, bindings)
    except NoComplement:
        assume(False)
    assert not unbound_custom(rest)
    full = {**env, **custom}
    assert evaluate(marker, full) == packaging_eval(rest, env)


@SETTINGS
@given(standard_markers(allow_not=True), environments(exact_domains=True))
def test_negation_is_exact(marker, env):
    marker = _valid(marker)
    try:
        neg = negate(marker)
        plain = nnf(marker)
    except NoComplement:
        assume(False)
    assert packaging_eval(neg, env) == (not evaluate(marker, env))
    assert packaging_eval(plain, env) == evaluate(marker, env)


@SETTINGS
@given(standard_markers(), environments(exact_domains=True))
def test_simplify_preserves_meaning(marker, env):
    marker = _valid(marker)
    try:
        simple = simplify(marker)
    except NoComplement:
        assume(False)  # no PEP 508 form (test_algebra checks those values)
    assert packaging_eval(simple, env) == evaluate(marker, env)


@pytest.mark.parametrize(
    "text, negated",
    [
        ('python_version < "3.13"', 'python_version >= "3.13.dev0"'),
        ('python_version < "3.13rc1"', 'python_version >= "3.13rc1"'),
        ('python_version ~= "3.10"', 'python_version <= "3.10" and python_version != "3.10" or python_version >= "4.0.dev0"'),
        ('python_version >= "3.10"', 'python_version <= "3.10" and python_version != "3.10"'),
        ('python_version <= "3.10"', 'python_version >= "3.10" and python_version != "3.10"'),
        ('sys_platform == "linux" and platform_machine == "x86_64"', 'sys_platform != "linux" or platform_machine != "x86_64"'),
        ('"arm" in platform_machine', '"arm" not in platform_machine'),
        ('python_version == "foo"', "true"),  # string-equal to a non-version: never, for a version field
        ('platform_release == "foo"', 'platform_release != "foo"'),
    ],
)
def test_negation_examples(text, negated):
    result = negate(check_marker(text))
    assert (render(result) if not isinstance(result, Const) else str(result.value).lower()) == negated


@pytest.mark.parametrize(
    "text",
    ['python_version > "3.9"', 'platform_release >= "5.4"', 'python_version === "3.10"', '"3.9" < python_version'],
)
def test_no_exact_complement_is_refused(text):
    with pytest.raises(NoComplement):
        negate(check_marker(text))


def test_every_version_of_platform_release_is_not_every_value():
    """``== v or != v`` holds for every version, but platform_release can be a non-version
    (``linux``), for which packaging makes both false: the simplifier must not write ``true``
    (hypothesis found this; PEP 508 has no comparison that selects exactly the versions)."""
    marker = check_marker('platform_release == "3" or platform_release != "3"')
    env = {"platform_release": "linux"}
    assert PMarker('platform_release == "3" or platform_release != "3"').evaluate(env) is False
    assert evaluate(marker, env) is False
    with pytest.raises(NoComplement):
        simplify(marker)


def test_simplification():
    m = lambda s: simplify(check_marker(s))  # noqa: E731
    assert m('sys_platform == "linux" and sys_platform == "win32"') == FALSE
    assert m('sys_platform == "linux" and sys_platform != "linux"') == FALSE
    assert m('sys_platform != "linux" or sys_platform != "win32"') == TRUE
    assert render(m('sys_platform == "linux" and sys_platform != "win32"')) == 'sys_platform == "linux"'
    assert render(m('os_name == "posix" and (os_name == "posix" or sys_platform == "x")')) == 'os_name == "posix"'
    assert render(m("sys_platform == 'linux' and sys_platform == 'linux'")) == 'sys_platform == "linux"'
    assert m('sys_platform < "linux"') == FALSE
    assert render(m('sys_platform >= "linux"')) == 'sys_platform == "linux"'
    assert canonical_text(m('a_b == "1"'.replace("a_b", "os_name") + ' and sys_platform == "x"')) == canonical_text(
        m('sys_platform == "x" and os_name == "1"')
    )


CUDA = {"engine": "vllm", "has_cuda": True, "has_npu": False, "cuda_version": "12.8", "cuda_arch": "sm_90"}
NO_CUDA = {"engine": "vllm", "has_cuda": False, "has_npu": False, "cuda_version": None, "cuda_arch": None}


@pytest.mark.parametrize(
    "text, on_cuda, without_cuda",
    [
        ('#engine# == "vLLM"', True, True),
        ('#model_engine# == "VLLM"', True, True),
        ('#engine# != "sglang"', True, True),
        ('#engine# in "sglang, vllm"', True, True),
        ('#engine# in "sglang transformers"', False, False),
        ('#engine# not in "sglang,transformers"', True, True),
        ("has_cuda", True, False),
        ("not has_cuda", False, True),
        ('has_cuda == "TRUE"', True, False),
        ('has_cuda != "true"', False, True),
        ('cuda_version >= "12.1"', True, False),
        ('cuda_version < "13.0"', True, False),
        ('cuda_version == "12.*"', True, False),
        ('cuda_version == "12"', False, False),
        ('cuda_version != "13.0"', True, True),  # unset: != is true
        ('"12.0" <= cuda_version', True, False),
        ('cuda_arch >= "sm_80"', True, False),
        ('cuda_arch < "sm_100"', True, False),
        ('cuda_arch == "sm_90a"', False, False),
        ('cuda_arch != "sm_90"', False, True),
    ],
)
def test_custom_variables(text, on_cuda, without_cuda):
    marker = check_marker(text)
    assert evaluate(marker, CUDA) is on_cuda
    assert evaluate(marker, NO_CUDA) is without_cuda


def test_arch_order_is_by_compute_capability():
    m = check_marker('cuda_arch < "sm_100"')
    assert evaluate(m, {"cuda_arch": "sm_90"}) and evaluate(m, {"cuda_arch": "sm_86"})
    assert not evaluate(m, {"cuda_arch": "sm_120"}) and not evaluate(m, {"cuda_arch": "sm_100a"})


def test_template_variables_must_be_bound_when_needed():
    m = check_marker('#engine# == "sglang" and cuda_version < "13.0"')
    assert residual(m, {"engine": "vllm"}) == FALSE  # no CUDA value needed
    rest = residual(m, {"engine": "sglang"})
    assert [v.name for v in unbound_custom(rest)] == ["cuda_version"]


def test_short_circuit_never_raises():
    m = check_marker('sys_platform == "win32" and #flavour# == "x"')
    assert evaluate(m, {"sys_platform": "linux"}) is False


def test_a_cover_that_is_not_exact_is_no_form_not_a_crash() -> None:
    """Found by test_simplify_preserves_meaning: a mix of substring and version tests of one
    version field whose DNF cover misses; markerc says PEP 508 has no form for it."""
    marker = check_marker(
        'implementation_name == "3" and implementation_version not in "3" and '
        '(implementation_version == "3" or "3" == implementation_version)'
    )
    with pytest.raises(NoComplement):
        simplify(marker)
