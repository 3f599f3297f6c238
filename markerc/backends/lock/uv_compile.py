"""The ``uv pip compile`` request of one compiled set (``--format pylock`` and
``--format requirements`` with the uv resolver), over a base environment included."""

from __future__ import annotations

from markerc.backends.lock.inputs import (
    RESOLUTION,
    absolute_options,
    direct_pins,
    fingerprint,
    requirements_in,
)
from markerc.backends.lock.jobs import Request, Settings
from markerc.backends.matrix import LockTarget
from markerc.backends.naming import Format
from markerc.compiler.result import CompiledSet

__all__ = ["uv_compile_request"]


def uv_compile_request(cs: CompiledSet, fmt: Format, lt: LockTarget, settings: Settings) -> Request:
    """``uv pip compile requirements.in -o OUT`` for one target (``--universal`` or one
    ``--python-platform``), wheels only unless ``settings.allow_build``.  Over a base
    (``lt.base``), round 1 resolves what the base lacks into :data:`RESOLUTION` and the lock is
    round 2, ``--no-deps``."""
    opts = absolute_options(cs.options)
    plat = lt.platform
    out = "pylock.toml" if fmt == "pylock" else "requirements.txt"
    common = ["pip", "compile", "requirements.in", "-o"]
    quiet = ["--color", "never", "--no-header", "--no-config"]
    where = ["--universal"] if plat.universal else ["--python-platform", plat.python_platform or ""]
    where += ["--python-version", plat.python_version]
    args = [*common, out, *quiet, *where]
    if fmt == "pylock":
        args += ["--format", "pylock.toml"]
    else:
        args += ["--format", "requirements.txt", "--no-strip-markers", "--generate-hashes"]
        if opts.index_url or opts.extra_index_url:
            args.append("--emit-index-url")
    source_args: list[str] = []  # what a requirements file cannot carry for uv
    if opts.index_strategy:
        source_args += ["--index-strategy", opts.index_strategy]
    if opts.no_build_isolation:
        source_args.append("--no-build-isolation")
    for host in opts.trusted_host:
        source_args += ["--allow-insecure-host", host]
    args += source_args
    no_build = [] if settings.allow_build else ["--no-build"]
    args += no_build
    text = requirements_in(cs, opts, trusted_host_lines=False)
    pinned = direct_pins([cs], lt.torch)
    files = (("requirements.in", text),)
    env = plat.env
    resolve_args: list[str] = []
    if lt.base is not None:  # round 1 resolves what the base lacks; the lock is round 2, --no-deps
        resolve_args = [*common, RESOLUTION, *quiet, "--no-annotate", *where,
                        "--format", "requirements.txt", *source_args, *no_build]  # fmt: skip
        args.append("--no-deps")
    fp = fingerprint(
        requirements=list(cs.requirements),
        sources=[opts.pip_lines(), source_args],
        lt=lt, resolver="uv", settings=settings,
        request=[fmt, [list(f) for f in files], args, [list(e) for e in env], list(pinned), resolve_args],
        reinstall=cs.reinstall,
    )  # fmt: skip
    return Request(
        fmt,
        "uv",
        files,
        tuple(args),
        (out,),
        fp,
        env,
        pin=lt.torch,
        pinned=pinned,
        cuda=lt.cuda_version,
        base=lt.base,
        lines=cs.lines,
        option_lines=tuple(opts.pip_lines()),
        resolve_args=tuple(resolve_args),
        reinstall=cs.reinstall,
    )
