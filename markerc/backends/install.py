"""Install back end: a compiled set (or a lock file) into a virtual environment, with uv or pip.

:func:`run_install` writes the compiled requirements to a temp file, runs the commands of
:func:`markerc.backends.install_argv.install_commands` (pure: the exact argument lists), and
reports; with ``dry_run`` it runs and writes nothing and shows the requirements file as
:data:`REQUIREMENTS_PLACEHOLDER`.  Over a base environment (skip-installed) it probes the venv
and installs only what the base lacks (:mod:`markerc.backends.base`).

Installs are wheels-only (no sdist build backend runs) unless ``allow_build``: the command-line
flag ``--allow-build``, never a value from the hub.  pip cannot read a pylock lock
here (a venv's bundled pip predates it): use uv, or a requirements lock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence

from markerc.backends.install_argv import (
    INSTALL_SET,
    INSTALLERS,
    REQUIREMENTS_PLACEHOLDER,
    Installer,
    check_install,
    install_commands,
    is_pylock,
    no_deps,
    resolve_argv,
    set_install_argv,
    skip_commands,
)
from markerc.backends.uvtool import Runner, venv_python
from markerc.compiler.result import CompiledSet
from markerc.diagnostics import MarkercError
from markerc.records import record

__all__ = [
    "INSTALLERS",
    "REQUIREMENTS_PLACEHOLDER",
    "InstallReport",
    "Progress",
    "install_commands",
    "is_pylock",
    "run_install",
]

Progress = Callable[[int, int, str], None]  # (step, steps, what) before each command


@record
class InstallReport:
    venv: str
    python: str  # the venv's interpreter
    installer: Installer
    commands: tuple[tuple[str, ...], ...]
    requirements: tuple[str, ...]  # the compiled requirements installed (empty for a lock file)
    lock_file: str | None
    created: bool  # the venv was created by this run
    dry_run: bool
    #: what the install step was given (skip-installed: what the base lacks)
    installed: tuple[str, ...] = ()
    provided: tuple[str, ...] = ()  # NAME==VERSION the base environment provides (skip-installed)


def _topmost_missing(path: str) -> str | None:
    """The highest ancestor of ``path`` (or ``path`` itself) that does not exist: what a run that
    creates ``path`` creates, and removes again when it fails."""
    path = os.path.abspath(path)
    if os.path.lexists(path):
        return None
    while True:
        parent = os.path.dirname(path)
        if parent == path or os.path.lexists(parent):
            return path
        path = parent


def _remove_created(created: str | None) -> None:
    import shutil

    if created and os.path.isdir(created) and not os.path.islink(created):
        shutil.rmtree(created, ignore_errors=True)


def run_install(
    cs: CompiledSet | None,
    *,
    venv: str,
    dry_run: bool = False,
    runner: Runner | None = None,
    installer: str = "uv",
    lock_file: str | None = None,
    system_site_packages: bool = False,
    python: str | None = None,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    allow_build: bool = False,
    skip_installed: bool = False,
    parent_pth: bool = False,
    root: str | None = None,
) -> InstallReport:
    """Create the venv if needed and install; with ``dry_run`` only report the commands.

    ``runner`` has the signature of :func:`markerc.backends.uvtool.run_process` (``argv, *, cwd, env`` ->
    object with ``returncode``, ``stdout``, ``stderr``).  ``env`` is added to the children's
    environment.  A failing command raises MK506 with the installer's own message.

    ``skip_installed``: the venv sees ``python`` (the base) through ``--system-site-packages`` and
    ``_xinference_parent.pth``, and only what the base does not satisfy is installed
    (:mod:`markerc.backends.base`).  ``parent_pth`` writes the ``.pth`` without skipping.  A lock made over a
    base (its provided-by-base record) is installed ``--no-deps`` after checking that the venv
    sees each provided distribution at its locked version (MK555).  ``root``: no symbolic link may
    lie between it and ``venv``.  The venv folder must be absent or a venv markerc recognises
    (MK553); when a step fails, everything this run created is removed.
    """
    from markerc.backends import base as base_mod
    from markerc.backends.venvs import check_install_target

    known = check_install(cs, installer, lock_file)
    provided_by_lock = _lock_base(lock_file)
    over_base = skip_installed or parent_pth or provided_by_lock is not None
    if over_base and not python:
        raise MarkercError("MK554", "a venv over a base environment needs the base interpreter: --python PATH",
                           notes=(f"{lock_file} was locked over a base environment",) if provided_by_lock is not None
                           else ())  # fmt: skip
    system_site_packages = system_site_packages or over_base
    if skip_installed and lock_file is not None and provided_by_lock is None:
        raise MarkercError("MK556", f"{lock_file} was locked without a base environment: it installs everything it "
                                    "lists", notes=("lock with --skip-installed to install over a base, or install "
                                                    "this lock without --skip-installed",))  # fmt: skip
    requirements = cs.requirements if cs is not None and lock_file is None else ()
    exists = check_install_target(venv, root=root)

    def commands_for(requirements_file: str) -> tuple[tuple[str, ...], ...]:
        return install_commands(cs, venv=venv, installer=installer, lock_file=lock_file,
                                system_site_packages=system_site_packages, python=python,
                                requirements_file=requirements_file, allow_build=allow_build)  # fmt: skip

    if dry_run:
        commands = commands_for(REQUIREMENTS_PLACEHOLDER)
        if (
            skip_installed and lock_file is None and installer == "uv"
        ) or provided_by_lock is not None:
            commands = skip_commands(cs, commands, venv, lock_file, allow_build)
        return InstallReport(venv, venv_python(venv), known, commands, requirements, lock_file,
                             created=False, dry_run=True)  # fmt: skip

    import tempfile

    from markerc.backends.uvtool import child_env, run_process

    run = runner or run_process
    child = child_env(env)
    created_root = _topmost_missing(venv) if not exists else None
    try:
        with tempfile.TemporaryDirectory(prefix="markerc-install-") as tmp:
            req_file = os.path.join(tmp, "requirements.txt")
            with open(req_file, "w", encoding="utf-8", newline="") as fh:
                fh.write("".join(f"{r}\n" for r in requirements))
            steps = list(commands_for(req_file))
            created = not exists and len(steps) == 2
            last = steps.pop()
            install: tuple[str, ...] | None = last
            done: list[tuple[str, ...]] = []
            total = len(steps) + 1
            for argv in steps:  # creating the venv
                _run_step(
                    run,
                    argv,
                    child,
                    progress,
                    len(done) + 1,
                    total,
                    installer,
                    venv,
                    "creating",
                    allow_build,
                )
                done.append(argv)
            if over_base:
                parent = base_mod.probe(python or "", runner=run)
                here = base_mod.probe(venv_python(venv), runner=run)
                base_mod.write_parent_pth(here.purelib, parent.purelib)
            installed: tuple[str, ...] = requirements
            provided: tuple[str, ...] = ()
            if provided_by_lock is not None:
                seen = base_mod.probe(venv_python(venv), runner=run)
                missing = base_mod.missing_from(seen, provided_by_lock)
                if missing:
                    raise MarkercError("MK555", f"{lock_file} was locked over a base environment that provided "
                                                f"{len(provided_by_lock)} distribution(s); {venv} does not see "
                                                f"{len(missing)} of them at the locked version: "
                                                + ", ".join(missing[:20]),
                                       notes=("re-create the lock with markerc env for this base and lock "
                                              "--skip-installed, or install over the base the lock was made for",))  # fmt: skip
                install = no_deps(last)
                provided = tuple(f"{n}=={v}" for n, v in provided_by_lock)
            elif skip_installed and cs is not None and installer == "uv":
                resolved, install, installed, provided = _skip_plan(
                    cs, venv, tmp, run, child, allow_build, installer
                )
                done += [resolved] if resolved else []
            if install:
                _run_step(
                    run,
                    install,
                    child,
                    progress,
                    total,
                    total,
                    installer,
                    venv,
                    "installing into",
                    allow_build,
                )
                done.append(install)
            shown = tuple(
                tuple(REQUIREMENTS_PLACEHOLDER if a == req_file else a for a in c) for c in done
            )
            shown = tuple(tuple(_placeholder(a, tmp) for a in c) for c in shown)
    except BaseException:
        _remove_created(created_root)
        raise
    return InstallReport(venv, venv_python(venv), known, shown, requirements, lock_file,
                         created=created, dry_run=False, installed=installed, provided=provided)  # fmt: skip


#: What a report shows in place of the temp files of skip-installed (resolution, install set).
_PLACEHOLDERS = {
    "to-resolve.in": "<to resolve>",
    "resolution.txt": "<resolution>",
    "install-set.txt": INSTALL_SET,
}


def _placeholder(arg: str, tmp: str) -> str:
    if arg.startswith(tmp):
        return _PLACEHOLDERS.get(os.path.basename(arg), "<temp file>")
    return arg


def _run_step(run: Runner, argv: Sequence[str], child: Mapping[str, str], progress: Progress | None, step: int,
              steps: int, installer: str, venv: str, what: str, allow_build: bool) -> object:  # fmt: skip
    from markerc.backends.uvtool import trim_output

    if progress:
        progress(step, steps, " ".join(argv[:3]))
    result = run(list(argv), cwd=None, env=dict(child))
    if result.returncode != 0:
        text = trim_output(result.stderr or result.stdout) or f"exit status {result.returncode}"
        message = f"{installer} failed {what} {venv}:\n" + "\n".join(
            f"  | {ln}" for ln in text.splitlines()
        )
        if not allow_build and re.search(
            r"building from source is disabled|--no-build|building source distributions (for `[^`]*` )?is disabled",
            text,
            re.I,
        ):
            raise MarkercError("MK538", message, notes=(
                "markerc installs wheels only, so that no sdist build backend runs; "
                "--allow-build lets the installer build sdists (it runs their code)",))  # fmt: skip
        raise MarkercError("MK506", message)
    return result


def _lock_base(lock_file: str | None) -> tuple[tuple[str, str], ...] | None:
    if lock_file is None:
        return None
    from markerc.backends import base as base_mod
    from markerc.backends.uvtool import read_text

    text = read_text(lock_file)
    if text is None:
        raise MarkercError("MK205", f"cannot read lock file {lock_file}: no such file")
    return base_mod.read_provided(text, "pylock" if is_pylock(lock_file) else "requirements")


def _skip_plan(cs: CompiledSet, venv: str, tmp: str, run: Runner, child: Mapping[str, str], allow_build: bool,
               installer: str) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None, tuple[str, ...],
                                        tuple[str, ...]]:  # fmt: skip
    """Skip-installed (:mod:`markerc.backends.base`): (the resolution command run or None, the install
    command or None, what it installs, what the base provides)."""
    from markerc.backends import base as base_mod

    seen = base_mod.probe(venv_python(venv), runner=run)
    installed = seen.installed_map()
    parts = base_mod.split(cs.lines, installed, dict(seen.markers), cs.reinstall)
    provided = [f"{n}=={v}" for n, v in parts.provided]
    if not parts.to_resolve:
        return None, None, (), tuple(provided)
    src = os.path.join(tmp, "to-resolve.in")
    out = os.path.join(tmp, "resolution.txt")
    with open(src, "w", encoding="utf-8", newline="") as fh:
        fh.write("".join(f"{r}\n" for r in parts.to_resolve))
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(
            base_mod.preferences(installed)
        )  # uv prefers the versions of an existing output file
    argv = resolve_argv(cs, venv, src, out, allow_build)
    _run_step(run, argv, child, None, 0, 0, installer, venv, "resolving for", allow_build)
    from markerc.reading import read_text as read_bounded

    pins = base_mod.parse_resolution(read_bounded(out, errors="replace"))  # bad bytes: MK539
    todo, also = base_mod.install_set(pins, installed, cs.reinstall)
    provided += [f"{n}=={v}" for n, v in also]
    if not todo:
        return argv, None, (), tuple(dict.fromkeys(provided))
    install_file = os.path.join(tmp, "install-set.txt")
    with open(install_file, "w", encoding="utf-8", newline="") as fh:
        fh.write("".join(f"{p.text}\n" for p in todo))
    install = no_deps(set_install_argv(cs, venv, install_file, allow_build))
    return argv, install, tuple(p.text for p in todo), tuple(dict.fromkeys(provided))
