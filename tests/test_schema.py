"""The shipped JSON Schema of the hub format (``markerc schema``) against a real validator
(``jsonschema``, a test dependency): it accepts every corpus file and the fixtures, and rejects
exactly the structural mistakes that ``check`` reports as MK202/MK203 errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from markerc.compiler.hub import BLOCK_KEYS, INDEX_STRATEGIES, MODEL_SCHEMA, parse_hub
from tests.cli_helpers import ROOT, run_markerc
from tests.conftest import corpus_files

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = json.loads((ROOT / "markerc" / "data" / "hub.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _valid(document: object) -> bool:
    return not list(VALIDATOR.iter_errors(document))


def test_schema_is_a_valid_draft_2020_12_schema_and_the_command_prints_it() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    proc = run_markerc("schema")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == SCHEMA


def test_schema_states_the_readers_facts() -> None:
    """The shipped schema spells out what the hub reader defines (one fact, two spellings: they
    must not drift): the index strategies, the block's keys and the model object's keys."""
    block = SCHEMA["$defs"]["block"]["properties"]
    assert block["index_strategy"]["enum"] == [*INDEX_STRATEGIES, None]
    assert tuple(block) == BLOCK_KEYS
    assert tuple(SCHEMA["$defs"]["model"]["properties"]) == tuple(MODEL_SCHEMA)


def test_schema_accepts_the_real_hub() -> None:
    for path in corpus_files():
        document = json.loads(path.read_text(encoding="utf-8"))
        errors = [e.message for e in VALIDATOR.iter_errors(document)][:3]
        assert errors == [], (path.name, errors)


@pytest.mark.parametrize("name", ["audio_engines.json", "bare_block.json", "single_model.json"])
def test_schema_accepts_the_fixtures(name: str) -> None:
    assert _valid(json.loads((ROOT / "fixtures" / "hub" / name).read_text(encoding="utf-8")))


MODEL = {"model_name": "m", "virtualenv": {"packages": ["foo"]}}

#: Documents check reports with a structural error (MK202/MK203), and fine ones.
CASES = [
    ([MODEL], None),
    (MODEL, None),
    ({"packages": ["foo"], "index_strategy": "first-index"}, None),
    ([{"model_name": "m"}], None),  # no virtualenv: nothing to install
    ([{"model_name": "m", "virtualenv": None, "engine": None}], None),
    ([dict(MODEL, virtualenv={"packages": [], "mystery": 1})], None),  # MK306 is a warning
    ([{"model_name": "m", "virtualenv": {"packages": ["a"], "extra_index_url": "https://x.example"}}], None),
    ([{"model_name": "m", "virtualenv": {"packages": ["a"], "trusted_host": ["x.example"]}}], None),
    ("a string", "MK202"),
    ([MODEL, "not a model"], "MK202"),
    ([{"virtualenv": {"packages": ["foo"]}}], "MK202"),  # no model_name
    ([{"model_name": 3, "virtualenv": {"packages": ["foo"]}}], "MK202"),
    ([{"model_name": "m", "engine": 7, "virtualenv": {"packages": ["foo"]}}], "MK202"),
    ([{"model_name": "m", "virtualenv": ["x"]}], "MK202"),
    ([{"model_name": "m", "virtualenv": {"index_url": "https://x.example"}}], "MK202"),  # no packages
    ([{"model_name": "m", "virtualenv": {"packages": "foo"}}], "MK202"),
    ([{"model_name": "m", "virtualenv": {"packages": ["ok", 42]}}], "MK202"),
    ([{"model_name": "m", "virtualenv": {"packages": [], "index_url": ["a"]}}], "MK202"),
    ([{"model_name": "m", "virtualenv": {"packages": [], "extra_index_url": 5}}], "MK202"),
    ([{"model_name": "m", "virtualenv": {"packages": [], "find_links": [1]}}], "MK202"),
    ([{"model_name": "m", "virtualenv": {"packages": [], "no_build_isolation": "yes"}}], "MK202"),
    ([{"model_name": "m", "virtualenv": {"packages": [], "inherit_pip_config": 1}}], "MK202"),
    ([{"model_name": "m", "virtualenv": {"packages": [], "index_strategy": "fastest"}}], "MK203"),
    ({"mystery": 1}, "MK202"),  # neither a model object nor a block
]


@pytest.mark.parametrize("document,code", CASES, ids=[str(i) for i in range(len(CASES))])
def test_schema_agrees_with_check(document: object, code: str | None) -> None:
    hub = parse_hub(json.dumps(document, indent=1), "hub.json")
    structural = {d.code for d in hub.diagnostics if d.severity == "error"}
    assert structural == ({code} if code else set()), hub.diagnostics
    assert _valid(document) is (code is None)


def test_the_diagnostics_fixture_is_rejected_with_one_error_per_mistake(tmp_path: Path) -> None:
    document = json.loads((ROOT / "fixtures" / "hub" / "diagnostics.json").read_text(encoding="utf-8"))
    assert not _valid(document)
    proc = run_markerc("check", str(ROOT / "fixtures" / "hub" / "diagnostics.json"))
    assert proc.returncode == 1 and "MK202" in proc.stdout and "MK203" in proc.stdout
