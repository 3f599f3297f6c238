"""Before/after: the whole-hub compile and ``markerc check`` of two checkouts, runs interleaved.

    python benchmarks/bench_ab.py BASELINE [--rounds 12] [--corpus DIR]

BASELINE is another checkout of markerc, for example the commit a branch starts from::

    mkdir /tmp/base && git archive <commit> | tar -x -C /tmp/base

Both trees run with this interpreter (``python -m markerc``, the tree first on ``PYTHONPATH``),
byte-compiled into a private cache per tree after one untimed warm-up (as an installed package
runs; this machine sets ``PYTHONDONTWRITEBYTECODE``).  Each round runs every command once per
tree, the order of the trees alternating from round to round, so a load change on a shared
machine hits both alike.  Commands:

* the whole-hub compile of ``bench_compile.py`` (six hub files, seven engines,
  ``fixtures/targets/linux-cuda128.toml``, ``--system-missing unpinned --format json``);
* ``markerc check`` of a one-model file (the first model of this tree's ``fixtures/models.json``);
* ``markerc check`` of the six hub files.

It prints the best and the median wall time per tree and command, the ratio of the bests, and
whether the two compiles wrote the same bytes.
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
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "xinference")
ENGINES = "sglang,vllm,transformers,sentence_transformers,diffusers,mlx,llama.cpp"
TARGET = os.path.join("fixtures", "targets", "linux-cuda128.toml")


def commands(hubs: list[str], one: str, out: str) -> dict[str, list[str]]:
    markerc = [sys.executable, "-m", "markerc"]
    return {
        "compile whole hub": [*markerc, "compile", *hubs, "--engine", ENGINES, "--target", TARGET,
                              "--system-missing", "unpinned", "--format", "json", "-o", out],  # fmt: skip
        "check one model": [*markerc, "check", one],
        "check whole hub": [*markerc, "check", *hubs],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("baseline", help="another checkout of markerc (the 'before' tree)")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--corpus", default=CORPUS)
    args = ap.parse_args()
    hubs = sorted(glob.glob(os.path.join(args.corpus, "*.json")))
    if not hubs:
        print(f"no hub files in {args.corpus}", file=sys.stderr)
        return 1
    trees = {"before": os.path.abspath(args.baseline), "after": ROOT}
    with tempfile.TemporaryDirectory(prefix="markerc-ab-") as tmp:
        one = os.path.join(tmp, "llm_family.json")
        with open(os.path.join(ROOT, "fixtures", "models.json"), encoding="utf-8") as fh:
            model = json.load(fh)[:1]
        with open(one, "w", encoding="utf-8") as fh:
            json.dump(model, fh, indent=2)
        envs, argvs = {}, {}
        for name, tree in trees.items():
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env.update(PYTHONPATH=tree, PYTHONPYCACHEPREFIX=os.path.join(tmp, "pycache-" + name))
            envs[name] = env
            argvs[name] = commands(hubs, one, os.path.join(tmp, f"out-{name}.json"))
            for argv in argvs[name].values():  # warm-up: writes the byte code
                subprocess.run(argv, cwd=tree, env=env, capture_output=True)
        times: dict[str, dict[str, list[float]]] = {n: {c: [] for c in argvs[n]} for n in trees}
        for round_ in range(args.rounds):
            order = list(trees) if round_ % 2 else list(reversed(list(trees)))
            for command in argvs["after"]:
                for name in order:
                    start = time.perf_counter()
                    proc = subprocess.run(argvs[name][command], cwd=trees[name], env=envs[name],
                                          capture_output=True, text=True)  # fmt: skip
                    times[name][command].append(time.perf_counter() - start)
                    if proc.returncode not in (0, 1):
                        raise SystemExit(f"{name}: {command} failed ({proc.returncode}):\n{proc.stderr}")
        outputs = []
        for name in trees:
            with open(os.path.join(tmp, f"out-{name}.json"), "rb") as fh:
                outputs.append(fh.read())
    print(f"before: {trees['before']}\nafter:  {trees['after']}")
    print(f"{args.rounds} interleaved rounds, interpreter {sys.executable}")
    print(f"{'command':<20} {'before best':>11} {'median':>7} {'after best':>11} {'median':>7} {'after/before':>12}")
    for command in argvs["after"]:
        b, a = times["before"][command], times["after"][command]
        print(f"{command:<20} {min(b):>11.3f} {statistics.median(b):>7.3f} {min(a):>11.3f} "
              f"{statistics.median(a):>7.3f} {min(a) / min(b):>12.2f}")  # fmt: skip
    print(f"compile outputs identical: {outputs[0] == outputs[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
