"""Xinference's venv layout: ``XINFERENCE_HOME/virtualenv/v4/{model}/{engine}/{python}``.

Xinference v2 (``W.launch_builtin_model``, research/xinference-semantics.md section 11) looks for a
model's venv at ``$XINFERENCE_HOME/virtualenv/v4/<model_name>/<(engine or "default").lower()>/
<major.minor.micro of the worker's interpreter>``, creates it with ``uv venv --system-site-packages
--python <interpreter>`` when it has no ``pyvenv.cfg``, and writes ``_xinference_parent.pth`` (the
parent's purelib) into it.  ``markerc install --xinference-home DIR`` builds the same folders ahead
of launch (:mod:`markerc.backends.install`); ``markerc venvs list`` / ``remove`` manage them.

Model names come from hub JSON and are hostile input: a name that is not one plain path component
(``..``, ``/``, ``\\``, NUL, control characters, a drive, more than 255 bytes) is MK552, never
sanitised (a sanitised name would be a folder Xinference never looks in).  Nothing here deletes or
overwrites a folder that is not a venv it recognises (MK553), and nothing follows a symbolic link
out of the layout.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from typing import TYPE_CHECKING

from markerc.diagnostics import MarkercError
from markerc.records import record

if TYPE_CHECKING:
    from markerc.compiler.result import CompiledSet

__all__ = [
    "ENV_HOME",
    "LAYOUT",
    "InstallPlace",
    "VenvEntry",
    "check_component",
    "check_install_target",
    "home_from",
    "install_place",
    "is_venv",
    "list_venvs",
    "remove_venvs",
    "venv_path",
]

#: Xinference's environment variable for its home folder.
ENV_HOME = "XINFERENCE_HOME"
#: The layout version folder under ``virtualenv`` (Xinference v2.0.0 to HEAD).
LAYOUT = "v4"
#: Python folder names Xinference's ``list_virtual_envs`` accepts: ``X.Y`` or ``X.Y.Z``.
PYTHON_DIR = re.compile(r"[0-9]+\.[0-9]+(?:\.[0-9]+)?")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def home_from(arg: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """``--xinference-home DIR``, else ``$XINFERENCE_HOME`` (non-empty), else None."""
    if arg:
        return arg
    value = (os.environ if environ is None else environ).get(ENV_HOME, "")
    return value or None


def check_component(value: str, what: str) -> str:
    """``value`` as one path component of the layout, or MK552 saying why it cannot be one."""
    from markerc.escaping import printable

    shown = printable(value)
    reason = None
    if value in ("", ".", ".."):
        reason = (
            "it is empty or a relative reference"
            if value in ("", ".")
            else "'..' leaves the folder"
        )
    elif _UNSAFE.search(value):
        reason = "it holds a path separator or a control character"
    elif os.path.isabs(value) or os.path.splitdrive(value)[0]:
        reason = "it is an absolute path"
    elif len(value.encode("utf-8", "surrogatepass")) > 255:
        reason = "it is longer than a file name may be (255 bytes)"
    if reason is not None:
        raise MarkercError(
            "MK552",
            f"{what} {shown!r} cannot be a folder of Xinference's venv layout: {reason}",
            notes=(
                "markerc never rewrites such a name: Xinference would look for the venv under the name as written",
            ),
        )
    return value


def venv_path(home: str, model: str, engine: str | None, python_version: str) -> str:
    """``home/virtualenv/v4/<model>/<(engine or "default").lower()>/<python_version>``, as
    Xinference v2 computes it; each part checked with :func:`check_component`."""
    if not re.fullmatch(
        r"[0-9]+\.[0-9]+\.[0-9]+", python_version
    ):  # Xinference always writes X.Y.Z
        raise MarkercError("MK552", f"python version {python_version!r} is not X.Y.Z")
    engine_dir = (engine or "default").lower()
    parts = [
        check_component(model, "model name"),
        check_component(engine_dir, "engine name"),
        python_version,
    ]
    return os.path.join(home, "virtualenv", LAYOUT, *parts)


@record
class InstallPlace:
    """Where ``markerc install`` puts a compiled set: the ``venv`` given, or a folder of
    Xinference's layout under ``home``; and whether it installs over the base environment."""

    venv: str | None
    home: str | None
    skip_installed: bool

    def folder(self, cs: CompiledSet, python: str | None) -> tuple[str, str | None]:
        """(the venv folder, the root no symbolic link may lie under): the venv given, or the
        layout's folder for the record's model and engine and the version of ``python`` (the
        base interpreter, probed); MK552 when the record has no model name or it cannot be a
        folder, before anything runs."""
        if self.home is None:
            assert self.venv is not None
            return self.venv, None
        from markerc.backends import base

        if cs.model is None:
            raise MarkercError("MK552", f"{cs.file}: the record has no model_name, so it has no "
                                        "folder in Xinference's layout")  # fmt: skip
        check_component(cs.model, "model name")
        assert python is not None
        return venv_path(self.home, cs.model, cs.engine, base.probe(python).version), self.home


def install_place(venv: str | None, xinference_home: str | None, *, skip_installed: bool | None,
                  python: str | None, lock_file: str | None,
                  environ: Mapping[str, str] | None = None) -> InstallPlace:  # fmt: skip
    """``install``'s ``--venv``, ``--xinference-home`` (else ``$XINFERENCE_HOME``) and
    ``--skip-installed`` (default: on in the layout without ``--lock``), checked before anything
    is compiled or created: MK507 for both places or neither, MK554 for a venv over a base
    without ``--python``, MK205 for a ``--lock`` file that does not exist."""
    if venv and xinference_home:
        raise MarkercError("MK507", "give either --venv DIR or --xinference-home DIR, not both")
    home = None if venv else home_from(xinference_home, environ)
    if not venv and home is None:
        raise MarkercError(
            "MK507", "install needs --venv DIR or --xinference-home DIR (or XINFERENCE_HOME)"
        )
    skip = skip_installed if skip_installed is not None else (home is not None and not lock_file)
    if (skip or home is not None) and not python:
        raise MarkercError("MK554", "a venv over a base environment needs the base interpreter: --python PATH",
                           notes=("Xinference creates each model venv over the worker's interpreter; name it "
                                  "with --python (its version also names the venv folder)",))  # fmt: skip
    if lock_file and not os.path.isfile(lock_file):
        raise MarkercError("MK205", f"cannot read lock file {lock_file}: no such file (--lock)")
    return InstallPlace(venv or None, home, bool(skip))


def _python_of(path: str) -> str:
    from markerc.backends.uvtool import venv_python

    return venv_python(path)


def is_venv(path: str) -> bool:
    """A folder markerc recognises as a virtual environment: a real directory (not a link) with
    a ``pyvenv.cfg`` file and an interpreter."""
    return (
        os.path.isdir(path)
        and not os.path.islink(path)
        and os.path.isfile(os.path.join(path, "pyvenv.cfg"))
        and os.path.lexists(_python_of(path))
    )


def _links_between(root: str, path: str) -> str | None:
    """The first symbolic link among ``path`` and its ancestors below ``root``, if any."""
    root_abs = os.path.abspath(root)
    current = os.path.abspath(path)
    while current != root_abs and current.startswith(root_abs + os.sep):
        if os.path.islink(current):
            return current
        current = os.path.dirname(current)
    return None


def check_install_target(path: str, *, root: str | None = None) -> bool:
    """Before installing into ``path``: True when it is a venv markerc recognises (installed
    into, never re-created), False when it does not exist (created); MK553 for anything else
    (a file, a folder that is not a venv, a link; with ``root``, a link anywhere below it)."""
    link = (
        _links_between(root, path) if root is not None else (path if os.path.islink(path) else None)
    )
    if link is not None:
        raise MarkercError("MK553", f"{link} is a symbolic link: markerc does not install through links "
                                    "(it could write outside the folder you named)")  # fmt: skip
    if not os.path.lexists(path):
        return False
    if is_venv(path):
        return True
    what = (
        "a file"
        if not os.path.isdir(path)
        else "a folder that is not a virtual environment (no pyvenv.cfg or interpreter)"
    )
    raise MarkercError("MK553", f"{path} exists and is {what}: markerc neither overwrites nor deletes it",
                       notes=("remove it yourself, or choose another --venv / --xinference-home",))  # fmt: skip


# --------------------------------------------------------------------------- list and remove


@record
class VenvEntry:
    """One folder of the layout: ``model/engine/python``; ``venv`` is False for a folder that
    is not a recognisable venv (listed, never removed)."""

    model: str
    engine: str
    python: str
    path: str
    venv: bool

    def as_json(self) -> dict[str, object]:
        return {"model": self.model, "engine": self.engine, "python": self.python, "path": self.path,
                "venv": self.venv}  # fmt: skip


def _dirs(path: str) -> list[str]:
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return []
    return [
        n
        for n in names
        if os.path.isdir(os.path.join(path, n)) and not os.path.islink(os.path.join(path, n))
    ]


def list_venvs(home: str) -> list[VenvEntry]:
    """Every ``model/engine/python`` folder under ``home/virtualenv/v4`` (sorted), as Xinference's
    ``list_virtual_envs`` scans it (python folders named ``X.Y`` or ``X.Y.Z``); links are skipped."""
    root = os.path.join(home, "virtualenv", LAYOUT)
    out = []
    for model in _dirs(root):
        for engine in _dirs(os.path.join(root, model)):
            for python in _dirs(os.path.join(root, model, engine)):
                if PYTHON_DIR.fullmatch(python):
                    path = os.path.join(root, model, engine, python)
                    out.append(VenvEntry(model, engine, python, path, is_venv(path)))
    return out


def remove_venvs(home: str, model: str, *, engine: str | None = None, python: str | None = None,
                 dry_run: bool = False) -> list[VenvEntry]:  # fmt: skip
    """Remove the venvs of ``model`` (only ``engine`` / ``python`` when given), then the folders
    left empty above them (up to the model folder).  Only recognised venvs go; MK557 when none
    matches.  Returns what was (or, with ``dry_run``, would be) removed."""
    check_component(model, "model name")
    root = os.path.join(home, "virtualenv", LAYOUT)
    if engine is not None:
        check_component(engine.lower(), "engine name")
    matches = [
        e for e in list_venvs(home)
        if e.model == model and (engine is None or e.engine == engine.lower()) and (python is None or e.python == python)
    ]  # fmt: skip
    gone = [e for e in matches if e.venv]
    if not gone:
        narrowed = ([f"engine {engine.lower()}"] if engine is not None else []) + (
            [f"Python {python}"] if python is not None else []
        )
        what = f" ({', '.join(narrowed)})" if narrowed else ""
        others = [e for e in matches if not e.venv]
        note = (
            (
                f"{len(others)} matching folder(s) are not venvs markerc recognises; they are left alone",
            )
            if others
            else ()
        )
        raise MarkercError("MK557", f"no venv of model {model!r}{what} under {root}", notes=note)
    if dry_run:
        return gone
    for entry in gone:
        if _links_between(root, entry.path) is not None or not is_venv(entry.path):
            continue  # changed under our feet: leave it
        shutil.rmtree(entry.path)
        for parent in (os.path.dirname(entry.path), os.path.dirname(os.path.dirname(entry.path))):
            try:
                os.rmdir(parent)  # only when empty
            except OSError:
                break
    return gone
