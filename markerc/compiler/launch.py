"""Xinference's target-dependent launch steps, ahead of time: passes over what the merge produced.

Xinference's ``_prepare_virtual_env`` (research/xinference-semantics.md section 3) does more at
launch than filter and merge: it looks at the machine and changes the package list and its
sources.  Each step that depends only on the target is a pass here, run by
:func:`markerc.compiler.compile.compile_record` at one place, after the merge and the package sources:

=====  ==================================================  ========================================
step   what Xinference does                                pass (switch)
=====  ==================================================  ========================================
12     PyTorch index from the system torch's local tag     :func:`torch_local_index`
       (``2.8.0+cu128`` -> ``download.pytorch.org/whl/       (``--no-torch-local-index``,
       cu128`` first among the extra indexes)                ``[torch_index] launch_tags = []``)
14     llama.cpp on a usable CUDA device: xllamacpp's      :func:`engine_cuda_index`
       CUDA index becomes the only index                     (``--no-llama-cpp-cuda-index``,
                                                             ``[engines.NAME.cuda_index]``)
17     offline mode: wheel URLs become ``name==version``   :mod:`markerc.compiler.offline`
       (local version and marker kept); other direct         (``--offline``; implied by any user
       references are refused                                package source option)
19     sentence_transformers: NumPy ABI pins to the        :func:`abi_pins`
       parent's numpy, scipy, scikit-learn, pandas           (``--no-numpy-abi-pins``,
                                                             ``abi_pins = []`` in the engine table)
=====  ==================================================  ========================================

Step 17 lives in :mod:`markerc.compiler.offline`.  The passes are pure functions over immutable records (:class:`markerc.compiler.result.Line`,
:class:`markerc.compiler.result.IndexOptions`, the target's values and installed versions): no file, no process, no
network.  Decisions where Xinference is silent or wrong are in docs/semantics.md ("Launch steps").
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from markerc.compiler.offline import line_name, needs_index, offline_rewrite
from markerc.compiler.result import IndexOptions, Line, Origin
from markerc.compiler.targets import canonical_name
from markerc.diagnostics import Diagnostic, MarkercError
from markerc.language import algebra
from markerc.records import record, replace

if TYPE_CHECKING:
    from markerc.compiler.engines import Engine, EngineTable
    from markerc.compiler.hub import SourceString
    from markerc.compiler.indexes import UserSources
    from markerc.compiler.targets import Value

__all__ = [
    "LaunchOptions",
    "Launched",
    "abi_pins",
    "apply",
    "engine_cuda_index",
    "torch_local_index",
]


@record
class LaunchOptions:
    """Which launch steps run (the first three are on by default, as at an Xinference launch;
    offline mode is off, as Xinference's ``XINFERENCE_VIRTUAL_ENV_OFFLINE_INSTALL`` is)."""

    numpy_abi_pins: bool = True  # step 19
    torch_local_index: bool = True  # step 12
    engine_cuda_index: bool = True  # step 14
    offline: bool = False  # step 17 (also implied by user package sources)


@record
class Launched:
    """The compiled set after the launch steps."""

    lines: tuple[Line, ...]
    options: IndexOptions
    warnings: tuple[Diagnostic, ...] = ()
    #: distributions skip-installed must never take from a base environment (step 14)
    reinstall: tuple[str, ...] = ()


@functools.cache  # unbounded: one entry per distinct entry text (issue 14)
def _system_pin_name(text: str) -> str | None:
    """The distribution of a ``#system_X#`` entry (canonical), else None."""
    if "system" not in text.lower():  # the common case, without parsing
        return None
    from markerc.language.nodes import SystemPin
    from markerc.language.typecheck import check_entry

    try:
        head = check_entry(text).head
    except MarkercError:
        return None
    return canonical_name(head.name) if isinstance(head, SystemPin) else None


@functools.lru_cache(maxsize=64)
def _canonical_set(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(canonical_name(n) for n in names)


def _local_tag(version: str) -> str | None:
    return version.split("+", 1)[1].lower() if "+" in version else None


def _strip_local(version: str) -> str:
    return version.split("+", 1)[0]


# --------------------------------------------------------------------------- step 12


def torch_local_index(
    lines: Sequence[Line],
    options: IndexOptions,
    *,
    engines: EngineTable,
    system: Mapping[str, str],
    block_extra: bool,
    bindings: Mapping[str, Value],
) -> IndexOptions:
    """Step 12: the first line pinned by ``#system_X#`` (X among ``[torch_index]
    launch_packages``) whose installed version has a local tag listed in ``launch_tags`` puts
    the torch index of that tag first among the extra indexes (duplicates removed).

    As in Xinference, extra indexes the block declares are left alone (the model's own choice
    wins), and a URL tagged for another CUDA than the target's is not added (step 13).
    """
    from markerc.compiler.indexes import cuda_compatible

    index = engines.torch_index
    if not index.url or not index.launch_tags or block_extra:
        return options
    wanted = _canonical_set(index.launch_packages)
    for line in lines:
        for origin in line.origins:
            name = _system_pin_name(origin.text)
            if name is None or name not in wanted:
                continue
            tag = _local_tag(system.get(name, ""))
            if tag is None or tag not in index.launch_tags:
                continue
            url = index.url_for(tag)
            if not cuda_compatible(url, bindings):
                return options
            rest = tuple(u for u in options.extra_index_url if u != url)
            return replace(options, extra_index_url=(url, *rest))
    return options


# --------------------------------------------------------------------------- step 14


def engine_cuda_index(
    options: IndexOptions, *, engine: Engine, bindings: Mapping[str, Value]
) -> tuple[IndexOptions, tuple[str, ...]]:
    """Step 14: on a target with a usable CUDA device (``has_cuda`` true and ``cuda_version``
    bound), an engine with a ``cuda_index`` whose backends match that CUDA gets that index as
    its only source (extra indexes, find-links and the index strategy cleared).  Returns the new
    options and the distributions a base environment must not provide."""
    cuda = engine.cuda_index
    if cuda is None or bindings.get("has_cuda") is not True:
        return options, ()
    backend = cuda.backend_for(bindings.get("cuda_version"))
    if backend is None:
        return options, ()
    gpu = replace(
        options,
        index_url=cuda.url_for(backend),
        extra_index_url=(),
        find_links=(),
        index_strategy=None,
    )
    return gpu, tuple(canonical_name(p) for p in cuda.packages)


# --------------------------------------------------------------------------- step 19


def abi_pins(
    lines: Sequence[Line], *, engine: Engine, system: Mapping[str, str], keep_local_version: bool
) -> tuple[Line, ...]:
    """Step 19: for each of the engine's ``abi_pins`` the target has installed and no line
    names (PEP 503 names, whatever the line's marker), append ``name==<installed version>``
    (local label stripped unless ``keep_local_version``, as for ``#system_X#`` pins)."""
    if not engine.abi_pins:
        return tuple(lines)
    named = {line_name(line) for line in lines}
    added: list[Line] = []
    for dist in engine.abi_pins:
        key = canonical_name(dist)
        version = system.get(key)
        if version is None or key in named:
            continue
        named.add(key)
        pinned = version if keep_local_version else _strip_local(version)
        text = f"{dist}=={pinned}"
        where = f"launch step 19: NumPy ABI pins of engine {engine.name} ({engine.source})"
        origin = Origin("engine", text, via="the target's installed version", where=where)
        added.append(Line(text, None, (origin,), condition=algebra.TRUE))
    return (*lines, *added)


# --------------------------------------------------------------------------- all steps


def offline_reason(launch: LaunchOptions, user: UserSources) -> str | None:
    """What turns offline mode on: ``--offline``, or a user package source option (with a user
    index, no public URL may survive in the output)."""
    if launch.offline:
        return "--offline"
    flags = [flag for flag, on in (("--index-url", user.index_url), ("--no-index", user.no_index),
                                   ("--find-links", user.find_links), ("--extra-index-url", user.extra_index_url))
             if on]  # fmt: skip
    if flags:
        return (
            f"implied by {', '.join(flags)}: with your own package sources no public URL survives"
        )
    return None


def apply(
    lines: Sequence[Line],
    options: IndexOptions,
    *,
    engine: Engine,
    engines: EngineTable,
    system: Mapping[str, str],
    bindings: Mapping[str, Value],
    launch: LaunchOptions,
    user: UserSources,
    block_extra: bool,
    keep_local_version: bool,
    strings: Sequence[SourceString | None] = (),
) -> Launched:
    """Every launch step in Xinference's order (12, 13, 14, 17, 19) over one compiled set;
    ``system`` is the target's installed versions (canonical names), ``bindings`` its values,
    ``strings`` the record's ``packages`` (the positions of the lines' origins)."""
    warnings: list[Diagnostic] = []
    reinstall: tuple[str, ...] = ()
    why_offline = offline_reason(launch, user)
    if launch.torch_local_index and not user.given:
        options = torch_local_index(lines, options, engines=engines, system=system, block_extra=block_extra,
                                    bindings=bindings)  # fmt: skip
    if launch.engine_cuda_index and engine.cuda_index is not None:
        gpu, names = engine_cuda_index(options, engine=engine, bindings=bindings)
        if names or gpu is not options:
            if why_offline is not None:
                warnings.append(Diagnostic("MK558", "warning",
                    f"{engine.name}: the CUDA build index {gpu.index_url} is not used in offline mode "
                    f"({why_offline}); the index you named must serve the CUDA build, or the CPU build is installed"))  # fmt: skip
            else:
                options, reinstall = gpu, names
    if launch.offline:
        needs_index(options, "--offline")
    if why_offline is not None:
        lines = offline_rewrite(lines, why=why_offline, strings=strings)
    if launch.numpy_abi_pins:
        lines = abi_pins(lines, engine=engine, system=system, keep_local_version=keep_local_version)
    return Launched(tuple(lines), options, tuple(warnings), reinstall)
