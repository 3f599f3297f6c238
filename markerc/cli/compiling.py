"""``markerc compile`` (requirements or JSON) and ``markerc explain`` (every input entry of one
model and engine with its verdict)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from markerc.cli import inputs
from markerc.cli.arguments import add_compile_options
from markerc.cli.output import err

if TYPE_CHECKING:
    from markerc.compiler.result import CompiledSet


def compile_arguments(c: argparse.ArgumentParser) -> None:
    c.add_argument("hubs", nargs="+", metavar="HUB")
    add_compile_options(c)
    c.add_argument("--format", choices=["requirements", "json"], default="requirements")
    c.add_argument(
        "--annotate",
        choices=["none", "source", "location"],
        default="source",
        help="what each requirement's comment (and the JSON 'source') names: its entry by place and "
        "text (source, the default: stable under unrelated edits), that plus the file position "
        "(location), or nothing (none)",
    )
    c.add_argument(
        "-o",
        "--output",
        metavar="FILE|DIR",
        help="write to FILE, or one file per model and engine into DIR (a path ending in / or an existing directory)",
    )


def explain_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("hubs", nargs=1, metavar="HUB")
    add_compile_options(e)
    e.add_argument("--format", choices=["table", "json"], default="table")


def _command_text(argv: Sequence[str]) -> str:
    import shlex

    return "markerc " + shlex.join(argv)


def cmd_compile(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from markerc.compiler.emit import directory_outputs, json_chunks, json_text, requirements_text
    from markerc.diagnostics import MarkercError
    from markerc.files import write_all

    out = args.output
    to_dir = out is not None and (out.endswith(("/", os.sep)) or os.path.isdir(out))
    if args.format == "json" and out and not to_dir:
        # streamed: each set is written to the staged file as it is compiled, and dropped
        count = 0

        def streamed() -> Iterator[CompiledSet]:
            nonlocal count
            for c in inputs.stream(args, [args.target], verdicts=False):
                count += 1
                yield c.compiled

        write_all({out: json_chunks(streamed(), annotate=args.annotate)})
        if not count:
            err("markerc: warning: nothing to compile (no record matches that model and engine)")
        return 0
    compiled = inputs.compiled(args, [args.target], verdicts=False)  # outputs never show them
    sets = [c.compiled for c in compiled]
    if not sets:
        err("markerc: warning: nothing to compile (no record matches that model and engine)")
    command = _command_text(argv)
    if args.format == "json":
        text = json_text(sets, annotate=args.annotate)
        files = {out: text} if out else None
    elif to_dir:
        try:
            files = directory_outputs(sets, command, annotate=args.annotate)
        except ValueError as clash:
            raise MarkercError(
                "MK507", f"two hub files give {clash}: compile them separately"
            ) from None
        write_all(files, out)
        return 0
    else:
        if out and len(sets) > 1:
            raise MarkercError(
                "MK507",
                f"{len(sets)} (model, engine) results do not fit one requirements file: "
                "pick --model and --engine, or give -o a directory",
            )
        text = "".join(requirements_text(cs, command, annotate=args.annotate) for cs in sets)
        files = {out: text} if out else None
    if files:
        write_all(files)
    else:
        sys.stdout.write(text)
    return 0


def cmd_explain(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from markerc.compiler.emit import explain_json, explain_table
    from markerc.diagnostics import MarkercError
    from markerc.safety import printable

    if inputs.model(args) is None or not inputs.one_engine(args):
        raise MarkercError("MK507", "explain needs one --model NAME and one --engine ENGINE")
    compiled = inputs.compiled(args, [args.target])
    if not compiled:
        raise MarkercError("MK204", f"model {args.model!r} has no record for engine {args.engine}")
    for c in compiled:
        if args.format == "json":
            sys.stdout.write(explain_json(c.compiled, c.verdicts))
        else:
            cs = c.compiled
            sys.stdout.write(printable(f"{cs.file}: model {cs.model}, engine {cs.engine}") + "\n")
            sys.stdout.write(explain_table(c.verdicts))
            sys.stdout.write("\nrequirements:\n")
            sys.stdout.write("".join(f"  {r}\n" for r in cs.requirements) or "  (none)\n")
    return 0
