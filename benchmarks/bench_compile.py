"""Compile benchmark: markerc over the whole real hub against xoscar's ``process_packages``.

One process compiles all six real hub files for the seven engines and every model, with a
fully bound target (``fixtures/targets/linux-cuda128.toml``).  The peer is what Xinference runs
at launch: xoscar 0.12.2's ``VirtualEnvManager.process_packages(packages, engine=e,
model_engine=e)``, on the same (model, engine) cases.  Both are reported in one run:

* markerc whole process: wall time of ``python -m markerc compile <6 hubs> --engine ... --target
  ... --system-missing unpinned --format json -o <tmp>`` (start-up and imports included), with the
  interpreter of a fresh venv holding this checkout installed by ``pip install .`` (not editable,
  byte-compiled; ``--python`` names another), twice per round: with the persistent parse cache
  (``markerc/language/parsecache.py``) warm, as every run after a hub's first is, and with
  ``MARKERC_NO_CACHE=1`` (every string parsed, the parser imported);
* markerc in process: ``compile_hubs`` + ``json_text`` in a fresh interpreter with the imports
  already done;
* peer inner loop: only the loop of ``process_packages`` calls, in a subprocess running the peer
  interpreter (imports and case loading excluded; one loop per round, in a fresh process, so
  that xoscar's own caches start cold as markerc's do).

The ratio of the whole process (parse cache warm) to the peer's loop is printed per round in wall
time and in CPU time (user + system of markerc's process, start-up included, against the loop's
``time.process_time``).

The peer's package lists are built the way Xinference builds them before it calls xoscar
(``docs``: research/xinference-semantics.md section 3, steps 1 and 8): the engine's model-format
defaults, then the model's packages, then ``expand_engine_dependency_placeholders`` (re-implemented
below; it is Xinference code, not xoscar).  The peer sees the same machine as markerc's target:
a stub ``torch`` module (CUDA 12.8, sm_90) is put in ``sys.modules`` like on a worker that has torch
imported, and ``dist-info`` folders with the target's ``[system]`` versions are put first on
``sys.path`` so ``#system_X#`` lookups find them.  Nothing is installed or resolved: only
``process_packages`` is called, never ``install_packages`` or uv.

Set up the peer once, outside the repository::

    python -m venv /tmp/xoscar-bench && /tmp/xoscar-bench/bin/pip install xoscar==0.12.2

Run (from the repository root)::

    python benchmarks/bench_compile.py --peer-python /tmp/xoscar-bench/bin/python

Without ``--peer-python`` the peer part is skipped with a message.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "xinference")
ENGINES = "sglang,vllm,transformers,sentence_transformers,diffusers,mlx,llama.cpp"
TARGET = os.path.join("fixtures", "targets", "linux-cuda128.toml")

# Xinference HEAD tables (research/xinference-semantics.md section 9), used to build the peer's
# input exactly as Xinference does before calling xoscar.
ENGINE_VIRTUALENV_PACKAGES: dict[str, list[str]] = {
    "sglang": [
        "pybase64", "zmq", "partial_json_parser", "sentencepiece", "dill", "ninja",
        "numpy<2.3", "pandas<3", "sglang>=0.5.6",
        'nvidia-cusparselt-cu13==0.8.0 ; cuda_version == "13.0" and sys_platform == "linux"',
        ("https://github.com/sgl-project/whl/releases/download/v0.3.21/"
         "sgl_kernel-0.3.21+cu130-cp310-abi3-manylinux2014_x86_64.whl"
         ' ; cuda_version == "13.0" and platform_machine == "x86_64"'),
        ("https://github.com/sgl-project/whl/releases/download/v0.3.21/"
         "sgl_kernel-0.3.21+cu130-cp310-abi3-manylinux2014_aarch64.whl"
         ' ; cuda_version == "13.0" and platform_machine == "aarch64"'),
        'sgl_kernel ; cuda_version < "13.0"',
    ],
    "vllm": ["vllm>=0.11.2"],
    "transformers": ["transformers>=4.53.3", "accelerate>=0.28.0"],
    "sentence_transformers": [
        "sentence_transformers", "einops", "transformers>=4.53.3", "accelerate>=0.28.0", "peft>0.17.1",
    ],
    "diffusers": ["diffusers>=0.32.0", "huggingface-hub<1.0"],
    "mlx": ["mlx-lm>=0.24.0"],
    "llama.cpp": ["xllamacpp>=0.2.6"],
}  # fmt: skip
ENGINE_VIRTUALENV_MODEL_FORMAT_PACKAGES: dict[str, dict[str, list[str]]] = {
    "transformers": {
        "gptq": ["gptqmodel", "optimum", "datasets>=3.4.0"],
        "awq": ["autoawq!=0.2.6 ; sys_platform=='linux'", "datasets>=3.4.0"],
        "bnb": ["bitsandbytes ; sys_platform=='linux'"],
    }
}


def expand_engine_dependency_placeholders(packages: Sequence[str], engine: str | None) -> list[str]:
    """Xinference's ``VEM.expand_engine_dependency_placeholders`` (semantics section 4)."""
    if not engine:
        return list(packages)
    engine = engine.lower()
    out: list[str] = []
    for pkg in packages:
        name = pkg.split(";", 1)[0].strip().lower()
        if name.startswith("#") and name.endswith("#") and len(name) >= 2:
            name = name[1:-1]
        if name.endswith("_dependencies"):
            dep = name[: -len("_dependencies")]
            dep = "llama.cpp" if dep == "llama_cpp" else dep
            if dep == engine:
                out.extend(ENGINE_VIRTUALENV_PACKAGES.get(dep, []))
            continue
        out.append(pkg)
    return out


def xinference_packages(model_packages: Sequence[str], engine: str, model_format: str | None) -> list[str]:
    """Steps 1 and 8 of ``W._prepare_virtual_env``: format defaults + model packages, expanded."""
    fmt = ENGINE_VIRTUALENV_MODEL_FORMAT_PACKAGES.get(engine.lower(), {}).get((model_format or "").lower(), [])
    return expand_engine_dependency_placeholders([*fmt, *model_packages], engine)


# --------------------------------------------------------------------------- the peer's driver

PEER_DRIVER = r'''
import json, logging, os, sys, time, types

cases_path, system_dir, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(cases_path, encoding="utf-8") as fh:
    spec = json.load(fh)

logging.getLogger("xoscar").addHandler(logging.NullHandler())  # warnings go to a log, not a tty
logging.getLogger("xoscar").propagate = False

import xoscar
from xoscar.virtualenv.uv import UVVirtualEnvManager

# The machine markerc's target describes: torch already imported (CUDA 12.8, sm_90), and the
# target's [system] versions visible to importlib.metadata.
torch = types.ModuleType("torch")
torch.__version__ = spec["torch_version"]
torch.version = types.SimpleNamespace(cuda=spec["cuda_version"])
torch.cuda = types.SimpleNamespace(is_available=lambda: True,
                                   get_device_capability=lambda: tuple(spec["capability"]))
sys.modules["torch"] = torch
sys.path.insert(0, system_dir)

import importlib.metadata as _metadata
import xoscar.virtualenv.core as _core

# The target given as data, as markerc gets it: what get_env() probes (the torch stub, a
# failing `import torch_npu`, platform calls) is probed once here, and #system_X# versions are
# looked up in the target's [system] table instead of scanning dist-info folders per case.
# Xinference itself probes once per launch; re-probing per case is not language work.
_env = _core.get_env()
_core.get_env = lambda: dict(_env)
_system = {k.lower().replace("_", "-"): v for k, v in spec["system"].items()}

def _version(name):
    try:
        return _system[name.lower().replace("_", "-")]
    except KeyError:
        raise _metadata.PackageNotFoundError(name) from None

_core.importlib = types.SimpleNamespace(metadata=types.SimpleNamespace(
    version=_version, PackageNotFoundError=_metadata.PackageNotFoundError))

process_packages = UVVirtualEnvManager.process_packages
cases = [(c["packages"], c["engine"]) for c in spec["cases"]]

def loop():
    outputs, errors = [], {}
    t0, c0 = time.perf_counter(), time.process_time()
    for packages, engine in cases:
        try:
            outputs.append(process_packages(list(packages), engine=engine, model_engine=engine))
        except Exception as exc:  # a launch that fails in Xinference
            outputs.append(None)
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
    return time.perf_counter() - t0, time.process_time() - c0, outputs, errors

times, cpu = [], []
for _ in range(repeats):
    seconds, cpu_seconds, outputs, errors = loop()
    times.append(seconds)
    cpu.append(cpu_seconds)
from importlib.metadata import version as _v
json.dump({"times": times, "cpu": cpu, "errors": errors, "xoscar": _v("xoscar"),
           "python": sys.version.split()[0],
           "entries": sum(len(p) for p, _ in cases),
           "sample": outputs[:3]}, sys.stdout)
'''


def write_system_dir(path: str, system: dict[str, str]) -> None:
    """Minimal ``dist-info`` folders so ``importlib.metadata.version(name)`` sees the target's pins."""
    for name, version in system.items():
        d = os.path.join(path, f"{name}-{version}.dist-info")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "METADATA"), "w", encoding="utf-8") as fh:
            fh.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def peer_cases(paths: Sequence[str]) -> list[dict]:
    """The (model, engine) cases markerc compiles, with the package list Xinference would pass."""
    from markerc.compiler.compile import plan_jobs
    from markerc.compiler.engines import load_engines
    from markerc.compiler.hub import load_hub

    table = load_engines()
    hubs = [load_hub(p) for p in paths]
    cases = []
    for job in plan_jobs(hubs, table, ENGINES.split(","), None):
        raw = [s.value for s in job.record.block.packages] if job.record.block else []
        cases.append({
            "file": os.path.basename(job.hub.path),
            "model": job.record.name,
            "engine": job.engine.name,
            "packages": xinference_packages(raw, job.engine.name, job.record.model_format),
        })  # fmt: skip
    return cases


def run_peer(peer_python: str, cases: list[dict], target_path: str, repeats: int) -> dict:
    with open(target_path, "rb") as fh:
        target = tomllib.load(fh)
    system = target.get("system", {})
    arch = str(target.get("cuda_arch", "sm_90")).removeprefix("sm_")
    spec = {
        "cases": cases,
        "torch_version": system.get("torch", "2.8.0"),
        "cuda_version": target.get("cuda_version"),
        "capability": [int(arch[:-1]), int(arch[-1])],
        "system": system,
    }
    with tempfile.TemporaryDirectory(prefix="markerc-peer-") as tmp:
        driver = os.path.join(tmp, "peer_driver.py")
        with open(driver, "w", encoding="utf-8") as fh:
            fh.write(PEER_DRIVER)
        cases_path = os.path.join(tmp, "cases.json")
        with open(cases_path, "w", encoding="utf-8") as fh:
            json.dump(spec, fh)
        system_dir = os.path.join(tmp, "system")
        write_system_dir(system_dir, system)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        proc = subprocess.run(
            [peer_python, driver, cases_path, system_dir, str(repeats)],
            capture_output=True, text=True, cwd=tmp, env=env, check=False,
        )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"peer driver failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------- markerc's side

def compile_argv(python: str, paths: Sequence[str], out: str) -> list[str]:
    return [
        python, "-m", "markerc", "compile", *(os.path.join(ROOT, p) for p in paths),
        "--engine", ENGINES, "--target", os.path.join(ROOT, TARGET), "--system-missing", "unpinned",
        "--format", "json", "-o", out,
    ]  # fmt: skip


def installed_python(tmp: str) -> str:
    """A fresh venv with this checkout installed as a user installs it (``pip install .``: not
    editable, byte-compiled), so the figures include no editable finder and no compiling."""
    venv = os.path.join(tmp, "venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = os.path.join(venv, "bin", "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", ROOT], check=True)
    return python


def markerc_process(
    python: str, paths: Sequence[str], tmp: str, *, cache: bool
) -> tuple[float, float, int]:
    """Wall time and CPU time (user + system) of one whole CLI process, and the number of
    compiled sets it wrote.  ``cache``: with the persistent parse cache (in ``tmp``, filled by
    the warm-up run), else without it."""
    out = os.path.join(tmp, "out.json")
    # as an installed package runs: reading the byte code pip compiled (this machine may set
    # PYTHONDONTWRITEBYTECODE)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(MARKERC_CACHE_DIR=os.path.join(tmp, "cache"), XDG_STATE_HOME=os.path.join(tmp, "state"))
    env["MARKERC_NO_CACHE"] = "" if cache else "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(compile_argv(python, paths, out), cwd=tmp, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"markerc compile failed (exit {proc.returncode}):\n{proc.stderr}")
    with open(out, encoding="utf-8") as fh:
        count = len(json.load(fh))
    return seconds, cpu, count


IN_PROCESS = r'''
import json, sys, time
sys.path.insert(0, sys.argv[1])
from markerc.compiler.compile import Options, compile_hubs
from markerc.compiler.emit import json_text
from markerc.compiler.engines import load_engines
from markerc.compiler.targets import load_target
paths, target_path, engines = json.loads(sys.argv[2]), sys.argv[3], sys.argv[4].split(",")
t0 = time.perf_counter()
options = Options(target=load_target(target_path), system_missing="unpinned")
sets = compile_hubs(paths, engines=load_engines(), engine_spec=engines, model=None, options=options)
json_text([c.compiled for c in sets])
json.dump({"first": time.perf_counter() - t0, "sets": len(sets)}, sys.stdout)
'''


def markerc_in_process(paths: Sequence[str]) -> float:
    """The first ``compile_hubs`` + ``json_text`` call in a fresh interpreter (imports
    excluded; grammar load, hub loading and every cache filling included)."""
    proc = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, ROOT, json.dumps(list(paths)), TARGET, ENGINES],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"in-process compile failed:\n{proc.stderr}")
    return float(json.loads(proc.stdout)["first"])


def summary(values: Sequence[float]) -> str:
    return f"{statistics.median(values):8.3f}  ({min(values):.3f}-{max(values):.3f})"


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPU(s), {model}, Python {platform.python_version()}"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peer-python", metavar="PATH", default=None,
                    help="interpreter with xoscar==0.12.2 (default: this one, when it imports xoscar)")  # fmt: skip
    ap.add_argument("--python", metavar="PATH", default=None,
                    help="interpreter with markerc installed (default: a fresh venv with this checkout)")  # fmt: skip
    ap.add_argument("--repeats", type=int, default=9, help="rounds, each side once per round (default 9)")
    ap.add_argument("--corpus", default=CORPUS, help=f"folder of hub JSON files (default {CORPUS})")
    args = ap.parse_args(argv)

    paths = sorted(glob.glob(os.path.join(args.corpus, "*.json")))
    if not paths:
        print(f"bench_compile: no hub files in {args.corpus} (the shared corpus is absent); nothing to measure.")
        return 1
    peer_python = args.peer_python
    if peer_python is None and importlib.util.find_spec("xoscar") is not None:
        peer_python = sys.executable
    paths = [os.path.relpath(p, ROOT) for p in paths]
    print(f"machine: {machine()}")
    print(f"input: {len(paths)} hub files, engines {ENGINES}, target {TARGET}, {args.repeats} alternated rounds\n")

    cases = peer_cases(paths)
    whole: list[float] = []
    cold: list[float] = []
    first: list[float] = []
    loops: list[float] = []
    whole_cpu: list[float] = []  # user + system of markerc's process (start-up included)
    loops_cpu: list[float] = []  # process time of the peer's loop
    peer: dict | None = None
    n_sets = 0
    with tempfile.TemporaryDirectory(prefix="markerc-bench-") as tmp:
        python = args.python or installed_python(tmp)
        markerc_process(python, paths, tmp, cache=True)  # warm-up: file cache, parse cache
        for _ in range(args.repeats):  # alternated: the machine's load falls on both sides alike
            seconds, cpu_seconds, n_sets = markerc_process(python, paths, tmp, cache=True)
            whole.append(seconds)
            whole_cpu.append(cpu_seconds)
            cold.append(markerc_process(python, paths, tmp, cache=False)[0])
            first.append(markerc_in_process(paths))
            if peer_python:
                peer = run_peer(peer_python, cases, os.path.join(ROOT, TARGET), 1)
                loops.append(peer["times"][0])
                loops_cpu.append(peer["cpu"][0])
    if n_sets != len(cases):
        print(f"warning: markerc wrote {n_sets} sets but planned {len(cases)} cases")
    if not peer_python:
        print("peer: skipped (xoscar is not importable; give --peer-python PATH)\n")

    rows = [
        ("markerc whole process, parse cache warm", whole),
        ("markerc whole process, no parse cache", cold),
        ("markerc in process, first call (imports excluded)", first),
    ]
    if peer:
        rows.append((f"peer inner loop (xoscar {peer['xoscar']} process_packages)", loops))
    print(f"cases (model x engine): {len(cases)}  (markerc compiled sets: {n_sets})")
    if peer:
        errs = sum(peer["errors"].values())
        detail = ", ".join(f"{k} {v}" for k, v in sorted(peer["errors"].items())) or "none"
        print(f"peer: Python {peer['python']}, {peer['entries']} package entries, cases raising: {errs} ({detail});"
              " host probes bound once from the target (no per-case probing)")  # fmt: skip
    print()
    print(f"{'measurement':<58} {'median s':>8}  (min-max)        {'cases/s':>8}")
    for name, values in rows:
        print(f"{name:<58} {summary(values)} {len(cases) / statistics.median(values):>9.0f}")
    if peer:
        print()
        for label, values in (("parse cache warm", whole), ("no parse cache", cold)):
            ratios = [w / p for w, p in zip(values, loops)]
            met = sum(r < 1 for r in ratios)
            print(f"ratio markerc whole process ({label}) / peer inner loop, per round: median "
                  f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}); "
                  f"below 1 in {met} of {len(ratios)} rounds")  # fmt: skip
        print(f"ratio in process first call / peer: {statistics.median(f / p for f, p in zip(first, loops)):.2f}")
        # CPU time is the steadier figure on a shared machine (no waiting for a core counted);
        # markerc's includes its whole process, start-up and imports, the peer's only its loop
        cpu_ratios = [w / p for w, p in zip(whole_cpu, loops_cpu)]
        print(f"CPU time: markerc whole process (cache warm) {summary(whole_cpu).strip()}, peer loop "
              f"{summary(loops_cpu).strip()}; ratio per round: median {statistics.median(cpu_ratios):.2f} "
              f"({min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}); below 1 in {sum(r < 1 for r in cpu_ratios)} "
              f"of {len(cpu_ratios)} rounds")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
