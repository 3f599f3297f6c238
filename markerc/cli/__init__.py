"""The command line: parse arguments, call the library, print, choose the exit code.

Exit codes (SPEC 11): 0 success; 1 errors found by ``check`` (warnings too with ``--strict``),
stale locks with ``lock --check``, or changes found by ``diff --exit-code``; 2 usage errors,
unreadable files, an invalid check configuration, any input error in compile, explain, install,
venvs, env, diff and report, and any failed case of lock; 3 an internal error (a bug: one line with the version, never a
traceback); 130 interrupted, 143 terminated.  Errors print ``path:line:col: CODE message``.

This module builds the top-level parser and runs a command behind the guard (exit codes,
signals).  Each command group has a module with its arguments and its handler: compiling
(compile, explain), checking (check, schema), locking (lock), installing (install, venvs, env),
reviewing (diff, report); arguments, inputs and output hold what they share.  The command
modules import the library inside their handlers, so that ``markerc check`` (pre-commit) loads
only what it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import NoReturn

from markerc import __version__
from markerc.cli import checking, compiling, installing, locking, reviewing
from markerc.cli.arguments import Parser
from markerc.cli.output import err

Command = Callable[[argparse.Namespace, Sequence[str]], int]
Arguments = Callable[[argparse.ArgumentParser], None]

#: Every command in the order ``--help`` lists them: its help, its description and what adds
#: its arguments.
_PARSERS: tuple[tuple[str, str, str | None, Arguments | None], ...] = (
    ("compile", "compile hub files into requirements (or JSON)", None, compiling.compile_arguments),
    ("check", "lint hub files (pre-commit hook)",
     "Lint model-hub files. Rules and codes: docs/diagnostics.md.", checking.check_arguments),
    ("schema", "print the JSON Schema of the model-hub format", None, None),
    ("explain", "show every input entry of one model and engine with its verdict", None,
     compiling.explain_arguments),
    ("lock", "resolve compiled sets into lock files with uv", None, locking.lock_arguments),
    ("diff", "what a hub change does to each model x engine x target (no resolution)", None,
     reviewing.diff_arguments),
    ("report", "the model x engine x target matrix as HTML, Markdown or JSON", None,
     reviewing.report_arguments),
    ("install", "install a compiled (or locked) set into a virtual environment", None,
     installing.install_arguments),
    ("venvs", "list or remove the venvs of Xinference's layout (XINFERENCE_HOME/virtualenv/v4)", None,
     installing.venvs_arguments),
    ("env", "print this machine's (or an interpreter's) target profile as TOML", None,
     installing.env_arguments),
)  # fmt: skip

COMMANDS: dict[str, Command] = {
    "compile": compiling.cmd_compile,
    "check": checking.cmd_check,
    "explain": compiling.cmd_explain,
    "lock": locking.cmd_lock,
    "diff": reviewing.cmd_diff,
    "report": reviewing.cmd_report,
    "install": installing.cmd_install,
    "venvs": installing.cmd_venvs,
    "env": installing.cmd_env,
    "schema": checking.cmd_schema,
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser (``only=None``); ``only=COMMAND``: that command alone, what ``main`` builds
    to run it; ``only=""``: every command listed, none with its arguments (``--help``,
    ``--version``, a mistyped command).  Start-up time: ``markerc check`` in pre-commit builds
    only ``check``'s ~20 arguments, not all ~200."""
    parser = Parser(
        prog="markerc", description="Compile Xinference model-hub requirement lists for pip and uv."
    )
    parser.add_argument("--version", action="version", version=f"markerc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, about, description, add_arguments in _PARSERS:
        if only and name != only:
            continue
        command = sub.add_parser(name, help=about, description=description)
        if add_arguments is not None and only != "":
            add_arguments(command)
    return parser


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that staged temp files are removed (``finally`` and
    ``except BaseException`` run) instead of the process vanishing mid-write."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
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
    import gc
    import signal

    # One command is one short process whose records hardly ever form cycles: a young-generation
    # collection every 700 allocations was 4 % of a whole-hub compile (bench_compile.py).
    gc.set_threshold(100_000, 50, 100)

    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        return _main(argv)
    except _Terminated:
        err("markerc: terminated")
        return 143
    except Exception as exc:
        import contextlib

        with contextlib.suppress(Exception):  # stderr itself failed: nothing left to tell
            err(internal_error_line(exc))
        return 3
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def run() -> NoReturn:
    """The console entry point (``markerc``, ``python -m markerc``): :func:`main`, then the exit
    handlers (the parse cache is saved by one), the standard streams flushed, and an immediate
    exit.  By then every output file is written and closed; what is skipped is freeing the
    process's objects one by one, which took 25 to 50 ms after a whole-hub compile (a tenth of
    the run; mypy exits the same way).  A stdout that cannot take the rest of the output (a full
    disk) is an error, exit 2 with a message (the normal exit would only have said "Exception
    ignored" and exited 120); a closed pipe is not, as everywhere in the CLI."""
    import atexit
    import contextlib

    code = main()
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython: what exit would run
    if run_exit_handlers is not None:
        run_exit_handlers()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    except OSError as error:
        from markerc.escaping import printable

        err(printable(f"markerc: error: cannot write the output: {error.strerror or error}"))
        code = code or 2
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    if run_exit_handlers is None:  # another interpreter: its own exit, not a guess at its handlers
        sys.exit(code)
    os._exit(code)


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
    except MarkercError as error:
        err(str(error))
        return 1 if args.command == "check" and error.code == "MK201" else 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        err("markerc: interrupted")
        return 130
    except OSError as error:
        from markerc.escaping import printable

        reason = f"markerc: error: {error.strerror or error}: {error.filename or ''}"
        err(printable(reason.rstrip(": ")))
        return 2
