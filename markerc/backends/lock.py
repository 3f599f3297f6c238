"""Lock back end: compiled sets -> ``uv pip compile`` / ``pip-compile`` / ``uv lock`` -> lock files.

Three steps, each a small piece:

* :func:`plan` (pure): one *case* per compiled set (per model for ``--format uv``), each with an
  output path and a resolution *request* (the exact input files, resolver arguments and target
  facts).  Cases whose requests are equal share one :class:`LockJob`, keyed by the request's
  fingerprint (:mod:`markerc.backends.lockfile`), so N identical models resolve once.  ``shard=(I, N)``
  keeps every N-th job by sorted key.
* :func:`run_lock`: answers each job from the cache (``<out_dir>/.markerc-cache`` by default,
  with its own ``.gitignore``), or from existing outputs written for the same fingerprint, or by
  running the resolver (in parallel with ``jobs > 1``) in a private temp directory; every
  resolution runs, each success is written (one staged set, :func:`markerc.files.write_all`),
  each failure is an outcome with the hub locations involved.  With ``check=True`` nothing is
  resolved or written: each output is compared with its fingerprint and content digest.
* Resolution is wheels-only unless ``allow_build`` (uv ``--no-build``): no code from the hub runs.
  What the resolver prints is made printable and bounded; what it writes is parsed before it is
  kept (MK539); a CUDA target's lock never pins another CUDA's builds (MK540).

See ``docs/lock.md``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from markerc.backends import lockfile
from markerc.backends.matrix import (
    DEFAULT_PYTHON,
    LockTarget,
    Outcome,
    TorchPin,
    case_dir,
    default_lock_target,
    output_name,
)
from markerc.backends.uvtool import (
    ProcResult,
    Runner,
    absolute_location,
    child_env,
    is_url,
    python_version,
    read_text,
    trim_output,
)
from markerc.compiler.result import CompiledSet, IndexOptions, Line
from markerc.compiler.targets import canonical_name
from markerc.diagnostics import Location, MarkercError
from markerc.files import atomic_write, safe_name
from markerc.reading import first_line
from markerc.safety import line_problem, toml_string

FORMATS = ("pylock", "requirements", "uv")
RESOLVERS = ("uv", "pip-compile")
CACHE_DIRNAME = ".markerc-cache"
_KEY_SCHEMA = 2
_STRATEGY_ORDER = ("first-index", "unsafe-first-match", "unsafe-best-match")
_PIN_PROJECT = "markerc-torch-index"
_RESOLUTION = "resolution.txt"  # round 1 of a lock over a base
_MAX_PIN_ROUNDS = 3
#: The flag that lets a resolution build sdists (run their build backends).
ALLOW_BUILD_FLAG = "--allow-build"

Progress = Callable[[int, int, str, int], None]  # (done, total, what, failed) after each resolution


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Request:
    """Everything one resolution needs, as plain data; its fingerprint is the job key.

    ``files`` are written into an empty temp directory, the resolver runs there with ``args``
    (after the program: the uv binary, or ``python -m piptools compile``) and ``env``, and
    ``reads`` are the files read back.  ``pin``/``pinned``: the PyTorch family pinned to an
    explicit index (``pinned``: the names pinned from the first round on); ``cuda``: the target's
    CUDA, checked against the result.
    """

    fmt: str
    resolver: str
    files: tuple[tuple[str, str], ...]
    args: tuple[str, ...]
    reads: tuple[str, ...]
    fingerprint: lockfile.Fingerprint = field(compare=False, repr=False, default=None)  # type: ignore[assignment]
    env: tuple[tuple[str, str], ...] = ()
    pin: TorchPin | None = None
    pinned: tuple[str, ...] = ()
    cuda: str | None = None
    #: skip-installed (docs/lock.md, "Locks over a base"): the base environment, the compiled
    #: lines, the index option lines, the first round's arguments, the names never provided
    base: tuple[tuple[str, str], ...] | None = None
    lines: tuple[Line, ...] = field(default=(), compare=False, repr=False)
    option_lines: tuple[str, ...] = ()
    resolve_args: tuple[str, ...] = ()
    reinstall: tuple[str, ...] = ()

    def key(self) -> str:
        return self.fingerprint.key


@dataclass(frozen=True)
class LockJob:
    key: str  # the fingerprint of the resolution input
    sets: tuple[CompiledSet, ...]  # all cases that share this input
    outputs: tuple[str, ...]  # relative output paths (uv format: pyproject.toml and uv.lock)
    request: Request = field(repr=False, compare=False, default=None)  # type: ignore[assignment]
    resolved_by: tuple[tuple[str, str], ...] = field(
        default=(), compare=False, repr=False
    )  # output -> header line


@dataclass(frozen=True)
class LockPlan:
    jobs: tuple[LockJob, ...]
    cases: int
    fmt: str = "pylock"
    resolver: str = "uv"
    outcomes: tuple[
        Outcome, ...
    ] = ()  # pairs that are not cases (skipped, excluded, failed to compile)
    known: frozenset[str] = frozenset()  # every output path the matrix names (all shards)
    targets: tuple[str | None, ...] = ()

    def saved(self) -> int:
        """Resolutions saved by deduplication: cases minus distinct resolutions."""
        return self.cases - len(self.jobs)

    def as_json(self) -> dict[str, object]:
        return {
            "format": self.fmt,
            "resolver": self.resolver,
            "cases": self.cases,
            "resolutions": len(self.jobs),
            "saved": self.saved(),
            "jobs": [{"key": j.key, "outputs": list(j.outputs)} for j in self.jobs],
            "skipped": [o.as_json() for o in self.outcomes if o.status == "skipped"],
            "excluded": [o.as_json() for o in self.outcomes if o.status == "excluded"],
            "failed": [o.as_json() for o in self.outcomes if o.status == "failed"],
        }


@dataclass(frozen=True)
class Failure:
    """A failed resolution: the error to print once, and the outputs it leaves unwritten."""

    error: MarkercError
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class LockReport:
    outcomes: tuple[Outcome, ...] = ()
    resolutions: int = 0  # resolver processes run (rounds of one job count once)
    cache_hits: int = 0  # jobs answered by the cache or by existing outputs of the same key
    failures: tuple[Failure, ...] = ()
    resolver_seconds: float = 0.0  # wall time of the resolver processes, summed

    def _paths(self, status: str) -> tuple[str, ...]:
        return tuple(o.output for o in self.outcomes if o.status == status and o.output)

    @property
    def written(self) -> tuple[str, ...]:
        return self._paths("written")

    @property
    def unchanged(self) -> tuple[str, ...]:
        return self._paths("unchanged")

    @property
    def stale(self) -> tuple[str, ...]:
        return self._paths("stale")

    @property
    def missing(self) -> tuple[str, ...]:
        return self._paths("missing")

    @property
    def pruned(self) -> tuple[str, ...]:
        return self._paths("pruned")

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def up_to_date(self) -> bool:
        return not self.stale and not self.missing


# --------------------------------------------------------------------------- naming


def normalize_extra(name: str) -> str:
    """PEP 685 normalisation (``llama.cpp`` -> ``llama-cpp``)."""
    return re.sub(r"[-_.]+", "-", name).lower().strip("-") or "engine"


def _case_dir(cs: CompiledSet, fmt: str) -> str:
    return case_dir(cs.file, cs.model, cs.target, fmt)


def output_path(cs: CompiledSet, fmt: str) -> str:
    """Relative output path of one case (``/``-separated).

    ``pylock``: ``<model>/<target|universal>/pylock.<engine>.toml`` with dots in the engine mapped
    to ``-`` (PEP 751 names match ``^pylock\\.([^.]+)\\.toml$``: ``pylock.llama-cpp.toml``);
    ``requirements``: ``.../requirements.<engine>.txt`` (dots kept); ``uv``: ``<model>/uv.lock``
    (``<model>/<target>/uv.lock`` for a target), next to its ``pyproject.toml``.
    """
    _check_format(fmt)
    return output_name(cs.file, cs.model, cs.engine, cs.target, fmt)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise MarkercError("MK507", f"unknown lock format {fmt!r} (choose {', '.join(FORMATS)})")


# --------------------------------------------------------------------------- requests


def _options(opts: IndexOptions) -> IndexOptions:
    """Local find-links made absolute (the resolver runs in a temp directory)."""
    return replace(opts, find_links=tuple(absolute_location(f) for f in opts.find_links))


def _requirements_in(cs: CompiledSet, opts: IndexOptions, *, trusted_host_lines: bool) -> str:
    option_lines = [
        ln for ln in opts.pip_lines() if trusted_host_lines or not ln.startswith("--trusted-host")
    ]
    lines = (*cs.requirements, *option_lines)
    for ln in lines:  # the compile checked the hub's values; this is the uv input's last guard
        problem = line_problem(ln, f"uv input line {ln!r}", expansion=True, hash_comment=False)
        if problem is not None:
            raise MarkercError(problem.code, problem.message)
    return "".join(f"{ln}\n" for ln in lines)


@dataclass(frozen=True)
class Settings:
    """Run-wide inputs of every request."""

    resolver_version: str
    environment: tuple[tuple[str, str], ...] = ()
    allow_build: bool = False


def _fingerprint(*, requirements: object, sources: object, lt: LockTarget, resolver: str,
                 settings: Settings, request: object, reinstall: Sequence[str] = ()) -> lockfile.Fingerprint:  # fmt: skip
    p = lt.platform
    parts = {
        "requirements": requirements,
        "sources": [
            sources,
            [lt.torch.url, lt.torch.backend, list(lt.torch.packages)] if lt.torch else None,
        ],
        "platform": [
            p.python_platform,
            p.python_version,
            list(p.env),
            list(p.facts),
            lt.cuda_version,
        ]
        + ([["base", [list(b) for b in lt.base], list(reinstall)]] if lt.base is not None else []),
        "resolver": [resolver, settings.resolver_version, settings.allow_build, _KEY_SCHEMA],
        "environment": [list(e) for e in settings.environment],
        "request": request,
    }
    return lockfile.Fingerprint.make(parts, f"{settings.resolver_version} for {lt.describe()}")


def _direct_pins(sets: Sequence[CompiledSet], pin: TorchPin | None) -> tuple[str, ...]:
    """PyTorch-family names the sets require unconditionally: pinned from the first round."""
    if pin is None:
        return ()
    found = {_line_name(line) for cs in sets for line in cs.lines if line.marker is None}
    return tuple(sorted(n for n in found if n in pin.packages))


def _uv_compile_request(cs: CompiledSet, fmt: str, lt: LockTarget, settings: Settings) -> Request:
    opts = _options(cs.options)
    plat = lt.platform
    out = "pylock.toml" if fmt == "pylock" else "requirements.txt"
    args = [
        "pip",
        "compile",
        "requirements.in",
        "-o",
        out,
        "--color",
        "never",
        "--no-header",
        "--no-config",
    ]
    args += ["--universal"] if plat.universal else ["--python-platform", plat.python_platform or ""]
    args += ["--python-version", plat.python_version]
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
    if not settings.allow_build:
        args.append("--no-build")
    text = _requirements_in(cs, opts, trusted_host_lines=False)
    pinned = _direct_pins([cs], lt.torch)
    files = (("requirements.in", text),)
    env = plat.env
    resolve_args: list[str] = []
    if lt.base is not None:  # round 1 resolves what the base lacks; the lock is round 2, --no-deps
        resolve_args = ["pip", "compile", "requirements.in", "-o", _RESOLUTION, "--color", "never", "--no-header",
                        "--no-config", "--no-annotate", *args[args.index("--no-config") + 1:args.index("--python-version") + 2],
                        "--format", "requirements.txt", *source_args]  # fmt: skip
        resolve_args += [] if settings.allow_build else ["--no-build"]
        args.append("--no-deps")
    fp = _fingerprint(
        requirements=list(cs.requirements),
        sources=[opts.pip_lines(), source_args],
        lt=lt, resolver="uv", settings=settings,
        request=[fmt, [list(f) for f in files], args, [list(e) for e in env], list(pinned), resolve_args],
        reinstall=cs.reinstall,
    )  # fmt: skip
    return Request(fmt, "uv", files, tuple(args), (out,), fp, env, lt.torch, pinned, lt.cuda_version,
                   lt.base, cs.lines, tuple(opts.pip_lines()), tuple(resolve_args), cs.reinstall)  # fmt: skip


def _pip_compile_request(cs: CompiledSet, lt: LockTarget, settings: Settings) -> Request:
    if lt.base is not None:
        raise MarkercError(
            "MK556",
            "lock --skip-installed needs the uv resolver (pip-compile cannot lock over a base)",
        )
    _check_pip_compile_target(cs)
    opts = _options(cs.options)
    args = ["--no-header", "--strip-extras", "--newline", "LF", "--quiet", "--no-emit-find-links",
            "--generate-hashes"]  # fmt: skip
    args += ["--output-file", "requirements.txt"]
    if opts.no_build_isolation:
        args.append("--no-build-isolation")
    if not settings.allow_build:
        args += ["--pip-args", "--only-binary=:all:"]
    args.append("requirements.in")
    text = _requirements_in(cs, opts, trusted_host_lines=True)
    files = (("requirements.in", text),)
    fp = _fingerprint(requirements=list(cs.requirements), sources=[opts.pip_lines()], lt=lt,
                      resolver="pip-compile", settings=settings,
                      request=["requirements", [list(f) for f in files], args])  # fmt: skip
    return Request("requirements", "pip-compile", files, tuple(args), ("requirements.txt",), fp,
                   cuda=lt.cuda_version)  # fmt: skip


def _check_pip_compile_target(cs: CompiledSet) -> None:
    """pip-compile resolves for the running interpreter only: refuse a target that differs."""
    from packaging.markers import default_environment

    here = default_environment()
    for name, value in cs.bound_markers:
        if name in here and here[name] != value:  # type: ignore[literal-required]
            raise MarkercError(
                "MK507",
                f"pip-compile resolves for the running interpreter only, but target "
                f"{cs.target or '(command line)'} binds {name} = {value!r} and this interpreter has "
                f"{here[name]!r}; use the uv resolver",  # type: ignore[literal-required]
            )


def _toml_list(values: Sequence[str], indent: str = "") -> str:
    if not values:
        return "[]"
    body = "".join(f"{indent}    {toml_string(v)},\n" for v in values)
    return f"[\n{body}{indent}]"


def _index_table(
    name: str, url: str, *, explicit: bool = False, default: bool = False
) -> list[str]:
    """A ``[[tool.uv.index]]`` table; a local folder (no URL scheme) is a flat (find-links) index."""
    out = ["", "[[tool.uv.index]]", f"name = {toml_string(name)}", f"url = {toml_string(url)}"]
    if not is_url(url):
        out.append('format = "flat"')
    if default:
        out.append("default = true")
    out.append("explicit = true" if explicit else "explicit = false")
    return out


def _pin_tables(pin: TorchPin, names: Sequence[str]) -> list[str]:
    """``[tool.uv.sources]`` pinning ``names`` to the explicit torch index, and that index."""
    out = ["", "[tool.uv.sources]"]
    out += [f"{toml_string(n)} = {{ index = {toml_string(pin.index_name)} }}" for n in names]
    return out + _index_table(pin.index_name, pin.url, explicit=True)


def pins_pyproject(pin: TorchPin, names: Sequence[str]) -> str:
    """The second input of ``uv pip compile`` on a target with a torch index: a virtual project
    requiring ``names`` (bare: the other requirements decide versions) from that index only.

    uv applies a package's index to every requirement on it once one *direct* requirement names
    it (``tool.uv.sources`` alone does not reach transitive dependencies), so each PyTorch-family
    package the resolution contains is made direct here.
    """
    out = ["[project]", f"name = {toml_string(_PIN_PROJECT)}", 'version = "0"',
           f"dependencies = {_toml_list(list(names))}"]  # fmt: skip
    return "\n".join(out + _pin_tables(pin, names)) + "\n"


def _environment_marker(bound: Mapping[str, str]) -> str | None:
    terms = [f"{k} == '{bound[k]}'" for k in ("sys_platform", "platform_machine") if k in bound]
    return " and ".join(terms) or None


def _requires_python(bound: Mapping[str, str]) -> str:
    if "python_full_version" in bound:
        return f"=={python_version(bound)}"
    if "python_version" in bound:
        return f"=={bound['python_version']}.*"
    return f">={DEFAULT_PYTHON}"


def uv_pyproject(project: str, sets: Sequence[CompiledSet], pin: TorchPin | None = None) -> str:
    """The ``pyproject.toml`` of ``--format uv``: one extra per engine, all extras in conflict;
    with ``pin``, the PyTorch-family packages the extras name are pinned to that index."""
    extras: dict[str, CompiledSet] = {}
    for cs in sets:
        extra = normalize_extra(cs.engine)
        if extra in extras:
            raise MarkercError(
                "MK507",
                f"{project}: engines {extras[extra].engine!r} and {cs.engine!r} map to one extra "
                f"{extra!r} (from {extras[extra].file} and {cs.file})",
            )
        extras[extra] = cs
    bound = dict(sets[0].bound_markers)
    name = re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", safe_name(project)) or "model"
    out = [
        "[project]",
        f"name = {toml_string(name + '-env')}",
        'version = "0"',
        f"requires-python = {toml_string(_requires_python(bound))}",
        "dependencies = []",
        "",
        "[project.optional-dependencies]",
    ]
    out += [f"{toml_string(e)} = {_toml_list(cs.requirements)}" for e, cs in extras.items()]
    out += ["", "[tool.uv]", "package = false"]
    if len(extras) > 1:
        pairs = ", ".join(f"{{ extra = {toml_string(e)} }}" for e in extras)
        out.append(f"conflicts = [\n    [{pairs}],\n]")
    env = _environment_marker(bound)
    if env:
        out.append(f"environments = [{toml_string(env)}]")
    opts = [_options(cs.options) for cs in extras.values()]
    strategies = [o.index_strategy for o in opts if o.index_strategy]
    if strategies:  # the most permissive strategy any engine asks for
        out.append(f"index-strategy = {toml_string(max(strategies, key=_strategy_rank))}")
    if any(o.no_build_isolation for o in opts):
        out.append("no-build-isolation = true")
    if any(o.no_index for o in opts):
        out.append("no-index = true")
    find_links = _unique(f for o in opts for f in o.find_links)
    if find_links:
        out.append(f"find-links = {_toml_list(find_links)}")
    hosts = _unique(h for o in opts for h in o.trusted_host)
    if hosts:
        out.append(f"allow-insecure-host = {_toml_list(hosts)}")
    seen: set[str] = set()
    for i, url in enumerate(_unique(o.index_url for o in opts if o.index_url)):
        seen.add(url)
        out += [
            "",
            "[[tool.uv.index]]",
            f"name = {toml_string('default' if i == 0 else f'index-{i}')}",
        ]
        out += [f"url = {toml_string(url)}", "default = true" if i == 0 else "explicit = false"]
    for extra, cs in extras.items():
        for n, url in enumerate(_options(cs.options).extra_index_url, start=1):
            if url in seen:
                continue
            seen.add(url)
            out += ["", "[[tool.uv.index]]", f"name = {toml_string(f'{extra}-{n}')}"]
            out += [f"url = {toml_string(url)}", "explicit = false"]
    names = _direct_pins(list(extras.values()), pin)
    if pin is not None and names:
        out += _pin_tables(pin, names)
    return "\n".join(out) + "\n"


def _strategy_rank(strategy: str) -> int:
    return _STRATEGY_ORDER.index(strategy) if strategy in _STRATEGY_ORDER else -1


def _unique(items: object) -> list[str]:
    return list(dict.fromkeys(items))  # type: ignore[call-overload]


def _uv_lock_request(
    project: str, sets: Sequence[CompiledSet], lt: LockTarget, settings: Settings
) -> Request:
    if lt.base is not None:
        raise MarkercError("MK556", "lock --skip-installed writes pylock or requirements locks: a uv.lock cannot "
                                    "record what a base environment provides")  # fmt: skip
    body = uv_pyproject(project, sets, lt.torch)
    args = ["lock", "--color", "never"] + ([] if settings.allow_build else ["--no-build"])
    files = (("pyproject.toml", body),)
    fp = _fingerprint(
        requirements={normalize_extra(cs.engine): list(cs.requirements) for cs in sets},
        sources=[_options(cs.options).pip_lines() for cs in sets],
        lt=lt, resolver="uv", settings=settings,
        request=["uv", [list(f) for f in files], args],
    )  # fmt: skip
    return Request("uv", "uv", files, tuple(args), ("uv.lock",), fp, cuda=lt.cuda_version)


# --------------------------------------------------------------------------- plan


def resolver_settings(resolver: str = "uv", *, allow_build: bool = False, program: Sequence[str] | None = None,
                      environ: Mapping[str, str] | None = None) -> Settings:  # fmt: skip
    """The run-wide inputs: the resolver's version (one ``--version`` call) and the ``UV_*``
    settings that change its answer."""
    from markerc.backends.uvtool import resolution_environment, tool_version

    if resolver == "pip-compile":
        from importlib.metadata import PackageNotFoundError, version

        try:
            label = f"pip-compile {version('pip-tools')} (pip {version('pip')})"
        except PackageNotFoundError:
            label = "pip-compile (not installed)"
        return Settings(label, (), allow_build)
    return Settings(
        tool_version(program or _program("uv")), resolution_environment(environ), allow_build
    )


def plan(
    sets: Sequence[CompiledSet],
    *,
    fmt: str = "pylock",
    resolver: str = "uv",
    shard: tuple[int, int] | None = None,
    targets: Mapping[str | None, LockTarget] | None = None,
    settings: Settings | None = None,
    outcomes: Sequence[Outcome] = (),
    target_names: Sequence[str | None] | None = None,
) -> LockPlan:
    """Deduplicated resolution jobs for ``sets``.

    ``targets`` maps a set's target name to what the resolver must know about it (a name not
    there: derived from the set's bound markers); ``settings`` defaults to
    :func:`resolver_settings` (it asks the resolver for its version).  ``outcomes`` are the pairs
    that are not cases (from :func:`markerc.backends.matrix.build_matrix`); with ``shard`` each lands in
    exactly one shard.
    """
    _check_format(fmt)
    if resolver not in RESOLVERS:
        raise MarkercError(
            "MK507", f"unknown resolver {resolver!r} (choose {', '.join(RESOLVERS)})"
        )
    if resolver == "pip-compile" and fmt != "requirements":
        raise MarkercError("MK507", "the pip-compile resolver writes only --format requirements")
    settings = settings or resolver_settings(resolver)
    known_targets = dict(targets or {})

    def target_of(cs: CompiledSet) -> LockTarget:
        return known_targets.get(cs.target) or default_lock_target(cs)

    cases: list[tuple[tuple[str, ...], tuple[CompiledSet, ...], Request]] = []
    described: dict[str, str] = {}
    if fmt == "uv":
        groups: dict[str, list[CompiledSet]] = {}
        for cs in sets:
            groups.setdefault(_case_dir(cs, fmt), []).append(cs)
        for base, members in groups.items():
            request = _uv_lock_request(case_dir(members[0].file, members[0].model, None, "uv").split("/")[0],
                                       members, target_of(members[0]), settings)  # fmt: skip
            cases.append(((f"{base}/pyproject.toml", f"{base}/uv.lock"), tuple(members), request))
            described[f"{base}/pyproject.toml"] = (
                f"{settings.resolver_version} for {target_of(members[0]).describe()}"
            )
    else:
        for cs in sets:
            if resolver == "pip-compile":
                request = _pip_compile_request(cs, target_of(cs), settings)
            else:
                request = _uv_compile_request(cs, fmt, target_of(cs), settings)
            cases.append(((output_path(cs, fmt),), (cs,), request))
            described[output_path(cs, fmt)] = (
                f"{settings.resolver_version} for {target_of(cs).describe()}"
            )

    by_path: dict[str, tuple[str, CompiledSet]] = {}
    grouped: dict[str, tuple[list[str], list[CompiledSet], Request]] = {}
    n_cases = 0
    for outputs, members, request in cases:
        key = request.key()
        prior = by_path.get(outputs[0])
        if prior is not None:
            if prior[0] == key:
                continue  # the same case listed twice
            raise MarkercError(
                "MK507",
                f"two cases write {outputs[0]}: {_describe_set(prior[1])} and "
                f"{_describe_set(members[0])}; select one with --model or --engine",
            )
        by_path[outputs[0]] = (key, members[0])
        n_cases += 1
        entry = grouped.setdefault(key, ([], [], request))
        entry[0].extend(outputs)
        entry[1].extend(members)
    jobs = [LockJob(k, tuple(s), tuple(o), r, tuple((p, described[p]) for p in o if p in described))
            for k, (o, s, r) in grouped.items()]  # fmt: skip
    # outputs a run speaks for: its cases, and the pairs it keeps (excluded, failed to compile);
    # a skipped pair's old lock is an orphan (--prune removes it)
    kept = [o.output for o in outcomes if o.output and o.status in ("excluded", "failed")]
    known = frozenset([p for o, _s, _r in cases for p in o] + kept)
    kept_outcomes = tuple(outcomes)
    if shard is not None:
        jobs = shard_jobs(jobs, shard)
        per_case = 2 if fmt == "uv" else 1
        n_cases = sum(len(j.outputs) // per_case for j in jobs)
        kept_outcomes = tuple(
            o for o in outcomes if _shard_of(o.output or o.model or "", shard[1]) == shard[0] - 1
        )
    names = (
        tuple(target_names)
        if target_names is not None
        else tuple(dict.fromkeys(cs.target for cs in sets))
    )
    return LockPlan(tuple(jobs), n_cases, fmt, resolver, kept_outcomes, known, names)


def _shard_of(text: str, count: int) -> int:
    return int(lockfile.text_digest(text)[:8], 16) % count


def shard_jobs(jobs: Sequence[LockJob], shard: tuple[int, int]) -> list[LockJob]:
    """Shard ``(I, N)`` (1-based): the jobs whose rank among sorted keys is ``I-1`` modulo N."""
    index, count = shard
    if count < 1 or not 1 <= index <= count:
        raise MarkercError("MK507", f"invalid shard {index}/{count}: need 1 <= I <= N")
    rank = {k: i for i, k in enumerate(sorted({j.key for j in jobs}))}
    return [j for j in jobs if rank[j.key] % count == index - 1]


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``; anything else is MK507."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m:
        raise MarkercError("MK507", f"invalid shard {text!r}: expected I/N, e.g. 1/4")
    shard = (int(m.group(1)), int(m.group(2)))
    shard_jobs([], shard)
    return shard


def _describe_set(cs: CompiledSet) -> str:
    target = f", target {cs.target}" if cs.target else ""
    return f"{cs.file} model {cs.model or '-'} engine {cs.engine}{target}"


# --------------------------------------------------------------------------- outputs


def _command_for(job: LockJob, output: str) -> str:
    """The header's re-create command of one output (built from its case)."""
    if job.request.fmt == "uv":
        base = output.rsplit("/", 1)[0]
        members = [cs for cs in job.sets if _case_dir(cs, "uv") == base] or list(job.sets)
        cs = members[0]
        return lockfile.lock_command(
            cs.file, cs.model, [m.engine for m in members], cs.target, "uv"
        )
    cs = job.sets[job.outputs.index(output)]  # one output per set, in the same order
    return lockfile.lock_command(cs.file, cs.model, [cs.engine], cs.target, job.request.fmt)


def _source_name(job: LockJob, output: str) -> tuple[str, bool]:
    """Which resolver file an output holds, and whether it carries the markerc header."""
    if job.request.fmt == "uv":
        name = output.rsplit("/", 1)[-1]
        return name, name == "pyproject.toml"
    return job.request.reads[0], True


def _render(job: LockJob, output: str, files: Mapping[str, str]) -> str:
    name, headed = _source_name(job, output)
    if not headed:
        return files[name]
    extra = f" uv.lock={lockfile.text_digest(files['uv.lock'])}" if job.request.fmt == "uv" else ""
    resolved_by = dict(job.resolved_by).get(output)
    return lockfile.render(
        _command_for(job, output), job.request.fingerprint, files[name], extra, resolved_by
    )


def _names(job: LockJob) -> tuple[str, ...]:
    """The resolver files a job's outputs are made of."""
    if job.request.fmt == "uv":
        return ("pyproject.toml", "uv.lock")
    return job.request.reads


def _cache_path(cache_dir: str, key: str) -> str:
    return os.path.join(cache_dir, f"{key}.json")


def _cache_load(cache_dir: str, job: LockJob) -> dict[str, str] | None:
    from markerc.reading import read_text as read_bounded

    try:
        doc = json.loads(read_bounded(_cache_path(cache_dir, job.key)))
    except (MarkercError, ValueError):
        return None
    files = doc.get("files") if isinstance(doc, dict) and doc.get("key") == job.key else None
    if not isinstance(files, dict) or not all(isinstance(files.get(n), str) for n in _names(job)):
        return None
    return {n: files[n] for n in _names(job)}


def _cache_store(cache_dir: str, job: LockJob, files: Mapping[str, str]) -> None:
    ignore = os.path.join(cache_dir, ".gitignore")
    if not os.path.exists(ignore):  # the cache may live inside a committed lock folder
        atomic_write(ignore, "# markerc's resolution cache: never commit it\n*\n")
    doc = {"key": job.key, "format": job.request.fmt, "resolver": job.request.resolver,
           "files": dict(files)}  # fmt: skip
    atomic_write(_cache_path(cache_dir, job.key), json.dumps(doc, indent=1, sort_keys=True) + "\n")


def _from_outputs(out_dir: str, job: LockJob) -> dict[str, str] | None:
    """Answer a job from outputs already on disk, written for the same key and not edited since."""
    if job.request.fmt == "uv":
        base = job.outputs[0].rsplit("/", 1)[0]
        parsed = lockfile.parse(read_text(os.path.join(out_dir, base, "pyproject.toml")))
        lock = read_text(os.path.join(out_dir, base, "uv.lock"))
        if parsed is None or lock is None or parsed.key != job.key or not parsed.intact():
            return None
        if parsed.extra("uv.lock") != lockfile.text_digest(lock):
            return None
        return {"pyproject.toml": parsed.body, "uv.lock": lock}
    for output in job.outputs:
        parsed = lockfile.parse(read_text(os.path.join(out_dir, output)))
        if parsed is not None and parsed.key == job.key and parsed.intact():
            return {job.request.reads[0]: parsed.body}
    return None


# --------------------------------------------------------------------------- resolving


def _program(resolver: str) -> list[str]:
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
    prog = list(program if program is not None else _program(req.resolver))
    extra = (
        ["--python", sys.executable]
        if req.resolver == "uv" and req.args[:2] == ("pip", "compile")
        else []
    )
    # (builds, --allow-build only, use our interpreter)
    run = runner or run_process
    with tempfile.TemporaryDirectory(prefix="markerc-lock-") as tmp:
        env = _child_env(req, tmp)
        if req.base is not None:
            files, resolved = _resolve_over_base(job, prog, extra, tmp, env, run, timer)
        else:
            files, resolved = _rounds(job, [*prog, *req.args, *extra], dict(req.files), req.reads, _kind(req),
                                      tuple(req.pinned), tmp, env, run, timer)  # fmt: skip
        lockfile.check_cuda(resolved, req.cuda)
        leaked = [n for n, t in files.items() if _mentions(t, tmp)]
    if leaked:
        raise MarkercError("MK539", f"{req.resolver} output {', '.join(leaked)} names its temp "
                                    "directory; refusing to write a machine-specific lock")  # fmt: skip
    return {n: files[n] for n in _names(job)}


def _rounds(job: LockJob, base: Sequence[str], given: Mapping[str, str], reads: Sequence[str], kind: str,
            pinned: tuple[str, ...], tmp: str, env: Mapping[str, str], run: Runner,
            timer: list[float] | None) -> tuple[dict[str, str], object]:  # fmt: skip
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
            text = _read_output(os.path.join(tmp, name))
            if text is None:
                raise resolver_error(job, f"{req.resolver} wrote no {name}\n{result.stderr}", 0)
            files[name] = text
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
                       run: Runner, timer: list[float] | None) -> tuple[dict[str, str], object]:  # fmt: skip
    """A lock over a base (:mod:`markerc.backends.base`): round 1 resolves the lines the base does not
    satisfy, preferring the base's versions; round 2 locks exactly what the base lacks
    (``--no-deps``); the lock ends with what the base provides."""
    from markerc.backends import base as base_mod

    req = job.request
    installed = dict(req.base or ())
    parts = base_mod.split(req.lines, installed, None, req.reinstall)
    provided = dict(parts.provided)
    todo: list[base_mod.Pin] = []
    if parts.to_resolve:
        given = {"requirements.in": "".join(f"{ln}\n" for ln in (*parts.to_resolve, *req.option_lines)),
                 _RESOLUTION: base_mod.preferences(installed)}  # fmt: skip
        pinned = tuple(
            sorted(
                n
                for n in _names_in(parts.to_resolve)
                if req.pin is not None and n in req.pin.packages
            )
        )
        files, _ = _rounds(job, [*prog, *req.resolve_args, *extra], given, (_RESOLUTION,), "requirements",
                           pinned, tmp, env, run, timer)  # fmt: skip
        pins = base_mod.parse_resolution(files[_RESOLUTION])
        todo, also = base_mod.install_set(pins, installed, req.reinstall)
        provided.update(also)
    text = "".join(f"{p.text}\n" for p in todo) + "".join(f"{ln}\n" for ln in req.option_lines)
    names = tuple(
        sorted(p.name for p in todo if req.pin is not None and p.name in req.pin.packages)
    )
    for name in os.listdir(tmp):  # a fresh round: no preference file, no earlier output
        if not os.path.isdir(os.path.join(tmp, name)):
            os.remove(os.path.join(tmp, name))
    files, resolved = _rounds(job, [*prog, *req.args, *extra], {"requirements.in": text}, req.reads, _kind(req),
                              names, tmp, env, run, timer)  # fmt: skip
    files[req.reads[0]] += base_mod.render_provided(req.fmt, sorted(provided.items()))
    return files, resolved


def _names_in(lines: Sequence[str]) -> set[str]:
    out = set()
    for text in lines:
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
        if m and "://" not in text.split(";")[0].split("@")[0]:
            out.add(canonical_name(m.group(1)))
    return out


def _kind(req: Request) -> str:
    return "uv.lock" if req.fmt == "uv" else req.fmt


def _mentions(text: str, directory: str) -> bool:
    real = os.path.realpath(directory)
    return any(d in text for d in {directory, real, directory.replace(os.sep, "/")})


_NETWORK = re.compile(r"Failed to fetch|error sending request|dns error|Connection (refused|reset)|"
                      r"client error \(Connect\)|timed out|network was disabled|Could not connect", re.I)  # fmt: skip
_NO_BUILD = re.compile(r"building from source is disabled|marked as `?--no-build|no usable wheels.*--no-build|"
                       r"--only-binary|building source distributions (for `[^`]*` )?is disabled",
                       re.I | re.S)  # fmt: skip
_URL = re.compile(r"https?://[^\s/`'\"]+")


def classify(stderr: str) -> tuple[str, str]:
    """(cause, code) of a resolver failure from its message."""
    if _NO_BUILD.search(stderr):
        return "sdist-refused", "MK538"
    if _NETWORK.search(stderr):
        return "network", "MK541"
    if (
        "No solution found" in stderr
        or "ResolutionImpossible" in stderr
        or "Could not find a version" in stderr
    ):
        return "no-solution", "MK506"
    return "resolver", "MK506"


def _deciding_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for prefix in ("cause:", "hint:", "error:"):
        for ln in lines:
            if ln.lower().startswith(prefix):
                return ln[len(prefix) :].strip()[:300]
    return (lines[0] if lines else "failed")[:300]


def _read_output(path: str) -> str | None:
    """What the resolver wrote (None: nothing): undecodable bytes become U+FFFD, which
    :func:`lockfile.check_output` refuses as MK539 with the resolver's exit status and stderr."""
    from markerc.reading import read_text as read_bounded

    if not os.path.lexists(path):
        return None
    return read_bounded(path, errors="replace")


def resolver_error(job: LockJob, stderr: str, returncode: int) -> MarkercError:
    """The failure of one job: uv's own (printable, bounded) text, its cause, and the hub
    locations of the requirements it names (each once, however many engines share the job)."""
    text = trim_output(stderr) or f"exit status {returncode}"
    cause, code = classify(text)
    deciding = _deciding_line(text)
    what = job.outputs[0] + (f" (and {len(job.outputs) - 1} more)" if len(job.outputs) > 1 else "")
    lines = [f"{job.request.resolver} could not resolve {what} (exit status {returncode}):"]
    lines += [f"  | {ln}" for ln in text.splitlines()]
    notes: list[str] = []
    if cause == "sdist-refused":
        notes.append(f"markerc resolves with wheels only, so that no code from the hub runs during lock; "
                     f"{ALLOW_BUILD_FLAG} lets the resolver build sdists (it runs their build backends)")  # fmt: skip
    elif cause == "network":
        hosts = sorted({m.group(0).split("://", 1)[1] for m in _URL.finditer(text)})
        notes.append("a package index could not be reached from this machine"
                     + (f" ({', '.join(hosts)})" if hosts else "")
                     + ": a cause of the environment, not of the hub")  # fmt: skip
        deciding = f"{notes[-1]}; uv: {deciding}"
    location: Location | None = None
    involved = _involved_lines(job, text)
    if involved:
        lines.append("requirements involved:")
        seen: set[str] = set()
        for line in involved:
            where = ", ".join(o.describe() for o in line.origins) or "no recorded origin"
            if (line.render(), where) in seen:
                continue
            seen.add((line.render(), where))  # type: ignore[arg-type]
            lines.append(f"  {line.render()}  from {where}")
            if location is None:
                location = next((o.location for o in line.origins if o.location), None)
    err = MarkercError(code, "\n".join(lines), location=location, notes=tuple(notes))
    err.cause = cause  # type: ignore[attr-defined]
    err.deciding = deciding  # type: ignore[attr-defined]
    err.stderr_text = text  # type: ignore[attr-defined]
    return err


def _line_name(line: Line) -> str | None:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line.requirement)
    return canonical_name(m.group(1)) if m and "://" not in line.requirement.split("@")[0] else None


def _involved_lines(job: LockJob, stderr: str) -> list[Line]:
    words = {canonical_name(w) for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9._-]*", stderr)}
    words |= {canonical_name(w.rstrip(".")) for w in list(words)}
    every: list[Line] = []
    seen: set[str] = set()
    for cs in job.sets:
        for line in cs.lines:
            if line.render() not in seen:
                seen.add(line.render())
                every.append(line)
    named = [ln for ln in every if _line_name(ln) in words]
    return named or every


def _locations(job: LockJob, error: MarkercError) -> tuple[str, ...]:
    """The hub locations of the requirements a failure involves, each once."""
    lines = _involved_lines(job, getattr(error, "stderr_text", error.message))
    return tuple(
        dict.fromkeys(str(o.location) for ln in lines for o in ln.origins if o.location is not None)
    )


# --------------------------------------------------------------------------- run


@dataclass(frozen=True)
class PruneScope:
    """Which files under ``--out`` a run speaks for: its format, its targets (folder names), and,
    when the selection named them, its models and engines."""

    fmt: str
    targets: frozenset[str]
    models: frozenset[str] | None = None  # folder names; None: every model
    engines: frozenset[str] | None = None  # file-name engine parts; None: every engine

    def covers(self, rel: str) -> bool:
        parts = rel.split("/")
        if self.fmt == "uv":
            if parts[-1] not in ("uv.lock", "pyproject.toml") or len(parts) not in (2, 3):
                return False
            target = parts[1] if len(parts) == 3 else "universal"
            engine_ok = True
        else:
            if len(parts) != 3:
                return False
            m = re.fullmatch(
                r"pylock\.([^.]+)\.toml" if self.fmt == "pylock" else r"requirements\.(.+)\.txt",
                parts[2],
            )
            if not m:
                return False
            target, engine_ok = parts[1], self.engines is None or m.group(1) in self.engines
        return (
            target in self.targets
            and engine_ok
            and (self.models is None or parts[0] in self.models)
        )

    @staticmethod
    def engine_part(engine: str, fmt: str) -> str:
        return safe_name(engine).replace(".", "-") if fmt == "pylock" else safe_name(engine)


def orphans(out_dir: str, plan: LockPlan, scope: PruneScope) -> list[str]:
    """Lock files markerc wrote under ``out_dir``, in ``scope``, that no case of the matrix
    writes any more (sorted, ``/``-separated)."""
    found = []
    if not os.path.isdir(out_dir):
        return found
    for root, dirs, names in os.walk(out_dir):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(root, d))
        )
        for name in sorted(names):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, out_dir).replace(os.sep, "/")
            if rel in plan.known or not scope.covers(rel) or os.path.islink(path):
                continue
            probe = path if not rel.endswith("uv.lock") else os.path.join(root, "pyproject.toml")
            if first_line(probe) == lockfile.HEADER_FIRST:
                found.append(rel)
    return found


def run_lock(
    plan: LockPlan,
    out_dir: str,
    *,
    cache_dir: str | None = None,
    jobs: int = 1,
    check: bool = False,
    progress: Progress | None = None,
    runner: Runner | None = None,
    refresh: bool = False,
    programs: Mapping[str, Sequence[str]] | None = None,
    prune: PruneScope | None = None,
) -> LockReport:
    """Resolve what the cache cannot answer, then write (or, with ``check``, compare) outputs.

    ``cache_dir`` None means ``<out_dir>/.markerc-cache``.  ``refresh`` ignores cached answers and
    existing outputs (re-resolves everything).  ``runner`` replaces :func:`uvtool.run_process`,
    ``programs`` the resolver commands (by resolver name).  Every job runs; each success is
    written, each failure becomes ``failed`` outcomes (and a :class:`Failure` to print).  With
    ``check`` nothing is resolved or written: each output is ``unchanged``, ``stale`` (with the
    reason) or ``missing``.  ``prune``: lock files in that scope that no case writes any more are
    removed (``pruned``), or with ``check`` reported ``stale``.
    """
    if check:
        return _check(plan, out_dir, prune)
    cache = cache_dir if cache_dir is not None else os.path.join(out_dir, CACHE_DIRNAME)
    answers: dict[str, dict[str, str]] = {}
    todo: list[LockJob] = []
    for job in plan.jobs:
        found = None if refresh else (_cache_load(cache, job) or _from_outputs(out_dir, job))
        if found is None:
            todo.append(job)
        else:
            answers[job.key] = found
    hits = len(answers)
    timer: list[float] = []
    resolved, errors = _resolve_all(todo, jobs=jobs, runner=runner, progress=progress,
                                    programs=programs, timer=timer)  # fmt: skip
    answers.update(resolved)
    for job in todo:
        if job.key in resolved:
            _cache_store(cache, job, resolved[job.key])

    outcomes: list[Outcome] = []
    files: dict[str, str] = {}
    for job in plan.jobs:
        error = errors.get(job.key)
        for cs, output in _cases(job):
            row = _row(job, cs, output)
            if error is not None:
                reason = getattr(error, "deciding", error.message.splitlines()[0])[:300]
                cause = getattr(error, "cause", _CAUSES.get(error.code, "resolver"))
                outcomes.append(Outcome(**row, status="failed", reason=reason, locations=_locations(job, error),
                                        code=error.code, cause=cause))  # fmt: skip
                continue
            for rel in _job_outputs(job, output):
                content = _render(job, rel, answers[job.key])
                if read_text(os.path.join(out_dir, *rel.split("/"))) != content:
                    files[rel] = content
            outcomes.append(Outcome(**row, status="written" if output in files else "unchanged"))
    if files:
        from markerc.files import write_all

        write_all(files, out_dir)
    if prune is not None:
        for rel in orphans(out_dir, plan, prune):
            _remove_inside(out_dir, rel)
            outcomes.append(_orphan_row(rel, "pruned", plan, prune))
    failures = tuple(Failure(errors[j.key], j.outputs) for j in plan.jobs if j.key in errors)
    return LockReport(tuple(plan.outcomes) + tuple(outcomes), len(todo), hits, failures, sum(timer))


_CAUSES = {"MK539": "invalid-output", "MK540": "cuda-mismatch"}


def _cases(job: LockJob) -> list[tuple[CompiledSet, str]]:
    """(set, output) per case of a job; ``--format uv``: one case per model folder (uv.lock)."""
    if job.request.fmt != "uv":
        return list(
            zip(job.sets, job.outputs, strict=False)
        )  # one output per set, in the same order
    return [(next(s for s in job.sets if _case_dir(s, "uv") == o.rsplit("/", 1)[0]), o)
            for o in job.outputs if o.endswith("uv.lock")]  # fmt: skip


def _job_outputs(job: LockJob, output: str) -> list[str]:
    if job.request.fmt == "uv":
        base = output.rsplit("/", 1)[0]
        return [f"{base}/pyproject.toml", f"{base}/uv.lock"]
    return [output]


def _row(job: LockJob, cs: CompiledSet, output: str) -> dict[str, object]:
    engine = cs.engine
    if job.request.fmt == "uv":  # one case per model: every engine of that model's uv.lock
        engine = ",".join(s.engine for s in job.sets if _case_dir(s, "uv") == _case_dir(cs, "uv"))
    return {
        "file": cs.file,
        "model": cs.model,
        "engine": engine,
        "target": cs.target,
        "output": output,
    }


def _orphan_row(rel: str, status: str, plan: LockPlan, scope: PruneScope) -> Outcome:
    parts = rel.split("/")
    target = parts[1] if len(parts) == 3 else None
    engine = (
        re.sub(r"^(pylock|requirements)\.|\.(toml|txt)$", "", parts[-1])
        if plan.fmt != "uv"
        else "*"
    )
    reason = "no case of the matrix writes this file any more"
    reason += "; removed (--prune)" if status == "pruned" else "; run with --prune to remove it"
    return Outcome("", parts[0], engine, None if target == "universal" else target, status, rel,
                   reason, code="MK536")  # fmt: skip


def _remove_inside(out_dir: str, rel: str) -> None:
    """Delete one lock file found by :func:`orphans` (never outside ``out_dir``, never a link)."""
    path = os.path.join(out_dir, *rel.split("/"))
    base = os.path.realpath(out_dir)
    if os.path.islink(path) or os.path.commonpath([base, os.path.realpath(path)]) != base:
        return
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _check(plan: LockPlan, out_dir: str, prune: PruneScope | None) -> LockReport:
    outcomes: list[Outcome] = []
    for job in plan.jobs:
        for cs, output in _cases(job):
            row = _row(job, cs, output)
            status, reason, code = _check_output(job, out_dir, output)
            outcomes.append(Outcome(**row, status=status, reason=reason, code=code))  # type: ignore[arg-type]
    if prune is not None:
        outcomes += [
            _orphan_row(rel, "stale", plan, prune) for rel in orphans(out_dir, plan, prune)
        ]
    return LockReport(tuple(plan.outcomes) + tuple(outcomes), 0, 0)


def _check_output(job: LockJob, out_dir: str, output: str) -> tuple[str, str | None, str | None]:
    """(status, reason, code) of one output, without resolving anything."""
    headed = output.rsplit("/", 1)[0] + "/pyproject.toml" if job.request.fmt == "uv" else output
    text = read_text(os.path.join(out_dir, *headed.split("/")))
    lock_text = read_text(os.path.join(out_dir, *output.split("/")))
    if text is None or lock_text is None:
        return "missing", "no lock file: run markerc lock without --check", "MK535"
    parsed = lockfile.parse(text)
    if parsed is None:
        what = (
            "an older markerc header" if lockfile.written_by_markerc(text) else "no markerc header"
        )
        return "stale", f"{what}: re-create it with markerc lock", "MK534"
    if not parsed.intact() or (
        job.request.fmt == "uv" and parsed.extra("uv.lock") != lockfile.text_digest(lock_text)
    ):
        return (
            "stale",
            "the file was changed after markerc wrote it (its content digest does not match)",
            "MK537",
        )
    if parsed.key != job.key:
        reasons = lockfile.stale_reasons(parsed, job.request.fingerprint)
        return "stale", "; ".join(reasons) or "the resolution input changed", "MK534"
    files = {_source_name(job, headed)[0]: parsed.body}
    if job.request.fmt == "uv":
        files["uv.lock"] = lock_text
    if _render(job, headed, files) != text:
        return (
            "stale",
            "the header is out of date (another hub file name, model or target name)",
            "MK534",
        )
    return "unchanged", None, None


def _resolve_all(
    todo: Sequence[LockJob],
    *,
    jobs: int,
    runner: Runner | None,
    progress: Progress | None,
    programs: Mapping[str, Sequence[str]] | None,
    timer: list[float],
) -> tuple[dict[str, dict[str, str]], dict[str, MarkercError]]:
    resolved: dict[str, dict[str, str]] = {}
    errors: dict[str, MarkercError] = {}
    total = len(todo)
    if progress and total:
        progress(0, total, "", 0)

    known = dict(programs or {})
    found = {
        r: list(known[r]) if r in known else _program(r)
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


# --------------------------------------------------------------------------- verifying a lock


def verify_lock(path: str, job: LockJob | None = None) -> None:
    """Before installing ``path``: MK545 without a markerc header, MK537 when its content no
    longer matches what markerc wrote, MK534 when ``job`` (the compiled set's resolution) has
    other requirements, sources or platform than the lock was made for."""
    text = read_text(path)
    if text is None:
        raise MarkercError("MK205", f"cannot read lock file {path}: no such file")
    parsed = lockfile.parse(text)
    if parsed is None:
        raise MarkercError("MK545", f"{path} has no markerc lock header; install --lock installs only "
                                    "locks markerc wrote (it verifies them first)")  # fmt: skip
    if not parsed.intact():
        raise MarkercError("MK537", f"{path} was changed after markerc wrote it (its content digest does "
                                    "not match); re-create it with markerc lock")  # fmt: skip
    if job is not None and parsed.key != job.key:
        reasons = lockfile.stale_reasons(
            parsed, job.request.fingerprint, only=("requirements", "sources", "platform")
        )
        if reasons:
            raise MarkercError("MK534", f"{path} is stale for this model, engine and target: "
                                        + "; ".join(reasons) + "; re-create it with markerc lock")  # fmt: skip
