"""`markerc check` start-up, the pre-commit case: a one-model file and the whole real hub,
against a bare ``python -c pass`` of the same interpreter (the issue's budget: at most 8x).

    python benchmarks/bench_check.py [--python PATH] [--repeats 15]

``--python`` names the interpreter to measure (default: this one); for the pre-commit case give
the interpreter of a virtual environment where markerc was installed with ``pip install .``
(pip byte-compiles it, as pre-commit's own environment does).  Each figure is the best (and the
median) of N wall-clock runs of a subprocess.
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


#: As an installed package runs: byte-compiled.  This machine sets PYTHONDONTWRITEBYTECODE, so
#: the byte code goes to a private cache (PYTHONPYCACHEPREFIX) filled by a first, untimed run.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="markerc-pycache-")


def timed(argv: list[str], repeats: int) -> tuple[float, float]:
    subprocess.run(argv, capture_output=True, env=ENV)  # warm-up: writes the byte code
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, env=ENV)
        runs.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{argv} failed ({proc.returncode}):\n{proc.stderr}")
    return min(runs), statistics.median(runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()

    # pre-commit runs the `markerc` console script of the hook's environment; use it when the
    # interpreter has one beside it, else `python -m markerc`
    script = os.path.join(os.path.dirname(args.python), "markerc")
    script = script if os.path.exists(script) else ""
    markerc = [script] if script else [args.python, "-m", "markerc"]
    with tempfile.TemporaryDirectory() as tmp:
        one = os.path.join(tmp, "llm_family.json")
        with open(os.path.join(ROOT, "fixtures", "models.json"), encoding="utf-8") as fh:
            json.dump(json.load(fh)[:1], open(one, "w", encoding="utf-8"), indent=2)
        env_note = "byte-compiled"
        rows = [("python -c pass", timed([args.python, "-c", "pass"], args.repeats))]
        rows.append(("markerc --version", timed([*markerc, "--version"], args.repeats)))
        rows.append(("markerc check (one model)", timed([*markerc, "check", one], args.repeats)))
        hub = sorted(glob.glob(os.path.join(CORPUS, "*.json")))
        if hub:
            rows.append(("markerc check (whole real hub)", timed([*markerc, "check", *hub], max(3, args.repeats // 3))))
    base = rows[0][1][0]
    if script:
        print(f"markerc commands run as the console script {script} (what pre-commit runs)")
    print(f"interpreter: {args.python}  ({env_note}); best and median of {args.repeats} runs")
    print(f"{'command':<32} {'best s':>8} {'median s':>9} {'x bare':>7}")
    for name, (best, median) in rows:
        print(f"{name:<32} {best:>8.3f} {median:>9.3f} {best / base:>7.1f}")
    if not hub:
        print(f"(whole-hub figure skipped: no corpus at {CORPUS})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
