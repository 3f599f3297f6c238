"""markerc.backends.envinfo: the interpreter probe and GPU detection (recorded nvidia-smi outputs)."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from typing import Any

import pytest
from packaging.markers import default_environment

from markerc.diagnostics import MarkercError
from markerc.backends.envinfo import (
    NVIDIA_SMI_QUERY,
    PROBE,
    PROBE_PREFIX,
    compute_cap_to_arch,
    cuda_facts,
    describe_environment,
    parse_nvidia_smi_cuda_version,
    parse_nvidia_smi_list,
    parse_nvidia_smi_query,
    parse_probe_output,
)
from markerc.compiler.targets import STANDARD_VARIABLES, load_target, profile_toml

# Written in the shape nvidia-smi prints, with the H100 facts of SPEC 9 (driver 580.159.04,
# CUDA 13.0, compute capability 9.0); no GPU was available to record a real transcript.
H100_QUERY = "9.0, 580.159.04\n"
H100_SMI = """\
Wed Nov 25 09:20:00 2026
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 580.159.04             Driver Version: 580.159.04     CUDA Version: 13.0     |
+-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|                                         |                        |               MIG M. |
|=========================================+========================+======================|
|   0  NVIDIA H100 80GB HBM3          On  |   00000000:19:00.0 Off |                    0 |
| N/A   31C    P0             71W /  700W |       0MiB /  81559MiB |      0%      Default |
|                                         |                        |             Disabled |
+-----------------------------------------+------------------------+----------------------+

+-----------------------------------------------------------------------------------------+
| Processes:                                                                              |
|  GPU   GI   CI              PID   Type   Process name                        GPU Memory |
|        ID   ID                                                               Usage      |
|=========================================================================================|
|  No running processes found                                                             |
+-----------------------------------------------------------------------------------------+
"""
H100_LIST = "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-5d3e8a4c-1f2b-4c6d-9e8f-0a1b2c3d4e5f)\n"
# A workstation with two Blackwell consumer cards and an older driver line.
RTX_QUERY = "12.0, 570.86.10\n12.0, 570.86.10\n"
RTX_SMI = H100_SMI.replace("580.159.04", "570.86.10").replace(
    "CUDA Version: 13.0", "CUDA Version: 12.8"
)
# Drivers before 510 do not know the compute_cap field.
OLD_QUERY_ERROR = 'Field "compute_cap" is not a valid field to query.\n\n'
OLD_SMI = H100_SMI.replace("580.159.04", "470.239.06").replace(
    "CUDA Version: 13.0", "CUDA Version: 11.4"
)
OLD_LIST = (
    "GPU 0: Tesla V100-SXM2-16GB (UUID: GPU-aaaa)\nGPU 1: Tesla V100-SXM2-16GB (UUID: GPU-bbbb)\n"
)
NO_DEVICE = "No devices were found\n"
DRIVER_FAILED = (
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
    "Make sure that the latest NVIDIA driver is installed and running.\n"
)


def test_parse_query() -> None:
    assert parse_nvidia_smi_query(H100_QUERY) == (("9.0", "580.159.04"),)
    assert parse_nvidia_smi_query(RTX_QUERY) == (("12.0", "570.86.10"), ("12.0", "570.86.10"))
    assert parse_nvidia_smi_query("[N/A], 535.54.03\n") == (("", "535.54.03"),)
    for text in (OLD_QUERY_ERROR, NO_DEVICE, DRIVER_FAILED, ""):
        assert parse_nvidia_smi_query(text) == ()


def test_parse_cuda_version_and_list() -> None:
    assert parse_nvidia_smi_cuda_version(H100_SMI) == "13.0"
    assert parse_nvidia_smi_cuda_version(RTX_SMI) == "12.8"
    assert parse_nvidia_smi_cuda_version(DRIVER_FAILED) is None
    assert parse_nvidia_smi_list(H100_LIST) == 1
    assert parse_nvidia_smi_list(OLD_LIST) == 2
    assert parse_nvidia_smi_list(NO_DEVICE) == 0


@pytest.mark.parametrize(
    ("cap", "arch"),
    [
        ("9.0", "sm_90"),
        ("12.0", "sm_120"),
        ("8.6", "sm_86"),
        ("10.0", "sm_100"),
        ("10.3", "sm_103"),
        (" 7.5 ", "sm_75"),
        ("[N/A]", None),
        ("", None),
    ],
)
def test_compute_cap_to_arch(cap: str, arch: str | None) -> None:
    assert compute_cap_to_arch(cap) == arch


TORCH_CU130 = {
    "imported": True,
    "version": "2.11.0+cu130",
    "cuda": "13.0",
    "cuda_available": True,
    "capability": "9.0",
}


def test_cuda_facts_rules() -> None:
    h100 = parse_nvidia_smi_query(H100_QUERY)
    # torch decides cuda_version when it is installed (the spec's H100 example)
    assert cuda_facts(TORCH_CU130, h100, "13.0") == {
        "has_cuda": True,
        "cuda_version": "13.0",
        "cuda_arch": "sm_90",
    }
    torch_cu128 = {**TORCH_CU130, "version": "2.8.0+cu128", "cuda": "12.8"}
    assert cuda_facts(torch_cu128, h100, "13.0")["cuda_version"] == "12.8"
    # no torch: the driver's CUDA version, the first GPU's capability
    assert cuda_facts(None, parse_nvidia_smi_query(RTX_QUERY), "12.8") == {
        "has_cuda": True,
        "cuda_version": "12.8",
        "cuda_arch": "sm_120",
    }
    # torch sees the GPU, nvidia-smi absent
    assert cuda_facts(TORCH_CU130, (), None) == {
        "has_cuda": True,
        "cuda_version": "13.0",
        "cuda_arch": "sm_90",
    }
    # a CPU build of torch on a GPU machine: torch decides, and it has no CUDA
    cpu_torch = {"imported": True, "version": "2.11.0+cpu", "cuda": None, "cuda_available": False}
    assert cuda_facts(cpu_torch, h100, "13.0") == {
        "has_cuda": True,
        "cuda_version": None,
        "cuda_arch": "sm_90",
    }
    # nothing answers
    assert cuda_facts(None, (), None) == {
        "has_cuda": False,
        "cuda_version": None,
        "cuda_arch": None,
    }
    assert cuda_facts(cpu_torch, (), None)["has_cuda"] is False
    # torch present but broken: fall back to the driver
    broken = {"imported": False, "error": "ImportError('libcudart.so.13')"}
    assert cuda_facts(broken, h100, "13.0")["cuda_version"] == "13.0"


# ---------------------------------------------------------------------------------------------
# describe_environment with recorded outputs


def fake_probe(torch: dict[str, Any] | None, distributions: list[list[str]] | None = None,
               **extra: Any) -> str:  # fmt: skip
    payload = {
        "markers": dict(default_environment()),
        "distributions": distributions
        or [["torch", "2.11.0+cu130"], ["NumPy", "2.3.1"], ["numpy", "1.0"]],
        "torch": torch,
        "errors": [],
        **extra,
    }
    return "torch warning on stdout\n" + PROBE_PREFIX + json.dumps(payload) + "\n"


class FakeMachine:
    def __init__(
        self,
        probe: str,
        query: str | None = None,
        smi: str = "",
        listing: str = "",
        npu: bool = False,
    ):
        self.probe, self.query, self.smi, self.listing, self.npu = probe, query, smi, listing, npu
        self.calls: list[list[str]] = []

    def which(self, tool: str) -> str | None:
        if tool == "nvidia-smi" and self.query is not None:
            return "/usr/bin/nvidia-smi"
        if tool == "npu-smi" and self.npu:
            return "/usr/local/bin/npu-smi"
        return None

    def run(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(argv))
        assert "shell" not in kwargs and kwargs.get("timeout")
        if argv[1:2] == ["-c"]:
            assert argv[2] == PROBE
            return subprocess.CompletedProcess(argv, 0, self.probe, "")
        assert argv[0] == "/usr/bin/nvidia-smi"
        if argv[1:] == list(NVIDIA_SMI_QUERY):
            rc = 0 if parse_nvidia_smi_query(self.query or "") else 2
            return subprocess.CompletedProcess(argv, rc, self.query, "")
        if argv[1:] == ["-L"]:
            return subprocess.CompletedProcess(argv, 0, self.listing, "")
        return subprocess.CompletedProcess(argv, 0, self.smi, "")


def test_h100_with_torch_cu130() -> None:
    machine = FakeMachine(fake_probe(TORCH_CU130), H100_QUERY, H100_SMI, H100_LIST)
    target = describe_environment(
        "/opt/py/bin/python", name="h100", run=machine.run, which=machine.which
    )
    b = target.bindings()
    assert (b["has_cuda"], b["cuda_version"], b["cuda_arch"], b["has_npu"]) == (
        True,
        "13.0",
        "sm_90",
        False,
    )
    assert target.name == "h100"
    assert machine.calls[0][0] == "/opt/py/bin/python"
    assert target.system_map()["numpy"] == "2.3.1"  # first on sys.path wins, names canonicalised
    assert target.system_map()["torch"] == "2.11.0+cu130"


def test_no_torch_uses_the_driver_and_old_drivers_are_counted() -> None:
    machine = FakeMachine(fake_probe(None), RTX_QUERY, RTX_SMI)
    b = describe_environment(run=machine.run, which=machine.which).bindings()
    assert (b["has_cuda"], b["cuda_version"], b["cuda_arch"]) == (True, "12.8", "sm_120")
    old = FakeMachine(fake_probe(None), OLD_QUERY_ERROR, OLD_SMI, OLD_LIST)
    b = describe_environment(run=old.run, which=old.which).bindings()
    assert (b["has_cuda"], b["cuda_version"], b["cuda_arch"]) == (True, "11.4", None)


def test_no_gpu_anywhere() -> None:
    for machine in (
        FakeMachine(fake_probe(None)),
        FakeMachine(fake_probe(None), NO_DEVICE, DRIVER_FAILED, NO_DEVICE),
    ):
        target = describe_environment(run=machine.run, which=machine.which)
        b = target.bindings()
        assert (b["has_cuda"], b["cuda_version"], b["cuda_arch"]) == (False, None, None)
        assert 'unset = ["cuda_arch", "cuda_version"]' in profile_toml(target)
        assert '""' not in profile_toml(target)


def test_npu_presence() -> None:
    machine = FakeMachine(fake_probe(None), npu=True)
    assert describe_environment(run=machine.run, which=machine.which).bindings()["has_npu"] is True


def test_probe_failures() -> None:
    def missing(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        raise FileNotFoundError(2, "No such file or directory")

    with pytest.raises(MarkercError) as info:
        describe_environment("/nope/python", run=missing, which=lambda _: None)
    assert info.value.code == "MK205" and "/nope/python" in info.value.message

    def garbage(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(
            argv, 1, "", "Traceback ...\nSyntaxError: invalid syntax\n"
        )

    with pytest.raises(MarkercError) as info:
        describe_environment("/usr/bin/node", run=garbage, which=lambda _: None)
    assert info.value.code == "MK505" and "SyntaxError" in info.value.message

    def slow(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        raise subprocess.TimeoutExpired(argv, kwargs["timeout"])

    with pytest.raises(MarkercError) as info:
        describe_environment(run=slow, which=lambda _: None)
    assert info.value.code == "MK505" and "timed out" in info.value.message


def test_parse_probe_output_takes_the_last_result_line() -> None:
    assert parse_probe_output(fake_probe(None))["torch"] is None
    with pytest.raises(ValueError):
        parse_probe_output("nothing here\n")


# ---------------------------------------------------------------------------------------------
# The real probe


def test_probe_runs_on_this_interpreter(tmp_path) -> None:
    target = describe_environment(name="here")
    b = target.bindings()
    assert (
        b["python_full_version"]
        == platform.python_version()
        == "{}.{}.{}".format(*sys.version_info[:3])
    )
    env = default_environment()
    assert {k: b[k] for k in STANDARD_VARIABLES} == {k: env[k] for k in STANDARD_VARIABLES}
    assert "pytest" not in target.system_map() and "markerc" not in target.system_map()  # tooling
    tooled = describe_environment(name="here", include_tooling=True)
    assert "pytest" in tooled.system_map() and "packaging" in tooled.system_map()
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert target.fact_map()["glibc_version"] == ".".join(platform.libc_ver()[1].split(".")[:2])
    assert isinstance(b["has_cuda"], bool) and isinstance(b["has_npu"], bool)
    if not b["has_cuda"]:
        assert b["cuda_version"] is None and b["cuda_arch"] is None
    # what `markerc env` prints reads back as the same target
    f = tmp_path / "here.toml"
    f.write_text(profile_toml(target), encoding="utf-8")
    assert load_target(str(f)) == target


def test_probe_ignores_the_working_directory(tmp_path) -> None:
    # a module shadowing the standard library in the cwd must not be imported by the probe
    (tmp_path / "platform.py").write_text("raise SystemExit('shadowed')\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (
        parse_probe_output(done.stdout)["markers"]["python_full_version"]
        == platform.python_version()
    )


def test_platform_facts_and_tooling_from_the_probe() -> None:
    from markerc.backends.envinfo import platform_facts, tooling

    assert platform_facts({"libc": ["glibc", "2.39"]}) == {"glibc_version": "2.39"}
    assert platform_facts({"libc": ["", ""], "musl": "1.2.4"}) == {"musl_version": "1.2"}
    assert platform_facts({"macos": "15.1.1"}) == {"macos_version": "15.1"}
    assert platform_facts({"macos": "14"}) == {"macos_version": "14.0"}
    assert platform_facts({"libc": ["glibc", ""], "macos": None}) == {}  # unknown: left out
    requires = {
        "markerc": ["lark>=1.2", "uv>=0.9", 'pytest>=8; extra == "test"'],
        "pytest": ["pluggy>=1", "iniconfig"],
        "pluggy": [], "lark": [], "uv": [], "iniconfig": [],
        "torch": ["filelock", "sympy"], "filelock": [], "sympy": [],
    }  # fmt: skip
    assert tooling({"requires": requires}) == {"markerc", "lark", "uv", "pytest", "pluggy", "iniconfig"}
    assert tooling({"requires": {"torch": []}}) == set()  # markerc not installed there: nothing is tooling
    dists = [[n, "1.0"] for n in requires]
    machine = FakeMachine(fake_probe(None, dists, requires=requires, libc=["glibc", "2.35"]))
    target = describe_environment(run=machine.run, which=machine.which)
    assert set(target.system_map()) == {"torch", "filelock", "sympy"}
    assert target.fact_map() == {"glibc_version": "2.35"}
    assert 'glibc_version = "2.35"' in profile_toml(target)
