"""The top-level guard never fires (issue 9): ``check`` and ``compile`` on mutated real hubs
(byte flips, truncation, duplication, odd JSON spliced in, mangled entries) exit 0, 1 or 2 with
a diagnostic, never 3 (an internal error) and never a traceback.

Seeded: each case is reproducible from its id.  The project's fixtures are always mutated; the
Xinference corpus (../shared/corpus/xinference) too when it is present.  ``MARKERC_DEEP=N`` runs
N times as many cases.  A few cases also go through a real subprocess.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from markerc import cli

from .cli_helpers import ROOT
from .conftest import CORPUS, DEEP, FIXTURES

ODD_JSON = (
    "9" * 5000, "-" + "1" * 300, "1e99999", "-0", "1.5e-400", "NaN", "Infinity", "true", "null",
    '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"\\u001b]0;t\\u0007"', '"\\u2028\\u0085\\r\\n"',
    "[" * 300 + "]" * 300, "{" * 5 + "}" * 5, '{"a": 1, "a": 2}', '{"packages": 5}', '{"packages": [1, null]}',
    '{"packages": ["a"], "packages": ["b"]}', '"' + "x" * 70000 + '"', '"#vllm_dependencies#"', "[]", "{}",
    '{"virtualenv": {"packages": ["foo ; #engine# == \'vllm\'"]}}', '"\\\\"', '"\\"', "\x00", "\ufeff",
)  # fmt: skip
ENTRY_NOISE = list(";()'\"#<>=!~,[]@ \\.*+-_:/") + ["and", "or", "not", "in", "#engine#", "#system_torch#",
    "extra", "python_version", "cuda_version", "===", "~=", "\u2028", "\x1b", "\ud800", "\x00", "${TOKEN}",
    "--index-url", "\n", "sys_platform == 'linux'", "#vllm_dependencies#", "vllm", "1" * 400]  # fmt: skip


def _sources() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((FIXTURES / "hub").glob("*.json"))]
    if CORPUS.is_dir():
        for path in sorted(CORPUS.glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            if len(doc) > 12:  # llm_family.json: 1.3 MB; a few of its models keep each case fast
                doc = doc[:: max(1, len(doc) // 12)][:12]
            out.append((path.name, json.dumps(doc, indent=2, ensure_ascii=False)))
    return out


def _mutate_entries(text: str, rng: random.Random) -> str:
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    strings: list[tuple[list[str], int]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    strings.append((node, i))
                else:
                    walk(value)

    walk(doc)
    for _ in range(rng.randint(1, 4)):
        if not strings:
            break
        items, i = rng.choice(strings)
        value = items[i]
        at = rng.randint(0, len(value))
        noise = "".join(rng.choice(ENTRY_NOISE) for _ in range(rng.randint(1, 4)))
        cut = rng.randint(0, 3)
        items[i] = value[:at] + noise + value[at + cut :]
    return json.dumps(doc, indent=rng.choice([None, 2]), ensure_ascii=rng.random() < 0.5)


def mutate(text: str, rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:  # entries mangled, the JSON kept valid: reaches syntax, markers and compile
        return _mutate_entries(text, rng)
    if kind == 1:  # byte-level flips, through UTF-8 (may leave invalid UTF-8)
        data = bytearray(text.encode("utf-8"))
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return data.decode("utf-8", "surrogateescape")
    if kind == 2:  # truncation
        return text[: rng.randrange(len(text))]
    if kind == 3:  # a slice duplicated
        a = rng.randrange(len(text))
        b = min(len(text), a + rng.randint(1, 400))
        return text[:b] + text[a:b] + text[b:]
    # odd JSON spliced in after a ':', '[' or ',' (so that it often stays valid JSON)
    spots = [i + 1 for i, ch in enumerate(text) if ch in ":[,"] or [0]
    at = rng.choice(spots)
    odd = rng.choice(ODD_JSON)
    tail = ", " if text[at - 1 : at] in ("[", ",") and rng.random() < 0.7 else ""
    if kind == 4 and text[at - 1 : at] == ":":  # replace the value that follows instead
        return text[:at] + " " + odd + _skip_value(text, at)
    return text[:at] + odd + tail + text[at:]


def _skip_value(text: str, at: int) -> str:
    try:
        _, end = json.JSONDecoder().raw_decode(text[at:].lstrip())
    except ValueError:
        return text[at:]
    rest = text[at:].lstrip()
    return rest[end:]


def _write(path: Path, text: str) -> None:
    try:  # the bytes a byte flip left undecodable go back as they were ...
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # ... and a raw lone surrogate is written as (invalid) UTF-8
        data = text.encode("utf-8", "surrogatepass")
    path.write_bytes(data)


def run_in_process(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue() + err.getvalue()


COMMANDS = (
    ("check", "--isolated", "--select", "ALL", "{hub}"),
    ("check", "--isolated", "--output-format", "json", "{hub}"),
    ("compile", "{hub}", "--engine", "all"),
    ("compile", "{hub}", "--engine", "vllm", "--set", "sys_platform=linux", "--format", "json"),
    ("compile", "{hub}", "--engine", "all", "-o", "{out}/"),
)
CASES = 40 * DEEP  # per source file


@pytest.mark.parametrize("source", [name for name, _ in _sources()])
def test_mutated_hubs_never_reach_the_guard(source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = dict(_sources())[source]
    rng = random.Random(f"markerc-fuzz-{source}")
    hub = tmp_path / "hub.json"
    for case in range(CASES):
        mutated = mutate(text, rng)
        _write(hub, mutated)
        command = rng.choice(COMMANDS)
        argv = [a.replace("{hub}", str(hub)).replace("{out}", str(tmp_path / f"out{case}")) for a in command]
        code, output = run_in_process(*argv)
        where = f"case {case} of {source}: markerc {' '.join(argv)}; input kept in {hub}"
        assert code in (0, 1, 2), f"{where}\n{output[-2000:]}"
        assert "Traceback" not in output and "internal error" not in output, where


def test_every_mutation_kind_changes_the_text() -> None:
    rng = random.Random(7)
    text = (FIXTURES / "hub" / "single_model.json").read_text(encoding="utf-8")
    assert sum(mutate(text, rng) != text for _ in range(50)) >= 40


def test_the_guard_turns_an_unexpected_exception_into_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(args: object, argv: object) -> int:
        raise KeyError("\x1b]0;title\x07 secret")

    monkeypatch.setitem(cli.COMMANDS, "schema", boom)
    code, output = run_in_process("schema")
    assert code == 3
    from markerc import __version__

    lines = output.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"markerc {__version__}: internal error: KeyError: ")
    assert "\x1b" not in output and "\\x1b]0;title\\x07" in output and "please report" in output


def test_subprocess_runs_on_hostile_hubs_never_trace(tmp_path: Path) -> None:
    hostile = {
        "bigint.json": '[{"model_name": "m", "x": ' + "9" * 5000 + ', "virtualenv": {"packages": ["a"]}}]',
        "surrogate.json": '[{"model_name": "m\\ud800", "virtualenv": {"packages": ["a"]}}]',
        "deep.json": '{"packages": ["a"], "x": ' + "[" * 50000 + "]" * 50000 + "}",
        "dup.json": '{"packages": ["a"], "packages": ["b"]}',
        "flipped.json": '[{"model_name": "m", "virtualenv": {"packages": ["a\xff"]}}]',
    }
    for name, text in hostile.items():
        _write(tmp_path / name, text)
    for argv in (["check", *hostile], ["compile", "--engine", "vllm", *hostile]):
        proc = subprocess.run([sys.executable, "-m", "markerc", *argv], check=False, cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})  # fmt: skip
        assert proc.returncode in (1, 2), proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    for name in hostile:
        proc = subprocess.run([sys.executable, "-m", "markerc", "compile", name, "--engine", "vllm"], check=False, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT)})  # fmt: skip
        assert proc.returncode == 2 and "MK" in proc.stderr and "Traceback" not in proc.stderr, name


ODD_TOML = ("9" * 5000, "[" * 3000 + "]" * 3000, '"\\ud800"', '"\\u0000"', "nan", "inf", "1979-05-27T07:32:00Z",
            '"a\\nb"', '"--index-url x"', "{a = 1, a = 2}", '"2.8.0,<1"', "'torch=2.8;os_name==\"nt\"'")  # fmt: skip


@pytest.mark.parametrize("source", sorted(p.name for p in (FIXTURES / "targets").glob("*.toml")))
def test_mutated_targets_never_reach_the_guard(source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (FIXTURES / "targets" / source).read_text(encoding="utf-8")
    hub = FIXTURES / "hub" / "single_model.json"
    rng = random.Random(f"markerc-fuzz-{source}")
    target = tmp_path / "t.toml"
    for case in range(20 * DEEP):
        if rng.random() < 0.5:
            mutated = mutate(text, rng)
        else:  # an odd value in place of one value of the profile
            lines = text.splitlines()
            spots = [i for i, ln in enumerate(lines) if "=" in ln]
            i = rng.choice(spots)
            lines[i] = lines[i].split("=", 1)[0] + "= " + rng.choice(ODD_TOML)
            mutated = "\n".join(lines) + "\n"
        _write(target, mutated)
        code, output = run_in_process("compile", str(hub), "--engine", "all", "--target", str(target))
        where = f"case {case} of {source}; input kept in {target}"
        assert code in (0, 1, 2), f"{where}\n{output[-2000:]}"
        assert "Traceback" not in output and "internal error" not in output, where


ODD_VALUES = ("", "\n", "a\nb", "\ud800", "\x00", "9" * 5000, "1" * 120 + ".0", "a" * 300, "[[[", "'", '"', "${X}",
              "--x", "1.2.3.4.5", "12.8", "true", "none", "x==", "=", "\u2028", "abc;def", "1e999", "-1", "nan")  # fmt: skip
VARIABLES = ("sys_platform", "cuda_version", "has_cuda", "python_version", "platform_machine", "extra", "bogus", "",
             "python_full_version", "implementation_version", "cuda_arch", "platform_release")  # fmt: skip


def test_odd_command_line_values_never_reach_the_guard() -> None:
    hub = str(FIXTURES / "hub" / "single_model.json")
    rng = random.Random("markerc-fuzz-argv")
    for case in range(150 * DEEP):
        argv = ["compile", hub, "--engine", rng.choice(["all", "vllm", "transformers", "", ",", "x\n"])]
        for _ in range(rng.randint(0, 3)):
            argv += ["--set", f"{rng.choice(VARIABLES)}={rng.choice(ODD_VALUES)}"]
        if rng.random() < 0.4:
            argv += ["--system", f"{rng.choice(['torch', 'numpy', '', 'x y'])}={rng.choice(ODD_VALUES)}"]
        if rng.random() < 0.3:
            argv += ["--index-url", rng.choice(ODD_VALUES)]
        if rng.random() < 0.2:
            argv += ["--model", rng.choice((*ODD_VALUES, "all"))]
        code, output = run_in_process(*argv)
        assert code in (0, 1, 2), f"case {case}: {[a[:60] for a in argv]}\n{output[-1000:]}"
        assert "Traceback" not in output and "internal error" not in output
