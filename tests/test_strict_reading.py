"""Strict, bounded reading of hub JSON and every other input file (issue 9): duplicate keys,
limits, lone surrogates and NUL, special files; each refused with a code and a location."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from markerc import reading
from markerc.compiler import strictjson
from markerc.diagnostics import MarkercError
from markerc.compiler.hub import HubText, load_hub, parse_hub

from .cli_helpers import ROOT, run_markerc

MODEL = '[{"model_name": "m", "virtualenv": {"packages": ["torch"]}, "extra": %s}]'


def _error(text: str) -> MarkercError:
    with pytest.raises(MarkercError) as err:
        parse_hub(text, "h.json")
    return err.value


def _at(err: MarkercError, text: str, needle: str, nth: int = 0) -> None:
    """The error's location is the ``nth`` occurrence of ``needle`` (one-line documents)."""
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(needle, pos + 1)
    assert err.location is not None
    assert (err.location.line, err.location.column) == (1, pos + 1), (err.location, err.message)


# ---------------------------------------------------------------- duplicate keys


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"packages": ["a"], "packages": ["b"]}', "packages"),
        ('[{"model_name": "m", "virtualenv": {"packages": ["a"], "packages": ["b"]}}]', "packages"),
        ('[{"model_name": "m", "virtualenv": {"packages": []}, "virtualenv": {"packages": ["x"]}}]', "virtualenv"),
        ('[{"model_name": "m", "model_name": "n", "virtualenv": {"packages": []}}]', "model_name"),
        ('[{"model_name": "m", "virtualenv": {"packages": [], "index_url": "a", "index_url": "b"}}]', "index_url"),
        (MODEL % '{"a": 1, "deep": [{"c": 1, "c": 2}]}', "c"),  # a value markerc only skips
        (MODEL % '{"a": 1, "\\u0061": 2}', "a"),  # equal after decoding escapes
    ],
)
def test_duplicate_key_is_an_error_at_the_second_key(text: str, key: str) -> None:
    err = _error(text)
    assert err.code == "MK620" and f"duplicate key {key!r}" in err.message
    second = text.rindex(f'"{key}"') if key != "a" or "\\u0061" not in text else text.index('"\\u0061"')
    assert err.location is not None and err.location.column == second + 1


def test_equal_keys_in_different_objects_are_fine() -> None:
    hub = parse_hub(MODEL % '[{"c": 1}, {"c": 2}, {"d": {"c": 3}}]', "h.json")
    assert hub.records[0].name == "m" and not hub.diagnostics


# ---------------------------------------------------------------- limits


@pytest.mark.parametrize("literal", ["9" * 5000, "-" + "1" * 101, "1." + "5" * 200, "1e" + "0" * 150])
def test_over_long_number_anywhere_is_mk621_at_the_number(literal: str) -> None:
    text = MODEL % f'{{"n": [1, 2, {literal}]}}'
    err = _error(text)
    assert err.code == "MK621" and "number literal" in err.message
    _at(err, text, literal)


def test_number_at_the_limit_is_fine() -> None:
    text = MODEL % ("9" * strictjson.MAX_NUMBER_CHARS)
    assert parse_hub(text, "h.json").records[0].name == "m"


def test_over_long_number_as_a_block_value_is_located() -> None:
    text = '{"packages": ["a"], "no_build_isolation": ' + "1" * 500 + "}"
    err = _error(text)
    assert err.code == "MK621"
    _at(err, text, "1" * 500)


@pytest.mark.parametrize("field", ["model_name", "engine", "entry", "index_url", "key"])
def test_over_long_string_markerc_reads_is_mk621(field: str) -> None:
    long = "a" * (strictjson.MAX_STRING_CHARS + 1)
    block: dict[str, object] = {"packages": ["torch"]}
    model: dict[str, object] = {"model_name": "m", "virtualenv": block}
    if field == "entry":
        block["packages"] = ["torch", long]
    elif field == "index_url":
        block["index_url"] = long
    elif field == "key":
        model[long] = 1
    else:
        model[field] = long
    text = json.dumps([model])
    err = _error(text)
    assert err.code == "MK621" and f"at most {strictjson.MAX_STRING_CHARS}" in err.message
    _at(err, text, '"' + long)


def test_string_at_the_limit_is_fine() -> None:
    name = "n" * strictjson.MAX_STRING_CHARS
    hub = parse_hub(json.dumps([{"model_name": name, "virtualenv": {"packages": []}}]), "h.json")
    assert hub.records[0].name == name


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"packages": ["' + "a" * 3000 + '"]}')
    monkeypatch.setattr("markerc.compiler.hub.MAX_HUB_BYTES", 2048)
    with pytest.raises(MarkercError) as err:
        load_hub(str(path))
    assert err.value.code == "MK621" and "larger than" in err.value.message


def test_read_bytes_stops_at_the_limit_on_a_growing_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert reading.read_bytes(str(path), 100) == b"x" * 100
    with pytest.raises(MarkercError) as err:
        reading.read_bytes(str(path), 99)
    assert err.value.code == "MK621"


# ---------------------------------------------------------------- lone surrogates and NUL


@pytest.mark.parametrize(
    "text",
    [
        '[{"model_name": "m\\ud800", "virtualenv": {"packages": []}}]',
        '[{"model_name": "m", "virtualenv": {"packages": ["torch\\udfff"]}}]',
        '[{"model_name": "m", "virtualenv": {"packages": [], "index_url": "https://x/\\uDBFF"}}]',
        '[{"model_name": "m", "virtualenv": {"packages": []}, "other": ["\\ud83d\\ud83d\\ude00"]}]',
        '[{"model_name": "m", "virtualenv": {"packages": []}, "other": "\\ude00"}]',
    ],
)
def test_lone_surrogate_anywhere_is_mk622_at_the_escape(text: str) -> None:
    err = _error(text)
    assert err.code == "MK622" and "lone surrogate" in err.message
    bad = strictjson.bad_escape(text)
    assert bad is not None
    _at(err, text, text[bad[2] : bad[3]])
    assert text[bad[2] : bad[3]].lower() in ("\\ud800", "\\udfff", "\\udbff", "\\ud83d", "\\ude00")


@pytest.mark.parametrize("where", ["model_name", "entry", "skipped"])
def test_nul_escape_is_mk622(where: str) -> None:
    name = "m\\u0000x" if where == "model_name" else "m"
    entry = "tor\\u0000ch" if where == "entry" else "torch"
    text = f'[{{"model_name": "{name}", "virtualenv": {{"packages": ["{entry}"]}}, "x": ["\\u0000" ]}}]'
    if where != "skipped":
        text = text.replace('["\\u0000" ]', "1")
    err = _error(text)
    assert err.code == "MK622" and "NUL" in err.message
    _at(err, text, "\\u0000")


def test_escaped_backslashes_and_pairs_are_not_mistaken_for_bad_escapes() -> None:
    text = '[{"model_name": "m\\\\ud800 \\\\u0000 \\ud83d\\ude00 \\\\\\\\", "virtualenv": {"packages": []}}]'
    hub = parse_hub(text, "h.json")
    assert hub.records[0].name == "m\\ud800 \\u0000 \U0001f600 \\\\"


# ---------------------------------------------------------------- nesting, positions


def test_deep_nesting_in_a_skipped_value_and_brackets_in_strings() -> None:
    deep = "[" * 150 + "]" * 150
    text = MODEL % f'["]]]]", "[[[[", {deep}]'
    err = _error(text)
    assert err.code == "MK621" and "nested" in err.message


def test_line_and_column_on_one_line_text_counts_from_the_line_start() -> None:
    text = "x" * 1000 + "\n" + "y" * 50
    hub = HubText("t", text)
    assert [hub.line_col(i) for i in (0, 10, 999, 1000, 1001, 1020)] == [
        (1, 1), (1, 11), (1, 1000), (1, 1001), (2, 1), (2, 20),
    ]  # fmt: skip


def test_line_col_does_no_backward_scan_on_a_one_line_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The quadratic step was ``rfind`` from the file's start for every forward query: a
    forward query now looks only at the text it moves over."""
    text = "x" * 100_000
    hub = HubText("t", text)
    looked = []

    class Spy(str):
        def rfind(self, sub: str, *args: int) -> int:  # type: ignore[override]
            looked.append(args)
            return str.rfind(self, sub, *args)

    object.__setattr__(hub, "text", Spy(text))
    for offset in range(0, 100_000, 1000):
        hub.line_col(offset)
    assert all(a[0] > 0 or a[1] - a[0] <= 1000 for a in looked if len(a) == 2)


# ---------------------------------------------------------------- special files


def _special(tmp_path: Path) -> dict[str, str]:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    out = {"fifo": str(fifo), "dir": str(tmp_path), "zero": "/dev/zero", "urandom": "/dev/urandom"}
    link = tmp_path / "link.json"
    link.symlink_to("/dev/zero")
    out["link-to-zero"] = str(link)
    return out


def test_special_files_are_refused_without_reading(tmp_path: Path) -> None:
    for name, path in _special(tmp_path).items():
        with pytest.raises(MarkercError) as err:
            load_hub(path)
        assert err.value.code == "MK205" and "not a regular file" in err.value.message, name
        assert reading.first_line(path) is None


def test_check_and_compile_refuse_special_files_and_never_hang(tmp_path: Path) -> None:
    paths = _special(tmp_path)
    r = run_markerc("check", *paths.values(), cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout.count(": MK205 cannot read") == len(paths) and "Traceback" not in r.stderr
    r = run_markerc("compile", paths["fifo"], "--engine", "vllm", cwd=tmp_path)
    assert r.returncode == 2 and "a FIFO, not a regular file" in r.stderr


@pytest.mark.parametrize("option", ["--target", "--engines", "--config"])
def test_toml_inputs_refuse_special_files(tmp_path: Path, option: str) -> None:
    hub = tmp_path / "hub.json"
    hub.write_text('{"packages": ["a"]}')
    if option == "--config":
        r = run_markerc("check", option, "/dev/zero", str(hub), cwd=tmp_path)
    else:
        r = run_markerc("compile", str(hub), "--engine", "vllm", option, "/dev/zero", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "MK205" in r.stdout + r.stderr and "character device" in r.stdout + r.stderr


def test_a_pyproject_that_is_a_fifo_does_not_stall_check(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pyproject.toml")
    (tmp_path / "hub.json").write_text('{"packages": ["a"]}')
    r = subprocess.run([sys.executable, "-m", "markerc", "check", "hub.json"], check=False, cwd=tmp_path, capture_output=True,
                       text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr


def test_describe_mode_names_each_kind() -> None:
    assert reading.describe_mode(stat.S_IFDIR) == "a directory"
    assert reading.describe_mode(stat.S_IFCHR) == "a character device"
    assert reading.describe_mode(stat.S_IFIFO) == "a FIFO"


# ---------------------------------------------------------------- through the CLI


def test_cli_check_exits_1_and_compile_2_with_locations(tmp_path: Path) -> None:
    text = '[{"model_name": "m", "virtualenv": {"packages": ["a"],\n  "packages": ["b"]}}]\n'
    (tmp_path / "hub.json").write_text(text)
    r = run_markerc("check", "hub.json", cwd=tmp_path)
    assert r.returncode == 1 and "hub.json:2:3: MK620 duplicate key 'packages' (first at 1:37)" in r.stdout
    r = run_markerc("compile", "hub.json", "--engine", "vllm", cwd=tmp_path)
    assert r.returncode == 2 and "hub.json:2:3: MK620" in r.stderr
    (tmp_path / "hub.json").write_text('{"packages": ["a"], "x": ' + "7" * 5000 + "}\n")
    r = run_markerc("check", "hub.json", cwd=tmp_path)
    assert r.returncode == 1 and "hub.json:1:26: MK621 number literal of 5000 characters" in r.stdout


@pytest.mark.parametrize(
    ("body", "message"),
    [("x = " + "9" * 5000, "an integer of more than"), ("x = " + "[" * 5000 + "]" * 5000, "nested too deeply")],
    ids=["integer", "nesting"],
)
def test_toml_past_tomllib_limits_is_mk621_not_an_internal_error(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "t.toml").write_text(f'name = "t"\n{body}\n')
    (tmp_path / "hub.json").write_text('{"packages": ["a"]}')
    r = run_markerc("compile", "hub.json", "--engine", "vllm", "--target", "./t.toml", cwd=tmp_path)
    assert r.returncode == 2 and "t.toml:2:" in r.stderr and "MK621" in r.stderr and message in r.stderr, r.stderr


def test_resolver_output_past_tomllib_limits_is_mk539() -> None:
    from markerc.backends.lockfile import check_output

    with pytest.raises(MarkercError) as err:
        check_output("pylock", 'lock-version = "1.0"\nx = ' + "9" * 5000 + "\n")
    assert err.value.code == "MK539"
