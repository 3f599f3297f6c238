"""``markerc check``: the launch-breaking mistakes, rule selection (command line and
``[tool.markerc.check]`` found from the checked file upwards), and the output options."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from markerc.lint.config import Layer, cli_layer, resolve
from markerc.diagnostics import MarkercError
from tests.cli_helpers import ROOT, run_markerc
from tests.test_check import expected_position, model_json

# ---------------------------------------------------------------- the mistakes

#: (entries, offending entry, offending text, code): each breaks the model at Xinference launch.
MISTAKES = [
    (["foo ; #engine# == 'vllm'"], 0, "#engine#", "MK401"),
    (["#vllm_dependencies# ; #engine# == \"vllm\"", "#system_tourch#"], 1, "#system_tourch#", "MK312"),
    (["system_numpy"], 0, "system_numpy", "MK314"),
    (['flash-attn ; cuda_version == "12"'], 0, '"12"', "MK316"),
    (['sgl-kernel ; cuda_version >= "12.4" and cuda_version < "12.0"'], 0, "cuda_version >=", "MK318"),
    (['#vllm_dependencies ; #engine# == "vllm"'], 0, "#vllm_dependencies", "MK315"),
]


@pytest.mark.parametrize("entries,entry,at,code", MISTAKES, ids=[m[3] for m in MISTAKES])
def test_launch_breaking_mistakes_are_located_errors(
    tmp_path: Path, entries: list[str], entry: int, at: str, code: str
) -> None:
    path = tmp_path / "llm_family.json"
    path.write_text(model_json(entries), encoding="utf-8")
    proc = run_markerc("check", str(path), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout
    line, col = expected_position(entries, entry, at)
    assert re.search(rf"^{re.escape(str(path))}:{line}:{col}: {code} ", proc.stdout, re.M), proc.stdout
    first = proc.stdout.splitlines()[0]
    assert f": {code} " in first  # errors come first


# ---------------------------------------------------------------- selection on the command line

SAMPLE = [
    'a ; #engine# == "vLLM"',  # MK302 (off by default)
    "b ; #engine# == 'vllm'",  # MK401
    'c ; cuda_version == "12"',  # MK316
    "d>=1",
    "D >= 1",  # MK305 (warning)
    'e ; #engine# == "vlm"',  # MK103 (an input error: always reported)
]


def _codes(stdout: str) -> list[str]:
    return sorted(set(re.findall(r": (MK\d{3}) ", stdout)))


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "llm_family.json"
    path.write_text(model_json(SAMPLE), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args,codes",
    [
        ([], ["MK103", "MK305", "MK316", "MK401"]),
        (["--select", "ALL"], ["MK103", "MK302", "MK305", "MK316", "MK401"]),
        (["--select", "MK4"], ["MK103", "MK401"]),
        (["--select", "MK40"], ["MK103", "MK401"]),
        (["--select", "MK316,MK305"], ["MK103", "MK305", "MK316"]),
        (["--select", "MK316", "--select", "MK305"], ["MK103", "MK305", "MK316"]),
        (["--ignore", "MK401"], ["MK103", "MK305", "MK316"]),
        (["--ignore", "MK3"], ["MK103", "MK401"]),
        (["--extend-select", "MK302"], ["MK103", "MK302", "MK305", "MK316", "MK401"]),
        (["--select", "ALL", "--ignore", "MK3", "--extend-select", "MK302"], ["MK103", "MK302", "MK401"]),
        (["--ignore", "ALL", "--select", "MK302"], ["MK103", "MK302"]),  # more specific wins
        (["--select", "MK302", "--ignore", "MK302"], ["MK103"]),  # same specificity: ignore wins
        (["--select", ""], ["MK103"]),
        (["--ignore", "MK103"], ["MK103", "MK305", "MK316", "MK401"]),  # input errors stay
    ],
)
def test_select_from_the_command_line(sample: Path, args: list[str], codes: list[str]) -> None:
    proc = run_markerc("check", "--isolated", *args, str(sample))
    assert _codes(proc.stdout) == codes, proc.stdout + proc.stderr
    assert proc.returncode == 1


def test_strict_and_warnings(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(model_json(["d>=1", "D >= 1", 'a ; #engine# == "vLLM"']), encoding="utf-8")
    assert run_markerc("check", str(path)).returncode == 0
    assert run_markerc("check", "--strict", str(path)).returncode == 1
    assert run_markerc("check", "--strict", "--ignore", "MK305", str(path)).returncode == 0
    assert run_markerc("check", "--strict", "--ignore", "MK305", "--extend-select", "MK302", str(path)).returncode == 1


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--select", "MK999"], "unknown rule selector 'MK999' in --select"),
        (["--ignore", "MK40,XY1"], "unknown rule selector 'XY1' in --ignore"),
        (["--extend-select", "MK3021"], "unknown rule selector 'MK3021'"),
        (["--extend-select", "MK8"], "unknown rule selector 'MK8'"),
        (["--per-file-ignores", "*.json:MK777"], "unknown rule selector 'MK777'"),
        (["--per-file-ignores", "MK302"], "expected PATTERN:CODE"),
    ],
)
def test_unknown_codes_on_the_command_line(sample: Path, args: list[str], fragment: str) -> None:
    proc = run_markerc("check", *args, str(sample))
    assert proc.returncode == 2
    assert "MK339" in proc.stderr and fragment in proc.stderr, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr


def test_per_file_ignores_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    old = tmp_path / "old" / "llm_family.json"
    new = tmp_path / "llm_family.json"
    for p in (old, new):
        p.write_text(model_json(["b ; #engine# == 'vllm'"]), encoding="utf-8")
    proc = run_markerc("check", "--per-file-ignores", "old/*.json:MK401", str(old), str(new), cwd=tmp_path)
    assert re.findall(r"^(\S+?):\d+:\d+: MK401", proc.stdout, re.M) == [str(new)]
    proc = run_markerc("check", "--per-file-ignores", "llm_family.json:MK4", str(old), str(new), cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""


# ---------------------------------------------------------------- configuration files


def _tree(tmp_path: Path, config: str, name: str = "pyproject.toml") -> Path:
    """tmp/NAME with ``config``; the hub two folders below it."""
    (tmp_path / name).write_text(config, encoding="utf-8")
    hub = tmp_path / "xinference" / "model" / "llm_family.json"
    hub.parent.mkdir(parents=True)
    hub.write_text(model_json(SAMPLE), encoding="utf-8")
    return hub


def test_config_in_a_parent_folder(tmp_path: Path) -> None:
    hub = _tree(
        tmp_path,
        '[project]\nname = "hub"\n\n[tool.markerc.check]\nextend-select = ["MK302"]\n'
        'ignore = ["MK401"]\n\n[tool.markerc.check.per-file-ignores]\n"xinference/model/*.json" = ["MK316"]\n',
    )
    # run from somewhere else entirely: the configuration is found from the file upwards
    proc = run_markerc("check", str(hub), cwd=ROOT)
    assert _codes(proc.stdout) == ["MK103", "MK302", "MK305"], proc.stdout + proc.stderr
    # the command line's select starts the resolution: the file's modifiers no longer apply
    proc = run_markerc("check", "--select", "MK4,MK316", str(hub), cwd=ROOT)
    assert _codes(proc.stdout) == ["MK103", "MK401"]  # the per-file ignore still holds
    # --isolated reads no file
    assert _codes(run_markerc("check", "--isolated", str(hub), cwd=ROOT).stdout) == [
        "MK103", "MK305", "MK316", "MK401"
    ]


def test_nearest_config_wins_and_markerc_toml_first(tmp_path: Path) -> None:
    hub = _tree(tmp_path, '[tool.markerc.check]\nselect = ["MK305"]\n')
    inner = hub.parent.parent
    (inner / "pyproject.toml").write_text('[project]\nname = "no markerc table here"\n', encoding="utf-8")
    assert _codes(run_markerc("check", str(hub), cwd=ROOT).stdout) == ["MK103", "MK305"]
    (inner / "pyproject.toml").write_text('[tool.markerc.check]\nselect = ["MK316"]\n', encoding="utf-8")
    assert _codes(run_markerc("check", str(hub), cwd=ROOT).stdout) == ["MK103", "MK316"]
    (inner / "markerc.toml").write_text('[check]\nselect = ["MK4"]\n', encoding="utf-8")
    assert _codes(run_markerc("check", str(hub), cwd=ROOT).stdout) == ["MK103", "MK401"]
    # --config names the file for every checked path
    proc = run_markerc("check", "--config", str(tmp_path / "pyproject.toml"), str(hub), cwd=ROOT)
    assert _codes(proc.stdout) == ["MK103", "MK305"]


@pytest.mark.parametrize(
    "config,line,col,fragment",
    [
        ('[tool.markerc.check]\nselect = ["MK4", "MK999"]\n', 2, 19, "unknown rule selector 'MK999'"),
        ('[tool.markerc.check]\nignore = ["MK3O2"]\n', 2, 12, "did you mean MK302?"),
        ('[tool.markerc.check]\nextend_select = ["MK302"]\n', 2, 1, "unknown key 'tool.markerc.check.extend_select'; did you mean 'extend-select'?"),
        ('[tool.markerc.check]\nselect = "MK4"\n', 2, 1, "must be a list of rule selectors"),
        ('[tool.markerc.check.per-file-ignores]\n"*.json" = ["MK41"]\n', 2, 14, "unknown rule selector 'MK41'"),
    ],
)
def test_bad_config_is_a_located_error(tmp_path: Path, config: str, line: int, col: int, fragment: str) -> None:
    hub = _tree(tmp_path, config)
    proc = run_markerc("check", str(hub), cwd=ROOT)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{tmp_path / 'pyproject.toml'}:{line}:{col}: MK339 " in proc.stderr, proc.stderr
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr


def test_resolution_follows_ruff() -> None:
    default = frozenset({"MK305", "MK316", "MK401"})

    def layer(**kw: object) -> Layer:
        return Layer(source="t", base=".", **kw)  # type: ignore[arg-type]

    assert resolve([], default).enabled == default
    # a file's ignore, then the command line's select: the command line starts over
    rs = resolve([layer(ignore=("MK401",)), layer(select=("MK4",))], default)
    assert {"MK401", "MK402"} <= rs.enabled and "MK305" not in rs.enabled
    # the command line's extend-select adds to the file's select
    rs = resolve([layer(select=("MK305",)), layer(extend_select=("MK302",))], default)
    assert rs.enabled == {"MK305", "MK302"}
    # an empty select with an ignore carries the ignore into the next layer (ruff's rule)
    rs = resolve([layer(select=(), ignore=("MK3",)), layer(extend_select=("MK3", "MK401"))], default)
    assert rs.enabled == {"MK401"}
    with pytest.raises(MarkercError) as err:
        cli_layer(select=["ALL", "MK0000"])
    assert err.value.code == "MK339"


# ---------------------------------------------------------------- output


def test_output_formats_and_summary(sample: Path) -> None:
    full = run_markerc("check", str(sample)).stdout.splitlines()
    heads = [line for line in full if re.search(r": MK\d{3} ", line)]
    assert [re.search(r": (MK\d{3}) ", h).group(1) for h in heads] == ["MK401", "MK316", "MK103", "MK305"]  # type: ignore[union-attr]
    assert full[-6:] == [
        "Found 3 errors and 1 warning in 1 file:",
        "      1  MK103  error    unknown-engine",
        "      1  MK316  error    cuda-major-equality",
        "      1  MK401  error    xinference-engine-filter [*]",
        "      1  MK305  warning  duplicate-entry",
        "[*] 1 fixable with `markerc check --fix`.",
    ]
    assert "    ^" in "\n".join(full) or any(line.strip().startswith("^") for line in full)
    concise = run_markerc("check", "--output-format", "concise", str(sample)).stdout.splitlines()
    assert concise[:4] == heads and not any(line.strip().startswith("^") for line in concise)
    assert concise[4:] == full[-6:]
    quiet = run_markerc("check", "--quiet", "--output-format", "concise", str(sample)).stdout.splitlines()
    assert quiet == heads
    assert run_markerc("check", "--format", "text", str(sample)).stdout.splitlines() == full
    stats = run_markerc("check", "--statistics", "--select", "ALL", str(sample))
    assert stats.stdout.splitlines() == [
        "    1  MK103  error    [ ] unknown-engine  unknown engine",
        "    1  MK316  error    [ ] cuda-major-equality  cuda_version compared with a major version only",
        "    1  MK401  error    [*] xinference-engine-filter  Xinference's textual engine filter misreads this marker",
        "    1  MK302  warning  [*] engine-spelling  non-canonical engine spelling",
        "    1  MK305  warning  [ ] duplicate-entry  duplicate entry",
    ]
    assert stats.returncode == 1
    data = json.loads(run_markerc("check", "--statistics", "--output-format", "json", str(sample)).stdout)
    assert {"code": "MK401", "name": "xinference-engine-filter", "severity": "error", "count": 1, "fixable": 1} in data


def test_colour(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    plain = run_markerc("check", str(sample)).stdout  # not a terminal: no colour by default
    assert "\x1b" not in plain
    coloured = run_markerc("check", "--color", "always", str(sample)).stdout
    assert "\x1b[1;31mMK401\x1b[0m" in coloured and "\x1b[1;33mMK305\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    assert "\x1b" not in run_markerc("check", "--color", "always", "--output-format", "json", str(sample)).stdout
    assert "\x1b" not in run_markerc("check", "--color", "never", str(sample)).stdout


def test_no_color_and_terminal(sample: Path) -> None:
    """``--color auto`` on a real terminal colours unless NO_COLOR is set."""
    import os
    import pty
    import subprocess
    import sys

    def on_tty(extra: dict[str, str]) -> str:
        master, slave = pty.openpty()
        env = dict(os.environ, PYTHONPATH=str(ROOT), TERM="xterm", **extra)
        env.pop("NO_COLOR", None) if "NO_COLOR" not in extra else None
        proc = subprocess.Popen(
            [sys.executable, "-m", "markerc", "check", str(sample)], stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=60)
        os.close(master)
        return b"".join(chunks).decode()

    assert "\x1b[1;31m" in on_tty({})
    assert "\x1b" not in on_tty({"NO_COLOR": "1"})


def test_terminal_control_characters_from_the_hub_are_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(
        model_json(["foo\x1b]0;owned\x07 ; os_name == 'x'", 'bar ; #engine# == "v\u202ellm"']),
        encoding="utf-8",
    )
    for fmt in ("full", "concise", "github"):
        for colour in ("never", "always"):
            out = run_markerc("check", "--output-format", fmt, "--color", colour, str(path)).stdout
            assert "\x07" not in out and "\u202e" not in out and "]0;owned" not in out.replace("\\x1b]0;owned", "")
            assert not re.search(r"\x1b(?!\[[0-9;]*m)", out), repr(out)
    full = run_markerc("check", str(path)).stdout
    assert "\\x1b]0;owned" in full  # ESC shown as an escape (markerc.safety.printable)
