"""markerc.compiler.targets: --set, --system, profiles and the finalize rule."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from markerc.diagnostics import MarkercError
from markerc.compiler.targets import (
    CUSTOM_VARIABLES,
    STANDARD_VARIABLES,
    Target,
    canonical_name,
    finalize,
    load_target,
    parse_set,
    parse_system,
    profile_toml,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_variable_names() -> None:
    assert len(STANDARD_VARIABLES) == 11 and "platform_python_implementation" in STANDARD_VARIABLES
    assert "extra" not in STANDARD_VARIABLES
    assert CUSTOM_VARIABLES == ("has_cuda", "has_npu", "cuda_version", "cuda_arch")


def test_parse_set_values() -> None:
    target = parse_set(
        [
            "sys_platform=linux",
            "has_cuda=TRUE",
            "has_npu=no",
            "cuda_version=12.8",
            "cuda_arch=sm_90a",
            "region=cn = east",  # a template variable; only the first '=' splits
            "#flavour#=x",
            "python_version=",  # empty: unset
        ]
    )
    assert target.bindings() == {
        "sys_platform": "linux",
        "has_cuda": True,
        "has_npu": False,
        "cuda_version": "12.8",
        "cuda_arch": "sm_90a",
        "region": "cn = east",
        "flavour": "x",
        "python_version": None,
    }
    assert target.name is None and target.system == ()
    assert [k for k, _ in target.values] == sorted(target.bindings())


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", True),
        ("yes", True),
        ("True", True),
        ("0", False),
        ("No", False),
        ("FALSE", False),
        ("", None),
    ],
)
def test_parse_set_bools(raw: str, value: bool | None) -> None:
    assert parse_set([f"has_cuda={raw}"]).bindings() == {"has_cuda": value}


def test_parse_set_later_wins() -> None:
    assert parse_set(["has_cuda=1", "has_cuda=0"]).bindings() == {"has_cuda": False}


@pytest.mark.parametrize(
    ("item", "code", "words"),
    [
        ("sys_platfrom=linux", "MK101", "did you mean 'sys_platform'"),
        ("Has_Cuda=1", "MK101", "did you mean 'has_cuda'"),
        ("python_versions=3.11", "MK101", "did you mean 'python_version'"),
        ("cuda_ver=12.8", "MK101", "did you mean 'cuda_version'"),
        ("sys_platform", "MK507", "VAR=VALUE"),
        ("=linux", "MK507", "VAR=VALUE"),
        ("1abc=x", "MK507", "invalid variable name"),
        ("engine=vllm", "MK507", "--engine"),
        ("model_engine=vllm", "MK507", "--engine"),
        ("has_cuda=maybe", "MK507", "true or false"),
        ("cuda_version=cu128", "MK507", "cuda_version"),
        ("cuda_arch=90", "MK507", "sm_90"),
    ],
)
def test_parse_set_errors(item: str, code: str, words: str) -> None:
    with pytest.raises(MarkercError) as info:
        parse_set([item])
    assert info.value.code == code
    assert words in info.value.message


def test_template_variables_far_from_known_names_are_accepted() -> None:
    assert parse_set(["rocm_version=6.2", "gpu_vendor=amd"]).bindings() == {
        "rocm_version": "6.2",
        "gpu_vendor": "amd",
    }


def test_parse_system() -> None:
    target = parse_system(
        ["Torch=2.8.0+cu128", "numpy==2.1.0", "Foo_Bar.baz=1.0", "torchvision = 0.23.0"]
    )
    assert target.system_map() == {
        "torch": "2.8.0+cu128",
        "numpy": "2.1.0",
        "foo-bar-baz": "1.0",
        "torchvision": "0.23.0",
    }
    assert [k for k, _ in target.system] == sorted(target.system_map())
    for bad in ("torch", "torch=", "=1.0", "-x=1"):
        with pytest.raises(MarkercError) as info:
            parse_system([bad])
        assert info.value.code == "MK507"


def test_canonical_name() -> None:
    assert canonical_name("Foo__Bar.-baz") == "foo-bar-baz"


def test_merged_and_with_values() -> None:
    base = Target.make("box", {"sys_platform": "linux", "has_cuda": True}, {"torch": "2.8.0"})
    over = parse_set(["has_cuda=0"]).merged(parse_system(["torch=2.9.0", "numpy=2.0"]))
    merged = base.merged(over)
    assert merged.name == "box"
    assert merged.bindings() == {"sys_platform": "linux", "has_cuda": False}
    assert merged.system_map() == {"torch": "2.9.0", "numpy": "2.0"}
    assert base.merged(Target.make("other")).name == "other"
    assert base.with_values(cuda_version="12.8").bindings()["cuda_version"] == "12.8"
    assert base.with_values(has_cuda=None).bindings()["has_cuda"] is None
    assert base.bindings() == {"sys_platform": "linux", "has_cuda": True}  # immutable


def test_finalize_rule() -> None:
    no_cuda = finalize(parse_set(["has_cuda=false"]))
    assert no_cuda.bindings() == {"has_cuda": False, "cuda_version": None, "cuda_arch": None}
    unset = finalize(parse_set(["has_cuda="]))
    assert unset.bindings() == {"has_cuda": None, "cuda_version": None, "cuda_arch": None}
    given = finalize(parse_set(["has_cuda=false", "cuda_version=12.8"]))
    assert given.bindings() == {"has_cuda": False, "cuda_version": "12.8", "cuda_arch": None}
    with_cuda = parse_set(["has_cuda=true"])
    assert finalize(with_cuda) == with_cuda  # stays unbound
    unbound = parse_set(["sys_platform=linux"])
    assert finalize(unbound) == unbound
    assert "has_npu" not in finalize(no_cuda).bindings()


# ---------------------------------------------------------------------------------------------
# Profiles


def test_profile_round_trip(tmp_path: Path) -> None:
    target = Target.make(
        'gpu "box"',
        {
            "python_full_version": "3.11.7",
            "sys_platform": "linux",
            "has_cuda": True,
            "has_npu": False,
            "cuda_version": "13.0",
            "cuda_arch": "sm_90",
            "platform_version": '#1 SMP PREEMPT_DYNAMIC \\ "quoted"\ttab\nnew\x7f\x01 é \U0001f600',
            "platform_release": None,
        },
        {"torch": "2.11.0+cu130", "Foo.Bar": "1.0"},
        {"glibc_version": "2.39"},
    )
    text = profile_toml(target)
    assert tomllib.loads(text)["system"] == {"foo-bar": "1.0", "torch": "2.11.0+cu130"}
    assert 'unset = ["platform_release"]' in text and 'platform_release = ""' not in text
    assert 'glibc_version = "2.39"' in text
    lines = text.splitlines()
    assert lines[1].startswith("name = ")
    keys = [
        line.split(" = ")[0] for line in lines[2:] if " = " in line and not line.startswith("[")
    ]
    set_values = sorted(k for k, v in target.values if v is not None)
    assert keys[: len(set_values)] == set_values
    f = tmp_path / "box.toml"
    f.write_text(text, encoding="utf-8")
    assert load_target(str(f)) == target
    assert load_target("box.toml", cwd=str(tmp_path)) == target


def test_profile_without_name_takes_the_file_stem(tmp_path: Path) -> None:
    f = tmp_path / "ci-linux.toml"
    f.write_text(profile_toml(parse_set(["sys_platform=linux"])), encoding="utf-8")
    assert load_target(str(f)) == Target.make("ci-linux", {"sys_platform": "linux"})


def test_named_targets_from_markerc_toml_and_pyproject(tmp_path: Path) -> None:
    (tmp_path / "markerc.toml").write_text(
        '[targets.h100]\nsys_platform = "linux"\nhas_cuda = true\ncuda_version = "13.0"\n'
        '[targets.h100.system]\ntorch = "2.11.0"\n',
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.markerc.targets.h100]\nsys_platform = "win32"\n'
        '[tool.markerc.targets.mac]\nsys_platform = "darwin"\nhas_cuda = false\n',
        encoding="utf-8",
    )
    h100 = load_target("h100", cwd=str(tmp_path))  # markerc.toml first
    assert h100 == Target.make(
        "h100",
        {"sys_platform": "linux", "has_cuda": True, "cuda_version": "13.0"},
        {"torch": "2.11.0"},
    )
    mac = load_target("mac", cwd=str(tmp_path))
    assert mac.name == "mac" and mac.bindings() == {"sys_platform": "darwin", "has_cuda": False}
    with pytest.raises(MarkercError) as info:
        load_target("h10", cwd=str(tmp_path))
    assert info.value.code == "MK505"
    assert "did you mean 'h100'" in info.value.message
    assert "h100, mac" in info.value.notes[0]


def test_unknown_target_without_any_profiles(tmp_path: Path) -> None:
    with pytest.raises(MarkercError) as info:
        load_target("gpu", cwd=str(tmp_path))
    assert info.value.code == "MK505"
    assert info.value.notes[0].startswith("known targets: linux-cpu, linux-cuda128")  # shipped
    assert "no file 'gpu'" in info.value.notes[-1]
    with pytest.raises(MarkercError) as info:
        load_target("profiles/gpu.toml", cwd=str(tmp_path))
    assert info.value.code == "MK205"


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("cuda_version = 12.8\n", "MK505", "quoted string"),
        ("has_cuda = 1\n", "MK505", "true or false"),
        ('sys_platfrom = "linux"\n', "MK101", "did you mean 'sys_platform'"),
        ('engine = "vllm"\n', "MK505", "--engine"),
        ("system = 3\n", "MK505", "system"),
        ("[system]\ntorch = 2\n", "MK505", "system.torch"),
        ("name = 3\n", "MK505", "name"),
        ("[nested]\nx = 1\n", "MK505", "nested"),
        ('cuda_arch = "ninety"\n', "MK505", "cuda_arch"),
        ('glibc_version = "2.39-ubuntu"\n', "MK505", "glibc_version must be a version"),
        ("macos_version = 15\n", "MK505", "macos_version must be a version"),
        ('unset = "cuda_version"\n', "MK505", "unset must be a list"),
        ('unset = ["sys_platfrom"]\n', "MK101", "did you mean 'sys_platform'"),
        ("not toml = = 1\n", "MK505", "invalid TOML"),
    ],
)
def test_invalid_profiles(tmp_path: Path, text: str, code: str, words: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(MarkercError) as info:
        load_target(str(f))
    assert info.value.code == code
    assert words in info.value.message
    if code == "MK505":
        assert str(f) in info.value.message


def test_profile_accepts_string_bools_and_empty_for_unset(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text('has_cuda = "False"\nhas_npu = ""\ncuda_version = ""\n', encoding="utf-8")
    assert load_target(str(f)).bindings() == {
        "has_cuda": False,
        "has_npu": None,
        "cuda_version": None,
    }


def test_shipped_profiles_work_by_name_and_a_project_profile_wins(tmp_path: Path) -> None:
    from markerc.compiler.targets import shipped_targets

    assert {"linux-cuda128", "linux-cuda130", "linux-cuda130-aarch64", "linux-cpu", "macos-arm64"} <= set(
        shipped_targets()
    )
    for name in shipped_targets():
        target = load_target(name, cwd=str(tmp_path))
        assert target.name == name
        b = target.bindings()
        assert b["sys_platform"] in ("linux", "darwin") and "python_full_version" in b
        facts = target.fact_map()
        assert facts.get("glibc_version" if b["sys_platform"] == "linux" else "macos_version")
        if b["has_cuda"]:
            assert b["cuda_version"] and name.startswith(f"linux-cuda{b['cuda_version'].replace('.', '')}")
        else:
            assert b["cuda_version"] is None and b["cuda_arch"] is None
    cpu = load_target("linux-cpu", cwd=str(tmp_path))
    assert cpu.system_map()["torch"].endswith("+cpu")
    (tmp_path / "markerc.toml").write_text('[targets.linux-cpu]\nsys_platform = "linux"\n', encoding="utf-8")
    assert load_target("linux-cpu", cwd=str(tmp_path)).bindings() == {"sys_platform": "linux"}


def test_platform_facts_from_set_and_profiles(tmp_path: Path) -> None:
    t = parse_set(["macos_version=14.2", "sys_platform=darwin"])
    assert t.fact_map() == {"macos_version": "14.2"} and t.bindings() == {"sys_platform": "darwin"}
    with pytest.raises(MarkercError) as info:
        parse_set(["glibc_version=new"])
    assert info.value.code == "MK507"
    merged = load_target("linux-cuda128", cwd=str(tmp_path)).merged(parse_set(["glibc_version=2.31"]))
    assert merged.fact_map() == {"glibc_version": "2.31"} and merged.name == "linux-cuda128"
    assert merged.with_values(cuda_version="12.9").fact_map() == {"glibc_version": "2.31"}
