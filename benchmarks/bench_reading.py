"""The hub reader is linear in file size, one-line and multi-line alike (issue 9).

```
python benchmarks/bench_reading.py [--models 5000,20000,80000] [--repeats 3] [--check]
```

Builds hubs of N models from the real corpus (each model keeps its ``virtualenv`` block and its
first model spec, names made unique), written one-line (``json.dumps``) and multi-line
(``indent=2``) into a temp folder, then prints per size and layout: the file size, the best of
``--repeats`` ``load_hub`` times (strict reading included: duplicate keys, limits, escapes,
nesting), the time per MB, and the peak resident memory of a fresh interpreter that loads it once.
``--check`` also times ``markerc check`` on each file (a fresh process; best of ``--repeats``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "xinference")
sys.path.insert(0, ROOT)


def models() -> list[dict[str, object]]:
    path = os.path.join(CORPUS, "llm_family.json")
    if not os.path.isfile(path):
        sys.exit(f"bench_reading: the corpus is absent ({path})")
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    out = []
    for m in doc:
        m = dict(m)
        specs = m.get("model_specs")
        if isinstance(specs, list):
            m["model_specs"] = specs[:1]
        out.append(m)
    return out


def build(base: list[dict[str, object]], n: int) -> list[dict[str, object]]:
    out = []
    for i in range(n):
        m = dict(base[i % len(base)])
        m["model_name"] = f"{m.get('model_name')}-{i}"
        out.append(m)
    return out


_PEAK = """
import resource, sys, time
sys.path.insert(0, {root!r})
from markerc.compiler.hub import load_hub
t = time.perf_counter(); h = load_hub({path!r}); t = time.perf_counter() - t
print(len(h.records), t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="5000,20000,80000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    from markerc.compiler.hub import load_hub

    base = models()
    print(f"{'models':>7} {'layout':>10} {'MB':>7} {'load s':>8} {'s/MB':>7} {'peak MB':>8}"
          + (f" {'check s':>8}" if args.check else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.models.split(",")):
            doc = build(base, n)
            for layout, indent in (("one-line", None), ("multi-line", 2)):
                path = os.path.join(tmp, f"hub-{n}-{layout}.json")
                with open(path, "w", encoding="utf-8") as fh:
                    json.dump(doc, fh, indent=indent)
                size = os.path.getsize(path) / 1e6
                best = min(_time(load_hub, path) for _ in range(args.repeats))
                probe = subprocess.run([sys.executable, "-c", _PEAK.format(root=ROOT, path=path)],
                                       capture_output=True, text=True, check=True)  # fmt: skip
                peak = int(probe.stdout.split()[2]) / 1024
                line = f"{n:>7} {layout:>10} {size:>7.1f} {best:>8.2f} {best / size:>7.3f} {peak:>8.0f}"
                if args.check:
                    env = dict(os.environ, PYTHONPATH=ROOT)
                    times = []
                    for _ in range(args.repeats):
                        started = time.perf_counter()
                        subprocess.run([sys.executable, "-m", "markerc", "check", "--isolated", path],
                                       capture_output=True, env=env, check=False)  # fmt: skip
                        times.append(time.perf_counter() - started)
                    line += f" {min(times):>8.2f}"
                print(line, flush=True)
                os.unlink(path)


def _time(fn: object, path: str) -> float:
    started = time.perf_counter()
    fn(path)  # type: ignore[operator]
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
