"""The grammar and the parser: every head kind, marker syntax, errors with spans."""

from __future__ import annotations

import functools
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from markerc.diagnostics import MarkercError
from markerc.language.rendering import render_entry
from markerc.language.nodes import And, Bare, BareUrl, Compare, Not, Or, Placeholder, Requirement, SystemPin, Var
from markerc.language.syntax import lark_parser, parse_entry, parse_marker
from markerc.language.typecheck import check_entry

from .conftest import corpus_strings


def test_requirement_forms():
    e = parse_entry("Foo.Bar[x, y] (>=1.0, <2 ,) ; python_version>='3.10'")
    assert e.head == Requirement("Foo.Bar", ("x", "y"), ((">=", "1.0"), ("<", "2")))
    assert e.marker == Compare(Var("python_version"), ">=", "3.10")
    assert parse_entry("a===1.0-foo").head.specifier == (("===", "1.0-foo"),)
    assert parse_entry("vllm==0.24.*").head.specifier == (("==", "0.24.*"),)
    url = parse_entry("en_core_web_sm@https://h/en_core_web_sm-3.8.0-py3-none-any.whl ; #engine# == 'MLX'")
    assert url.head == Requirement("en_core_web_sm", url="https://h/en_core_web_sm-3.8.0-py3-none-any.whl")
    assert url.marker == Compare(Var("engine", True), "==", "MLX")


@pytest.mark.parametrize(
    "text",
    [
        "git+https://github.com/huggingface/diffusers",
        "git+https://github.com/x/y@2da7040be1a2e5f2fcbc8b985083342a308f5a86",
        "https://github.com/w/sgl_kernel-0.3.21+cu130-cp310-abi3-manylinux2014_x86_64.whl",
        "hg+https://h/r#egg=thing",
        "file:/opt/wheels/a-1.0-py3-none-any.whl",
    ],
)
def test_bare_urls(text):
    assert parse_entry(text + " ; has_cuda").head == BareUrl(text)


def test_placeholders_and_system_pins():
    assert parse_entry("#vllm_dependencies#").head == Placeholder("vllm")
    legacy = parse_entry("# vllm_dependencies # ; #engine# == 'vllm'").head
    assert legacy == Placeholder("vllm") and legacy.legacy
    assert parse_entry("#llama.cpp_dependencies#").head == Placeholder("llama.cpp")
    assert parse_entry("#system_torch#").head == SystemPin("torch")
    assert parse_entry("#system_vllm#[audio]").head == SystemPin("vllm", ("audio",))
    odd = parse_entry("#System_torch#").head
    assert odd == SystemPin("torch") and odd.noncanonical
    # the bare legacy form is a plain requirement for the parser; expansion recognises it
    assert parse_entry("vllm_dependencies ; #engine# == 'vllm'").head == Requirement("vllm_dependencies")


def test_marker_precedence_and_not():
    m = parse_marker("not has_cuda or a_b in 'x' and not not has_npu")
    # 'and' binds tighter than 'or'; 'not' tighter than 'and'
    assert isinstance(m, Or)
    assert m.items[0] == Not(Bare(Var("has_cuda")))
    assert isinstance(m.items[1], And)
    assert m.items[1].items[1] == Not(Not(Bare(Var("has_npu"))))
    assert parse_marker('"vllm" == #model_engine#') == Compare(Var("engine", True), "==", "vllm", True)
    assert parse_marker("os.name == 'nt'") == Compare(Var("os_name"), "==", "nt")
    assert parse_marker("x not   in 'abc'").op == "not in"
    assert parse_marker("((((has_cuda))))") == Bare(Var("has_cuda"))


@pytest.mark.parametrize(
    "text, code, col",
    [
        ('x ; (sys_platform == "linux"', "MK001", 28),
        ('x ; sys_platform == "linux', "MK001", 20),
        ("x ; sys_platform = 'linux'", "MK001", 17),
        ("x ; sys_platform == 'linux' $", "MK001", 28),
        ("-r other.txt", "MK002", 0),
        ("  --index-url https://evil", "MK002", 2),
        ("a\nb", "MK003", 1),
        ("a ; has_cuda\0", "MK003", 12),
        ("", "MK004", 0),
        ("   ", "MK004", 0),
        ("# just a comment", "MK004", 0),
        ("x ; " + "(" * 100 + "has_cuda" + ")" * 100, "MK005", 4 + 64),
        ("x ; " + "not " * 80 + "has_cuda", "MK005", 0),
        ("x >= 1.0.0.x", "MK006", 2),
        ("x ; sys_platfrom == 'linux'", "MK101", 4),
        ("x ; #engine# >= 'vllm'", "MK102", 4),
        ("x ; cuda_version >= 'twelve'", "MK102", 4),
        ("x ; cuda_arch >= 'ampere'", "MK102", 4),
        ("x ; has_cuda == 'maybe'", "MK102", 4),
        ("x ; sys_platform ~= 'linux'", "MK102", 4),
        ("x ; sys_platform", "MK102", 4),
        ("#foo#", "MK104", 0),
        ("x ; 'a' == 'b'", "MK105", 4),
        ("x ; sys_platform == os_name", "MK105", 4),
        ("x ; extra == 'gpu'", "MK106", 4),
    ],
)
def test_errors_have_code_and_span(text, code, col):
    with pytest.raises(MarkercError) as info:
        check_entry(text)
    err = info.value
    assert err.code == code, str(err)
    assert err.span is not None and err.span.start == col, str(err)
    rendered = str(err)
    assert rendered.splitlines()[-1].index("^") == 4 + col  # caret under the offending character


def test_did_you_mean():
    with pytest.raises(MarkercError, match="did you mean sys_platform"):
        check_entry("x ; sys_platfrom == 'linux'")
    with pytest.raises(MarkercError, match="did you mean #engine#"):
        check_entry("x ; engine == 'vllm'")


def test_real_corpus_strings_all_parse():
    strings = corpus_strings()
    assert len(strings) == 326
    for s in strings:
        check_entry(s)


# ------------------------------------------------------------------ properties

TERMINALS = {
    "NAME": st.sampled_from(["vllm", "torch", "Foo.Bar", "a-b_c", "x1"]),
    "VERSION": st.sampled_from(["1.0", "2", "0.24.*", "1.0rc1", "2.8.0+cu128", "1!2.0", "0.0.9"]),
    "OP": st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "~="]),
    "URL": st.sampled_from(["https://h/x-1.0-py3-none-any.whl", "git+https://g/r@v1", "file:///w/a.whl"]),
    "BARE_URL": st.sampled_from(["git+https://g/r", "https://h/sgl_kernel-0.3.21-cp310-abi3-any.whl"]),
    "HASH_WORD": st.sampled_from(["#vllm_dependencies#", "#system_torch#", "# sglang_dependencies #"]),
    "TEMPLATE": st.sampled_from(["#engine#", "#model_engine#", "#my_var#", "# engine #"]),
    "VARIABLE": st.sampled_from(["sys_platform", "python_version", "has_cuda", "cuda_version", "platform_machine"]),
    "STRING": st.sampled_from(['"linux"', "'3.10'", '"vllm, sglang"', '"13.0"', "'sm_90'", '"true"']),
    "IN": st.just("in"),
    "NOT_IN": st.sampled_from(["not in", "not  in"]),
    "_NOT": st.just("not"),
    "_AND": st.just("and"),
    "_OR": st.just("or"),
}


@functools.lru_cache(maxsize=None)
def _entries():
    from hypothesis.extra.lark import from_lark

    return from_lark(lark_parser(full=True), start="start", explicit=TERMINALS)


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.deferred(lambda: _entries()))
def test_round_trip(text):
    try:
        first = parse_entry(text)
    except MarkercError:
        assume(False)  # grammatical but semantically invalid (e.g. #foo#, var == var)
    rendered = render_entry(first)
    assert parse_entry(rendered) == first, (text, rendered)
    assert render_entry(parse_entry(rendered)) == rendered


@settings(max_examples=400)
@given(st.text(alphabet=string.printable + "#\u00e9\u2028\0", max_size=60))
def test_arbitrary_text_only_raises_our_error(text):
    try:
        check_entry(text)
    except MarkercError as err:
        assert err.code.startswith("MK") and err.span is not None
        str(err)  # rendering never fails


@settings(max_examples=300)
@given(st.data())
def test_mutated_real_entries_only_raise_our_error(data):
    strings = corpus_strings()
    base = data.draw(st.sampled_from(strings))
    pos = data.draw(st.integers(0, len(base)))
    action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
    ch = data.draw(st.sampled_from(list("()\"'#;=!<>[],@ \\\nxz0.*")))
    if action == "insert":
        text = base[:pos] + ch + base[pos:]
    elif action == "delete":
        text = base[:pos] + base[pos + 1 :]
    else:
        text = base[:pos] + ch + base[pos + 1 :]
    try:
        check_entry(text)
    except MarkercError as err:
        assert err.span is not None
        str(err)


def test_parse_cache_hits():
    parse_entry.cache_clear()
    parse_entry("numpy>=1")
    parse_entry("numpy>=1")
    info = parse_entry.cache_info()
    assert info.hits == 1 and info.misses == 1


def test_generated_parser_matches_the_grammar():
    """markerc/language/_lark_parser.py is generated from grammar/markerc.lark: the grammar it was built
    from is recorded, and it parses exactly as a Lark parser built from the grammar file."""
    from markerc.language import _lark_parser
    from markerc.language.syntax import grammar_digest

    assert _lark_parser.GRAMMAR_SHA256 == grammar_digest(), "run: python -m markerc.language.syntax --regenerate"
    standalone, full = lark_parser(), lark_parser(full=True)
    samples = [
        'vllm[audio]>=0.11,<1 ; #engine# == "vllm" and (has_cuda or not has_npu)',
        "en_core_web_sm@https://h/x.whl ; sys_platform != 'linux' or \"arm\" in platform_machine",
        "#system_torch#[cuda] ; cuda_version >= '12.4'",
        "git+https://github.com/x/y@v1 ; python_version not in '3.8 3.9'",
    ]
    try:
        samples += corpus_strings()
    except pytest.skip.Exception:
        pass
    def plain(node):
        if hasattr(node, "children"):
            return (str(node.data), tuple(plain(c) for c in node.children))
        return (node.type, str(node), node.start_pos, node.end_pos)

    for text in samples:
        assert plain(standalone.parse(text, start="start")) == plain(full.parse(text, start="start")), text


# ---------------------------------------------------------------- reading as packaging 26 reads


ESCAPE_ALPHABET = list("ab'\\xuUN{}0178fF") + ["LATIN SMALL LETTER A", "\u00e9", "\t"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # packaging's literal_eval on "\d"
@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ESCAPE_ALPHABET), max_size=8).map("".join))
def test_quoted_strings_read_as_packaging_reads_them(body):
    """Backslash escapes: packaging decodes Python string-literal escapes (with
    ast.literal_eval); markerc decodes them itself, to the same value, or refuses what
    packaging refuses.  (markerc also refuses an escape that makes a lone surrogate.)"""
    from packaging.markers import InvalidMarker
    from packaging.markers import Marker as PMarker

    text = f'os_name == "{body}"'
    try:
        theirs = PMarker(text)._markers[0][2].value
    except InvalidMarker:
        theirs = None
    try:
        ours = parse_marker(text).value
    except MarkercError as err:
        assert err.code == "MK001", str(err)
        ours = None
    if theirs is not None and any(0xD800 <= ord(c) <= 0xDFFF for c in theirs):
        assert ours is None
    else:
        assert ours == theirs, (body, ours, theirs)


@pytest.mark.parametrize(
    "text, value",
    [('os_name == "\\x41"', "A"), ("os_name == 'C:\\\\'", "C:\\"), ('os_name == "\\d"', "\\d"),
     ('os_name == "\\N{LATIN SMALL LETTER A}"', "a"), ('os_name == "\\\'"', "'")],
)
def test_escapes(text, value):
    assert parse_marker(text).value == value


@pytest.mark.parametrize("text", ['x ; os_name == "C:\\"', 'x ; os_name == "\\x4"', 'x ; os_name == "\\ud800"'])
def test_bad_escapes_are_refused_with_a_position(text):
    with pytest.raises(MarkercError) as info:
        check_entry(text)
    assert info.value.code == "MK001" and info.value.span.start >= text.index('"')


def test_trailing_commas_as_packaging_reads_them():
    from packaging.requirements import InvalidRequirement, Requirement as PRequirement

    # extras: packaging refuses a trailing comma ("Expected extra name after comma")
    for text in ("name[bar, baz,]", "name[bar,]"):
        with pytest.raises(InvalidRequirement):
            PRequirement(text)
        with pytest.raises(MarkercError) as info:
            parse_entry(text)
        assert info.value.code == "MK001"
    # specifiers: packaging accepts one, with or without parentheses
    for text, spec in (("a>=1,", ((">=", "1"),)), ("a (>=1, <2 ,)", ((">=", "1"), ("<", "2")))):
        PRequirement(text)
        assert parse_entry(text).head.specifier == spec
    assert parse_entry("a[]").head.extras == ()
    assert parse_entry("a()").head.specifier == ()  # packaging: empty parentheses, no specifier


@pytest.mark.parametrize(
    "text",
    ["a,", "a>=1,,", "a>=1 ,", "a[]", "a[ ]", "a[,]", "a[b,,c]", "a()", "a ( )", "a(,)", "a (>=1,)",
     "a>=1, ; os_name == 'x'", "a[b] >=1,", "a==1.*,", "a @ https://x.org/y.whl ,"],
)
def test_heads_are_accepted_exactly_where_packaging_accepts_them(text):
    from packaging.requirements import InvalidRequirement, Requirement as PRequirement

    try:
        PRequirement(text)
        theirs = True
    except InvalidRequirement:
        theirs = False
    try:
        parse_entry(text)
        ours = True
    except MarkercError as err:
        assert err.code == "MK001", err
        ours = False
    assert ours == theirs
