"""Scaling benchmark: compile, check and ``lock --plan`` on hubs 1x to 64x the real hub.

A hub at ``Nx`` repeats every model of each real hub file N times, copy ``k`` renamed
``<name>--x<k>`` (copy 0 keeps its name).  Two string modes:

* ``repeated``: the copies keep their ``virtualenv`` strings (distinct content stays that of 1x);
* ``distinct``: every package string of every model is made unique by a clause that the target
  decides (``python_version != "1.<i>"``, ``i`` numbering the models), so no string repeats and
  every parse cache misses (also at 1x).

The persistent parse cache is off (``MARKERC_NO_CACHE=1``) for every run.  Two layouts: ``multi`` (``json.dump(indent=2)``, as the real files) and ``one`` (the whole
JSON on one line).  Each measurement is one fresh ``python -m markerc ...`` process, run under a
small wrapper process that reports the wall time, the CPU time (user + system) and the peak RSS
of its child (``resource.getrusage(RUSAGE_CHILDREN)``, fresh per run).  On a shared machine the
CPU time per case is the steadier figure: the wall time also counts waiting for a core.  Commands (hubs = the six files):

* compile: ``compile <hubs> --engine <the 7 engines of bench_compile.py> --target linux-cuda128 --system-missing unpinned
  --format json -o <tmp>``
* check: ``check <hubs>`` (exit 1 on findings is expected: the real hub has some)
* lock --plan: ``lock <hubs> --engine <the same 7> --target linux-cuda128 --system-missing unpinned
  --out <tmp> --plan``

``--models 5000,20000,80000`` instead measures hubs of that many models in all (the real models
repeated until the count is reached), for check and compile (issue 9's figures).

Run from the repository root: ``python benchmarks/bench_scale.py [--factors 1,4,16,64]
[--modes repeated,distinct] [--layouts multi,one] [--commands compile,check,plan] [--repeats 1]``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "xinference")
#: the engines of bench_compile.py (2185 cases at 1x); ``--engine all`` gives 784
ENGINE_SPEC = "sglang,vllm,transformers,sentence_transformers,diffusers,mlx,llama.cpp"
TARGET = os.path.join(ROOT, "fixtures", "targets", "linux-cuda128.toml")

WRAPPER = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = usage.ru_maxrss  # KiB on Linux
json.dump({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_kib": peak, "rc": proc.returncode,
           "stderr": proc.stderr.decode("utf-8", "replace")[-2000:]}, sys.stdout)
"""


def _distinct(text: str, k: int) -> str:
    clause = f'python_version != "1.{k}"'
    head, sep, marker = text.partition(";")
    if not sep:
        return f"{text} ; {clause}"
    return f"{head.rstrip()} ; ({marker.strip()}) and {clause}"


def _copy(model: dict, k: int, mode: str, serial: int) -> dict:
    """Copy ``k`` of a model; ``serial`` numbers every model of every file (distinct strings)."""
    out = dict(model)
    if k and isinstance(out.get("model_name"), str):
        out["model_name"] = f"{out['model_name']}--x{k}"
    venv = out.get("virtualenv")
    if mode == "distinct" and isinstance(venv, dict) and isinstance(venv.get("packages"), list):
        venv = dict(venv)
        venv["packages"] = [_distinct(s, serial) if isinstance(s, str) else s for s in venv["packages"]]
        out["virtualenv"] = venv
    return out


def make_hubs(
    folder: str, corpus: str, copies_of: dict[str, int], mode: str, layout: str, limit: int | None = None
) -> list[str]:
    """Write the scaled hub files; ``copies_of`` maps a real file's name to its copy count;
    ``limit``: the copies of each file are cut so that the files hold that many models in all
    (each file its share, by its size)."""
    paths, serial = [], 0
    for src in sorted(glob.glob(os.path.join(corpus, "*.json"))):
        with open(src, encoding="utf-8") as fh:
            models = json.load(fh)
        n = copies_of[os.path.basename(src)]
        keep = len(models) * n if limit is None else round(limit * len(models) / limit_total(corpus))
        doc = []
        for k in range(n):
            for m in models:
                if len(doc) < keep:
                    doc.append(_copy(m, k, mode, serial))
                    serial += 1
        dest = os.path.join(folder, os.path.basename(src))
        with open(dest, "w", encoding="utf-8") as fh:
            if layout == "one":
                json.dump(doc, fh, ensure_ascii=False)
            else:
                json.dump(doc, fh, ensure_ascii=False, indent=2)
                fh.write("\n")
        paths.append(dest)
    return paths


def limit_total(corpus: str) -> int:
    total = 0
    for src in glob.glob(os.path.join(corpus, "*.json")):
        with open(src, encoding="utf-8") as fh:
            total += len(json.load(fh))
    return total


def argv_for(command: str, paths: Sequence[str], tmp: str) -> list[str]:
    base = [sys.executable, "-m", "markerc"]
    if command == "check":
        return [*base, "check", *paths]
    common = ["--engine", ENGINE_SPEC, "--target", TARGET, "--system-missing", "unpinned"]
    if command == "compile":
        return [*base, "compile", *paths, *common, "--format", "json", "-o", os.path.join(tmp, "out.json")]
    return [*base, "lock", *paths, *common, "--out", os.path.join(tmp, "locks"), "--plan"]


def measure(argv: Sequence[str], repeats: int, env: dict[str, str]) -> tuple[list[float], list[float], int]:
    """Wall times, CPU times (user + system) and the largest peak RSS (KiB) of ``repeats`` runs."""
    times, cpu, peak = [], [], 0
    for _ in range(repeats):
        proc = subprocess.run([sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        r = json.loads(proc.stdout)
        if r["rc"] not in (0, 1):
            raise SystemExit(f"{' '.join(argv[:4])} ... failed (exit {r['rc']}):\n{r['stderr']}")
        times.append(r["seconds"])
        cpu.append(r["cpu"])
        peak = max(peak, r["peak_kib"])
    return times, cpu, peak


def count_cases(paths: Sequence[str]) -> int:
    sys.path.insert(0, ROOT)
    from markerc.compiler.compile import load_hubs, plan_jobs
    from markerc.compiler.engines import load_engines

    return sum(1 for _ in plan_jobs(load_hubs(paths), load_engines(), ENGINE_SPEC.split(","), None))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--factors", default="1,4,16,64")
    ap.add_argument("--models", default=None, help="model counts instead of factors, e.g. 5000,20000,80000")
    ap.add_argument("--modes", default="repeated,distinct")
    ap.add_argument("--layouts", default="multi,one")
    ap.add_argument("--commands", default="compile,check,plan")
    ap.add_argument("--repeats", type=int, default=1, help="runs per figure (median reported)")
    ap.add_argument("--corpus", default=CORPUS)
    args = ap.parse_args(argv)

    real = sorted(glob.glob(os.path.join(args.corpus, "*.json")))
    if not real:
        print(f"bench_scale: no hub files in {args.corpus} (the shared corpus is absent); nothing to measure.")
        return 1
    sizes = {}
    for p in real:
        with open(p, encoding="utf-8") as fh:
            sizes[os.path.basename(p)] = len(json.load(fh))
    total = sum(sizes.values())
    if args.models:
        scales = [(f"{int(n):,} models", -(-int(n) // total), int(n)) for n in args.models.split(",")]
    else:
        scales = [(f"{int(f)}x", int(f), None) for f in args.factors.split(",")]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env["PYTHONPATH"] = ROOT
    # the persistent parse cache is off: every run parses its strings, so the figures show how the
    # work grows with the hub, not how much an earlier run left in the cache (bench_compile.py
    # measures the cache)
    env["MARKERC_NO_CACHE"] = "1"

    print(f"machine: {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}; real hub: {total} models")
    print(f"{'hub':<14} {'strings':<9} {'layout':<6} {'command':<8} {'models':>7} {'cases':>7} "
          f"{'median s':>9} {'min-max s':>13} {'us/case':>8} {'x 1st':>6} {'cpu us/c':>8} {'x 1st':>6} "
          f"{'peak MiB':>9}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="markerc-scale-") as tmp:
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
        first: dict[tuple[str, str, str], tuple[float, float]] = {}
        for mode in args.modes.split(","):
            for layout in args.layouts.split(","):
                for label, n, limit in scales:
                    folder = os.path.join(tmp, f"{mode}-{layout}-{n}")
                    os.makedirs(folder)
                    paths = make_hubs(folder, args.corpus, dict.fromkeys(sizes, n), mode, layout, limit)
                    models = total * n if limit is None else limit
                    cases = count_cases(paths)
                    for command in args.commands.split(","):
                        argv = argv_for(command, paths, tmp)
                        measure(argv, 1, env) if not first else None  # warm-up: byte code
                        times, cpu, peak = measure(argv, args.repeats, env)
                        med = statistics.median(times)
                        per = med / cases * 1e6
                        per_cpu = statistics.median(cpu) / cases * 1e6
                        ref, ref_cpu = first.setdefault((mode, layout, command), (per, per_cpu))
                        print(f"{label:<14} {mode:<9} {layout:<6} {command:<8} {models:>7} {cases:>7} "
                              f"{med:>9.2f} {min(times):>6.2f}-{max(times):<6.2f} {per:>8.1f} "
                              f"{per / ref:>6.2f} {per_cpu:>8.1f} {per_cpu / ref_cpu:>6.2f} "
                              f"{peak / 1024:>9.0f}", flush=True)  # fmt: skip
                    for p in paths:
                        os.remove(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
