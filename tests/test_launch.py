"""Xinference's target-dependent launch steps (markerc/compiler/launch.py) through the CLI, on the fixture
hub fixtures/hub/launch.json: step 12 (PyTorch index from the system torch's local tag), 14
(llama.cpp's CUDA index), 17 (offline mode), 19 (NumPy ABI pins); each one switched off by its
flag and by its data; and "no public URL survives" with the user's own package sources."""

from __future__ import annotations

import json
import re

import pytest

from markerc.compiler.compile import Options, compile_record, plan_jobs
from markerc.diagnostics import MarkercError
from markerc.compiler.engines import load_engines
from markerc.compiler.indexes import UserSources
from markerc.compiler.targets import Target

from .cli_helpers import ROOT, run_markerc
from .conftest import corpus_files

HUB = "fixtures/hub/launch.json"
TORCH_CU128 = "https://download.pytorch.org/whl/cu128"
XLLAMA = "https://xorbitsai.github.io/xllamacpp/whl/"


def lines(text: str) -> list[str]:
    return [ln.split("  #", 1)[0] for ln in text.splitlines() if ln and not ln.startswith("#")]


def compile_out(*args: str) -> list[str]:
    r = run_markerc("compile", HUB, *args)
    assert r.returncode == 0, r.stderr
    return lines(r.stdout)


def compile_json(*args: str) -> dict:
    r = run_markerc("compile", HUB, *args, "--format", "json")
    assert r.returncode == 0, r.stderr
    (doc,) = json.loads(r.stdout)
    return doc


def engines_file(tmp_path, text: str) -> str:
    path = tmp_path / "engines.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------ step 19: NumPy ABI pins

ST = ("--engine", "sentence_transformers", "--target", "linux-cuda128",
      "--system", "scipy=1.16.3", "--system", "scikit-learn=1.7.2+local")  # fmt: skip


def test_step19_pins_the_targets_scientific_stack() -> None:
    out = compile_out("--model", "bge-demo", *ST)
    # the target's numpy, scipy, scikit-learn and pandas, in the engine table's order, after the
    # model's lines; local labels stripped as for #system_X# pins
    assert out[-4:] == ["numpy==2.2.6", "scipy==1.16.3", "scikit-learn==1.7.2", "pandas==2.3.3"]
    r = run_markerc("compile", HUB, "--model", "bge-demo", *ST)
    assert "numpy==2.2.6  # launch step 19: NumPy ABI pins of engine sentence_transformers" in r.stdout
    keep = compile_out("--model", "bge-demo", *ST, "--keep-local-version")
    assert "scikit-learn==1.7.2+local" in keep


def test_step19_never_replaces_a_line_of_the_model() -> None:
    out = compile_out("--model", "bge-own-numpy", *ST)
    assert "numpy<2.3" in out and not any(ln.startswith("numpy==") for ln in out)
    assert "scipy==1.16.3" in out  # the others are still pinned


def test_step19_only_for_engines_that_ask_and_what_the_target_has() -> None:
    # an engine without abi_pins (transformers) and a target lacking the packages get nothing
    out = compile_out("--model", "llama-demo", "--engine", "transformers", "--target", "linux-cuda128")
    assert not any(ln.startswith(("numpy", "pandas")) for ln in out)
    bare = compile_out("--model", "bge-demo", "--engine", "sentence_transformers", "--set", "has_cuda=false",
                       "--system", "torch=2.8.0", "--system", "torchvision=0.23.0", "--set", "sys_platform=linux")
    assert not any(ln.startswith(("numpy", "scipy", "pandas", "scikit-learn")) for ln in bare)


def test_step19_switched_off_by_flag_and_by_data(tmp_path) -> None:
    off = compile_out("--model", "bge-demo", *ST, "--no-numpy-abi-pins")
    assert not any(ln.startswith(("numpy", "scipy", "pandas", "scikit-learn")) for ln in off)
    table = engines_file(tmp_path, "[engines.sentence_transformers]\nabi_pins = []\n")
    off = compile_out("--model", "bge-demo", *ST, "--engines", table)
    assert not any(ln.startswith(("numpy", "scipy", "pandas", "scikit-learn")) for ln in off)


# ------------------------------------------------------------------ step 12: PyTorch index


def test_step12_index_of_the_system_torchs_local_tag() -> None:
    doc = compile_json("--model", "bge-demo", *ST)
    assert doc["options"]["extra_index_url"] == [TORCH_CU128]
    # the engine's own extra indexes stay, after it (sglang: cu130 on a CUDA 13.0 target)
    doc = compile_json("--model", "kernel-demo", "--engine", "sglang", "--target", "linux-cuda130",
                       "--system", "torch=2.9.1+cu130")
    assert doc["options"]["extra_index_url"] == ["https://download.pytorch.org/whl/cu130"]
    doc = compile_json("--model", "kernel-demo", "--engine", "sglang", "--target", "linux-cuda130",
                       "--system", "torch=2.9.1+cu129", "--set", "cuda_version=12.9")
    assert doc["options"]["extra_index_url"] == ["https://download.pytorch.org/whl/cu129"]


def test_step12_leaves_alone_what_it_must() -> None:
    # CPU or untagged builds: no index; a tag for another CUDA than the target's (step 13): none
    for tag in ("+cpu", "", "+cu130"):
        doc = compile_json("--model", "bge-demo", *ST, "--system", f"torch=2.8.0{tag}",
                           "--system", f"torchvision=0.23.0{tag}")
        assert doc["options"]["extra_index_url"] == [], tag
    # the first system-pinned PyTorch-family line decides (here torchvision, before torch)
    doc = compile_json("--model", "bge-demo", *ST, "--system", "torch=2.8.0+cpu")
    assert doc["options"]["extra_index_url"] == [TORCH_CU128]
    # the model declares its own extra index: the model's choice wins, as in Xinference
    doc = compile_json("--model", "declared-index", "--engine", "transformers", "--target", "linux-cuda128")
    assert doc["options"]["extra_index_url"] == ["https://mirror.example/torch"]
    # a #system_torch# pin whose marker is false for the engine adds nothing
    doc = compile_json("--model", "bge-demo", "--engine", "transformers", "--target", "linux-cuda128")
    assert doc["options"]["extra_index_url"] == [] and doc["requirements"] == []


def test_step12_switched_off_by_flag_and_by_data_and_follows_a_mirror(tmp_path) -> None:
    doc = compile_json("--model", "bge-demo", *ST, "--no-torch-local-index")
    assert doc["options"]["extra_index_url"] == []
    off = engines_file(tmp_path, "[torch_index]\nlaunch_tags = []\n")
    assert compile_json("--model", "bge-demo", *ST, "--engines", off)["options"]["extra_index_url"] == []
    mirror = engines_file(tmp_path, '[torch_index]\nurl = "https://mirror.example/pytorch/{backend}"\n')
    doc = compile_json("--model", "bge-demo", *ST, "--engines", mirror)
    assert doc["options"]["extra_index_url"] == ["https://mirror.example/pytorch/cu128"]


# ------------------------------------------------------------------ step 14: llama.cpp CUDA index


@pytest.mark.parametrize(
    ("sets", "index"),
    [
        (("--target", "linux-cuda128"), XLLAMA + "cu128"),
        (("--target", "linux-cuda130"), XLLAMA + "cu132"),
        (("--target", "linux-cuda128", "--set", "cuda_version=12.4"), None),  # no build for CUDA 12.4
        (("--target", "linux-cpu"), None),
        (("--set", "has_cuda=true"), None),  # no CUDA version known: nothing to choose
    ],
)
def test_step14_llama_cpp_cuda_index(sets: tuple[str, ...], index: str | None) -> None:
    doc = compile_json("--model", "llama-demo", "--engine", "llama.cpp", *sets)
    assert doc["requirements"] == ["xllamacpp>=0.2.6"]
    assert doc["options"]["index_url"] == index
    if index:  # the CUDA index is the only source, as at an Xinference launch
        assert doc["options"]["extra_index_url"] == [] and doc["options"]["index_strategy"] is None


def test_step14_switched_off_by_flag_and_data_and_offline(tmp_path) -> None:
    args = ("--model", "llama-demo", "--engine", "llama.cpp", "--target", "linux-cuda128")
    assert compile_json(*args, "--no-llama-cpp-cuda-index")["options"]["index_url"] is None
    off = engines_file(tmp_path, '[engines."llama.cpp".cuda_index]\n')
    assert compile_json(*args, "--engines", off)["options"]["index_url"] is None
    mirror = engines_file(tmp_path, '[engines."llama.cpp".cuda_index]\nurl = "https://m.example/{backend}"\n'
                                    'backends = { cu128 = ">=12" }\n')  # fmt: skip
    assert compile_json(*args, "--engines", mirror)["options"]["index_url"] == "https://m.example/cu128"
    # with the user's own sources the CUDA index is not used: a warning says so
    r = run_markerc("compile", HUB, *args, "--index-url", "https://mirror.example/simple", "--format", "json")
    assert r.returncode == 0 and "MK558" in r.stderr
    assert json.loads(r.stdout)[0]["options"]["index_url"] == "https://mirror.example/simple"


def test_step14_engine_table_errors(tmp_path) -> None:
    bad = engines_file(tmp_path, '[engines."llama.cpp".cuda_index]\nurl = "https://m.example/cu128"\n'
                                 'backends = { cu128 = ">=12" }\n')  # fmt: skip
    r = run_markerc("compile", HUB, "--model", "llama-demo", "--engine", "llama.cpp", "--engines", bad)
    assert r.returncode == 2 and "MK505" in r.stderr and "{backend}" in r.stderr
    bad = engines_file(tmp_path, '[engines."llama.cpp".cuda_index]\nurl = "https://m.example/{backend}"\n'
                                 'backends = { cu128 = "twelve" }\n')  # fmt: skip
    r = run_markerc("compile", HUB, "--model", "llama-demo", "--engine", "llama.cpp", "--engines", bad)
    assert r.returncode == 2 and "MK505" in r.stderr and "not a version specifier" in r.stderr
    bad = engines_file(tmp_path, '[engines."llama.cpp".cuda_index]\nurl = "https://m.example/{backend}"\n'
                                 'backends = { cu128 = ">=12" }\npackages = ["--index-url=https://evil"]\n')  # fmt: skip
    r = run_markerc("compile", HUB, "--model", "llama-demo", "--engine", "llama.cpp", "--engines", bad)
    assert r.returncode == 2 and "MK505" in r.stderr and "invalid distribution name" in r.stderr


# ------------------------------------------------------------------ step 17: offline mode

KERNEL = ("--model", "kernel-demo", "--engine", "sglang", "--set", "has_cuda=true", "--set", "cuda_version=13.0",
          "--system", "torch=2.9.1+cu130")  # fmt: skip


def test_step17_rewrites_wheel_urls_keeping_local_version_and_marker() -> None:
    doc = compile_json(*KERNEL, "--offline", "--index-url", "https://mirror.example/simple")
    kernel = [r for r in doc["requirements"] if r.startswith("sgl-kernel")]
    assert kernel == ['sgl-kernel==0.3.21+cu130 ; platform_machine == "x86_64"',
                      'sgl-kernel==0.3.21+cu130 ; platform_machine == "aarch64"']  # fmt: skip
    assert "://" not in json.dumps(doc["requirements"])
    origins = [o for group in doc["source"]["origins"] for o in group if "sgl_kernel" in o["entry"]]
    assert origins and all("://" not in o["entry"] and "rewritten" in o["via"] for o in origins)


def test_step17_refuses_what_cannot_be_rewritten_with_locations() -> None:
    r = run_markerc("compile", HUB, "--model", "git-demo", "--engine", "transformers", "--target", "linux-cuda128",
                    "--offline", "--index-url", "https://mirror.example/simple")
    assert r.returncode == 2
    assert re.search(r"fixtures/hub/launch\.json:\d+:\d+: MK551 ", r.stderr), r.stderr
    assert "git+https://github.com/huggingface/diffusers" in r.stderr and "--offline" in r.stderr
    assert "write it as 'NAME @ URL' in the hub" in r.stderr  # a bare URL: no name to override
    # a named direct reference: the hint says how to replace it from the command line
    args = ("--model", "llama-demo", "--engine", "transformers", "--target", "linux-cuda128", "--offline",
            "--index-url", "https://mirror.example/simple")
    r = run_markerc("compile", HUB, *args, "-p", "tokenizers @ git+https://github.com/h/tokenizers")
    assert r.returncode == 2 and "-p 'NAME==VERSION'" in r.stderr and "from user)" in r.stderr
    assert "tokenizers==0.22.1" in compile_out(*args, "-p", "tokenizers==0.22.1")


def test_step17_needs_an_index() -> None:
    r = run_markerc("compile", HUB, *KERNEL, "--offline")
    assert r.returncode == 2 and "MK550" in r.stderr and "--index-url" in r.stderr
    # the model's own index_url is one
    out = compile_out("--model", "declared-index", "--engine", "transformers", "--target", "linux-cuda128", "--offline")
    assert out[0] == "--index-url https://mirror.example/simple"


def test_user_sources_imply_offline_no_public_url_survives(tmp_path) -> None:
    """The README's promise: with --no-index --find-links DIR nothing public is left, in the
    requirements, the option lines, the annotations or the JSON."""
    wheels = str(tmp_path / "wheels")
    for extra in ((), ("--format", "json")):
        r = run_markerc("compile", HUB, *KERNEL, "--no-index", "--find-links", wheels, *extra)
        assert r.returncode == 0, r.stderr
        assert "http" not in r.stdout and "github" not in r.stdout, r.stdout
    r = run_markerc("compile", HUB, "--model", "kernel-demo", "--engine", "sglang", "--target", "linux-cuda130",
                    "--no-index", "--find-links", wheels)
    assert r.returncode == 0 and "sgl-kernel==0.3.21+cu130" in r.stdout and "http" not in r.stdout
    r = run_markerc("compile", HUB, "--model", "git-demo", "--engine", "transformers", "--target", "linux-cuda128",
                    "--no-index", "--find-links", wheels)
    assert r.returncode == 2 and "MK551" in r.stderr and "implied by --no-index, --find-links" in r.stderr


def test_no_public_url_survives_on_the_real_hub(tmp_path) -> None:
    """Every (model, engine) of the real hub compiled with --no-index --find-links: either no URL
    at all in its set, or MK551 naming the direct reference that cannot come from the folder."""
    engines = load_engines()
    options = Options(target=Target.make("t", {"sys_platform": "linux", "platform_machine": "x86_64",
                                               "has_cuda": True, "cuda_version": "13.0", "cuda_arch": "sm_90"},
                                         {"torch": "2.9.1+cu130", "torchvision": "0.24.1+cu130",
                                          "torchaudio": "2.9.1+cu130", "torchcodec": "0.8.1+cu130",
                                          "numpy": "2.2.6", "pandas": "2.3.3"}),
                      sources=UserSources(no_index=True, find_links=(str(tmp_path),)))  # fmt: skip
    from markerc.compiler.compile import load_hubs

    refused = compiled = 0
    for job in plan_jobs(load_hubs([str(p) for p in corpus_files()]), engines, ["all"], None):
        try:
            cs = compile_record(job.hub, job.record, job.engine, engines, options).compiled
        except MarkercError as err:
            if err.code != "MK551":
                continue  # other input errors of the real hub are not this test's business
            refused += 1
            assert err.location is not None and "://" in err.message
            continue
        compiled += 1
        text = json.dumps([cs.requirements, cs.options.as_json(), cs.source_json()])
        assert "://" not in text, (cs.model, cs.engine, text)
    assert compiled > 500 and refused >= 1


# ------------------------------------------------------------------ Xinference's flag name


def test_virtual_env_package_is_an_alias_of_package() -> None:
    a = compile_out("--model", "llama-demo", "--engine", "transformers", "--target", "linux-cpu",
                    "--virtual-env-package", "transformers==4.46.3", "--virtual-env-package", "extra-pkg")
    b = compile_out("--model", "llama-demo", "--engine", "transformers", "--target", "linux-cpu",
                    "-p", "transformers==4.46.3", "--package", "extra-pkg")
    assert a == b and "transformers==4.46.3" in a and "extra-pkg" in a


def test_fixture_hub_is_checked_clean() -> None:
    r = run_markerc("check", HUB)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (ROOT / HUB).is_file()


def test_step14_install_takes_the_cuda_build_again(tmp_path) -> None:
    """A venv may hold the CPU build of the same version (a launch before the GPU was usable):
    uv reinstalls the engine's cuda_index packages, as Xinference uninstalls them first."""
    r = run_markerc("install", HUB, "--model", "llama-demo", "--engine", "llama.cpp", "--target", "linux-cuda128",
                    "--venv", str(tmp_path / "v"), "--dry-run")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f"--reinstall-package xllamacpp --index-url {XLLAMA}cu128" in r.stdout
    r = run_markerc("install", HUB, "--model", "llama-demo", "--engine", "llama.cpp", "--target", "linux-cpu",
                    "--venv", str(tmp_path / "v"), "--dry-run")  # fmt: skip
    assert r.returncode == 0 and "--reinstall-package" not in r.stdout
