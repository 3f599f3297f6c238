"""Output names of the lock matrix: where each case's lock file lives under ``--out``, and which
engine a lock file's name is for.

``pylock``: ``<model>/<target|universal>/pylock.<engine>.toml`` with dots in the engine mapped to
``-`` (PEP 751 names match ``^pylock\\.([^.]+)\\.toml$``: ``pylock.llama-cpp.toml``);
``requirements``: ``.../requirements.<engine>.txt`` (dots kept); ``uv``: ``<model>/uv.lock``
(``<model>/<target>/uv.lock`` for a target), next to its ``pyproject.toml``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal, TypeGuard, get_args

from markerc.diagnostics import MarkercError
from markerc.files import case_stem, safe_name

if TYPE_CHECKING:
    from markerc.compiler.result import CompiledSet

__all__ = [
    "FORMATS",
    "UNIVERSAL",
    "Format",
    "case_dir",
    "check_format",
    "engine_of_file",
    "engine_part",
    "is_format",
    "output_name",
    "output_path",
]

#: The lock formats (``lock --format``).
Format = Literal["pylock", "requirements", "uv"]
FORMATS: tuple[Format, ...] = get_args(Format)
#: The target folder of a case without a target profile.
UNIVERSAL = "universal"

_FILE_ENGINE = {"pylock": r"pylock\.([^.]+)\.toml", "requirements": r"requirements\.(.+)\.txt"}


def is_format(fmt: str) -> TypeGuard[Format]:
    return fmt in FORMATS


def check_format(fmt: str) -> Format:
    """``fmt`` as a :data:`Format`; MK507 for anything else."""
    if not is_format(fmt):
        raise MarkercError("MK507", f"unknown lock format {fmt!r} (choose {', '.join(FORMATS)})")
    return fmt


def case_dir(file: str, model: str | None, target: str | None, fmt: str) -> str:
    """The folder of one case (``/``-separated): ``<model>`` (``uv`` without a target) or
    ``<model>/<target|universal>``."""
    stem = case_stem(model, file)
    if fmt == "uv":
        return stem if target is None else f"{stem}/{safe_name(target)}"
    return f"{stem}/{safe_name(target) if target else UNIVERSAL}"


def engine_part(engine: str, fmt: str) -> str:
    """The engine as a lock file name carries it (``pylock``: dots mapped to ``-``)."""
    return safe_name(engine).replace(".", "-") if fmt == "pylock" else safe_name(engine)


def output_name(file: str, model: str | None, engine: str, target: str | None, fmt: str) -> str:
    """Relative output path of one case (``/``-separated); see the module docstring."""
    base = case_dir(file, model, target, fmt)
    if fmt == "pylock":
        return f"{base}/pylock.{engine_part(engine, fmt)}.toml"
    if fmt == "requirements":
        return f"{base}/requirements.{engine_part(engine, fmt)}.txt"
    return f"{base}/uv.lock"


def output_path(cs: CompiledSet, fmt: str) -> str:
    """Relative output path of one compiled set's case; MK507 for an unknown format."""
    return output_name(cs.file, cs.model, cs.engine, cs.target, check_format(fmt))


def engine_of_file(name: str, fmt: str) -> str | None:
    """The engine part of a ``pylock`` or ``requirements`` lock file name, or None when ``name``
    is no lock file of that format."""
    pattern = _FILE_ENGINE.get(fmt)
    m = re.fullmatch(pattern, name) if pattern is not None else None
    return m.group(1) if m else None
