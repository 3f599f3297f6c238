"""``markerc check --fix``: only the fixed strings change, the result has nothing left to fix."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from markerc.lint.check import check_paths
from markerc.diagnostics import CATALOGUE
from markerc.lint.framework import RuleSet
from markerc.compiler.engines import load_engines
from markerc.lint.fix import fix_paths
from tests.cli_helpers import ROOT, run_markerc
from tests.conftest import corpus_files

ENGINES = load_engines()
FIXABLE = {"MK301", "MK302", "MK310"}
_LITERAL = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def _split(data: bytes) -> tuple[list[bytes], list[bytes]]:
    """(the bytes between string literals, the string literals)."""
    between, literals, last = [], [], 0
    for m in _LITERAL.finditer(data):
        between.append(data[last : m.start()])
        literals.append(m.group())
        last = m.end()
    between.append(data[last:])
    return between, literals


def _assert_only_strings_changed(before: bytes, after: bytes, fixed: int) -> None:
    b_between, b_lits = _split(before)
    a_between, a_lits = _split(after)
    assert a_between == b_between  # everything outside string literals is byte-identical
    changed = [(b, a) for b, a in zip(b_lits, a_lits) if b != a]
    assert len(changed) <= fixed
    for b, a in changed:
        # inside a changed literal only case and hashes differ (MK301 adds hashes, MK302 lowers)
        old, new = json.loads(b), json.loads(a)
        assert old.lower().replace("#", "") == new.lower().replace("#", ""), (old, new)
    return len(changed)


def test_fix_small_file(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    original = (
        '[\r\n  {"model_name": "m", "virtualenv": {"packages": [\r\n'
        '    "vllm_dependencies ; #engine# == \\"vLLM\\"",\r\n'
        '    "#System_torch# ; #ENGINE# == \\"vllm\\"",\r\n'
        '    "# sglang_dependencies # ; #engine# == \\"SGLang\\"",\r\n'
        '    "bar ; #engine# in \\"SGLang,  MLX\\"",\r\n'
        '    "foo ; os_name != \\"caf\\u00e9\\" and #engine# == \\"Transformers\\"",\r\n'
        '    "foo ; #engine# == \\"vlm\\""\r\n'
        "  ]}}\r\n]\r\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + original.encode())
    os.chmod(path, 0o640)
    proc = run_markerc("check", "--fix", "--select", "MK301,MK302,MK31,MK32", str(path))
    assert proc.returncode == 1  # the unknown engine is not fixable
    assert proc.stderr.splitlines() == [
        f"{path}:3:6: fixed MK301: 'vllm_dependencies' -> '#vllm_dependencies#'",
        f"{path}:3:40: fixed MK302: 'vLLM' -> 'vllm'",
        f"{path}:4:6: fixed MK310: '#System_torch#' -> '#system_torch#'",
        f"{path}:4:23: fixed MK320: '#ENGINE#' -> '#engine#'",
        f"{path}:5:6: fixed MK310: '# sglang_dependencies #' -> '#sglang_dependencies#'",
        f"{path}:5:46: fixed MK302: 'SGLang' -> 'sglang'",
        f"{path}:6:26: fixed MK302: 'SGLang' -> 'sglang'",
        f"{path}:6:35: fixed MK302: 'MLX' -> 'mlx'",
        f"{path}:7:55: fixed MK302: 'Transformers' -> 'transformers'",
    ]
    after = path.read_bytes()
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o640)
    expected = (
        original.replace("vllm_dependencies ;", "#vllm_dependencies# ;")
        .replace('\\"vLLM\\"', '\\"vllm\\"')
        .replace("#System_torch#", "#system_torch#")
        .replace("#ENGINE#", "#engine#")
        .replace("# sglang_dependencies #", "#sglang_dependencies#")
        .replace("SGLang", "sglang")
        .replace("MLX", "mlx")
        .replace("Transformers", "transformers")
    )
    assert after == b"\xef\xbb\xbf" + expected.encode()  # BOM, CRLF and \\u escapes kept
    codes = set(re.findall(r": (MK\d+) ", proc.stdout))
    assert codes == {"MK103"}  # the selected rules' findings are fixed; input errors stay
    assert not [p for p in os.listdir(tmp_path) if p != "m.json"]  # no temporary left behind
    again = run_markerc("check", "--fix", "--select", "MK301,MK302,MK31,MK32", str(path))
    assert again.stderr == ""  # idempotent
    rest = set(re.findall(r": (MK\d+) ", run_markerc("check", str(path)).stdout))
    assert rest == {"MK103", "MK401", "MK406"}  # the defaults see what was not selected


def test_fix_leaves_clean_and_broken_files_alone(tmp_path: Path) -> None:
    clean = tmp_path / "clean.json"
    clean.write_text('{"packages": ["#vllm_dependencies# ; #engine# == \\"vllm\\""]}')
    broken = tmp_path / "broken.json"
    broken.write_text('{"packages": ["foo ; #engine# == \\"vLLM\\"",]}')
    before = clean.stat().st_mtime_ns, broken.read_bytes()
    result = fix_paths([str(clean), str(broken), str(tmp_path / "missing.json")], engines=ENGINES)
    assert (result.changes, result.files_changed) == ((), 0)
    assert (clean.stat().st_mtime_ns, broken.read_bytes()) == before


def test_fix_real_hub_round_trip(tmp_path: Path) -> None:
    files = []
    for src in corpus_files():
        dst = tmp_path / src.name
        shutil.copyfile(src, dst)
        files.append(dst)
    before = {p: p.read_bytes() for p in files}
    assert fix_paths([str(p) for p in files], engines=ENGINES).changes == ()  # defaults: nothing
    assert {p: p.read_bytes() for p in files} == before
    result = fix_paths([str(p) for p in files], engines=ENGINES, rules=RuleSet(frozenset(CATALOGUE)))
    # 19 legacy placeholders (MK301) and 357 mixed-case engine literals (MK302)
    codes = [re.search(r"fixed (MK\d+)", line).group(1) for line in result.changes]  # type: ignore[union-attr]
    assert (codes.count("MK301"), codes.count("MK302"), codes.count("MK310")) == (19, 357, 0)
    changed = sum(
        _assert_only_strings_changed(before[p], p.read_bytes(), len(result.changes)) for p in files
    )
    assert changed == 370  # 6 strings hold two fixes: bare placeholder and "Transformers"/"MLX"
    after = check_paths([str(p) for p in files], engines=ENGINES, rules=RuleSet(frozenset(CATALOGUE)))
    assert after.exit_code == 0
    assert not [d for d in after.diagnostics if d.code in FIXABLE]
    assert {d.code for d in after.diagnostics} <= {"MK403"}


def _hub(path: Path, entries: list[str]) -> bytes:
    text = '[{"model_name": "m", "virtualenv": {"packages": [\n'
    text += ",\n".join("  " + json.dumps(e) for e in entries) + "\n]}}]\n"
    path.write_text(text, encoding="utf-8")
    return text.encode()


def test_fix_touches_only_selected_findings(tmp_path: Path) -> None:
    """The issue's complaint: `--fix` on a one-entry edit rewrote every spelling of the file."""
    path = tmp_path / "llm_family.json"
    entries = [
        'a ; #engine# == "Transformers"',
        'b ; #engine# == "MLX"',
        "c ; #engine# == 'vllm'",
        "system_numpy",
        'd ; #engine# in "vllm, sglang" and cuda_version >= "12.0"',
    ]
    before = _hub(path, entries)
    proc = run_markerc("check", "--fix", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [line.split(": fixed ")[1] for line in proc.stderr.splitlines()] == [
        "MK401: \"#engine# == 'vllm'\" -> '#engine# == \"vllm\"'",
        "MK314: 'system_numpy' -> '#system_numpy#'",
        "MK401: '#engine# in \"vllm, sglang\"' -> '(#engine# == \"vllm\" or #engine# == \"sglang\")'",
    ]
    after = path.read_text(encoding="utf-8")
    changed = [(b, a) for b, a in zip(before.decode().splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 3 and "Transformers" in after and "MLX" in after
    assert run_markerc("check", "--select", "ALL", "--ignore", "MK302", str(path)).stdout == ""

    proc = run_markerc("check", "--fix", "--select", "MK302", str(path))
    assert [line.split(": fixed ")[1] for line in proc.stderr.splitlines()] == [
        "MK302: 'Transformers' -> 'transformers'",
        "MK302: 'MLX' -> 'mlx'",
    ]


def test_fix_respects_ignores(tmp_path: Path) -> None:
    path = tmp_path / "old_model_spec.json"
    before = _hub(path, ["c ; #engine# == 'vllm'", "system_numpy"])
    proc = run_markerc("check", "--fix", "--per-file-ignores", "old_*.json:MK401", "--ignore", "MK314", str(path))
    assert proc.stderr == "" and path.read_bytes() == before
    assert proc.returncode == 0
    (tmp_path / "pyproject.toml").write_text('[tool.markerc.check]\nignore = ["MK4"]\n', encoding="utf-8")
    proc = run_markerc("check", "--fix", str(path), cwd=ROOT)
    assert [line.split(": fixed ")[1] for line in proc.stderr.splitlines()] == [
        "MK314: 'system_numpy' -> '#system_numpy#'"
    ]
