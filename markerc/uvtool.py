"""Subprocess helpers shared by :mod:`markerc.lock` and :mod:`markerc.install`.

Everything here is small and side-effect free except :func:`run_process` and
:func:`atomic_write`.  ``subprocess`` and ``uv`` are imported inside functions so that importing
markerc (``markerc --version``) stays fast.

Processes are always started from an argument list (never a shell).  A *runner* is any callable
with the signature of :func:`run_process`; tests inject one to count or forbid subprocess calls.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markerc.diagnostics import MarkercError


@dataclass(frozen=True)
class ProcResult:
    """What a finished process left behind."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


Runner = Callable[..., ProcResult]  # (argv, *, cwd=None, env=None) -> ProcResult


def run_process(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> ProcResult:
    """Run ``argv`` (no shell), capture text output; a missing program is exit code 127."""
    import subprocess

    try:
        done = subprocess.run(  # noqa: S603 - argument list, no shell
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        return ProcResult(tuple(argv), 127, "", f"cannot run {argv[0]}: {exc.strerror}")
    return ProcResult(tuple(argv), done.returncode, done.stdout or "", done.stderr or "")


def uv_bin() -> str:
    """The uv executable shipped by the ``uv`` PyPI package (``uv.find_uv_bin()``)."""
    try:
        import uv  # type: ignore[import-untyped]

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError) as exc:
        raise MarkercError(
            "MK506", f"cannot find the uv executable ({exc}); install markerc's 'uv' dependency"
        ) from None


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for uv/pip children: ours, without colour, plus ``extra``."""
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    env.pop("CLICOLOR_FORCE", None)
    if extra:
        env.update(extra)
    return env


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s:]+(?::[^/@\s]*)?@")


def redact(text: str) -> str:
    """Hide ``user:password@`` in URLs (SPEC section 10: credentials are never printed)."""
    return _CREDENTIALS.sub(lambda m: m.group("scheme") + "***@", text)


_NOISE = (
    re.compile(r"^warning: The requested Python version .* is not available"),
    re.compile(r"^Resolved \d+ packages? in "),
    re.compile(r"^Using (CPython|Python) "),
)


def trim_output(text: str, *, max_lines: int = 40, max_chars: int = 4000) -> str:
    """uv's stderr for a diagnostic: no colour codes, no credentials, no noise, bounded length."""
    lines = [_ANSI.sub("", ln).rstrip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not any(p.search(ln) for p in _NOISE)]
    if len(lines) > max_lines:
        lines = [f"... ({len(lines) - max_lines} lines omitted)"] + lines[-max_lines:]
    out = redact("\n".join(lines))
    if len(out) > max_chars:
        out = "..." + out[-max_chars:]
    return out


# --------------------------------------------------------------------------- target -> uv flags

_PLATFORMS: dict[tuple[str, str], str] = {
    ("linux", "x86_64"): "x86_64-unknown-linux-gnu",
    ("linux", "amd64"): "x86_64-unknown-linux-gnu",
    ("linux", "aarch64"): "aarch64-unknown-linux-gnu",
    ("linux", "arm64"): "aarch64-unknown-linux-gnu",
    ("darwin", "arm64"): "aarch64-apple-darwin",
    ("darwin", "aarch64"): "aarch64-apple-darwin",
    ("darwin", "x86_64"): "x86_64-apple-darwin",
    ("win32", "amd64"): "x86_64-pc-windows-msvc",
    ("win32", "x86_64"): "x86_64-pc-windows-msvc",
    ("win32", ""): "x86_64-pc-windows-msvc",
    ("win32", "arm64"): "aarch64-pc-windows-msvc",
}


def python_platform(bound: Mapping[str, str]) -> str | None:
    """uv's ``--python-platform`` for the bound ``sys_platform``/``platform_machine``, or None.

    None means "not enough is bound to name one platform": resolve universally instead.
    """
    plat = bound.get("sys_platform")
    if plat is None:
        return None
    machine = bound.get("platform_machine", "").lower()
    return _PLATFORMS.get((plat, machine))


def python_version(bound: Mapping[str, str]) -> str | None:
    """``python_full_version`` if bound, else ``python_version``, else None."""
    return bound.get("python_full_version") or bound.get("python_version")


# --------------------------------------------------------------------------- files and venvs


def is_url(location: str) -> bool:
    return "://" in location or location.startswith("file:")


def absolute_location(location: str, base: str | None = None) -> str:
    """A find-links entry as an absolute path (URLs unchanged), so a temp cwd cannot move it."""
    if is_url(location):
        return location
    return os.path.normpath(os.path.join(base or os.getcwd(), os.path.expanduser(location)))


def venv_python(venv: str, *, windows: bool | None = None) -> str:
    """The interpreter of a virtual environment (``Scripts/python.exe`` on Windows)."""
    if windows is None:
        windows = sys.platform == "win32"
    if windows:
        return os.path.join(venv, "Scripts", "python.exe")
    return os.path.join(venv, "bin", "python")


def read_text(path: str) -> str | None:
    """A file's text, or None when it does not exist; other errors are MK205."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise MarkercError("MK205", f"cannot read {path}: {exc}") from None
