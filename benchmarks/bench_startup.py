"""Start-up budget of the pre-commit hook: one-model ``markerc check`` at most 5x a bare
``python -c pass`` of the same interpreter (issue 13), measured side by side in one run.

    python benchmarks/bench_startup.py [--python VENV/bin/python] [--rounds 21]

Without ``--python`` the benchmark builds a fresh virtual environment in a temporary folder and
installs this checkout into it with ``pip install .`` (not editable, byte-compiled: what
pre-commit's hook environment holds), so the figures include neither an editable finder nor
uncompiled sources.  Each round runs the three commands once, alternating, so a load that comes
and goes hits them alike: ``python -c pass``, ``markerc --version`` and ``markerc check`` of a
one-model hub (the first model of ``fixtures/models.json``).  Reported per command: the median
and the min-max of the wall-clock times, the median CPU time (user + system of the child), and
each median over bare python's.  ``--instructions`` adds each command's instruction count under
``valgrind --tool=callgrind`` (one run each; the same count whatever the machine's load, so a
before/after comparison on a busy machine; it weighs interpreted Python more than the kernel work
of starting a process, so its ratios run higher than the wall-clock ones).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _venv(tmp: str) -> str:
    """A fresh venv with this checkout installed as pre-commit installs a hook's repository."""
    venv = os.path.join(tmp, "venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = os.path.join(venv, "bin", "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", ROOT], check=True)
    return python


def _env() -> dict[str, str]:
    # As an installed package runs: byte code is written by pip and read back.  This machine may
    # set PYTHONDONTWRITEBYTECODE; drop it so the interpreter reads the byte code pip compiled.
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed ({proc.returncode}):\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(python: str, rounds: int, hub: str) -> list[tuple[str, list[float], list[float]]]:
    script = os.path.join(os.path.dirname(python), "markerc")
    markerc = [script] if os.path.exists(script) else [python, "-m", "markerc"]
    commands = [
        ("python -c pass", [python, "-c", "pass"]),
        ("markerc --version", [*markerc, "--version"]),
        ("markerc check (one model)", [*markerc, "check", hub]),
    ]
    env = _env()
    for _, argv in commands:  # warm-up: file cache, byte code
        _run(argv, env)
    walls: dict[str, list[float]] = {name: [] for name, _ in commands}
    cpus: dict[str, list[float]] = {name: [] for name, _ in commands}
    for _ in range(rounds):
        for name, argv in commands:
            wall, cpu = _run(argv, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return [(name, walls[name], cpus[name]) for name, _ in commands]


def instructions(argv: list[str], env: dict[str, str]) -> int | None:
    """Instructions executed by ``argv`` (callgrind's ``Collected``), None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    proc = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
                          capture_output=True, text=True, env=env, check=False)
    m = re.search(r"Collected : ([\d,]+)", proc.stderr)
    return int(m.group(1).replace(",", "")) if m else None


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--python", help="interpreter of a venv with markerc installed (default: build one)")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--instructions", action="store_true", help="also count instructions (valgrind)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="markerc-startup-") as tmp:
        python = args.python or _venv(tmp)
        hub = os.path.join(tmp, "llm_family.json")
        with open(os.path.join(ROOT, "fixtures", "models.json"), encoding="utf-8") as fh:
            first = json.load(fh)[:1]
        with open(hub, "w", encoding="utf-8") as fh:
            json.dump(first, fh, indent=2)
        rows = measure(python, args.rounds, hub)
        counts: list[int | None] = []
        if args.instructions:
            script = os.path.join(os.path.dirname(python), "markerc")
            markerc = [script] if os.path.exists(script) else [python, "-m", "markerc"]
            for argv in ([python, "-c", "pass"], [*markerc, "--version"], [*markerc, "check", hub]):
                counts.append(instructions(argv, _env()))
    base_wall = statistics.median(rows[0][1])
    base_cpu = statistics.median(rows[0][2])
    print(f"interpreter: {python}; {args.rounds} alternating rounds")
    print(f"{'command':<27} {'median s':>9} {'min-max s':>13} {'x bare':>7} {'cpu s':>7} {'cpu x':>6}")
    for name, walls, cpus in rows:
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(f"{name:<27} {wall:>9.4f} {min(walls):>6.3f}-{max(walls):<6.3f} {wall / base_wall:>7.2f}"
              f" {cpu:>7.4f} {cpu / base_cpu:>6.2f}")
    if counts and counts[0]:
        print(f"{'instructions (callgrind)':<27} " + "  ".join(
            f"{name.split(' (')[0]}: {n / 1e6:.0f} M ({n / counts[0]:.1f}x)"
            for (name, _, _), n in zip(rows, counts) if n))
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
