"""Lock benchmarks.

1. ``bench_local``: a resolution run against a local wheel folder, comparing markerc's
   ``run_lock`` (deduplicated, parallel) with one ``uv pip compile`` per case, in one run.
   Needs no front end: the compiled sets are synthesised.
2. ``plan_real_hub``: ``--plan`` timing (compile + plan, no resolution) over the real Xinference hub
   for three targets, given a callable producing compiled sets.  Without one, it uses
   ``markerc.compiler.compile.compile_hub_files`` when that module exists, else prints
   "skipped: compiler not available".
3. ``check_real_hub``: ``markerc lock <6 hub files> --engine all --target <3 shipped profiles>
   --check`` as a whole process (the console entry, start-up included), against a lock folder
   whose every case is current.  The folder is written first by ``run_lock`` with a stand-in
   resolver that returns a small valid pylock file per job (no network), under the real uv's
   fingerprint, so ``--check`` has to read, digest and compare every lock and resolves nothing.

Run: ``PYTHONPATH=. python benchmarks/bench_lock.py [--cases 60] [--jobs 2] [--repeats 3]``.
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

from markerc.backends import lock, uvtool  # noqa: E402
from markerc.diagnostics import MarkercError  # noqa: E402
from markerc.compiler.result import CompiledSet, IndexOptions, Line, Origin  # noqa: E402
from tests.wheelhouse import WheelSpec, build_wheelhouse  # noqa: E402

#: Four distinct requirement sets (one per engine), shared by every synthetic model.
REQUIREMENT_SETS: dict[str, tuple[str, ...]] = {
    "vllm": ("alpha<2", "pkg-03>=1", "pkg-07"),
    "sglang": ("alpha>=2", "pkg-11", "pkg-05<3"),
    "llama.cpp": ("gamma", "delta", "pkg-01"),
    "transformers": ("pkg-09", "pkg-13", "beta<2"),
}
HUB_GLOB = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "xinference", "*.json")
#: Target profiles for plan_real_hub and check_real_hub: three shipped profiles.
DEFAULT_TARGETS: tuple[str | None, ...] = ("linux-cuda128", "linux-cuda130-aarch64", "macos-arm64")


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


def one_uv_call_per_case(sets: Sequence[CompiledSet], out_dir: str, settings: lock.Settings) -> int:
    """The baseline: a plain loop, one ``uv pip compile`` per case, same flags as markerc."""
    uv = uvtool.uv_bin()
    for cs in sets:
        job = lock.plan([cs], settings=settings).jobs[0]
        with tempfile.TemporaryDirectory() as tmp:
            for name, text in job.request.files:
                with open(os.path.join(tmp, name), "w", encoding="utf-8") as fh:
                    fh.write(text)
            argv = [uv, *job.request.args, "--python", sys.executable]
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
        settings = lock.resolver_settings()
        # warm uv's cache once so neither side pays for the first unzip
        lock.run_lock(lock.plan(sets[:4], settings=settings), os.path.join(tmp, "warm"), cache_dir=None)

        t0 = time.perf_counter()
        n = one_uv_call_per_case(sets, os.path.join(tmp, "baseline"), settings)
        rows.append(("uv pip compile per case (loop)", cases, n, time.perf_counter() - t0))

        t0 = time.perf_counter()
        plan = lock.plan(sets, settings=settings)
        report = lock.run_lock(plan, os.path.join(tmp, "markerc"), cache_dir=None, jobs=jobs)
        rows.append((f"markerc run_lock (dedup, jobs={jobs})", plan.cases, report.resolutions,
                     time.perf_counter() - t0))  # fmt: skip

        t0 = time.perf_counter()
        report = lock.run_lock(plan, os.path.join(tmp, "markerc"), cache_dir=None, jobs=jobs, check=True)
        assert report.up_to_date
        rows.append(("markerc run_lock --check (cached)", plan.cases, report.resolutions,
                     time.perf_counter() - t0))  # fmt: skip
    return rows


# --------------------------------------------------------------------------- real hub (--plan)

SetsFor = Callable[[Sequence[str], "str | None"], Sequence[CompiledSet]]


def _default_compiler() -> SetsFor | None:
    try:
        from markerc.compiler.compile import compile_hub_files  # type: ignore[attr-defined]
    except ImportError:
        return None

    from markerc.compiler.targets import load_target

    def sets_for(paths: Sequence[str], target: str | None) -> Sequence[CompiledSet]:  # noqa: D401
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
            plan = lock.plan(make_sets(paths, target), fmt=fmt, settings=lock.Settings("uv (plan only)"))
        except MarkercError as exc:
            print(f"plan_real_hub: target {target or 'universal'}: {exc.code} {exc.message.splitlines()[0]}")
            continue
        rows.append((os.path.basename(target or "universal"), plan.cases, len(plan.jobs), plan.saved(), time.perf_counter() - t0))
    print(f"\n--plan over {len(paths)} hub files ({fmt})")
    print(f"{'target':<28} {'cases':>6} {'resolutions':>12} {'saved':>6} {'seconds':>8}")
    for target, cases, jobs, saved, secs in rows:
        print(f"{target:<28} {cases:>6} {jobs:>12} {saved:>6} {secs:>8.3f}")
    return rows


# --------------------------------------------------------------------------- real hub (--check)


def _stand_in_resolver(argv, *, cwd=None, env=None):  # type: ignore[no-untyped-def]
    """A resolver that writes a small valid pylock (one package) where uv would write its lock."""
    out = argv[argv.index("-o") + 1]
    body = ('lock-version = "1.0"\ncreated-by = "uv"\nrequires-python = ">=3.10"\n\n[[packages]]\n'
            'name = "stand-in"\nversion = "1.0"\n'
            'wheels = [{ url = "https://example.invalid/stand_in-1.0-py3-none-any.whl", hashes = { sha256 = "00" } }]\n')  # fmt: skip
    with open(os.path.join(cwd, out), "w", encoding="utf-8") as fh:
        fh.write(body)
    return uvtool.ProcResult(tuple(argv), 0, "", "")


def check_real_hub(targets: Sequence[str] = tuple(t for t in DEFAULT_TARGETS if t), repeats: int = 3) -> list[tuple[str, float]] | None:
    """Best-of-N wall time of ``markerc lock <hub> --engine all --target ... --check`` over a
    lock folder where every case is current; asserts that it resolves nothing and exits 0."""
    import subprocess

    from markerc.backends import matrix
    from markerc.compiler.compile import Options, load_hubs
    from markerc.compiler.engines import load_engines
    from markerc.compiler.targets import load_target

    paths = sorted(glob.glob(HUB_GLOB))
    if not paths:
        print(f"check_real_hub: skipped: no hub files at {HUB_GLOB}")
        return None
    with tempfile.TemporaryDirectory(prefix="markerc-bench-check-") as tmp:
        out = os.path.join(tmp, "locks")
        grid = matrix.build_matrix(load_hubs(paths), engines=load_engines(), engine_spec=["all"], model=None,
                                   targets=[load_target(t) for t in targets], options=Options())  # fmt: skip
        plan = lock.plan(grid.sets, targets=grid.targets, settings=lock.resolver_settings(), outcomes=grid.outcomes,
                         target_names=grid.target_names)  # fmt: skip
        t0 = time.perf_counter()
        written = lock.run_lock(plan, out, runner=_stand_in_resolver, jobs=1)
        fill = time.perf_counter() - t0
        argv = [sys.executable, "-m", "markerc", "lock", *paths, "--engine", "all", "--out", out, "--check"]
        for t in targets:
            argv += ["--target", t]
        env = {**os.environ, "PYTHONPATH": ROOT}
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            done = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True, check=False)
            best = min(best, time.perf_counter() - t0)
            if done.returncode != 0 or "0 resolution(s) run" not in done.stderr:
                raise SystemExit(f"--check did not pass cleanly:\n{done.stderr[-2000:]}")
        print(f"\n--check over {len(paths)} hub files x {len(targets)} targets: {plan.cases} cases, "
              f"{len(plan.jobs)} distinct resolutions, {len(written.written)} lock files")
        print(f"  writing the folder with a stand-in resolver: {fill:.2f} s (not part of the figure)")
        print(f"  markerc lock ... --check, whole process, best of {repeats}: {best:.2f} s (0 resolutions)")
        return [("check", best)]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
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
    check_real_hub(repeats=args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
