"""Lock headers, fingerprints, resolver-output checks, target platforms for uv, and a fake uv that
misbehaves (garbage on success, binary bytes and escape sequences on stderr)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from markerc.backends import lock, lockfile, uvtool
from markerc.diagnostics import MarkercError
from markerc.compiler.engines import load_engines
from markerc.backends.matrix import lock_target
from markerc.compiler.result import CompiledSet, IndexOptions, Line, Origin
from markerc.compiler.targets import load_target, parse_set

# --------------------------------------------------------------------------- printable output


def test_printable_makes_escape_sequences_inert() -> None:
    text = "red \x1b[31mcolour\x1b[0m, title \x1b]0;pwned\x07, clear \x1b[2J\x1bc, bidi \u202eevil, C1 \x9b, bell \x07"
    out = uvtool.printable(text)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\x9b" not in out
    assert "colour" in out and "\\x1b]0;pwned\\x07" in out and "\\u202e" in out
    assert uvtool.printable("tab\tand\nnewline") == "tab\tand\nnewline"


def test_trim_output_is_bounded() -> None:
    long = "\n".join(f"line {i} " + "x" * 1000 for i in range(100))
    out = uvtool.trim_output(long)
    assert len(out) <= 4003 and max(len(ln) for ln in out.splitlines()) <= 404
    assert uvtool.trim_output("https://user:secret@host/simple fails") == "https://***********@host/simple fails"


# --------------------------------------------------------------------------- platforms


def rp(bound: dict[str, str], facts: dict[str, str] | None = None) -> uvtool.ResolverPlatform:
    return uvtool.resolver_platform(bound, facts or {}, default_python="3.10")


LINUX = {"sys_platform": "linux", "platform_machine": "x86_64", "python_version": "3.11"}
MAC = {"sys_platform": "darwin", "platform_machine": "arm64", "platform_system": "Darwin"}


def test_resolver_platform_linux_levels() -> None:
    assert rp(LINUX, {"glibc_version": "2.39"}).python_platform == "x86_64-manylinux_2_39"
    assert rp({**LINUX, "platform_machine": "aarch64"}, {"glibc_version": "2.34"}).python_platform == "aarch64-manylinux_2_34"
    default = rp(LINUX)
    assert default.python_platform == "x86_64-manylinux_2_28" and "markerc's default" in default.describe()
    clamped = rp(LINUX, {"glibc_version": "2.41"})
    assert clamped.python_platform == "x86_64-manylinux_2_40" and "up to 2_40" in clamped.describe()
    musl = rp(LINUX, {"musl_version": "1.2.4"})
    assert musl.python_platform == "x86_64-unknown-linux-musl" and musl.facts == (("musl_version", "1.2.4"),)
    for facts in ({"glibc_version": "2.12"}, {"musl_version": "1.1"}, {"glibc_version": "2.39", "musl_version": "1.2"}):
        with pytest.raises(MarkercError) as err:
            rp(LINUX, facts)
        assert err.value.code == "MK530"
    assert rp({"sys_platform": "linux"}).universal  # no machine: universal, sound but wider


@pytest.mark.parametrize(("release", "macos"), [("24.1.0", "15.0"), ("20.6.0", "11.0"), ("25.0.0", "16.0"),
                                                ("19.6.0", "10.15"), ("13.4.0", "10.9")])  # fmt: skip
def test_macos_from_darwin(release: str, macos: str) -> None:
    assert uvtool.macos_from_darwin(release) == macos
    got = rp({**MAC, "platform_release": release})
    assert got.env == (("MACOSX_DEPLOYMENT_TARGET", macos),)
    assert f"derived from Darwin {release}" in got.describe()


def test_macos_stated_or_default() -> None:
    stated = rp({**MAC, "platform_release": "24.1.0"}, {"macos_version": "14.0"})
    assert stated.env == (("MACOSX_DEPLOYMENT_TARGET", "14.0"),) and stated.python_platform == "aarch64-apple-darwin"
    default = rp(MAC)
    assert default.env == (("MACOSX_DEPLOYMENT_TARGET", "13.0"),) and "markerc's default" in default.describe()
    assert uvtool.macos_from_darwin("x") is None and uvtool.macos_from_darwin("3.0") is None


def test_lock_targets_of_the_shipped_profiles() -> None:
    engines = load_engines()
    cu128 = lock_target(load_target("linux-cuda128"), engines)
    assert cu128.platform.python_platform == "x86_64-manylinux_2_39" and cu128.cuda_version == "12.8"
    assert cu128.torch is not None and cu128.torch.url == "https://download.pytorch.org/whl/cu128"
    assert "torch" in cu128.torch.packages and "torchaudio" in cu128.torch.packages
    assert lock_target(load_target("linux-cuda130-aarch64"), engines).platform.python_platform == "aarch64-manylinux_2_39"
    cpu = lock_target(load_target("linux-cpu"), engines)
    assert cpu.torch is not None and cpu.torch.backend == "cpu" and cpu.cuda_version is None
    mac = lock_target(load_target("macos-arm64"), engines)
    assert mac.torch is None and mac.platform.env == (("MACOSX_DEPLOYMENT_TARGET", "15.0"),)
    # user sources replace the built-in index URL, --no-index switches the pin off
    assert lock_target(load_target("linux-cuda128"), engines, user_sources=True).torch is None
    assert "no torch index" in lock_target(load_target("linux-cuda128"), engines, no_index=True).describe()
    universal = lock_target(parse_set(["has_cuda=true", "cuda_version=12.8", "sys_platform=linux"]), engines)
    assert universal.platform.universal and universal.torch is None
    assert "no torch index: a universal resolution" in universal.describe()


def test_torch_index_backends() -> None:
    index = load_engines().torch_index
    linux = {"sys_platform": "linux"}
    assert index.backend_for(**linux, has_cuda=True, cuda_version="12.8") == "cu128"
    assert index.backend_for(**linux, has_cuda=True, cuda_version="12.9") == "cu129"
    assert index.backend_for(**linux, has_cuda=True, cuda_version="12.7") == "cu126"  # 12.7 runs cu126
    assert index.backend_for(**linux, has_cuda=True, cuda_version="13.1") == "cu130"
    assert index.backend_for(**linux, has_cuda=True, cuda_version="14.0") is None
    assert index.backend_for(**linux, has_cuda=False, cuda_version=None) == "cpu"
    assert index.backend_for(sys_platform="darwin", has_cuda=False, cuda_version=None) is None
    assert index.backend_for(**linux, has_cuda=None, cuda_version=None) is None  # unbound: no pin


def test_torch_index_is_data_a_mirror_replaces(tmp_path: Path) -> None:
    f = tmp_path / "mirror.toml"
    f.write_text('[torch_index]\nurl = "https://mirror.example/torch/{backend}/simple"\n')
    table = load_engines([str(f)])
    assert table.torch_index.url_for("cu128") == "https://mirror.example/torch/cu128/simple"
    assert table.torch_index.packages == load_engines().torch_index.packages  # other keys kept
    assert lock_target(load_target("linux-cuda128"), table, user_sources=True).torch is not None  # the user's URL
    (tmp_path / "off.toml").write_text('[torch_index]\nurl = ""\n')
    assert lock_target(load_target("linux-cuda128"), load_engines([str(tmp_path / "off.toml")])).torch is None
    for bad, words in (('[torch_index]\nurl = "https://x/cu128"\n', "{backend}"),
                       ('[torch_index]\nbackends = ["gpu"]\n', "invalid entry"),
                       ('[torch_index]\nmirror = "x"\n', "unknown key"),
                       ('[engines.vllm]\nplatforms = ["Linux 6"]\n', "sys_platform value")):  # fmt: skip
        f.write_text(bad)
        with pytest.raises(MarkercError) as err:
            load_engines([str(f)])
        assert err.value.code == "MK505" and words in err.value.message
    (tmp_path / "pyproject.toml").write_text('[tool.markerc.torch-index]\nurl = "/srv/torch/{backend}"\n')
    assert load_engines(pyproject=str(tmp_path / "pyproject.toml")).torch_index.url == "/srv/torch/{backend}"


def test_engine_platforms() -> None:
    engines = load_engines()
    assert engines.get("vllm").platforms == ("linux",) and engines.get("sglang").platforms == ("linux",)
    assert engines.get("mlx").platforms == ("darwin",)
    assert engines.get("transformers").runs_on("darwin") and not engines.get("mlx").runs_on("linux")


def test_resolution_environment_and_version() -> None:
    env = {"UV_CACHE_DIR": "/c", "UV_EXCLUDE_NEWER": "2026-01-01", "UV_INDEX_URL": "https://m/simple",
           "UV_INDEX_PRIVATE_PASSWORD": "s3cret", "UV_HTTP_TIMEOUT": "5", "PATH": "/bin"}  # fmt: skip
    assert uvtool.resolution_environment(env) == (("UV_EXCLUDE_NEWER", "2026-01-01"), ("UV_INDEX_URL", "https://m/simple"))
    assert uvtool.tool_version([uvtool.uv_bin()]).startswith("uv ")


# --------------------------------------------------------------------------- headers


def fingerprint(**over: object) -> lockfile.Fingerprint:
    parts = {c: [c] for c in lockfile.COMPONENTS}
    parts.update(over)
    return lockfile.Fingerprint.make(parts, "uv 1 for linux")


def test_header_round_trip_digest_and_reasons() -> None:
    fp = fingerprint()
    text = lockfile.render("markerc lock hub.json --engine vllm --out LOCK_DIR", fp, 'lock-version = "1.0"\n')
    parsed = lockfile.parse(text)
    assert parsed is not None and parsed.key == fp.key and parsed.intact()
    assert parsed.command == "markerc lock hub.json --engine vllm --out LOCK_DIR"
    assert lockfile.stale_reasons(parsed, fp) == []
    other = fingerprint(requirements=["x"], platform=["y"])
    assert lockfile.stale_reasons(parsed, other) == [lockfile.CHANGED["requirements"], lockfile.CHANGED["platform"]]
    assert lockfile.stale_reasons(parsed, fingerprint(request=["z"])) == [lockfile.CHANGED["request"]]
    edited = lockfile.parse(text.replace('"1.0"', '"1.1"'))
    assert edited is not None and not edited.intact()
    assert lockfile.parse("lock-version = 1\n") is None and lockfile.parse(None) is None
    old = "# This file was generated by markerc; do not edit. Re-create it with:\n#    x\n# markerc-input: k\nbody\n"
    assert lockfile.parse(old) is None and lockfile.written_by_markerc(old)


def test_lock_command_is_built_from_the_case() -> None:
    assert lockfile.lock_command("/abs/path/llm_family.json", "qwen3", ["vllm"], "linux-cuda128", "pylock") == (
        "markerc lock llm_family.json --model qwen3 --engine vllm --target linux-cuda128 --out LOCK_DIR")
    cmd = lockfile.lock_command("h.json", "evil\nname\x1b[2J", ["vllm"], None, "requirements")
    assert "\n" not in cmd and "\x1b" not in cmd and "--format requirements" in cmd


# --------------------------------------------------------------------------- resolver output


def test_check_output_accepts_locks_and_refuses_garbage() -> None:
    pylock = ('lock-version = "1.0"\ncreated-by = "uv"\nrequires-python = ">=3.10"\n\n[[packages]]\n'
              'name = "alpha"\nversion = "1.0"\n'
              'wheels = [{ url = "https://x/alpha-1.0-py3-none-any.whl", hashes = { sha256 = "00" } }]\n')  # fmt: skip
    assert lockfile.check_output("pylock", pylock).pins == (("alpha", "1.0"),)
    reqs = "alpha==1.0 \\\n    --hash=sha256:abc\n    # via x\n--extra-index-url https://x/simple\nb-c==2 ; sys_platform == 'linux'\n"
    assert lockfile.check_output("requirements", reqs).pins == (("alpha", "1.0"), ("b-c", "2"))
    for kind, text in (("pylock", "Resolved 3 packages\nall good!\n"), ("pylock", "[[packages]]\nname = 1\n"),
                       ("requirements", "alpha>=1\n"), ("requirements", "not a requirement at all\n"),
                       ("uv.lock", "version = 1\n[[package]]\nversion = 3\n"),
                       ("pylock", 'lock-version = "1.0"\x00\n')):  # fmt: skip
        with pytest.raises(MarkercError) as err:
            lockfile.check_output(kind, text)
        assert err.value.code == "MK539", text


def test_cuda_check() -> None:
    resolved = lockfile.Resolved((("torch", "2.9.1+cu130"), ("nvidia-cublas-cu13", "13.0"), ("cupy-cuda12x", "13")))
    with pytest.raises(MarkercError) as err:
        lockfile.check_cuda(resolved, "12.8")
    assert err.value.code == "MK540" and "torch==2.9.1+cu130" in err.value.message
    assert "cupy-cuda12x" not in err.value.message
    lockfile.check_cuda(lockfile.Resolved((("torch", "2.9.1+cu128"), ("nvidia-nccl-cu12", "2"))), "12.8")
    lockfile.check_cuda(resolved, None)  # no CUDA target: nothing to check
    assert lockfile.cuda_major_of("torch", "2.9.1+cpu") is None
    assert lockfile.cuda_major_of("torch", "2.1.0+cu118") == 11


# --------------------------------------------------------------------------- a fake uv


def fake_uv(tmp_path: Path, body: str) -> str:
    """An executable that answers ``--version`` and otherwise runs ``body`` (Python)."""
    path = tmp_path / "fake-uv"
    path.write_text(
        f"#!{sys.executable}\nimport os, sys\n"
        "if sys.argv[1:] == ['--version']:\n    print('uv 0.0.0-fake'); sys.exit(0)\n"
        "out = sys.argv[sys.argv.index('-o') + 1] if '-o' in sys.argv else None\n" + body
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def one_set() -> CompiledSet:
    line = Line("alpha<2", None, (Origin("model", "alpha<2"),))
    return CompiledSet("hub.json", "m", "vllm", (line,), IndexOptions(no_index=True))


def test_a_fake_uv_printing_garbage_on_success_is_caught(tmp_path: Path) -> None:
    uv = fake_uv(tmp_path, "open(out, 'w').write('\\x1b]0;owned\\x07 this is no lock\\n')\nsys.exit(0)\n")
    settings = lock.resolver_settings(program=[uv])
    assert settings.resolver_version == "uv 0.0.0-fake"
    plan = lock.plan([one_set()], settings=settings)
    report = lock.run_lock(plan, str(tmp_path / "out"), programs={"uv": [uv]})
    (failed,) = report.failed
    assert failed.code == "MK539" and failed.cause == "invalid-output"
    message = str(report.failures[0].error)
    assert "\x1b" not in message and "\x07" not in message and "\\x1b]0;owned" in message
    assert not (tmp_path / "out" / "m").exists()


def test_a_fake_uv_with_binary_stderr_is_shown_inert(tmp_path: Path) -> None:
    uv = fake_uv(tmp_path, "sys.stderr.buffer.write(b'error: \\x1b[2J\\x1b]8;;http://evil\\x07link\\xff\\xfe\\x00 ' * 2000)\nsys.exit(2)\n")
    report = lock.run_lock(lock.plan([one_set()], settings=lock.Settings("uv fake")), str(tmp_path / "out"),
                           programs={"uv": [uv]})  # fmt: skip
    message = str(report.failures[0].error)
    assert report.failed[0].cause == "resolver"
    assert not any(ch in message for ch in "\x1b\x07\x00")
    assert len(message) < 6000  # bounded
    assert "\\x1b]8;;http://evil\\x07link" in message


def test_uv_that_wrote_nothing_or_its_temp_dir(tmp_path: Path) -> None:
    uv = fake_uv(tmp_path, "sys.exit(0)\n")
    report = lock.run_lock(lock.plan([one_set()], settings=lock.Settings("uv fake")), str(tmp_path / "o"),
                           programs={"uv": [uv]})  # fmt: skip
    assert "wrote no pylock.toml" in report.failures[0].error.message
    leak = fake_uv(tmp_path, "open(out, 'w').write('lock-version = \"1.0\"\\ncreated-by = \"uv\"\\n# ' + os.getcwd()"
                             " + '\\n[[packages]]\\nname = \"a\"\\ndirectory = { path = \".\" }\\n')\n")
    report = lock.run_lock(lock.plan([one_set()], settings=lock.Settings("uv fake")), str(tmp_path / "o"),
                           programs={"uv": [leak]})  # fmt: skip
    assert report.failed[0].code == "MK539" and "temp directory" in report.failures[0].error.message
    assert not os.path.exists(tmp_path / "o" / "m")


def test_an_unreachable_index_is_the_environments_cause(tmp_path: Path) -> None:
    uv = fake_uv(tmp_path, "sys.stderr.write('error: Request failed after 3 retries\\n  cause: Failed to fetch: "
                           "https://download.pytorch.org/whl/cu128/torch/\\n  cause: dns error\\n')\nsys.exit(2)\n")
    report = lock.run_lock(lock.plan([one_set()], settings=lock.Settings("uv fake")), str(tmp_path / "o"),
                           programs={"uv": [uv]})  # fmt: skip
    (failed,) = report.failed
    assert (failed.cause, failed.code) == ("network", "MK541")
    assert failed.reason.startswith("a package index could not be reached from this machine (download.pytorch.org)")
    assert "a cause of the environment, not of the hub" in failed.reason
