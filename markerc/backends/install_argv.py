"""The argument lists of an install (pure apart from one existence check: is the venv there?).

* uv:  ``uv venv DIR [--system-site-packages] [--python X]`` (when DIR has no interpreter), then
  ``uv pip install --python DIR/bin/python -r FILE --no-build`` plus the index flags.  A ``pylock.toml`` lock
  is installed the same way with ``--preview-features pylock`` (uv 0.13 marks pylock input as
  preview).
* pip: ``python -m venv DIR [--system-site-packages]`` (it seeds pip), then
  ``DIR/bin/python -m pip install -r FILE --only-binary :all:`` plus the index flags.
* skip-installed (uv): ``uv pip compile`` of what the base lacks, then ``uv pip install
  --no-deps`` of the install set (:mod:`markerc.backends.base`).

Installs are wheels-only (no sdist build backend runs) unless ``allow_build``: the command-line
flag ``--allow-build``, never a value from the hub.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import Literal, get_args

from markerc.backends.uvtool import absolute_location, venv_python
from markerc.compiler.result import CompiledSet, IndexOptions
from markerc.diagnostics import MarkercError
from markerc.records import replace

__all__ = [
    "INSTALLERS",
    "INSTALL_SET",
    "REQUIREMENTS_PLACEHOLDER",
    "Installer",
    "check_install",
    "install_commands",
    "is_pylock",
    "no_deps",
    "resolve_argv",
    "set_install_argv",
    "skip_commands",
]

#: The installers (``install --installer``).
Installer = Literal["uv", "pip"]
INSTALLERS: tuple[Installer, ...] = get_args(Installer)
#: What a dry run shows in place of the temp requirements file.
REQUIREMENTS_PLACEHOLDER = "<compiled requirements>"
#: What a report shows in place of the temp file of skip-installed's install set.
INSTALL_SET = "<install set>"


def is_pylock(path: str) -> bool:
    """PEP 751 file name: ``pylock.toml`` or ``pylock.<name>.toml``."""
    return re.fullmatch(r"pylock(\.[^.]+)?\.toml", os.path.basename(path)) is not None


def _index_flags(opts: IndexOptions, installer: str) -> list[str]:
    opts = replace(opts, find_links=tuple(absolute_location(f) for f in opts.find_links))
    if installer == "pip":
        return opts.pip_args()
    flags = opts.uv_args()
    for host in opts.trusted_host:
        flags += ["--allow-insecure-host", host]
    return flags


def check_install(cs: CompiledSet | None, installer: str, lock_file: str | None) -> Installer:
    """``installer`` as an :data:`Installer`; MK507 for an unknown installer, nothing to install,
    or a pylock lock for pip."""
    known = next((i for i in INSTALLERS if i == installer), None)
    if known is None:
        raise MarkercError("MK507", f"unknown installer {installer!r} (choose uv or pip)")
    if cs is None and lock_file is None:
        raise MarkercError("MK507", "nothing to install: give a compiled set or --lock FILE")
    if installer == "pip" and lock_file is not None and is_pylock(lock_file):
        raise MarkercError(
            "MK507",
            f"pip cannot install {lock_file}: use --installer uv, or lock with --format requirements",
        )
    return known


def install_commands(
    cs: CompiledSet | None,
    *,
    venv: str,
    installer: str = "uv",
    lock_file: str | None = None,
    system_site_packages: bool = False,
    python: str | None = None,
    requirements_file: str = REQUIREMENTS_PLACEHOLDER,
    uv: str | None = None,
    allow_build: bool = False,
) -> tuple[tuple[str, ...], ...]:
    """The argument lists that create ``venv`` if it has no interpreter, then install into it.

    The source is ``lock_file`` when given, else ``requirements_file`` (the compiled requirements
    of ``cs``, written by :func:`run_install`).  Index flags come from ``cs.options`` when ``cs`` is
    given.  ``uv`` is the uv executable (default ``uv.find_uv_bin()``).
    """
    check_install(cs, installer, lock_file)
    vpy = venv_python(venv)
    commands: list[tuple[str, ...]] = []
    source = lock_file if lock_file is not None else requirements_file
    flags = _index_flags(cs.options, installer) if cs is not None else []
    if installer == "uv":
        if uv is None:
            from markerc.backends.uvtool import uv_bin

            uv = uv_bin()
        if not os.path.exists(vpy):
            create = [uv, "venv", venv]
            create += ["--system-site-packages"] if system_site_packages else []
            create += ["--python", python] if python else []
            commands.append(tuple(create))
        install = [uv, "pip", "install", "--python", vpy, "-r", source]
        if lock_file is not None and is_pylock(lock_file):
            install += ["--preview-features", "pylock"]
        install += [] if allow_build else ["--no-build"]
        install += _reinstall_flags(cs)
        commands.append(tuple(install + flags))
    else:
        if not os.path.exists(vpy):
            create = [python or sys.executable, "-m", "venv", venv]
            create += ["--system-site-packages"] if system_site_packages else []
            commands.append(tuple(create))
        wheels = [] if allow_build else ["--only-binary", ":all:"]
        commands.append((vpy, "-m", "pip", "install", "-r", source, *wheels, *flags))
    return tuple(commands)


def no_deps(argv: Sequence[str]) -> tuple[str, ...]:
    """An install command with ``--no-deps`` (what a lock over a base needs: its dependencies
    that the base provides are not in it)."""
    argv = list(argv)
    at = argv.index("install") + 1 if "install" in argv else len(argv)
    return tuple([*argv[:at], "--no-deps", *argv[at:]])


def skip_commands(cs: CompiledSet | None, commands: Sequence[tuple[str, ...]], venv: str, lock_file: str | None,
                   allow_build: bool) -> tuple[tuple[str, ...], ...]:  # fmt: skip
    """Dry run of skip-installed: the create command, then the resolution and the install of what
    the base lacks (their files shown as placeholders)."""
    out = list(commands[:-1])
    if lock_file is not None:
        return (*out, no_deps(commands[-1]))
    out.append(resolve_argv(cs, venv, "<to resolve>", "<resolution>", allow_build))
    out.append(no_deps(set_install_argv(cs, venv, INSTALL_SET, allow_build)))
    return tuple(out)


def resolve_argv(
    cs: CompiledSet | None, venv: str, src: str, out: str, allow_build: bool
) -> tuple[str, ...]:
    from markerc.backends.uvtool import uv_bin

    flags = _index_flags(cs.options, "uv") if cs is not None else []
    argv = [uv_bin(), "pip", "compile", src, "-o", out, "--python", venv_python(venv), "--no-header",
            "--no-annotate", "--color", "never"]  # fmt: skip
    argv += [] if allow_build else ["--no-build"]
    return tuple(argv + flags)


def _reinstall_flags(cs: CompiledSet | None) -> list[str]:
    """Launch step 14's packages (xllamacpp): a venv's copy of the same version may be the CPU
    build, so uv installs them again (Xinference uninstalls them first)."""
    return [
        a
        for name in (cs.reinstall if cs is not None else ())
        for a in ("--reinstall-package", name)
    ]


def set_install_argv(
    cs: CompiledSet | None, venv: str, src: str, allow_build: bool
) -> tuple[str, ...]:
    from markerc.backends.uvtool import uv_bin

    flags = _index_flags(cs.options, "uv") if cs is not None else []
    argv = [uv_bin(), "pip", "install", "--python", venv_python(venv), "-r", src]
    argv += [] if allow_build else ["--no-build"]
    argv += _reinstall_flags(cs)
    return tuple(argv + flags)
