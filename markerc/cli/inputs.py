"""From parsed arguments to the library's inputs: the engine table, a target, the compile
options, the selected engines and model, and the compiled records of a selection."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from markerc.cli.output import print_warnings

if TYPE_CHECKING:
    from markerc.compiler.compile import Compiled, Options
    from markerc.compiler.engines import EngineTable
    from markerc.compiler.indexes import UserSources
    from markerc.compiler.targets import Target


def engine_table(args: argparse.Namespace) -> EngineTable:
    """The built-in table, ``[tool.markerc]`` of ./pyproject.toml, then each ``--engines`` file."""
    from markerc.compiler.engines import load_engines

    pyproject = "pyproject.toml" if os.path.isfile("pyproject.toml") else None
    return load_engines(args.engine_files, pyproject=pyproject)


def target(args: argparse.Namespace, spec: str | None) -> Target:
    """The target profile ``spec`` (or none) with ``--system-python``, ``--system`` and ``--set``."""
    from markerc.compiler.targets import build_target

    installed = None
    if getattr(args, "system_python", None):
        from markerc.backends.envinfo import describe_environment

        installed = describe_environment(args.system_python, include_tooling=True)
    return build_target(spec, installed=installed, system=args.system, sets=args.sets)


def user_sources(args: argparse.Namespace) -> UserSources:
    """``--index-url``, ``--extra-index-url``, ``--find-links``, ``--no-index`` (checked)."""
    from markerc.compiler.indexes import UserSources

    return UserSources.checked(args.index_url, args.extra_index_url, args.find_links, args.no_index)


def compile_options(args: argparse.Namespace, on: Target) -> Options:
    """The compile options for target ``on``."""
    from markerc.compiler.compile import Options
    from markerc.compiler.launch import LaunchOptions

    return Options(
        target=on,
        user_packages=tuple(args.packages),
        model_format=args.model_format,
        system_missing=args.system_missing,
        keep_local_version=args.keep_local_version,
        torch_companion=not args.no_torch_companion,
        sources=user_sources(args),
        launch=LaunchOptions(
            numpy_abi_pins=not args.no_numpy_abi_pins,
            torch_local_index=not args.no_torch_local_index,
            engine_cuda_index=not args.no_llama_cpp_cuda_index,
            offline=args.offline,
        ),
    )


def engine_names(args: argparse.Namespace) -> list[str]:
    """``--engine``: the engine names as written, or ``["all"]``."""
    from markerc.compiler.engine_table import split_engine_list

    return split_engine_list(args.engine)


def one_engine(args: argparse.Namespace) -> bool:
    """Whether ``--engine`` names exactly one engine (not ``all``)."""
    from markerc.compiler.engine_table import means_all_engines

    names = engine_names(args)
    return len(names) == 1 and not means_all_engines(names)


def model(args: argparse.Namespace) -> str | None:
    """``--model``: the name, or None for every model."""
    return None if args.model in (None, "all") else args.model


def stream(
    args: argparse.Namespace, target_specs: Sequence[str | None], *, verdicts: bool = True
) -> Iterator[Compiled]:
    """Compile the selected records for each target, one at a time; once all are out, the hub's
    and the compile's warnings go to stderr (once each).  ``verdicts``: keep each input entry's
    verdict (explain; outputs do not show them)."""
    from markerc.compiler.compile import iter_compiled, load_hubs
    from markerc.records import replace

    engines = engine_table(args)
    hubs = load_hubs(args.hubs)
    warnings = [d for hub in hubs for d in hub.diagnostics if d.severity == "warning"]
    for spec in target_specs:
        options = replace(compile_options(args, target(args, spec)), verdicts=verdicts)
        for c in iter_compiled(
            hubs,
            engines=engines,
            engine_spec=engine_names(args),
            model=model(args),
            options=options,
        ):
            warnings.extend(c.warnings)
            yield c
    print_warnings(warnings)


def compiled(
    args: argparse.Namespace, target_specs: Sequence[str | None], *, verdicts: bool = True
) -> list[Compiled]:
    """:func:`stream`, all at once."""
    return list(stream(args, target_specs, verdicts=verdicts))
