"""Merging on the marker algebra: overrides are exact set differences, lines are grouped by
meaning, conflicts are found wherever conditions overlap, and the library queries that
`markerc check` will share with the compiler (conflicts, companion pins, engine sets)."""

from __future__ import annotations

from dataclasses import dataclass

from markerc.language import algebra
from markerc.compiler.engines import load_engines
from markerc.compiler.companions import companion_conditions
from markerc.language.typecheck import check_marker
from markerc.compiler.merge import clash, conflicts

SPACE = algebra.space(load_engines())


def v(text: str) -> algebra.Node:
    return algebra.value(check_marker(text), SPACE)


@dataclass(frozen=True)
class Req:
    key: str
    specifier: tuple[tuple[str, str], ...]
    url: str | None
    cond: algebra.Node


def test_conflicts_wherever_conditions_overlap():
    a = Req("b", (("<", "1"),), None, v('sys_platform == "linux"'))
    b = Req("b", ((">", "2"),), None, v('python_version >= "3.10"'))
    c = Req("b", ((">", "2"),), None, v('sys_platform == "win32"'))
    found = conflicts([a, b, c])
    assert [(x, y, what) for x, y, what, _ in found] == [(a, b, "requirements no version satisfies")]
    assert algebra.render(found[0][3]) == 'sys_platform == "linux" and python_version >= "3.10"'
    # spelled differently, the same condition: still one overlap
    d = Req("c", ((">=", "3"),), None, v('python_version >= "3.11"'))
    e = Req("c", (("<", "1"),), None, v('python_version >= "3.11" and python_version >= "3.10"'))
    assert d.cond is e.cond and len(conflicts([d, e])) == 1
    # URLs: two different ones clash, a URL and a version range do not
    assert clash((), "https://x/a.whl", (), "https://y/a.whl") == "two different URLs"
    assert clash((), "https://x/a.whl", ((">=", "1"),), None) is None
    assert clash(((">=", "1"),), None, (("<", "9"),), None) is None


def test_companion_conditions_use_implication():
    linux, darwin = v('sys_platform == "linux"'), v('sys_platform == "darwin"')
    # torch only on darwin: the linux torchvision pin needs a torch pin on linux
    assert [(t, c) for t, c in companion_conditions([("tv", linux)], [darwin])] == [("tv", linux)]
    # torch unconditionally, or wherever the pin applies: no companion
    assert companion_conditions([("tv", linux)], [algebra.TRUE]) == []
    assert companion_conditions([("tv", v('sys_platform == "linux" and python_version >= "3.10"'))], [linux]) == []
    # partly covered: only the rest; a second companion under the same condition adds nothing
    (tag, need), = companion_conditions([("tv", algebra.TRUE), ("ta", linux)], [darwin])
    assert tag == "tv" and need is algebra.neg(darwin)


def test_engine_sets():
    assert algebra.engines_where(v('#engine# == "vllm" or #engine# == "sglang"'), SPACE) == {"vllm", "sglang"}
    assert algebra.engines_where(v('#engine# != "vllm" and #engine# == "vllm"'), SPACE) == frozenset()
    assert algebra.implies(v('#engine# == "vllm"'), v('#engine# in "vllm, sglang"'))


# ------------------------------------------------------------------ specifier text

from hypothesis import given
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet

from markerc.compiler.merge import spec_text

_OPS = ("==", "!=", "<=", ">=", "<", ">", "~=")
_VERSIONS = ("1.0", "1.0.0", "1", "2.3", "0.11.2", "1.0.post1", "2.0rc1", "10")


_CLAUSE = st.tuples(st.sampled_from(_OPS), st.sampled_from(_VERSIONS)).filter(
    lambda c: c[0] != "~=" or "." in c[1]  # ~= needs two release numbers (markerc refuses ~=1)
)


@given(st.lists(_CLAUSE, max_size=5))
def test_specifier_text_is_what_packaging_writes(clauses: list[tuple[str, str]]) -> None:
    """Sorted as text, and of clauses packaging counts equal (``>=1.0``, ``>=1.0.0``) the first:
    with or without packaging on the fast path, the same text as ``str(SpecifierSet)``."""
    text = ",".join(op + v for op, v in clauses)
    assert spec_text(tuple(clauses)) == str(SpecifierSet(text))


def test_specifier_text_of_equal_clauses_keeps_one() -> None:
    assert spec_text(((">=", "1.0.0"), (">=", "1.0"), ("<", "2"))) == "<2,>=1.0"
    assert spec_text(((">=", "1.0"), ("<", "2"))) == "<2,>=1.0"
    assert spec_text(()) == ""
