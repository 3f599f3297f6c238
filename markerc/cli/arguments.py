"""The command line's arguments: the parser class (usage errors exit 2 with one line) and the
argument groups several commands share (compile options, Xinference launch steps, package
sources, lock folders).  Each command's own arguments are in its command module."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors: exit 2 with a one-line reason
        self.print_usage(sys.stderr)
        sys.stderr.write(f"markerc: error: {message}\n")
        raise SystemExit(2)


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
