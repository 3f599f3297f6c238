"""`markerc compile` and `markerc explain` end to end: fixtures, every bad-input class through the
CLI, the real corpus, and the SPEC 8 properties on generated hubs."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from packaging.markers import Marker as PMarker
from packaging.requirements import Requirement as PRequirement

from markerc.language import algebra
from markerc.compiler.compile import Options, compile_hubs, compile_record, engines_named
from markerc.diagnostics import MarkercError
from markerc.compiler.engines import load_engines
from markerc.compiler.hub import load_hub, parse_hub
from markerc.compiler.targets import Target, load_target

from .cli_helpers import ROOT, run_markerc
from .conftest import DEEP, corpus_files

FIX = ROOT / "fixtures"
MODELS = str(FIX / "models.json")
CUDA128 = str(FIX / "targets" / "linux-cuda128.toml")
CUDA130 = str(FIX / "targets" / "linux-cuda130-aarch64.toml")
MACOS = str(FIX / "targets" / "macos-arm64.toml")


def requirement_lines(text: str) -> list[str]:
    """Requirement lines of a requirements file, without comments."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith(("#", "--")):
            continue
        out.append(line.split("  #", 1)[0])
    return out


# ------------------------------------------------------------------ fixtures through the CLI


def test_compile_fixture_fully_bound_has_no_markers():
    r = run_markerc("compile", "fixtures/models.json", "--engine", "vllm", "--model", "demo-chat", "--target", CUDA128)
    assert r.returncode == 0, r.stderr
    assert requirement_lines(r.stdout) == [
        "vllm>=0.11.2",
        "torch==2.8.0",
        "numpy==2.2.6",
        "flash-attn>=2.8",
        "decord==0.6.0",
    ]
    assert "#    markerc compile fixtures/models.json --engine vllm" in r.stdout
    # the default annotation names the entry by place and text (stable under unrelated edits)
    assert "vllm>=0.11.2  # engine table vllm (markerc/data/engines.toml): vllm>=0.11.2 via #vllm_dependencies#" in r.stdout
    assert 'decord==0.6.0  # model: decord==0.6.0 ; platform_machine == "x86_64"' in r.stdout
    r = run_markerc("compile", "fixtures/models.json", "--engine", "vllm", "--model", "demo-chat", "--target", CUDA128,
                    "--annotate", "location")
    assert "vllm>=0.11.2  # fixtures/models.json:7:10 via #vllm_dependencies#" in r.stdout
    # the cu130 indexes of the vllm engine do not match CUDA 12.8: dropped; the PyTorch index of
    # the system torch's local tag (2.8.0+cu128) is added (launch step 12, tests/test_launch.py)
    assert "cu130" not in r.stdout
    assert [ln for ln in r.stdout.splitlines() if ln.startswith("--")] == [
        "--extra-index-url https://download.pytorch.org/whl/cu128"
    ]
    assert r.stderr == ""


def test_compile_universal_keeps_residual_markers():
    r = run_markerc(
        "compile", "fixtures/models.json", "--engine", "sglang", "--model", "demo-chat",
        "--set", "has_cuda=true", "--set", "cuda_version=13.0", "--system", "numpy=2.2.6",
    )
    assert r.returncode == 0, r.stderr
    lines = requirement_lines(r.stdout)
    assert 'decord==0.6.0 ; platform_machine == "x86_64"' in lines
    assert 'wetext ; sys_platform != "linux" or platform_machine != "x86_64"' in lines
    assert 'flash-attn>=2.8 ; sys_platform == "linux"' in lines
    assert any(l.startswith("sgl-kernel @ https://") and l.endswith('platform_machine == "aarch64"') for l in lines)
    assert "numpy==2.2.6" in lines and "numpy<2.3" not in lines  # model layer beats engine layer
    assert "--extra-index-url https://download.pytorch.org/whl/cu130" in r.stdout
    assert "--index-strategy" not in r.stdout  # not a requirements-file option pip reads


def test_compile_json_shape_and_all_engines():
    r = run_markerc("compile", MODELS, "--engine", "all", "--target", MACOS, "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    pairs = [(d["model"], d["engine"]) for d in doc]
    assert pairs == [
        ("demo-chat", "vllm"), ("demo-chat", "sglang"), ("demo-chat", "transformers"),
        ("demo-speech", "vllm"), ("demo-speech", "mlx"),
        ("demo-embed", "sentence_transformers"), ("demo-embed", "flag"),
    ]
    first = doc[0]
    assert set(first) == {"file", "model", "engine", "requirements", "options", "source"}
    assert set(first["options"]) == {
        "index_url", "extra_index_url", "find_links", "trusted_host", "index_strategy", "no_build_isolation",
    }
    assert first["options"]["no_build_isolation"] is True
    speech_mlx = doc[4]["requirements"]
    assert speech_mlx == ["torch==2.9.1", "torchaudio==2.9.1", "soundfile", "speech-kit", "mlx-audio[stt]==0.4.6"]
    embed = doc[5]["requirements"]
    assert "deepdoc-lib~=0.2.2" in embed and not any("gpu" in r for r in embed)


def test_user_packages_win_and_placeholders_expand(tmp_path):
    r = run_markerc(
        "compile", MODELS, "--engine", "transformers", "--model", "demo-chat", "--target", CUDA128,
        "-p", "transformers==5.3.0", "-p", "accelerate ; sys_platform == 'darwin'", "-p", "extra-pkg",
    )
    assert r.returncode == 0, r.stderr
    lines = requirement_lines(r.stdout)
    assert "transformers==5.3.0" in lines and not any(l.startswith("transformers>=") for l in lines)
    # accelerate from the engine defaults stays: the user's entry is false on this linux target
    assert "accelerate>=0.28.0" in lines
    assert lines[-1] == "extra-pkg"


def test_user_override_with_marker_narrows_lower_entries():
    r = run_markerc(
        "compile", MODELS, "--engine", "transformers", "--model", "demo-chat",
        "--set", "has_cuda=false", "--system", "numpy=2.2.6",
        "-p", "accelerate==1.0 ; sys_platform == 'darwin'",
    )
    assert r.returncode == 0, r.stderr
    lines = requirement_lines(r.stdout)
    assert 'accelerate>=0.28.0 ; sys_platform != "darwin"' in lines
    assert 'accelerate==1.0 ; sys_platform == "darwin"' in lines


def test_output_file_and_directory(tmp_path):
    out = tmp_path / "reqs.txt"
    r = run_markerc("compile", MODELS, "--engine", "vllm", "--model", "demo-chat", "--target", CUDA128, "-o", str(out))
    assert r.returncode == 0 and r.stdout == ""
    assert requirement_lines(out.read_text())[0] == "vllm>=0.11.2"
    d = tmp_path / "out/"
    r = run_markerc("compile", MODELS, "--engine", "all", "--target", CUDA128, "-o", str(d) + "/")
    assert r.returncode == 0, r.stderr
    names = sorted(str(p.relative_to(d)) for p in d.rglob("*.txt"))
    assert "demo-chat/requirements.vllm.txt" in names and "demo-embed/requirements.flag.txt" in names
    assert not list(d.rglob("*.tmp"))


def test_failed_run_leaves_no_partial_or_stale_file(tmp_path):
    hub = tmp_path / "hub.json"
    hub.write_text(json.dumps({"packages": ["good", "bad ; cuda_version >= '12'"]}))
    out = tmp_path / "reqs.txt"
    out.write_text("previous content\n")
    r = run_markerc("compile", str(hub), "--engine", "vllm", "-o", str(out))
    assert r.returncode == 2
    assert out.read_text() == "previous content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hub.json", "reqs.txt"]


def test_explain_table_and_json():
    r = run_markerc("explain", MODELS, "--engine", "transformers", "--model", "demo-chat", "--target", MACOS)
    assert r.returncode == 0, r.stderr
    assert "overridden" in r.stdout and "transformers>=5.2.0" in r.stdout
    assert "marker is false for this target: has_cuda" in r.stdout
    r = run_markerc("explain", MODELS, "--engine", "transformers", "--model", "demo-chat", "--target", MACOS, "--format", "json")
    doc = json.loads(r.stdout)
    statuses = {e["entry"]: e["status"] for e in doc["entries"]}
    assert statuses["transformers>=4.53.3"] == "overridden"
    assert statuses["#vllm_dependencies# ; #engine# == \"vllm\""] == "dropped"
    assert statuses["#transformers_dependencies# ; #engine# == \"Transformers\""] == "expanded"
    # every input entry of the model has a verdict
    model = [e for e in doc["entries"] if e["layer"] == "model"]
    assert len(model) == 11


# ------------------------------------------------------------------ bad input, located


def _hub(tmp_path: Path, text: str) -> str:
    path = tmp_path / "hub.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "text, args, code, line, col",
    [
        ('[{"model_name": "m", "virtualenv": {"packages": ["a" "b"]}}]', [], "MK201", 1, 54),
        ('{"packages": ["a", 3]}', [], "MK202", 1, 20),
        ('{"packages": ["a"], "index_strategy": "fastest"}', [], "MK203", 1, 39),
        ('{\n  "packages": [\n    "ok",\n    "x ; (sys_platform == \\"linux\\""\n  ]\n}', [], "MK001", 4, 36),
        ('{"packages": ["\\u0078 ; sys_platfrom == \'linux\'"]}', [], "MK101", 1, 25),
        ('{"packages": ["x ; cuda_version >= \'12.1\'"]}', [], "MK501", 1, 20),
        ('{"packages": ["x ; #flavour# == \'a\'"]}', [], "MK501", 1, 20),
        ('{"packages": ["#vlm_dependencies#"]}', [], "MK103", 1, 16),
        ('{"packages": ["#system_torch#"]}', [], "MK504", 1, 16),
        ('{"packages": ["a>=2", "a<1"]}', [], "MK502", 1, 24),
        ('{"packages": ["a @ https://x/a-1.0-py3-none-any.whl", "a @ https://y/a-1.0-py3-none-any.whl"]}', [], "MK502", 1, 56),
        ('{"packages": ["a"]}', ["-p", "a==1 ; python_version > '3.9'"], "MK503", 1, 16),
        ('{"packages": ["a"]}', ["-p", "a==1 ; platform_release >= '5.4'"], "MK503", 1, 16),
        ('{"packages": ["foo>2,<1"]}', [], "MK502", 1, 19),  # the specifier, as check says
        ('{"packages": ["-r other.txt"]}', [], "MK002", 1, 16),
        ('{"packages": ["a\\nb"]}', [], "MK003", 1, 17),
        ('{"packages": [""]}', [], "MK004", 1, 16),
    ],
)
def test_bad_input_is_located(tmp_path, text, args, code, line, col):
    path = _hub(tmp_path, text)
    r = run_markerc("compile", path, "--engine", "vllm", *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    first = r.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{line}:{col}: {code} "), r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_unbound_variable_names_the_flag(tmp_path):
    path = _hub(tmp_path, '{"packages": ["x ; cuda_version >= \'12.1\'", "y ; #flavour# == \'a\'"]}')
    r = run_markerc("compile", path, "--engine", "vllm")
    assert "--set cuda_version=" in r.stderr
    r = run_markerc("compile", path, "--engine", "vllm", "--set", "has_cuda=false")
    assert "#flavour#" in r.stderr and "--set flavour=VALUE" in r.stderr
    r = run_markerc("compile", path, "--engine", "vllm", "--set", "has_cuda=false", "--set", "flavour=a")
    assert r.returncode == 0 and requirement_lines(r.stdout) == ["y"]


def test_conflict_cites_both_entries(tmp_path):
    path = _hub(tmp_path, '{"packages": ["a>=2", "b", "a<1"]}')
    r = run_markerc("compile", path, "--engine", "vllm")
    assert r.returncode == 2
    assert f"{path}:1:16" in r.stderr and f"{path}:1:29" in r.stderr


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--engine", "vlm"], "did you mean 'vllm'"),
        (["--engine", "vllm", "--model", "demo-chta"], "did you mean 'demo-chat'"),
        (["--engine", "vllm", "--set", "sys_platfrom=linux"], "did you mean 'sys_platform'"),
        (["--engine", "vllm", "--target", "no-such-profile"], "MK505"),
    ],
)
def test_usage_errors(args, fragment):
    r = run_markerc("compile", MODELS, *args)
    assert r.returncode == 2 and fragment in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_missing_file_and_credentials_redacted(tmp_path):
    r = run_markerc("compile", str(tmp_path / "nope.json"), "--engine", "vllm")
    assert r.returncode == 2 and "MK205" in r.stderr
    path = _hub(tmp_path, '{"packages": ["x ; nope == \'1\'"], "extra_index_url": "https://user:s3cret@mirror/simple"}')
    r = run_markerc("compile", path, "--engine", "vllm")
    assert r.returncode == 2 and "s3cret" not in r.stderr


# ------------------------------------------------------------------ the real corpus

TARGETS = {"cuda128": CUDA128, "cuda130-aarch64": CUDA130, "macos-arm64": MACOS}


@pytest.fixture(scope="module")
def corpus_results():
    files = [str(p) for p in corpus_files()]
    engines = load_engines()
    out = {}
    for name, path in TARGETS.items():
        results = compile_hubs(files, engines=engines, engine_spec=["all"], model=None,
                               options=Options(target=load_target(path)))
        out[name] = {(Path(c.compiled.file).name, c.compiled.model, c.compiled.engine): c.compiled for c in results}
    return out


def test_every_corpus_model_compiles_for_every_engine_it_names(corpus_results):
    engines = load_engines()
    expected = set()
    for path in corpus_files():
        for record in load_hub(str(path)).records:
            own = engines.canonical(record.engine.value) if record.engine else None
            for engine in engines_named(record, engines):
                if own is None or own == engine:  # a record declaring an engine serves that engine
                    expected.add((path.name, record.name, engine))
    assert len(expected) > 700
    for name, results in corpus_results.items():
        assert expected <= set(results), (name, sorted(expected - set(results))[:5])
        for cs in results.values():
            for line in cs.requirements:
                if not line.startswith(("git+", "http")):  # a nameless URL stays a bare URL line
                    PRequirement(line)  # plain PEP 508, no '#', no custom variables
                assert "#" not in line and ";" not in line  # fully bound targets: no markers


def test_xinference_losses_are_fixed(corpus_results):
    for results in corpus_results.values():
        asr = [cs for (f, m, e), cs in results.items() if m and m.startswith("Qwen3-ASR") and e != "vllm"]
        assert asr
        for cs in asr:
            if cs.engine == "transformers":
                assert any(r.split("[")[0].split("=")[0] == "qwen-asr" for r in cs.requirements), cs.requirements
        gemma = results[("llm_family.json", "gemma-4", "transformers")]
        assert any(r.startswith("transformers") for r in gemma.requirements)
        qwen35 = results[("llm_family.json", "qwen3.5", "sglang")]
        assert "ninja" in qwen35.requirements


def test_corpus_cuda_specific_choices(corpus_results):
    q128 = corpus_results["cuda128"][("llm_family.json", "qwen3.5", "sglang")]
    q130 = corpus_results["cuda130-aarch64"][("llm_family.json", "qwen3.5", "sglang")]
    assert "sgl_kernel" in q128.requirements
    assert any("sgl_kernel-0.3.21+cu130" in r and "aarch64" in r for r in q130.requirements)
    assert "https://download.pytorch.org/whl/cu130" in q130.options.extra_index_url
    assert q128.options.extra_index_url == ()


# ------------------------------------------------------------------ properties on generated hubs

NAMES = ["alpha", "beta", "gamma"]
SPECS = ["", ">=1", "<9", "!=3", "[x]", ">=1,<9", "<1", ">9"]
STD_MARKERS = [
    'sys_platform == "linux"', 'sys_platform != "win32"', 'platform_machine == "x86_64"',
    'python_version >= "3.11"', 'python_version < "3.13"', '"arm" in platform_machine',
    'sys_platform == "darwin" or platform_machine == "aarch64"', 'platform_release >= "5.4"',
    'python_version > "3.11"',
]
CUSTOM_MARKERS = ['#engine# == "vllm"', '#engine# != "vllm"', "has_cuda", "not has_cuda", 'cuda_version >= "12.4"']


@st.composite
def entries(draw, allow_placeholder: bool = True):
    name = draw(st.sampled_from(NAMES))
    head = name + draw(st.sampled_from(SPECS))
    if allow_placeholder and draw(st.integers(0, 9)) == 0:
        head = "#vllm_dependencies#"
    parts = draw(st.lists(st.sampled_from(STD_MARKERS + CUSTOM_MARKERS), max_size=2))
    if not parts:
        return head
    return head + " ; " + " and ".join(f"({p})" for p in parts)


ENVS = st.fixed_dictionaries({
    "sys_platform": st.sampled_from(["linux", "darwin", "win32"]),
    "platform_machine": st.sampled_from(["x86_64", "aarch64", "arm64"]),
    "python_version": st.sampled_from(["3.10", "3.11", "3.12", "3.13"]),
    "platform_release": st.sampled_from(["5.15.0-1051-azure", "6.8.0", "5.4", "4.19"]),
})
CUSTOM = st.fixed_dictionaries({
    "has_cuda": st.booleans(), "cuda_version": st.sampled_from(["12.1", "12.8", "13.0"]),
})


def _compile(model_entries, user, custom, env=None, pep508=True):
    hub = parse_hub(json.dumps({"packages": model_entries}), "gen.json")
    values = dict(custom)
    if not values["has_cuda"]:
        values["cuda_version"] = None
    if env:
        values.update(env)
    options = Options(target=Target.make("t", values), user_packages=tuple(user), system_missing="unpinned",
                      pep508=pep508)
    engines = load_engines()
    return compile_record(hub, hub.records[0], engines.get("vllm"), engines, options)


def _requires(lines) -> dict[str, tuple]:
    """What a set of lines requires: per name, the specifier clauses, extras and URLs."""
    out: dict[str, tuple[set, set, set]] = {}
    for text in lines:
        req = PRequirement(text)
        name = req.name.lower().replace("_", "-")
        clauses, extras, urls = out.setdefault(name, (set(), set(), set()))
        clauses.update(str(s) for s in req.specifier)
        extras.update(req.extras)
        if req.url:
            urls.add(req.url)
    return {k: (frozenset(a), frozenset(b), frozenset(c)) for k, (a, b, c) in out.items()}


PROPERTY = settings(max_examples=150 * DEEP, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _attempt(*args, **kw):
    """(compiled, None) or (None, the MK502/MK503 error); any other error propagates."""
    try:
        return _compile(*args, **kw), None
    except MarkercError as err:
        if err.code not in ("MK502", "MK503"):
            raise
        return None, err


@PROPERTY
@given(st.lists(entries(), min_size=1, max_size=6), st.lists(entries(allow_placeholder=False), max_size=2), CUSTOM, ENVS)
def test_end_to_end_property(model_entries, user, custom, env):
    """SPEC 8, errors included: the universal compile and the compile bound to E agree.

    * lines: the lines of compile(target) whose conditions hold in E require exactly what
      compile(target + E) requires (conditions evaluated by packaging on the written markers,
      and by the algebra on the canonical values);
    * MK502: the bound compile stops with MK502 only if the universal one does, and a
      universal MK502 stops every bound compile whose E lies where the conflicting lines both
      hold;
    * MK503 (a condition PEP 508 cannot write) never stops a bound compile (it writes no
      marker); when it stops the universal one, that compile's unwritten conditions (compiled
      with pep508=False) still agree with the bound compile, line for line.
    """
    general, gerr = _attempt(model_entries, user, custom)
    specific, serr = _attempt(model_entries, user, custom, env)
    event(f"universal {gerr.code if gerr else 'ok'}, bound {serr.code if serr else 'ok'}")
    assert serr is None or serr.code == "MK502", serr
    if serr is not None:
        assert gerr is not None and gerr.code == "MK502", (gerr, serr)
        return
    if gerr is not None and gerr.code == "MK502":
        assert not algebra.evaluate(gerr.overlap, env), str(gerr)  # E is outside the conflict
        return
    if gerr is not None:  # MK503
        general = _compile(model_entries, user, custom, pep508=False)
    assert all(line.marker is None for line in specific.compiled.lines)
    holding = []
    for line in general.compiled.lines:
        holds = algebra.evaluate(line.condition, env)
        if gerr is None:
            assert holds == (line.marker is None or PMarker(line.marker).evaluate(env)), line
        if holds:
            holding.append(line.requirement)
    assert _requires(holding) == _requires(l.requirement for l in specific.compiled.lines)


@PROPERTY
@given(st.lists(entries(), min_size=1, max_size=5), st.lists(entries(allow_placeholder=False), min_size=1, max_size=2), CUSTOM, ENVS)
def test_user_layer_wins_where_its_marker_holds(model_entries, user, custom, env):
    try:
        specific = _compile(model_entries, user, custom, env)
    except MarkercError as err:
        assume(err.code not in ("MK502", "MK503"))
        raise
    user_names = {
        v.source.text.split(" ")[0].split("[")[0].rstrip("<>=!0123456789,")
        for v in specific.verdicts if v.source.layer == "user" and v.status == "kept"
    }
    for line in specific.compiled.lines:
        name = PRequirement(line.requirement).name
        if name in user_names:
            assert {o.layer for o in line.origins} == {"user"}, line


@PROPERTY
@given(st.lists(entries(), min_size=1, max_size=6), CUSTOM)
def test_no_silent_loss(model_entries, custom):
    result, err = _attempt(model_entries, [], custom)
    if err is not None and err.code == "MK503":  # nothing lost: the conditions are unwritable
        result = _compile(model_entries, [], custom, pep508=False)
    assume(result is not None)  # MK502 stops loudly, naming both entries
    model_verdicts = [v for v in result.verdicts if v.source.layer == "model"]
    assert [v.source.text for v in model_verdicts] == model_entries
    contributed = {(o.text, result.compiled.location(o)) for line in result.compiled.lines for o in line.origins}
    for v in result.verdicts:
        if v.status in ("kept", "narrowed") and v.source.text != "#vllm_dependencies#":
            assert (v.source.text, v.source.location) in contributed, v


def test_determinism_and_unrelated_reordering(tmp_path):
    doc = json.loads((FIX / "models.json").read_text())
    outputs = set()
    for seed in range(4):
        shuffled = list(doc)
        random.Random(seed).shuffle(shuffled)
        chat = next(m for m in shuffled if m["model_name"] == "demo-chat")
        # entries for other engines can move freely relative to each other
        pk = chat["virtualenv"]["packages"]
        pk[0], pk[1] = pk[1], pk[0]
        path = tmp_path / f"hub{seed}.json"
        path.write_text(json.dumps(shuffled, indent=seed))
        r = run_markerc("compile", str(path), "--engine", "vllm", "--model", "demo-chat", "--target", CUDA128, "--format", "json")
        assert r.returncode == 0, r.stderr
        doc_out = json.loads(r.stdout)
        for d in doc_out:
            d["file"] = "hub.json"
        outputs.add(json.dumps(doc_out))
    assert len(outputs) == 1
    a = run_markerc("compile", MODELS, "--engine", "all", "--target", CUDA130)
    b = run_markerc("compile", MODELS, "--engine", "all", "--target", CUDA130)
    assert a.stdout == b.stdout and a.returncode == 0


def test_uv_accepts_emitted_requirements(tmp_path):
    from .wheelhouse import build_wheelhouse, offline_env

    wheels = tmp_path / "wheels"
    build_wheelhouse(str(wheels), [("alpha", "1.0", ["beta>=1"]), ("beta", "1.5"), ("gamma", "2.0"), ("delta", "1.0")])
    hub = _hub(tmp_path, json.dumps({"packages": [
        "alpha>=1 ; sys_platform == 'linux'", "gamma ; #engine# == 'vllm' and python_version >= '3.10'",
        "#vllm_dependencies# ; has_cuda", "delta ; platform_machine != 's390x' or sys_platform == 'win32'",
    ]}))
    out = tmp_path / "req.txt"
    r = run_markerc("compile", hub, "--engine", "vllm", "--set", "has_cuda=false", "--no-index", "--find-links", str(wheels), "-o", str(out))
    assert r.returncode == 0, r.stderr
    import subprocess

    from markerc.backends.uvtool import uv_bin

    env = {**os.environ, **offline_env(str(tmp_path / "uv-cache"))}
    proc = subprocess.run([uv_bin(), "pip", "compile", "--universal", str(out), "--no-header"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "alpha==1.0" in proc.stdout and "beta==1.5" in proc.stdout and "gamma==2.0" in proc.stdout


def test_warnings_go_to_stderr_and_keep_exit_zero(tmp_path):
    path = _hub(tmp_path, '{"packages": ["a"], "pakages": ["b"]}')
    r = run_markerc("compile", path, "--engine", "vllm")
    assert r.returncode == 0 and requirement_lines(r.stdout) == ["a"]
    assert f"{path}:1:21: MK306" in r.stderr


def test_model_format_extras_and_system_python(tmp_path):
    import sys

    import pytest as _pytest

    path = _hub(tmp_path, json.dumps([
        {"model_name": "m", "virtualenv": {"packages": ["#transformers_dependencies# ; #engine# == 'transformers'", "#system_pytest#"]}},
        {"model_name": "q", "model_format": "awq", "virtualenv": {"packages": ["x"]}},
    ]))
    r = run_markerc("compile", path, "--engine", "transformers", "--model", "m", "--model-format", "gptq",
                    "--system-python", sys.executable, "--set", "sys_platform=linux")
    assert r.returncode == 0, r.stderr
    lines = requirement_lines(r.stdout)
    # format extras come first (engine layer), then the model's entries; the pin comes from that interpreter
    assert lines[:3] == ["gptqmodel", "optimum", "datasets>=3.4.0"]
    assert f"pytest=={_pytest.__version__}" in lines
    # the record's own model_format wins over --model-format
    r = run_markerc("compile", path, "--engine", "transformers", "--model", "q", "--model-format", "gptq", "--set", "sys_platform=linux")
    assert requirement_lines(r.stdout)[:2] == ["autoawq!=0.2.6", "datasets>=3.4.0"]


def test_unknown_engine_literal_is_an_error_and_legacy_forms_warn(tmp_path):
    path = _hub(tmp_path, '{"packages": ["x ; #engine# in \'vllm, sgalng\'", "vllm_dependencies ; #engine# == \'vllm\'"]}')
    r = run_markerc("compile", path, "--engine", "vllm")
    assert r.returncode == 2 and "MK103 unknown engine 'sgalng'" in r.stderr and "did you mean 'sglang'" in r.stderr
    path = _hub(tmp_path, '{"packages": ["vllm_dependencies ; #engine# == \'vllm\'", "# system_torch #"]}')
    r = run_markerc("compile", path, "--engine", "vllm", "--system", "torch=2.8.0")
    assert r.returncode == 0, r.stderr
    assert requirement_lines(r.stdout) == ["vllm>=0.11.2", "torch==2.8.0"]
    assert f"{path}:1:16: MK301" in r.stderr and f"{path}:1:58: MK310" in r.stderr


def test_misspelt_engine_template_gets_a_suggestion(tmp_path):
    path = _hub(tmp_path, '{"packages": ["x ; #engie# == \'vllm\'"]}')
    r = run_markerc("compile", path, "--engine", "vllm")
    assert r.returncode == 2 and f"{path}:1:20: MK501" in r.stderr and "did you mean #engine#?" in r.stderr


def test_combination_within_a_layer(tmp_path):
    path = _hub(tmp_path, json.dumps({"packages": [
        "a[x]>=1", "b", "a[y]<3 ; sys_platform == 'linux'", "a[Y]!=2",
        "c @ https://h/c-1.0-py3-none-any.whl", "c>=1",
    ]}))
    r = run_markerc("compile", path, "--engine", "vllm", "--set", "sys_platform=linux", "--format", "json")
    assert r.returncode == 0, r.stderr
    # same residual marker (true) -> one line: specifiers intersected, extras united (case-folded)
    assert json.loads(r.stdout)[0]["requirements"] == [
        "a[x,y]!=2,<3,>=1", "b", "c @ https://h/c-1.0-py3-none-any.whl", "c>=1",
    ]
    r = run_markerc("compile", path, "--engine", "vllm", "--format", "json")
    assert json.loads(r.stdout)[0]["requirements"] == [
        "a[x,Y]!=2,>=1", "b", 'a[y]<3 ; sys_platform == "linux"', "c @ https://h/c-1.0-py3-none-any.whl", "c>=1",
    ]


# ------------------------------------------------------------------ the marker algebra through the CLI


def test_override_under_the_same_condition_leaves_no_dead_line(tmp_path):
    path = _hub(tmp_path, json.dumps([{"model_name": "m", "virtualenv": {"packages": [
        'a>=1 ; python_version >= "3.10"']}}]))
    args = ["--engine", "vllm", "--model", "m", "-p", 'a==2 ; python_version >= "3.10"']
    r = run_markerc("compile", path, *args, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["requirements"] == ['a==2 ; python_version >= "3.10"']
    r = run_markerc("explain", path, *args, "--format", "json")
    entries = {e["entry"]: e["status"] for e in json.loads(r.stdout)["entries"]}
    assert entries['a>=1 ; python_version >= "3.10"'] == "overridden"


@pytest.mark.parametrize(
    "packages, where",
    [
        (['c>=3 ; python_version >= "3.11"', 'c<1 ; python_version >= "3.11" and python_version >= "3.10"'],
         'where python_version >= "3.11" holds'),
        (['b<1 ; sys_platform == "linux"', 'b>2 ; python_version >= "3.10"'],
         'where sys_platform == "linux" and python_version >= "3.10" holds'),
    ],
)
def test_conflicts_are_found_bound_or_not(tmp_path, packages, where):
    path = _hub(tmp_path, json.dumps({"packages": packages}))
    for extra in ([], ["--set", "sys_platform=linux", "--set", "python_version=3.12"]):
        r = run_markerc("compile", path, "--engine", "vllm", *extra)
        assert r.returncode == 2 and "MK502" in r.stderr, r.stderr
        assert f"{path}:1:16" in r.stderr  # both sources are named
        if not extra:
            assert where in r.stderr
    r = run_markerc("compile", path, "--engine", "vllm", "--set", "sys_platform=win32", "--set", "python_version=3.9")
    assert r.returncode == 0, r.stderr


def test_disjoint_override_leaves_the_entry_unchanged(tmp_path):
    path = _hub(tmp_path, json.dumps({"packages": ['a ; python_version < "3.5"']}))
    r = run_markerc("compile", path, "--engine", "vllm", "-p", 'a==1 ; python_version > "3.9"', "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["requirements"] == ['a ; python_version < "3.5"', 'a==1 ; python_version > "3.9"']


def test_full_version_repair_and_escapes(tmp_path):
    path = _hub(tmp_path, json.dumps({"packages": [
        'a ; python_full_version < "3.12"', 'b ; os_name == "\\x41"', "c ; os_name == 'C:\\\\'"]}))
    r = run_markerc("compile", path, "--engine", "vllm", "--set", "python_full_version=3.11.1+", "--set", "os_name=A",
                    "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["requirements"] == ["a", "b"]  # 3.11.1+ is 3.11.1+local; "\x41" is "A"
    r = run_markerc("compile", path, "--engine", "vllm", "--set", "python_full_version=3.11.1+")
    assert r.returncode == 2 and "MK520" in r.stderr  # C:\ cannot be written back for pip and uv alike
    r = run_markerc("compile", _hub(tmp_path, json.dumps({"packages": ["x[a,]"]})), "--engine", "vllm")
    assert r.returncode == 2 and "MK001" in r.stderr


def test_torch_companion_where_no_torch_applies(tmp_path):
    path = _hub(tmp_path, json.dumps({"packages": [
        'torch ; sys_platform == "darwin"', '#system_torchvision# ; sys_platform == "linux"']}))
    r = run_markerc("compile", path, "--engine", "vllm", "--system", "torch=2.8.0", "--system", "torchvision=0.23.0",
                    "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["requirements"] == [
        'torch ; sys_platform == "darwin"', 'torchvision==0.23.0 ; sys_platform == "linux"',
        'torch==2.8.0 ; sys_platform == "linux"',
    ]
    path = _hub(tmp_path, json.dumps({"packages": ["torch", '#system_torchvision# ; sys_platform == "linux"']}))
    r = run_markerc("compile", path, "--engine", "vllm", "--system", "torchvision=0.23.0", "--format", "json")
    assert json.loads(r.stdout)[0]["requirements"] == ["torch", 'torchvision==0.23.0 ; sys_platform == "linux"']


def test_unwritable_condition_compiles_for_people_with_pep508_off() -> None:
    """Found by test_end_to_end_property: `>= 3.11` narrowed by a user `> 3.11` leaves exactly
    3.11 and its post-releases, which PEP 508 cannot write. With pep508=False the line carries a
    description for people; it must pass the output guard (no quote or option-like word)."""
    result = _compile(['alpha ; (python_version >= "3.11")'], ['alpha ; (python_version > "3.11")'],
                      {"has_cuda": False, "cuda_version": "12.1"}, pep508=False)  # fmt: skip
    (narrowed, user) = result.compiled.lines
    assert narrowed.marker is not None and narrowed.marker.startswith("python_version in <")
    assert "'" not in narrowed.marker and " -" not in narrowed.marker
    assert user.marker == 'python_version > "3.11"'
