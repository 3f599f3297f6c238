"""Running the resolver: each job in a fresh temp directory (in parallel with ``jobs > 1``),
with the PyTorch family pinned to a target's torch index in at most three rounds, a lock over
a base in two steps, and every output read back and checked before it is kept (MK539, MK540)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping, Sequence

from markerc.backends import lockfile
from markerc.backends.lock.failures import resolver_error
from markerc.backends.lock.inputs import RESOLUTION, requirement_name
from markerc.backends.lock.jobs import LockJob, Progress, Request
from markerc.backends.lock.uv_project import pins_pyproject
from markerc.backends.uvtool import ProcResult, Runner, child_env, trim_output
from markerc.diagnostics import MarkercError

__all__ = ["resolve_all", "resolve_job", "resolver_program"]

_MAX_PIN_ROUNDS = 3


def resolver_program(resolver: str) -> list[str]:
    """The command of a resolver: the uv binary, or ``python -m piptools compile``."""
    if resolver == "pip-compile":
        import importlib.util

        if importlib.util.find_spec("piptools") is None:
            raise MarkercError(
                "MK507", "the pip-compile resolver needs pip-tools: pip install pip-tools"
            )
        return [sys.executable, "-m", "piptools", "compile"]
    from markerc.backends.uvtool import uv_bin

    return [uv_bin()]


def _child_env(req: Request, tmp: str) -> dict[str, str]:
    env = child_env(
        {"CUSTOM_COMPILE_COMMAND": "markerc lock"} if req.resolver == "pip-compile" else None
    )
    env.pop("MACOSX_DEPLOYMENT_TARGET", None)
    env.update(dict(req.env))
    if req.fmt == "uv":
        # `uv lock` must read the generated pyproject.toml's [tool.uv] (so no --no-config), but
        # no user or system uv.toml: give it an empty configuration home.
        for name in ("UV_NO_CONFIG", "UV_CONFIG_FILE"):
            env.pop(name, None)
        env["XDG_CONFIG_HOME"] = env["XDG_CONFIG_DIRS"] = os.path.join(tmp, ".config")
    return env


def resolve_job(
    job: LockJob,
    *,
    runner: Runner | None = None,
    program: Sequence[str] | None = None,
    timer: list[float] | None = None,
) -> dict[str, str]:
    """Run the resolver for one job in a fresh temp directory; the files it produced, by name.

    ``program`` is the resolver command (default: found from ``job.request.resolver``); find it
    once, in the calling thread, when resolving in parallel (``uv.find_uv_bin`` reads sysconfig,
    which is not thread-safe on first use).  On a target with a torch index, the PyTorch-family
    packages found in the result are made direct and pinned, and the job resolves again (at most
    three rounds).  ``timer`` collects the resolver's wall time.  Failures are MarkercError.
    """
    import tempfile

    from markerc.backends.uvtool import run_process

    req = job.request
    prog = list(program if program is not None else resolver_program(req.resolver))
    # uv pip compile: builds (with --allow-build only) use our interpreter
    extra = (
        ["--python", sys.executable]
        if req.resolver == "uv" and req.args[:2] == ("pip", "compile")
        else []
    )
    run = runner or run_process
    with tempfile.TemporaryDirectory(prefix="markerc-lock-") as tmp:
        env = _child_env(req, tmp)
        if req.base is not None:
            files, resolved = _resolve_over_base(job, prog, extra, tmp, env, run, timer)
        else:
            files, resolved = _rounds(job, [*prog, *req.args, *extra], dict(req.files), req.reads, req.kind,
                                      tuple(req.pinned), tmp, env, run, timer)  # fmt: skip
        lockfile.check_cuda(resolved, req.cuda)
        leaked = [n for n, t in files.items() if _mentions(t, tmp)]
    if leaked:
        raise MarkercError("MK539", f"{req.resolver} output {', '.join(leaked)} names its temp "
                                    "directory; refusing to write a machine-specific lock")  # fmt: skip
    return {n: files[n] for n in req.resolver_files}


def _rounds(job: LockJob, base: Sequence[str], given: Mapping[str, str], reads: Sequence[str], kind: str,
            pinned: tuple[str, ...], tmp: str, env: Mapping[str, str], run: Runner,
            timer: list[float] | None) -> tuple[dict[str, str], lockfile.Resolved]:  # fmt: skip
    """Run the resolver in ``tmp`` on ``given`` files; on a target with a torch index, pin the
    PyTorch-family packages found and run again (at most three rounds).  The files read back
    (``reads``) with ``given``, and the checked output of ``reads[0]``."""
    req = job.request
    for _round in range(_MAX_PIN_ROUNDS):
        files = dict(given)
        argv = list(base)
        if req.pin is not None and pinned and req.fmt != "uv":
            files["pyproject.toml"] = pins_pyproject(req.pin, pinned)
            argv.insert(argv.index("requirements.in") + 1, "pyproject.toml")
        for name, text in files.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        started = time.perf_counter()
        result: ProcResult = run(argv, cwd=tmp, env=env)
        if timer is not None:
            timer.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise resolver_error(job, result.stderr or result.stdout, result.returncode)
        for name in reads:
            read = _read_output(os.path.join(tmp, name))
            if read is None:
                raise resolver_error(job, f"{req.resolver} wrote no {name}\n{result.stderr}", 0)
            files[name] = read
        try:
            resolved = lockfile.check_output(kind, files[reads[0]])
        except MarkercError as err:  # say what the resolver said: its exit status and stderr
            said = trim_output(result.stderr, max_lines=5) or "(nothing)"
            note = f"{req.resolver} exited {result.returncode}; its stderr: {said}"
            raise MarkercError(
                err.code, err.message, location=err.location, notes=(*err.notes, note)
            ) from None
        if req.pin is None or req.fmt == "uv":
            break
        more = tuple(sorted((resolved.names() & set(req.pin.packages)) - set(pinned)))
        if not more:
            break
        pinned = tuple(sorted({*pinned, *more}))
    return files, resolved


def _resolve_over_base(job: LockJob, prog: Sequence[str], extra: Sequence[str], tmp: str, env: Mapping[str, str],
                       run: Runner, timer: list[float] | None) -> tuple[dict[str, str], lockfile.Resolved]:  # fmt: skip
    """A lock over a base (:mod:`markerc.backends.base`): round 1 resolves the lines the base does not
    satisfy, preferring the base's versions; round 2 locks exactly what the base lacks
    (``--no-deps``); the lock ends with what the base provides."""
    from markerc.backends import base as base_mod

    req = job.request
    installed = dict(req.base or ())
    parts = base_mod.split(req.lines, installed, None, req.reinstall)
    provided = dict(parts.provided)
    todo: tuple[base_mod.Pin, ...] = ()
    if parts.to_resolve:
        given = {"requirements.in": "".join(f"{ln}\n" for ln in (*parts.to_resolve, *req.option_lines)),
                 RESOLUTION: base_mod.preferences(installed)}  # fmt: skip
        names_to_resolve = {requirement_name(text) for text in parts.to_resolve}
        pinned = tuple(
            sorted(
                n
                for n in names_to_resolve
                if n is not None and req.pin is not None and n in req.pin.packages
            )
        )
        files, _ = _rounds(job, [*prog, *req.resolve_args, *extra], given, (RESOLUTION,), "requirements",
                           pinned, tmp, env, run, timer)  # fmt: skip
        pins = base_mod.parse_resolution(files[RESOLUTION])
        todo, also = base_mod.install_set(pins, installed, req.reinstall)
        provided.update(also)
    text = "".join(f"{p.text}\n" for p in todo) + "".join(f"{ln}\n" for ln in req.option_lines)
    names = tuple(
        sorted(p.name for p in todo if req.pin is not None and p.name in req.pin.packages)
    )
    for name in os.listdir(tmp):  # a fresh round: no preference file, no earlier output
        if not os.path.isdir(os.path.join(tmp, name)):
            os.remove(os.path.join(tmp, name))
    files, resolved = _rounds(job, [*prog, *req.args, *extra], {"requirements.in": text}, req.reads, req.kind,
                              names, tmp, env, run, timer)  # fmt: skip
    files[req.reads[0]] += base_mod.render_provided(req.fmt, sorted(provided.items()))
    return files, resolved


def _mentions(text: str, directory: str) -> bool:
    real = os.path.realpath(directory)
    return any(d in text for d in {directory, real, directory.replace(os.sep, "/")})


def _read_output(path: str) -> str | None:
    """What the resolver wrote (None: nothing): undecodable bytes become U+FFFD, which
    :func:`lockfile.check_output` refuses as MK539 with the resolver's exit status and stderr."""
    from markerc.reading import read_text as read_bounded

    if not os.path.lexists(path):
        return None
    return read_bounded(path, errors="replace")


def resolve_all(
    todo: Sequence[LockJob],
    *,
    jobs: int,
    runner: Runner | None,
    progress: Progress | None,
    programs: Mapping[str, Sequence[str]] | None,
    timer: list[float],
) -> tuple[dict[str, dict[str, str]], dict[str, MarkercError]]:
    """Resolve every job (``jobs`` at a time): the files of each success and the error of each
    failure, by job key; ``progress`` after each."""
    resolved: dict[str, dict[str, str]] = {}
    errors: dict[str, MarkercError] = {}
    total = len(todo)
    if progress and total:
        progress(0, total, "", 0)

    known = dict(programs or {})
    found = {
        r: list(known[r]) if r in known else resolver_program(r)
        for r in sorted({j.request.resolver for j in todo})
    }

    def one(job: LockJob) -> dict[str, str]:
        return resolve_job(job, runner=runner, program=found[job.request.resolver], timer=timer)

    def record(done: int, job: LockJob, outcome: dict[str, str] | MarkercError) -> None:
        if isinstance(outcome, MarkercError):
            errors[job.key] = outcome
        else:
            resolved[job.key] = outcome
        if progress:
            progress(done, total, job.outputs[0], len(errors))

    if jobs <= 1 or total <= 1:
        for done, job in enumerate(todo, start=1):
            try:
                record(done, job, one(job))
            except MarkercError as exc:
                record(done, job, exc)
        return resolved, errors

    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(max_workers=min(jobs, total)) as pool:
        futures = {pool.submit(one, job): job for job in todo}
        for done, fut in enumerate(as_completed(futures), start=1):
            try:
                record(done, futures[fut], fut.result())
            except MarkercError as exc:
                record(done, futures[fut], exc)
    return resolved, errors
