"""Writing files so that a failure never leaves a half-written one: each file goes to a temp
file in its own folder, then ``os.replace``; a set of files is staged completely before any is
renamed into place."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping


def safe_name(name: str) -> str:
    """A model, engine or target name as one path component: ``[A-Za-z0-9._-]``, no leading dot."""
    out = re.sub(r"[^A-Za-z0-9._-]+", "_", name.strip())
    out = re.sub(r"^\.+", "_", out)
    return out or "_"


def case_stem(model: str | None, file: str) -> str:
    """The folder of one model's outputs: its name, or the hub file's stem for a bare block."""
    return safe_name(model or os.path.splitext(os.path.basename(file))[0])


def _stage(path: str, data: str | bytes, keep_mode: bool) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        if keep_mode:
            try:
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)
            except OSError:
                pass
    except BaseException:
        _discard(tmp)
        raise
    return tmp


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def atomic_write(path: str, data: str | bytes, *, keep_mode: bool = False) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8, newlines untouched); on any
    failure the old file is left as it was.  ``keep_mode`` keeps the old file's permissions."""
    tmp = _stage(path, data, keep_mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


def write_all(files: Mapping[str, str], base: str = "") -> None:
    """Write every file or none: all are staged as temp files first, then renamed."""
    staged: list[tuple[str, str]] = []
    try:
        for rel, text in files.items():
            path = os.path.join(base, rel) if base else rel
            staged.append((_stage(path, text, False), path))
    except BaseException:
        for tmp, _ in staged:
            _discard(tmp)
        raise
    for done, (tmp, path) in enumerate(staged):
        try:
            os.replace(tmp, path)
        except BaseException:
            for rest, _ in staged[done:]:
                _discard(rest)
            raise
