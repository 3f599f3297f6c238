"""The lock matrix through the real CLI, offline, against local wheel folders whose wheels carry
real platform tags (manylinux_2_17 / manylinux_2_34, macosx_11_0 / macosx_14_0) and CUDA builds
(``+cu128`` / ``+cu130`` / ``+cpu`` torch, ``nvidia-*-cu12`` / ``-cu13``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .cli_helpers import ROOT
from .wheelhouse import UNSET_ENV, WheelSpec, build_wheelhouse, offline_env, write_sdist

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LINUX_X86 = "py3-none-manylinux_{}_x86_64"
MAC_ARM = "py3-none-macosx_{}_arm64"

WHEELS = [
    # the newest release needs glibc 2.34, the older one runs on 2.17
    WheelSpec("fastlib", "2.0", tag=LINUX_X86.format("2_34")),
    WheelSpec("fastlib", "1.0", tag=LINUX_X86.format("2_17")),
    WheelSpec("fastlib", "2.0", tag=MAC_ARM.format("14_0")),
    WheelSpec("fastlib", "1.0", tag=MAC_ARM.format("11_0")),
    # PyPI's torch: built for CUDA 13, needs the cu13 runtime
    WheelSpec("torch", "2.9.1", ("nvidia-cublas-cu13",)),
    WheelSpec("nvidia-cublas-cu13", "13.0.0"),
    WheelSpec("nvidia-cublas-cu12", "12.8.4"),
    WheelSpec("app", "1.0", ("torch==2.9.1",)),
    WheelSpec("alpha", "1.0"),
    WheelSpec("alpha", "2.0"),
    WheelSpec("gamma", "1.0"),
    WheelSpec("mlx-lm", "0.30.0"),
]
TORCH_INDEX = {  # the PyTorch index, one folder per build
    "cu128": [WheelSpec("torch", "2.9.1+cu128", ("nvidia-cublas-cu12",))],
    "cu130": [WheelSpec("torch", "2.9.1+cu130", ("nvidia-cublas-cu13",))],
    "cpu": [WheelSpec("torch", "2.9.1+cpu")],
}
TARGETS = ("linux-cuda128", "linux-cuda130", "linux-cpu", "macos-arm64")


def engines_toml(base: Path, pinning: bool = True) -> str:
    url = f"{base}/torch/{{backend}}" if pinning else ""
    return f"""
[torch_index]
url = "{url}"
backends = ["cpu", "cu128", "cu130"]

[engines.vllm]
packages = ["alpha>=1"]
"""


HUB = [
    {"model_name": "fast", "virtualenv": {"packages": ["fastlib"]}},
    {"model_name": "gpu", "virtualenv": {"packages": ["app"]}},
    {"model_name": "chat", "virtualenv": {"packages": [
        "#vllm_dependencies# ; #engine# == 'vllm'",
        "mlx-lm ; #engine# == 'mlx'",
        "gamma ; #engine# == 'transformers'",
    ]}},
    {"model_name": "broken", "virtualenv": {"packages": ["gamma", "alpha>5"]}},
    {"model_name": "flagonly", "virtualenv": {"packages": ["#flag_dependencies# ; #engine# == 'flag'"]}},
]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    build_wheelhouse(tmp_path / "wheels", WHEELS)
    for backend, specs in TORCH_INDEX.items():
        build_wheelhouse(tmp_path / "torch" / backend, specs)
    (tmp_path / "engines.toml").write_text(engines_toml(tmp_path))
    (tmp_path / "hub.json").write_text(json.dumps(HUB, indent=2))
    return tmp_path


def markerc(cwd: Path, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET_ENV}
    env.update(offline_env(str((home or cwd) / "uv-cache")))
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "markerc", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def lock_args(*extra: str, targets: tuple[str, ...] = TARGETS) -> list[str]:
    args = ["lock", "hub.json", "--engine", "all", "--engines", "engines.toml", "--find-links", "wheels",
            "--out", "locks", *extra]  # fmt: skip
    for t in targets:
        args += ["--target", t]
    return args


def pins(path: Path) -> dict[str, str]:
    return {p["name"]: p["version"] for p in tomllib.loads(path.read_text())["packages"]}


def test_each_target_gets_what_it_can_install(project: Path) -> None:
    r = markerc(project, *lock_args("--exclude", "broken", "--exclude", "chat", "--exclude", "flagonly"))
    assert r.returncode == 0, r.stderr
    locks = project / "locks"
    # glibc 2.39 (the shipped Linux profiles) takes the manylinux_2_34 wheel; macOS 15 the 14_0 one
    for target in ("linux-cuda128", "linux-cuda130", "linux-cpu", "macos-arm64"):
        assert pins(locks / f"fast/{target}/pylock.default.toml")["fastlib"] == "2.0", target
    # CUDA builds from the torch index of each target's accelerator, never another CUDA's runtime
    assert pins(locks / "gpu/linux-cuda128/pylock.default.toml") == {
        "app": "1.0", "torch": "2.9.1+cu128", "nvidia-cublas-cu12": "12.8.4"}
    assert pins(locks / "gpu/linux-cuda130/pylock.default.toml") == {
        "app": "1.0", "torch": "2.9.1+cu130", "nvidia-cublas-cu13": "13.0.0"}
    assert pins(locks / "gpu/linux-cpu/pylock.default.toml") == {"app": "1.0", "torch": "2.9.1+cpu"}
    # macOS has no torch index: PyPI's build
    assert pins(locks / "gpu/macos-arm64/pylock.default.toml")["torch"] == "2.9.1"
    header = (locks / "gpu/linux-cuda128/pylock.default.toml").read_text().splitlines()[2]
    assert "x86_64-manylinux_2_39 (glibc 2.39)" in header and "cu128 builds of the PyTorch family" in header


def test_platform_facts_reach_the_resolver(project: Path) -> None:
    (project / "markerc.toml").write_text(
        '[targets.old-linux]\nsys_platform = "linux"\nplatform_machine = "x86_64"\npython_version = "3.11"\n'
        'glibc_version = "2.28"\n'
        '[targets.old-mac]\nsys_platform = "darwin"\nplatform_machine = "arm64"\npython_version = "3.11"\n'
        'platform_system = "Darwin"\nplatform_release = "22.6.0"\n'  # Darwin 22 = macOS 13
        '[targets.plain-linux]\nsys_platform = "linux"\nplatform_machine = "x86_64"\npython_version = "3.11"\n'
    )
    r = markerc(project, *lock_args("--model", "fast", targets=("old-linux", "old-mac", "plain-linux")))
    assert r.returncode == 0, r.stderr
    locks = project / "locks"
    assert pins(locks / "fast/old-linux/pylock.default.toml")["fastlib"] == "1.0"
    assert pins(locks / "fast/old-mac/pylock.default.toml")["fastlib"] == "1.0"
    mac = (locks / "fast/old-mac/pylock.default.toml").read_text().splitlines()[2]
    assert "macOS 13.0: derived from Darwin 22.6.0" in mac
    plain = (locks / "fast/plain-linux/pylock.default.toml").read_text().splitlines()[2]
    assert "glibc 2.28: markerc's default, the target does not say" in plain


def test_a_cuda_target_never_gets_another_cudas_runtime(project: Path) -> None:
    (project / "engines.toml").write_text(engines_toml(project, pinning=False))
    r = markerc(project, *lock_args("--model", "gpu", "--report", "report.json", targets=("linux-cuda128",)))
    assert r.returncode == 2
    assert "MK540" in r.stderr and "nvidia-cublas-cu13==13.0.0" in r.stderr
    assert not (project / "locks/gpu/linux-cuda128/pylock.default.toml").exists()
    case = json.loads((project / "report.json").read_text())["cases"][0]
    assert (case["status"], case["cause"], case["code"]) == ("failed", "cuda-mismatch", "MK540")


def where(project: Path, entry: str) -> str:
    """``hub.json:LINE:COL`` of an entry string in the test hub."""
    lines = (project / "hub.json").read_text().splitlines()
    n = next(i for i, ln in enumerate(lines) if f'"{entry}"' in ln)
    return f"hub.json:{n + 1}:{lines[n].index(entry) + 1}"


def test_keep_going_report_everything(project: Path) -> None:
    bad = where(project, "alpha>5")
    r = markerc(project, *lock_args("--report", "report.json", "--jobs", "2", targets=("linux-cuda128",)))
    assert r.returncode == 2
    locks = project / "locks"
    # every good lock is written
    assert (locks / "fast/linux-cuda128/pylock.default.toml").is_file()
    assert (locks / "gpu/linux-cuda128/pylock.default.toml").is_file()
    assert (locks / "chat/linux-cuda128/pylock.vllm.toml").is_file()
    assert (locks / "chat/linux-cuda128/pylock.transformers.toml").is_file()
    assert not (locks / "broken").exists()
    # the failure, located in the hub, with uv's deciding lines
    assert f"{bad}: MK506 uv could not resolve broken/linux-cuda128/pylock.default.toml" in r.stderr
    assert "alpha>5" in r.stderr
    summary = r.stderr[r.stderr.index("target "):]
    assert summary.splitlines()[1].split() == ["linux-cuda128", "4", "0", "1", "2", "0", "0"]
    doc = json.loads((project / "report.json").read_text())
    assert doc["schema"] == "markerc-lock-report/1" and doc["format"] == "pylock"
    assert doc["targets"] == ["linux-cuda128"]
    by_model = {(c["model"], c["engine"]): c for c in doc["cases"]}
    broken = by_model[("broken", "default")]
    assert broken["status"] == "failed" and broken["cause"] == "no-solution"
    assert broken["locations"] == [bad] and "alpha>5" in broken["reason"]
    assert by_model[("fast", "default")]["status"] == "written"
    # mlx does not run on Linux; the flag engine has no packages: both skipped, with the reason
    assert by_model[("chat", "mlx")]["status"] == "skipped" and "darwin only" in by_model[("chat", "mlx")]["reason"]
    assert by_model[("flagonly", "flag")]["status"] == "skipped" and by_model[("flagonly", "flag")]["code"] == "MK533"
    assert doc["summary"]["linux-cuda128"] == {"written": 4, "unchanged": 0, "stale": 0, "missing": 0,
                                               "failed": 1, "skipped": 2, "excluded": 0, "pruned": 0}  # fmt: skip
    for key in ("file", "model", "engine", "target", "status", "output", "reason", "locations"):
        assert all(key in c for c in doc["cases"])
    # a re-run resolves only the failure again; the written locks are answered without uv
    r = markerc(project, *lock_args("--report", "again.json", targets=("linux-cuda128",)))
    again = json.loads((project / "again.json").read_text())
    assert again["resolutions"] == 1 and again["summary"]["linux-cuda128"]["unchanged"] == 4


def test_engines_that_cannot_run_on_the_platform_are_skipped_and_listed(project: Path) -> None:
    r = markerc(project, *lock_args("--plan", "--model", "chat"))
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    skipped = sorted((s["engine"], s["target"]) for s in plan["skipped"])
    assert skipped == [("mlx", "linux-cpu"), ("mlx", "linux-cuda128"), ("mlx", "linux-cuda130"),
                       ("vllm", "macos-arm64")]  # fmt: skip
    assert "4 pair(s) skipped" in r.stderr


def test_check_is_stable_and_names_what_changed(project: Path) -> None:
    base = ["--exclude", "broken", "--exclude", "gpu"]
    r = markerc(project, *lock_args(*base, targets=("linux-cuda128", "macos-arm64")))
    assert r.returncode == 0, r.stderr
    before = {p: p.read_bytes() for p in (project / "locks").rglob("*.toml")}
    # other flag order, absolute paths, another working directory
    sub = project / "sub"
    sub.mkdir()
    variants = [
        ["lock", str(project / "hub.json"), "--target", "macos-arm64", "--out", str(project / "locks"), "--engine",
         "all", "--target", "linux-cuda128", "--find-links", str(project / "wheels"), "--engines",
         str(project / "engines.toml"), "--exclude", "gpu", "--exclude", "broken"],
        ["lock", "../hub.json", "--engine", "all", "--engines", "../engines.toml", "--find-links", "../wheels",
         "--out", "../locks", "--target", "macos-arm64", "--target", "linux-cuda128", *base],
    ]  # fmt: skip
    for cwd, args in zip((project, sub), variants):
        r = markerc(cwd, *args, "--check", home=project)
        assert r.returncode == 0, r.stderr
        assert "0 resolution(s) run" in r.stderr
    # adding an unrelated model and another engine leaves every lock byte-identical
    hub = json.loads((project / "hub.json").read_text())
    hub.insert(0, {"model_name": "new", "virtualenv": {"packages": ["gamma"]}})
    (project / "hub.json").write_text(json.dumps(hub, indent=2))
    r = markerc(project, *lock_args(*base, targets=("linux-cuda128", "macos-arm64")))
    assert r.returncode == 0, r.stderr
    assert {p: p.read_bytes() for p in before} == before
    # a real change: stale, with the reason; nothing written
    hub[1]["virtualenv"]["packages"] = ["fastlib<2"]
    (project / "hub.json").write_text(json.dumps(hub, indent=2))
    r = markerc(project, *lock_args(*base, "--check", targets=("linux-cuda128", "macos-arm64")))
    assert r.returncode == 1
    assert "locks/fast/linux-cuda128/pylock.default.toml: MK534 stale: the compiled requirements changed" in r.stderr
    # another glibc for the same target name: the platform changed
    (project / "markerc.toml").write_text(
        (ROOT / "markerc/data/targets/linux-cuda128.toml").read_text().replace('"2.39"', '"2.31"')
        .replace('name = "linux-cuda128"', '[targets.linux-cuda128]\nname = "linux-cuda128"')
    )  # fmt: skip
    r = markerc(project, *lock_args(*base, "--check", targets=("linux-cuda128",)))
    assert r.returncode == 1 and "locks/chat/linux-cuda128/pylock.vllm.toml: MK534 stale: the target platform changed" in r.stderr
    # an edited lock is stale too, and says so
    (project / "markerc.toml").unlink()
    lock = project / "locks/chat/macos-arm64/pylock.transformers.toml"
    lock.write_text(lock.read_text().replace('version = "1.0"', 'version = "1.1"'))
    r = markerc(project, *lock_args(*base, "--check", targets=("macos-arm64",)))
    assert "pylock.transformers.toml: MK537 stale: the file was changed after markerc wrote it" in r.stderr


def test_exclusions_from_the_command_line_and_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.markerc.lock]\nexclude = [{ model = "broken", reason = "needs alpha 6" }, "gpu:*:linux-cpu"]\n'
    )
    r = markerc(project, *lock_args("--exclude", "chat:transformers", "--report", "r.json",
                                    targets=("linux-cpu",)))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "excluded (MK532): 1 pair(s) default on linux-cpu: excluded by broken:*:* (pyproject.toml [tool.markerc.lock]): needs alpha 6" in r.stderr
    doc = json.loads((project / "r.json").read_text())
    assert doc["summary"]["linux-cpu"]["excluded"] == 3
    assert sorted(c["model"] for c in doc["cases"] if c["status"] == "excluded") == ["broken", "chat", "gpu"]


def test_prune_removes_locks_of_pairs_that_no_longer_exist(project: Path) -> None:
    hub = [m for m in HUB if m["model_name"] in ("fast", "chat")]
    (project / "hub.json").write_text(json.dumps(hub))
    assert markerc(project, *lock_args(targets=("linux-cpu",))).returncode == 0
    (project / "locks/notes.toml").write_text("mine\n")  # not markerc's: never touched
    hub[1]["virtualenv"]["packages"] = ["gamma ; #engine# == 'transformers'"]  # vllm gone
    (project / "hub.json").write_text(json.dumps(hub))
    r = markerc(project, *lock_args("--check", targets=("linux-cpu",)))
    assert r.returncode == 1
    assert "locks/chat/linux-cpu/pylock.vllm.toml: MK536 stale: no case of the matrix writes this file any more" in r.stderr
    # a run for another target, or for one model, does not touch chat's linux-cpu locks
    assert markerc(project, *lock_args("--prune", targets=("macos-arm64",))).returncode == 0
    assert (project / "locks/chat/linux-cpu/pylock.vllm.toml").exists()
    r = markerc(project, *lock_args("--prune", targets=("linux-cpu",)))
    assert r.returncode == 0, r.stderr
    assert "locks/chat/linux-cpu/pylock.vllm.toml: pruned" in r.stderr
    assert not (project / "locks/chat/linux-cpu/pylock.vllm.toml").exists()
    assert (project / "locks/notes.toml").read_text() == "mine\n"
    assert markerc(project, *lock_args("--check", targets=("linux-cpu",))).returncode == 0


def test_no_sdist_build_during_lock_unless_asked(project: Path) -> None:
    marker = project / "backend-ran"
    write_sdist(project / "wheels", "evil", "1.0", str(marker))
    (project / "hub.json").write_text(json.dumps([{"model_name": "m", "virtualenv": {"packages": ["evil"]}}]))
    r = markerc(project, *lock_args("--report", "r.json", targets=("linux-cpu",)))
    assert r.returncode == 2
    assert "MK538" in r.stderr and "--allow-build lets the resolver build sdists" in r.stderr
    assert not marker.exists()
    case = json.loads((project / "r.json").read_text())["cases"][0]
    assert case["cause"] == "sdist-refused"
    r = markerc(project, *lock_args("--allow-build", targets=("linux-cpu",)))
    assert r.returncode == 0, r.stderr
    assert marker.exists()  # asked for on the command line: the backend ran


def test_requirements_locks_carry_hashes_and_the_cache_ignores_itself(project: Path) -> None:
    r = markerc(project, *lock_args("--model", "fast", "--format", "requirements", targets=("linux-cpu",)))
    assert r.returncode == 0, r.stderr
    text = (project / "locks/fast/linux-cpu/requirements.default.txt").read_text()
    assert "fastlib==2.0 \\\n    --hash=sha256:" in text
    assert (project / "locks/.markerc-cache/.gitignore").read_text().splitlines()[-1] == "*"


def test_progress_lines_off_a_terminal() -> None:
    import io

    from markerc.cli import _Progress

    class Clock:
        t = 0.0

        def __call__(self) -> float:
            return self.t

    clock, out = Clock(), io.StringIO()
    progress = _Progress(every=10, clock=clock, stream=out)
    progress(0, 5, "", 0)
    for done, t in ((1, 1), (2, 4), (3, 12), (4, 13), (5, 14)):
        clock.t = t
        progress(done, 5, "x", 1)
    assert out.getvalue().splitlines() == [
        "markerc lock: 5 resolution(s) to run",
        "markerc lock: 3/5 resolved, 1 failed, 12 s",
        "markerc lock: 5/5 resolved, 1 failed, 14 s",
    ]
