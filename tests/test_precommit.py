"""The published pre-commit hooks, exercised by a real ``pre-commit`` in a throwaway repository.

The hook repository is a temporary git clone of this working tree (tracked files plus untracked
files that git does not ignore), committed so that pre-commit can pin its ``rev``.  pre-commit
builds the hook's virtual environment with ``pip install .`` once per test session
(``PRE_COMMIT_HOME`` is shared), which needs lark and packaging from the package index (and uv,
the ``lock`` extra, for markerc-lock's environment only).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import ROOT

pre_commit = pytest.importorskip("pre_commit", reason="pre-commit is not installed")

try:  # the manifest is YAML; pre-commit depends on PyYAML
    import yaml
except ImportError:  # pragma: no cover
    yaml = None  # type: ignore[assignment]

BAD = """[
  {
    "model_name": "demo",
    "virtualenv": {
      "packages": [
        "#vllm_dependencies# ; #engine# == \\"vllm\\"",
        "transformers>=4.51 ; #engine# == \\"vlm\\""
      ]
    }
  }
]
"""
GOOD = BAD.replace('\\"vlm\\"', '\\"vllm\\"')


def _git(*args: str, cwd: Path) -> str:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
    )
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _run(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
        PRE_COMMIT_COLOR="never",
    )
    env.pop("PYTHONPATH", None)  # the hook must run from its own environment
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=540)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A committed copy of this working tree: (path, sha)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    dest = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    if not (dest / "README.md").exists():  # pyproject names it; a bare checkout may lack it
        (dest / "README.md").write_text("markerc\n", encoding="utf-8")
    _git("init", "-q", cwd=dest)
    _git("add", "-A", cwd=dest)
    _git("commit", "-q", "-m", "hook snapshot", cwd=dest)
    return dest, _git("rev-parse", "HEAD", cwd=dest).strip()


def test_manifest_is_valid() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    if yaml is None:
        pytest.skip("PyYAML absent")
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    check, lock = hooks["markerc-check"], hooks["markerc-lock"]
    assert (check["entry"], check["language"], check["types"]) == ("markerc check", "python", ["json"])
    assert (lock["entry"], lock["language"], lock["pass_filenames"]) == ("markerc lock --fail-on-change", "python", False)
    pattern = re.compile(check["files"])
    for name in ("llm_family.json", "xinference/model/llm/llm_family.json",
                 "xinference/model/audio/model_spec.json", "audio_model_spec.json"):
        assert pattern.search(name), name
    for name in ("package.json", "tsconfig.json", "llm_family.json.bak", "my_family.json"):
        assert not pattern.search(name), name


def test_hook_blocks_a_bad_commit_then_passes(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    repo_path, sha = hook_repo
    work = tmp_path / "hub"
    work.mkdir()
    _git("init", "-q", cwd=work)
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo_path}\n  rev: {sha}\n  hooks:\n  - id: markerc-check\n",
        encoding="utf-8",
    )
    model = work / "llm_family.json"
    model.write_text(BAD, encoding="utf-8")
    (work / "package.json").write_text("{}", encoding="utf-8")  # not a hub file: not passed
    install = _run([sys.executable, "-m", "pre_commit", "install"], work, pre_commit_home)
    assert install.returncode == 0, install.stdout + install.stderr
    _git("add", "-A", cwd=work)

    bad = _run(["git", "commit", "-m", "bad model"], work, pre_commit_home)
    out = bad.stdout + bad.stderr
    if bad.returncode != 0 and "markerc check" not in out:
        pytest.fail(f"pre-commit could not build the hook environment:\n{out[-3000:]}")
    assert bad.returncode != 0, out
    assert "Failed" in out and "- exit code: 1" in out
    assert 'llm_family.json:7:45: MK103 unknown engine \'vlm\'; did you mean \'vllm\'?' in out
    assert "package.json" not in out
    assert _git("rev-list", "--all", cwd=work).strip() == ""  # nothing was committed

    model.write_text(GOOD, encoding="utf-8")
    _git("add", "-A", cwd=work)
    good = _run(["git", "commit", "-m", "good model"], work, pre_commit_home)
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"markerc check .*Passed", good.stdout + good.stderr)
    _assert_check_env_has_no_uv(pre_commit_home, repo_path)


def _assert_check_env_has_no_uv(home: Path, repo_path: Path) -> None:
    """The markerc-check hook installs only what ``check`` needs: markerc, lark, packaging, not
    uv (the ``lock`` extra, which markerc-lock adds as an additional dependency)."""
    import sqlite3

    with sqlite3.connect(home / "db.db") as db:  # pre-commit's own record: repo (":deps" appended) -> clone
        rows = db.execute("SELECT repo, path FROM repos").fetchall()
    clones = [Path(path) for repo, path in rows if repo == str(repo_path)]  # no additional dependencies
    envs = [env for clone in clones for env in clone.glob("py_env-*")]
    assert envs, rows
    for env in envs:
        site = list(env.glob("lib/python*/site-packages")) + list(env.glob("Lib/site-packages"))
        assert site and any((s / "markerc").exists() or list(s.glob("markerc-*")) for s in site), env
        assert not any(list(s.glob("uv")) + list(s.glob("uv-*.dist-info")) for s in site), env
        assert not (env / "bin" / "uv").exists(), env


def test_hook_blocks_each_launch_breaking_mistake(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    """The issue's mistakes (each breaks the model at Xinference launch) fail the hook with the
    defaults, each at its line and column; the upstream spellings (MK302) do not."""
    from tests.test_check_select import MISTAKES
    from tests.test_check import expected_position, model_json

    repo_path, sha = hook_repo
    work = tmp_path / "hub"
    (work / "xinference" / "model" / "llm").mkdir(parents=True)
    _git("init", "-q", cwd=work)
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo_path}\n  rev: {sha}\n  hooks:\n  - id: markerc-check\n",
        encoding="utf-8",
    )
    expected = []
    for n, (entries, entry, at, code) in enumerate(MISTAKES):
        rel = f"xinference/model/llm/m{n}_model_spec.json"
        (work / rel).write_text(model_json([*entries, 'ok ; #engine# == "Transformers"']), encoding="utf-8")
        line, col = expected_position(entries, entry, at)
        expected.append(f"{rel}:{line}:{col}: {code} ")
    _git("add", "-A", cwd=work)
    run = _run([sys.executable, "-m", "pre_commit", "run", "--all-files"], work, pre_commit_home)
    out = run.stdout + run.stderr
    if "markerc check" not in out:
        pytest.fail(f"pre-commit could not build the hook environment:\n{out[-3000:]}")
    assert run.returncode != 0 and "- exit code: 1" in out, out
    for fragment in expected:
        assert fragment in out, (fragment, out[-4000:])
    assert "MK302" not in out


def test_lock_hook_regenerates_and_fails_until_locks_are_committed(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    """markerc-lock works like uv-lock: it rewrites stale locks, so the run fails until the
    regenerated files are committed; then it passes without touching anything."""
    from tests.wheelhouse import WheelSpec, build_wheelhouse, offline_env

    repo_path, sha = hook_repo
    work = tmp_path / "hub"
    work.mkdir()
    _git("init", "-q", cwd=work)
    build_wheelhouse(work / "wheels", [WheelSpec("alpha", "1.0", ("beta>=1",)), WheelSpec("beta", "1.0")])
    (work / "engines.toml").write_text('replace = true\n[engines.vllm]\npackages = ["alpha"]\n', encoding="utf-8")
    (work / "llm_family.json").write_text(
        '[{"model_name": "m", "virtualenv": {"packages": ["#vllm_dependencies# ; #engine# == \\"vllm\\""]}}]\n',
        encoding="utf-8",
    )
    args = ["llm_family.json", "--engine", "vllm", "--engines", "engines.toml", "--no-index",
            "--find-links", "wheels", "--out", "locks", "--format", "requirements"]
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo_path}\n  rev: {sha}\n  hooks:\n  - id: markerc-lock\n    args: {args!r}\n",
        encoding="utf-8",
    )
    _git("add", "-A", cwd=work)
    env_extra = offline_env(str(tmp_path / "uv-cache"))
    os.environ.update({k: v for k, v in env_extra.items() if k.startswith("UV_")})
    try:
        first = _run([sys.executable, "-m", "pre_commit", "run", "--all-files"], work, pre_commit_home)
        out = first.stdout + first.stderr
        if "markerc lock" not in out:
            pytest.fail(f"pre-commit could not build the hook environment:\n{out[-3000:]}")
        assert first.returncode != 0 and "locks/m/universal/requirements.vllm.txt: regenerated" in out, out
        lock = work / "locks" / "m" / "universal" / "requirements.vllm.txt"
        assert "alpha==1.0" in lock.read_text() and "beta==1.0" in lock.read_text()
        _git("add", "-A", cwd=work)
        second = _run([sys.executable, "-m", "pre_commit", "run", "--all-files"], work, pre_commit_home)
        assert second.returncode == 0, second.stdout + second.stderr
    finally:
        for key in env_extra:
            if key.startswith("UV_"):
                os.environ.pop(key, None)
