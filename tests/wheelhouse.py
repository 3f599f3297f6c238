"""Test helper: write small pure-Python wheels with :mod:`zipfile`, no network, no build backend.

``build_wheelhouse(dir, specs)`` writes one ``<name>-<version>-<tag>.whl`` per spec into ``dir``
(created if missing; the tag is ``py3-none-any`` unless the spec gives a real platform tag such as
``py3-none-manylinux_2_34_x86_64``) and returns the wheel paths.  Versions may carry a local label
(``2.9.1+cu128``), as PyTorch's CUDA builds do.  A spec is a :class:`WheelSpec` or a tuple
``(name, version[, requires])`` where ``requires`` is a sequence of PEP 508 strings that become
``Requires-Dist`` lines.  The archives are byte-for-byte reproducible (fixed timestamps, sorted
members), so the hashes uv writes into lock files are stable across runs.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_EPOCH = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class WheelSpec:
    name: str
    version: str
    requires: tuple[str, ...] = ()
    requires_python: str | None = None
    tag: str = "py3-none-any"


#: The default wheelhouse of the lock/install tests.
DEFAULT_SPECS: tuple[WheelSpec, ...] = (
    WheelSpec("alpha", "1.0", ("beta>=1",)),
    WheelSpec("alpha", "2.0"),
    WheelSpec("beta", "1.0"),
    WheelSpec("beta", "2.0"),
    WheelSpec("gamma", "1.0"),
    WheelSpec("delta", "1.0", ("gamma>=1", "beta<2")),
)


def _as_spec(spec: WheelSpec | Sequence[object]) -> WheelSpec:
    if isinstance(spec, WheelSpec):
        return spec
    name, version, *rest = spec
    requires = tuple(rest[0]) if rest else ()  # type: ignore[arg-type]
    return WheelSpec(str(name), str(version), requires)


def _dist_name(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def wheel_files(spec: WheelSpec) -> dict[str, bytes]:
    """The archive members of one wheel (RECORD included), by archive path."""
    dist = _dist_name(spec.name)
    info = f"{dist}-{spec.version}.dist-info"
    meta = [
        "Metadata-Version: 2.1",
        f"Name: {spec.name}",
        f"Version: {spec.version}",
        "Summary: markerc test wheel",
    ]
    if spec.requires_python:
        meta.append(f"Requires-Python: {spec.requires_python}")
    meta += [f"Requires-Dist: {r}" for r in spec.requires]
    files: dict[str, bytes] = {
        f"{dist}/__init__.py": f'__version__ = "{spec.version}"\n'.encode(),
        f"{info}/METADATA": ("\n".join(meta) + "\n").encode(),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: markerc-tests\nRoot-Is-Purelib: true\nTag: {spec.tag}\n"
        ).encode(),
        f"{info}/top_level.txt": f"{dist}\n".encode(),
    }
    record = [f"{path},{_record_hash(data)},{len(data)}" for path, data in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    return files


def write_wheel(directory: str, spec: WheelSpec | Sequence[object]) -> str:
    spec = _as_spec(spec)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{_dist_name(spec.name)}-{spec.version}-{spec.tag}.whl")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member, data in wheel_files(spec).items():
            info = zipfile.ZipInfo(member, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def build_wheelhouse(
    directory: str | os.PathLike[str], specs: Iterable[WheelSpec | Sequence[object]] = DEFAULT_SPECS
) -> list[str]:
    """Write one wheel per spec into ``directory``; return their paths in spec order."""
    return [write_wheel(os.fspath(directory), s) for s in specs]


def offline_env(uv_cache_dir: str) -> dict[str, str]:
    """Environment settings that keep uv and pip off the network and away from user config."""
    return {
        "UV_CACHE_DIR": uv_cache_dir,
        "UV_OFFLINE": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "PIP_NO_INDEX": "1",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


#: Variables removed from the environment of the tests (machine-specific pip/uv configuration).
UNSET_ENV = ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT",
             "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_NO_CONFIG")  # fmt: skip


def write_sdist(directory: str | os.PathLike[str], name: str, version: str, marker_file: str) -> str:
    """An sdist whose in-tree build backend writes ``marker_file`` as soon as it is imported, and
    whose metadata is dynamic (so a resolver must run the backend to learn it): proof that no
    build ran when the file is absent."""
    import io
    import tarfile

    dist = f"{_dist_name(name)}-{version}"
    backend = (
        "import pathlib\n"
        f"pathlib.Path({marker_file!r}).write_text('the build backend ran')\n"
        "def get_requires_for_build_wheel(config_settings=None):\n    return []\n"
        "def prepare_metadata_for_build_wheel(directory, config_settings=None):\n"
        f"    info = pathlib.Path(directory) / '{dist}.dist-info'\n"
        "    info.mkdir()\n"
        f"    (info / 'METADATA').write_text('Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n')\n"
        f"    return '{dist}.dist-info'\n"
    )
    pyproject = (
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\ndynamic = ["dependencies"]\n'
    )
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(os.fspath(directory), f"{dist}.tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        for member, text in (("pyproject.toml", pyproject), ("backend.py", backend)):
            data = text.encode()
            info = tarfile.TarInfo(f"{dist}/{member}")
            info.size, info.mtime, info.mode = len(data), 1577836800, 0o644
            tar.addfile(info, io.BytesIO(data))
    return path
