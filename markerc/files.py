"""Writing files so that a failure never leaves a half-written one: each file goes to a temp
file in its own folder, then ``os.replace`` (:func:`atomic_write`); a set of files is staged
completely before any is renamed into place (:func:`write_all`).  Also the names outputs get
(:func:`safe_name`, :func:`case_stem`) and the refusal of an output path that a symlink leads out
of its folder (:func:`check_inside`, MK623)."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterable, Mapping


def safe_name(name: str) -> str:
    """A model, engine or target name as one path component: ``[A-Za-z0-9._-]``, no leading dot."""
    out = re.sub(r"[^A-Za-z0-9._-]+", "_", name.strip())
    out = re.sub(r"^\.+", "_", out)
    return out or "_"


def case_stem(model: str | None, file: str) -> str:
    """The folder of one model's outputs: its name, or the hub file's stem for a bare block."""
    return safe_name(model or os.path.splitext(os.path.basename(file))[0])


def _new_file_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file: 0666 less the umask."""
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return 0o666 & ~mask


_TEMP_FLAGS = (
    os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)


def _create_temp(folder: str, prefix: str) -> tuple[int, str]:
    """A new file ``folder/prefix<random>.tmp``, mode 0600, opened exclusively (what
    ``tempfile.mkstemp`` does; importing tempfile costs every command's start-up more than this)."""
    for _ in range(100):
        tmp = os.path.join(folder, f"{prefix}{os.urandom(8).hex()}.tmp")
        try:
            return os.open(tmp, _TEMP_FLAGS, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


#: what a file is written from: its text or bytes, or text in pieces (written as they come)
Content = str | bytes | Iterable[str]


def _stage(path: str, data: Content, new_mode: int, keep_mode: bool = True) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = _create_temp(folder, f".{os.path.basename(path)}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            # the file is made 0600: give it the old file's mode, or a new file's
            with contextlib.suppress(OSError):
                os.fchmod(fh.fileno(), _mode_for(path, new_mode) if keep_mode else new_mode)
            if isinstance(data, (str, bytes)):
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            else:
                for piece in data:  # an error while it is made leaves no file (discarded)
                    fh.write(piece.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        _discard(tmp)
        raise
    return tmp


def _mode_for(path: str, new_mode: int) -> int:
    try:
        info = os.stat(path)
    except OSError:
        return new_mode
    return info.st_mode & 0o7777 if stat.S_ISREG(info.st_mode) else new_mode


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _sync_folders(paths: list[str]) -> None:
    """fsync each folder that received a rename, so the new names survive a crash."""
    for folder in dict.fromkeys(os.path.dirname(os.path.abspath(p)) for p in paths):
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def atomic_write(path: str, data: str | bytes, *, keep_mode: bool = True) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8, newlines untouched); on any
    failure the old file is left as it was.  An existing file keeps its permissions (``keep_mode``
    False: the mode a new file gets under the umask); a new file gets 0666 less the umask."""
    tmp = _stage(path, data, _new_file_mode(), keep_mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise
    _sync_folders([path])


def check_inside(base: str, rel: str) -> None:
    """Refuse (MK623) an output path under ``base`` that goes through a symlink leading out of
    ``base``: a folder or file link inside the output folder must not make markerc write
    elsewhere.  ``base`` itself may be a link (the user named it on the command line)."""
    from markerc.diagnostics import Location, MarkercError

    root = os.path.realpath(base or ".")
    here = base or "."
    for part in [p for p in re.split(r"[\\/]+", rel) if p]:
        here = os.path.join(here, part)
        if not os.path.islink(here):
            if not os.path.exists(here):
                return  # nothing further exists: os.makedirs and the rename create real entries
            continue
        resolved = os.path.realpath(here)
        if resolved != root and not resolved.startswith(root.rstrip(os.sep) + os.sep):
            from markerc.escaping import printable

            raise MarkercError(
                "MK623",
                f"refusing to write {printable(os.path.join(base, rel))}: {printable(here)} is a "
                f"symlink to {printable(resolved)}, outside the output folder {printable(base or '.')}",
                location=Location(here, 1, 1),
            )


def write_all(files: Mapping[str, Content], base: str = "") -> None:
    """Write every file or none: all are staged as temp files first (each fsynced), then
    renamed; a kill between two renames leaves each file either old or new, and the next run
    writes the rest.  With ``base`` (an output folder), a path through a symlink that leads out
    of it is refused (MK623) before anything is written."""
    if base:
        for rel in files:
            check_inside(base, rel)
    new_mode = _new_file_mode()
    staged: list[tuple[str, str]] = []
    try:
        for rel, text in files.items():
            path = os.path.join(base, rel) if base else rel
            staged.append((_stage(path, text, new_mode), path))
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
    _sync_folders([path for _, path in staged])
