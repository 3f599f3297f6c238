"""`markerc diff OLD NEW` through the CLI: cells added, removed and changed; models added,
removed and renamed; lock files going stale; git revisions; hostile names; exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from markerc.review.diff import compare_sets
from markerc.review.diff_records import NameChange
from markerc.compiler.result import CompiledSet, IndexOptions, Line

from .cli_helpers import ROOT, run_markerc
from .conftest import corpus_files

FIX = ROOT / "fixtures"
CUDA128 = str(FIX / "targets" / "linux-cuda128.toml")
CUDA130 = str(FIX / "targets" / "linux-cuda130-aarch64.toml")
MACOS = str(FIX / "targets" / "macos-arm64.toml")
TARGETS = ("--target", CUDA128, "--target", MACOS)


def _write(path: Path, doc: object) -> str:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _fixture() -> list[dict]:
    return json.loads((FIX / "models.json").read_text(encoding="utf-8"))


def _diff_json(*args: str, cwd: Path | None = None) -> tuple[int, dict, str]:
    r = run_markerc("diff", *args, "--format", "json", cwd=cwd)
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, json.loads(r.stdout) if r.stdout else {}, r.stderr


def _cells(doc: dict) -> set[tuple[str, str, str, str]]:
    return {(m["model"], c["engine"], c["target"], c["change"]) for m in doc["models"] for c in m["cells"]}


def test_no_change_is_exit_zero_even_with_exit_code(tmp_path):
    other = _write(tmp_path / "models.json", _fixture())  # reformatted, same content
    r = run_markerc("diff", str(FIX / "models.json"), other, *TARGETS, "--exit-code")
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith("no change in 14 cell(s)\n")
    code, doc, _ = _diff_json(str(FIX / "models.json"), other, *TARGETS)
    assert code == 0 and doc["changed"] is False and doc["models"] == []


def test_cell_changes_models_added_removed_renamed(tmp_path):
    old = _fixture()
    new = json.loads(json.dumps(old))
    chat = new[0]["virtualenv"]["packages"]
    chat[5] = 'transformers>=5.3.0 ; #engine# == "Transformers"'  # changed, transformers only
    chat.append("newpkg>=1 ; #engine# == 'vllm' and sys_platform == 'darwin'")  # added, vllm on macOS only
    chat.remove('decord==0.6.0 ; platform_machine == "x86_64"')  # removed where x86_64 (cuda128)
    new[1]["model_name"] = "demo-speech-renamed"  # same content
    del new[2]  # demo-embed removed
    new.append({"model_name": "fresh", "virtualenv": {"packages": ["#mlx_dependencies# ; #engine# == 'mlx'", "x"]}})
    new.append({"model_name": "no-engine", "virtualenv": {"packages": ["x"]}})  # names no engine: no cells
    a, b = _write(tmp_path / "old.json", old), _write(tmp_path / "new.json", new)
    code, doc, err = _diff_json(a, b, *TARGETS, "--exit-code")
    assert code == 1, err
    changes = {m["model"]: m for m in doc["models"]}
    assert {k: m["change"] for k, m in changes.items()} == {
        "demo-chat": "changed", "demo-speech-renamed": "renamed", "demo-embed": "removed", "fresh": "added",
        "no-engine": "added",
    }
    assert changes["no-engine"]["cells"] == []
    assert changes["demo-speech-renamed"]["old_model"] == "demo-speech"
    assert _cells({"models": [changes["demo-chat"]]}) == {
        ("demo-chat", "transformers", "linux-cuda128", "changed"),
        ("demo-chat", "transformers", "macos-arm64", "changed"),
        ("demo-chat", "vllm", "macos-arm64", "changed"),
        ("demo-chat", "vllm", "linux-cuda128", "changed"),
        ("demo-chat", "sglang", "linux-cuda128", "changed"),
    }
    by = {(c["engine"], c["target"]): c for c in changes["demo-chat"]["cells"]}
    assert by["transformers", "macos-arm64"]["changed"] == [
        {"name": "transformers", "old": ["transformers>=5.2.0"], "new": ["transformers>=5.3.0"]}
    ]
    assert by["vllm", "macos-arm64"]["added"] == ["newpkg>=1"] and by["vllm", "macos-arm64"]["removed"] == []
    assert by["vllm", "linux-cuda128"]["removed"] == ["decord==0.6.0"]
    assert {(c["engine"], c["target"]) for c in changes["fresh"]["cells"]} == {("mlx", "linux-cuda128"), ("mlx", "macos-arm64")}
    assert changes["fresh"]["cells"][0]["added"] == ["mlx-lm>=0.24.0", "x"]
    assert doc["summary"]["models_renamed"] == 1 and doc["summary"]["cells_changed"] == 5
    # text: grouped by target where the change is the same
    r = run_markerc("diff", a, b, *TARGETS)
    assert r.returncode == 0
    assert "new.json: demo-speech -> demo-speech-renamed: renamed (same content)" in r.stdout
    assert "  transformers on macos-arm64: changed (1 changed)\n" \
           "    ~ transformers>=5.2.0 -> transformers>=5.3.0\n" in r.stdout  # fmt: skip
    # decord has no engine marker: every x86_64 cell loses it, transformers' too
    assert "  transformers on linux-cuda128: changed (1 changed, 1 removed)\n" \
           "    ~ transformers>=5.2.0 -> transformers>=5.3.0\n    - decord==0.6.0\n" in r.stdout
    assert "  mlx on linux-cuda128, macos-arm64: added\n    + mlx-lm>=0.24.0\n    + x\n" in r.stdout  # grouped
    assert "new.json: demo-embed: removed (sentence_transformers on linux-cuda128, macos-arm64; flag on" in r.stdout
    # markdown: a summary table and diff blocks
    r = run_markerc("diff", a, b, *TARGETS, "--format", "markdown")
    assert "| `demo-speech` → `demo-speech-renamed` | `new.json` | renamed |" in r.stdout
    assert "```diff\n- transformers>=5.2.0\n+ transformers>=5.3.0\n```" in r.stdout


def test_order_options_and_failures(tmp_path):
    old = [{"model_name": "m", "virtualenv": {"packages": ["a", "b", "c ; #engine# == 'sglang'"]}}]
    new = [{"model_name": "m", "virtualenv": {"packages": ["b", "a", "c>=2 ; #engine# == 'sglang'", "c<1 ; #engine# == 'sglang'"],
                                              "extra_index_url": ["https://mirror.example/simple"]}}]  # fmt: skip
    a, b = _write(tmp_path / "a.json", old), _write(tmp_path / "b.json", new)
    code, doc, err = _diff_json(a, b, "--engine", "vllm,sglang", "--target", MACOS)
    assert code == 2  # the new side fails to compile: an input error
    assert "MK502" in err and f"{b}:" in err
    cells = {c["engine"]: c for c in doc["models"][0]["cells"]}
    assert cells["vllm"]["reordered"] is True and cells["vllm"]["added"] == cells["vllm"]["removed"] == []
    # macOS has no CUDA: the engine's cu130 indexes were dropped; the block's mirror is new
    assert cells["vllm"]["options"] == {"extra_index_url": {"old": [], "new": ["https://mirror.example/simple"]}}
    assert cells["sglang"]["change"] == "fails" and "MK502" in cells["sglang"]["error"]
    # the other way round the cell is fixed: exit 0 (1 with --exit-code)
    code, doc, _ = _diff_json(b, a, "--engine", "vllm,sglang", "--target", MACOS)
    assert code == 0
    fixed = {c["engine"]: c for c in doc["models"][0]["cells"]}["sglang"]
    assert fixed["change"] == "fixed" and "MK502" in fixed["old_error"] and "c" in fixed["added"]


def test_compare_sets_pairs_by_package_name():
    def cs(*lines: tuple[str, str | None]) -> CompiledSet:
        return CompiledSet("h.json", "m", "vllm", tuple(Line(r, m) for r, m in lines), IndexOptions())

    old = cs(("Foo_Bar>=1", None), ("torch==2.8.0", 'sys_platform == "linux"'), ("x", None))
    new = cs(("foo-bar>=2", None), ("torch==2.8.0", None), ("y @ https://h/y-1.0-py3-none-any.whl", None))
    d = compare_sets(old, new, "vllm", None)
    assert d is not None
    assert d.changed == (
        NameChange("foo-bar", ("Foo_Bar>=1",), ("foo-bar>=2",)),
        NameChange("torch", ('torch==2.8.0 ; sys_platform == "linux"',), ("torch==2.8.0",)),
    )
    assert d.removed == ("x",) and d.added == ("y @ https://h/y-1.0-py3-none-any.whl",)
    assert compare_sets(old, old, "vllm", None) is None


def test_locks_stale_orphaned_missing(tmp_path):
    old = _fixture()
    new = json.loads(json.dumps(old))
    new[0]["virtualenv"]["packages"].append("newpkg ; #engine# == 'vllm'")  # demo-chat vllm changes
    new[1]["model_name"] = "speech-2"
    a, b = _write(tmp_path / "old.json", old), _write(tmp_path / "new.json", new)
    locks = tmp_path / "locks"
    for rel in ("demo-chat/linux-cuda128/pylock.vllm.toml", "demo-chat/linux-cuda128/pylock.sglang.toml",
                "demo-speech/linux-cuda128/pylock.vllm.toml"):  # fmt: skip
        (locks / rel).parent.mkdir(parents=True, exist_ok=True)
        (locks / rel).write_text("# lock\n")
    code, doc, err = _diff_json(a, b, "--target", CUDA128, "--locks", str(locks))
    assert code == 0, err
    assert doc["locks"] == {
        "stale": ["demo-chat/linux-cuda128/pylock.vllm.toml"],  # changed, lock present (sglang unchanged)
        "orphaned": ["demo-speech/linux-cuda128/pylock.vllm.toml"],
        "missing": ["speech-2/linux-cuda128/pylock.vllm.toml", "speech-2/linux-cuda128/pylock.mlx.toml"],
    }
    r = run_markerc("diff", a, b, "--target", CUDA128, "--locks", str(locks), "--lock-format", "requirements")
    assert "lock stale" not in r.stdout  # no requirements-format locks there
    assert "lock missing: speech-2/linux-cuda128/requirements.vllm.txt" in r.stdout
    r = run_markerc("diff", a, b, "--target", CUDA128, "--locks", str(tmp_path / "nope"))
    assert r.returncode == 2 and "MK205" in r.stderr


def test_hostile_model_names_are_escaped(tmp_path):
    evil = "<img src=x onerror=alert(1)>|@org/team #1 `tick` x"
    old = [{"model_name": "m", "virtualenv": {"packages": ["a"]}}]
    new = [{"model_name": evil, "virtualenv": {"packages": ["a", "b"]}}]
    a, b = _write(tmp_path / "a.json", old), _write(tmp_path / "b.json", new)
    for fmt in ("text", "markdown", "json"):
        r = run_markerc("diff", a, b, "--engine", "vllm", "--set", "has_cuda=false", "--format", fmt)
        assert r.returncode == 0, r.stderr
    md = run_markerc("diff", a, b, "--engine", "vllm", "--set", "has_cuda=false", "--format", "markdown").stdout
    # the name only ever appears inside a code span (no HTML, mention or reference is rendered)
    assert "| ``<img src=x onerror=alert(1)>\\|@org/team #1 `tick` x`` |" in md
    assert md.count("<img") == md.count("``<img")
    # a name with terminal controls is an input error (MK600): the cell fails, shown escaped
    new[0]["model_name"] = evil + "\x1b[31m\u202e"
    b = _write(tmp_path / "b.json", new)
    for fmt in ("text", "markdown", "json"):
        r = run_markerc("diff", a, b, "--engine", "vllm", "--set", "has_cuda=false", "--format", fmt)
        assert r.returncode == 2 and "MK600" in r.stdout, r.stderr
        assert "\x1b" not in r.stdout + r.stderr and "\u202e" not in r.stdout + r.stderr


def test_input_errors_exit_two(tmp_path):
    good = str(FIX / "models.json")
    bad = tmp_path / "bad.json"
    bad.write_text('[{"model_name": "m", "virtualenv": {"packages": ["a" "b"]}}]')
    r = run_markerc("diff", good, str(bad))
    assert r.returncode == 2 and f"{bad}:1:54: MK201" in r.stderr
    r = run_markerc("diff", good, str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "MK205" in r.stderr
    (tmp_path / "empty").mkdir()
    r = run_markerc("diff", good, str(tmp_path / "empty"))
    assert r.returncode == 2 and "MK571" in r.stderr
    r = run_markerc("diff", good, good, "--model", "no-such-model")
    assert r.returncode == 2 and "MK204" in r.stderr
    r = run_markerc("diff", good, good, "--target", CUDA128, "--target", CUDA128)
    assert r.returncode == 2 and "MK507" in r.stderr
    for args in (["--format", "xml"], ["only-one"]):
        r = run_markerc("diff", good, *args)
        assert r.returncode == 2 and "Traceback" not in r.stderr


# ------------------------------------------------------------------ git revisions


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}  # fmt: skip
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_git_revisions_fixtures(tmp_path):
    repo = tmp_path / "repo"
    (repo / "hub").mkdir(parents=True)
    _write(repo / "hub" / "models.json", _fixture())
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    new = _fixture()
    new[2]["virtualenv"]["packages"].append("embed-extra ; #engine# == 'flag'")
    _write(repo / "hub" / "models.json", new)
    _write(repo / "hub" / "extra.json", {"model_name": "solo", "virtualenv": {"packages": ["#vllm_dependencies#"]}})
    # a revision against the working tree, a file and a folder; from a subfolder with ./
    for old_arg, new_arg, cwd in (("HEAD:hub/models.json", "hub/models.json", repo),
                                  ("HEAD:hub", "hub", repo), ("HEAD:./models.json", "models.json", repo / "hub")):  # fmt: skip
        code, doc, err = _diff_json(old_arg, new_arg, *TARGETS, cwd=cwd)
        assert code == 0, err
        assert ("demo-embed", "flag", "linux-cuda128", "changed") in _cells(doc)
        assert {m["model"] for m in doc["models"] if m["change"] == "changed"} == {"demo-embed"}
    code, doc, _ = _diff_json("HEAD:hub", "hub", *TARGETS, cwd=repo)
    assert doc["files"] == {"added": ["extra.json"], "removed": []}
    # files in name order: extra.json's model first
    assert [(m["file"], m["model"], m["change"]) for m in doc["models"]] == [
        ("extra.json", "solo", "added"), ("models.json", "demo-embed", "changed")]
    # two revisions
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "change")
    code, doc, _ = _diff_json("HEAD~1:hub/models.json", "HEAD:hub/models.json", *TARGETS, cwd=repo)
    assert {m["model"] for m in doc["models"]} == {"demo-embed"}
    # errors: a missing path, a revision that is an option, outside a repository
    r = run_markerc("diff", "HEAD:hub/nope.json", "hub/models.json", cwd=repo)
    assert r.returncode == 2 and "MK570" in r.stderr and "REV:./PATH" in r.stderr
    r = run_markerc("diff", "--", "-c:x", "hub/models.json", cwd=repo)
    assert r.returncode == 2 and "cannot start with '-'" in r.stderr
    r = run_markerc("diff", "HEAD:models.json", str(FIX / "models.json"), cwd=tmp_path)
    assert r.returncode == 2 and "MK570" in r.stderr


# ------------------------------------------------------------------ the real hub


def _real_hub_change(tmp_path: Path) -> tuple[Path, Path]:
    files = corpus_files()
    src = next(f for f in files if f.name == "llm_family.json")
    doc = json.loads(src.read_text(encoding="utf-8"))
    model = next(m for m in doc if m["model_name"] == "qwen3")
    model["virtualenv"]["packages"].append('flash-attn>=2.8 ; #engine# == "vllm" and sys_platform == "linux"')
    new = tmp_path / "llm_family.json"
    new.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return src, new


def test_real_hub_one_model_change(tmp_path):
    src, new = _real_hub_change(tmp_path)
    args = ("--target", CUDA128, "--target", MACOS, "--target", CUDA130)
    code, doc, err = _diff_json(str(src), str(new), *args, "--exit-code")
    assert code == 1, err
    # the entry applies to vllm on Linux: exactly qwen3's two Linux vllm cells
    assert _cells(doc) == {("qwen3", "vllm", "linux-cuda128", "changed"), ("qwen3", "vllm", "linux-cuda130-aarch64", "changed")}
    assert all(c["added"] == ["flash-attn>=2.8"] for m in doc["models"] for c in m["cells"])
    assert doc["summary"]["cells_compared"] > 1500 and doc["errors"] == []


@needs_git
def test_real_hub_git_revisions(tmp_path):
    src, changed = _real_hub_change(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    for f in corpus_files():
        shutil.copy(f, repo / f.name)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    shutil.copy(changed, repo / "llm_family.json")
    code, doc, err = _diff_json("HEAD:llm_family.json", "llm_family.json", "--target", CUDA128, "--target", MACOS, cwd=repo)
    assert code == 0, err
    assert _cells(doc) == {("qwen3", "vllm", "linux-cuda128", "changed")}
    code, doc, err = _diff_json("HEAD:", ".", "--target", CUDA128, cwd=repo)  # the whole hub folder
    assert code == 0, err
    assert _cells(doc) == {("qwen3", "vllm", "linux-cuda128", "changed")}
    md = run_markerc("diff", "HEAD:", ".", "--target", CUDA128, "--format", "markdown", cwd=repo).stdout
    assert "| `qwen3` | `llm_family.json` | changed | `vllm`: `linux-cuda128` |" in md
    assert len(md) < 2000
