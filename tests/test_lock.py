"""Lock back end: real uv / pip-compile runs against a local wheel folder (no network)."""

from __future__ import annotations

import os
import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from markerc.backends import lock, lockfile, uvtool
from markerc.diagnostics import Location, MarkercError
from markerc.compiler.result import CompiledSet, IndexOptions, Line, Origin
from tests.wheelhouse import UNSET_ENV, build_wheelhouse, offline_env

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Settings of every plan in these tests (the resolver's version is part of each fingerprint).
SETTINGS = lock.Settings("uv (tests)")


def mkplan(sets, **kw):  # type: ignore[no-untyped-def]
    return lock.plan(sets, settings=kw.pop("settings", SETTINGS), **kw)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("wheelhouse")
    build_wheelhouse(directory)
    return str(directory)


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("uv-cache"))


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, uv_cache: str) -> None:
    for name in UNSET_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in offline_env(uv_cache).items():
        monkeypatch.setenv(name, value)


def line(req: str, col: int = 7, marker: str | None = None) -> Line:
    return Line(req, marker, (Origin("model", req, Location("hub.json", 3, col)),))


def cset(
    wheelhouse: str,
    engine: str,
    reqs: list[str] | list[Line],
    *,
    model: str | None = "qwen3",
    target: str | None = None,
    bound: tuple[tuple[str, str], ...] = (),
) -> CompiledSet:
    lines = tuple(r if isinstance(r, Line) else line(r) for r in reqs)
    opts = IndexOptions(no_index=True, find_links=(wheelhouse,))
    return CompiledSet("hub.json", model, engine, lines, opts, target=target, bound_markers=bound)


class Recorder:
    """A runner that counts (and optionally forbids) subprocess calls."""

    def __init__(self, forbid: bool = False) -> None:
        self.calls: list[tuple[tuple[str, ...], str | None]] = []
        self.forbid = forbid

    def __call__(self, argv, *, cwd=None, env=None):  # type: ignore[no-untyped-def]
        if self.forbid:
            raise AssertionError(f"unexpected subprocess: {argv}")
        self.calls.append((tuple(argv), cwd))
        return uvtool.run_process(argv, cwd=cwd, env=env)


def read(out: str, rel: str) -> str:
    with open(os.path.join(out, rel), encoding="utf-8") as fh:
        return fh.read()


def pins(text: str) -> dict[str, str]:
    """name -> version from a requirements lock."""
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^ \n;]+)", text, flags=re.M))


def pylock_pins(text: str) -> dict[str, str]:
    doc = tomllib.loads(text)
    return {p["name"]: p["version"] for p in doc["packages"]}


def two_engines(wheelhouse: str, **kw: object) -> list[CompiledSet]:
    return [
        cset(wheelhouse, "vllm", ["alpha<2"], **kw),  # type: ignore[arg-type]
        cset(wheelhouse, "llama.cpp", ["alpha>=2", "gamma"], **kw),  # type: ignore[arg-type]
    ]


# --------------------------------------------------------------------------- naming


def test_output_path_layout(wheelhouse: str) -> None:
    cs = cset(wheelhouse, "llama.cpp", ["gamma"])
    assert lock.output_path(cs, "pylock") == "qwen3/universal/pylock.llama-cpp.toml"
    assert re.fullmatch(r"pylock\.([^.]+)\.toml", lock.output_path(cs, "pylock").split("/")[-1])
    assert lock.output_path(cs, "requirements") == "qwen3/universal/requirements.llama.cpp.txt"
    assert lock.output_path(cs, "uv") == "qwen3/uv.lock"
    odd = cset(wheelhouse, "vllm", ["gamma"], model="../My Model/x", target="h100 cu13")
    path = lock.output_path(odd, "pylock")
    assert path == "__My_Model_x/h100_cu13/pylock.vllm.toml"
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", part) for part in path.split("/"))
    stemmed = CompiledSet("hubs/audio.json", None, "vllm", (), IndexOptions())
    assert lock.output_path(stemmed, "requirements") == "audio/universal/requirements.vllm.txt"
    with pytest.raises(MarkercError) as err:
        lock.output_path(cs, "poetry")
    assert err.value.code == "MK507"


def test_platform_mapping() -> None:
    pp = uvtool.python_platform
    assert pp({"sys_platform": "linux", "platform_machine": "x86_64"}) == "x86_64-unknown-linux-gnu"
    assert pp({"sys_platform": "linux", "platform_machine": "aarch64"}) == "aarch64-unknown-linux-gnu"
    assert pp({"sys_platform": "darwin", "platform_machine": "arm64"}) == "aarch64-apple-darwin"
    assert pp({"sys_platform": "darwin", "platform_machine": "x86_64"}) == "x86_64-apple-darwin"
    assert pp({"sys_platform": "win32"}) == "x86_64-pc-windows-msvc"
    assert pp({"sys_platform": "linux"}) is None  # machine unknown: universal
    assert pp({"sys_platform": "sunos5", "platform_machine": "sparc"}) is None
    assert pp({}) is None
    assert uvtool.python_version({"python_version": "3.11", "python_full_version": "3.11.7"}) == "3.11.7"


def test_shard_parsing() -> None:
    assert lock.parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "x", "1/0"):
        with pytest.raises(MarkercError):
            lock.parse_shard(bad)


# --------------------------------------------------------------------------- resolution


def test_pylock_per_engine_with_transitive_pins(wheelhouse: str, tmp_path) -> None:
    out = str(tmp_path / "locks")
    report = lock.run_lock(mkplan(two_engines(wheelhouse)), out, cache_dir=None, jobs=2)  # fmt: skip
    assert report.resolutions == 2 and report.cache_hits == 0
    vllm = read(out, "qwen3/universal/pylock.vllm.toml")
    assert vllm.startswith("# This file was generated by markerc")
    assert "#    markerc lock hub.json --model qwen3 --engine vllm --out LOCK_DIR\n" in vllm
    assert pylock_pins(vllm) == {"alpha": "1.0", "beta": "2.0"}  # beta: transitive
    llama = read(out, "qwen3/universal/pylock.llama-cpp.toml")
    assert pylock_pins(llama) == {"alpha": "2.0", "gamma": "1.0"}
    doc = tomllib.loads(vllm)
    assert doc["lock-version"] == "1.0" and doc["requires-python"] == ">=3.10"
    try:
        from packaging.pylock import Pylock
    except ImportError:  # pragma: no cover - packaging < 26
        return
    Pylock.from_dict(doc)  # a valid PEP 751 document


def test_requirements_format_keeps_markers_and_annotations(wheelhouse: str, tmp_path) -> None:
    sets = [cset(wheelhouse, "vllm", ["alpha<2", line("gamma", marker='sys_platform == "linux"')])]
    out = str(tmp_path / "locks")
    lock.run_lock(mkplan(sets, fmt="requirements"), out, cache_dir=None)
    text = read(out, "qwen3/universal/requirements.vllm.txt")
    assert pins(text) == {"alpha": "1.0", "beta": "2.0", "gamma": "1.0"}
    assert "gamma==1.0 ; sys_platform == 'linux'" in text
    assert "# via -r requirements.in" in text and "# via alpha" in text


def test_bound_target_uses_python_platform(wheelhouse: str, tmp_path) -> None:
    bound = (("sys_platform", "linux"), ("platform_machine", "x86_64"), ("python_version", "3.11"))
    sets = [cset(wheelhouse, "vllm", ["alpha<2", line("gamma", marker='platform_system == "Windows"')],
                 target="h100", bound=bound)]  # fmt: skip
    rec = Recorder()
    out = str(tmp_path / "locks")
    lock.run_lock(mkplan(sets, fmt="requirements"), out, cache_dir=None, runner=rec)
    argv = rec.calls[0][0]
    assert "--universal" not in argv
    assert argv[argv.index("--python-platform") + 1] == "x86_64-manylinux_2_28"  # uv's default level, said
    assert argv[argv.index("--python-version") + 1] == "3.11"
    assert argv[argv.index("--python-version") + 1] == "3.11"
    assert "--no-build" in argv and "--no-config" in argv
    text = read(out, "qwen3/h100/requirements.vllm.txt")
    assert pins(text) == {"alpha": "1.0", "beta": "2.0"}  # gamma is Windows-only


def test_pip_compile_backend(wheelhouse: str, tmp_path) -> None:
    pytest.importorskip("piptools")
    out = str(tmp_path / "locks")
    plan = mkplan(two_engines(wheelhouse), fmt="requirements", resolver="pip-compile")
    report = lock.run_lock(plan, out, cache_dir=None, jobs=2)
    assert report.resolutions == 2
    assert pins(read(out, "qwen3/universal/requirements.vllm.txt")) == {"alpha": "1.0", "beta": "2.0"}
    assert pins(read(out, "qwen3/universal/requirements.llama.cpp.txt")) == {"alpha": "2.0", "gamma": "1.0"}
    with pytest.raises(MarkercError) as err:
        mkplan(two_engines(wheelhouse), fmt="pylock", resolver="pip-compile")
    assert err.value.code == "MK507"
    other = "win32" if sys.platform != "win32" else "linux"
    with pytest.raises(MarkercError) as err:
        mkplan([cset(wheelhouse, "vllm", ["gamma"], target="t", bound=(("sys_platform", other),))],
                  fmt="requirements", resolver="pip-compile")  # fmt: skip
    assert "running interpreter" in err.value.message


def test_uv_format_conflicting_engines_one_lock(wheelhouse: str, tmp_path) -> None:
    sets = [cset(wheelhouse, "vllm", ["alpha==1.0"]), cset(wheelhouse, "llama.cpp", ["alpha==2.0", "gamma"])]
    plan = mkplan(sets, fmt="uv")
    assert plan.cases == 1 and [j.outputs for j in plan.jobs] == [("qwen3/pyproject.toml", "qwen3/uv.lock")]
    out = str(tmp_path / "locks")
    lock.run_lock(plan, out, cache_dir=None)
    project = tomllib.loads(read(out, "qwen3/pyproject.toml"))
    assert project["project"]["name"] == "qwen3-env"
    assert set(project["project"]["optional-dependencies"]) == {"vllm", "llama-cpp"}
    assert project["tool"]["uv"]["package"] is False
    assert project["tool"]["uv"]["conflicts"] == [[{"extra": "vllm"}, {"extra": "llama-cpp"}]]
    uvlock = tomllib.loads(read(out, "qwen3/uv.lock"))
    versions = sorted((p["name"], p["version"]) for p in uvlock["package"] if p["name"] == "alpha")
    assert versions == [("alpha", "1.0"), ("alpha", "2.0")]
    again = lock.run_lock(plan, out, cache_dir=str(tmp_path / "nocache"),
                          runner=Recorder(forbid=True), check=True)  # fmt: skip
    assert again.up_to_date and again.resolutions == 0  # the outputs carry the input fingerprint
    assert [(o.engine, o.status) for o in again.outcomes] == [("vllm,llama.cpp", "unchanged")]


def test_uv_pyproject_indexes(wheelhouse: str) -> None:
    a = CompiledSet("h.json", "m", "vllm", (line("alpha"),),
                    IndexOptions(extra_index_url=("https://download.pytorch.org/whl/cu130",),
                                 index_strategy="unsafe-best-match", no_build_isolation=True))  # fmt: skip
    b = CompiledSet("h.json", "m", "sglang", (line("beta"),),
                    IndexOptions(extra_index_url=("https://download.pytorch.org/whl/cu130",
                                                  "https://example.org/simple"),
                                 index_strategy="first-index"))  # fmt: skip
    doc = tomllib.loads(lock.uv_pyproject("m", [a, b]))
    uvt = doc["tool"]["uv"]
    assert uvt["index-strategy"] == "unsafe-best-match" and uvt["no-build-isolation"] is True
    assert [(i["name"], i["url"], i["explicit"]) for i in uvt["index"]] == [
        ("vllm-1", "https://download.pytorch.org/whl/cu130", False),
        ("sglang-2", "https://example.org/simple", False),
    ]
    bound = CompiledSet("h.json", "m", "vllm", (), IndexOptions(), target="t",
                        bound_markers=(("sys_platform", "linux"), ("python_version", "3.12")))  # fmt: skip
    doc = tomllib.loads(lock.uv_pyproject("m", [bound]))
    assert doc["project"]["requires-python"] == "==3.12.*"
    assert doc["tool"]["uv"]["environments"] == ["sys_platform == 'linux'"]
    # an untagged build's python_full_version (``3.11.1+``, packaging's ``3.11.1+local``): uv gets
    # the release only, and ``==3.11.1`` admits every local build of it
    untagged = CompiledSet("h.json", "m", "vllm", (), IndexOptions(), target="t",
                           bound_markers=(("python_full_version", "3.11.1+"), ("sys_platform", "linux")))  # fmt: skip
    doc = tomllib.loads(lock.uv_pyproject("m", [untagged]))
    assert doc["project"]["requires-python"] == "==3.11.1"
    from markerc.backends.uvtool import python_version

    assert python_version({"python_full_version": "3.11.1+", "python_version": "3.11"}) == "3.11.1"


def test_check_detects_change_and_relock_picks_it_up(wheelhouse: str, tmp_path) -> None:
    out = str(tmp_path / "locks")
    cache = str(tmp_path / "cache")
    lock.run_lock(mkplan(two_engines(wheelhouse)), out, cache_dir=cache)
    fresh = lock.run_lock(mkplan(two_engines(wheelhouse)), out, cache_dir=cache, check=True,
                          runner=Recorder(forbid=True))  # fmt: skip
    assert fresh.up_to_date and fresh.resolutions == 0 and not fresh.written
    before = {p: read(out, p) for p in fresh.unchanged}
    cache_before = sorted(os.listdir(cache))

    changed = [cset(wheelhouse, "vllm", ["alpha>=2"]), two_engines(wheelhouse)[1],
               cset(wheelhouse, "sglang", ["gamma"])]  # fmt: skip
    stale = lock.run_lock(mkplan(changed), out, cache_dir=cache, check=True)
    assert stale.stale == ("qwen3/universal/pylock.vllm.toml",)
    assert stale.missing == ("qwen3/universal/pylock.sglang.toml",)
    assert not stale.up_to_date and not stale.written
    assert {p: read(out, p) for p in before} == before  # nothing written
    assert not os.path.exists(os.path.join(out, "qwen3/universal/pylock.sglang.toml"))
    assert sorted(os.listdir(cache)) == cache_before  # not even the cache

    relock = lock.run_lock(mkplan(changed), out, cache_dir=cache)
    assert set(relock.written) == {"qwen3/universal/pylock.vllm.toml", "qwen3/universal/pylock.sglang.toml"}
    assert pylock_pins(read(out, "qwen3/universal/pylock.vllm.toml")) == {"alpha": "2.0"}
    assert lock.run_lock(mkplan(changed), out, cache_dir=cache, check=True).up_to_date


def test_two_runs_byte_identical_and_no_temp_paths(wheelhouse: str, tmp_path) -> None:
    outputs = []
    temp_dirs: list[str] = []
    for run in ("a", "b"):
        rec = Recorder()
        out = str(tmp_path / run)
        for fmt in ("pylock", "requirements", "uv"):
            lock.run_lock(mkplan(two_engines(wheelhouse), fmt=fmt), out, cache_dir=str(tmp_path / f"c{run}"),
                          runner=rec, jobs=2)  # fmt: skip
        temp_dirs += [cwd for _, cwd in rec.calls if cwd]
        files = {}
        for root, _dirs, names in os.walk(out):
            for name in names:
                path = os.path.join(root, name)
                files[os.path.relpath(path, out)] = open(path, "rb").read()
        outputs.append(files)
    assert len(outputs[0]) == 6 and outputs[0] == outputs[1]
    assert len(temp_dirs) == 10
    for blob in outputs[0].values():
        text = blob.decode()
        assert "markerc-lock-" not in text and str(tmp_path / "a") not in text
        for d in temp_dirs:
            assert d not in text and os.path.realpath(d) not in text


def test_identical_models_resolve_once(wheelhouse: str, tmp_path) -> None:
    sets = [cset(wheelhouse, "vllm", ["alpha<2"], model=f"model-{i}") for i in range(6)]
    plan = mkplan(sets)
    assert plan.cases == 6 and len(plan.jobs) == 1 and plan.saved() == 5
    rec = Recorder()
    report = lock.run_lock(plan, str(tmp_path / "o"), cache_dir=None, runner=rec)
    assert len(rec.calls) == 1 and report.resolutions == 1 and len(report.written) == 6
    # the same case listed twice is one case; two different cases on one path are an error
    assert mkplan(sets + sets[:1]).cases == 6
    with pytest.raises(MarkercError) as err:
        mkplan([sets[0], cset(wheelhouse, "vllm", ["gamma"], model="model-0")])
    assert err.value.code == "MK507" and "model-0/universal/pylock.vllm.toml" in err.value.message


def test_cache_rerun_runs_no_process(wheelhouse: str, tmp_path) -> None:
    out = str(tmp_path / "o")
    plan = mkplan(two_engines(wheelhouse), fmt="requirements")
    first = lock.run_lock(plan, out, cache_dir=None)
    assert first.resolutions == 2 and os.path.isdir(os.path.join(out, lock.CACHE_DIRNAME))
    second = lock.run_lock(plan, out, cache_dir=None, runner=Recorder(forbid=True))
    assert second.resolutions == 0 and second.cache_hits == 2 and len(second.unchanged) == 2
    # outputs deleted: the cache alone answers
    for rel in first.written:
        os.remove(os.path.join(out, rel))
    third = lock.run_lock(plan, out, cache_dir=None, runner=Recorder(forbid=True))
    assert sorted(third.written) == sorted(first.written)
    # cache deleted: the outputs (same input key) answer; refresh re-resolves
    fourth = lock.run_lock(plan, out, cache_dir=str(tmp_path / "empty"),
                           runner=Recorder(forbid=True))  # fmt: skip
    assert fourth.cache_hits == 2 and not fourth.written
    rec = Recorder()
    fifth = lock.run_lock(plan, out, cache_dir=None, runner=rec, refresh=True)
    assert len(rec.calls) == 2 and fifth.resolutions == 2 and not fifth.written


def test_header_is_built_from_the_case_and_names_the_platform(wheelhouse: str, tmp_path) -> None:
    out = str(tmp_path / "o")
    bound = (("sys_platform", "linux"), ("platform_machine", "x86_64"), ("python_version", "3.11"))
    sets = [cset(wheelhouse, "vllm", ["alpha<2"], target="h100", bound=bound)]
    lock.run_lock(mkplan(sets), out, cache_dir=None)
    text = read(out, "qwen3/h100/pylock.vllm.toml")
    head = text.splitlines()[:6]
    assert head[1] == "#    markerc lock hub.json --model qwen3 --engine vllm --target h100 --out LOCK_DIR"
    assert head[2] == ("# resolved by uv (tests) for x86_64-manylinux_2_28 (glibc 2.28: markerc's default, "
                       "the target does not say), Python 3.11")  # fmt: skip
    parsed = lockfile.parse(text)
    assert parsed is not None and parsed.intact() and set(parsed.components) == set(lockfile.COMPONENTS)


def test_hostile_names_stay_inside_the_header_comment(wheelhouse: str, tmp_path) -> None:
    out = str(tmp_path / "o")
    sets = [cset(wheelhouse, "vllm", ["alpha<2"], model="evil\n[[packages]]\nname = 'x'\x1b[2J")]
    report = lock.run_lock(mkplan(sets), out, cache_dir=None)
    text = read(out, report.written[0])
    assert text.splitlines()[1].startswith("#    markerc lock hub.json --model ")
    assert "\x1b" not in text and "\n[[packages]]\nname = 'x'" not in text
    assert pylock_pins(text) == {"alpha": "1.0", "beta": "2.0"}


def test_failed_write_leaves_old_files(wheelhouse: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = str(tmp_path / "o")
    old = {}
    for rel in ("qwen3/universal/pylock.vllm.toml", "qwen3/universal/pylock.llama-cpp.toml"):
        os.makedirs(os.path.dirname(os.path.join(out, rel)), exist_ok=True)
        with open(os.path.join(out, rel), "w") as fh:
            fh.write(f"old {rel}\n")
        old[rel] = f"old {rel}\n"
    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(src: str, dst: str) -> None:
        if dst.endswith(".toml"):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        lock.run_lock(mkplan(two_engines(wheelhouse)), out, cache_dir=None)
    assert read(out, "qwen3/universal/pylock.llama-cpp.toml") == old["qwen3/universal/pylock.llama-cpp.toml"]
    leftovers = [n for _r, _d, names in os.walk(out) for n in names if n.endswith(".tmp")]
    assert leftovers == []


def test_resolver_failure_names_origins_and_the_good_job_is_written(wheelhouse: str, tmp_path) -> None:
    out = str(tmp_path / "o")
    sets = [
        cset(wheelhouse, "vllm", [line("gamma", col=5), line("alpha>5", col=12)]),
        cset(wheelhouse, "sglang", ["gamma"]),
    ]
    report = lock.run_lock(mkplan(sets), out, cache_dir=None, jobs=2)
    assert report.written == ("qwen3/universal/pylock.sglang.toml",)
    (failed,) = report.failed
    assert failed.output == "qwen3/universal/pylock.vllm.toml" and failed.cause == "no-solution"
    assert failed.locations == ("hub.json:3:12",) and failed.code == "MK506"  # gamma not involved
    assert "alpha>5" in failed.reason
    (failure,) = report.failures
    exc = failure.error
    assert "No solution found" in exc.message and "alpha>5" in exc.message
    assert exc.location == Location("hub.json", 3, 12)
    assert str(exc).startswith("hub.json:3:12: MK506")
    assert not os.path.exists(os.path.join(out, failed.output))


def test_progress_callback_and_order(wheelhouse: str, tmp_path) -> None:
    seen: list[tuple[int, int]] = []
    sets = [cset(wheelhouse, "vllm", [r], model=f"m{i}") for i, r in enumerate(["alpha<2", "gamma", "beta<2"])]
    report = lock.run_lock(mkplan(sets, fmt="requirements"), str(tmp_path / "o"), cache_dir=None,
                           jobs=3, progress=lambda d, t, _w, _f: seen.append((d, t)))  # fmt: skip
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert report.written == tuple(f"m{i}/universal/requirements.vllm.txt" for i in range(3))


# --------------------------------------------------------------------------- sharding


#: One real request, shared by the key-only jobs below (sharding looks at keys alone).
_REQUEST = mkplan([CompiledSet("hub.json", "m", "vllm", (line("alpha"),), IndexOptions())]).jobs[0].request


def _fake_job(key: str) -> lock.LockJob:
    return lock.LockJob(key=key, sets=(), outputs=(f"{key}.toml",), request=_REQUEST)


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.text("0123456789abcdef", min_size=1, max_size=8), unique=True, max_size=40),
       n=st.integers(min_value=1, max_value=12))  # fmt: skip
def test_shards_cover_each_job_exactly_once(keys: list[str], n: int) -> None:
    jobs = [_fake_job(k) for k in keys]
    shards = [lock.shard_jobs(jobs, (i, n)) for i in range(1, n + 1)]
    covered = [j.key for s in shards for j in s]
    assert sorted(covered) == sorted(keys)  # every job once, none twice
    assert all(len(s) in (len(keys) // n, -(-len(keys) // n)) for s in shards)  # balanced
    reordered = [lock.shard_jobs(list(reversed(jobs)), (i, n)) for i in range(1, n + 1)]
    assert [sorted(j.key for j in s) for s in shards] == [sorted(j.key for j in s) for s in reordered]


def test_plan_shards_partition_jobs(wheelhouse: str) -> None:
    sets = [cset(wheelhouse, e, [r], model=f"m{i}") for i, r in enumerate(["alpha", "beta", "gamma", "alpha"])
            for e in ("vllm", "sglang")]  # fmt: skip
    full = mkplan(sets)
    assert full.cases == 8 and len(full.jobs) == 3
    for n in (1, 2, 3, 5):
        parts = [mkplan(sets, shard=(i, n)) for i in range(1, n + 1)]
        assert sorted(j.key for p in parts for j in p.jobs) == sorted(j.key for j in full.jobs)
        assert sum(p.cases for p in parts) == full.cases
    with pytest.raises(MarkercError):
        mkplan(sets, shard=(3, 2))


def test_prune_scope_of_a_selection() -> None:
    """The folders and file-name parts a run speaks for, from what it selected."""
    scope = lock.PruneScope.of_selection("pylock", [None, "cu128 linux"], ["hub/llm_family.json"], None, ["ALL"])
    assert scope == lock.PruneScope("pylock", frozenset({"universal", "cu128_linux"}), None, None)
    named = lock.PruneScope.of_selection("pylock", [None], ["a/llm.json", "b/x.json"], "Qwen3", ["llama.cpp", "vllm"])
    assert named.engines == frozenset({"llama-cpp", "vllm"}) and named.models is not None
    assert named.covers("Qwen3/universal/pylock.llama-cpp.toml") is ("Qwen3" in named.models)
