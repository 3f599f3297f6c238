"""markerc.compiler.filenames reads wheel and sdist names as packaging does (the oracle)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from markerc.compiler.filenames import distribution_name
from tests.conftest import CORPUS


def _oracle(filename: str) -> str | None:
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[0])
        if filename.endswith((".tar.gz", ".zip")):
            return str(parse_sdist_filename(filename)[0])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


NAMES = [
    "flash_attn-2.8.3+cu12torch2.8cxx11abiFALSE-cp311-cp311-linux_x86_64.whl",
    "foo-1.0-py3-none-any.whl",
    "foo_bar-1.0-1-py3-none-any.whl",
    "foo-bar-1.0-py3-none-any.whl",
    "a__b-1.0-py3-none-any.whl",
    "foo-1.0-x-py3-none-any.whl",
    "foo-notaversion-py3-none-any.whl",
    "x-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "foo-1.0.tar.gz",
    "foo-bar-1.0.tar.gz",
    "Foo.Bar-2.0rc1.zip",
    "foo-x.tar.gz",
    "foo.zip",
    "foo.whl",
    "-1.0.tar.gz",
]


@pytest.mark.parametrize("filename", NAMES)
def test_known_names(filename: str) -> None:
    assert distribution_name(filename) == _oracle(filename)


def test_corpus_file_names() -> None:
    if not CORPUS.is_dir():
        pytest.skip("the Xinference corpus is absent")
    names = set()
    for path in CORPUS.glob("*.json"):
        for url in re.findall(r'https?://[^"\s;]+', path.read_text(encoding="utf-8")):
            names.add(url.split("#")[0].split("?")[0].rstrip("/").rsplit("/", 1)[-1])
    assert names
    for name in sorted(names):
        assert distribution_name(name) == _oracle(name), name


_part = st.text(alphabet="abcXYZ019._-+!", min_size=0, max_size=8)


@given(
    parts=st.lists(_part, min_size=1, max_size=7),
    suffix=st.sampled_from([".whl", ".tar.gz", ".zip"]),
)
def test_agrees_with_packaging(parts: list[str], suffix: str) -> None:
    filename = "-".join(parts) + suffix
    assert distribution_name(filename) == _oracle(filename)
