"""The command line: parse arguments, call the library, print, choose the exit code.

Exit codes (SPEC 11): 0 success; 1 errors found by ``check`` (or stale locks with
``lock --check``); 2 usage errors, unreadable files and any input error in compile, explain,
lock, install and env; 3 an internal error (a bug: one line with the version, never a
traceback); 130 interrupted, 143 terminated.  Errors print ``path:line:col: CODE message``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, cast

from markerc import __version__


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors: exit 2 with a one-line reason
        self.print_usage(sys.stderr)
        sys.stderr.write(f"markerc: error: {message}\n")
        raise SystemExit(2)


def _compile_options(
    p: argparse.ArgumentParser, *, many_targets: bool = False, engine_default: str | None = None
) -> None:
    g = p.add_argument_group("compile options")
    if engine_default is None:
        g.add_argument(
            "--engine",
            required=True,
            help="ENGINE[,ENGINE...] or 'all' (the engines each model names)",
        )
    else:
        g.add_argument(
            "--engine",
            default=engine_default,
            help=f"ENGINE[,ENGINE...] or 'all' (the engines each model names; default {engine_default})",
        )
    g.add_argument("--model", help="model name, or 'all' (default: every model in the file)")
    if many_targets:
        g.add_argument(
            "--target", action="append", default=[], help="target profile NAME or FILE (repeatable)"
        )
    else:
        g.add_argument(
            "--target", help="target profile NAME (markerc.toml / pyproject.toml) or FILE"
        )
    g.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="bind a marker variable (has_cuda=false, cuda_version=12.8, sys_platform=linux, ...)",
    )
    g.add_argument(
        "--system",
        action="append",
        default=[],
        metavar="NAME=VERSION",
        help="version installed on the target, for #system_NAME# pins",
    )
    g.add_argument(
        "--system-python", metavar="PATH", help="read installed versions from this interpreter"
    )
    g.add_argument(
        "--system-missing",
        choices=["error", "unpinned"],
        default="error",
        help="a #system_X# pin the target lacks: error (default) or the bare name",
    )
    g.add_argument(
        "--keep-local-version", action="store_true", help="keep +local labels of system versions"
    )
    g.add_argument(
        "--no-torch-companion",
        action="store_true",
        help="do not add #system_torch# next to torchvision/torchaudio/torchcodec pins",
    )
    g.add_argument(
        "--model-format", metavar="FORMAT", help="model format (selects the engine's format extras)"
    )
    g.add_argument(
        "-p",
        "--package",
        "--virtual-env-package",
        dest="packages",
        action="append",
        default=[],
        metavar="SPEC",
        help="user requirement (highest precedence; repeatable, any entry kind; "
        "--virtual-env-package is Xinference's name for it)",
    )
    g.add_argument(
        "--engines",
        dest="engine_files",
        action="append",
        default=[],
        metavar="FILE",
        help="engine table (TOML) extending or replacing the built-in one",
    )
    la = p.add_argument_group("Xinference launch steps (docs/semantics.md, 'Launch steps')")
    la.add_argument(
        "--no-numpy-abi-pins",
        action="store_true",
        help="step 19: do not pin an engine's abi_pins (sentence_transformers: numpy, scipy, "
        "scikit-learn, pandas) to the target's installed versions",
    )
    la.add_argument(
        "--no-torch-local-index",
        action="store_true",
        help="step 12: do not add the PyTorch index of a system-pinned torch's local tag (+cu128)",
    )
    la.add_argument(
        "--no-llama-cpp-cuda-index",
        action="store_true",
        help="step 14: do not switch an engine with a cuda_index (llama.cpp) to its CUDA build index",
    )
    la.add_argument(
        "--offline",
        action="store_true",
        help="step 17: rewrite wheel URLs to NAME==VERSION and refuse other direct references "
        "(needs an index; implied by --index-url, --extra-index-url, --find-links, --no-index)",
    )
    s = p.add_argument_group("package sources (replace the hub's and the engine's)")
    s.add_argument("--index-url", metavar="URL")
    s.add_argument("--extra-index-url", action="append", default=[], metavar="URL")
    s.add_argument("--find-links", action="append", default=[], metavar="DIR")
    s.add_argument("--no-index", action="store_true")


class _Unbuilt:
    """Stands in for the parser of a command that ``build_parser(only=...)`` does not build: it
    takes that command's arguments and drops them (start-up time: ``markerc check`` in
    pre-commit builds only ``check``'s ~20 arguments, not all ~200)."""

    def add_argument(self, *args: object, **kwargs: object) -> None:
        return None

    def add_argument_group(self, *args: object, **kwargs: object) -> _Unbuilt:
        return self

    def add_subparsers(self, *args: object, **kwargs: object) -> _Unbuilt:
        return self

    def add_parser(self, *args: object, **kwargs: object) -> _Unbuilt:
        return self


def _command(sub: Any, only: str | None, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """Register command ``name`` and return its parser (see ``build_parser`` for ``only``)."""
    if only:
        return (
            sub.add_parser(name, **kwargs)
            if only == name
            else cast(argparse.ArgumentParser, _Unbuilt())
        )
    parser: argparse.ArgumentParser = sub.add_parser(name, **kwargs)
    return parser if only is None else cast(argparse.ArgumentParser, _Unbuilt())


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser (``only=None``); ``only=COMMAND``: that command alone, what ``main`` builds
    to run it; ``only=""``: every command listed, none with its arguments (``--help``,
    ``--version``, a mistyped command)."""
    parser = _Parser(
        prog="markerc", description="Compile Xinference model-hub requirement lists for pip and uv."
    )
    parser.add_argument("--version", action="version", version=f"markerc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    c = _command(sub, only, "compile", help="compile hub files into requirements (or JSON)")
    c.add_argument("hubs", nargs="+", metavar="HUB")
    _compile_options(c)
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

    k = _command(
        sub,
        only,
        "check",
        help="lint hub files (pre-commit hook)",
        description="Lint model-hub files. Rules and codes: docs/diagnostics.md.",
    )
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
    k.add_argument("--strict", action="store_true", help="warnings fail too")
    k.add_argument(
        "--fix",
        action="store_true",
        help="rewrite what the selected rules flag and have one right spelling for, then check",
    )
    k.add_argument(
        "--fix-symlinks",
        action="store_true",
        help="with --fix, rewrite the file a symlinked hub file points to (refused by default: MK624)",
    )
    k.add_argument("--engines", dest="engine_files", action="append", default=[], metavar="FILE")

    _command(sub, only, "schema", help="print the JSON Schema of the model-hub format")

    e = _command(
        sub, only, "explain", help="show every input entry of one model and engine with its verdict"
    )
    e.add_argument("hubs", nargs=1, metavar="HUB")
    _compile_options(e)
    e.add_argument("--format", choices=["table", "json"], default="table")

    lk = _command(sub, only, "lock", help="resolve compiled sets into lock files with uv")
    lk.add_argument("hubs", nargs="+", metavar="HUB")
    _compile_options(lk, many_targets=True)
    lk.add_argument("--out", required=True, metavar="DIR")
    lk.add_argument("--format", choices=["pylock", "requirements", "uv"], default="pylock")
    lk.add_argument("--resolver", choices=["uv", "pip-compile"], default="uv")
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
    lk.add_argument("--refresh", action="store_true", help="ignore the cache and existing locks")
    lk.add_argument(
        "--fail-on-change",
        action="store_true",
        help="exit 1 when any lock file was written (new or changed): the pre-commit hook",
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
    lk.add_argument(
        "--allow-build",
        action="store_true",
        help="let the resolver build sdists (runs their build backends); default: wheels only",
    )
    lk.add_argument(
        "--skip-installed",
        action="store_true",
        help="lock over each target's base environment (its [system] table): what the base provides "
        "is recorded, not locked, and install --lock checks the base still provides it",
    )
    lk.add_argument(
        "--progress-every",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="off a terminal, one progress line at most this often (default 10)",
    )

    d = _command(
        sub,
        only,
        "diff",
        help="what a hub change does to each model x engine x target (no resolution)",
    )
    d.add_argument("old", metavar="OLD", help="hub file, folder of hub files, or REV:PATH (git)")
    d.add_argument("new", metavar="NEW", help="hub file, folder of hub files, or REV:PATH (git)")
    _compile_options(d, many_targets=True, engine_default="all")
    _review_options(d)
    d.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    d.add_argument("--exit-code", action="store_true", help="exit 1 when anything changed")
    d.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )

    rp = _command(
        sub, only, "report", help="the model x engine x target matrix as HTML, Markdown or JSON"
    )
    rp.add_argument(
        "hubs", nargs="+", metavar="HUB", help="hub file, folder of hub files, or REV:PATH (git)"
    )
    _compile_options(rp, many_targets=True, engine_default="all")
    _review_options(rp)
    rp.add_argument(
        "--lock-report", metavar="FILE", help="the JSON of the last 'markerc lock --report FILE'"
    )
    rp.add_argument("--format", choices=["html", "markdown", "json"], default="html")
    rp.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )

    i = _command(
        sub, only, "install", help="install a compiled (or locked) set into a virtual environment"
    )
    i.add_argument("hubs", nargs=1, metavar="HUB")
    _compile_options(i)
    where = i.add_argument_group(
        "where (one of --venv and --xinference-home; XINFERENCE_HOME when neither)"
    )
    where.add_argument(
        "--venv", metavar="DIR", help="the virtual environment (created when absent)"
    )
    where.add_argument(
        "--xinference-home",
        metavar="DIR",
        help="build DIR/virtualenv/v4/MODEL/ENGINE/PYTHON_VERSION as Xinference v2 does "
        "(a venv over --python with _xinference_parent.pth; skip-installed by default)",
    )
    i.add_argument("--installer", choices=["uv", "pip"], default="uv")
    i.add_argument(
        "--lock", metavar="FILE", help="install this lock file instead of the compiled set"
    )
    i.add_argument("--system-site-packages", action="store_true")
    i.add_argument(
        "--python",
        metavar="PATH",
        help="interpreter for a new venv; with --skip-installed or --xinference-home the base environment",
    )
    i.add_argument(
        "--skip-installed",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a venv over the --python base (system site packages and _xinference_parent.pth) that "
        "installs only what the base does not satisfy (default: on with --xinference-home)",
    )
    i.add_argument("--dry-run", action="store_true", help="print the commands, change nothing")
    i.add_argument(
        "--allow-build",
        action="store_true",
        help="let the installer build sdists (runs their build backends); default: wheels only",
    )

    vs = _command(
        sub,
        only,
        "venvs",
        help="list or remove the venvs of Xinference's layout (XINFERENCE_HOME/virtualenv/v4)",
    )
    vsub = vs.add_subparsers(dest="venvs_command", metavar="ACTION", parser_class=_Parser)
    vl = vsub.add_parser("list", help="every MODEL/ENGINE/PYTHON folder of the layout")
    vl.add_argument("--xinference-home", metavar="DIR", help="default: XINFERENCE_HOME")
    vl.add_argument("--format", choices=["text", "json"], default="text")
    vr = vsub.add_parser("remove", help="remove a model's venvs (only folders that are venvs)")
    vr.add_argument("model", metavar="MODEL")
    vr.add_argument("--engine", metavar="ENGINE", help="only this engine's venvs")
    vr.add_argument("--python", metavar="VERSION", help="only this Python version's venvs (X.Y.Z)")
    vr.add_argument("--xinference-home", metavar="DIR", help="default: XINFERENCE_HOME")
    vr.add_argument(
        "--dry-run", action="store_true", help="print what would be removed, remove nothing"
    )

    v = _command(
        sub, only, "env", help="print this machine's (or an interpreter's) target profile as TOML"
    )
    v.add_argument("--python", metavar="PATH", help="interpreter to describe (default: this one)")
    v.add_argument("--name", help="profile name")
    v.add_argument("-o", "--output", metavar="FILE")
    v.add_argument(
        "--with-tooling",
        action="store_true",
        help="also list markerc and the packages it needs among the installed distributions",
    )
    return parser


def _review_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("locks")
    g.add_argument("--locks", metavar="DIR", help="the lock folder ('markerc lock --out DIR')")
    g.add_argument(
        "--lock-format",
        choices=["pylock", "requirements", "uv"],
        default=None,
        help="the lock folder's format (default: the lock report's, else pylock)",
    )


# ------------------------------------------------------------------ shared plumbing


def _err(text: str) -> None:
    """Everything markerc prints on stderr: printable (newlines kept), no credentials."""
    from markerc.safety import mask_credentials, terminal

    text = terminal(mask_credentials(text))
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


def _engines(args: argparse.Namespace) -> Any:
    from markerc.compiler.engines import load_engines

    pyproject = "pyproject.toml" if os.path.isfile("pyproject.toml") else None
    return load_engines(args.engine_files, pyproject=pyproject)


def _target(args: argparse.Namespace, spec: str | None) -> Any:
    from markerc.compiler.targets import Target, load_target, parse_set, parse_system

    target = load_target(spec) if spec else Target()
    if getattr(args, "system_python", None):
        from markerc.backends.envinfo import describe_environment

        found = describe_environment(args.system_python, include_tooling=True)
        target = target.merged(Target.make(None, {}, found.system_map()))
    target = target.merged(parse_system(args.system)).merged(parse_set(args.sets))
    return target


def _check_sources(args: argparse.Namespace) -> None:
    """--index-url, --extra-index-url, --find-links: one URL or path each (``${VAR}`` allowed:
    the user asks for pip's and uv's expansion on the command line)."""
    from markerc.diagnostics import MarkercError
    from markerc.safety import source_problem

    given = [("--index-url", args.index_url)] if args.index_url is not None else []
    given += [("--extra-index-url", u) for u in args.extra_index_url]
    given += [("--find-links", u) for u in args.find_links]
    for flag, value in given:
        problem = source_problem(value, flag, expansion=True)
        if problem is not None:
            raise MarkercError(problem.code, problem.message)


def _options(args: argparse.Namespace, target: Any) -> Any:
    from markerc.compiler.compile import Options
    from markerc.compiler.indexes import UserSources
    from markerc.compiler.launch import LaunchOptions

    _check_sources(args)
    return Options(
        target=target,
        user_packages=tuple(args.packages),
        model_format=args.model_format,
        system_missing=args.system_missing,
        keep_local_version=args.keep_local_version,
        torch_companion=not args.no_torch_companion,
        sources=UserSources(
            index_url=args.index_url,
            extra_index_url=tuple(args.extra_index_url),
            find_links=tuple(args.find_links),
            no_index=args.no_index,
        ),
        launch=LaunchOptions(
            numpy_abi_pins=not args.no_numpy_abi_pins,
            torch_local_index=not args.no_torch_local_index,
            engine_cuda_index=not args.no_llama_cpp_cuda_index,
            offline=args.offline,
        ),
    )


def _engine_spec(args: argparse.Namespace) -> list[str]:
    return [e.strip() for e in args.engine.split(",") if e.strip()]


def _model(args: argparse.Namespace) -> str | None:
    return None if args.model in (None, "all") else args.model


def _command_text(argv: Sequence[str]) -> str:
    import shlex

    return "markerc " + shlex.join(argv)


def _compile(args: argparse.Namespace, target_specs: Sequence[str | None]) -> list[Any]:
    """Compile the selected records for each target; hub warnings go to stderr (once)."""
    from markerc.compiler.compile import compile_loaded, load_hubs

    engines = _engines(args)
    hubs = load_hubs(args.hubs)
    out = []
    for spec in target_specs:
        out.extend(
            compile_loaded(
                hubs,
                engines=engines,
                engine_spec=_engine_spec(args),
                model=_model(args),
                options=_options(args, _target(args, spec)),
            )
        )
    warnings = [d for hub in hubs for d in hub.diagnostics if d.severity == "warning"]
    _print_warnings(warnings + [w for c in out for w in c.warnings])
    return out


# ------------------------------------------------------------------ commands


def cmd_compile(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from markerc.compiler.emit import directory_outputs, json_text, requirements_text
    from markerc.diagnostics import MarkercError
    from markerc.files import write_all

    compiled = _compile(args, [args.target])
    sets = [c.compiled for c in compiled]
    if not sets:
        _err("markerc: warning: nothing to compile (no record matches that model and engine)")
    command = _command_text(argv)
    out = args.output
    to_dir = out is not None and (out.endswith(("/", os.sep)) or os.path.isdir(out))
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

    if _model(args) is None or _engine_spec(args) in (["all"], []) or len(_engine_spec(args)) != 1:
        raise MarkercError("MK507", "explain needs one --model NAME and one --engine ENGINE")
    compiled = _compile(args, [args.target])
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
    rules = Resolver(
        cli_layer(
            select=args.select,
            extend_select=args.extend_select,
            ignore=args.ignore,
            per_file_ignores=args.per_file_ignores,
        ),
        config=args.config,
        isolated=args.isolated,
    )
    engines = _engines(args)
    if args.fix:
        from markerc.lint.fix import fix_paths

        fixed = fix_paths(
            args.files, engines=engines, rules=rules, follow_symlinks=args.fix_symlinks
        )
        for line in fixed.changes:
            _err(line)
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


class _Progress:
    """On a terminal, a one-line progress bar; off a terminal (CI logs), plain lines at a steady
    rate: a start line, then at most one line every ``every`` seconds."""

    def __init__(self, every: float = 10.0, clock: Any = None, stream: Any = None,
                 command: str = "lock", done_word: str = "resolved") -> None:  # fmt: skip
        import time

        self.command, self.done_word = command, done_word
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self.clock = clock or time.monotonic
        self.start = self.last = self.clock()

    def __call__(self, done: int, total: int, what: str = "", failed: int = 0) -> None:
        if not self.tty:
            now = self.clock()
            if done == 0:
                self.start = self.last = now
                self.stream.write(
                    f"markerc {self.command}: {total} {'resolution(s)' if self.command == 'lock' else 'step(s)'} to run\n"
                )
            elif now - self.last >= self.every or done == total:
                self.last = now
                failures = f", {failed} failed" if self.command == "lock" else ""
                self.stream.write(
                    f"markerc {self.command}: {done}/{total} {self.done_word}{failures}, {now - self.start:.0f} s\n"
                )
            self.stream.flush()
            return
        if total <= 1:
            return
        width = 24
        filled = int(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} {what[:40]:<40}")
        if done >= total:
            self.stream.write("\r" + " " * (width + 60) + "\r")
        self.stream.flush()


def _print_warnings(diagnostics: Sequence[Any]) -> None:
    seen: set[str] = set()
    for d in diagnostics:
        line = d.headline()
        if line not in seen:  # one entry compiled for several engines warns once
            seen.add(line)
            _err(line)


def _lock_targets(args: argparse.Namespace) -> list[Any]:
    return [_target(args, spec) for spec in (args.target or [None])]


def _prune_scope(args: argparse.Namespace, matrix: Any, fmt: str) -> Any:
    from markerc.backends.lock import PruneScope
    from markerc.files import case_stem, safe_name

    targets = frozenset(safe_name(t) if t else "universal" for t in matrix.target_names)
    models = None
    if _model(args) is not None:
        models = frozenset(case_stem(_model(args), h) for h in args.hubs)
    engines = None
    if _engine_spec(args) != ["all"]:
        engines = frozenset(PruneScope.engine_part(e, fmt) for e in _engine_spec(args))
    return PruneScope(fmt, targets, models, engines)


def cmd_lock(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import json
    import time

    from markerc.backends import lock, matrix
    from markerc.compiler.compile import load_hubs
    from markerc.compiler.targets import Target

    started = time.perf_counter()
    engines = _engines(args)
    hubs = load_hubs(args.hubs)
    exclusions = matrix.load_exclusions() + tuple(matrix.parse_exclusion(e) for e in args.exclude)
    grid = matrix.build_matrix(
        hubs, engines=engines, engine_spec=_engine_spec(args), model=_model(args),
        targets=_lock_targets(args), options=_options(args, Target()), exclusions=exclusions, fmt=args.format,
        skip_installed=args.skip_installed,
    )  # fmt: skip
    _print_warnings(
        [d for hub in hubs for d in hub.diagnostics if d.severity == "warning"]
        + list(grid.warnings)
    )
    shard = lock.parse_shard(args.shard) if args.shard else None
    settings = lock.resolver_settings(args.resolver, allow_build=args.allow_build)
    the_plan = lock.plan(grid.sets, fmt=args.format, resolver=args.resolver, shard=shard, targets=grid.targets,
                         settings=settings, outcomes=grid.outcomes, target_names=grid.target_names)  # fmt: skip
    if args.plan:
        sys.stdout.write(json.dumps(the_plan.as_json(), indent=2) + "\n")
        counts = matrix.summary(the_plan.outcomes, the_plan.targets)
        skipped = sum(r["skipped"] for r in counts.values())
        excluded = sum(r["excluded"] for r in counts.values())
        failed = sum(r["failed"] for r in counts.values())
        _err(
            f"{the_plan.cases} case(s), {len(the_plan.jobs)} resolution(s) "
            f"({the_plan.saved()} saved by deduplication); {skipped} pair(s) skipped, "
            f"{excluded} excluded, {failed} failed to compile"
        )
        return 0
    scope = _prune_scope(args, grid, args.format) if (args.prune or args.check) else None
    report = lock.run_lock(
        the_plan,
        args.out,
        cache_dir=args.cache_dir,
        jobs=max(1, args.jobs),
        check=args.check,
        progress=_Progress(args.progress_every),
        refresh=args.refresh,
        prune=scope,
    )
    for err in grid.errors:
        _err(str(err))
    for failure in report.failures:
        _err(str(failure.error))
    _print_outcomes(args, report.outcomes)
    _err(matrix.summary_table(report.outcomes, the_plan.targets, check=args.check).rstrip("\n"))
    wall = time.perf_counter() - started
    _err(f"{report.resolutions} resolution(s) run, {report.cache_hits} answered from the cache or existing "
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
        _err(
            f"{len(report.stale)} stale and {len(report.missing)} missing lock file(s); run without --check"
        )
        return 1
    if args.fail_on_change and report.written:
        return 1
    return 0


def _review_inputs(
    args: argparse.Namespace, specs: Sequence[str]
) -> tuple[Any, list[Any], list[Any]]:
    """Engines, the sides read from ``specs``, and one compile ``Options`` per target."""
    from markerc.diagnostics import MarkercError
    from markerc.review import sources as review

    engines = _engines(args)
    sides = [review.read_side(spec) for spec in specs]
    review.check_model_selected(sides, _model(args))
    options = [_options(args, _target(args, spec)) for spec in (args.target or [None])]
    review.unique_targets([o.target.name for o in options])
    if args.locks is not None and not os.path.isdir(args.locks):
        raise MarkercError("MK205", f"cannot read {args.locks}: no such folder (--locks)")
    return engines, sides, options


def _emit(text: str, output: str | None) -> None:
    from markerc.files import atomic_write

    if output:
        atomic_write(output, text)
    else:
        sys.stdout.write(text)


def _print_errors(diagnostics: Sequence[Any]) -> None:
    from markerc.escaping import printable

    for d in diagnostics:
        _err("\n".join(printable(line) for line in d.render().split("\n")))


def cmd_diff(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from markerc.review import diff
    from markerc.review import sources as review

    engines, (old, new), options = _review_inputs(args, [args.old, args.new])
    kw = {
        "engines": engines,
        "engine_spec": _engine_spec(args),
        "model": _model(args),
        "options": options,
    }
    old_cells = review.compile_cells(old.entries, **kw)
    new_cells = review.compile_cells(new.entries, **kw)
    result = diff.diff_cells(
        old,
        new,
        old_cells,
        new_cells,
        targets=[o.target.name for o in options],
        engines=review.ordered_engines([*old_cells, *new_cells], engines.names()),
        locks_dir=args.locks,
        lock_format=args.lock_format or "pylock",
        model=_model(args),
    )
    render = {"text": diff.text, "json": diff.json_text, "markdown": diff.markdown}[args.format]
    _emit(render(result), args.output)
    if result.errors:
        _print_errors(result.errors)
        return 2
    return 1 if args.exit_code and result.changed else 0


def cmd_report(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from markerc.diagnostics import MarkercError
    from markerc.review import report
    from markerc.review import sources as review

    engines, sides, options = _review_inputs(args, args.hubs)
    entries = [e for side in sides for e in side.entries]
    seen: dict[str, str] = {}
    for e in entries:
        if e.key in seen:
            raise MarkercError(
                "MK571", f"two hub files are named {e.key}: {seen[e.key]} and {e.hub.path}"
            )
        seen[e.key] = e.hub.path
    fmt, cases = (None, {})
    if args.lock_report:
        fmt, cases = review.read_lock_report(args.lock_report)
    lock_format = args.lock_format or fmt or "pylock"
    if lock_format not in review.LOCK_FORMATS:
        raise MarkercError("MK572", f"{args.lock_report}: unknown lock format {lock_format!r}")
    cells = review.compile_cells(entries, engines=engines, engine_spec=_engine_spec(args), model=_model(args),
                                 options=options)  # fmt: skip
    matrix = report.build_matrix(
        cells,
        hubs=[e.hub.path for e in entries],
        engines=review.ordered_engines(cells, engines.names()),
        targets=[o.target.name for o in options],
        locks_dir=args.locks,
        lock_report=args.lock_report,
        lock_cases=cases,
        lock_format=lock_format,
        models=review.model_rows(entries, _model(args)),
    )
    render = {"html": report.html, "json": report.json_text, "markdown": report.markdown}[
        args.format
    ]
    _emit(render(matrix), args.output)
    if args.output:
        _err(report.text_summary(matrix))
    return 0


def _print_outcomes(args: argparse.Namespace, outcomes: Sequence[Any]) -> None:
    """One line per stale / missing / pruned / regenerated lock; skips and exclusions grouped."""
    groups: dict[tuple[str, str, str], int] = {}
    for o in outcomes:
        path = os.path.join(args.out, o.output) if o.output else ""
        if o.status in ("stale", "missing"):
            _err(f"{path}: {o.code} {o.status}: {o.reason}")
        elif o.status == "pruned":
            _err(f"{path}: pruned ({o.reason})")
        elif o.status == "written" and args.fail_on_change:
            _err(f"{path}: regenerated")
        elif o.status in ("skipped", "excluded"):
            reason = o.reason if o.status == "excluded" else o.reason.split(";")[0]
            key = (
                f"{o.status} ({o.code})" if o.code else o.status,
                f"{o.engine} on {o.target or 'universal'}",
                reason,
            )
            groups[key] = groups.get(key, 0) + 1
    for (status, what, reason), n in groups.items():
        _err(f"{status}: {n} pair(s) {what}: {reason}")


def cmd_install(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import shlex

    from markerc.backends.install import run_install
    from markerc.backends.venvs import home_from
    from markerc.diagnostics import MarkercError

    if _model(args) is None or len(_engine_spec(args)) != 1 or _engine_spec(args) == ["all"]:
        raise MarkercError("MK507", "install needs one --model NAME and one --engine ENGINE")
    if args.venv and args.xinference_home:
        raise MarkercError("MK507", "give either --venv DIR or --xinference-home DIR, not both")
    home = None if args.venv else home_from(args.xinference_home)
    if not args.venv and home is None:
        raise MarkercError(
            "MK507", "install needs --venv DIR or --xinference-home DIR (or XINFERENCE_HOME)"
        )
    skip = (
        args.skip_installed
        if args.skip_installed is not None
        else (home is not None and not args.lock)
    )
    if (skip or home is not None) and not args.python:
        raise MarkercError("MK554", "a venv over a base environment needs the base interpreter: --python PATH",
                           notes=("Xinference creates each model venv over the worker's interpreter; name it "
                                  "with --python (its version also names the venv folder)",))  # fmt: skip
    if args.lock and not os.path.isfile(args.lock):  # before any venv is created
        raise MarkercError("MK205", f"cannot read lock file {args.lock}: no such file (--lock)")
    compiled = _compile(args, [args.target])
    if len(compiled) != 1:
        raise MarkercError(
            "MK204",
            f"expected one record for model {args.model!r} and engine {args.engine}, found {len(compiled)}",
        )
    cs = compiled[0].compiled
    if args.lock:
        _verify_lock(args, cs)
    venv, root = args.venv, None
    if home is not None:
        from markerc.backends import base
        from markerc.backends.venvs import check_component, venv_path

        if cs.model is None:
            raise MarkercError(
                "MK552",
                f"{cs.file}: the record has no model_name, so it has no folder in Xinference's layout",
            )
        check_component(cs.model, "model name")  # before running anything
        version = base.probe(args.python).version
        venv, root = venv_path(home, cs.model, cs.engine, version), home
    report = run_install(
        cs,
        venv=venv,
        installer=args.installer,
        lock_file=args.lock,
        system_site_packages=args.system_site_packages,
        python=args.python,
        dry_run=args.dry_run,
        allow_build=args.allow_build,
        progress=_Progress(command="install", done_word="steps done"),
        skip_installed=bool(skip),
        parent_pth=home is not None,
        root=root,
    )
    if args.dry_run:
        from markerc.safety import comment, mask_credentials, printable

        for command in report.commands:  # no password, no control character on the terminal
            sys.stdout.write(printable(mask_credentials(shlex.join(command))) + "\n")
        if report.requirements:
            sys.stdout.write("# compiled requirements:\n")
            sys.stdout.write(
                "".join(f"#   {comment(mask_credentials(r))}\n" for r in report.requirements)
            )
    else:
        if skip or report.provided:
            what = f"{len(report.installed)} distribution(s), {len(report.provided)} provided by the base"
        else:
            what = args.lock or f"{len(report.requirements)} requirement(s)"
        _err(f"installed {what} into {report.venv} with {report.installer}")
    return 0


def cmd_venvs(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import json

    from markerc.backends.venvs import home_from, list_venvs, remove_venvs
    from markerc.diagnostics import MarkercError
    from markerc.escaping import printable

    if not args.venvs_command:
        raise MarkercError("MK507", "markerc venvs needs an action: list or remove")
    home = home_from(args.xinference_home)
    if home is None:
        raise MarkercError("MK507", "give --xinference-home DIR (or set XINFERENCE_HOME)")
    if args.venvs_command == "list":
        entries = list_venvs(home)
        if args.format == "json":
            sys.stdout.write(json.dumps([e.as_json() for e in entries], indent=2) + "\n")
            return 0
        for e in entries:
            flag = "" if e.venv else "  (not a venv)"
            sys.stdout.write(printable(f"{e.model}  {e.engine}  {e.python}  {e.path}{flag}") + "\n")
        return 0
    gone = remove_venvs(
        home, args.model, engine=args.engine, python=args.python, dry_run=args.dry_run
    )
    for e in gone:
        _err(printable(("would remove " if args.dry_run else "removed ") + e.path))
    return 0


def _verify_lock(args: argparse.Namespace, cs: Any) -> None:
    """install --lock: the lock must be one markerc wrote, unchanged, for this compiled set."""
    from markerc.backends import lock, matrix
    from markerc.backends.base import read_provided
    from markerc.backends.install import is_pylock
    from markerc.backends.uvtool import read_text

    fmt = "pylock" if is_pylock(args.lock) else "requirements"
    over_base = read_provided(read_text(args.lock) or "", fmt) is not None
    sources = _options(args, None).sources
    lt = matrix.lock_target(_target(args, args.target), _engines(args), user_sources=sources.given,
                            no_index=sources.no_index, skip_installed=over_base)  # fmt: skip
    settings = lock.Settings("(not compared)", (), args.allow_build)
    job = lock.plan([cs], fmt=fmt, targets={cs.target: lt}, settings=settings).jobs[0]
    lock.verify_lock(args.lock, job)


def cmd_env(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from markerc.backends.envinfo import describe_environment
    from markerc.compiler.targets import profile_toml
    from markerc.files import atomic_write

    target = describe_environment(args.python, name=args.name, include_tooling=args.with_tooling)
    text = profile_toml(target)
    if args.output:
        atomic_write(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


COMMANDS = {
    "compile": cmd_compile,
    "check": cmd_check,
    "explain": cmd_explain,
    "lock": cmd_lock,
    "diff": cmd_diff,
    "report": cmd_report,
    "install": cmd_install,
    "venvs": cmd_venvs,
    "env": cmd_env,
    "schema": cmd_schema,
}


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that staged temp files are removed (``finally`` and
    ``except BaseException`` run) instead of the process vanishing mid-write."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated()


def internal_error_line(exc: BaseException) -> str:
    """The one line an unexpected exception becomes (exit 3): the version, the type, the message."""
    from markerc.escaping import printable

    message = printable(str(exc))
    if len(message) > 500:
        message = message[:500] + "..."
    return (f"markerc {__version__}: internal error: {type(exc).__name__}: {message} "
            "(this is a bug in markerc: please report it with the command line and the input)")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """The command line.  The top-level guard: no input ever gives a traceback; an exception
    that no layer turned into a diagnostic prints :func:`internal_error_line` and exits 3.  SIGTERM
    exits 143 after removing staged files (each output stays old or new)."""
    import signal

    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        return _main(argv)
    except _Terminated:
        _err("markerc: terminated")
        return 143
    except Exception as exc:
        import contextlib

        with contextlib.suppress(Exception):  # stderr itself failed: nothing left to tell
            _err(internal_error_line(exc))
        return 3
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=argv[0] if argv and argv[0] in COMMANDS else "")
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    from markerc.diagnostics import MarkercError

    try:
        return COMMANDS[args.command](args, argv)
    except MarkercError as err:
        _err(str(err))
        return 1 if args.command == "check" and err.code == "MK201" else 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        _err("markerc: interrupted")
        return 130
    except OSError as err:
        from markerc.escaping import printable

        _err(printable(f"markerc: error: {err.strerror or err}: {err.filename or ''}".rstrip(": ")))
        return 2
