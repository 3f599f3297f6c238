"""Outputs that change only when their content does: inserting an unrelated model leaves every
existing `compile -o DIR/` file, every JSON element and every lock file byte-identical (through
the CLI, on the fixtures, the real hub and a local wheel folder)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from markerc.escaping import printable

from .cli_helpers import ROOT, run_markerc
from .conftest import corpus_files
from .test_cli_lock import COMMON, markerc as markerc_offline
from .wheelhouse import WheelSpec, build_wheelhouse

FIX = ROOT / "fixtures"
CUDA128 = str(FIX / "targets" / "linux-cuda128.toml")

UNRELATED = {
    "model_name": "inserted-model",
    "virtualenv": {"packages": ["#vllm_dependencies# ; #engine# == 'vllm'", "unrelated-pkg>=1", "gamma"]},
}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".markerc-cache" not in p.parts}  # fmt: skip


def _insert(path: Path, model: dict, at: int = 0) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.insert(at, model)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")


def _compile_dir(hubs: list[str], cwd: Path, *extra: str) -> dict[str, bytes]:
    r = run_markerc("compile", *hubs, "--engine", "all", "--target", CUDA128, "-o", "out/", *extra, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return _snapshot(cwd / "out")


def test_inserting_a_model_keeps_compile_outputs_identical_fixtures(tmp_path):
    hub = tmp_path / "models.json"
    shutil.copy(FIX / "models.json", hub)
    before = _compile_dir(["models.json"], tmp_path)
    assert len(before) == 7
    _insert(hub, UNRELATED, 0)
    _insert(hub, {**UNRELATED, "model_name": "inserted-2"}, 2)  # between two existing models too
    after = _compile_dir(["models.json"], tmp_path)
    assert {k: after[k] for k in before} == before
    assert set(after) - set(before) == {"inserted-model/requirements.vllm.txt", "inserted-2/requirements.vllm.txt"}
    # the default annotation names entries, not positions; --annotate location would have moved
    text = before["demo-chat/requirements.vllm.txt"].decode()
    assert "# model: #system_numpy#" in text and "models.json:" not in text.split("\n", 3)[3]


def test_annotate_location_is_what_moves(tmp_path):
    hub = tmp_path / "models.json"
    shutil.copy(FIX / "models.json", hub)
    before = _compile_dir(["models.json"], tmp_path, "--annotate", "location")
    assert "# models.json:11:10" in before["demo-chat/requirements.vllm.txt"].decode()
    _insert(hub, UNRELATED, 0)
    after = _compile_dir(["models.json"], tmp_path, "--annotate", "location")
    changed = [k for k in before if after[k] != before[k]]
    assert changed == sorted(before)  # every file carries a position, so every file moved
    none = _compile_dir(["models.json"], tmp_path, "--annotate", "none")
    assert all("  #" not in v.decode() for v in none.values())


def test_json_output_elements_are_stable(tmp_path):
    hub = tmp_path / "models.json"
    shutil.copy(FIX / "models.json", hub)

    def elements(*extra: str) -> list[dict]:
        r = run_markerc("compile", "models.json", "--engine", "all", "--target", CUDA128, "--format", "json",
                        *extra, cwd=tmp_path)  # fmt: skip
        assert r.returncode == 0, r.stderr
        return [d for d in json.loads(r.stdout) if d["model"] != "inserted-model"]

    before, before_loc = elements(), elements("--annotate", "location")
    first = before[0]
    # SPEC 11's fields unchanged, plus a source object aligned with the requirements
    assert list(first)[:5] == ["file", "model", "engine", "requirements", "options"]
    assert len(first["source"]["origins"]) == len(first["requirements"])
    assert first["source"]["origins"][1] == [
        {"layer": "model", "entry": '#system_torch# ; #engine# == "vllm"', "place": "model", "via": None}
    ]
    assert before_loc[0]["source"]["origins"][1][0]["location"] == "models.json:10:10"
    assert "source" not in elements("--annotate", "none")[0]
    _insert(hub, UNRELATED, 0)
    assert elements() == before
    assert elements("--annotate", "location") != before_loc


def test_inserting_a_model_keeps_compile_outputs_identical_real_hub(tmp_path):
    files = corpus_files()
    for f in files:
        shutil.copy(f, tmp_path / f.name)
    names = [f.name for f in files]
    before = _compile_dir(names, tmp_path)
    assert len(before) > 500
    _insert(tmp_path / "llm_family.json", UNRELATED, 0)
    after = _compile_dir(names, tmp_path)
    different = [k for k in before if after.get(k) != before[k]]
    assert different == []
    assert set(after) - set(before) == {"inserted-model/requirements.vllm.txt"}


def test_hub_text_in_comments_and_headers_cannot_break_lines(tmp_path):
    """pip splits requirements files with str.splitlines: a form feed or U+2028 in an entry or
    a model name would start a new requirement line.  markerc refuses them (MK600, located, the
    message made printable); a hub file name, which it cannot refuse, is shown escaped."""
    evil = "x\u2028--index-url https://evil.example\x0c\x1b[2J\u202e"
    for model, entry in ((evil, "a"), ("m", "b ; sys_platform != '\x1b[2J\u202e'")):
        hub = tmp_path / "hub.json"
        hub.write_text(json.dumps([{"model_name": model, "virtualenv": {"packages": [entry]}}]), encoding="utf-8")
        r = run_markerc("compile", "hub.json", "--engine", "vllm", "--set", "sys_platform=linux", cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.startswith("hub.json:1:") and " MK600 " in r.stderr, r.stderr
        assert r.stdout == "" and "\x1b" not in r.stderr and "\u202e" not in r.stderr and "\u2028" not in r.stderr
    name = "h\u2028--index-url https:\x0cevil\x1b[2J\u202e.json"
    (tmp_path / name).write_text(json.dumps([{"model_name": "m", "virtualenv": {"packages": ["a"]}}]), encoding="utf-8")
    r = run_markerc("compile", name, "--engine", "vllm", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == len(r.stdout.split("\n")) - 1  # no extra line breaks
    assert "\x1b" not in r.stdout and "\u202e" not in r.stdout
    assert printable(name) in r.stdout
    lines = [ln for ln in r.stdout.splitlines() if ln and not ln.startswith(("#", "--"))]
    assert lines == ["a  # model: a"]


# ------------------------------------------------------------------ lock outputs


LOCK_HUB = [
    {"model_name": "m1", "virtualenv": {"packages": [
        "#vllm_dependencies# ; #engine# == 'vllm'", "#sglang_dependencies# ; #engine# == 'sglang'",
        "gamma ; sys_platform == 'linux'"]}},
    {"model_name": "m2", "virtualenv": {"packages": [
        "#vllm_dependencies# ; #engine# == 'vllm'", "beta<2 ; #engine# == 'vllm'"]}},
]  # fmt: skip


@pytest.fixture()
def lock_project(tmp_path_factory):
    base = tmp_path_factory.mktemp("stable-lock")
    build_wheelhouse(base / "wheels", [
        WheelSpec("alpha", "1.0", ("beta>=1",)), WheelSpec("alpha", "2.0", ("beta>=1",)),
        WheelSpec("beta", "1.0"), WheelSpec("beta", "2.0"), WheelSpec("gamma", "1.0"),
        WheelSpec("delta", "1.0", ("gamma>=1",)), WheelSpec("unrelated-pkg", "1.0"),
    ])  # fmt: skip
    (base / "engines.toml").write_text(
        'replace = true\n[engines.vllm]\npackages = ["alpha>=1"]\n[engines.sglang]\npackages = ["delta"]\n'
    )
    (base / "hub.json").write_text(json.dumps(LOCK_HUB, indent=2))
    return base


@pytest.mark.parametrize("fmt", ["pylock", "requirements", "uv"])
def test_inserting_a_model_keeps_every_lock_identical(lock_project, fmt):
    """Two independent lock runs (separate folders, separate caches: every case really resolves
    twice) before and after inserting an unrelated model at the top."""
    p = lock_project
    args = ("--engine", "all", "--set", "sys_platform=linux", *COMMON, "--format", fmt)

    def lock(out: str) -> dict[str, bytes]:
        r = markerc_offline(p, "lock", "hub.json", *args, "--out", out)
        assert r.returncode == 0, r.stderr
        return _snapshot(p / out)

    before = lock("locks")
    assert len(before) >= 3
    shutil.copytree(p / "locks", p / "locks-kept")
    _insert(p / "hub.json", UNRELATED, 0)
    after = lock(f"fresh-{fmt}")
    assert {k: after.get(k) for k in before} == before
    assert any(k.startswith("inserted-model/") for k in after)
    # and `lock --check` of the old folder reports only the new model's locks missing, none stale
    r = markerc_offline(p, "lock", "hub.json", *args, "--out", "locks-kept", "--check", "--report", "check.json")
    assert r.returncode == 1
    cases = json.loads((p / "check.json").read_text(encoding="utf-8"))["cases"]
    assert [c for c in cases if c["status"] == "stale"] == []
    missing = [c for c in cases if c["status"] == "missing"]
    assert missing and all(c["model"] == "inserted-model" for c in missing)
    assert {c["status"] for c in cases if c["model"] != "inserted-model"} == {"unchanged"}
