"""The persistent parse cache: a hit is the parse, a tampered or foreign file is ignored, and it
never changes a result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from markerc.language import parsecache
from markerc.language.syntax import parse_entry

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = [
    "transformers>=4.46 ; #engine# == 'vllm'",
    "#vllm_dependencies# ; sys_platform == 'linux'",
    "#system_torch#[cuda]",
    "flash-attn @ https://example.invalid/flash_attn-2.8-cp311-linux_x86_64.whl ; has_cuda",
    "a[x,y]>=1,<2 ; not (cuda_version >= '12.8' or platform_machine in 'arm64 aarch64')",
]


@pytest.fixture
def cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "MARKERC_NO_CACHE": "",
        "MARKERC_CACHE_DIR": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def _in_child(env: dict[str, str], code: str, texts: list[str]) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter (the cache is read at first use, written at exit)
    with ``texts`` as its JSON argument; its JSON output."""
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(texts)],
        env=full,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def _parse_in_child(env: dict[str, str], texts: list[str]) -> list[dict[str, object]]:
    """Parse in a fresh interpreter; report each entry's repr and whether the parser module was
    imported."""
    code = (
        "import json, sys\n"
        "from markerc.language.syntax import parse_entry\n"
        "out = [repr(parse_entry(t)) for t in json.loads(sys.argv[1])]\n"
        "print(json.dumps({'entries': out, 'parser': 'markerc.language._lark_parser' in sys.modules}))\n"
    )
    return [_in_child(env, code, texts)]


def test_round_trip_of_every_node_kind() -> None:
    for text in ENTRIES:
        entry = parse_entry(text)
        back = parsecache._decode(json.loads(json.dumps(parsecache._encode(entry))))
        assert back == entry and repr(back) == repr(entry)
        assert back.marker_span == entry.marker_span and back.head_span == entry.head_span


def test_second_run_hits_without_the_parser(cache_env: dict[str, str]) -> None:
    (first,) = _parse_in_child(cache_env, ENTRIES)
    assert first["parser"] is True
    files = list(Path(cache_env["MARKERC_CACHE_DIR"]).glob("entries-*.json"))
    assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    key = Path(cache_env["XDG_STATE_HOME"]) / "markerc" / "cache.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    (second,) = _parse_in_child(cache_env, ENTRIES)
    assert second == {"entries": first["entries"], "parser": False}


def test_tampered_or_foreign_cache_is_ignored(cache_env: dict[str, str], tmp_path: Path) -> None:
    _parse_in_child(cache_env, ENTRIES[:1])
    (path,) = Path(cache_env["MARKERC_CACHE_DIR"]).glob("entries-*.json")
    mac, body = path.read_bytes().split(b"\n", 1)
    # an attacker who can write the cache folder swaps what "transformers>=4.46..." parses to
    evil = body.replace(b'"transformers"', b'"evil-package"')
    assert evil != body
    path.write_bytes(mac + b"\n" + evil)
    (run,) = _parse_in_child(cache_env, ENTRIES[:1])
    assert "evil" not in run["entries"][0] and run["parser"] is True
    # a whole file authenticated under another key (copied from another machine) is ignored too
    other = {**cache_env, "XDG_STATE_HOME": str(tmp_path / "other-state")}
    path.write_bytes(b"0" * 64 + b"\n" + evil)
    (run,) = _parse_in_child(other, ENTRIES[:1])
    assert "evil" not in run["entries"][0] and run["parser"] is True


def test_no_cache_reads_and_writes_nothing(cache_env: dict[str, str]) -> None:
    off = {**cache_env, "MARKERC_NO_CACHE": "1"}
    _parse_in_child(off, ENTRIES)
    assert not Path(cache_env["MARKERC_CACHE_DIR"]).exists()
    assert not Path(cache_env["XDG_STATE_HOME"]).exists()


def test_cached_and_fresh_compiles_agree(cache_env: dict[str, str], tmp_path: Path) -> None:
    hub = ROOT / "fixtures" / "models.json"
    argv = [sys.executable, "-m", "markerc", "compile", str(hub), "--engine", "all", "--target",
            str(ROOT / "fixtures" / "targets" / "linux-cuda128.toml"), "--format", "json"]  # fmt: skip
    env = {**os.environ, **cache_env, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.run(argv, env=env, capture_output=True, text=True, check=False) for _ in range(2)
    ]
    fresh = subprocess.run(
        argv, env={**env, "MARKERC_NO_CACHE": "1"}, capture_output=True, text=True, check=False
    )
    assert runs[0].returncode == runs[1].returncode == fresh.returncode
    assert runs[0].stdout == runs[1].stdout == fresh.stdout and runs[1].stderr == fresh.stderr


def test_a_second_check_imports_no_parser(cache_env: dict[str, str]) -> None:
    """``markerc check`` re-reads rendered markers (``check_marker``): those are cached too, so
    a pre-commit run over an unchanged hub never imports the parser."""
    code = (
        "import sys\n"
        "from markerc.cli import main\n"
        "try:\n    main(['check', sys.argv[1]])\n"
        "except SystemExit:\n    pass\n"
        "print('markerc.language._lark_parser' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ, **cache_env, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-c", code, str(ROOT / "fixtures" / "models.json")]
    first = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    second = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert first.stderr.rstrip().endswith("True") and second.stderr.rstrip().endswith("False")
    assert first.stdout == second.stdout


def _check_in_child(env: dict[str, str], texts: list[str]) -> dict[str, object]:
    """``check_entry`` in a fresh interpreter: each result's repr, and whether the parser and
    the pre-parse checks ran (a hit runs neither)."""
    code = (
        "import json, sys\n"
        "import markerc.language.syntax as syntax\n"
        "calls = []\n"
        "fresh = syntax.parse_fresh\n"
        "syntax.parse_fresh = lambda t: calls.append(t) or fresh(t)\n"
        "import markerc.language.typecheck as typecheck\n"
        "typecheck.parse_fresh = syntax.parse_fresh\n"
        "out = [repr(typecheck.check_entry(t)) for t in json.loads(sys.argv[1])]\n"
        "print(json.dumps({'entries': out, 'parsed': calls,"
        " 'parser': 'markerc.language._lark_parser' in sys.modules}))\n"
    )
    return _in_child(env, code, texts)


def test_checked_entries_are_cached_as_checked(cache_env: dict[str, str]) -> None:
    from markerc.language.typecheck import check_entry

    first = _check_in_child(cache_env, ENTRIES)
    assert first["parsed"] == ENTRIES and first["parser"] is True
    second = _check_in_child(cache_env, ENTRIES)
    assert second == {"entries": first["entries"], "parsed": [], "parser": False}
    # what a hit gives is what this process's own check gives (variables resolved: has_cuda)
    assert second["entries"] == [repr(check_entry(t)) for t in ENTRIES]


def test_a_tampered_checked_entry_is_ignored(cache_env: dict[str, str]) -> None:
    _check_in_child(cache_env, ENTRIES[:1])
    (path,) = Path(cache_env["MARKERC_CACHE_DIR"]).glob("entries-*.json")
    mac, body = path.read_bytes().split(b"\n", 1)
    assert b"\\u0000checked:" in body
    path.write_bytes(mac + b"\n" + body.replace(b'"vllm"', b'"sglang"'))
    run = _check_in_child(cache_env, ENTRIES[:1])
    assert run["parsed"] == ENTRIES[:1] and "sglang" not in str(run["entries"])


def test_the_console_entry_saves_the_cache_before_its_quick_exit(cache_env: dict[str, str]) -> None:
    """``python -m markerc`` ends with ``os._exit`` (no teardown of a whole hub's objects); the
    exit handlers run first, so the parse cache a run fills is on disk for the next."""
    env = {**os.environ, **cache_env, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "markerc", "check", str(ROOT / "fixtures" / "models.json")]
    first = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 1 and "MK401" in first.stdout  # the fixture's known findings
    files = list(Path(cache_env["MARKERC_CACHE_DIR"]).glob("entries-*.json"))
    assert len(files) == 1 and b"\\u0000checked:" in files[0].read_bytes()
    second = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert (second.returncode, second.stdout, second.stderr) == (1, first.stdout, first.stderr)


def test_a_value_the_cache_cannot_hold_is_not_kept(
    cache_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = parsecache._Store()
    monkeypatch.setattr(parsecache, "_STORE", store)
    parsecache.remember_checked("x", object())  # type: ignore[arg-type]
    assert store.loaded and store.added == {}  # no error, and nothing to write at exit


_READ_TOML = (
    "import json, sys\n"
    "from markerc.compiler.engines import read_toml\n"
    "docs = [read_toml(p) for p in json.loads(sys.argv[1])]\n"
    "print(json.dumps({'docs': [repr(d) for d in docs], 'tomllib': 'tomllib' in sys.modules"
    " or 'tomli' in sys.modules}))\n"
)


def test_a_toml_document_is_parsed_once_per_machine(
    cache_env: dict[str, str], tmp_path: Path
) -> None:
    """The engine table and target profiles: the second run takes the kept parse, equal to a
    fresh one, without importing the TOML reader; a document with a date is not kept; another
    byte is another document."""
    tomllib = pytest.importorskip("tomllib")

    engines = str(ROOT / "markerc" / "data" / "engines.toml")
    target = str(ROOT / "fixtures" / "targets" / "linux-cuda128.toml")
    dated = tmp_path / "dated.toml"
    dated.write_text('name = "d"\nwhen = 2026-12-03\n[t]\nx = [1, 2.5, true]\n', encoding="utf-8")
    paths = [engines, target, str(dated)]
    fresh = [repr(tomllib.loads(Path(p).read_text(encoding="utf-8"))) for p in paths]
    first = _in_child(cache_env, _READ_TOML, paths)
    assert first == {"docs": fresh, "tomllib": True}
    assert _in_child(cache_env, _READ_TOML, paths[:2]) == {"docs": fresh[:2], "tomllib": False}
    assert _in_child(cache_env, _READ_TOML, paths[2:])["tomllib"] is True  # the date: not kept
    edited = tmp_path / "edited.toml"
    edited.write_bytes(Path(target).read_bytes().replace(b'"linux-cuda128"', b'"linux-cuda12x"'))
    again = _in_child(cache_env, _READ_TOML, [str(edited)])
    assert again["tomllib"] is True and "linux-cuda12x" in str(again["docs"])


def test_a_kept_document_is_a_copy_of_its_own(cache_env: dict[str, str]) -> None:
    """What a caller does with a document does not reach the next lookup of the same bytes."""
    data = b'name = "t"\n[system]\ntorch = "2.8.0"\nlist = [1, 2]\n'
    parsecache.remember_document(
        data, "reader", {"name": "t", "system": {"torch": "2.8.0"}, "list": [1, 2]}
    )
    one = parsecache.lookup_document(data, "reader")
    assert one == {"name": "t", "system": {"torch": "2.8.0"}, "list": [1, 2]}
    one["system"]["torch"] = "changed"
    one["list"].append(3)
    assert parsecache.lookup_document(data, "reader") == {
        "name": "t",
        "system": {"torch": "2.8.0"},
        "list": [1, 2],
    }
    assert parsecache.lookup_document(data, "other reader") is None
    assert parsecache.lookup_document(data + b"\n", "reader") is None


def test_with_the_cache_off_nothing_is_encoded_or_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """``MARKERC_NO_CACHE=1``: a parse is not even put in the cache's form (that was a tenth of
    a cold whole-hub compile), and no document is kept."""
    monkeypatch.setenv("MARKERC_NO_CACHE", "1")
    store = parsecache._Store()
    monkeypatch.setattr(parsecache, "_STORE", store)

    def refuse(value: object) -> object:
        raise AssertionError("encoded with the cache off")

    monkeypatch.setattr(parsecache, "_encode", refuse)
    monkeypatch.setattr(parsecache, "_plain_copy", refuse)
    parsecache.remember_checked("x", parse_entry("x"))
    parsecache.remember_document(b"a = 1\n", "reader", {"a": 1})
    assert store.added == {} and parsecache.lookup_document(b"a = 1\n", "reader") is None
