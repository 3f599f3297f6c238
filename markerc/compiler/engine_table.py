"""The engine table's records and queries (SPEC section 6): engines by name and alias, their
package lists, indexes and platforms, the PyTorch index pinning, and what an engine list on the
command line or in a marker names.

The records are read and validated from TOML by :mod:`markerc.compiler.engines`, which is also
where importers take them from.  Entries are kept as strings here; another module parses the
language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, cached_property
from typing import TYPE_CHECKING

from markerc.diagnostics import MarkercError
from markerc.language.variables import split_engine_list  # the one rule (marker and --engine)
from markerc.language.versions import release_matches
from markerc.records import record

if TYPE_CHECKING:
    from markerc.compiler.targets import Value

__all__ = [
    "ALL_ENGINES",
    "BUILTIN_SOURCE",
    "CudaIndex",
    "Engine",
    "EngineTable",
    "TorchIndex",
    "engine_key",
    "means_all_engines",
    "split_engine_list",
]

BUILTIN_SOURCE = "markerc/data/engines.toml"
#: ``--engine all``: every engine each model names.
ALL_ENGINES = "all"


def engine_key(name: str) -> str:
    """The case-insensitive key an engine name or alias is looked up by."""
    return name.strip().lower()


def means_all_engines(names: Sequence[str]) -> bool:
    """Whether a split engine list is ``all`` (any case): the engines each model names."""
    return len(names) == 1 and engine_key(names[0]) == ALL_ENGINES


@record
class Engine:
    """One engine of the table (``[engines.NAME]``)."""

    name: str
    aliases: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    model_formats: tuple[tuple[str, tuple[str, ...]], ...] = ()
    index_url: str | None = None
    extra_index_url: tuple[str, ...] = ()
    index_strategy: str | None = None
    platforms: tuple[str, ...] = ()  # sys_platform values it runs on; () = everywhere
    #: launch step 19: distributions pinned to the target's installed versions (NumPy ABI pins)
    abi_pins: tuple[str, ...] = ()
    #: launch step 14: the index of the engine's CUDA builds (llama.cpp's xllamacpp)
    cuda_index: CudaIndex | None = None
    source: str = BUILTIN_SOURCE  # the file it came from (the last one that changed it)

    def runs_on(self, sys_platform: str) -> bool:
        return not self.platforms or sys_platform in self.platforms

    def format_packages(self, fmt: str | None) -> tuple[str, ...]:
        """Model-format extras for ``fmt`` (case-insensitive); () when none."""
        if not fmt:
            return ()
        key = engine_key(fmt)
        for name, packages in self.model_formats:
            if engine_key(name) == key:
                return packages
        return ()


@cache
def _cuda_matches(spec: str, cuda_version: str) -> bool:
    """``cuda_version`` satisfies the PEP 440 specifier ``spec`` (pre-releases allowed)."""
    plain = release_matches(spec, cuda_version)  # 12.8 in >=12.8,<13: packaging unasked
    if plain is not None:
        return plain
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        return SpecifierSet(spec, prereleases=True).contains(
            Version(cuda_version), prereleases=True
        )
    except (InvalidSpecifier, InvalidVersion):  # specifiers are checked when the table is read
        return False


@record
class CudaIndex:
    """An engine's own index of CUDA builds (``[engines.NAME.cuda_index]``, Xinference launch
    step 14): on a target with a usable CUDA device, the first ``backends`` entry whose CUDA
    specifier holds for the target's ``cuda_version`` makes ``url`` (``{backend}`` replaced) the
    only index; ``packages`` are never taken from a base environment (skip-installed), since the
    CPU build found there has the same version as the CUDA build."""

    url: str = ""
    backends: tuple[tuple[str, str], ...] = ()  # (backend, PEP 440 specifier on cuda_version)
    packages: tuple[str, ...] = ()

    def backend_for(self, cuda_version: Value) -> str | None:
        if not self.url or not isinstance(cuda_version, str):
            return None
        for backend, spec in self.backends:
            if _cuda_matches(spec, cuda_version):
                return backend
        return None

    def url_for(self, backend: str) -> str:
        return self.url.replace("{backend}", backend)


@record
class TorchIndex:
    """Where the PyTorch family's builds for one accelerator come from (``[torch_index]``).

    ``url`` is a template with ``{backend}`` (``cpu``, ``cu128``, ...); ``backends`` are the
    builds the index serves; ``packages`` the distributions pinned to it.  Replace ``url`` to use a
    mirror; ``url = ""`` switches the pinning off.
    """

    url: str = ""
    backends: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    #: launch step 12: local tags of a system-pinned PyTorch-family version (``2.8.0+cu128``)
    #: for which the compile adds ``url`` (``{backend}`` = the tag) as the first extra index
    launch_tags: tuple[str, ...] = ()
    #: the distributions whose ``#system_X#`` pins step 12 looks at, in output order
    launch_packages: tuple[str, ...] = ()
    source: str = BUILTIN_SOURCE

    def backend_for(
        self, *, sys_platform: Value, has_cuda: Value, cuda_version: Value
    ) -> str | None:
        """The build a target needs: ``cuMm`` for CUDA M.m (the highest listed backend of the same
        major and a minor not above m: a CUDA 12.9 driver runs cu128 builds), ``cpu`` for a Linux
        or Windows target without CUDA; None where no pinning applies (macOS, unbound facts, no
        fitting backend)."""
        if not self.url or sys_platform not in ("linux", "win32"):
            return None
        if has_cuda is False or (has_cuda is True and cuda_version is None):
            return "cpu" if "cpu" in self.backends and has_cuda is False else None
        if has_cuda is not True or not isinstance(cuda_version, str):
            return None
        m = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)*", cuda_version)
        if not m:
            return None
        major, minor = int(m.group(1)), int(m.group(2))
        fitting = []
        for b in self.backends:
            digits = b[2:]
            if b.startswith("cu") and digits[:-1] == str(major) and int(digits[-1]) <= minor:
                fitting.append((int(digits[-1]), b))
        return max(fitting)[1] if fitting else None

    def url_for(self, backend: str) -> str:
        return self.url.replace("{backend}", backend)


@record
class EngineTable:
    """The engine table: engines by name and alias, and the PyTorch index pinning."""

    engines: tuple[Engine, ...]
    torch_index: TorchIndex = TorchIndex()

    @cached_property
    def _lookup(self) -> dict[str, Engine]:
        out: dict[str, Engine] = {}
        for engine in self.engines:
            out[engine_key(engine.name)] = engine
        for engine in self.engines:
            for alias in engine.aliases:
                out.setdefault(engine_key(alias), engine)
        return out

    def canonical(self, name: str) -> str | None:
        """Canonical engine name (case-insensitive, through aliases); None if unknown."""
        engine = self._lookup.get(engine_key(name))
        return engine.name if engine is not None else None

    def find(self, name: str) -> Engine | None:
        return self._lookup.get(engine_key(name))

    def get(self, name: str) -> Engine:
        """The engine called ``name``; MK103 with a suggestion when there is none."""
        engine = self.find(name)
        if engine is not None:
            return engine
        message = f"unknown engine {name!r}"
        hint = self.suggest(name)
        if hint is not None:
            message += f"; did you mean {hint!r}?"
        raise MarkercError("MK103", message, notes=(f"known engines: {', '.join(self.names())}",))

    def suggest(self, name: str) -> str | None:
        import difflib

        close = difflib.get_close_matches(engine_key(name), list(self._lookup), n=1, cutoff=0.6)
        return self._lookup[close[0]].name if close else None

    def names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.engines)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and engine_key(name) in self._lookup
