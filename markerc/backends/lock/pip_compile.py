"""The ``pip-compile`` request of one compiled set (``--resolver pip-compile``: requirements
locks for the running interpreter only)."""

from __future__ import annotations

from collections.abc import Mapping

from markerc.backends.lock.inputs import absolute_options, fingerprint, requirements_in
from markerc.backends.lock.jobs import Request, Settings
from markerc.backends.matrix import LockTarget
from markerc.compiler.result import CompiledSet
from markerc.diagnostics import MarkercError

__all__ = ["pip_compile_request"]


def pip_compile_request(cs: CompiledSet, lt: LockTarget, settings: Settings) -> Request:
    """``pip-compile requirements.in --output-file requirements.txt`` with hashes, wheels only
    unless ``settings.allow_build``; MK556 over a base, MK507 for a target that is not this
    interpreter."""
    if lt.base is not None:
        raise MarkercError(
            "MK556",
            "lock --skip-installed needs the uv resolver (pip-compile cannot lock over a base)",
        )
    _check_target(cs)
    opts = absolute_options(cs.options)
    args = ["--no-header", "--strip-extras", "--newline", "LF", "--quiet", "--no-emit-find-links",
            "--generate-hashes"]  # fmt: skip
    args += ["--output-file", "requirements.txt"]
    if opts.no_build_isolation:
        args.append("--no-build-isolation")
    if not settings.allow_build:
        args += ["--pip-args", "--only-binary=:all:"]
    args.append("requirements.in")
    text = requirements_in(cs, opts, trusted_host_lines=True)
    files = (("requirements.in", text),)
    fp = fingerprint(requirements=list(cs.requirements), sources=[opts.pip_lines()], lt=lt,
                     resolver="pip-compile", settings=settings,
                     request=["requirements", [list(f) for f in files], args])  # fmt: skip
    return Request("requirements", "pip-compile", files, tuple(args), ("requirements.txt",), fp,
                   cuda=lt.cuda_version)  # fmt: skip


def _check_target(cs: CompiledSet) -> None:
    """pip-compile resolves for the running interpreter only: refuse a target that differs."""
    from packaging.markers import default_environment

    here: Mapping[str, object] = default_environment()
    for name, value in cs.bound_markers:
        if name in here and here[name] != value:
            raise MarkercError(
                "MK507",
                f"pip-compile resolves for the running interpreter only, but target "
                f"{cs.target or '(command line)'} binds {name} = {value!r} and this interpreter has "
                f"{here[name]!r}; use the uv resolver",
            )
