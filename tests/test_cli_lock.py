"""`markerc lock`, `markerc install` and `markerc env` through the real CLI, offline: the tests
build a folder of small wheels and use it as the only index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .cli_helpers import ROOT
from .wheelhouse import UNSET_ENV, WheelSpec, build_wheelhouse, offline_env

ENGINES = """replace = true
[engines.vllm]
packages = ["alpha>=1"]
[engines.sglang]
packages = ["delta"]
"""

HUB = [
    {"model_name": "m1", "virtualenv": {"packages": [
        "#vllm_dependencies# ; #engine# == 'vllm'",
        "#sglang_dependencies# ; #engine# == 'sglang'",
        "gamma ; sys_platform == 'linux'",
        "beta<2 ; #engine# == 'sglang'",
    ]}},
    {"model_name": "m2", "virtualenv": {"packages": [
        "#vllm_dependencies# ; #engine# == 'vllm'",
        "#sglang_dependencies# ; #engine# == 'sglang'",
        "gamma ; sys_platform == 'linux'",
        "beta<2 ; #engine# == 'sglang'",
    ]}},
]


@pytest.fixture()
def project(tmp_path_factory):
    base = tmp_path_factory.mktemp("proj")
    build_wheelhouse(base / "wheels", [
        WheelSpec("alpha", "1.0", ("beta>=1",)), WheelSpec("alpha", "2.0", ("beta>=1",)),
        WheelSpec("beta", "1.0"), WheelSpec("beta", "2.0"), WheelSpec("gamma", "1.0"),
        WheelSpec("delta", "1.0", ("gamma>=1",)),
    ])
    (base / "engines.toml").write_text(ENGINES)
    (base / "hub.json").write_text(json.dumps(HUB, indent=2))
    return base


def markerc(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET_ENV}
    env.update(offline_env(str(project / "uv-cache")))
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "markerc", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)


COMMON = ("--engines", "engines.toml", "--no-index", "--find-links", "wheels")


def test_lock_check_cycle(project):
    args = ("lock", "hub.json", "--engine", "all", "--set", "sys_platform=linux", *COMMON, "--out", "locks")
    r = markerc(project, *args, "--check")
    assert r.returncode == 1 and r.stderr.count("missing") >= 4
    assert not (project / "locks" / "m1").exists()
    r = markerc(project, *args, "--jobs", "2")
    assert r.returncode == 0, r.stderr
    vllm = (project / "locks/m1/universal/pylock.vllm.toml").read_text()
    assert 'name = "alpha"\nversion = "2.0"' in vllm and 'name = "beta"\nversion = "2.0"' in vllm  # transitive
    sglang = (project / "locks/m1/universal/pylock.sglang.toml").read_text()
    assert 'name = "beta"\nversion = "1.0"' in sglang and 'name = "delta"' in sglang
    first = {p: p.read_bytes() for p in (project / "locks").rglob("pylock.*.toml")}
    assert len(first) == 4
    assert markerc(project, *args, "--check").returncode == 0
    # the hub changes: --check fails without writing, a re-lock picks the change up
    hub = json.loads((project / "hub.json").read_text())
    hub[0]["virtualenv"]["packages"].append("alpha<2 ; #engine# == 'vllm'")
    (project / "hub.json").write_text(json.dumps(hub, indent=2))
    r = markerc(project, *args, "--check")
    assert r.returncode == 1
    assert "locks/m1/universal/pylock.vllm.toml: MK534 stale: the compiled requirements changed\n" in r.stderr
    assert (project / "locks/m1/universal/pylock.vllm.toml").read_bytes() == first[project / "locks/m1/universal/pylock.vllm.toml"]
    assert markerc(project, *args).returncode == 0
    assert 'name = "alpha"\nversion = "1.0"' in (project / "locks/m1/universal/pylock.vllm.toml").read_text()
    assert markerc(project, *args, "--check").returncode == 0


def test_lock_plan_dedup_and_shards(project):
    args = ("lock", "hub.json", "--engine", "all", "--set", "sys_platform=linux", *COMMON, "--out", "locks")
    r = markerc(project, *args, "--plan")
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["cases"] == 4 and plan["resolutions"] == 2 and plan["saved"] == 2
    keys = set()
    for i in (1, 2):
        part = json.loads(markerc(project, *args, "--plan", "--shard", f"{i}/2").stdout)
        keys |= {j["key"] for j in part["jobs"]}
        assert part["resolutions"] == 1
    assert keys == {j["key"] for j in plan["jobs"]}


def test_lock_uv_format_two_engines(project):
    r = markerc(project, "lock", "hub.json", "--engine", "all", "--model", "m1", *COMMON, "--out", "uvlocks", "--format", "uv")
    assert r.returncode == 0, r.stderr
    pyproject = (project / "uvlocks/m1/pyproject.toml").read_text()
    assert "conflicts" in pyproject and "vllm" in pyproject and "sglang" in pyproject
    lock = (project / "uvlocks/m1/uv.lock").read_text()
    assert 'name = "beta"\nversion = "1.0"' in lock and 'name = "beta"\nversion = "2.0"' in lock


def _dists(venv: Path) -> set[str]:
    py = venv / "bin" / "python"
    out = subprocess.run([str(py), "-I", "-c", "import importlib.metadata as m; print('\\n'.join(sorted(d.metadata['Name'].lower() + '==' + d.version for d in m.distributions())))"],
                         capture_output=True, text=True, check=True).stdout
    return {line for line in out.splitlines() if line.split("==")[0] not in ("pip", "setuptools", "wheel")}


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_install_compiled_set(project, installer):
    venv = project / f"venv-{installer}"
    r = markerc(project, "install", "hub.json", "--engine", "sglang", "--model", "m1", "--set", "sys_platform=linux",
                *COMMON, "--venv", str(venv), "--installer", installer)
    assert r.returncode == 0, r.stderr
    assert _dists(venv) == {"beta==1.0", "delta==1.0", "gamma==1.0"}


def test_install_from_lock_and_dry_run(project):
    args = ("--engine", "vllm", "--model", "m2", "--set", "sys_platform=darwin", *COMMON)
    assert markerc(project, "lock", "hub.json", *args, "--out", "locks", "--format", "requirements").returncode == 0
    lock = project / "locks/m2/universal/requirements.vllm.txt"
    venv = project / "venv-lock"
    r = markerc(project, "install", "hub.json", *args, "--venv", str(venv), "--dry-run", "--lock", str(lock))
    assert r.returncode == 0 and not venv.exists()
    assert "venv" in r.stdout and str(lock) in r.stdout
    r = markerc(project, "install", "hub.json", *args, "--venv", str(venv), "--lock", str(lock))
    assert r.returncode == 0, r.stderr
    assert _dists(venv) == {"alpha==2.0", "beta==2.0"}
    # a lock for another model's requirements, or an edited one, is refused before anything runs
    r = markerc(project, "install", "hub.json", *args[:3], "m1", *args[4:], "--venv", str(venv), "--lock", str(lock))
    assert r.returncode == 0, r.stderr  # m1 and m2 compile to the same requirements for vllm
    r = markerc(project, "install", "hub.json", "--engine", "sglang", "--model", "m2", *args[4:], "--venv",
                str(venv), "--lock", str(lock))  # fmt: skip
    assert r.returncode == 2 and "MK534" in r.stderr and "the compiled requirements changed" in r.stderr
    lock.write_text(lock.read_text().replace("alpha==2.0", "alpha==1.0"))
    r = markerc(project, "install", "hub.json", *args, "--venv", str(venv), "--lock", str(lock))
    assert r.returncode == 2 and "MK537" in r.stderr


def test_env_round_trips_through_target(project):
    r = markerc(project, "env", "--name", "here")
    assert r.returncode == 0, r.stderr
    profile = project / "here.toml"
    profile.write_text(r.stdout)
    assert 'name = "here"' in r.stdout and "[system]" in r.stdout and "has_cuda" in r.stdout
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10 (the oldest .ci/run tests on)
        import tomli as tomllib

    data = tomllib.loads(r.stdout)
    assert data["python_full_version"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    assert "pytest" not in data["system"] and "markerc" not in data["system"]  # markerc's own tooling
    assert "unset" not in data or all(k in ("cuda_version", "cuda_arch") for k in data["unset"])
    assert '= ""' not in r.stdout
    r = markerc(project, "env", "--name", "here", "--with-tooling")
    assert r.returncode == 0, r.stderr
    profile.write_text(r.stdout)
    data = tomllib.loads(r.stdout)
    assert "pytest" in data["system"]
    hub = project / "sys.json"
    hub.write_text(json.dumps({"packages": ["#system_pytest#", "x ; sys_platform == 'linux' and has_cuda", "y ; python_version >= '3.8'"]}))
    via_target = markerc(project, "compile", str(hub), "--engine", "vllm", "--target", str(profile), "--format", "json")
    assert via_target.returncode == 0, via_target.stderr
    flags = [a for k, v in data.items() if k not in ("name", "system", "unset")
             for a in ("--set", f"{k}={str(v).lower() if isinstance(v, bool) else v}")]
    flags += [a for k in data.get("unset", []) for a in ("--set", f"{k}=")]
    flags += [a for k, v in data["system"].items() for a in ("--system", f"{k}={v}")]
    via_flags = markerc(project, "compile", str(hub), "--engine", "vllm", *flags, "--format", "json")
    assert via_flags.returncode == 0, via_flags.stderr
    assert json.loads(via_target.stdout)[0]["requirements"] == json.loads(via_flags.stdout)[0]["requirements"]
    assert json.loads(via_target.stdout)[0]["requirements"][0].startswith("pytest==")
