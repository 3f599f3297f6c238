"""Reading input files with a bound: regular files only, never more than a documented size.

Every file markerc reads (hub JSON, target and engine TOML, ``pyproject.toml`` and
``markerc.toml``, committed locks, lock reports) goes through :func:`read_bytes` or
:func:`read_text`.  The path is opened without blocking (a FIFO cannot stall the open) and the
open file is checked with ``fstat`` before a byte is read: a directory, a FIFO, a socket or a
device (``/dev/zero``, ``/dev/urandom``) is refused with MK205, and a file larger than its limit
with MK621, so no input can make markerc read without end.  A symlink is followed (a hub or a
target may be a link), but what it points at must itself be a regular file.
"""

from __future__ import annotations

import os
import stat

from markerc.diagnostics import Location, MarkercError

__all__ = [
    "MAX_HUB_BYTES",
    "MAX_TEXT_BYTES",
    "describe_mode",
    "first_line",
    "read_bytes",
    "read_text",
]

MAX_HUB_BYTES = 1024 * 1024 * 1024  # a hub file (the real Xinference hub is 1.6 MB)
MAX_TEXT_BYTES = 64 * 1024 * 1024  # TOML tables, pyproject.toml, locks, reports

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def describe_mode(mode: int) -> str:
    """``'a directory'``, ``'a FIFO'``, ... for a file mode that is not a regular file."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _refuse(path: str, reason: str) -> MarkercError:
    return MarkercError("MK205", f"cannot read {path}: {reason}", location=Location(path, 1, 1))


def read_bytes(path: str, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of the regular file ``path``; MK205 for anything else, MK624 above ``limit``."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _refuse(path, exc.strerror or exc.__class__.__name__) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(path, f"{describe_mode(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise _too_large(path, limit)
        chunks: list[bytes] = []
        total = 0
        while True:  # read to the end, but never past the limit (the file may be growing)
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise _too_large(path, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise _refuse(path, exc.strerror or exc.__class__.__name__) from None
    finally:
        os.close(fd)


def _too_large(path: str, limit: int) -> MarkercError:
    return MarkercError(
        "MK621",
        f"{path} is larger than {limit // (1024 * 1024)} MiB, the limit for this kind of file",
        location=Location(path, 1, 1),
    )


def read_text(path: str, limit: int = MAX_TEXT_BYTES, errors: str = "strict") -> str:
    """:func:`read_bytes` decoded as UTF-8 (``errors`` as for :meth:`bytes.decode`); a file that
    is not UTF-8 (with ``errors="strict"``) is MK205 naming the first bad byte's offset."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        raise _refuse(
            path, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def first_line(path: str, limit: int = 4096) -> str | None:
    """The first line of the regular file ``path`` (at most ``limit`` bytes, undecodable bytes
    replaced), or None when it cannot be read or is no regular file: for probing a folder's files
    without ever blocking on a FIFO or reading a device."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        head = os.read(fd, limit)
    except OSError:
        return None
    finally:
        os.close(fd)
    return head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
