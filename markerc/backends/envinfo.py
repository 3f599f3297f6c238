"""``markerc env``: describe a Python environment and the machine as a target (SPEC section 9).

A fixed probe script (a constant in this module; nothing from input is executed) runs in the
target interpreter and prints, as JSON, the standard marker values exactly as
``packaging.markers.default_environment()`` computes them (re-implemented with ``platform`` and
``sys``: the interpreter may lack packaging), its installed distributions, and torch's CUDA facts
when torch is installed.  ``nvidia-smi`` (when on PATH) adds the GPUs, their compute capability
and the driver's CUDA version; ``npu-smi`` on PATH means an NPU.

The probe also reports the platform facts a resolver needs (SPEC section 9): the C library
(``platform.libc_ver()``: glibc's version; musl's from its dynamic loader) and the macOS version
(``platform.mac_ver()``).  markerc itself and the distributions it needs (with its extras) are
left out of ``[system]`` unless ``include_tooling``: they describe the tool, not the target.

Detection rules: ``has_cuda`` is true when an NVIDIA GPU answers (``nvidia-smi`` lists one, or
``torch.cuda.is_available()``); ``cuda_version`` is ``torch.version.cuda`` when torch imports
(None for a CPU build), else the driver's "CUDA Version"; ``cuda_arch`` is the first GPU's
compute capability (torch's device 0, else nvidia-smi's first GPU): ``9.0`` -> ``sm_90``.  Without
CUDA, ``cuda_version`` and ``cuda_arch`` are unset.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence

from markerc.compiler.targets import STANDARD_VARIABLES, Target, Value, canonical_name, finalize
from markerc.diagnostics import MarkercError

__all__ = [
    "PROBE",
    "PROBE_PREFIX",
    "compute_cap_to_arch",
    "cuda_facts",
    "describe_environment",
    "parse_nvidia_smi_cuda_version",
    "parse_nvidia_smi_list",
    "parse_nvidia_smi_query",
    "parse_probe_output",
]

PROBE_PREFIX = "MARKERC-PROBE "
NVIDIA_SMI_QUERY = ("--query-gpu=compute_cap,driver_version", "--format=csv,noheader")

# The probe runs in the target interpreter.  It must work on any Python >= 3.8 with only the
# standard library, never raise, and print exactly one line starting with PROBE_PREFIX.
PROBE = r"""
import sys
sys.path[:] = [p for p in sys.path if p]  # never import from the working directory
import json, os, platform

def _full_version(info):
    version = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version

out = {"markers": {}, "distributions": [], "requires": {}, "libc": None, "musl": None, "macos": None,
       "torch": None, "errors": []}
out["markers"] = {
    "implementation_name": sys.implementation.name,
    "implementation_version": _full_version(sys.implementation.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
try:
    import importlib.metadata as metadata
    for dist in metadata.distributions():
        try:
            name = dist.metadata["Name"]
            version = dist.version
        except Exception:
            continue
        if name and version:
            out["distributions"].append([str(name), str(version)])
            try:
                out["requires"].setdefault(str(name), [str(r) for r in (dist.requires or [])])
            except Exception:
                pass
except Exception as exc:
    out["errors"].append("distributions: %r" % (exc,))
try:
    if sys.platform.startswith("linux"):
        lib, ver = platform.libc_ver()
        out["libc"] = [lib, ver]
        if lib != "glibc":
            import glob, subprocess
            for loader in sorted(glob.glob("/lib/ld-musl-*.so.1")):
                done = subprocess.run([loader], capture_output=True, text=True, timeout=10)
                for line in (done.stderr or "").splitlines():
                    if line.startswith("Version "):
                        out["musl"] = line.split()[1]
                break
    elif sys.platform == "darwin":
        out["macos"] = platform.mac_ver()[0] or None
except Exception as exc:
    out["errors"].append("platform facts: %r" % (exc,))
try:
    import importlib.util
    if importlib.util.find_spec("torch") is not None:
        facts = {"imported": False}
        out["torch"] = facts
        try:
            import torch
            facts["imported"] = True
            facts["version"] = str(getattr(torch, "__version__", ""))
            cuda = getattr(torch.version, "cuda", None)
            facts["cuda"] = str(cuda) if cuda else None
            facts["cuda_available"] = bool(torch.cuda.is_available())
            if facts["cuda_available"]:
                major, minor = torch.cuda.get_device_capability(0)
                facts["capability"] = "%d.%d" % (major, minor)
        except Exception as exc:
            facts["error"] = repr(exc)
except Exception as exc:
    out["errors"].append("torch: %r" % (exc,))
sys.stdout.write("\nMARKERC-PROBE " + json.dumps(out) + "\n")
sys.stdout.flush()
"""

_QUERY_LINE = re.compile(r"\s*([^,]*?)\s*,\s*([0-9]+(?:\.[0-9]+)+)\s*")
_LIST_LINE = re.compile(r"GPU [0-9]+:")
_CUDA_HEADER = re.compile(r"CUDA Version\s*:\s*([0-9]+(?:\.[0-9]+)+)")
_CAPABILITY = re.compile(r"\s*([0-9]+)\.([0-9]+)\s*")

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


# --------------------------------------------------------------------------------------------
# Pure parsing


def parse_probe_output(stdout: str) -> dict[str, object]:
    """The probe's JSON (the last line starting with :data:`PROBE_PREFIX`); ValueError if none."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(PROBE_PREFIX):
            data = json.loads(line[len(PROBE_PREFIX) :])
            if isinstance(data, dict) and isinstance(data.get("markers"), dict):
                return data
    raise ValueError("the probe printed no result")


def parse_nvidia_smi_query(output: str) -> tuple[tuple[str, str], ...]:
    """``nvidia-smi --query-gpu=compute_cap,driver_version --format=csv,noheader`` ->
    ``((compute_cap, driver_version), ...)``, one per GPU that answered, e.g.
    ``(("9.0", "580.159.04"),)``.

    A GPU whose compute capability is not reported (``[N/A]``) has ``""`` as its capability.
    """
    gpus = []
    for line in output.splitlines():
        m = _QUERY_LINE.fullmatch(line)
        if m:
            cap = _CAPABILITY.fullmatch(m.group(1))
            gpus.append((f"{int(cap.group(1))}.{int(cap.group(2))}" if cap else "", m.group(2)))
    return tuple(gpus)


def parse_nvidia_smi_list(output: str) -> int:
    """Number of GPUs in ``nvidia-smi -L`` output (``GPU 0: NVIDIA H100 ... (UUID: ...)``)."""
    return sum(1 for line in output.splitlines() if _LIST_LINE.match(line.strip()))


def parse_nvidia_smi_cuda_version(output: str) -> str | None:
    """The driver's CUDA version from plain ``nvidia-smi`` output ("CUDA Version: 13.0")."""
    m = _CUDA_HEADER.search(output)
    return m.group(1) if m else None


def compute_cap_to_arch(capability: str) -> str | None:
    """``"9.0"`` -> ``"sm_90"``, ``"12.0"`` -> ``"sm_120"``; None when it is not ``MAJOR.MINOR``."""
    m = _CAPABILITY.fullmatch(capability)
    if not m:
        return None
    return f"sm_{int(m.group(1))}{int(m.group(2))}"


def cuda_facts(
    torch: dict[str, object] | None,
    gpus: Sequence[tuple[str, str]],
    driver_cuda: str | None,
) -> dict[str, Value]:
    """``has_cuda``/``cuda_version``/``cuda_arch`` from the probe's torch facts and nvidia-smi."""
    imported = bool(torch and torch.get("imported"))
    torch_gpu = bool(imported and torch and torch.get("cuda_available"))
    if not gpus and not torch_gpu:
        return {"has_cuda": False, "cuda_version": None, "cuda_arch": None}
    if imported and torch is not None:
        reported = torch.get("cuda")
        cuda_version = reported if isinstance(reported, str) and reported else None
    else:
        cuda_version = driver_cuda
    cap = (torch or {}).get("capability") if torch_gpu else None
    capability = cap if isinstance(cap, str) else None
    if not capability and gpus:
        capability = gpus[0][0]
    arch = compute_cap_to_arch(capability) if capability else None
    return {"has_cuda": True, "cuda_version": cuda_version, "cuda_arch": arch}


# --------------------------------------------------------------------------------------------
# Running


_VERSION_START = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def platform_facts(probe: dict[str, object]) -> dict[str, str]:
    """``glibc_version`` / ``musl_version`` / ``macos_version`` (MAJOR.MINOR) from the probe;
    facts the interpreter could not tell are left out."""
    facts: dict[str, str] = {}
    libc = probe.get("libc")
    if isinstance(libc, list) and len(libc) == 2 and libc[0] == "glibc":
        m = _VERSION_START.match(str(libc[1]))
        if m:
            facts["glibc_version"] = ".".join(m.group(0).split(".")[:2])
    for key, fact in (("musl", "musl_version"), ("macos", "macos_version")):
        m = _VERSION_START.match(str(probe.get(key) or ""))
        if m:
            parts = m.group(0).split(".")
            facts[fact] = ".".join(([*parts, "0"])[:2])
    return facts


def tooling(probe: dict[str, object]) -> set[str]:
    """markerc and every distribution it needs (its extras included), by canonical name: what
    ``markerc env`` leaves out of ``[system]`` unless asked.  Empty when markerc is not there."""
    listed = probe.get("requires")
    requires = {
        canonical_name(str(k)): v
        for k, v in (listed.items() if isinstance(listed, dict) else ())
        if isinstance(v, list)
    }
    if "markerc" not in requires:
        return set()
    found: set[str] = set()
    todo = ["markerc"]
    while todo:
        name = todo.pop()
        if name in found or name not in requires:
            continue
        found.add(name)
        for req in requires[name]:
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(req))
            if m:
                todo.append(canonical_name(m.group(1)))
    return found


def describe_environment(
    python: str | None = None,
    *,
    name: str | None = None,
    run: Runner = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
    timeout: float = 300.0,
    include_tooling: bool = False,
) -> Target:
    """The target of interpreter ``python`` (default: this one) on this machine."""
    interpreter = python or sys.executable
    probe = _run_probe(interpreter, run, timeout)
    markers = probe.get("markers")
    bound = markers if isinstance(markers, dict) else {}
    values: dict[str, Value] = {
        k: str(bound[k]) for k in STANDARD_VARIABLES if isinstance(bound.get(k), str)
    }
    gpus: tuple[tuple[str, str], ...] = ()
    driver_cuda = None
    smi = which("nvidia-smi")
    if smi:
        gpus = parse_nvidia_smi_query(_tool_output(run, [smi, *NVIDIA_SMI_QUERY]))
        if not gpus:  # drivers older than 510 cannot query compute_cap: count the GPUs instead
            gpus = (("", ""),) * parse_nvidia_smi_list(_tool_output(run, [smi, "-L"]))
        if gpus:
            driver_cuda = parse_nvidia_smi_cuda_version(_tool_output(run, [smi]))
    reported = probe.get("torch")
    torch = reported if isinstance(reported, dict) else None
    values.update(cuda_facts(torch, gpus, driver_cuda))
    values["has_npu"] = which("npu-smi") is not None
    system: dict[str, str] = {}
    listed = probe.get("distributions")
    for item in listed if isinstance(listed, list) else ():
        if isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item):
            system.setdefault(canonical_name(item[0]), item[1])  # first on sys.path wins
    if not include_tooling:
        for dist in tooling(probe):
            system.pop(dist, None)
    return finalize(Target.make(name, values, system, platform_facts(probe)))


def _run_probe(interpreter: str, run: Runner, timeout: float) -> dict[str, object]:
    try:
        done = run(
            [interpreter, "-c", PROBE],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise MarkercError(
            "MK205", f"cannot run Python interpreter {interpreter}: not found"
        ) from None
    except PermissionError:
        raise MarkercError(
            "MK205", f"cannot run Python interpreter {interpreter}: permission denied"
        ) from None
    except subprocess.TimeoutExpired:
        raise MarkercError(
            "MK505", f"probing {interpreter} timed out after {timeout:g} s"
        ) from None
    except OSError as exc:
        raise MarkercError("MK205", f"cannot run Python interpreter {interpreter}: {exc}") from None
    try:
        return parse_probe_output(done.stdout or "")
    except ValueError:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        detail = f": {' / '.join(tail)}" if tail else ""
        raise MarkercError(
            "MK505",
            f"probing {interpreter} failed (exit status {done.returncode}){detail}",
            notes=("--python must name a Python interpreter",),
        ) from None


def _tool_output(run: Runner, argv: list[str]) -> str:
    """stdout of a hardware tool, or '' when it fails in any way (no GPU, driver trouble)."""
    try:
        done = run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return (done.stdout or "") if done.returncode == 0 else ""
