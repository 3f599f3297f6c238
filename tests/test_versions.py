"""``markerc.language.versions`` answers PEP 440 questions without importing ``packaging.specifiers``
(start-up time); these property tests hold each answer equal to packaging's own."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet

from markerc.language.versions import unsatisfiable, valid_specifier, valid_specifier_set
from tests.strategies import STRINGS, VERSIONS, WILDCARDS

SPEC_OPS = ["==", "!=", "<", "<=", ">", ">=", "~=", "==="]
# version-like text: the shared samples, their pieces glued, and odd characters
versions = st.one_of(
    st.sampled_from(VERSIONS + WILDCARDS + STRINGS + ["1.0.*", "1.*.0", "1.0+l.*", "1.0a1.*", "v1.0", "1.0 ", " 1.0"]),
    st.text(alphabet="0123456789.*+!abcdeprlvpost-_ ;", min_size=0, max_size=10),
)


def _packaging_accepts(make: object, text: str) -> bool:
    try:
        make(text)  # type: ignore[operator]
    except InvalidSpecifier:
        return False
    return True


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(SPEC_OPS), versions.filter(lambda v: v == v.strip()))
def test_valid_specifier_is_packagings_answer(op: str, version: str) -> None:
    # ``version`` is a grammar token (no surrounding blanks; valid_specifier_set strips them)
    assert valid_specifier(op, version) == _packaging_accepts(Specifier, op + version), (op, version)


clause = st.tuples(st.sampled_from(SPEC_OPS), st.sampled_from(["", " "]), versions).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(clause, st.sampled_from(["", " ", "abc"])), max_size=3), st.sampled_from([",", ", ", " ,"]))
def test_valid_specifier_set_is_packagings_answer(clauses: list[str], sep: str) -> None:
    text = sep.join(clauses)
    assert valid_specifier_set(text) == _packaging_accepts(SpecifierSet, text), text


def test_valid_specifier_set_examples() -> None:
    assert valid_specifier_set(">=12.0,<13")
    assert valid_specifier_set(" >= 12 , < 13 ")
    assert valid_specifier_set("")
    assert not valid_specifier_set(">=12;")
    assert not valid_specifier_set("~=12")
    assert not valid_specifier_set("12.8")


valid_clause = st.tuples(st.sampled_from(SPEC_OPS), st.sampled_from(VERSIONS + WILDCARDS)).filter(
    lambda c: valid_specifier(*c)
)


@settings(max_examples=300, deadline=None)
@given(st.lists(valid_clause, min_size=0, max_size=3))
def test_unsatisfiable_is_packagings_answer(clauses: list[tuple[str, str]]) -> None:
    expected = SpecifierSet(",".join(op + v for op, v in clauses)).is_unsatisfiable()
    assert unsatisfiable(tuple(clauses)) == expected, clauses


@given(st.one_of(st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,4}", fullmatch=True),
                 st.sampled_from(["v1.2", "0!1.2", "1.2a1", "1.2.post1", "1.2+x", " 1.2", "1.", "٣.٢"])))  # fmt: skip
def test_release_numbers_are_packagings_release(text: str) -> None:
    """A plain release gives ``Version(text).release`` (and is a version with nothing else);
    any other text gives None, whatever packaging makes of it."""
    from packaging.version import InvalidVersion, Version

    from markerc.language.versions import release_numbers

    numbers = release_numbers(text)
    if numbers is None:
        assert not (text.replace(".", "").isascii() and text.replace(".", "").isdigit()
                    and "" not in text.split("."))  # fmt: skip
        return
    try:
        v = Version(text)
    except InvalidVersion:  # pragma: no cover - the assertion below says what went wrong
        raise AssertionError(f"{text!r} is no version to packaging") from None
    assert numbers == v.release and (v.epoch, v.pre, v.post, v.dev, v.local) == (0, None, None, None, None)


plain_release = st.lists(st.integers(0, 3), min_size=1, max_size=4).map(lambda r: ".".join(map(str, r)))


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["<", "<=", ">", ">="]), plain_release), min_size=1, max_size=4))
def test_bounds_on_plain_releases_are_packagings_answer(clauses: list[tuple[str, str]]) -> None:
    """The fast path of ``unsatisfiable`` (bounds on release numbers, trailing zeros, equal and
    crossing bounds, ``<0``) answers as ``SpecifierSet.is_unsatisfiable``."""
    from markerc.language.versions import _range_unsatisfiable

    expected = SpecifierSet(",".join(op + v for op, v in clauses)).is_unsatisfiable()
    assert _range_unsatisfiable(tuple(clauses)) == expected, clauses
    assert unsatisfiable(tuple(clauses)) == expected, clauses


@given(st.one_of(st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}(\+[a-zA-Z0-9]{1,4}(\.[a-zA-Z0-9]{1,3}){0,2})?", fullmatch=True),
                 versions))  # fmt: skip
def test_a_system_version_is_refused_as_packaging_refuses_it(text: str) -> None:
    """``version_problem`` (a target's ``[system]`` pin) answers without packaging for a release
    with a local label, and as ``Version`` does for every text."""
    from packaging.version import InvalidVersion, Version

    from markerc.safety import PLAIN_VERSION, line_problem, version_problem

    try:
        Version(text.strip())
        valid = True
    except (InvalidVersion, ValueError):
        valid = False
    if PLAIN_VERSION.fullmatch(text.strip()):
        assert valid, text
    if line_problem(text, "x", hash_comment=True) is None:
        assert (version_problem("torch", text, "[system]") is None) == valid, text


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!=", "~="]), plain_release), min_size=1, max_size=3),
    plain_release,
)  # fmt: skip
def test_a_plain_release_matches_as_packaging_says(clauses: list[tuple[str, str]], version: str) -> None:
    """``release_matches`` (CUDA versions against the engine table's specifiers and cuda_version
    comparisons) gives ``SpecifierSet.contains``, or None where it leaves the question to it."""
    from markerc.language.versions import release_matches

    text = ",".join(op + v for op, v in clauses)
    answer = release_matches(text, version)
    if any(op == "~=" for op, _ in clauses):
        assert answer is None
        return
    assert answer == SpecifierSet(text, prereleases=True).contains(version, prereleases=True), (text, version)
