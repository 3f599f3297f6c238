"""Review benchmark: `markerc diff` and `markerc report` over the whole real hub, and what the
JSON output's `source` object costs a whole-hub compile.

Each figure is the best of N wall times of a fresh `python -m markerc ...` process (start-up
included), nothing resolved, no network.  The diff compares the six real hub files (a folder)
with a copy in which one model (qwen3) gained one entry; the report renders the same folder.

Run (from the repository root)::

    python benchmarks/bench_review.py --repeats 7
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "xinference")
TARGETS = [os.path.join(ROOT, "fixtures", "targets", f"{n}.toml") for n in ("linux-cuda128", "macos-arm64", "linux-cuda130-aarch64")]


def best(argv: list[str], repeats: int) -> float:
    env = {**os.environ, "PYTHONPATH": ROOT}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "markerc", *argv], env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(proc.stderr.decode()[-2000:])
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    if not os.path.isdir(CORPUS):
        raise SystemExit(f"the corpus is absent: {CORPUS}")
    with tempfile.TemporaryDirectory() as tmp:
        new = os.path.join(tmp, "hub")
        shutil.copytree(CORPUS, new)
        path = os.path.join(new, "llm_family.json")
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        next(m for m in doc if m["model_name"] == "qwen3")["virtualenv"]["packages"].append(
            'flash-attn>=2.8 ; #engine# == "vllm" and sys_platform == "linux"'
        )
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, ensure_ascii=False)
        hubs = sorted(os.path.join(CORPUS, n) for n in os.listdir(CORPUS) if n.endswith(".json"))
        t1 = ["--target", TARGETS[0]]
        t3 = [a for t in TARGETS for a in ("--target", t)]
        rows = [
            ("compile whole hub, 1 target, --format json (source object)", ["compile", *hubs, "--engine", "all", *t1, "--format", "json", "-o", os.path.join(tmp, "a.json")]),
            ("compile whole hub, 1 target, --format json --annotate none", ["compile", *hubs, "--engine", "all", *t1, "--format", "json", "--annotate", "none", "-o", os.path.join(tmp, "b.json")]),
            ("diff hub folder vs changed copy, 1 target", ["diff", CORPUS, new, *t1]),
            ("diff hub folder vs changed copy, 3 targets", ["diff", CORPUS, new, *t3]),
            ("report hub folder, 3 targets, HTML", ["report", CORPUS, *t3, "-o", os.path.join(tmp, "r.html")]),
        ]
        print(f"{'what':<64} {'best s':>7}")
        for label, argv in rows:
            print(f"{label:<64} {best(argv, args.repeats):>7.2f}")
        print(f"report size: {os.path.getsize(os.path.join(tmp, 'r.html')) / 1024:.0f} KiB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
