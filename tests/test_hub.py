"""markerc.compiler.hub: positional loading of model-hub JSON, diagnostics, record selection."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from markerc.diagnostics import Location, MarkercError
from markerc.compiler.engines import load_engines
from markerc.compiler.hub import HubText, load_hub, parse_hub
from markerc.compiler.select import select_records

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "hub"
CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/xinference"


def canonical(name: str) -> str | None:
    return load_engines().canonical(name)


def codes_at(hub_file) -> list[tuple[str, int, int]]:
    return [(d.code, d.location.line, d.location.column) for d in hub_file.diagnostics]


# ---------------------------------------------------------------------------------------------
# Positions


def test_positions_through_escapes() -> None:
    # line 2: cols 15 = opening quote, a=16, \" 17-18, b=19, \u00e9 20-25, c=26, \n 27-28,
    # d=29, surrogate pair 30-41, e=42, closing quote 43
    text = '{\n "packages": ["a\\"b\\u00e9c\\nd\\ud83d\\ude00e"]}'
    hub = parse_hub(text, "esc.json")
    (entry,) = hub.records[0].block.packages
    assert entry.value == 'a"b\u00e9c\nd\U0001f600e'
    assert len(entry.value) == 9
    line2 = text.index("\n") + 1
    assert entry.raw_offset(0) == line2 + 15
    assert entry.raw_offset(8) == line2 + 41  # 'e' after all escapes
    assert entry.raw_offset(9) == entry.end - 1 == line2 + 42  # closing quote
    assert entry.location(8, 9) == Location("esc.json", 2, 42, 43)
    assert entry.location(7, 8) == Location("esc.json", 2, 30, 42)  # the whole pair
    assert entry.location(3, 4) == Location("esc.json", 2, 20, 26)  # \u00e9
    assert entry.location(6) == Location("esc.json", 2, 29, 43)  # to the end of the value
    assert entry.literal_location == Location("esc.json", 2, 15, 44)


def test_positions_without_escapes_and_literal_astral_character() -> None:
    text = '{"packages": ["\U0001f600 x ; sys_platfrom == \'linux\'"]}'
    (entry,) = parse_hub(text, "p.json").records[0].block.packages
    index = entry.value.index("sys_platfrom")
    # '{' 1, '"packages"' 2-11, ':' 12, ' ' 13, '[' 14, '"' 15, the emoji is one column: 16,
    # ' x ; ' 17-21, 's' 22
    assert entry.location(index, index + len("sys_platfrom")) == Location("p.json", 1, 22, 34)


def test_lone_surrogate_escape_is_refused_at_the_escape() -> None:
    text = '{"packages": ["ok", "\\ud800x"]}'
    with pytest.raises(MarkercError) as err:
        parse_hub(text, "s.json")
    assert err.value.code == "MK622" and "lone surrogate" in err.value.message
    assert (err.value.location.line, err.value.location.column) == (1, text.index("\\ud800") + 1)


def test_surrogate_pair_escape_counts_as_one_character() -> None:
    text = '{"packages": ["\\ud83d\\ude00x"]}'
    (entry,) = parse_hub(text, "s.json").records[0].block.packages
    assert entry.value == "\U0001f600x"
    assert entry.raw_offset(1) == text.index("x")


def test_hubtext_location_forward_and_backward_queries_agree() -> None:
    text = "ab\ncd\n\nefg\n"
    forward = HubText("t", text)
    assert [forward.line_col(i) for i in range(len(text) + 1)] == [
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 1),
        (2, 2),
        (2, 3),
        (3, 1),
        (4, 1),
        (4, 2),
        (4, 3),
        (4, 4),
        (5, 1),
    ]
    backward = HubText("t", text)
    assert [backward.line_col(i) for i in reversed(range(len(text) + 1))] == list(
        reversed([forward.line_col(i) for i in range(len(text) + 1)])
    )
    assert forward.location(3, 5) == Location("t", 2, 1, 3)
    assert forward.location(3, 8) == Location("t", 2, 1, None)  # ends on another line


# ---------------------------------------------------------------------------------------------
# Shapes


def test_single_model_object_with_every_block_key() -> None:
    hub = load_hub(str(FIXTURES / "single_model.json"))
    assert hub.diagnostics == ()
    (record,) = hub.records
    assert (record.index, record.name, record.engine, record.model_format) == (
        0,
        "qwen3",
        None,
        "pytorch",
    )
    block = record.block
    assert [p.value for p in block.packages][
        2
    ] == 'transformers>=5.2.0 ; #engine# == "Transformers"'
    assert block.index_url.value == "https://pypi.org/simple"
    assert [u.value for u in block.extra_index_url] == ["https://download.pytorch.org/whl/cu130"]
    assert [u.value for u in block.find_links] == ["/opt/wheels"]  # a single string
    assert [h.value for h in block.trusted_host] == ["mirror.example.org", "other.example.org"]
    assert block.index_strategy.value == "unsafe-best-match"
    assert block.no_build_isolation is True and block.inherit_pip_config is False
    assert record.location.line == 1 and block.location == Location(hub.path, 4, 17)
    first = block.packages[0]
    assert (first.location().line, first.location().column) == (6, 8)


def test_bare_block_and_its_unknown_key() -> None:
    hub = load_hub(str(FIXTURES / "bare_block.json"))
    (record,) = hub.records
    assert record.name is None and record.engine is None
    assert [p.value for p in record.block.packages] == [
        "numpy<2.3",
        'pandas<3 ; sys_platform == "linux"',
    ]
    assert [u.value for u in record.block.extra_index_url] == [
        "https://download.pytorch.org/whl/cu130"
    ]
    key = '"comment"'
    col = (FIXTURES / "bare_block.json").read_text().index(key) + 1
    assert codes_at(hub) == [("MK306", 1, col)]
    assert hub.diagnostics[0].location.end_column == col + len(key)
    assert hub.diagnostics[0].severity == "warning"


def test_list_of_models_and_model_without_block() -> None:
    text = (
        '[{"model_name": "a", "virtualenv": {"packages": []}},'
        ' {"model_name": "b", "x": {"virtualenv": 1}}]'
    )
    hub = parse_hub(text, "l.json")
    assert hub.diagnostics == ()
    assert [(r.index, r.name, r.block is None) for r in hub.records] == [
        (0, "a", False),
        (1, "b", True),
    ]
    assert hub.records[0].block.packages == ()


def test_top_level_model_object_keeps_block_keys_as_ordinary_model_keys() -> None:
    hub = parse_hub('{"model_name": "m", "packages": 5, "virtualenv": null}', "m.json")
    assert hub.diagnostics == ()
    assert hub.records[0].block is None


def test_every_hub_diagnostic_class_with_line_and_column() -> None:
    hub = load_hub(str(FIXTURES / "diagnostics.json"))
    assert codes_at(hub) == [
        ("MK202", 4, 15),  # "engine": 7
        ("MK202", 6, 26),  # 42 inside packages
        ("MK202", 7, 20),  # index_url is a list
        ("MK202", 8, 26),  # extra_index_url: 5
        ("MK203", 9, 25),  # index_strategy "fastest"
        ("MK202", 10, 29),  # no_build_isolation "yes"
        ("MK306", 12, 7),  # "mystery"
        ("MK202", 17, 19),  # block without packages
        ("MK202", 21, 19),  # virtualenv is a list
        ("MK202", 23, 3),  # a list item that is not an object
    ]
    assert all(d.severity == "error" for d in hub.diagnostics if d.code != "MK306")
    # the loader still returns what it could
    names = [r.name for r in hub.records]
    assert names == ["bad-types", "no-packages", "bad-block"]
    first = hub.records[0]
    assert first.engine is None
    assert [p.value for p in first.block.packages] == ["ok", "also-ok"]
    assert first.block.index_strategy is None and first.block.no_build_isolation is None
    assert hub.records[1].block.index_url.value == "https://example.org/simple"
    assert hub.records[2].block is None
    assert hub.records[2].index == 2


def test_document_of_wrong_shape() -> None:
    assert codes_at(parse_hub('"text"', "s.json")) == [("MK202", 1, 1)]
    assert codes_at(parse_hub(' {"name": 1}', "o.json")) == [("MK202", 1, 2)]
    assert codes_at(parse_hub('[{"virtualenv": {"packages": []}}]', "n.json")) == [("MK202", 1, 2)]
    assert codes_at(parse_hub('{"packages": "numpy"}', "b.json")) == [("MK202", 1, 14)]


# ---------------------------------------------------------------------------------------------
# Invalid input


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("", 1, 1, "Expecting value"),
        ("[1,2", 1, 5, "delimiter"),
        ('[\n  {"model_name": "a",}\n]', 2, 21, "trailing comma"),  # at the comma
        ('{"packages": ["a",\n ]}', 1, 18, "trailing comma"),
        ('[\n  {"model_name": "a", "x": 1 , , "y": 2}\n]', 2, 32, "property name"),
        ('[{"model_name": "a", "specs": [1, 2 3]}]', 1, 37, "delimiter"),  # inside a skipped value
        ('{"packages": ["a" "b"]}', 1, 19, "delimiter"),
        ('{"packages": ["a\\qb"]}', 1, 17, "escape"),
        ('[{"model_name": "a", "x": NaN}]', 1, 27, "NaN"),
        ('[{"model_name": "a", "x": ["NaN", "Infinity", -Infinity]}]', 1, 47, "Infinity"),
        ('{"packages": ["tab\tinside"]}', 1, 19, "control character"),
        ("[] []", 1, 4, "Extra data"),
        ('{"model_name" "a"}', 1, 15, "':'"),
    ],
)
def test_invalid_json_is_mk201_at_the_offending_character(
    text: str, line: int, column: int, words: str
) -> None:
    with pytest.raises(MarkercError) as info:
        parse_hub(text, "bad.json")
    err = info.value
    assert err.code == "MK201"
    assert (err.location.path, err.location.line, err.location.column) == ("bad.json", line, column)
    assert words in err.message


def test_deep_nesting_is_mk621_at_the_bracket_past_the_limit() -> None:
    from markerc.compiler.strictjson import MAX_DEPTH

    deep = "[" * 200_000 + "]" * 200_000
    for text in (f'[{{"model_name": "a", "x": {deep}}}]', f'{{"packages": [{deep}]}}'):
        with pytest.raises(MarkercError) as info:
            parse_hub(text, "deep.json")
        assert info.value.code == "MK621" and f"more than {MAX_DEPTH} levels" in info.value.message
        # the bracket that opens level MAX_DEPTH + 1 (the document's own brackets count)
        opened = 0
        for pos, ch in enumerate(text):
            opened += ch in "[{"
            if opened == MAX_DEPTH + 1:
                break
        assert (info.value.location.line, info.value.location.column) == (1, pos + 1)


def test_nesting_at_the_limit_and_brackets_in_strings_are_fine() -> None:
    from markerc.compiler.strictjson import MAX_DEPTH

    inner = "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)  # the list and the model: 2 levels
    text = f'[{{"model_name": "a", "s": "[[[[\\"[[[", "x": {inner}, "virtualenv": {{"packages": []}}}}]'
    assert parse_hub(text, "n.json").records[0].name == "a"
    with pytest.raises(MarkercError) as info:
        parse_hub(text.replace(inner, "[" + inner + "]"), "n.json")
    assert info.value.code == "MK621"


def test_moderate_nesting_in_skipped_values_is_fine() -> None:
    nested = "[" * 50 + "]" * 50
    hub = parse_hub(
        f'[{{"model_name": "a", "x": {nested}, "virtualenv": {{"packages": []}}}}]', "n.json"
    )
    assert hub.records[0].block is not None


def test_not_utf8_is_mk201_at_the_byte(tmp_path: Path) -> None:
    f = tmp_path / "latin1.json"
    f.write_bytes(b'[\n  {"model_name": "caf\xe9"}\n]\n')
    with pytest.raises(MarkercError) as info:
        load_hub(str(f))
    assert info.value.code == "MK201"
    assert (info.value.location.line, info.value.location.column) == (2, 22)
    # a multi-byte character before the bad byte counts as one column
    f.write_bytes('{"packages": ["é'.encode() + b'\xff"]}')
    with pytest.raises(MarkercError) as info:
        load_hub(str(f))
    assert (info.value.location.line, info.value.location.column) == (1, 17)


def test_bom_is_accepted_and_not_counted(tmp_path: Path) -> None:
    f = tmp_path / "bom.json"
    f.write_bytes(b"\xef\xbb\xbf" + b'{"packages": ["numpy"]}')
    hub = load_hub(str(f))
    (entry,) = hub.records[0].block.packages
    assert entry.location().column == 16
    assert parse_hub("\ufeff[]", "b.json").records == ()


def test_unreadable_file_is_mk205(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.json", tmp_path):
        with pytest.raises(MarkercError) as info:
            load_hub(str(path))
        assert info.value.code == "MK205"
        assert str(path) in info.value.message


# ---------------------------------------------------------------------------------------------
# Selection


def _pick(hub, model, engine):
    return [
        (r.index, r.name, r.engine.value if r.engine else None)
        for r in select_records(hub, model, engine, canonical)
    ]


def test_select_engine_records_of_one_model() -> None:
    hub = load_hub(str(FIXTURES / "audio_engines.json"))
    assert hub.diagnostics == ()
    assert _pick(hub, "whisper-tiny", "transformers") == [(0, "whisper-tiny", "transformers")]
    assert _pick(hub, "whisper-tiny", "mlx") == [(1, "whisper-tiny", "MLX")]
    assert _pick(hub, "whisper-tiny", "MLX") == [(1, "whisper-tiny", "MLX")]
    assert _pick(hub, "whisper-tiny", "vllm") == []  # both records declare another engine
    assert _pick(hub, "whisper-tiny", None) == [
        (0, "whisper-tiny", "transformers"),
        (1, "whisper-tiny", "MLX"),
    ]


def test_select_prefers_the_engine_record_else_the_generic_one() -> None:
    hub = load_hub(str(FIXTURES / "audio_engines.json"))
    assert _pick(hub, "SenseVoiceSmall", "VLLM") == [(5, "SenseVoiceSmall", "vLLM")]
    assert _pick(hub, "SenseVoiceSmall", "transformers") == [(4, "SenseVoiceSmall", None)]
    assert _pick(hub, "Kokoro-82M", "pytorch") == [(3, "Kokoro-82M", "PyTorch")]


def test_select_all_models_for_an_engine() -> None:
    hub = load_hub(str(FIXTURES / "audio_engines.json"))
    assert [i for i, _, _ in _pick(hub, None, "mlx")] == [1, 2, 4]
    assert [i for i, _, _ in _pick(hub, None, "vllm")] == [2, 5]
    assert [i for i, _, _ in _pick(hub, None, None)] == [0, 1, 2, 3, 4, 5]


def test_unknown_model_is_mk204_with_suggestion() -> None:
    hub = load_hub(str(FIXTURES / "audio_engines.json"))
    with pytest.raises(MarkercError) as info:
        select_records(hub, "whisper-tiyn", "mlx", canonical)
    assert info.value.code == "MK204"
    assert "did you mean 'whisper-tiny'" in info.value.message
    assert "audio_engines.json" in info.value.message
    with pytest.raises(MarkercError) as info:
        select_records(hub, "zzzzzzzz", None, canonical)
    assert "did you mean" not in info.value.message


# ---------------------------------------------------------------------------------------------
# The real corpus


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    files = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip("Xinference corpus not available")
    return files


def test_corpus_loads_completely_and_fast(corpus: list[Path]) -> None:
    start = time.perf_counter()
    hubs = [load_hub(str(f)) for f in corpus]
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, elapsed  # the design target is < 0.2 s; leave room for slow CI
    blocks = [r.block for h in hubs for r in h.records if r.block is not None]
    assert len(blocks) == 355
    assert sum(len(b.packages) for b in blocks) == 2052
    assert all(h.diagnostics == () for h in hubs)
    for path, hub in zip(corpus, hubs, strict=False):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert [r.name for r in hub.records] == [m["model_name"] for m in data]
        assert [r.engine.value if r.engine else None for r in hub.records] == [
            m.get("engine") for m in data
        ]
        for record, model in zip(hub.records, data, strict=False):
            venv = model["virtualenv"]
            block = record.block
            assert [p.value for p in block.packages] == venv["packages"]
            assert block.no_build_isolation == venv.get("no_build_isolation")
            assert (block.index_strategy.value if block.index_strategy else None) == venv.get(
                "index_strategy"
            )
            assert [u.value for u in block.extra_index_url] == venv.get("extra_index_url", [])


def test_corpus_positions_point_at_the_literals(corpus: list[Path]) -> None:
    for path in corpus:
        hub = load_hub(str(path))
        lines = hub.hub.text.split("\n")
        for record in hub.records:
            for entry in record.block.packages:
                assert json.loads(hub.hub.text[entry.start : entry.end]) == entry.value
                loc = entry.location(0, 1)
                assert lines[loc.line - 1][loc.column - 2] == '"'
                # the character at each decoded index is where raw_offset says (through escapes)
                for i, ch in enumerate(entry.value):
                    raw = hub.hub.text[entry.raw_offset(i)]
                    assert raw == ch or raw == "\\"


def test_corpus_audio_selection(corpus: list[Path]) -> None:
    hub = load_hub(str(CORPUS / "audio_model_spec.json"))
    picked = select_records(hub, "whisper-tiny", "mlx", canonical)
    assert [r.engine.value for r in picked] == ["MLX"]
    assert (
        select_records(hub, "whisper-tiny", "transformers", canonical)[0].engine.value
        == "transformers"
    )
    # all audio records for transformers: no MLX or PyTorch records among them
    chosen = select_records(hub, None, "transformers", canonical)
    assert chosen and all(r.engine is None or r.engine.value == "transformers" for r in chosen)


def _deepest(text: str) -> int:
    """The nesting depth of JSON text read character by character (strings and escapes as JSON
    reads them): the reference for :func:`markerc.compiler.strictjson.too_deep`'s byte tricks."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


_JSON_STRING_PIECES = st.sampled_from(
    ["a", "[", "{", "]", "}", "\\\"", "\\\\", "\\n", "\\u005c", "\\/", "\\q"]  # \\q: not JSON
)


_JSON_STRINGS = st.lists(_JSON_STRING_PIECES, max_size=6).map(lambda p: '"' + "".join(p) + '"')


@st.composite
def _nested_json(draw: st.DrawFn) -> str:
    """JSON near the depth limit (now and then with an escape JSON lacks, the slow path): two
    chains of nested lists (one of depth 90 to 110),
    with strings full of brackets and escapes beside each level."""
    out = []
    for depth in (draw(st.integers(0, 30)), draw(st.integers(90, 110))):
        strings = [draw(_JSON_STRINGS) for _ in range(depth)]
        out.append("".join(f"[{s}," for s in strings) + "[]" + "]" * depth)
    return "[" + ",".join(out) + "]"


@given(_nested_json())
def test_depth_limit_agrees_with_a_plain_reading(text: str) -> None:
    from markerc.compiler.strictjson import MAX_DEPTH, too_deep

    assert (too_deep(text) is not None) == (_deepest(text) > MAX_DEPTH)


@given(_nested_json())
def test_decoded_depth_agrees_with_the_text_scan(text: str) -> None:
    """What the reader measures on decoded values (:func:`nests_deeper`) is what the text scan
    finds, at the limit and on either side of it."""
    import json

    from markerc.compiler.strictjson import MAX_DEPTH, nests_deeper

    try:
        value = json.loads(text)
    except ValueError:  # an escape JSON lacks: no value to measure
        return
    deepest = _deepest(text)
    for limit in (MAX_DEPTH, deepest - 1, deepest, deepest + 1):
        assert nests_deeper(value, limit) == (deepest > limit), limit
    for scalar in ("a", 1, None, True):
        assert not nests_deeper(scalar, 0)


def test_nesting_is_reported_before_any_other_error_of_the_file() -> None:
    """The reader measures nesting item by item, as it decodes; an error it meets first (a syntax
    error, a string over the limit in an earlier model) still gives way to MK621 nesting, which
    the whole text is scanned for before any other error is raised."""
    from markerc.compiler.strictjson import MAX_DEPTH, MAX_STRING_CHARS

    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    long = "x" * (MAX_STRING_CHARS + 1)
    for first in (
        f'{{"model_name": "{long}", "virtualenv": {{"packages": []}}}}',  # MK621, a long string
        '{"model_name": "a", "virtualenv": {"packages": [1,]}}',  # MK201, a trailing comma
    ):
        text = f'[{first}, {{"model_name": "b", "x": {deep}}}]'
        with pytest.raises(MarkercError) as info:
            parse_hub(text, "d.json")
        assert info.value.code == "MK621" and "nested more than" in info.value.message, first
    # without the deep model, the first error is the other one
    with pytest.raises(MarkercError) as info:
        parse_hub(f'[{{"model_name": "{long}"}}, {{"model_name": "b"}}]', "d.json")
    assert "characters (at most" in info.value.message
