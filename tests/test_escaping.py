"""Properties of the output escapers (markerc/escaping.py) on arbitrary text."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from markerc.escaping import html_text, md_code, md_text, printable

from .conftest import DEEP

NASTY = st.sampled_from(list("\x00\x1b\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u202e\u200b\ufeff\ud800\ue000`|<>&\"'@#\\ "))
TEXT = st.text(st.one_of(st.characters(), NASTY), max_size=40)
PROPS = settings(max_examples=300 * DEEP, deadline=None)


@PROPS
@given(TEXT)
def test_printable_has_no_hidden_character_and_no_line_break(text):
    out = printable(text)
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") for c in out)
    assert len(out.splitlines()) <= 1  # pip reads requirements files with str.splitlines
    out.encode("utf-8")  # no lone surrogate left


@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_printable_keeps_printable_ascii(text):
    assert printable(text) == text


def test_printable_examples():
    assert printable("a\x1b[2Jb\u202ec\U000e0001") == "a\\x1b[2Jb\\u202ec\\U000e0001"
    assert printable("qwen3 \u4e2d\u6587 é") == "qwen3 \u4e2d\u6587 é"  # visible text is kept


@PROPS
@given(TEXT)
def test_html_text_is_inert(text):
    out = html_text(text)
    assert not set(out) & set("<>\"'")
    assert all(re.match(r"&(?:amp|lt|gt|quot|#x27);", out[i:]) for i, c in enumerate(out) if c == "&")


@PROPS
@given(TEXT)
def test_md_code_is_one_code_span(text):
    out = md_code(text)
    fence = re.match(r"`+", out).group()
    assert out.endswith(fence) and len(out) >= 2 * len(fence) + 1
    inner = out[len(fence): -len(fence)]
    assert fence not in re.findall(r"`+", inner)  # no run of the fence's length inside: it cannot close early
    assert not re.search(r"(?<!\\)\|", inner)  # a table cell stays one cell
    assert "\n" not in out


def test_md_examples():
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b") == "`a\\|b`"
    assert md_text("*x* <b>|[y](z)") == "\\*x\\* \\<b\\>\\|\\[y\\]\\(z\\)"
