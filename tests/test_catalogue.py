"""The rule registry: the catalogue and docs/diagnostics.md are generated from it, and every
rule's bad/fixed example pair is run through the CLI (the bad one gives the code, the fixed one
does not)."""

from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from markerc.catalogue.docs import render_docs
from markerc.catalogue.records import Example, Rule
from markerc.catalogue.rules import RULES
from markerc.diagnostics import CATALOGUE
from tests.cli_helpers import ROOT

CHECK_EXAMPLES = [(r, which) for r in RULES for which in ("bad", "fixed") if not getattr(r, which).args]
COMMAND_EXAMPLES = [(r, which) for r in RULES for which in ("bad", "fixed") if getattr(r, which).args]


def _id(pair: tuple[Rule, str]) -> str:
    return f"{pair[0].code}-{pair[1]}"


def test_docs_are_generated_from_the_registry() -> None:
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert doc == render_docs(), "docs/diagnostics.md is stale: run python -m markerc.catalogue --write-docs"
    proc = subprocess.run(
        [sys.executable, "-m", "markerc.catalogue", "--check-docs"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_catalogue_is_the_registry() -> None:
    codes = [r.code for r in RULES]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    assert CATALOGUE == {r.code: (r.severity, r.title) for r in RULES}
    names = [r.name for r in RULES]
    assert len(set(names)) == len(names)
    for rule in RULES:
        assert re.fullmatch(r"MK\d{3}", rule.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        assert rule.severity in ("error", "warning")
        assert rule.explanation.endswith(".") and len(rule.explanation) > 40
        assert set(rule.stages) <= {"check", "compile", "lock", "cli"} and rule.stages
        assert rule.default or rule.selectable  # an input error cannot be off by default
        if rule.fixable:
            assert "check" in rule.stages
    # quiet by default: every style rule (a fix that only respells) is off, every error is on
    assert {r.code for r in RULES if not r.default} == {"MK301", "MK302", "MK320"}


def test_docs_mention_every_code_once_as_a_section() -> None:
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (MK\d{3}) ", doc, re.M)
    assert sections == [r.code for r in RULES]


# ---------------------------------------------------------------- running the examples


def model_json(example: Example) -> str:
    if example.document is not None:
        return example.document
    packages = ",\n        ".join(json.dumps(e) for e in example.entries)
    block = f",\n      {example.block}" if example.block else ""
    return (
        '[\n  {\n    "model_name": "demo",\n    "virtualenv": {\n      "packages": [\n        '
        f"{packages}\n      ]{block}\n    }}\n  }}\n]\n"
    )


def _write(folder: Path, example: Example) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    hub = folder / "hub.json"
    hub.write_text(model_json(example), encoding="utf-8")
    for name, text in example.files:  # names may hold folders ("sub/notes.txt")
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    for name, target in example.links:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).symlink_to(target)
    return hub


def _env(tmp: Path) -> dict[str, str]:
    from tests.wheelhouse import UNSET_ENV, offline_env

    env = {k: v for k, v in os.environ.items() if k not in UNSET_ENV}
    env.update(offline_env(str(tmp / "uv-cache")))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="module")
def check_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[dict]]:
    """One `markerc check --select ALL` run over every check example (JSON output)."""
    folder = tmp_path_factory.mktemp("examples")
    paths = {}
    for rule, which in CHECK_EXAMPLES:
        paths[(rule.code, which)] = str(_write(folder / f"{rule.code}-{which}", getattr(rule, which)))
    proc = subprocess.run(
        [sys.executable, "-m", "markerc", "check", "--isolated", "--select", "ALL",
         "--output-format", "json", *paths.values()],
        cwd=folder, env=_env(folder), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    by_path = collections.defaultdict(list)
    for d in json.loads(proc.stdout):
        by_path[d["path"]].append(d)
    return {key: by_path.get(path, []) for key, path in paths.items()}


@pytest.mark.parametrize("pair", CHECK_EXAMPLES, ids=_id)
def test_check_example(pair: tuple[Rule, str], check_runs: dict) -> None:
    rule, which = pair
    diags = check_runs[(rule.code, which)]
    hits = [d for d in diags if d["code"] == rule.code]
    if which == "bad":
        assert hits, f"{rule.code}'s bad example gives {[(d['code'], d['message']) for d in diags]}"
        assert all(d["severity"] == rule.severity and d["line"] and d["column"] for d in hits)
        assert all(d["fixable"] == rule.fixable for d in hits)
    else:
        assert hits == [], f"{rule.code}'s fixed example still gives it: {hits}"
        assert [d for d in diags if d["severity"] == "error"] == [], diags


def _run(args: tuple[str, ...], folder: Path, example: Example) -> subprocess.CompletedProcess[str]:
    argv = [a.replace("{hub}", str(folder / "hub.json")).replace("{wheels}", str(folder / "wheels")) for a in args]
    env = _env(folder)
    if example.pythonpath:
        env["PYTHONPATH"] = str(folder / example.pythonpath) + os.pathsep + env["PYTHONPATH"]
    return subprocess.run(
        [sys.executable, "-m", "markerc", *argv], cwd=folder, env=env,
        capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize("pair", COMMAND_EXAMPLES, ids=_id)
def test_command_example(pair: tuple[Rule, str], tmp_path: Path) -> None:
    rule, which = pair
    example = getattr(rule, which)
    _write(tmp_path, example)
    if example.wheels or example.sdists or "{wheels}" in " ".join(example.args):
        from tests.wheelhouse import WheelSpec, build_wheelhouse, write_sdist

        specs = [WheelSpec(*w.split("==")) for w in example.wheels]
        (tmp_path / "wheels").mkdir(exist_ok=True)
        build_wheelhouse(tmp_path / "wheels", specs)
        for sdist in example.sdists:
            write_sdist(tmp_path / "wheels", *sdist.split("=="), marker_file=str(tmp_path / "BUILT"))
    for before in example.before:
        done = _run(before, tmp_path, example)
        assert done.returncode == 0, done.stdout + done.stderr
    for path, old, new in example.edits:
        target = tmp_path / path
        text = target.read_text(encoding="utf-8")
        assert old in text, text
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
    proc = _run(example.args, tmp_path, example)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert not (tmp_path / "BUILT").exists(), "an sdist's build backend ran"
    if which == "bad":
        assert re.search(rf"\b{rule.code}\b", out), out
        expected = example.exit if example.exit is not None else (2 if rule.severity == "error" else 0)
        assert proc.returncode == expected, out
    else:
        assert not re.search(rf"\b{rule.code}\b", out), out
        assert proc.returncode == (example.exit or 0), out
