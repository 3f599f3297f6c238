"""Subprocess and resolver helpers shared by :mod:`markerc.backends.lock` and
:mod:`markerc.backends.install`: running a process (:func:`run_process`), finding uv, the child
environment, trimming a tool's output, tool versions, the platform and Python a resolver is
given for a target (:func:`resolver_platform`), package locations and a venv's interpreter.

Everything here is small and side-effect free except :func:`run_process` (and
:func:`read_text`, which reads a file).  ``subprocess`` and ``uv`` are imported inside functions so that importing
markerc (``markerc --version``) stays fast.

Processes are always started from an argument list (never a shell).  A *runner* is any callable
with the signature of :func:`run_process`; tests inject one to count or forbid subprocess calls.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Protocol

from markerc.diagnostics import MarkercError
from markerc.records import record
from markerc.safety import mask_credentials, terminal


@record
class ProcResult:
    """What a finished process left behind."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class Runner(Protocol):
    """What runs a process: :func:`run_process`, or a test's stand-in."""

    def __call__(
        self, argv: Sequence[str], *, cwd: str | None = ..., env: Mapping[str, str] | None = ...
    ) -> ProcResult: ...


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
        done = subprocess.run(
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
        import uv

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError) as exc:
        raise MarkercError(
            "MK506",
            f"this command runs uv, which is not installed ({exc}): pip install 'markerc[lock]'",
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


#: Resolver output for a terminal or a CI log (colour codes dropped, every other escape sequence
#: and control character shown, tabs and newlines kept) and credentials hidden: the one
#: implementation of each lives in :mod:`markerc.safety`.
printable = terminal
redact = mask_credentials


_NOISE = (
    re.compile(r"^warning: The requested Python version .* is not available"),
    re.compile(r"^Resolved \d+ packages? in "),
    re.compile(r"^Using (CPython|Python) "),
)


def trim_output(
    text: str, *, max_lines: int = 40, max_chars: int = 4000, max_line: int = 400
) -> str:
    """uv's stderr for a diagnostic: printable (:func:`printable`), no credentials, no noise,
    bounded length (lines, characters per line, characters in all)."""
    lines = [printable(ln).rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
    lines = [ln if len(ln) <= max_line else ln[:max_line] + " ..." for ln in lines]
    lines = [ln for ln in lines if ln and not any(p.search(ln) for p in _NOISE)]
    if len(lines) > max_lines:
        lines = [f"... ({len(lines) - max_lines} lines omitted)", *lines[-max_lines:]]
    out = redact("\n".join(lines))
    if len(out) > max_chars:
        out = "..." + out[-max_chars:]
    return out


# --------------------------------------------------------------------------- resolver identity

#: ``UV_*`` variables that never change what uv resolves (where things go, how it talks to the
#: network, credentials); every other ``UV_*`` variable set in markerc's environment is part of
#: a lock's input fingerprint.
_UV_IRRELEVANT = re.compile(
    r"UV_(CACHE_DIR|NO_CACHE|OFFLINE|CONCURRENT_\w+|HTTP_TIMEOUT|HTTP_RETRIES|REQUEST_TIMEOUT|"
    r"NATIVE_TLS|NO_PROGRESS|NO_WRAP|LOG_CONTEXT|PYTHON_DOWNLOADS|PYTHON_INSTALL_DIR|"
    r"PYTHON_CACHE_DIR|KEYRING_PROVIDER|INSECURE_HOST|INDEX_\w+_(USERNAME|PASSWORD)|"
    r"PUBLISH_\w+|TOOL_\w+|INSTALL_DIR|LINK_MODE|COMPILE_BYTECODE|NO_MODIFY_PATH|"
    r"INTERNAL__\w+|TEST_\w+|NO_CONFIG|CONFIG_FILE|CUSTOM_COMPILE_COMMAND)"
)


def resolution_environment(environ: Mapping[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """The ``UV_*`` settings of ``environ`` (default: ours) that can change uv's answer, sorted.

    They are hashed into the lock fingerprint (never printed: values may hold URLs with
    credentials).  ``UV_NO_CONFIG`` / ``UV_CONFIG_FILE`` are not listed: markerc runs uv without
    configuration files (``--no-config``, or a private config home for ``uv lock``).
    """
    env = os.environ if environ is None else environ
    return tuple(
        sorted(
            (k, v)
            for k, v in env.items()
            if k.startswith("UV_") and not _UV_IRRELEVANT.fullmatch(k)
        )
    )


def tool_version(argv: Sequence[str], *, runner: Runner | None = None) -> str:
    """``uv --version`` (or any ``--version``) output's first line without the build details in
    parentheses, e.g. ``uv 0.13.9``; the version is part of the lock fingerprint.  A program that
    cannot answer is MK506."""
    result = (runner or run_process)([*argv, "--version"], cwd=None, env=child_env())
    first = result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
    line = printable(re.sub(r"\s*\(.*\)\s*$", "", first))
    if result.returncode != 0 or not line:
        detail = trim_output(result.stderr, max_lines=3) or f"exit status {result.returncode}"
        raise MarkercError("MK506", f"cannot ask {argv[0]} for its version: {detail}")
    return line[:100]


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
    """``python_full_version`` if bound, else ``python_version``, else None; without a local label
    (an untagged build reports ``3.11.1+``, which packaging reads as ``3.11.1+local``: uv takes
    only the release, and ``==3.11.1`` matches every local build of it)."""
    value = bound.get("python_full_version") or bound.get("python_version")
    return value.split("+", 1)[0] if value else value


#: When a Linux target does not say its glibc: uv's own default for ``*-unknown-linux-gnu``.
DEFAULT_GLIBC = "2.28"
#: When a macOS target says neither ``macos_version`` nor a Darwin ``platform_release``: uv's own
#: default (the oldest macOS still supported by Apple).
DEFAULT_MACOS = "13.0"
#: The manylinux levels uv 0.13 accepts in ``--python-platform``.
MANYLINUX_RANGE = ((2, 17), (2, 40))
#: The only musllinux level uv resolves for (``*-unknown-linux-musl``).
MUSL_LEVEL = (1, 2)


@record
class ResolverPlatform:
    """How one target reaches the resolver: universal, or one ``--python-platform`` (with the
    exact manylinux level) plus environment (``MACOSX_DEPLOYMENT_TARGET``).

    ``facts`` are the platform facts used (stated or derived or defaulted), ``notes`` say where
    each came from; both go into the lock header and the fingerprint.
    """

    python_platform: str | None  # None: --universal
    python_version: str
    env: tuple[tuple[str, str], ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def universal(self) -> bool:
        return self.python_platform is None

    def describe(self) -> str:
        """One line for the lock header, e.g. ``x86_64-manylinux_2_39 (glibc 2.39), Python 3.11.7``."""
        where = "universal" if self.python_platform is None else self.python_platform
        notes = f" ({'; '.join(self.notes)})" if self.notes else ""
        return f"{where}{notes}, Python {self.python_version}"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def macos_from_darwin(release: str) -> str | None:
    """macOS version from a Darwin kernel release: 24.1.0 -> 15.0 (Darwin 20 and later: major - 9);
    19.6.0 -> 10.15 (Darwin 5-19: 10.(major - 4)); None when it is not a Darwin release."""
    m = re.match(r"(\d+)\.", release)
    if not m:
        return None
    major = int(m.group(1))
    if major >= 20:
        return f"{major - 9}.0"
    if 5 <= major <= 19:
        return f"10.{major - 4}"
    return None


def resolver_platform(
    bound: Mapping[str, str], facts: Mapping[str, str], *, default_python: str
) -> ResolverPlatform:
    """The resolver platform of a target from its bound standard markers and platform facts.

    Linux (glibc): ``<arch>-manylinux_<major>_<minor>`` from ``glibc_version`` (default
    :data:`DEFAULT_GLIBC`); Linux (musl): ``<arch>-unknown-linux-musl`` (uv's musllinux_1_2);
    macOS: ``<arch>-apple-darwin`` with ``MACOSX_DEPLOYMENT_TARGET`` from ``macos_version``,
    else derived from ``platform_release``, else :data:`DEFAULT_MACOS`; Windows: the MSVC
    triple; anything less bound: universal.  A target uv cannot express is MK530.
    """
    pyver = python_version(bound) or default_python
    triple = python_platform(bound)
    if triple is None:
        return ResolverPlatform(None, pyver)
    arch = triple.split("-", 1)[0]
    glibc, musl, macos = (facts.get(k) for k in ("glibc_version", "musl_version", "macos_version"))
    if triple.endswith("linux-gnu"):
        if glibc and musl:
            raise MarkercError(
                "MK530", f"a target cannot state both glibc_version {glibc} and musl_version {musl}"
            )
        if musl:
            if _version_tuple(musl)[:2] < MUSL_LEVEL:
                raise MarkercError(
                    "MK530", f"musl_version {musl}: uv resolves musl targets for musllinux_1_2 only"
                )
            return ResolverPlatform(f"{arch}-unknown-linux-musl", pyver, (), (("musl_version", musl),),
                                    (f"musl {musl}: musllinux_1_2 wheels",))  # fmt: skip
        level = _version_tuple(glibc or DEFAULT_GLIBC)[:2]
        if len(level) < 2 or level < MANYLINUX_RANGE[0]:
            raise MarkercError(
                "MK530",
                f"glibc_version {glibc}: uv cannot resolve for glibc older than 2.17 (manylinux2014)",
            )
        note = (
            f"glibc {glibc}"
            if glibc
            else f"glibc {DEFAULT_GLIBC}: markerc's default, the target does not say"
        )
        if level > MANYLINUX_RANGE[1]:
            level = MANYLINUX_RANGE[1]
            note += f"; uv knows manylinux up to 2_{level[1]}"
        return ResolverPlatform(f"{arch}-manylinux_{level[0]}_{level[1]}", pyver, (),
                                (("glibc_version", glibc or DEFAULT_GLIBC),), (note,))  # fmt: skip
    if triple.endswith("apple-darwin"):
        release = bound.get("platform_release", "")
        derived = (
            macos_from_darwin(release)
            if not macos and bound.get("platform_system", "Darwin") == "Darwin"
            else None
        )
        version = macos or derived or DEFAULT_MACOS
        if macos:
            note = f"macOS {macos}"
        elif derived:
            note = f"macOS {derived}: derived from Darwin {release}"
        else:
            note = f"macOS {DEFAULT_MACOS}: markerc's default, the target does not say"
        if not re.fullmatch(r"\d+(\.\d+)?(\.\d+)?", version):
            raise MarkercError("MK530", f"macos_version {version!r} is not a macOS version")
        return ResolverPlatform(triple, pyver, (("MACOSX_DEPLOYMENT_TARGET", version),),
                                (("macos_version", version),), (note,))  # fmt: skip
    return ResolverPlatform(triple, pyver)


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
    """A file's text, or None when nothing is at ``path``; MK205 for a file that cannot be read,
    is not UTF-8 or is not a regular file (a FIFO, ``/dev/zero``), MK621 for one that is too large
    (:mod:`markerc.reading`)."""
    from markerc.reading import read_text as read_bounded

    if not os.path.lexists(path):
        return None
    return read_bounded(path)
