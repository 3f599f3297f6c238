"""Skip-installed: what a model venv over a base environment needs, as Xinference means it and
without its losses (research/xinference-semantics.md section 8, Q17).

Xinference creates every venv with ``--system-site-packages`` plus ``_xinference_parent.pth`` (the
parent's purelib) and, by default since v2.0, installs only what the parent does not already
satisfy.  markerc does the same in three pure steps around two resolver runs:

1. :func:`split` (pure): each compiled line whose marker holds in the venv's environment is
   **provided** when the base has its distribution (PEP 503 names) at a version its specifier
   allows, it names no extras and no URL, and it is not in the set's ``reinstall`` names (launch
   step 14); every other line is **to resolve**.  A line whose marker is false is not needed.
2. The resolver runs on the lines to resolve only, with every base distribution offered as a
   *preference* (uv keeps a version it is offered unless a requirement excludes it), so the
   closure reuses the base wherever it can and replaces what it must.
3. :func:`install_set` (pure): the resolution minus what the base has at exactly the resolved
   version; direct references and ``reinstall`` names always stay (the base's copy of a URL or of
   a CPU build is not proof of the same artifact).  The rest is installed with ``--no-deps``: the
   resolution is complete.

Unlike xoscar's ``_split_specs``: names are compared canonically (``sentence_transformers`` is
``sentence-transformers``), a requirement with extras is resolved (its extra's dependencies may be
missing) instead of pinned, and a direct reference is installed with its dependencies resolved
(xoscar installs it ``--no-deps`` or, for ``name @ git+...``, not at all).

The base is what the new venv *sees*: :data:`PROBE` runs in the venv's own interpreter (isolated
mode, so markerc's ``PYTHONPATH`` does not leak in) and lists every distribution on its
``sys.path``, the first of a name winning, as ``import`` does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from markerc.compiler.result import Line
from markerc.compiler.targets import canonical_name
from markerc.diagnostics import MarkercError
from markerc.records import record

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from markerc.backends.uvtool import Runner

__all__ = [
    "PARENT_PTH",
    "PROBE",
    "Environment",
    "Split",
    "install_set",
    "parse_resolution",
    "probe",
    "split",
    "write_parent_pth",
]

#: The file Xinference writes into a model venv's purelib: one line, the parent's purelib.
PARENT_PTH = "_xinference_parent.pth"
_PREFIX = "MARKERC-BASE "

# A constant (nothing from input runs): the interpreter's version, purelib, marker environment and
# the distributions visible on its sys.path (first of a name wins).  Standard library only.
PROBE = (
    r"""
import sys
sys.path[:] = [p for p in sys.path if p]
import json, os, platform, sysconfig
try:
    import importlib.metadata as metadata
except ImportError:
    metadata = None
def _full(info):
    v = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        v += info.releaselevel[0] + str(info.serial)
    return v
out = {"python": "%d.%d.%d" % sys.version_info[:3], "purelib": sysconfig.get_paths()["purelib"],
       "prefix": sys.prefix, "base_prefix": getattr(sys, "base_prefix", sys.prefix), "distributions": [],
       "markers": {"implementation_name": sys.implementation.name,
                   "implementation_version": _full(sys.implementation.version), "os_name": os.name,
                   "platform_machine": platform.machine(), "platform_release": platform.release(),
                   "platform_system": platform.system(), "platform_version": platform.version(),
                   "python_full_version": platform.python_version(),
                   "platform_python_implementation": platform.python_implementation(),
                   "python_version": ".".join(platform.python_version_tuple()[:2]),
                   "sys_platform": sys.platform}}
if metadata is not None:
    for dist in metadata.distributions():
        try:
            name, version = dist.metadata["Name"], dist.version
        except Exception:
            continue
        if name and version:
            out["distributions"].append([str(name), str(version)])
"""
    + f'sys.stdout.write("\\n{_PREFIX}" + json.dumps(out) + "\\n")\n'
)


@record
class Environment:
    """What one interpreter sees: its version, purelib, marker values and distributions."""

    python: str  # the interpreter probed
    version: str  # major.minor.micro
    purelib: str
    markers: tuple[tuple[str, str], ...]
    installed: tuple[tuple[str, str], ...]  # (canonical name, version), first on sys.path wins
    is_venv: bool = False

    def installed_map(self) -> dict[str, str]:
        return dict(self.installed)


def parse_probe(text: str, python: str) -> Environment:
    line = next((ln for ln in reversed(text.splitlines()) if ln.startswith(_PREFIX)), None)
    if line is None:
        raise ValueError("no probe line")
    doc = json.loads(line[len(_PREFIX) :])
    installed: dict[str, str] = {}
    for name, version in doc.get("distributions", []):
        installed.setdefault(canonical_name(name), version)
    markers = tuple(sorted((k, v) for k, v in doc.get("markers", {}).items() if isinstance(v, str)))
    purelib = doc.get("purelib")
    version = doc.get("python")
    if not isinstance(purelib, str) or not isinstance(version, str):
        raise ValueError("probe without purelib or version")
    return Environment(python, version, purelib, markers, tuple(sorted(installed.items())),
                       doc.get("prefix") != doc.get("base_prefix"))  # fmt: skip


def probe(python: str, *, runner: Runner | None = None) -> Environment:
    """Run :data:`PROBE` in ``python`` (isolated mode); MK205 when it cannot run, MK505 when it
    is no Python."""
    from markerc.backends.uvtool import child_env, run_process, trim_output

    run = runner or run_process
    result = run([python, "-I", "-c", PROBE], cwd=None, env=child_env())
    if result.returncode == 127:
        raise MarkercError("MK205", f"cannot run Python interpreter {python}: not found")
    try:
        return parse_probe(result.stdout, python)
    except (ValueError, TypeError, KeyError):
        detail = trim_output(result.stderr, max_lines=3)
        raise MarkercError("MK505", f"probing {python} failed (exit status {result.returncode})"
                                    + (f": {detail}" if detail else ""),
                           notes=("--python must name a Python interpreter",)) from None  # fmt: skip


def write_parent_pth(venv_purelib: str, parent_purelib: str) -> str:
    """Write ``_xinference_parent.pth`` (the parent's purelib, one line) into the venv's purelib,
    as Xinference does: the parent's packages come after the venv's own on ``sys.path``.  The
    file is replaced atomically and only when its content differs."""
    from markerc.files import atomic_write

    if "\n" in parent_purelib or "\r" in parent_purelib or not os.path.isabs(parent_purelib):
        raise MarkercError(
            "MK505", f"the base interpreter's purelib {parent_purelib!r} is not an absolute path"
        )
    path = os.path.join(venv_purelib, PARENT_PTH)
    text = parent_purelib + "\n"
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return path
    except OSError:
        pass
    os.makedirs(venv_purelib, exist_ok=True)
    atomic_write(path, text)
    return path


# --------------------------------------------------------------------------- splitting


@record
class Split:
    provided: tuple[
        tuple[str, str], ...
    ]  # (canonical name, base version) of lines the base satisfies
    to_resolve: tuple[str, ...]  # requirement lines (markers dropped: they hold here)
    not_needed: tuple[str, ...] = ()  # lines whose marker is false in this environment


def _parse(requirement: str) -> Requirement | None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(requirement)
    except InvalidRequirement:
        return None


def split(lines: Sequence[Line], installed: Mapping[str, str], markers: Mapping[str, str] | None,
          reinstall: Iterable[str] = ()) -> Split:  # fmt: skip
    """Step 1 (see the module docstring).  ``markers`` is the venv's marker environment (None:
    the lines are taken as they are, their markers already bound by the target)."""
    from packaging.markers import Marker
    from packaging.version import InvalidVersion, Version

    again = {canonical_name(n) for n in reinstall}
    provided: dict[str, str] = {}
    to_resolve: list[str] = []
    not_needed: list[str] = []
    for line in lines:
        if line.marker and markers is not None:
            env = {**markers, "extra": ""}
            if not Marker(line.marker).evaluate(env):
                not_needed.append(line.render())
                continue
        text = line.requirement if markers is not None else line.render()
        req = _parse(line.requirement)
        if req is None or req.url or req.extras:
            to_resolve.append(text)
            continue
        key = canonical_name(req.name)
        have = installed.get(key)
        if have is None or key in again:
            to_resolve.append(text)
            continue
        try:
            ok = req.specifier.contains(Version(have), prereleases=True)
        except InvalidVersion:
            ok = False
        if ok and (line.marker is None or markers is not None):
            provided.setdefault(key, have)
        else:
            to_resolve.append(text)
    return Split(tuple(sorted(provided.items())), tuple(to_resolve), tuple(not_needed))


# --------------------------------------------------------------------------- resolutions


@record
class Pin:
    name: str  # canonical
    text: str  # the line to install: name==version, or name @ url
    version: str | None  # None for a direct reference


def parse_resolution(text: str) -> list[Pin]:
    """The pins of a ``uv pip compile`` requirements output (for one interpreter: no markers)."""
    out: list[Pin] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        line = line.split(";", 1)[0].strip().rstrip("\\").strip()
        req = _parse(line)
        if req is None:
            raise MarkercError(
                "MK539", f"the resolver wrote a line that is no requirement: {line[:200]!r}"
            )
        name = canonical_name(req.name)
        if req.url:
            out.append(Pin(name, line, None))
            continue
        specs = list(req.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            raise MarkercError(
                "MK539", f"the resolver wrote {line[:200]!r}, not a pinned requirement"
            )
        out.append(Pin(name, f"{name}=={specs[0].version}", specs[0].version))
    return out


def install_set(pins: Sequence[Pin], installed: Mapping[str, str], reinstall: Iterable[str] = ()
                ) -> tuple[tuple[Pin, ...], tuple[tuple[str, str], ...]]:  # fmt: skip
    """Step 3: (pins to install, (name, version) the base provides at the resolved version)."""
    again = {canonical_name(n) for n in reinstall}
    install: list[Pin] = []
    provided: list[tuple[str, str]] = []
    for pin in pins:
        if (
            pin.version is not None
            and pin.name not in again
            and installed.get(pin.name) == pin.version
        ):
            provided.append((pin.name, pin.version))
        else:
            install.append(pin)
    return tuple(install), tuple(provided)


def preferences(installed: Mapping[str, str]) -> str:
    """The base's distributions as a requirements file of pins: uv reads an existing output file
    as preferences."""
    from packaging.version import InvalidVersion, Version

    out = []
    for name, version in sorted(installed.items()):
        try:
            Version(version)
        except InvalidVersion:
            continue  # uv could not read the file; the distribution is simply not preferred
        out.append(f"{name}=={version}\n")
    return "".join(out)


# --------------------------------------------------------------------------- locks over a base

#: How a lock records what the base provides: pylock ``[tool.markerc] provided-by-base``;
#: a requirements lock, one comment line per distribution.
_REQ_PROVIDED = "# markerc provided-by-base: "


def render_provided(fmt: str, provided: Sequence[tuple[str, str]]) -> str:
    """The text appended to a lock made over a base (always, an empty list included, so that a
    lock made over a base is recognisable as one)."""
    pins = [f"{n}=={v}" for n, v in sorted(provided)]
    if fmt == "pylock":
        body = "".join(f'    "{p}",\n' for p in pins)
        return "\n[tool.markerc]\n" + (
            f"provided-by-base = [\n{body}]\n" if pins else "provided-by-base = []\n"
        )
    return (
        "# markerc: installed with --no-deps over a base environment that provides:\n"
        + "".join(f"{_REQ_PROVIDED}{p}\n" for p in pins)
        + ("" if pins else f"{_REQ_PROVIDED}\n")
    )


def read_provided(text: str, fmt: str) -> tuple[tuple[str, str], ...] | None:
    """What a lock says the base provides, or None for a lock made without a base."""
    pins: list[str] = []
    if fmt == "pylock":
        import sys

        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        try:
            doc = tomllib.loads(text)
        except (ValueError, RecursionError):  # TOMLDecodeError, an over-long integer, deep nesting
            return None
        tool = doc.get("tool", {})
        entry = tool.get("markerc", {}) if isinstance(tool, dict) else {}
        value = entry.get("provided-by-base") if isinstance(entry, dict) else None
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise MarkercError(
                "MK539", "[tool.markerc] provided-by-base must be a list of NAME==VERSION strings"
            )
        pins = value
    else:
        found = [
            ln[len(_REQ_PROVIDED) :].strip()
            for ln in text.splitlines()
            if ln.startswith(_REQ_PROVIDED)
        ]
        if not found:
            return None
        pins = [p for p in found if p]
    out = []
    for pin in pins:
        name, sep, version = pin.partition("==")
        if not sep or not name or not version:
            raise MarkercError("MK539", f"provided-by-base entry {pin!r} is not NAME==VERSION")
        out.append((canonical_name(name), version))
    return tuple(out)


def missing_from(env: Environment, provided: Sequence[tuple[str, str]]) -> list[str]:
    """The lock's provided-by-base pins the environment does not have at exactly that version."""
    have = env.installed_map()
    return [f"{n}=={v} (found {have[n]})" if n in have else f"{n}=={v} (not installed)"
            for n, v in provided if have.get(n) != v]  # fmt: skip
