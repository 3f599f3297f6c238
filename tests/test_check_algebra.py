"""check reasons about markers with the compiler's own algebra (issue 10, item 3): conflicts where
two conditions overlap, duplicates by meaning, the torch companion's exact condition, and the
engines for which markerc keeps an entry.  Through the CLI, against compile."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_helpers import run_markerc


def _hub(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "hub.json"
    path.write_text(json.dumps([{"model_name": "m", "virtualenv": {"packages": list(entries)}}], indent=1))
    return path


def _check(hub: Path) -> list[dict]:
    r = run_markerc("check", "--isolated", "--select", "ALL", "--output-format", "json", str(hub))
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def test_conflicts_where_conditions_overlap_are_found_by_check_and_compile(tmp_path: Path) -> None:
    for pair in (
        ('c>=3 ; python_version >= "3.11"', 'c<1 ; python_version >= "3.11" and python_version >= "3.10"'),
        ('b<1 ; sys_platform == "linux"', 'b>2 ; python_version >= "3.10"'),
    ):
        hub = _hub(tmp_path, *pair)
        found = [d for d in _check(hub) if d["code"] == "MK502"]
        assert [(d["line"], d["severity"]) for d in found] == [(7, "error")], found
        assert "no version satisfies both" in found[0]["message"] and pair[0] in found[0]["message"]
        r = run_markerc("compile", str(hub), "--engine", "vllm")
        assert r.returncode == 2 and "MK502" in r.stderr, r.stderr


def test_disjoint_conditions_and_other_engines_are_no_conflict(tmp_path: Path) -> None:
    hub = _hub(tmp_path, 'x<1 ; #engine# == "vllm"', 'x>2 ; #engine# == "sglang"',
               'y<1 ; python_version < "3.10"', 'y>2 ; python_version >= "3.10"')  # fmt: skip
    assert [d for d in _check(hub) if d["code"] == "MK502"] == []
    for engine in ("vllm", "sglang"):
        assert run_markerc("compile", str(hub), "--engine", engine).returncode == 0


def test_duplicates_are_compared_by_meaning(tmp_path: Path) -> None:
    hub = _hub(tmp_path, 'y ; python_version >= "3.10"', "y ; python_version >= '3.10.0'",
               'z ; #engine# == "vllm" or #engine# == "sglang"', 'z ; #engine# in "sglang, vllm"')  # fmt: skip
    assert [(d["code"], d["line"]) for d in _check(hub) if d["code"] == "MK305"] == [("MK305", 7), ("MK305", 9)]


def test_the_torch_companion_rule_is_the_compilers(tmp_path: Path) -> None:
    # torch only on darwin, torchvision pinned on linux: compile adds #system_torch# on linux,
    # and check says so for exactly that condition
    hub = _hub(tmp_path, 'torch ; sys_platform == "darwin"', '#system_torchvision# ; sys_platform == "linux"')
    found = [d for d in _check(hub) if d["code"] == "MK309"]
    assert len(found) == 1 and 'where sys_platform == "linux" holds' in found[0]["message"]
    r = run_markerc("compile", str(hub), "--engine", "vllm", "--system", "torch=2.8.0",
                    "--system", "torchvision=0.23.0", "--annotate", "none")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert 'torch==2.8.0 ; sys_platform == "linux"' in r.stdout.splitlines()
    # where torch covers the companion's condition, neither adds anything
    hub = _hub(tmp_path, 'torch ; sys_platform == "linux" or sys_platform == "darwin"',
               '#system_torchvision# ; sys_platform == "linux"')  # fmt: skip
    assert [d for d in _check(hub) if d["code"] == "MK309"] == []
    r = run_markerc("compile", str(hub), "--engine", "vllm", "--system", "torchvision=0.23.0", "--annotate", "none")
    assert r.returncode == 0 and not any(ln.startswith("torch==") for ln in r.stdout.splitlines()), r.stdout
