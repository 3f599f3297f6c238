"""``markerc diff OLD NEW`` (what a hub change does to each model x engine x target, no
resolution) and ``markerc report`` (the matrix as HTML, Markdown or JSON)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from markerc.cli import inputs
from markerc.cli.arguments import add_compile_options, add_review_options
from markerc.cli.output import emit, err, print_errors

if TYPE_CHECKING:
    from markerc.compiler.compile import Options
    from markerc.compiler.engines import EngineTable
    from markerc.review.sources import CellKey, LockCase, Side


def diff_arguments(d: argparse.ArgumentParser) -> None:
    d.add_argument("old", metavar="OLD", help="hub file, folder of hub files, or REV:PATH (git)")
    d.add_argument("new", metavar="NEW", help="hub file, folder of hub files, or REV:PATH (git)")
    add_compile_options(d, many_targets=True, engine_default="all")
    add_review_options(d)
    d.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    d.add_argument("--exit-code", action="store_true", help="exit 1 when anything changed")
    d.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )


def report_arguments(rp: argparse.ArgumentParser) -> None:
    rp.add_argument(
        "hubs", nargs="+", metavar="HUB", help="hub file, folder of hub files, or REV:PATH (git)"
    )
    add_compile_options(rp, many_targets=True, engine_default="all")
    add_review_options(rp)
    rp.add_argument(
        "--lock-report", metavar="FILE", help="the JSON of the last 'markerc lock --report FILE'"
    )
    rp.add_argument("--format", choices=["html", "markdown", "json"], default="html")
    rp.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )


_T = TypeVar("_T")


def _emit_as(args: argparse.Namespace, value: _T, **renderers: Callable[[_T], str]) -> None:
    """Write ``value`` rendered by ``renderers[args.format]`` to ``args.output``."""
    emit(renderers[args.format](value), args.output)


def _review_inputs(
    args: argparse.Namespace, specs: Sequence[str]
) -> tuple[EngineTable, list[Side], list[Options]]:
    """Engines, the sides read from ``specs``, and one compile ``Options`` per target."""
    from markerc.review import sources

    engines = inputs.engine_table(args)
    sides = [sources.read_side(spec) for spec in specs]
    sources.check_model_selected(sides, inputs.model(args))
    options = [
        inputs.compile_options(args, inputs.target(args, spec)) for spec in (args.target or [None])
    ]
    sources.unique_targets([o.target.name for o in options])
    sources.check_locks_dir(args.locks)
    return engines, sides, options


def cmd_diff(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from markerc.review import diff, diff_render, sources

    engines, (old, new), options = _review_inputs(args, [args.old, args.new])
    spec, model = inputs.engine_names(args), inputs.model(args)
    old_cells = sources.compile_cells(old.entries, engines=engines, engine_spec=spec, model=model,
                                      options=options)  # fmt: skip
    new_cells = sources.compile_cells(new.entries, engines=engines, engine_spec=spec, model=model,
                                      options=options)  # fmt: skip
    result = diff.diff_cells(
        old,
        new,
        old_cells,
        new_cells,
        targets=[o.target.name for o in options],
        engines=sources.ordered_engines([*old_cells, *new_cells], engines.names()),
        locks_dir=args.locks,
        lock_format=args.lock_format or "pylock",
        model=model,
    )
    _emit_as(args, result, text=diff_render.text, json=diff_render.json_text,
             markdown=diff_render.markdown)  # fmt: skip
    if result.errors:
        print_errors(result.errors)
        return 2
    return 1 if args.exit_code and result.changed else 0


def cmd_report(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from markerc.review import report, report_render, sources

    engines, sides, options = _review_inputs(args, args.hubs)
    entries = sources.entries_of(sides)
    recorded: str | None = None
    cases: dict[CellKey, LockCase] = {}
    if args.lock_report:
        recorded, cases = sources.read_lock_report(args.lock_report)
    lock_format = sources.lock_format_of(args.lock_format, recorded, args.lock_report)
    cells = sources.compile_cells(entries, engines=engines, engine_spec=inputs.engine_names(args),
                                  model=inputs.model(args), options=options)  # fmt: skip
    matrix = report.build_matrix(
        cells,
        hubs=[e.hub.path for e in entries],
        engines=sources.ordered_engines(cells, engines.names()),
        targets=[o.target.name for o in options],
        locks_dir=args.locks,
        lock_report=args.lock_report,
        lock_cases=cases,
        lock_format=lock_format,
        models=sources.model_rows(entries, inputs.model(args)),
    )
    _emit_as(args, matrix, html=report_render.html, json=report_render.json_text,
             markdown=report_render.markdown)  # fmt: skip
    if args.output:
        err(report_render.text_summary(matrix))
    return 0
