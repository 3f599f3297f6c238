"""Install back end: real venvs, offline, from a local wheel folder."""

from __future__ import annotations

import json
import os
import sys

import pytest

from markerc.backends import install, lock, uvtool
from markerc.diagnostics import Location, MarkercError
from markerc.compiler.result import CompiledSet, IndexOptions, Line, Origin
from tests.wheelhouse import UNSET_ENV, build_wheelhouse, offline_env

SEED = {"pip", "setuptools", "wheel"}  # what `python -m venv` may seed


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("wheelhouse")
    build_wheelhouse(directory)
    return str(directory)


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("uv-cache"))


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, uv_cache: str) -> None:
    for name in UNSET_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in offline_env(uv_cache).items():
        monkeypatch.setenv(name, value)


def compiled(wheelhouse: str, *reqs: str) -> CompiledSet:
    lines = tuple(Line(r, None, (Origin("model", r, Location("hub.json", 2, 9)),)) for r in reqs)
    return CompiledSet("hub.json", "qwen3", "vllm", lines, IndexOptions(no_index=True, find_links=(wheelhouse,)))


def distributions(venv: str) -> set[str]:
    code = "import importlib.metadata as m, json; print(json.dumps([d.metadata['Name'] for d in m.distributions()]))"
    result = uvtool.run_process([uvtool.venv_python(venv), "-I", "-c", code])
    assert result.returncode == 0, result.stderr
    return {n.lower() for n in json.loads(result.stdout)}


def test_commands_uv_and_pip(wheelhouse: str, tmp_path) -> None:
    cs = compiled(wheelhouse, "alpha<2")
    venv = str(tmp_path / "env")
    vpy = os.path.join(venv, "bin", "python") if sys.platform != "win32" else os.path.join(venv, "Scripts", "python.exe")
    cmds = install.install_commands(cs, venv=venv, system_site_packages=True, python="3.11", uv="uv")
    assert cmds == (
        ("uv", "venv", venv, "--system-site-packages", "--python", "3.11"),
        ("uv", "pip", "install", "--python", vpy, "-r", install.REQUIREMENTS_PLACEHOLDER,
         "--no-build", "--no-index", "--find-links", wheelhouse),
    )  # fmt: skip
    cmds = install.install_commands(cs, venv=venv, installer="pip", python="/usr/bin/python3")
    assert cmds == (
        ("/usr/bin/python3", "-m", "venv", venv),
        (vpy, "-m", "pip", "install", "-r", install.REQUIREMENTS_PLACEHOLDER, "--only-binary", ":all:",
         "--no-index", "--find-links", wheelhouse),
    )  # fmt: skip
    cmds = install.install_commands(None, venv=venv, lock_file="locks/pylock.vllm.toml", uv="uv")
    assert cmds[-1] == ("uv", "pip", "install", "--python", vpy, "-r", "locks/pylock.vllm.toml",
                        "--preview-features", "pylock", "--no-build")  # fmt: skip
    # building sdists is the command line's choice, never the hub's
    cmds = install.install_commands(cs, venv=venv, uv="uv", allow_build=True)
    assert "--no-build" not in cmds[-1]
    cmds = install.install_commands(cs, venv=venv, installer="pip", allow_build=True)
    assert "--only-binary" not in cmds[-1]
    with pytest.raises(MarkercError) as err:
        install.install_commands(cs, venv=venv, installer="pip", lock_file="pylock.toml")
    assert err.value.code == "MK507"
    with pytest.raises(MarkercError):
        install.install_commands(None, venv=venv)
    with pytest.raises(MarkercError):
        install.install_commands(cs, venv=venv, installer="conda")


def test_venv_python_paths() -> None:
    assert uvtool.venv_python("v", windows=True) == os.path.join("v", "Scripts", "python.exe")
    assert uvtool.venv_python("v", windows=False) == os.path.join("v", "bin", "python")
    assert install.is_pylock("a/pylock.toml") and install.is_pylock("pylock.vllm.toml")
    assert not install.is_pylock("pylock.llama.cpp.toml") and not install.is_pylock("requirements.txt")


def test_dry_run_changes_nothing(wheelhouse: str, tmp_path) -> None:
    venv = str(tmp_path / "env")

    def forbidden(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("dry run ran a process")

    report = install.run_install(compiled(wheelhouse, "alpha<2"), venv=venv, dry_run=True, runner=forbidden)
    assert report.dry_run and not report.created
    assert len(report.commands) == 2 and install.REQUIREMENTS_PLACEHOLDER in report.commands[1]
    assert report.requirements == ("alpha<2",)
    assert not os.path.exists(venv) and os.listdir(tmp_path) == []


def test_install_with_uv_exact_distributions(wheelhouse: str, tmp_path) -> None:
    venv = str(tmp_path / "env")
    steps: list[int] = []
    report = install.run_install(compiled(wheelhouse, "alpha<2", "gamma"), venv=venv, python=sys.executable,
                                 progress=lambda s, _t, _w: steps.append(s))  # fmt: skip
    assert report.created and steps == [1, 2]
    assert all(install.REQUIREMENTS_PLACEHOLDER in c or "venv" in c for c in report.commands)
    assert distributions(venv) == {"alpha", "beta", "gamma"}
    # second run: venv exists, no creation
    again = install.run_install(compiled(wheelhouse, "delta"), venv=venv)
    assert not again.created and len(again.commands) == 1
    assert distributions(venv) == {"alpha", "beta", "gamma", "delta"}


def test_install_with_pip_exact_distributions(wheelhouse: str, tmp_path) -> None:
    venv = str(tmp_path / "env")
    report = install.run_install(compiled(wheelhouse, "alpha<2"), venv=venv, installer="pip")
    assert report.created and report.commands[0][1:3] == ("-m", "venv")
    found = distributions(venv)
    assert found - SEED == {"alpha", "beta"} and "pip" in found


def test_install_from_pylock_lock(wheelhouse: str, tmp_path) -> None:
    out = str(tmp_path / "locks")
    cs = compiled(wheelhouse, "alpha<2")
    lock.run_lock(lock.plan([cs], settings=lock.Settings("uv (tests)")), out, cache_dir=None)
    lock_file = os.path.join(out, lock.output_path(cs, "pylock"))
    venv = str(tmp_path / "env")
    report = install.run_install(None, venv=venv, lock_file=lock_file, python=sys.executable)
    assert report.lock_file == lock_file and report.requirements == ()
    assert distributions(venv) == {"alpha", "beta"}


def test_install_failure_is_mk506(wheelhouse: str, tmp_path) -> None:
    with pytest.raises(MarkercError) as err:
        install.run_install(compiled(wheelhouse, "alpha>5"), venv=str(tmp_path / "env"), python=sys.executable)
    assert err.value.code == "MK506" and "alpha" in err.value.message


def test_install_builds_no_sdist_unless_asked(tmp_path) -> None:
    from tests.wheelhouse import write_sdist

    marker = tmp_path / "backend-ran"
    write_sdist(tmp_path / "sdists", "evil", "1.0", str(marker))
    cs = compiled(str(tmp_path / "sdists"), "evil")
    with pytest.raises(MarkercError) as err:
        install.run_install(cs, venv=str(tmp_path / "env"), python=sys.executable)
    assert err.value.code == "MK538" and "--allow-build" in err.value.notes[0]
    assert not marker.exists()  # no code from the sdist ran


def test_verify_lock_refuses_edited_foreign_and_stale_locks(wheelhouse: str, tmp_path) -> None:
    settings = lock.Settings("uv (tests)")
    out = str(tmp_path / "locks")
    cs = compiled(wheelhouse, "alpha<2")
    the_plan = lock.plan([cs], settings=settings)
    lock.run_lock(the_plan, out, cache_dir=None)
    path = os.path.join(out, lock.output_path(cs, "pylock"))
    lock.verify_lock(path, the_plan.jobs[0])  # as written: fine
    # another uv version does not make a lock unfit to install
    lock.verify_lock(path, lock.plan([cs], settings=lock.Settings("uv 99")).jobs[0])
    other = lock.plan([compiled(wheelhouse, "alpha>=2")], settings=settings).jobs[0]
    with pytest.raises(MarkercError) as err:
        lock.verify_lock(path, other)
    assert err.value.code == "MK534" and "the compiled requirements changed" in err.value.message
    text = open(path, encoding="utf-8").read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace('version = "1.0"', 'version = "6.6.6"'))
    with pytest.raises(MarkercError) as err:
        lock.verify_lock(path, the_plan.jobs[0])
    assert err.value.code == "MK537"
    foreign = tmp_path / "pylock.toml"
    foreign.write_text('lock-version = "1.0"\ncreated-by = "someone"\n')
    with pytest.raises(MarkercError) as err:
        lock.verify_lock(str(foreign))
    assert err.value.code == "MK545"
