"""Install back end: a compiled set (or a lock file) into a virtual environment, with uv or pip.

:func:`install_commands` is pure apart from one existence check (is the venv there?): it returns the
exact argument lists.  :func:`run_install` writes the compiled requirements to a temp file, runs
those commands, and reports; with ``dry_run`` it runs and writes nothing and shows the requirements
file as :data:`REQUIREMENTS_PLACEHOLDER`.

* uv:  ``uv venv DIR [--system-site-packages] [--python X]`` (when DIR has no interpreter), then
  ``uv pip install --python DIR/bin/python -r FILE --no-build`` plus the index flags.  A ``pylock.toml`` lock
  is installed the same way with ``--preview-features pylock`` (uv 0.13 marks pylock input as
  preview).
* pip: ``python -m venv DIR [--system-site-packages]`` (it seeds pip), then
  ``DIR/bin/python -m pip install -r FILE --only-binary :all:`` plus the index flags.

Installs are wheels-only (no sdist build backend runs) unless ``allow_build``: the command-line
flag ``--allow-build``, never a value from the hub.  pip cannot read a pylock lock
  here (a venv's bundled pip predates it): use uv, or a requirements lock.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markerc.diagnostics import MarkercError
from markerc.result import CompiledSet, IndexOptions
from markerc.uvtool import Runner, absolute_location, venv_python

INSTALLERS = ("uv", "pip")
#: What a dry run shows in place of the temp requirements file.
REQUIREMENTS_PLACEHOLDER = "<compiled requirements>"

Progress = Callable[[int, int, str], None]  # (step, steps, what) before each command


@dataclass(frozen=True)
class InstallReport:
    venv: str
    python: str  # the venv's interpreter
    installer: str
    commands: tuple[tuple[str, ...], ...]
    requirements: tuple[str, ...]  # the compiled requirements installed (empty for a lock file)
    lock_file: str | None
    created: bool  # the venv was created by this run
    dry_run: bool


def is_pylock(path: str) -> bool:
    """PEP 751 file name: ``pylock.toml`` or ``pylock.<name>.toml``."""
    return re.fullmatch(r"pylock(\.[^.]+)?\.toml", os.path.basename(path)) is not None


def _index_flags(opts: IndexOptions, installer: str) -> list[str]:
    from dataclasses import replace

    opts = replace(opts, find_links=tuple(absolute_location(f) for f in opts.find_links))
    if installer == "pip":
        return opts.pip_args()
    flags = opts.uv_args()
    for host in opts.trusted_host:
        flags += ["--allow-insecure-host", host]
    return flags


def _check(cs: CompiledSet | None, installer: str, lock_file: str | None) -> None:
    if installer not in INSTALLERS:
        raise MarkercError("MK507", f"unknown installer {installer!r} (choose uv or pip)")
    if cs is None and lock_file is None:
        raise MarkercError("MK507", "nothing to install: give a compiled set or --lock FILE")
    if installer == "pip" and lock_file is not None and is_pylock(lock_file):
        raise MarkercError(
            "MK507",
            f"pip cannot install {lock_file}: use --installer uv, or lock with --format requirements",
        )


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
    _check(cs, installer, lock_file)
    vpy = venv_python(venv)
    commands: list[tuple[str, ...]] = []
    source = lock_file if lock_file is not None else requirements_file
    flags = _index_flags(cs.options, installer) if cs is not None else []
    if installer == "uv":
        if uv is None:
            from markerc.uvtool import uv_bin

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
        commands.append(tuple(install + flags))
    else:
        if not os.path.exists(vpy):
            create = [python or sys.executable, "-m", "venv", venv]
            create += ["--system-site-packages"] if system_site_packages else []
            commands.append(tuple(create))
        wheels = [] if allow_build else ["--only-binary", ":all:"]
        commands.append((vpy, "-m", "pip", "install", "-r", source, *wheels, *flags))
    return tuple(commands)


def run_install(
    cs: CompiledSet | None,
    *,
    venv: str,
    installer: str = "uv",
    lock_file: str | None = None,
    system_site_packages: bool = False,
    python: str | None = None,
    dry_run: bool = False,
    runner: Runner | None = None,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    allow_build: bool = False,
) -> InstallReport:
    """Create the venv if needed and install; with ``dry_run`` only report the commands.

    ``runner`` has the signature of :func:`markerc.uvtool.run_process` (``argv, *, cwd, env`` ->
    object with ``returncode``, ``stdout``, ``stderr``).  ``env`` is added to the children's
    environment.  A failing command raises MK506 with the installer's own message.
    """
    _check(cs, installer, lock_file)
    requirements = cs.requirements if cs is not None and lock_file is None else ()
    if dry_run:
        commands = install_commands(cs, venv=venv, installer=installer, lock_file=lock_file,
                                    system_site_packages=system_site_packages, python=python,
                                    allow_build=allow_build)  # fmt: skip
        return InstallReport(venv, venv_python(venv), installer, commands, requirements, lock_file,
                             created=False, dry_run=True)  # fmt: skip

    import tempfile

    from markerc.uvtool import child_env, run_process, trim_output

    run = runner or run_process
    child = child_env(env)
    with tempfile.TemporaryDirectory(prefix="markerc-install-") as tmp:
        req_file = os.path.join(tmp, "requirements.txt")
        with open(req_file, "w", encoding="utf-8", newline="") as fh:
            fh.write("".join(f"{r}\n" for r in requirements))
        commands = install_commands(cs, venv=venv, installer=installer, lock_file=lock_file,
                                    system_site_packages=system_site_packages, python=python,
                                    requirements_file=req_file, allow_build=allow_build)  # fmt: skip
        created = len(commands) == 2
        for step, argv in enumerate(commands, start=1):
            if progress:
                progress(step, len(commands), " ".join(argv[:3]))
            result = run(argv, cwd=None, env=child)
            if result.returncode != 0:
                text = trim_output(result.stderr or result.stdout) or f"exit status {result.returncode}"
                what = "creating" if created and step == 1 else "installing into"
                message = f"{installer} failed {what} {venv}:\n" + "\n".join(f"  | {ln}" for ln in text.splitlines())
                if not allow_build and re.search(r"building from source is disabled|--no-build", text, re.I):
                    raise MarkercError("MK538", message, notes=(
                        "markerc installs wheels only, so that no sdist build backend runs; "
                        "--allow-build lets the installer build sdists (it runs their code)",))  # fmt: skip
                raise MarkercError("MK506", message)
        shown = tuple(tuple(REQUIREMENTS_PLACEHOLDER if a == req_file else a for a in c) for c in commands)
    return InstallReport(venv, venv_python(venv), installer, shown, requirements, lock_file,
                         created=created, dry_run=False)  # fmt: skip
