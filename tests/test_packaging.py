"""What the distribution ships and needs: ``py.typed``, the build floor, uv as the ``lock``
extra (check and compile run without it; lock names the extra when it is missing)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.cli_helpers import ROOT, run_markerc

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HUB = [{"model_name": "demo", "virtualenv": {"packages": ["alpha>=1.0"]}}]


@pytest.fixture()
def no_uv(tmp_path: Path) -> dict[str, str]:
    """An environment where ``import uv`` fails, as after ``pip install markerc`` (no extra)."""
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "uv.py").write_text("raise ImportError(\"No module named 'uv'\")\n", encoding="utf-8")
    return {"PYTHONPATH": str(stub)}


def _hub(tmp_path: Path) -> Path:
    hub = tmp_path / "llm_family.json"
    hub.write_text(json.dumps(HUB, indent=2), encoding="utf-8")
    return hub


def test_lock_without_uv_names_the_extra(tmp_path: Path, no_uv: dict[str, str]) -> None:
    hub = _hub(tmp_path)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    proc = run_markerc("lock", str(hub), "--engine", "vllm", "--out", str(tmp_path / "locks"),
                       "--no-index", "--find-links", str(wheels), "--format", "requirements", env_extra=no_uv)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "MK506" in out and "pip install 'markerc[lock]'" in out, out
    assert "Traceback" not in out
    assert not list((tmp_path / "locks").rglob("*.txt"))  # nothing half-written


def test_check_and_compile_run_without_uv(tmp_path: Path, no_uv: dict[str, str]) -> None:
    hub = _hub(tmp_path)
    check = run_markerc("check", str(hub), env_extra=no_uv)
    assert check.returncode == 0, check.stdout + check.stderr
    compiled = run_markerc("compile", str(hub), "--engine", "vllm", "--set", "has_cuda=false", env_extra=no_uv)
    assert compiled.returncode == 0, compiled.stderr
    assert "alpha>=1.0" in compiled.stdout


def test_pyproject_floor_and_extras() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "setuptools>=77" in data["build-system"]["requires"]  # SPDX license strings
    project = data["project"]
    assert isinstance(project["license"], str)
    assert not any(d.split(">")[0].split("=")[0].strip() == "uv" for d in project["dependencies"])
    extras = project["optional-dependencies"]
    assert any(d.startswith("uv") for d in extras["lock"])
    assert any(d.startswith("uv") for d in extras["test"])
    # requires-python names the oldest Python .ci/run tests on (README, "Tests")
    assert project["requires-python"] == ">=3.10"


def test_wheel_ships_py_typed_and_no_runtime_uv(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if proc.returncode != 0 and "setuptools" in proc.stderr and "No matching distribution" in proc.stderr:
        pytest.skip("setuptools>=77 is not available from the package index")  # pragma: no cover
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("markerc-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (meta_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = Parser().parsestr(zf.read(meta_name).decode("utf-8"))
    assert "markerc/py.typed" in names
    assert "markerc/data/engines.toml" in names
    assert any(n.startswith("markerc/data/targets/") and n.endswith(".toml") for n in names)
    assert "markerc/grammar/markerc.lark" in names
    # every module of the source tree is in the wheel (a package missing from pyproject.toml's
    # list would ship without its modules)
    source = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "markerc").rglob("*.py") if "__pycache__" not in p.parts
    }
    assert source <= names, sorted(source - names)
    requires = meta.get_all("Requires-Dist") or []
    uv = [r for r in requires if r.split()[0].startswith("uv")]
    assert uv and all('extra == "lock"' in r or 'extra == "test"' in r for r in uv), requires
    assert meta["License-Expression"] == "Apache-2.0"
