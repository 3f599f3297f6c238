"""``markerc install`` (a compiled or locked set into a virtual environment, or into
Xinference's venv layout), ``markerc venvs`` (list or remove that layout's venvs) and
``markerc env`` (this machine's or an interpreter's target profile)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from markerc.cli import inputs
from markerc.cli.arguments import Parser, add_compile_options
from markerc.cli.output import Progress, err


def install_arguments(i: argparse.ArgumentParser) -> None:
    i.add_argument("hubs", nargs=1, metavar="HUB")
    add_compile_options(i)
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


def venvs_arguments(vs: argparse.ArgumentParser) -> None:
    vsub = vs.add_subparsers(dest="venvs_command", metavar="ACTION", parser_class=Parser)
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


def env_arguments(v: argparse.ArgumentParser) -> None:
    v.add_argument("--python", metavar="PATH", help="interpreter to describe (default: this one)")
    v.add_argument("--name", help="profile name")
    v.add_argument("-o", "--output", metavar="FILE")
    v.add_argument(
        "--with-tooling",
        action="store_true",
        help="also list markerc and the packages it needs among the installed distributions",
    )


def cmd_install(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import shlex

    from markerc.backends.install import run_install
    from markerc.backends.venvs import install_place
    from markerc.diagnostics import MarkercError

    if inputs.model(args) is None or not inputs.one_engine(args):
        raise MarkercError("MK507", "install needs one --model NAME and one --engine ENGINE")
    place = install_place(args.venv, args.xinference_home, skip_installed=args.skip_installed,
                          python=args.python, lock_file=args.lock)  # fmt: skip
    compiled = inputs.compiled(args, [args.target])
    if len(compiled) != 1:
        raise MarkercError(
            "MK204",
            f"expected one record for model {args.model!r} and engine {args.engine}, found {len(compiled)}",
        )
    cs = compiled[0].compiled
    if args.lock:
        from markerc.backends.lock.verify import verify_install_lock

        verify_install_lock(args.lock, cs, inputs.target(args, args.target), inputs.engine_table(args),
                            inputs.user_sources(args), allow_build=args.allow_build)  # fmt: skip
    venv, root = place.folder(cs, args.python)
    report = run_install(
        cs,
        venv=venv,
        installer=args.installer,
        lock_file=args.lock,
        system_site_packages=args.system_site_packages,
        python=args.python,
        dry_run=args.dry_run,
        allow_build=args.allow_build,
        progress=Progress(command="install", done_word="steps done"),
        skip_installed=place.skip_installed,
        parent_pth=place.home is not None,
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
        if place.skip_installed or report.provided:
            what = f"{len(report.installed)} distribution(s), {len(report.provided)} provided by the base"
        else:
            what = args.lock or f"{len(report.requirements)} requirement(s)"
        err(f"installed {what} into {report.venv} with {report.installer}")
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
        err(printable(("would remove " if args.dry_run else "removed ") + e.path))
    return 0


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
