"""``markerc check`` (lint hub files: the pre-commit hook) and ``markerc schema`` (the JSON
Schema of the model-hub format).  Start-up matters here: nothing heavy at import time."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from markerc.cli import inputs
from markerc.cli.arguments import add_switches
from markerc.cli.output import err


def check_arguments(k: argparse.ArgumentParser) -> None:
    k.add_argument("files", nargs="+", metavar="FILE")
    o = k.add_argument_group("output")
    o.add_argument(
        "--output-format",
        choices=["full", "concise", "json", "github"],
        help="full (default: with the entry and a caret), concise (one line each), json, github",
    )
    o.add_argument(
        "--format",
        choices=["text", "json", "github"],
        help="alias of --output-format (text = full)",
    )
    o.add_argument(
        "--statistics",
        action="store_true",
        help="print the count of each code instead of the diagnostics",
    )
    o.add_argument("-q", "--quiet", action="store_true", help="print the diagnostics, no summary")
    o.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour on a terminal (auto: when stdout is one and NO_COLOR is unset)",
    )
    r = k.add_argument_group(
        "rule selection (codes, prefixes such as MK3, or ALL; comma-separated)"
    )
    r.add_argument(
        "--select",
        action="append",
        default=None,
        metavar="CODES",
        help="the rules to run, instead of the defaults and the configuration's select",
    )
    r.add_argument(
        "--extend-select", action="append", default=[], metavar="CODES", help="rules to run as well"
    )
    r.add_argument(
        "--ignore", action="append", default=[], metavar="CODES", help="rules not to run"
    )
    r.add_argument(
        "--per-file-ignores",
        action="append",
        default=[],
        metavar="PATTERN:CODES",
        help="rules not to run on files matching PATTERN (repeatable)",
    )
    r.add_argument(
        "--config",
        metavar="FILE",
        help="read [tool.markerc.check] (pyproject.toml) or [check] (markerc.toml) from FILE "
        "instead of the nearest one above each checked file",
    )
    r.add_argument("--isolated", action="store_true", help="read no configuration file")
    add_switches(
        k,
        strict="warnings fail too",
        fix="rewrite what the selected rules flag and have one right spelling for, then check",
        fix_symlinks="with --fix, rewrite the file a symlinked hub file points to (refused by "
        "default: MK624)",
    )
    k.add_argument("--engines", dest="engine_files", action="append", default=[], metavar="FILE")


def _color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def cmd_check(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from markerc.lint.check import check_paths
    from markerc.lint.config import Resolver, cli_layer
    from markerc.lint.formats import render_diagnostics

    fmt = args.output_format or {"text": "full"}.get(args.format, args.format) or "full"
    layer = cli_layer(select=args.select, extend_select=args.extend_select, ignore=args.ignore,
                      per_file_ignores=args.per_file_ignores)  # fmt: skip
    rules = Resolver(layer, config=args.config, isolated=args.isolated)
    engines = inputs.engine_table(args)
    if args.fix:
        from markerc.lint.fix import fix_paths

        fixed = fix_paths(
            args.files, engines=engines, rules=rules, follow_symlinks=args.fix_symlinks
        )
        for line in fixed.changes:
            err(line)
    result = check_paths(args.files, engines=engines, strict=args.strict, rules=rules)
    text = render_diagnostics(
        result.diagnostics,
        fmt,
        fixable=[f.fixable for f in result.findings],
        color=fmt in ("full", "concise") and _color(args.color),
        quiet=args.quiet,
        stats=args.statistics,
    )
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return result.exit_code


def cmd_schema(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from markerc.compiler.schema import schema_text

    sys.stdout.write(schema_text())
    return 0
