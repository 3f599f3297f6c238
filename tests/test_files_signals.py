"""Files and signals (issue 9): no write through a symlink out of the output folder, --fix and
symlinks, special files everywhere, file modes, atomic sets under SIGTERM/SIGKILL, uv output
validated, lock bodies verified, no sdist build backend run.  Real uv, offline, local wheels."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from markerc import files
from markerc.catalogue.records import stand_in_uv
from markerc.diagnostics import MarkercError

from .cli_helpers import ROOT
from .wheelhouse import UNSET_ENV, WheelSpec, build_wheelhouse, offline_env, write_sdist

HUB = [{"model_name": "demo", "virtualenv": {"packages": ["alpha"]}},
       {"model_name": "other", "virtualenv": {"packages": ["beta"]}}]  # fmt: skip
LOCK = ("lock", "hub.json", "--engine", "vllm", "--target", "linux-cpu", "--out", "locks",
        "--no-index", "--find-links", "wheels")  # fmt: skip
DEMO_LOCK = "locks/demo/linux-cpu/pylock.vllm.toml"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    build_wheelhouse(tmp_path / "wheels", [WheelSpec("alpha", "1.0"), WheelSpec("beta", "1.0")])
    (tmp_path / "hub.json").write_text(json.dumps(HUB, indent=2))
    return tmp_path


def _env(project: Path, pythonpath: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET_ENV}
    env.update(offline_env(str(project / "uv-cache")))
    env["PYTHONPATH"] = (pythonpath + os.pathsep if pythonpath else "") + str(ROOT)
    return env


def markerc(project: Path, *args: str, pythonpath: str = "", umask: int | None = None) -> subprocess.CompletedProcess[str]:
    def preexec() -> None:
        if umask is not None:
            os.umask(umask)

    return subprocess.run([sys.executable, "-m", "markerc", *args], check=False, cwd=project, env=_env(project, pythonpath),
                          capture_output=True, text=True, timeout=300, preexec_fn=preexec)  # fmt: skip


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- symlinks under the output folder


def test_compile_refuses_a_model_folder_linked_out_of_the_output_folder(project: Path) -> None:
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    (project / "out").mkdir()
    (project / "out" / "demo").symlink_to(elsewhere)
    r = markerc(project, "compile", "hub.json", "--engine", "vllm", "-o", "out/")
    assert r.returncode == 2, r.stderr
    assert "out/demo:1:1: MK623 refusing to write out/demo/requirements.vllm.txt" in r.stderr
    assert list(elsewhere.iterdir()) == [] and not (project / "out" / "other").exists()  # nothing written
    # a link that stays inside the output folder is fine
    (project / "out" / "demo").unlink()
    (project / "out" / "real").mkdir()
    (project / "out" / "demo").symlink_to("real")
    r = markerc(project, "compile", "hub.json", "--engine", "vllm", "-o", "out/")
    assert r.returncode == 0, r.stderr
    assert (project / "out" / "real" / "requirements.vllm.txt").is_file()


def test_lock_refuses_a_model_folder_linked_out_of_the_output_folder(project: Path) -> None:
    elsewhere = project / "elsewhere"
    (elsewhere / "linux-cpu").mkdir(parents=True)
    (project / "locks").mkdir()
    (project / "locks" / "demo").symlink_to(elsewhere)
    r = markerc(project, *LOCK)
    assert r.returncode == 2, r.stderr
    assert "MK623" in r.stderr and "outside the output folder" in r.stderr and "Traceback" not in r.stderr
    assert list((elsewhere / "linux-cpu").iterdir()) == []


def test_a_file_link_out_of_the_output_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n")
    (tmp_path / "out" / "a.txt").symlink_to(victim)
    with pytest.raises(MarkercError) as err:
        files.write_all({"a.txt": "new\n", "b.txt": "b\n"}, str(tmp_path / "out"))
    assert err.value.code == "MK623"
    assert victim.read_text() == "mine\n" and not (tmp_path / "out" / "b.txt").exists()


# ---------------------------------------------------------------- check --fix and symlinks


def test_fix_refuses_a_symlinked_hub_unless_told(project: Path) -> None:
    real = project / "real.json"
    real.write_text('{"packages": ["vllm_dependencies ; #engine# == \\"vllm\\""]}\n')
    (project / "linked.json").symlink_to(real)
    r = markerc(project, "check", "--fix", "linked.json")
    assert r.returncode == 2 and "linked.json:1:1: MK624 --fix does not rewrite linked.json" in r.stderr
    assert "--fix-symlinks" in r.stderr and real.read_text() == '{"packages": ["vllm_dependencies ; #engine# == \\"vllm\\""]}\n'
    real.chmod(0o640)
    r = markerc(project, "check", "--fix", "--fix-symlinks", "--select", "MK301", "linked.json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (project / "linked.json").is_symlink()  # the link stays a link ...
    assert real.read_text() == '{"packages": ["#vllm_dependencies# ; #engine# == \\"vllm\\""]}\n'  # ... its target is fixed
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    # without --fix, a symlinked hub is read as usual
    assert markerc(project, "check", "linked.json").returncode == 0


# ---------------------------------------------------------------- special files, modes


def test_lock_check_refuses_a_committed_lock_that_links_to_dev_zero(project: Path) -> None:
    assert markerc(project, *LOCK).returncode == 0
    lock = project / DEMO_LOCK
    lock.unlink()
    lock.symlink_to("/dev/zero")
    r = markerc(project, *LOCK, "--check")  # must not hang (the helper's timeout would fail it)
    assert r.returncode == 2, r.stderr
    assert "MK205" in r.stderr and "character device, not a regular file" in r.stderr


def test_outputs_get_the_umask_mode_and_existing_files_keep_theirs(project: Path) -> None:
    r = markerc(project, "compile", "hub.json", "--engine", "vllm", "-o", "out/", umask=0o027)
    assert r.returncode == 0, r.stderr
    out = project / "out" / "demo" / "requirements.vllm.txt"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    out.chmod(0o600)
    (project / "hub.json").write_text(json.dumps([{"model_name": "demo", "virtualenv": {"packages": ["alpha>=1"]}}]))
    r = markerc(project, "compile", "hub.json", "--engine", "vllm", "-o", "out/", umask=0o022)
    assert r.returncode == 0 and "alpha>=1" in out.read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    r = markerc(project, *LOCK, umask=0o077)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE((project / DEMO_LOCK).stat().st_mode) == 0o600


def test_atomic_write_modes(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        files.atomic_write(str(tmp_path / "new.txt"), "x")
        assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o664
        (tmp_path / "new.txt").chmod(0o751)
        files.atomic_write(str(tmp_path / "new.txt"), "y")
        assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o751
        files.atomic_write(str(tmp_path / "new.txt"), "z", keep_mode=False)
        assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o664
    finally:
        os.umask(old)


# ---------------------------------------------------------------- interrupted writes


def test_a_failure_between_renames_leaves_each_file_old_or_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    files.write_all({"a/x.txt": "old a\n", "b/y.txt": "old b\n", "c/z.txt": "old c\n"}, str(out))
    real_replace = os.replace
    calls = []

    def dying_replace(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # a signal between the first and the second rename
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying_replace)
    new = {"a/x.txt": "new a\n", "b/y.txt": "new b\n", "c/z.txt": "new c\n"}
    with pytest.raises(KeyboardInterrupt):
        files.write_all(new, str(out))
    monkeypatch.setattr(os, "replace", real_replace)
    tree = _tree(out)
    assert set(tree) == set(new)  # no temp file left behind
    assert all(tree[rel] in (b"old " + rel[0].encode() + b"\n", new[rel].encode()) for rel in tree)
    files.write_all(new, str(out))  # a re-run completes the set
    assert _tree(out) == {rel: text.encode() for rel, text in new.items()}


SLOW_UV = """\
import os, sys
def find_uv_bin():
    real = os.environ["REAL_UV"]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "slow-uv")
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\\n"
                 "case \\"$*\\" in *--version*) exec " + real + " \\"$@\\";; esac\\n"
                 "touch " + os.environ["UV_STARTED"] + "\\n"
                 "sleep 60\\n"
                 "exec " + real + " \\"$@\\"\\n")
    os.chmod(path, 0o755)
    return path
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_lock_killed_mid_run_leaves_old_files_and_a_rerun_completes(project: Path, sig: int) -> None:
    assert markerc(project, *LOCK).returncode == 0
    before = _tree(project / "locks")
    (project / "hub.json").write_text(json.dumps([{"model_name": "demo", "virtualenv": {"packages": ["alpha", "beta"]}},
                                                  HUB[1]]))  # fmt: skip
    fake = project / "fake"
    (fake / "uv").mkdir(parents=True)
    (fake / "uv" / "__init__.py").write_text(SLOW_UV)
    from markerc.backends.uvtool import uv_bin

    env = _env(project, str(fake))
    env.update(REAL_UV=uv_bin(), UV_STARTED=str(project / "started"))
    proc = subprocess.Popen([sys.executable, "-m", "markerc", *LOCK], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        for _ in range(600):  # wait (at most 60 s) until the resolver runs
            if (project / "started").exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert (project / "started").exists(), proc.communicate()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == (143 if sig == signal.SIGTERM else -signal.SIGKILL), err
    assert "Traceback" not in err
    after = {rel: data for rel, data in _tree(project / "locks").items() if ".markerc-cache" not in rel}
    assert after == {rel: data for rel, data in before.items() if ".markerc-cache" not in rel}  # every file old
    r = markerc(project, *LOCK)
    assert r.returncode == 0, r.stderr
    assert 'name = "beta"' in (project / DEMO_LOCK).read_text()
    assert markerc(project, *LOCK, "--check").returncode == 0


# ---------------------------------------------------------------- uv's output is validated

GARBAGE_UV = stand_in_uv(
    "garbage-uv",
    "sys.stderr.buffer.write(b'\\x1b]0;owned\\x07 \\xff\\xfe\\x00 done\\n')",
    "out = args[args.index('-o') + 1]",
    "open(out, 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n garbage')",
)


def test_garbage_from_uv_on_success_is_mk539_with_printable_stderr(project: Path) -> None:
    fake = project / "fake"
    (fake / "uv").mkdir(parents=True)
    (fake / "uv" / "__init__.py").write_text(GARBAGE_UV)
    r = markerc(project, *LOCK, pythonpath=str(fake))
    assert r.returncode == 2, r.stderr
    assert "MK539" in r.stderr and "exited 0; its stderr:" in r.stderr
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr and "\\x1b]0;owned\\x07" in r.stderr
    assert not (project / "locks" / "demo").exists()


# ---------------------------------------------------------------- lock bodies are verified


@pytest.mark.parametrize(
    "edit",
    [
        ('version = "1.0"', 'version = "1.1"'),
        ("file:///", "file:///evil/../"),
        ('sha256 = "', 'sha256 = "0'),
    ],
    ids=["version", "url", "sha256"],
)
def test_an_edited_lock_body_is_caught_by_check_and_install(project: Path, edit: tuple[str, str]) -> None:
    assert markerc(project, *LOCK).returncode == 0
    lock = project / DEMO_LOCK
    text = lock.read_text()
    assert edit[0] in text
    header = [ln for ln in text.splitlines() if ln.startswith("#")]
    lock.write_text(text.replace(edit[0], edit[1], 1))
    assert [ln for ln in lock.read_text().splitlines() if ln.startswith("#")] == header  # header kept
    r = markerc(project, *LOCK, "--check")
    assert r.returncode == 1 and "MK537" in r.stderr, r.stderr
    r = markerc(project, "install", "hub.json", "--model", "demo", "--engine", "vllm", "--target", "linux-cpu",
                "--no-index", "--find-links", "wheels", "--venv", str(project / "venv"), "--lock", str(lock))
    assert r.returncode == 2 and "MK537" in r.stderr, r.stderr
    assert not (project / "venv").exists()


# ---------------------------------------------------------------- no build backend runs


@pytest.mark.parametrize("how", ["file-url", "find-links"])
def test_lock_and_lock_check_never_run_an_sdist_backend(project: Path, how: str) -> None:
    canary = project / "BACKEND-RAN"
    sdist = write_sdist(project / ("sdists" if how == "file-url" else "wheels"), "evilpkg", "1.0", str(canary))
    entry = f"evilpkg @ file://{sdist}" if how == "file-url" else "evilpkg"
    (project / "hub.json").write_text(json.dumps([{"model_name": "demo", "virtualenv": {"packages": [entry]}}]))
    # a direct reference is refused in markerc's offline mode (MK551): resolve it with uv offline
    args = LOCK[:-3] if how == "file-url" else LOCK
    r = markerc(project, *args)
    assert r.returncode == 2 and "MK538" in r.stderr, r.stderr
    assert "--allow-build lets the resolver build sdists (it runs their build backends)" in r.stderr
    assert not canary.exists()
    r = markerc(project, *args, "--check")
    assert r.returncode in (1, 2) and not canary.exists(), r.stderr
