"""markerc.compiler.engines: the built-in engine table and user overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from markerc.diagnostics import MarkercError
from markerc.compiler.engines import BUILTIN_SOURCE, load_engines

SGL_URL = "https://github.com/sgl-project/whl/releases/download/v0.3.21/sgl_kernel-0.3.21+cu130-cp310-abi3-manylinux2014_{}.whl"


def test_builtin_engines_and_names() -> None:
    table = load_engines()
    assert table.names() == (
        "sglang",
        "vllm",
        "transformers",
        "sentence_transformers",
        "diffusers",
        "mlx",
        "llama.cpp",
        "flag",
        "pytorch",
    )
    assert load_engines() is table  # cached
    assert all(e.source == BUILTIN_SOURCE for e in table.engines)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("vLLM", "vllm"),
        ("VLLM", "vllm"),
        ("SGLang", "sglang"),
        ("Transformers", "transformers"),
        ("llama_cpp", "llama.cpp"),
        ("LLAMA.CPP", "llama.cpp"),
        ("Llama_CPP", "llama.cpp"),
        ("MLX", "mlx"),
        ("PyTorch", "pytorch"),
        ("flag", "flag"),
        (" sentence_transformers ", "sentence_transformers"),
        ("lmdeploy", None),
        ("llama-cpp", None),
        ("", None),
    ],
)
def test_canonical(spelling: str, canonical: str | None) -> None:
    assert load_engines().canonical(spelling) == canonical


def test_sglang_facts() -> None:
    sglang = load_engines().get("SGLang")
    assert sglang.packages[:9] == (
        "pybase64",
        "zmq",
        "partial_json_parser",
        "sentencepiece",
        "dill",
        "ninja",
        "numpy<2.3",
        "pandas<3",
        "sglang>=0.5.6",
    )
    assert sglang.packages[9:] == (
        'nvidia-cusparselt-cu13==0.8.0 ; cuda_version == "13.0" and sys_platform == "linux"',
        SGL_URL.format("x86_64") + ' ; cuda_version == "13.0" and platform_machine == "x86_64"',
        SGL_URL.format("aarch64") + ' ; cuda_version == "13.0" and platform_machine == "aarch64"',
        'sgl_kernel ; cuda_version < "13.0"',
    )
    assert sglang.extra_index_url == ("https://download.pytorch.org/whl/cu130",)
    assert sglang.index_strategy == "unsafe-best-match"
    assert sglang.index_url is None


def test_other_engine_facts() -> None:
    table = load_engines()
    vllm = table.get("vllm")
    assert vllm.packages == ("vllm>=0.11.2",)
    assert vllm.extra_index_url == (
        "https://wheels.vllm.ai/0.19.0/cu130",
        "https://download.pytorch.org/whl/cu130",
    )
    assert vllm.index_strategy == "unsafe-best-match"
    assert table.get("transformers").packages == ("transformers>=4.53.3", "accelerate>=0.28.0")
    assert table.get("transformers").index_strategy is None
    assert table.get("sentence_transformers").packages == (
        "sentence_transformers",
        "einops",
        "transformers>=4.53.3",
        "accelerate>=0.28.0",
        "peft>0.17.1",
    )
    assert table.get("diffusers").packages == ("diffusers>=0.32.0", "huggingface-hub<1.0")
    assert table.get("mlx").packages == ("mlx-lm>=0.24.0",)
    assert table.get("llama_cpp").packages == ("xllamacpp>=0.2.6",)
    assert table.get("llama.cpp").aliases == ("llama_cpp",)
    assert table.get("flag").packages == () and table.get("PyTorch").packages == ()


def test_model_format_packages() -> None:
    transformers = load_engines().get("transformers")
    assert transformers.format_packages("gptq") == ("gptqmodel", "optimum", "datasets>=3.4.0")
    assert transformers.format_packages("GPTQ") == ("gptqmodel", "optimum", "datasets>=3.4.0")
    assert transformers.format_packages("awq") == (
        "autoawq!=0.2.6 ; sys_platform=='linux'",
        "datasets>=3.4.0",
    )
    assert transformers.format_packages("bnb") == ("bitsandbytes ; sys_platform=='linux'",)
    assert transformers.format_packages("pytorch") == ()
    assert transformers.format_packages(None) == ()
    assert load_engines().get("vllm").format_packages("gptq") == ()


def test_unknown_engine_is_mk103_with_suggestion() -> None:
    table = load_engines()
    with pytest.raises(MarkercError) as info:
        table.get("vlm")
    assert info.value.code == "MK103"
    assert "did you mean 'vllm'" in info.value.message
    assert table.suggest("sglng") == "sglang"
    assert table.suggest("llama_cp") == "llama.cpp"
    assert table.suggest("zzzzzz") is None
    with pytest.raises(MarkercError) as info:
        table.get("zzzzzz")
    assert "did you mean" not in info.value.message


# ---------------------------------------------------------------------------------------------
# Overrides


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_engines_file_extends_and_overrides_per_key(tmp_path: Path) -> None:
    f = write(
        tmp_path / "mine.toml",
        """
[engines.vLLM]
extra-index-url = ["https://mirror.example.org/vllm"]

[engines.llama_cpp]
packages = ["xllamacpp>=0.3"]

[engines.LMDeploy]
aliases = ["lm_deploy"]
packages = ["lmdeploy>=0.9"]
index_url = "https://mirror.example.org/simple"
""",
    )
    table = load_engines([f])
    vllm = table.get("vllm")
    assert vllm.packages == ("vllm>=0.11.2",)  # kept
    assert vllm.extra_index_url == ("https://mirror.example.org/vllm",)  # overridden
    assert vllm.index_strategy == "unsafe-best-match"
    assert vllm.source == f
    assert table.get("llama.cpp").packages == ("xllamacpp>=0.3",)
    assert table.canonical("lm_deploy") == "lmdeploy"
    assert table.get("lmdeploy").index_url == "https://mirror.example.org/simple"
    assert table.names()[-1] == "lmdeploy"
    assert table.get("sglang").source == BUILTIN_SOURCE
    assert (
        load_engines().get("vllm").extra_index_url[0].startswith("https://wheels.vllm.ai")
    )  # cache untouched


def test_engines_files_apply_in_order_and_replace(tmp_path: Path) -> None:
    a = write(tmp_path / "a.toml", '[engines.vllm]\npackages = ["vllm==1"]\n')
    b = write(tmp_path / "b.toml", '[engines.vllm]\npackages = ["vllm==2"]\n')
    assert load_engines([a, b]).get("vllm").packages == ("vllm==2",)
    only = write(tmp_path / "only.toml", 'replace = true\n[engines.custom]\npackages = ["x"]\n')
    table = load_engines([only])
    assert table.names() == ("custom",)
    assert table.canonical("vllm") is None
    assert load_engines([only, a]).names() == ("custom", "vllm")


def test_pyproject_inline_tables(tmp_path: Path) -> None:
    pyproject = write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "x"

[tool.markerc.engines.vllm]
index_strategy = "first-index"

[tool.markerc.engines.deepdoc]
packages = ["deepdoc-lib"]
""",
    )
    table = load_engines(pyproject=pyproject)
    assert table.get("vllm").index_strategy == "first-index"
    assert table.get("vllm").packages == ("vllm>=0.11.2",)
    assert table.get("deepdoc").packages == ("deepdoc-lib",)
    assert table.get("deepdoc").source == pyproject
    assert "sglang" in table


def test_pyproject_engines_path_and_replace(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    write(tmp_path / "conf" / "engines.toml", '[engines.onlyone]\npackages = ["a"]\n')
    pyproject = write(
        tmp_path / "pyproject.toml",
        '[tool.markerc]\nreplace-engines = true\nengines = "conf/engines.toml"\n',
    )
    assert load_engines(pyproject=pyproject).names() == ("onlyone",)
    extend = write(tmp_path / "pyproject.toml", '[tool.markerc]\nengines = "conf/engines.toml"\n')
    assert load_engines(pyproject=extend).names()[-1] == "onlyone"
    assert len(load_engines(pyproject=extend).names()) == 10
    # --engines files apply after pyproject
    later = write(tmp_path / "later.toml", '[engines.onlyone]\npackages = ["b"]\n')
    assert load_engines([later], pyproject=pyproject).get("onlyone").packages == ("b",)
    # a pyproject without [tool.markerc] changes nothing
    plain = write(tmp_path / "plain.toml", '[project]\nname = "x"\n')
    assert load_engines(pyproject=plain).names() == load_engines().names()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[engines.vllm]\npakages = ["x"]\n', "engines.vllm.pakages"),
        ('[engines.vllm]\npackages = "vllm"\n', "engines.vllm.packages"),
        ('[engines.vllm]\npackages = ["a", 1]\n', "engines.vllm.packages"),
        ('[engines.vllm]\nindex_strategy = "fastest"\n', "fastest"),
        ("[engines.vllm]\nindex_url = 3\n", "engines.vllm.index_url"),
        ("[engines.transformers]\nmodel_format = [1]\n", "engines.transformers.model_format"),
        (
            '[engines.transformers.model_format]\ngptq = "x"\n',
            "engines.transformers.model_format.gptq",
        ),
        ("engines = 1\n", "'engines'"),
        ('replace = "yes"\n', "replace"),
        ("other = 1\n", "other"),
        ("[engines]\nvllm = 1\n", "engines.vllm"),
        ('[engines."bad name"]\npackages = []\n', "bad name"),
        ('[engines.new]\naliases = ["vllm"]\n', "claimed"),
    ],
)
def test_invalid_engine_files_are_mk505(tmp_path: Path, text: str, words: str) -> None:
    f = write(tmp_path / "bad.toml", text)
    with pytest.raises(MarkercError) as info:
        load_engines([f])
    assert info.value.code == "MK505"
    assert f in info.value.message
    assert words in info.value.message


def test_invalid_toml_is_mk505_with_position(tmp_path: Path) -> None:
    f = write(tmp_path / "bad.toml", '[engines.vllm]\npackages = ["a" "b"]\n')
    with pytest.raises(MarkercError) as info:
        load_engines([f])
    assert info.value.code == "MK505"
    loc = info.value.location
    assert (loc.path, loc.line, loc.column) == (f, 2, 17)
    f = write(tmp_path / "bad.toml", '[engines.vllm]\npackages = ["a"\n')
    with pytest.raises(MarkercError) as info:
        load_engines([f])
    assert info.value.code == "MK505"
    assert info.value.location.line == 3  # at end of document


def test_missing_engines_file_is_mk205(tmp_path: Path) -> None:
    with pytest.raises(MarkercError) as info:
        load_engines([str(tmp_path / "nope.toml")])
    assert info.value.code == "MK205"


def test_pyproject_bad_shapes(tmp_path: Path) -> None:
    for text in (
        "[tool]\nmarkerc = 1\n",
        "[tool.markerc]\nengines = 5\n",
        '[tool.markerc]\nreplace-engines = "yes"\n',
    ):
        f = write(tmp_path / "pyproject.toml", text)
        with pytest.raises(MarkercError) as info:
            load_engines(pyproject=f)
        assert info.value.code == "MK505"
