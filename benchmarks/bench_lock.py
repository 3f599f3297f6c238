"""Lock benchmarks.

1. ``bench_local``: a resolution run against a local wheel folder, comparing markerc's
   ``run_lock`` (deduplicated, parallel) with one ``uv pip compile`` per case, in one run.
   Needs no front end: the compiled sets are synthesised.
2. ``plan_real_hub``: ``--plan`` timing (compile + plan, no resolution) over the real Xinference hub
   for three targets, given a callable producing compiled sets.  Without one, it uses
   ``markerc.compile.compile_hub_files`` when that module exists, else prints
   "skipped: compiler not available".

Run: ``PYTHONPATH=. python benchmarks/bench_lock.py [--cases 60] [--jobs 2]``.
Fully offline (``--no-index --find-links``; uv's cache in a temp dir, ``UV_OFFLINE=1``).
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from markerc import lock, uvtool  # noqa: E402
from markerc.diagnostics import MarkercError  # noqa: E402
from markerc.result import CompiledSet, IndexOptions, Line, Origin  # noqa: E402
from tests.wheelhouse import WheelSpec, build_wheelhouse  # noqa: E402

COMMAND = "markerc lock bench.json --engine all"
#: Four distinct requirement sets (one per engine), shared by every synthetic model.
REQUIREMENT_SETS: dict[str, tuple[str, ...]] = {
    "vllm": ("alpha<2", "pkg-03>=1", "pkg-07"),
    "sglang": ("alpha>=2", "pkg-11", "pkg-05<3"),
    "llama.cpp": ("gamma", "delta", "pkg-01"),
    "transformers": ("pkg-09", "pkg-13", "beta<2"),
}
HUB_GLOB = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "xinference", "*.json")
#: Target profiles for plan_real_hub: the three shipped fixture profiles.
DEFAULT_TARGETS: tuple[str | None, ...] = tuple(
    os.path.join(ROOT, "fixtures", "targets", f"{name}.toml")
    for name in ("linux-cuda128", "linux-cuda130-aarch64", "macos-arm64")
)


def bench_wheels() -> list[WheelSpec]:
    """The test wheelhouse plus 16 packages with a few versions and a dependency chain each."""
    from tests.wheelhouse import DEFAULT_SPECS

    specs = list(DEFAULT_SPECS)
    for i in range(16):
        dep = (f"pkg-{(i + 1) % 16:02d}>=1",) if i % 3 == 0 else ()
        for v in ("1.0", "2.0", "3.0"):
            specs.append(WheelSpec(f"pkg-{i:02d}", v, dep))
    return specs


def synthetic_sets(wheelhouse: str, cases: int) -> list[CompiledSet]:
    opts = IndexOptions(no_index=True, find_links=(wheelhouse,))
    engines = list(REQUIREMENT_SETS)
    out = []
    for i in range(cases):
        engine = engines[i % len(engines)]
        lines = tuple(Line(r, None, (Origin("model", r),)) for r in REQUIREMENT_SETS[engine])
        out.append(CompiledSet("bench.json", f"model-{i // len(engines):03d}", engine, lines, opts))
    return out


def one_uv_call_per_case(sets: Sequence[CompiledSet], out_dir: str) -> int:
    """The baseline: a plain loop, one ``uv pip compile`` per case, same flags as markerc."""
    uv = uvtool.uv_bin()
    for cs in sets:
        job = lock.plan([cs]).jobs[0]
        with tempfile.TemporaryDirectory() as tmp:
            for name, text in job.request.files:
                with open(os.path.join(tmp, name), "w", encoding="utf-8") as fh:
                    fh.write(text)
            argv = [uv, *job.request.args, "--custom-compile-command", COMMAND, "--python", sys.executable]
            result = uvtool.run_process(argv, cwd=tmp)
            if result.returncode != 0:
                raise SystemExit(result.stderr)
            target = os.path.join(out_dir, job.outputs[0])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(os.path.join(tmp, job.request.reads[0]), target)
    return len(sets)


def bench_local(cases: int = 60, jobs: int = 2) -> list[tuple[str, int, int, float]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="markerc-bench-") as tmp:
        os.environ.update({"UV_CACHE_DIR": os.path.join(tmp, "uv-cache"), "UV_OFFLINE": "1"})
        for name in ("UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS"):
            os.environ.pop(name, None)
        wheelhouse = os.path.join(tmp, "wheels")
        build_wheelhouse(wheelhouse, bench_wheels())
        sets = synthetic_sets(wheelhouse, cases)
        # warm uv's cache once so neither side pays for the first unzip
        lock.run_lock(lock.plan(sets[:4]), os.path.join(tmp, "warm"), cache_dir=None, command_text=COMMAND)

        t0 = time.perf_counter()
        n = one_uv_call_per_case(sets, os.path.join(tmp, "baseline"))
        rows.append(("uv pip compile per case (loop)", cases, n, time.perf_counter() - t0))

        t0 = time.perf_counter()
        plan = lock.plan(sets)
        report = lock.run_lock(plan, os.path.join(tmp, "markerc"), cache_dir=None, jobs=jobs,
                               command_text=COMMAND)  # fmt: skip
        rows.append((f"markerc run_lock (dedup, jobs={jobs})", plan.cases, report.resolutions,
                     time.perf_counter() - t0))  # fmt: skip

        t0 = time.perf_counter()
        report = lock.run_lock(plan, os.path.join(tmp, "markerc"), cache_dir=None, jobs=jobs,
                               command_text=COMMAND, check=True)  # fmt: skip
        assert report.up_to_date
        rows.append(("markerc run_lock --check (cached)", plan.cases, report.resolutions,
                     time.perf_counter() - t0))  # fmt: skip
    return rows


# --------------------------------------------------------------------------- real hub (--plan)

SetsFor = Callable[[Sequence[str], "str | None"], Sequence[CompiledSet]]


def _default_compiler() -> SetsFor | None:
    try:
        from markerc.compile import compile_hub_files  # type: ignore[attr-defined]
    except ImportError:
        return None

    from markerc.targets import load_target

    def sets_for(paths: Sequence[str], target: str | None) -> Sequence[CompiledSet]:
        return compile_hub_files(paths, engines="all", targets=[load_target(target)] if target else [])

    return sets_for


def plan_real_hub(
    make_sets: SetsFor | None = None,
    *,
    paths: Sequence[str] | None = None,
    targets: Sequence[str | None] = DEFAULT_TARGETS,
    fmt: str = "pylock",
) -> list[tuple[str, int, int, int, float]] | None:
    """``lock --plan`` over the real hub: compile + plan per target, no resolution.

    ``make_sets(paths, target)`` produces the compiled sets (the compile layer provides it);
    returns rows ``(target, cases, resolutions, saved, seconds)``, or None when skipped.
    """
    make_sets = make_sets or _default_compiler()
    if make_sets is None:
        print("plan_real_hub: skipped: compiler not available")
        return None
    paths = list(paths) if paths is not None else sorted(glob.glob(HUB_GLOB))
    if not paths:
        print(f"plan_real_hub: skipped: no hub files at {HUB_GLOB}")
        return None
    rows = []
    for target in targets:
        t0 = time.perf_counter()
        try:
            plan = lock.plan(make_sets(paths, target), fmt=fmt)
        except MarkercError as exc:
            print(f"plan_real_hub: target {target or 'universal'}: {exc.code} {exc.message.splitlines()[0]}")
            continue
        rows.append((os.path.basename(target or "universal"), plan.cases, len(plan.jobs), plan.saved(), time.perf_counter() - t0))
    print(f"\n--plan over {len(paths)} hub files ({fmt})")
    print(f"{'target':<28} {'cases':>6} {'resolutions':>12} {'saved':>6} {'seconds':>8}")
    for target, cases, jobs, saved, secs in rows:
        print(f"{target:<28} {cases:>6} {jobs:>12} {saved:>6} {secs:>8.3f}")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--skip-local", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_local:
        rows = bench_local(args.cases, args.jobs)
        print(f"local wheel folder, {args.cases} cases over {len(REQUIREMENT_SETS)} distinct requirement sets")
        print(f"{'method':<40} {'cases':>6} {'uv runs':>8} {'seconds':>8}")
        for name, cases, runs, secs in rows:
            print(f"{name:<40} {cases:>6} {runs:>8} {secs:>8.2f}")
        base = rows[0][3]
        print(f"speed-up markerc vs loop: {base / rows[1][3]:.1f}x")
    plan_real_hub()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
