"""Xinference's venv layout (markerc/backends/venvs.py) and the install's safety: hostile model names never
escape the layout, folders that are not venvs are never touched, a failed install leaves nothing
half-made, a missing lock is an error before any venv exists; `markerc venvs list / remove`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from markerc.backends import install, venvs
from markerc.diagnostics import MarkercError
from markerc.compiler.result import CompiledSet, IndexOptions, Line, Origin
from tests.cli_helpers import run_markerc
from tests.wheelhouse import UNSET_ENV, build_wheelhouse, offline_env

PY = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in UNSET_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in offline_env(str(tmp_path / "uv-cache")).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(venvs.ENV_HOME, raising=False)


@pytest.fixture()
def wheels(tmp_path: Path) -> str:
    build_wheelhouse(tmp_path / "wheels")
    return str(tmp_path / "wheels")


def compiled(wheels: str, *reqs: str) -> CompiledSet:
    lines = tuple(Line(r, None, (Origin("model", r),)) for r in reqs)
    return CompiledSet("hub.json", "demo", "vllm", lines, IndexOptions(no_index=True, find_links=(wheels,)))


def tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_layout_formula() -> None:
    """Section 11: v4/{model_name}/{(model_engine or "default").lower()}/{python_version}."""
    assert venvs.venv_path("/h", "Qwen3-8B", "vLLM", "3.11.7") == os.path.join("/h", "virtualenv", "v4", "Qwen3-8B",
                                                                               "vllm", "3.11.7")  # fmt: skip
    assert venvs.venv_path("/h", "m", None, "3.12.0").endswith(os.path.join("m", "default", "3.12.0"))
    assert venvs.venv_path("/h", "bge m3 (zh)", "sentence_transformers", "3.11.7").endswith("bge m3 (zh)/sentence_transformers/3.11.7")
    with pytest.raises(MarkercError) as err:
        venvs.venv_path("/h", "m", "vllm", "3.11")  # a full version, as Xinference's path has
    assert err.value.code == "MK552"


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "../../etc", "/abs", "x\x00y", "a\\b", "tab\there",
                                  "x" * 256, "line\nbreak"])  # fmt: skip
def test_hostile_model_names_never_become_paths(name: str) -> None:
    with pytest.raises(MarkercError) as err:
        venvs.venv_path("/h", name, "vllm", "3.11.7")
    assert err.value.code == "MK552" and "\x00" not in err.value.message and "\n" not in err.value.message.split(":")[0]


def test_hostile_name_through_the_cli_creates_nothing(tmp_path: Path) -> None:
    hub = tmp_path / "hub.json"
    hub.write_text(json.dumps([{"model_name": "../../escaped", "virtualenv": {"packages": ["alpha"]}}]))
    r = run_markerc("install", str(hub), "--engine", "vllm", "--model", "../../escaped", "--xinference-home",
                    str(tmp_path / "home"), "--python", sys.executable, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "MK552" in r.stderr and "Traceback" not in r.stderr
    assert sorted(os.listdir(tmp_path)) == ["hub.json"]


def test_a_folder_that_is_not_a_venv_is_never_touched(tmp_path: Path, wheels: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "precious.txt").write_text("keep")
    for dry in (True, False):
        with pytest.raises(MarkercError) as err:
            install.run_install(compiled(wheels, "alpha"), venv=str(data), python=sys.executable, dry_run=dry)
        assert err.value.code == "MK553"
    assert tree(data) == ["precious.txt"]
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(MarkercError) as err:
        install.run_install(compiled(wheels, "alpha"), venv=str(afile))
    assert err.value.code == "MK553" and afile.read_text() == "x"


def test_no_install_through_a_symbolic_link(tmp_path: Path, wheels: str) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (home / "virtualenv" / "v4").mkdir(parents=True)
    (home / "virtualenv" / "v4" / "demo").symlink_to(elsewhere, target_is_directory=True)
    venv = venvs.venv_path(str(home), "demo", "vllm", PY)
    with pytest.raises(MarkercError) as err:
        install.run_install(compiled(wheels, "alpha"), venv=venv, python=sys.executable, root=str(home),
                            parent_pth=True)  # fmt: skip
    assert err.value.code == "MK553" and "symbolic link" in err.value.message
    assert os.listdir(elsewhere) == []


def test_failed_install_removes_what_it_created_and_keeps_what_was_there(tmp_path: Path, wheels: str) -> None:
    deep = tmp_path / "new" / "deeper" / "venv"
    with pytest.raises(MarkercError) as err:
        install.run_install(compiled(wheels, "alpha>5"), venv=str(deep), python=sys.executable)
    assert err.value.code == "MK506"
    assert not (tmp_path / "new").exists()
    # skip-installed failing in its resolution step: the same
    with pytest.raises(MarkercError):
        install.run_install(compiled(wheels, "alpha>5"), venv=str(deep), python=sys.executable, skip_installed=True)
    assert not (tmp_path / "new").exists()
    # an existing venv stays (with what it had) when an install into it fails
    kept = tmp_path / "kept"
    install.run_install(compiled(wheels, "gamma"), venv=str(kept), python=sys.executable)
    with pytest.raises(MarkercError):
        install.run_install(compiled(wheels, "alpha>5"), venv=str(kept), python=sys.executable)
    assert venvs.is_venv(str(kept)) and list(kept.rglob("gamma-1.0.dist-info"))


def test_missing_lock_is_an_error_before_any_venv(tmp_path: Path) -> None:
    hub = tmp_path / "hub.json"
    hub.write_text(json.dumps([{"model_name": "demo", "virtualenv": {"packages": ["alpha"]}}]))
    r = run_markerc("install", str(hub), "--engine", "vllm", "--model", "demo", "--venv", str(tmp_path / "v"),
                    "--lock", str(tmp_path / "no-such-pylock.toml"), cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "MK205" in r.stderr and "no-such-pylock.toml" in r.stderr
    assert not (tmp_path / "v").exists()
    r = run_markerc("install", str(hub), "--engine", "vllm", "--model", "demo", "--xinference-home",
                    str(tmp_path / "home"), "--python", sys.executable, "--lock", "nope.toml", cwd=tmp_path)
    assert r.returncode == 2 and "MK205" in r.stderr and not (tmp_path / "home").exists()


def test_install_needs_a_place_and_a_base(tmp_path: Path) -> None:
    hub = tmp_path / "hub.json"
    hub.write_text(json.dumps([{"model_name": "demo", "virtualenv": {"packages": ["alpha"]}}]))
    base = ("install", str(hub), "--engine", "vllm", "--model", "demo")
    r = run_markerc(*base, cwd=tmp_path)
    assert r.returncode == 2 and "--xinference-home" in r.stderr
    r = run_markerc(*base, "--venv", "v", "--xinference-home", "h", cwd=tmp_path)
    assert r.returncode == 2 and "not both" in r.stderr
    r = run_markerc(*base, "--xinference-home", "h", cwd=tmp_path)
    assert r.returncode == 2 and "MK554" in r.stderr
    assert sorted(os.listdir(tmp_path)) == ["hub.json"]


@pytest.mark.parametrize(
    "venv, home, environ, skip, python, lock, expected",
    [
        ("v", "h", {}, None, None, None, "MK507"),  # both places
        (None, None, {}, None, None, None, "MK507"),  # neither
        (None, None, {"XINFERENCE_HOME": "/x"}, None, "py", None, venvs.InstallPlace(None, "/x", True)),
        (None, "h", {}, None, None, None, "MK554"),  # the layout is over a base
        ("v", None, {}, True, None, None, "MK554"),
        ("v", None, {}, None, None, None, venvs.InstallPlace("v", None, False)),
        (None, "h", {}, None, "py", "missing.toml", "MK205"),
        ("v", None, {"XINFERENCE_HOME": "/x"}, None, None, None, venvs.InstallPlace("v", None, False)),
    ],
)
def test_install_place(venv: str | None, home: str | None, environ: dict[str, str], skip: bool | None,
                       python: str | None, lock: str | None, expected: object, tmp_path: Path) -> None:  # fmt: skip
    """install's place checks, in the library (the CLI passes its options through)."""
    lock_file = str(tmp_path / lock) if lock else None
    if isinstance(expected, str):
        with pytest.raises(MarkercError) as err:
            venvs.install_place(venv, home, skip_installed=skip, python=python, lock_file=lock_file,
                                environ=environ)  # fmt: skip
        assert err.value.code == expected
    else:
        got = venvs.install_place(venv, home, skip_installed=skip, python=python, lock_file=lock_file, environ=environ)
        assert got == expected


def test_install_place_folder_refuses_a_record_without_a_model_name() -> None:
    place = venvs.InstallPlace(None, "/h", True)
    nameless = CompiledSet("hub.json", None, "vllm", (), IndexOptions())
    with pytest.raises(MarkercError) as err:
        place.folder(nameless, sys.executable)
    assert err.value.code == "MK552" and "no model_name" in err.value.message
    assert venvs.InstallPlace("v", None, False).folder(nameless, None) == ("v", None)


def test_dry_run_shows_the_steps_and_creates_nothing(tmp_path: Path) -> None:
    hub = tmp_path / "hub.json"
    hub.write_text(json.dumps([{"model_name": "demo", "virtualenv": {"packages": ["alpha"]}}]))
    r = run_markerc("install", str(hub), "--engine", "vllm", "--model", "demo", "--xinference-home", str(tmp_path / "h"),
                    "--python", sys.executable, "--no-index", "--dry-run", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    venv = os.path.join(str(tmp_path / "h"), "virtualenv", "v4", "demo", "vllm", PY)
    commands = r.stdout.splitlines()
    assert commands[0].endswith(f"venv {venv} --system-site-packages --python {sys.executable}")
    assert "pip compile '<to resolve>' -o '<resolution>'" in commands[1]
    assert "pip install --no-deps" in commands[2] and "'<install set>'" in commands[2]
    assert sorted(os.listdir(tmp_path)) == ["hub.json"]


def test_venvs_list_and_remove(tmp_path: Path, wheels: str) -> None:
    home = tmp_path / "home"
    for model, engine in (("qwen3", "vllm"), ("qwen3", "sglang"), ("bge", "sentence_transformers")):
        venv = venvs.venv_path(str(home), model, engine, PY)
        install.run_install(compiled(wheels, "gamma"), venv=venv, python=sys.executable, root=str(home))
    junk = home / "virtualenv" / "v4" / "qwen3" / "vllm" / "3.10.1"
    junk.mkdir()
    (junk / "notes.txt").write_text("not a venv")
    (home / "virtualenv" / "v4" / "qwen3" / "vllm" / "not-a-version").mkdir()
    listed = [(e.model, e.engine, e.python, e.venv) for e in venvs.list_venvs(str(home))]
    assert listed == [("bge", "sentence_transformers", PY, True), ("qwen3", "sglang", PY, True),
                      ("qwen3", "vllm", "3.10.1", False), ("qwen3", "vllm", PY, True)]  # fmt: skip
    r = run_markerc("venvs", "list", "--xinference-home", str(home), cwd=tmp_path)
    assert r.returncode == 0 and "(not a venv)" in r.stdout and len(r.stdout.splitlines()) == 4
    r = run_markerc("venvs", "remove", "qwen3", "--engine", "vLLM", "--xinference-home", str(home), "--dry-run",
                    cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0 and "would remove" in r.stderr and len(venvs.list_venvs(str(home))) == 4
    r = run_markerc("venvs", "remove", "qwen3", "--engine", "vllm", "--python", PY, "--xinference-home", str(home),
                    cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert [(e.model, e.engine, e.python) for e in venvs.list_venvs(str(home))] == [
        ("bge", "sentence_transformers", PY), ("qwen3", "sglang", PY), ("qwen3", "vllm", "3.10.1")]
    assert (junk / "notes.txt").read_text() == "not a venv"  # never removed
    r = run_markerc("venvs", "remove", "qwen3", "--engine", "vllm", "--xinference-home", str(home), cwd=tmp_path)
    assert r.returncode == 2 and "MK557" in r.stderr and "not venvs markerc recognises" in r.stderr
    r = run_markerc("venvs", "remove", "bge", cwd=tmp_path, env_extra={"XINFERENCE_HOME": str(home)})
    assert r.returncode == 0 and not (home / "virtualenv" / "v4" / "bge").exists()  # empty parents go too
    r = run_markerc("venvs", "remove", "../x", "--xinference-home", str(home), cwd=tmp_path)
    assert r.returncode == 2 and "MK552" in r.stderr
