"""``markerc check``: every rule has a failing and a passing example, run through the CLI.

The rule cases are written to one file each and checked in one CLI run per polarity (so the
suite stays fast); each failing case states the code and the offending text, and the expected
line and column are computed independently with ``json.dumps`` (through JSON escapes).
"""

from __future__ import annotations

import collections
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from markerc.lint.check import check_hub, check_paths
from markerc.lint.framework import RuleSet
from markerc.compiler.hub import load_hub
from markerc.diagnostics import CATALOGUE, Diagnostic, Location, MarkercError
from markerc.compiler.engines import load_engines
from markerc.lint.formats import render_diagnostics
from tests.cli_helpers import run_markerc
from tests.conftest import corpus_files

ENGINES = load_engines()
FIRST_LINE = 6  # line of the first entry in the layout written by model_json()
FIRST_COL = 10  # column of its first character (8 spaces and the opening quote before it)


def model_json(packages: list[str], block: str = "") -> str:
    """A one-model hub file: entry ``i`` is on line ``FIRST_LINE + i``, from ``FIRST_COL``."""
    lines = ["[", "  {", '    "model_name": "m",', '    "virtualenv": {', '      "packages": [']
    for i, p in enumerate(packages):
        lines.append("        " + json.dumps(p) + ("," if i < len(packages) - 1 else ""))
    lines.append("      ]" + ("," if block else ""))
    if block:
        lines.append("      " + block)
    lines += ["    }", "  }", "]", ""]
    return "\n".join(lines)


def expected_position(packages: list[str], entry: int, at: str) -> tuple[int, int]:
    """Line and column of the first ``at`` in entry ``entry``, through JSON escaping."""
    text = packages[entry]
    k = text.index(at)
    return FIRST_LINE + entry, FIRST_COL + len(json.dumps(text[:k])) - 2


@dataclass(frozen=True)
class Case:
    code: str
    bad: list[str]
    entry: int  # which entry the diagnostic points into
    at: str  # the offending text inside it
    good: list[str]
    message: str = ""  # a fragment the message must contain


CASES = [
    Case("MK001", ['foo ; sys_platform = "linux"'], 0, "=", ['foo ; sys_platform == "linux"'], "'=='"),
    Case("MK001", ['foo ; sys_platform == "linux'], 0, '"linux', ['foo ; sys_platform == "linux"'], "unterminated"),
    Case("MK002", ["  -r other.txt"], 0, "-", ["other"], "installer option"),
    Case("MK003", ["foo\nbar"], 0, "\n", ["foo"], "line break"),
    # a NUL in a hub string is refused at its JSON escape, for every string (MK622)
    Case("MK622", ["foo\x00"], 0, "\x00", ["foo"], "NUL"),
    Case("MK004", ["# just a comment"], 0, "#", ["#system_torch#"], "comment"),
    Case("MK005", ["foo ; " + "(" * 70 + 'os_name == "x"' + ")" * 70], 0, "(" * 6 + "os_name", ['foo ; (os_name == "x")']),
    Case("MK006", ["foo>=1.0.0.dev.x"], 0, ">=", ["foo>=1.0.0.dev0"]),
    Case("MK101", ['foo ; sys_platfrom == "linux"'], 0, "sys_platfrom", ['foo ; sys_platform == "linux"'], "did you mean sys_platform"),
    Case("MK102", ['foo ; has_cuda == "yes"'], 0, "has_cuda", ['foo ; has_cuda == "true"'], "boolean"),
    Case("MK102", ['foo ; #engine# >= "vllm"'], 0, "#engine#", ['foo ; #engine# == "vllm"']),
    Case("MK103", ['foo ; #engine# == "vlm"'], 0, "vlm", ['foo ; #engine# == "vllm"'], "did you mean 'vllm'"),
    Case("MK103", ['foo ; #engine# in "vllm, sglng"'], 0, "sglng", ['foo ; #engine# == "vllm" or #engine# == "sglang"'], "did you mean 'sglang'"),
    Case("MK103", ['#vlm_dependencies# ; #engine# == "vllm"'], 0, "#vlm", ['#vllm_dependencies# ; #engine# == "vllm"'], "did you mean 'vllm'"),
    Case("MK104", ["#torch#"], 0, "#torch#", ["#system_torch#"], "unknown placeholder"),
    Case("MK105", ['foo ; "a" == "b"'], 0, '"a"', ['foo ; os_name == "b"']),
    Case("MK106", ['foo ; extra == "gpu"'], 0, "extra", ["foo[gpu]"]),
    Case("MK502", ["foo<1", "foo>2"], 1, ">2", ["foo<1", "foo>0.5"], "'foo<1' at line 6, column 10"),
    Case("MK502", ['foo<1 ; #engine# == "vllm"', 'foo>2 ; #engine# == "vLLM"'], 1, ">2", ['foo<1 ; #engine# == "vllm"', 'foo>2 ; #engine# == "sglang"']),
    Case("MK502", ["foo @ https://a.example/foo-1-py3-none-any.whl", "foo @ https://b.example/foo-1-py3-none-any.whl"], 1, "foo", ["foo @ https://a.example/foo-1-py3-none-any.whl", "foo @ https://a.example/foo-1-py3-none-any.whl ; os_name == \"nt\""], "two different URLs"),
    Case("MK502", ["foo>2,<1"], 0, ">2", ["foo>1,<2"], "no version"),
    Case("MK301", ['vllm_dependencies ; #engine# == "vllm"'], 0, "vllm_dependencies", ['#vllm_dependencies# ; #engine# == "vllm"'], "#vllm_dependencies#"),
    Case("MK302", ['foo ; #engine# == "vLLM"'], 0, "vLLM", ['foo ; #engine# == "vllm"'], "'vllm'"),
    Case("MK302", ['foo ; #engine# == "vllm" or #engine# == "SGLang"'], 0, "SGLang", ['foo ; #engine# == "vllm" or #engine# == "sglang"']),
    Case("MK303", ['#vllm_dependencies# ; #engine# == "sglang"', 'foo ; #engine# == "vllm"'], 0, "#engine#", ['#vllm_dependencies# ; #engine# == "vllm"']),
    Case("MK304", ["#vllm_dependencies#", 'foo ; #engine# == "sglang"'], 0, "#vllm", ['#vllm_dependencies# ; #engine# == "vllm"', 'foo ; #engine# == "sglang"'], "Xinference lists"),
    Case("MK305", ["foo>=1", "bar", "Foo >= 1"], 2, "Foo", ["foo>=1", "bar", "foo>=2"], "line 6, column 10"),
    Case("MK309", ["#system_torchaudio#"], 0, "#system_torchaudio#", ["#system_torchaudio#", "#system_torch#"], "#system_torch#"),
    Case("MK310", ["#System_torch#"], 0, "#System_torch#", ["#system_torch#"], "'#system_torch#'"),
    Case("MK310", ['# vllm_dependencies # ; #engine# == "vllm"'], 0, "# vllm", ['#vllm_dependencies# ; #engine# == "vllm"']),
    Case("MK310", ["#system_torch #"], 0, "#system_torch #", ["#system_torch#"], "'#system_torch#'"),
    Case("MK310", ['foo ; # engine # == "vllm"'], 0, "# engine #", ['foo ; #engine# == "vllm"']),
    Case("MK320", ['foo ; #ENGINE# == "vllm"'], 0, "#ENGINE#", ['foo ; #engine# == "vllm"']),
    Case("MK320", ['#VLLM_Dependencies# ; #engine# == "vllm"'], 0, "#VLLM", ['#vllm_dependencies# ; #engine# == "vllm"']),
    Case("MK312", ["#system_tourch#"], 0, "#system_tourch#", ["#system_torch#"], "did you mean #system_torch#?"),
    Case("MK312", ["#system_nunpy# ; sys_platform == 'linux'"], 0, "#system_nunpy#", ["#system_numpy# ; sys_platform == 'linux'"], "#system_numpy#"),
    Case("MK312", ["#system_torchvison#"], 0, "#system", ["#system_torchvision#", "#system_torch#"], "#system_torchvision#"),
    Case("MK313", ["#system_flash_attn#"], 0, "#system_flash_attn#", ["#system_pandas#"], "no other model"),
    Case("MK313", ["#system_torchao#"], 0, "#system_torchao#", ["#system_torchaudio#", "#system_torch#"]),
    Case("MK314", ["system_numpy"], 0, "system_numpy", ["#system_numpy#"], "'#system_numpy#'"),
    Case("MK314", ['system_torch ; #engine# == "vllm"'], 0, "system_torch", ['#system_torch# ; #engine# == "vllm"']),
    Case("MK315", ['#vllm_dependencies ; #engine# == "vllm"'], 0, "#vllm_dependencies", ['#vllm_dependencies# ; #engine# == "vllm"'], "'#vllm_dependencies#'"),
    Case("MK315", ["  #system_torch"], 0, "#system_torch", ["#system_torch#"], "no closing '#'"),
    Case("MK316", ['foo ; cuda_version == "12"'], 0, '"12"', ['foo ; cuda_version == "12.*"'], "only for CUDA 12.0"),
    Case("MK316", ['foo ; #engine# == "vllm" and cuda_version == "13"'], 0, '"13"', ['foo ; #engine# == "vllm" and cuda_version == "13.*"'], '"13.*"'),
    Case("MK317", ['foo ; cuda_version == "12.4.1"'], 0, "cuda_version", ['foo ; cuda_version == "12.4"'], "never true"),
    Case("MK317", ['foo ; cuda_version ~= "12.4.1"'], 0, "cuda_version", ['foo ; cuda_version ~= "12.4"'], "never true"),
    Case("MK317", ['foo ; cuda_version == "12.8rc1"'], 0, "cuda_version", ['foo ; cuda_version >= "12.8rc1"'], "never true"),
    Case("MK317", ['foo ; cuda_version != "12.4.1"'], 0, "cuda_version", ['foo ; cuda_version == "12.4"'], "true for every"),
    Case("MK317", ['foo ; cuda_arch == "sm_9"'], 0, "cuda_arch", ['foo ; cuda_arch == "sm_90"'], "never true"),
    Case("MK317", ['foo ; cuda_arch < "sm_10"'], 0, "cuda_arch", ['foo ; cuda_arch < "sm_80"'], "never true"),
    Case("MK318", ['foo ; cuda_version >= "12.4" and cuda_version < "12.0"'], 0, "cuda_version >=", ['foo ; cuda_version >= "12.4" and cuda_version < "13.0"'], "false in every environment"),
    Case("MK318", ['foo ; #engine# == "vllm" and #engine# == "sglang"'], 0, "#engine#", ['foo ; #engine# == "vllm" or #engine# == "sglang"']),
    Case("MK318", ['foo ; has_cuda and not has_cuda'], 0, "has_cuda", ['foo ; has_cuda']),
    Case("MK318", ['foo ; cuda_version == "12.*" and cuda_version >= "13.0"'], 0, "cuda_version", ['foo ; cuda_version == "12.*" and cuda_version >= "12.4"']),
    Case("MK318", ['foo ; cuda_arch >= "sm_90" and cuda_arch < "sm_80"'], 0, "cuda_arch", ['foo ; cuda_arch >= "sm_80" and cuda_arch < "sm_90"']),
    Case("MK318", ['foo ; sys_platform == "linux" and sys_platform == "darwin"'], 0, "sys_platform", ['foo ; sys_platform == "linux" or sys_platform == "darwin"']),
    Case("MK319", ['foo ; has_cuda or not has_cuda'], 0, "has_cuda", ['foo ; has_cuda']),
    Case("MK319", ['foo ; cuda_version < "12.4" or cuda_version >= "12.4" or not has_cuda or has_cuda'], 0, "cuda_version", ['foo ; cuda_version < "12.4"']),
    Case("MK311", ['foo ; #engie# == "vllm"'], 0, "#engie#", ['foo ; #engine# == "vllm"'], "did you mean #engine#?"),
    Case("MK401", ["foo ; #engine# == 'vllm'"], 0, "#engine#", ['foo ; #engine# == "vllm"'], "keeps this entry for no engine"),
    Case("MK401", ['foo ; #engine# != "sglang"'], 0, "#engine#", ['foo ; #engine# == "vllm"']),
    Case("MK401", ['foo ; #engine#=="vllm"'], 0, "#engine#", ['foo ; #engine# == "vllm"']),
    Case("MK401", ['foo ; #engine# in "vllm, sglang"'], 0, "#engine#", ['foo ; #engine# == "vllm" or #engine# == "sglang"'], 'write \'#engine# == "vllm" or #engine# == "sglang"\''),
    Case("MK401", ['foo ; "vllm" == #engine# and cuda_version >= "12.0"'], 0, '"vllm"', ['foo ; #engine# == "vllm" and cuda_version >= "12.0"']),
    Case("MK402", ['foo ; #engine# == "vllm" or sys_platform == "darwin"'], 0, "#engine#", ['foo ; #engine# == "vllm" or #engine# == "sglang"'], "'or'"),
    Case("MK402", ['foo ; not #engine# == "vllm"'], 0, "not", ['foo ; #engine# == "vllm"'], "'not'"),
    Case("MK403", ["x", 'x>=1 ; #engine# == "vllm"'], 0, "x", ['x ; #engine# == "vllm"', 'x ; #engine# == "sglang"'], "installs no 'x'"),
    Case("MK403", ['#sglang_dependencies# ; #engine# == "sglang"', 'ninja ; #engine# == "vllm"'], 1, "ninja", ['#sglang_dependencies# ; #engine# == "sglang"', 'ninja ; #engine# == "sglang"'], "sglang installs no 'ninja'"),
    Case("MK404", ['foo ; #engine# == "vllm" and "12.0" <= cuda_version'], 0, '"12.0"', ['foo ; #engine# == "vllm" and cuda_version >= "12.0"'], "reversed"),
    Case("MK404", ['foo ; cuda_version != "13.0"'], 0, "cuda_version", ['foo ; cuda_version < "13.0"']),
    Case("MK405", ['x ; sys_platform == "linux"', 'x ; sys_platform == "darwin"'], 0, "x", ['x ; sys_platform == "linux"', 'y ; sys_platform == "darwin"']),
    Case("MK406", ['foo ; #engine# == "vllm" and python_version >= "3.10"'], 0, "python_version", ['foo ; #engine# == "vllm" and sys_platform == "linux"'], "discards"),
    Case("MK406", ['#vllm_dependencies# ; #engine# == "vllm" and has_cuda'], 0, "#engine#", ['#vllm_dependencies# ; #engine# == "vllm"'], "placeholder's marker"),
]


def _case_id(case: Case) -> str:
    return f"{case.code}-{case.at.strip()[:12]!r}"


@pytest.fixture(scope="module")
def rule_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[dict]]]:
    """One CLI run over every failing file and one over every passing file (JSON output)."""
    folder = tmp_path_factory.mktemp("rules")
    out: dict[str, dict[str, list[dict]]] = {}
    for polarity in ("bad", "good"):
        paths = []
        for n, case in enumerate(CASES):
            path = folder / f"{polarity}-{n:02d}.json"
            path.write_text(model_json(getattr(case, polarity)), encoding="utf-8")
            paths.append(str(path))
        proc = run_markerc("check", "--isolated", "--select", "ALL", "--format", "json", *paths)
        assert proc.returncode in (0, 1), proc.stderr
        by_path: dict[str, list[dict]] = collections.defaultdict(list)
        for d in json.loads(proc.stdout or "[]"):
            by_path[d["path"]].append(d)
        out[polarity] = {p: by_path.get(p, []) for p in paths}
    return out


@pytest.mark.parametrize("n", range(len(CASES)), ids=[_case_id(c) for c in CASES])
def test_rule_fails_with_location(n: int, rule_runs: dict) -> None:
    case = CASES[n]
    diags = next(v for k, v in rule_runs["bad"].items() if k.endswith(f"bad-{n:02d}.json"))
    line, col = expected_position(case.bad, case.entry, case.at)
    hits = [d for d in diags if d["code"] == case.code]
    assert hits, f"{case.code} not reported; got {diags}"
    assert (line, col) in {(d["line"], d["column"]) for d in hits}, (line, col, hits)
    assert all(d["severity"] == CATALOGUE[case.code][0] for d in hits)
    if case.message:
        assert any(case.message in d["message"] for d in hits), hits


@pytest.mark.parametrize("n", range(len(CASES)), ids=[_case_id(c) for c in CASES])
def test_rule_passes_on_fixed_example(n: int, rule_runs: dict) -> None:
    case = CASES[n]
    diags = next(v for k, v in rule_runs["good"].items() if k.endswith(f"good-{n:02d}.json"))
    assert [d for d in diags if d["code"] == case.code] == []
    assert [d for d in diags if d["severity"] == "error"] == []


# ---------------------------------------------------------------- block-level rules


BLOCK_CASES = [
    # (code, block JSON after "packages", offending text in the file, good block)
    ("MK202", '"no_build_isolation": "yes"', '"yes"', '"no_build_isolation": true'),
    ("MK203", '"index_strategy": "fastest"', '"fastest"', '"index_strategy": "unsafe-best-match"'),
    ("MK306", '"mystery": true', '"mystery"', '"inherit_pip_config": true'),
    ("MK307", '"index_url": "http://mirror.example/simple"', "http://", '"index_url": "https://mirror.example/simple"'),
    ("MK307", '"find_links": ["http://mirror.example/wheels"]', "http://", '"find_links": ["http://localhost:8000/wheels"]'),
    ("MK308", '"extra_index_url": ["https://alice:s3cret@mirror.example/simple"]', "alice", '"extra_index_url": ["https://mirror.example/simple"]'),
]


def _file_position(text: str, at: str) -> tuple[int, int]:
    k = text.index(at)
    return text.count("\n", 0, k) + 1, k - (text.rfind("\n", 0, k) + 1) + 1


@pytest.mark.parametrize("code,bad,at,good", BLOCK_CASES, ids=[c[0] + "-" + c[2] for c in BLOCK_CASES])
def test_block_rules(tmp_path: Path, code: str, bad: str, at: str, good: str) -> None:
    bad_text = model_json(["foo"], bad)
    (tmp_path / "bad.json").write_text(bad_text, encoding="utf-8")
    (tmp_path / "good.json").write_text(model_json(["foo"], good), encoding="utf-8")
    proc = run_markerc("check", "--format", "json", "bad.json", "good.json", cwd=tmp_path)
    diags = json.loads(proc.stdout)
    line, col = _file_position(bad_text, at)
    hits = [d for d in diags if d["code"] == code]
    assert [(d["path"], d["line"], d["column"]) for d in hits] == [("bad.json", line, col)]
    assert proc.returncode == (1 if CATALOGUE[code][0] == "error" else 0)
    assert "s3cret" not in proc.stdout
    assert [d for d in diags if d["path"] == "good.json"] == []


def test_credentials_never_printed(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(
        model_json(
            ["foo @ https://bob:hunter2@git.example/foo-1-py3-none-any.whl ; os_name == 'x' ="],
            '"index_url": "https://bob:hunter2@mirror.example/simple"',
        ),
        encoding="utf-8",
    )
    for fmt in ("text", "json", "github"):
        proc = run_markerc("check", "--format", fmt, str(path))
        assert "hunter2" not in proc.stdout + proc.stderr
        assert "MK308" in proc.stdout and "MK001" in proc.stdout
    assert re.search(r"https://\*+@mirror\.example/simple", proc.stdout)


def test_record_engine_unknown(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    text = '[{"model_name": "a", "engine": "PyTroch", "virtualenv": {"packages": ["x"]}},\n {"model_name": "a", "engine": "PyTorch", "virtualenv": {"packages": ["x"]}}]\n'
    path.write_text(text, encoding="utf-8")
    proc = run_markerc("check", str(path))
    assert proc.returncode == 1
    assert f"{path}:1:33: MK103 unknown engine 'PyTroch' for this record; did you mean 'pytorch'?" in proc.stdout
    assert len(re.findall(r": MK103 ", proc.stdout)) == 1


# ---------------------------------------------------------------- files, exit codes, formats


def test_exit_codes(tmp_path: Path) -> None:
    clean = tmp_path / "clean.json"
    clean.write_text(model_json(['#vllm_dependencies# ; #engine# == "vllm"', "#system_torch#"]), encoding="utf-8")
    warn = tmp_path / "warn.json"
    warn.write_text(model_json(["foo>=1", "Foo >= 1"]), encoding="utf-8")
    error = tmp_path / "error.json"
    error.write_text(model_json(['foo ; #engine# == "vlm"']), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('[{"model_name": "m",\n  "virtualenv": {"packages": ["a",]}}]\n', encoding="utf-8")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"packages": ["caf\xe9"]}')

    proc = run_markerc("check", str(clean))
    assert (proc.returncode, proc.stdout) == (0, "")
    proc = run_markerc("check", str(warn))
    assert proc.returncode == 0 and "MK305" in proc.stdout
    assert proc.stdout.splitlines()[-2:] == [
        "Found 1 warning in 1 file:", "      1  MK305  warning  duplicate-entry"
    ]
    assert run_markerc("check", "--strict", str(warn)).returncode == 1
    assert run_markerc("check", "--strict", str(clean)).returncode == 0
    proc = run_markerc("check", str(warn), str(error))
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-3:] == [
        "Found 1 error and 1 warning in 2 files:",
        "      1  MK103  error    unknown-engine",
        "      1  MK305  warning  duplicate-entry",
    ]
    # errors first, whatever the order of the files
    heads = [line for line in proc.stdout.splitlines() if re.search(r": MK\d{3} ", line)]
    assert [re.search(r"MK\d{3}", h).group() for h in heads] == ["MK103", "MK305"]  # type: ignore[union-attr]
    proc = run_markerc("check", str(broken))
    assert proc.returncode == 1
    assert f"{broken}:2:34: MK201 invalid JSON: Illegal trailing comma" in proc.stdout
    proc = run_markerc("check", str(latin))
    assert proc.returncode == 1 and f"{latin}:1:19: MK201 file is not valid UTF-8" in proc.stdout
    proc = run_markerc("check", str(clean), str(tmp_path / "missing.json"))
    assert proc.returncode == 2 and "MK205" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert run_markerc("check", str(tmp_path)).returncode == 2  # a folder cannot be read
    assert run_markerc("check", "--format", "xml", str(clean)).returncode == 2
    assert run_markerc("check").returncode == 2


def test_text_output_has_caret_under_the_offending_character(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(model_json(['foo ; #engine# == "vlm"']), encoding="utf-8")
    proc = run_markerc("check", str(path))
    lines = proc.stdout.splitlines()
    assert lines[0] == f"{path}:6:30: MK103 unknown engine 'vlm'; did you mean 'vllm'?"
    assert lines[1] == '    foo ; #engine# == "vlm"'
    assert lines[2] == "    " + " " * 19 + "^^^"
    assert lines[-2:] == ["Found 1 error in 1 file:", "      1  MK103  error    unknown-engine"]


def test_json_format(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(model_json(['foo ; #engine# == "vlm"', 'bar ; #engine# == "MLX"']), encoding="utf-8")
    proc = run_markerc("check", "--format", "json", "--extend-select", "MK302", str(path))
    data = json.loads(proc.stdout)
    assert data == [
        {"path": str(path), "line": 6, "column": 30, "code": "MK103", "severity": "error", "message": "unknown engine 'vlm'; did you mean 'vllm'?", "fixable": False},
        {"path": str(path), "line": 7, "column": 30, "code": "MK302", "severity": "warning", "message": data[1]["message"], "fixable": True},
    ]
    assert run_markerc("check", "--output-format", "json", "--extend-select", "MK302", str(path)).stdout == proc.stdout


def test_github_format_escapes(tmp_path: Path) -> None:
    folder = tmp_path / "a,b:c%d"
    folder.mkdir()
    path = folder / "m.json"
    path.write_text(model_json(['foo ; #engine# == "vlm"', 'bar ; #engine# == "MLX"']), encoding="utf-8")
    proc = run_markerc("check", "--format", "github", "--select", "ALL", str(path))
    lines = proc.stdout.splitlines()
    escaped = str(path).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    assert lines[0].startswith(f"::error file={escaped},line=6,col=30,endColumn=33,title=MK103::MK103 unknown engine 'vlm'; did you mean 'vllm'?%0Anote: known engines: ")
    assert lines[1].startswith(f"::warning file={escaped},line=7,col=30,endColumn=33,title=MK302::MK302 engine 'MLX'")
    assert len(lines) == 2


def test_render_diagnostics_units() -> None:
    loc = Location("p,1:2.json", 3, 4)
    d = Diagnostic.make("MK307", "100% plain\nhttp", location=loc)
    assert render_diagnostics([], "text") == ""
    assert render_diagnostics([], "json") == "[]"
    assert render_diagnostics([d], "github") == (
        "::warning file=p%2C1%3A2.json,line=3,col=4,title=MK307::MK307 100%25 plain%0Ahttp"
    )
    text = render_diagnostics([d, d], "text", fixable=[False, True])
    assert text.endswith(
        "\nFound 2 warnings in 1 file:\n      2  MK307  warning  insecure-index-url [*]\n"
        "[*] 1 fixable with `markerc check --fix`."
    )
    assert render_diagnostics([d, d], "concise", quiet=True) == "p,1:2.json:3:4: MK307 100% plain\nhttp\n" * 0 + (
        "p,1:2.json:3:4: MK307 100% plain\nhttp\np,1:2.json:3:4: MK307 100% plain\nhttp"
    )
    with pytest.raises(ValueError):
        render_diagnostics([d], "xml")


def test_check_hub_api_sorted_and_bare_block(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"packages": ["b ; #engine# == \\"MLX\\"", "a ; #engine# == \\"vlm\\""], "x": 1}', encoding="utf-8")
    diags = check_hub(load_hub(str(path)), ENGINES)
    keys = [(d.location.line, d.location.column, d.code) for d in diags]
    assert keys == sorted(keys)
    assert {d.code for d in diags} == {"MK103", "MK306"}  # MK302 is off by default
    every = check_hub(load_hub(str(path)), ENGINES, RuleSet(frozenset(CATALOGUE)))
    assert {d.code for d in every} == {"MK302", "MK103", "MK306"}
    assert check_hub(load_hub(str(path)), ENGINES, RuleSet(frozenset())) == [
        d for d in diags if d.code == "MK103"
    ]  # input errors cannot be deselected
    result = check_paths([str(path)], engines=ENGINES)
    assert (result.files, result.exit_code) == (1, 1)


# ---------------------------------------------------------------- the real hub


def test_real_hub_defaults_are_quiet() -> None:
    """The issue's bar: with the defaults, zero errors and at most a few dozen lines."""
    files = [str(p) for p in corpus_files()]
    proc = run_markerc("check", "--isolated", *files)
    assert proc.returncode == 0, proc.stdout
    lines = proc.stdout.splitlines()
    assert len(lines) <= 36, proc.stdout
    assert lines[-2:] == ["Found 7 warnings in 2 files:", "      7  MK403  warning  xinference-merge-drop"]
    assert not [line for line in lines if ": MK" in line and " MK403 " not in line]


def test_real_hub_has_no_errors_and_the_known_quirks() -> None:
    files = [str(p) for p in corpus_files()]
    result = check_paths(files, engines=ENGINES, rules=RuleSet(frozenset(CATALOGUE)))
    errors = [d.render() for d in result.diagnostics if d.severity == "error"]
    assert errors == []
    assert result.exit_code == 0
    codes = collections.Counter(d.code for d in result.diagnostics)
    # Counted by hand against the corpus listing of distinct strings (README: 2052 strings):
    # bare placeholders: transformers 3, mlx 3, vllm 5, sglang 8.
    legacy = collections.Counter(
        re.search(r"'(\w+)_dependencies'", d.message).group(1)  # type: ignore[union-attr]
        for d in result.diagnostics
        if d.code == "MK301"
    )
    assert legacy == {"transformers": 3, "mlx": 3, "vllm": 5, "sglang": 8}
    # mixed-case engine literals: "Transformers" 217, "MLX" 105, "vLLM" 27, "SGLang" 8.
    spellings = collections.Counter(
        re.match(r"engine '([^']+)'", d.message).group(1)  # type: ignore[union-attr]
        for d in result.diagnostics
        if d.code == "MK302"
    )
    assert spellings == {"Transformers": 217, "MLX": 105, "vLLM": 27, "SGLang": 8}
    # Xinference's merge losses named in SPEC section 8: Qwen3-ASR loses qwen-asr off vLLM
    # (2 records), gemma-4 loses transformers on Transformers, sglang loses ninja (4 models).
    losses = [d for d in result.diagnostics if d.code == "MK403"]
    assert len(losses) == 7
    assert sum("'qwen-asr'" in d.message for d in losses) == 2
    assert sum("sglang installs no 'ninja'" in d.message for d in losses) == 4
    assert sum("transformers installs no 'transformers'" in d.message for d in losses) == 1
    assert set(codes) == {"MK301", "MK302", "MK403"}, codes


def test_an_error_is_placed_and_annotated_by_copy() -> None:
    err = MarkercError("MK001", "bad", notes=("first",))
    placed = err.with_location(Location("hub.json", 3, 7))
    noted = placed.with_notes("first", "second", "second")
    assert err.location is None and err.notes == ("first",)  # the original is unchanged
    assert str(placed.location) == "hub.json:3:7" and placed.code == "MK001"
    assert noted.notes == ("first", "second") and noted.location == placed.location
    assert noted.with_notes("second") is noted
