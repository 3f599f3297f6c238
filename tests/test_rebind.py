"""Per-distinct compilation (markerc.compiler.rebind): records with identical blocks are compiled once per
engine and target, and every record still gets its own file, model name and entry positions in
JSON output, requirements annotations, explain and diagnostics."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from markerc.compiler.compile import Options, compile_hubs
from markerc.compiler.engines import load_engines
from markerc.compiler.hub import load_hub
from markerc.compiler.targets import build_target, load_target
from markerc.records import replace

from .cli_helpers import ROOT, run_markerc
from .conftest import DEEP

CUDA128 = str(ROOT / "fixtures" / "targets" / "linux-cuda128.toml")

PACKAGES = [
    "#vllm_dependencies# ; #engine# == \"vllm\"",
    "#system_numpy#",
    "flash-attn>=2.8 ; has_cuda",
    "einops",
]


def _write(path: Path, models: list[dict[str, object]]) -> str:
    path.write_text(json.dumps(models, indent=2) + "\n", encoding="utf-8")
    return str(path)


def _hub(tmp_path: Path, packages: list[str] = PACKAGES, names: tuple[str, ...] = ("a", "b")) -> str:
    return _write(tmp_path / "hub.json", [{"model_name": n, "virtualenv": {"packages": list(packages)}} for n in names])


def _line_of(path: str, model: str, text: str) -> int:
    """1-based line of ``text``'s JSON string inside ``model``'s object."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if f'"model_name": "{model}"' in ln)
    needle = json.dumps(text)
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def _where(path: str, model: str, text: str) -> str:
    """``path:line:col`` of the first character of ``text`` in ``model``'s object."""
    line = _line_of(path, model, text)
    col = Path(path).read_text(encoding="utf-8").splitlines()[line - 1].index(json.dumps(text)) + 2
    return f"{path}:{line}:{col}"


def _compile(path: str, engine: str = "vllm") -> list:  # type: ignore[type-arg]
    options = Options(target=load_target(CUDA128))
    return compile_hubs([path], engines=load_engines(), engine_spec=[engine], model=None, options=options)


def test_identical_blocks_are_compiled_once_and_rebound(tmp_path):
    path = _hub(tmp_path)
    a, b = _compile(path)
    assert a.rebound_to is None and b.rebound_to is not None  # b really took the shared path
    assert (a.compiled.model, b.compiled.model) == ("a", "b")
    assert a.compiled.file == b.compiled.file == path
    assert a.compiled.requirements == b.compiled.requirements
    assert b.compiled.lines is a.compiled.lines  # rebinding copies no line: only the strings differ
    for c, model in ((a, "a"), (b, "b")):
        for line in c.compiled.lines:
            for o in line.origins:
                loc = c.compiled.location(o)
                if o.layer == "model":
                    assert loc is not None and loc.line == _line_of(path, model, o.text), (model, o)
                elif o.via == "#vllm_dependencies#":  # expanded: the placeholder's position
                    assert loc is not None
                    assert loc.line == _line_of(path, model, PACKAGES[0])
        for v in c.verdicts:
            if v.source.layer == "model" or v.source.via == "#vllm_dependencies#":
                text = v.source.text if v.source.via is None else PACKAGES[0]
                assert v.source.location is not None
                assert v.source.location.line == _line_of(path, model, text), (model, v)
    # the records' strings, not the shared ones
    hub = load_hub(path)
    assert b.rebound_to is hub.records[1].block or b.rebound_to == hub.records[1].block


def test_identical_blocks_across_files_keep_their_file(tmp_path):
    one = _write(tmp_path / "one.json", [{"model_name": "m", "virtualenv": {"packages": PACKAGES}}])
    two = _write(tmp_path / "two.json", [{"model_name": "n", "pad": [1, 2, 3], "virtualenv": {"packages": PACKAGES}}])
    options = Options(target=load_target(CUDA128))
    a, b = compile_hubs([one, two], engines=load_engines(), engine_spec=["vllm"], model=None, options=options)
    assert b.rebound_to is not None
    assert (a.compiled.file, b.compiled.file) == (one, two)
    locs = {str(b.compiled.location(o)) for line in b.compiled.lines for o in line.origins if o.layer == "model"}
    assert locs and all(loc.startswith(f"{two}:") for loc in locs)
    assert {str(a.compiled.location(o)) for line in a.compiled.lines for o in line.origins if o.layer == "model"} != locs


def test_cli_json_and_annotations_name_each_record(tmp_path):
    path = _hub(tmp_path)
    r = run_markerc("compile", path, "--engine", "vllm", "--target", CUDA128, "--format", "json",
                    "--annotate", "location")  # fmt: skip
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [d["model"] for d in doc] == ["a", "b"]
    for d in doc:
        einops = next(o for origins in d["source"]["origins"] for o in origins if o["entry"] == "einops")
        assert einops["location"] == _where(path, d["model"], "einops")
    out = tmp_path / "out"
    out.mkdir()
    r = run_markerc("compile", path, "--engine", "vllm", "--target", CUDA128, "-o", f"{out}/", "--annotate", "location")
    assert r.returncode == 0, r.stderr
    for model in ("a", "b"):
        text = (out / model / "requirements.vllm.txt").read_text(encoding="utf-8")
        assert f"einops  # {_where(path, model, 'einops')}" in text, text


def test_explain_of_a_rebound_record_shows_its_own_positions(tmp_path):
    from markerc.compiler.emit import explain_json, explain_rows

    path = _hub(tmp_path)
    a, b = _compile(path)
    assert b.rebound_to is not None
    for c, model in ((a, "a"), (b, "b")):
        doc = json.loads(explain_json(c.compiled, c.verdicts))
        einops = next(e for e in doc["entries"] if e["entry"] == "einops")
        assert einops["location"] == _where(path, model, "einops")
        assert (_where(path, model, "einops"), "einops") in [row[:2] for row in explain_rows(c.verdicts)]
    r = run_markerc("explain", path, "--engine", "vllm", "--model", "b", "--target", CUDA128, "--format", "json")
    assert r.returncode == 0, r.stderr
    einops = next(e for e in json.loads(r.stdout)["entries"] if e["entry"] == "einops")
    assert einops["location"] == _where(path, "b", "einops")


def test_warnings_and_errors_of_identical_blocks_are_located_per_record(tmp_path):
    # a legacy spelling warns (MK301) in each record, each at its own line
    path = _hub(tmp_path, ["vllm_dependencies ; #engine# == \"vllm\"", "einops"])
    r = run_markerc("compile", path, "--engine", "vllm", "--target", CUDA128, "--format", "json")
    assert r.returncode == 0, r.stderr
    lines = {_line_of(path, m, "vllm_dependencies ; #engine# == \"vllm\"") for m in ("a", "b")}
    warned = {int(ln.split(":")[1]) for ln in r.stderr.splitlines() if ln.startswith(path) and "MK301" in ln}
    assert warned == lines, r.stderr
    # an error in the second of two otherwise identical records is placed in that record
    _write(Path(path), [
        {"model_name": "a", "virtualenv": {"packages": ["x ; has_cuda"]}},
        {"model_name": "b", "virtualenv": {"packages": ["x ; has_cuda", "#system_nothere#"]}},
    ])  # fmt: skip
    r = run_markerc("compile", path, "--engine", "vllm", "--target", CUDA128)
    assert r.returncode == 2
    assert r.stderr.startswith(f"{path}:{_line_of(path, 'b', '#system_nothere#')}:"), r.stderr


def test_positions_follow_the_json_index_past_an_item_that_is_no_string(tmp_path):
    """A ``packages`` item that is no string (MK202, which ``compile_hubs`` refuses; the library's
    ``parse_hub`` + ``compile_record`` go on) shifts the strings' indexes: a block of another
    layout is compiled on its own, one of the same layout is rebound, and each origin points at
    its own record's string."""
    from markerc.compiler.compile import compile_record, make_context
    from markerc.compiler.hub import parse_hub

    plain = ["einops", "flash-attn>=2.8 ; has_cuda"]
    path = _write(tmp_path / "hub.json", [
        {"model_name": "a", "virtualenv": {"packages": plain}},
        {"model_name": "b", "virtualenv": {"packages": [7, *plain]}},
        {"model_name": "c", "virtualenv": {"packages": [8, *plain]}},
    ])  # fmt: skip
    hub = parse_hub(Path(path).read_text(encoding="utf-8"), path)
    assert [d.code for d in hub.diagnostics] == ["MK202", "MK202"]
    engines, options = load_engines(), Options(target=load_target(CUDA128))
    ctx = make_context(engines.get("vllm"), engines, options)
    a, b, c = (compile_record(hub, r, engines.get("vllm"), engines, options, ctx) for r in hub.records)
    assert b.rebound_to is None and c.rebound_to is not None  # b's layout is not a's; c's is b's
    for result, model in ((a, "a"), (b, "b"), (c, "c")):
        cs = result.compiled
        assert len(cs.lines) == 2
        for line in cs.lines:
            (origin,) = line.origins
            assert str(cs.location(origin)) == _where(path, model, origin.text)


def test_a_strings_legacy_warning_is_made_once_for_every_engine(tmp_path):
    """The warning of a legacy spelling is located once per hub string and reported by each
    engine's compile of it; a record with an identical block still gets its own."""
    path = _hub(tmp_path, ["sglang_dependencies ; #engine# == \"sglang\"", "einops"])
    target = load_target(CUDA128)
    results = compile_hubs(
        [path], engines=load_engines(), engine_spec=["vllm", "sglang"], model=None,
        options=Options(target=target),
    )  # fmt: skip
    warned = {(c.compiled.model, c.compiled.engine): c.warnings for c in results}
    assert set(warned) == {(m, e) for m in ("a", "b") for e in ("vllm", "sglang")}
    for model in ("a", "b"):
        (first,), (second,) = warned[(model, "vllm")], warned[(model, "sglang")]
        assert first is second and first.code == "MK301"
        line = _line_of(path, model, "sglang_dependencies ; #engine# == \"sglang\"")
        assert first.location is not None and first.location.line == line


# ---------------------------------------------------------------- sharing by what a block yields

#: entries that yield nothing for vllm on linux-cuda128 (another engine's, a false condition)
NOTHING_FOR_VLLM = [
    "#sglang_dependencies#",
    "mlx-lm ; #engine# == \"mlx\"",
    "pywin32 ; sys_platform == \"win32\"",
]


def _compile_alone(path: str, model: str, engine: str, verdicts: bool = False) -> object:
    """``model`` of ``path`` compiled in a context of its own (nothing shared)."""
    from markerc.compiler.compile import compile_record

    hub = load_hub(path)
    record = next(r for r in hub.records if r.name == model)
    engines = load_engines()
    options = Options(target=load_target(CUDA128), verdicts=verdicts)
    return compile_record(hub, record, engines.get(engine), engines, options)


def test_blocks_that_differ_in_what_yields_nothing_compile_once(tmp_path):
    """Blocks whose entries differ only where an entry yields nothing for the engine compile once
    (without verdicts); each record's set is what compiling it alone gives, with its own
    positions."""
    from markerc.compiler.emit import json_element

    models = [["einops", other, "#system_numpy#"] for other in NOTHING_FOR_VLLM]
    path = _write(tmp_path / "hub.json", [
        {"model_name": f"m{i}", "virtualenv": {"packages": p}} for i, p in enumerate(models)
    ])  # fmt: skip
    options = Options(target=load_target(CUDA128), verdicts=False)
    results = compile_hubs([path], engines=load_engines(), engine_spec=["vllm"], model=None, options=options)
    assert [r.rebound_to is None for r in results] == [True, False, False]
    assert all(r.compiled.lines is results[0].compiled.lines for r in results)
    for r in results:
        alone = _compile_alone(path, r.compiled.model, "vllm").compiled  # type: ignore[attr-defined]
        assert json_element(r.compiled, "location") == json_element(alone, "location")
        numpy = next(o for line in r.compiled.lines for o in line.origins if o.text == "#system_numpy#")
        assert str(r.compiled.location(numpy)) == _where(path, r.compiled.model, "#system_numpy#")
    # for sglang the first block yields its placeholder's entries: compiled on its own
    results = compile_hubs([path], engines=load_engines(), engine_spec=["sglang"], model=None, options=options)
    assert [r.rebound_to is None for r in results] == [True, True, False]
    assert len(results[0].compiled.lines) > len(results[1].compiled.lines)


def test_with_verdicts_only_identical_blocks_share(tmp_path):
    """``explain`` shows every entry's verdict, which differs between such blocks: with verdicts
    each block is compiled on its own, and the entry that yields nothing has its verdict."""
    path = _write(tmp_path / "hub.json", [
        {"model_name": "a", "virtualenv": {"packages": ["einops", "mlx-lm ; #engine# == \"mlx\""]}},
        {"model_name": "b", "virtualenv": {"packages": ["einops", "#sglang_dependencies#"]}},
    ])  # fmt: skip
    a, b = _compile(path)
    assert a.rebound_to is None and b.rebound_to is None
    assert [(v.source.text, v.status) for v in b.verdicts] == [
        ("einops", "kept"),
        ("#sglang_dependencies#", "other-engine"),
    ]


def test_an_entry_that_fails_later_still_fails_in_its_place(tmp_path):
    """Sharing by what a block yields makes each entry's plan before the compile; an entry that
    fails (MK501 here: no value for a variable) fails the compile as before, located in its
    own record, and the entries before it are not reported instead."""
    path = _write(tmp_path / "hub.json", [
        {"model_name": "a", "virtualenv": {"packages": ["einops", "mlx-lm ; #engine# == \"mlx\""]}},
        {"model_name": "b", "virtualenv": {"packages": ["einops", "x ; npu_version == \"1\""]}},
    ])  # fmt: skip
    r = run_markerc("compile", path, "--engine", "vllm", "--target", CUDA128)
    assert r.returncode == 2
    assert r.stderr.startswith(_where(path, "b", "x ; npu_version == \"1\"").rsplit(":", 1)[0]), r.stderr


_POOL = [
    "einops",
    "einops>=0.8",
    "#system_numpy#",
    "#system_torch# ; has_cuda",
    "torchvision",
    "#vllm_dependencies#",
    "#sglang_dependencies# ; #engine# == \"sglang\"",
    "vllm_dependencies",  # a legacy spelling: warns in every compile
    "mlx-lm ; #engine# == \"mlx\"",
    "flash-attn>=2.8 ; has_cuda and #engine# in \"vllm,sglang\"",
    "pywin32 ; sys_platform == \"win32\"",
    "transformers>=4.50 ; #engine# != \"mlx\"",
    "transformers<5",
    "https://example.org/wheels/foo-1.0-py3-none-any.whl ; #engine# == \"vllm\"",
    # residual conditions under a partial target, differing between engines
    "flash-attn ; #engine# == \"vllm\" or python_version >= \"3.12\"",
    "flash-attn ; python_version >= \"3.12\"",
    "triton ; platform_machine == \"x86_64\" and #engine# != \"mlx\"",
    "triton ; platform_machine == \"x86_64\"",
]


@st.composite
def _hubs(draw: st.DrawFn) -> list[dict[str, object]]:
    models: list[dict[str, object]] = []
    for i in range(draw(st.integers(1, 5))):
        block: dict[str, object] = {"packages": draw(st.lists(st.sampled_from(_POOL), max_size=5))}
        if draw(st.booleans()):
            block["extra_index_url"] = [draw(st.sampled_from(["https://a.example/simple", "https://b.example/simple"]))]
        if draw(st.integers(0, 3)) == 0:
            block["index_url"] = "https://mirror.example/simple"
        models.append({"model_name": f"m{i}", "virtualenv": block})
    return models


#: a target with every variable bound, and one with the Python and the machine unbound (residual
#: markers stay in the output, so conditions differ between engines)
_TARGETS = {
    "full": lambda: load_target(CUDA128),
    "partial": lambda: build_target(None, sets=["sys_platform=linux", "has_cuda=true", "cuda_version=12.8"]),
}


@settings(max_examples=40 * DEEP, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    models=_hubs(),
    engines=st.lists(st.sampled_from(["vllm", "sglang", "mlx", "transformers"]), min_size=1, max_size=3, unique=True),
    target=st.sampled_from(sorted(_TARGETS)),
)
def test_shared_compiles_equal_compiling_each_record_alone(tmp_path, models, engines, target):
    """Whatever records and engines share (identical blocks, blocks equal in what they yield for
    an engine, merges of equal items), each record's set, JSON with positions and warnings are
    those of compiling it for its engine in a context of its own with verdicts (every entry
    expanded, none left out, nothing shared)."""
    from markerc.compiler.compile import compile_record
    from markerc.compiler.emit import json_element, requirements_text

    path = _write(tmp_path / "hub.json", models)
    options = Options(target=_TARGETS[target](), system_missing="unpinned", verdicts=False)
    table = load_engines()
    results = compile_hubs([path], engines=table, engine_spec=engines, model=None, options=options)
    hub = load_hub(path)
    for r in results:
        record = next(x for x in hub.records if x.name == r.compiled.model)
        engine = table.get(r.compiled.engine)
        alone = compile_record(hub, record, engine, table, replace(options, verdicts=True))
        assert json_element(r.compiled, "location") == json_element(alone.compiled, "location")
        assert requirements_text(r.compiled, "c", annotate="location") == requirements_text(
            alone.compiled, "c", annotate="location"
        )
        assert [(w.code, str(w.location)) for w in r.warnings] == [(w.code, str(w.location)) for w in alone.warnings]


def test_the_same_yield_at_other_places_is_compiled_on_its_own(tmp_path):
    """An origin names its entry by its place in the block: blocks that yield the same entries at
    other places do not share a compile, and each origin points at its own record's string."""
    path = _write(tmp_path / "hub.json", [
        {"model_name": "a", "virtualenv": {"packages": ["einops", "mlx-lm ; #engine# == \"mlx\""]}},
        {"model_name": "b", "virtualenv": {"packages": ["mlx-lm ; #engine# == \"mlx\"", "einops"]}},
    ])  # fmt: skip
    options = Options(target=load_target(CUDA128), verdicts=False)
    a, b = compile_hubs([path], engines=load_engines(), engine_spec=["vllm"], model=None, options=options)
    assert a.rebound_to is None and b.rebound_to is None
    for c in (a, b):
        (line,) = c.compiled.lines
        assert str(c.compiled.location(line.origins[0])) == _where(path, c.compiled.model, "einops")
