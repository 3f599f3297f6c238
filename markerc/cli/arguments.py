"""The command line's arguments: the parser class (usage errors exit 2 with one line) and the
argument groups several commands share (compile options, Xinference launch steps, package
sources, lock folders).  Each command's own arguments are in its command module."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, NoReturn


def _columns() -> int:
    """The terminal's width as :func:`shutil.get_terminal_size` gives it ($COLUMNS, else the
    terminal of stdout, else 80), without importing shutil (4 ms of ``markerc check``'s start:
    argparse builds a formatter for every argument it adds)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class Formatter(argparse.HelpFormatter):
    """argparse's help formatter, its width found by :func:`_columns`."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        super().__init__(
            prog, indent_increment, max_help_position, _columns() - 2 if width is None else width
        )


class Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # usage errors: exit 2 with a one-line reason
        self.print_usage(sys.stderr)
        sys.stderr.write(f"markerc: error: {message}\n")
        raise SystemExit(2)


def add_switches(group: argparse._ActionsContainer, **switches: str) -> None:
    """Add ``store_true`` flags, each keyword its destination (``fix_symlinks``: the flag
    ``--fix-symlinks``, argparse's own naming) and its value the help text, in order."""
    for dest, text in switches.items():
        group.add_argument("--" + dest.replace("_", "-"), action="store_true", help=text)


def add_repeatable(
    group: argparse._ActionsContainer,
    *flags: str,
    metavar: str,
    help: str | None = None,
    dest: str | None = None,
) -> None:
    """Add an option that may be given many times: its values in a list (empty when absent)."""
    group.add_argument(*flags, action="append", default=[], metavar=metavar, help=help, dest=dest)


def add_compile_options(
    p: argparse.ArgumentParser, *, many_targets: bool = False, engine_default: str | None = None
) -> None:
    """The options that select and compile records (every command that compiles)."""
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
    add_repeatable(g, "--set", dest="sets", metavar="VAR=VALUE",
                   help="bind a marker variable (has_cuda=false, cuda_version=12.8, sys_platform=linux, ...)")  # fmt: skip
    add_repeatable(g, "--system", metavar="NAME=VERSION",
                   help="version installed on the target, for #system_NAME# pins")  # fmt: skip
    g.add_argument(
        "--system-python", metavar="PATH", help="read installed versions from this interpreter"
    )
    g.add_argument(
        "--system-missing",
        choices=["error", "unpinned"],
        default="error",
        help="a #system_X# pin the target lacks: error (default) or the bare name",
    )
    add_switches(
        g,
        keep_local_version="keep +local labels of system versions",
        no_torch_companion="do not add #system_torch# next to torchvision/torchaudio/torchcodec pins",
    )
    g.add_argument(
        "--model-format", metavar="FORMAT", help="model format (selects the engine's format extras)"
    )
    add_repeatable(g, "-p", "--package", "--virtual-env-package", dest="packages", metavar="SPEC",
                   help="user requirement (highest precedence; repeatable, any entry kind; "
                   "--virtual-env-package is Xinference's name for it)")  # fmt: skip
    add_repeatable(g, "--engines", dest="engine_files", metavar="FILE",
                   help="engine table (TOML) extending or replacing the built-in one")  # fmt: skip
    la = p.add_argument_group("Xinference launch steps (docs/semantics.md, 'Launch steps')")
    add_switches(
        la,
        no_numpy_abi_pins="step 19: do not pin an engine's abi_pins (sentence_transformers: numpy, "
        "scipy, scikit-learn, pandas) to the target's installed versions",
        no_torch_local_index="step 12: do not add the PyTorch index of a system-pinned torch's local "
        "tag (+cu128)",
        no_llama_cpp_cuda_index="step 14: do not switch an engine with a cuda_index (llama.cpp) to "
        "its CUDA build index",
        offline="step 17: rewrite wheel URLs to NAME==VERSION and refuse other direct references "
        "(needs an index; implied by --index-url, --extra-index-url, --find-links, --no-index)",
    )
    s = p.add_argument_group("package sources (replace the hub's and the engine's)")
    s.add_argument("--index-url", metavar="URL")
    add_repeatable(s, "--extra-index-url", metavar="URL")
    add_repeatable(s, "--find-links", metavar="DIR")
    s.add_argument("--no-index", action="store_true")


def add_review_options(p: argparse.ArgumentParser) -> None:
    """The lock folder of ``diff`` and ``report``."""
    from markerc.backends.naming import FORMATS

    g = p.add_argument_group("locks")
    g.add_argument("--locks", metavar="DIR", help="the lock folder ('markerc lock --out DIR')")
    g.add_argument(
        "--lock-format",
        choices=FORMATS,
        default=None,
        help="the lock folder's format (default: the lock report's, else pylock)",
    )
