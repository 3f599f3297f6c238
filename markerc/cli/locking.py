"""``markerc lock``: resolve compiled sets into lock files with uv (or pip-compile), check them
(``--check``), plan (``--plan``), prune, and report (``--report``)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markerc.cli import inputs
from markerc.cli.arguments import add_compile_options, add_switches
from markerc.cli.output import Progress, err, print_warnings

if TYPE_CHECKING:
    from markerc.backends.lock import PruneScope
    from markerc.backends.matrix import Matrix, Outcome
    from markerc.compiler.targets import Target


def lock_arguments(lk: argparse.ArgumentParser) -> None:
    from markerc.backends.lock.jobs import RESOLVERS
    from markerc.backends.naming import FORMATS

    lk.add_argument("hubs", nargs="+", metavar="HUB")
    add_compile_options(lk, many_targets=True)
    lk.add_argument("--out", required=True, metavar="DIR")
    lk.add_argument("--format", choices=FORMATS, default="pylock")
    lk.add_argument("--resolver", choices=RESOLVERS, default="uv")
    lk.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing stale or missing locks"
    )
    lk.add_argument("--plan", action="store_true", help="print what would be resolved, run nothing")
    lk.add_argument(
        "--shard", metavar="I/N", help="only the I-th of N deterministic parts of the work"
    )
    lk.add_argument("--jobs", type=int, default=1, metavar="N", help="uv processes in parallel")
    lk.add_argument(
        "--cache-dir", metavar="DIR", help="resolution cache (default OUT/.markerc-cache)"
    )
    add_switches(
        lk,
        refresh="ignore the cache and existing locks",
        fail_on_change="exit 1 when any lock file was written (new or changed): the pre-commit hook",
    )
    lk.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="MODEL[:ENGINE[:TARGET]]",
        help="skip the pairs these shell patterns match (repeatable; also [tool.markerc.lock] exclude)",
    )
    lk.add_argument(
        "--prune",
        action="store_true",
        help="remove lock files (in the selection's targets) that no case writes any more",
    )
    lk.add_argument("--report", metavar="FILE", help="write every case and the summary as JSON")
    add_switches(
        lk,
        allow_build="let the resolver build sdists (runs their build backends); default: wheels only",
        skip_installed="lock over each target's base environment (its [system] table): what the "
        "base provides is recorded, not locked, and install --lock checks the base still provides it",
    )
    lk.add_argument(
        "--progress-every",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="off a terminal, one progress line at most this often (default 10)",
    )


def _lock_targets(args: argparse.Namespace) -> list[Target]:
    return [inputs.target(args, spec) for spec in (args.target or [None])]


def _prune_scope(args: argparse.Namespace, matrix: Matrix, fmt: str) -> PruneScope:
    from markerc.backends.lock import PruneScope

    return PruneScope.of_selection(fmt, matrix.target_names, args.hubs, inputs.model(args),
                                   inputs.engine_names(args))  # fmt: skip


def cmd_lock(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import json
    import time

    from markerc.backends import lock, matrix
    from markerc.compiler.compile import load_hubs
    from markerc.compiler.targets import Target

    started = time.perf_counter()
    engines = inputs.engine_table(args)
    hubs = load_hubs(args.hubs)
    exclusions = matrix.load_exclusions() + tuple(matrix.parse_exclusion(e) for e in args.exclude)
    grid = matrix.build_matrix(
        hubs, engines=engines, engine_spec=inputs.engine_names(args), model=inputs.model(args),
        targets=_lock_targets(args), options=inputs.compile_options(args, Target()), exclusions=exclusions, fmt=args.format,
        skip_installed=args.skip_installed,
    )  # fmt: skip
    print_warnings(
        [d for hub in hubs for d in hub.diagnostics if d.severity == "warning"]
        + list(grid.warnings)
    )
    shard = lock.parse_shard(args.shard) if args.shard else None
    settings = lock.resolver_settings(args.resolver, allow_build=args.allow_build)
    the_plan = lock.plan(grid.sets, fmt=args.format, resolver=args.resolver, shard=shard, targets=grid.targets,
                         settings=settings, outcomes=grid.outcomes, target_names=grid.target_names)  # fmt: skip
    if args.plan:
        sys.stdout.write(json.dumps(the_plan.as_json(), indent=2) + "\n")
        counts = matrix.totals(matrix.summary(the_plan.outcomes, the_plan.targets))
        err(
            f"{the_plan.cases} case(s), {len(the_plan.jobs)} resolution(s) "
            f"({the_plan.saved()} saved by deduplication); {counts['skipped']} pair(s) skipped, "
            f"{counts['excluded']} excluded, {counts['failed']} failed to compile"
        )
        return 0
    scope = _prune_scope(args, grid, args.format) if (args.prune or args.check) else None
    report = lock.run_lock(
        the_plan,
        args.out,
        cache_dir=args.cache_dir,
        jobs=max(1, args.jobs),
        check=args.check,
        progress=Progress(args.progress_every),
        refresh=args.refresh,
        prune=scope,
    )
    for error in grid.errors:
        err(str(error))
    for failure in report.failures:
        err(str(failure.error))
    _print_outcomes(args, report.outcomes)
    err(matrix.summary_table(report.outcomes, the_plan.targets, check=args.check).rstrip("\n"))
    wall = time.perf_counter() - started
    err(f"{report.resolutions} resolution(s) run, {report.cache_hits} answered from the cache or existing "
         f"locks; {wall:.1f} s ({report.resolver_seconds:.1f} s in the resolver)")  # fmt: skip
    if args.report:
        import resource

        from markerc.files import atomic_write

        own = resource.getrusage(resource.RUSAGE_SELF)
        extra = {"resolutions": report.resolutions, "cache_hits": report.cache_hits,
                 "seconds": round(wall, 3), "resolver_seconds": round(report.resolver_seconds, 3),
                 "markerc_cpu_seconds": round(own.ru_utime + own.ru_stime, 3)}  # fmt: skip
        doc = matrix.report_json(
            report.outcomes, fmt=args.format, targets=the_plan.targets, extra=extra
        )
        atomic_write(args.report, json.dumps(doc, indent=2) + "\n")
    if report.failed:
        return 2
    if args.check and not report.up_to_date:
        err(
            f"{len(report.stale)} stale and {len(report.missing)} missing lock file(s); run without --check"
        )
        return 1
    if args.fail_on_change and report.written:
        return 1
    return 0


def _print_outcomes(args: argparse.Namespace, outcomes: Sequence[Outcome]) -> None:
    """One line per stale / missing / pruned / regenerated lock; skips and exclusions grouped."""
    groups: dict[tuple[str, str, str | None], int] = {}
    for o in outcomes:
        path = os.path.join(args.out, o.output) if o.output else ""
        if o.status in ("stale", "missing"):
            err(f"{path}: {o.code} {o.status}: {o.reason}")
        elif o.status == "pruned":
            err(f"{path}: pruned ({o.reason})")
        elif o.status == "written" and args.fail_on_change:
            err(f"{path}: regenerated")
        elif o.status in ("skipped", "excluded"):
            reason = o.reason if o.status == "excluded" else (o.reason or "").split(";")[0]
            key = (
                f"{o.status} ({o.code})" if o.code else o.status,
                f"{o.engine} on {o.target or 'universal'}",
                reason,
            )
            groups[key] = groups.get(key, 0) + 1
    for (status, what, reason), n in groups.items():
        err(f"{status}: {n} pair(s) {what}: {reason}")
