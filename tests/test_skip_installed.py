"""Skip-installed and Xinference's venv layout, checked with the real client.

A base environment B (a venv with ``gamma`` installed, which also sees this test environment's
packages through a ``.pth``, so that xoscar runs in it as it runs in an Xinference worker) and a
model needing ``gamma`` and one more package, ``beta``.  ``markerc install --skip-installed``
installs only ``beta``; then xoscar's ``UVVirtualEnvManager``, run in B as Xinference runs it,
finds nothing to do with the same package list, offline and without any index.  Everything is
hermetic: wheels from tests/wheelhouse.py, ``UV_OFFLINE=1``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from markerc.backends import base as base_mod
from markerc.compiler.result import Line, Origin
from tests.cli_helpers import ROOT
from tests.wheelhouse import UNSET_ENV, build_wheelhouse, offline_env

pytest.importorskip("xoscar")
UV = None


def uv() -> str:
    from markerc.backends.uvtool import uv_bin

    return uv_bin()


# xoscar, driven as Xinference drives it (W._create_virtual_env_manager, then install_packages with
# skip_installed on, Xinference's default since v2.0).  Every subprocess xoscar starts is recorded;
# "install" is the Popen of its final `uv pip install`.
DRIVER = r"""
import json, subprocess, sys
from pathlib import Path
calls = []
real_run, real_popen = subprocess.run, subprocess.Popen
def run(cmd, *a, **k):
    calls.append(["run", [str(c) for c in cmd]])
    if k.pop("record_only", False):
        return None
    return real_run(cmd, *a, **k)
class Popen(real_popen):
    def __init__(self, cmd, *a, **k):
        calls.append(["install", [str(c) for c in cmd]])
        super().__init__(cmd, *a, **k)
subprocess.run, subprocess.Popen = run, Popen
from xoscar.virtualenv.uv import UVVirtualEnvManager
action, venv = sys.argv[1], Path(sys.argv[2])
manager = UVVirtualEnvManager(venv)
out = {"exists": manager.exists_env(), "lib": manager.get_lib_path()}
if action == "create":
    subprocess.run = lambda cmd, *a, **k: calls.append(["create", [str(c) for c in cmd]])
    manager.create_env(python_path=Path(sys.executable))
elif action == "install":
    kwargs = json.loads(sys.argv[4])
    kwargs.setdefault("skip_installed", True)
    try:
        manager.install_packages(json.loads(sys.argv[3]), **kwargs)
        out["error"] = None
    except subprocess.CalledProcessError as exc:
        out["error"] = str(exc)
out["calls"] = calls
print("XOSCAR " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("wheels")
    build_wheelhouse(folder)
    return str(folder)


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in UNSET_ENV}
    out.update(offline_env(str(tmp_path / "uv-cache")))
    out["PYTHONPATH"] = str(ROOT)
    out["XOSCAR_UV_PATH"] = uv()
    return out


def make_base(tmp_path: Path, wheels: str, env: dict[str, str], *packages: str) -> Path:
    """A venv with ``packages`` installed that also sees this test environment (xoscar, uv)."""
    base = tmp_path / "base"
    subprocess.run([uv(), "venv", str(base), "--python", sys.executable, "-q"], env=env, check=True)
    py = base / "bin" / "python"
    if packages:
        subprocess.run([uv(), "pip", "install", "-q", "--python", str(py), "--no-index", "--find-links", wheels,
                        *packages], env=env, check=True)  # fmt: skip
    purelib = base_mod.probe(str(py)).purelib
    Path(purelib, "_markerc_tests.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return py


def hub(tmp_path: Path, *packages: str, name: str = "demo") -> str:
    path = tmp_path / "hub.json"
    path.write_text(json.dumps([{"model_name": name, "virtualenv": {"packages": list(packages)}}]), encoding="utf-8")
    return str(path)


def markerc(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "markerc", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def own(venv: Path) -> set[str]:
    """Distributions in the venv's own purelib (not the base's)."""
    lib = Path(base_mod.probe(str(venv / "bin" / "python")).purelib)
    return {p.name.split("-")[0].lower() for p in lib.glob("*.dist-info")}


def snapshot(venv: Path) -> dict[str, float]:
    return {str(p.relative_to(venv)): p.stat().st_mtime for p in venv.rglob("*") if "__pycache__" not in p.parts}


def installs(out: dict) -> list[list[str]]:
    """The `uv pip install` commands (not dry runs) xoscar started."""
    return [c[1] for c in out["calls"] if c[0] == "install" and c[1][1:3] == ["pip", "install"] and "--dry-run" not in c[1]]


def xoscar(python: Path, env: dict[str, str], action: str, venv: Path, *rest: str) -> dict:
    done = subprocess.run([str(python), "-c", DRIVER, action, str(venv), *rest], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("XOSCAR ")), None)
    assert line is not None, done.stdout + done.stderr
    return json.loads(line[len("XOSCAR "):])


# ------------------------------------------------------------------ the hermetic scenario


def test_skip_installed_installs_only_what_the_base_lacks_and_xoscar_finds_nothing(tmp_path, wheels, env) -> None:
    base = make_base(tmp_path, wheels, env, "gamma")
    model = hub(tmp_path, "gamma", "beta")
    venv = tmp_path / "venv"
    r = markerc(env, "install", model, "--engine", "vllm", "--model", "demo", "--venv", str(venv),
                "--skip-installed", "--python", str(base), "--no-index", "--find-links", wheels, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "installed 1 distribution(s), 1 provided by the base" in r.stderr
    assert own(venv) == {"beta"}  # gamma comes from the base, through the parent .pth
    lib = Path(base_mod.probe(str(venv / "bin" / "python")).purelib)
    assert (lib / base_mod.PARENT_PTH).read_text() == base_mod.probe(str(base)).purelib + "\n"
    # the venv imports both, gamma from the base
    done = subprocess.run([str(venv / "bin" / "python"), "-I", "-c", "import beta, gamma; print(gamma.__file__)"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and str(tmp_path / "base") in done.stdout
    # xoscar, as the Xinference worker runs it, with the same list: no install, no index needed
    before = snapshot(venv)
    out = xoscar(base, env, "install", venv, json.dumps(["gamma", "beta"]), "{}")
    assert out["exists"] and out["error"] is None
    assert installs(out) == [], out["calls"]
    assert snapshot(venv) == before
    assert out["lib"] == str(lib)  # xoscar's purelib of the venv is where markerc wrote the .pth
    # with its skip-installed off, xoscar's plain install puts gamma into the venv again (uv audits
    # only the venv's own site-packages): docs/semantics.md, "Skip-installed"
    out = xoscar(base, env, "install", venv, json.dumps(["gamma", "beta"]),
                 json.dumps({"skip_installed": False, "find_links": wheels}))
    assert out["error"] is None and installs(out) and own(venv) == {"beta", "gamma"}


def test_without_skip_installed_everything_is_installed(tmp_path, wheels, env) -> None:
    base = make_base(tmp_path, wheels, env, "gamma")
    venv = tmp_path / "venv"
    r = markerc(env, "install", hub(tmp_path, "gamma", "beta"), "--engine", "vllm", "--model", "demo",
                "--venv", str(venv), "--python", str(base), "--no-index", "--find-links", wheels, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert own(venv) == {"beta", "gamma"}


def test_dependencies_the_base_provides_are_not_reinstalled(tmp_path, wheels, env) -> None:
    """delta needs gamma (in the base) and beta<2: markerc installs delta and beta only.  xoscar's
    own skip-installed on this venv must resolve again (uv audits only the venv's own site-packages,
    where gamma is not): with an index it ends up installing nothing new, without one it fails --
    the difference docs/semantics.md ("Skip-installed") explains."""
    base = make_base(tmp_path, wheels, env, "gamma")
    venv = tmp_path / "venv"
    r = markerc(env, "install", hub(tmp_path, "delta"), "--engine", "vllm", "--model", "demo", "--venv", str(venv),
                "--skip-installed", "--python", str(base), "--no-index", "--find-links", wheels, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert own(venv) == {"delta", "beta"}
    before = snapshot(venv)
    out = xoscar(base, env, "install", venv, json.dumps(["delta"]), json.dumps({"find_links": wheels}))
    assert out["error"] is None and installs(out) == [], out["calls"]
    assert snapshot(venv) == before
    cold = dict(env, UV_CACHE_DIR=str(tmp_path / "empty-cache"))
    out = xoscar(base, cold, "install", venv, json.dumps(["delta"]), "{}")
    assert out["error"] is not None  # xoscar's dry run wants gamma from an index


def test_lock_over_the_base_then_install_from_it(tmp_path, wheels, env) -> None:
    base = make_base(tmp_path, wheels, env, "gamma")
    info = base_mod.probe(str(base))
    target = tmp_path / "base.toml"
    target.write_text('name = "base"\nsys_platform = "linux"\nplatform_machine = "x86_64"\n'
                      f'python_full_version = "{info.version}"\npython_version = "{info.version.rsplit(".", 1)[0]}"\n'
                      '[system]\ngamma = "1.0"\n', encoding="utf-8")  # fmt: skip
    model = hub(tmp_path, "gamma", "alpha<2")
    args = ("--engine", "vllm", "--model", "demo", "--target", str(target), "--no-index", "--find-links", wheels)
    for fmt in ("pylock", "requirements"):
        r = markerc(env, "lock", model, *args, "--out", "locks", "--skip-installed", "--format", fmt, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    pylock = tmp_path / "locks" / "demo" / "base" / "pylock.vllm.toml"
    text = pylock.read_text()
    assert "over the target's base environment (1 distributions, skip-installed)" in text
    assert 'name = "alpha"' in text and 'name = "beta"' in text and 'name = "gamma"' not in text
    assert text.endswith('[tool.markerc]\nprovided-by-base = [\n    "gamma==1.0",\n]\n')
    req = (tmp_path / "locks" / "demo" / "base" / "requirements.vllm.txt").read_text()
    assert "# markerc provided-by-base: gamma==1.0" in req and "gamma==" not in req.split("# markerc:")[0]
    # the base is part of the fingerprint: another base version makes the lock stale
    target.write_text(target.read_text().replace('gamma = "1.0"', 'gamma = "1.1"'), encoding="utf-8")
    r = markerc(env, "lock", model, *args, "--out", "locks", "--skip-installed", "--check", cwd=tmp_path)
    assert r.returncode == 1 and "MK534" in r.stderr and "base environment" in r.stderr
    target.write_text(target.read_text().replace('gamma = "1.1"', 'gamma = "1.0"'), encoding="utf-8")
    # install from each lock over the base: exactly what the base lacks, checked against the base
    for name, lock in (("v1", pylock), ("v2", pylock.with_name("requirements.vllm.txt"))):
        venv = tmp_path / name
        r = markerc(env, "install", model, *args, "--venv", str(venv), "--python", str(base), "--lock", str(lock),
                    cwd=tmp_path)  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert own(venv) == {"alpha", "beta"}
    # over a base that lacks gamma the lock refuses, and leaves no venv behind
    bare = tmp_path / "v3"
    r = markerc(env, "install", model, *args, "--venv", str(bare), "--python", sys.executable, "--lock", str(pylock),
                cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "MK555" in r.stderr and "gamma==1.0" in r.stderr
    assert not bare.exists()


# ------------------------------------------------------------------ Xinference's layout


def test_xinference_home_is_the_path_xinference_computes(tmp_path, wheels, env) -> None:
    base = make_base(tmp_path, wheels, env, "gamma")
    home = tmp_path / "xhome"
    model = hub(tmp_path, "gamma", "beta", name="Qwen3-Embedding")
    r = markerc(env, "install", model, "--engine", "vLLM", "--model", "Qwen3-Embedding", "--xinference-home",
                str(home), "--python", str(base), "--no-index", "--find-links", wheels, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    # section 11: v4/{model_name}/{(model_engine or "default").lower()}/{major.minor.micro of the worker}
    info = sys.version_info
    venv = home / "virtualenv" / "v4" / "Qwen3-Embedding" / "vllm" / f"{info.major}.{info.minor}.{info.micro}"
    assert (venv / "pyvenv.cfg").is_file()
    assert "include-system-site-packages = true" in (venv / "pyvenv.cfg").read_text()
    assert own(venv) == {"beta"}  # skip-installed is the layout's default, as in Xinference v2
    # xoscar recognises it (create_env skips), and its purelib holds the parent .pth
    before = snapshot(venv)
    out = xoscar(base, env, "create", venv)
    assert out["exists"] and not [c for c in out["calls"] if c[0] == "create"]
    assert (Path(out["lib"]) / base_mod.PARENT_PTH).is_file() and snapshot(venv) == before
    # XINFERENCE_HOME does the same; markerc venvs list shows it
    again = markerc(dict(env, XINFERENCE_HOME=str(home)), "install", model, "--engine", "vllm", "--model",
                    "Qwen3-Embedding", "--python", str(base), "--no-index", "--find-links", wheels, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    listed = markerc(env, "venvs", "list", "--xinference-home", str(home), "--format", "json", cwd=tmp_path)
    assert json.loads(listed.stdout) == [{"model": "Qwen3-Embedding", "engine": "vllm",
                                          "python": f"{info.major}.{info.minor}.{info.micro}",
                                          "path": str(venv), "venv": True}]  # fmt: skip


def test_create_command_is_xoscars(tmp_path, wheels, env) -> None:
    """The venv is created with the command xoscar's create_env runs for Xinference."""
    from markerc.backends.install import install_commands
    from markerc.compiler.result import CompiledSet, IndexOptions

    base = make_base(tmp_path, wheels, env)
    venv = tmp_path / "new"
    out = xoscar(base, env, "create", venv)
    (create,) = [c[1] for c in out["calls"] if c[0] == "create"]
    cs = CompiledSet("hub.json", "m", "vllm", (Line("beta", None, (Origin("model", "beta"),)),), IndexOptions())
    ours = install_commands(cs, venv=str(venv), system_site_packages=True, python=str(base), uv=create[0])
    assert list(ours[0]) == create


# ------------------------------------------------------------------ the pure steps


def _lines(*texts: str) -> list[Line]:
    out = []
    for text in texts:
        req, _, marker = text.partition(" ; ")
        out.append(Line(req, marker or None, (Origin("model", text),)))
    return out


def test_split_compares_canonical_names_and_resolves_extras_urls_and_reinstalls() -> None:
    installed = {"foo-bar": "1.0", "numpy": "2.2.6", "xllamacpp": "0.2.6", "sgl-kernel": "0.3.21"}
    parts = base_mod.split(
        _lines("Foo_Bar>=0.9", "numpy<2", "numpy[extra]", "sgl-kernel @ https://h/sgl_kernel-0.3.21-py3-none-any.whl",
               "xllamacpp>=0.2", 'missing ; sys_platform == "win32"', "fresh"),
        installed, {"sys_platform": "linux", "python_version": "3.11"}, reinstall=("xllamacpp",))  # fmt: skip
    assert parts.provided == (("foo-bar", "1.0"),)  # xoscar keys foo_bar and foo-bar apart (Q17)
    assert parts.to_resolve == ("numpy<2", "numpy[extra]", "sgl-kernel @ https://h/sgl_kernel-0.3.21-py3-none-any.whl",
                                "xllamacpp>=0.2", "fresh")  # fmt: skip
    assert parts.not_needed == ('missing ; sys_platform == "win32"',)


def test_install_set_keeps_urls_and_reinstalls() -> None:
    pins = base_mod.parse_resolution(
        "numpy==2.2.6\n    # via x\nscipy==1.17.1\nsgl-kernel @ https://h/sgl_kernel-0.3.21-py3-none-any.whl\n"
        "xllamacpp==0.2.6\n"
    )
    todo, provided = base_mod.install_set(pins, {"numpy": "2.2.6", "scipy": "1.16.3", "sgl-kernel": "0.3.21",
                                                 "xllamacpp": "0.2.6"}, ("xllamacpp",))  # fmt: skip
    assert [p.text for p in todo] == ["scipy==1.17.1", "sgl-kernel @ https://h/sgl_kernel-0.3.21-py3-none-any.whl",
                                      "xllamacpp==0.2.6"]  # fmt: skip
    assert provided == (("numpy", "2.2.6"),)


def test_provided_record_round_trips() -> None:
    for fmt in ("pylock", "requirements"):
        text = 'lock-version = "1.0"\n' if fmt == "pylock" else "alpha==1.0\n"
        assert base_mod.read_provided(text, fmt) is None
        text += base_mod.render_provided(fmt, [("numpy", "2.2.6"), ("gamma", "1.0")])
        assert base_mod.read_provided(text, fmt) == (("gamma", "1.0"), ("numpy", "2.2.6"))
        empty = base_mod.render_provided(fmt, [])
        assert base_mod.read_provided(("" if fmt == "requirements" else 'lock-version = "1.0"\n') + empty, fmt) == ()
