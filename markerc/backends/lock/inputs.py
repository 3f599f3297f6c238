"""What the three request builders share: the resolver's input lines, find-links made absolute,
the fingerprint of a resolution, and the PyTorch-family names pinned from the first round."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markerc.backends import lockfile
from markerc.backends.lock.jobs import Settings
from markerc.backends.matrix import LockTarget, TorchPin
from markerc.backends.uvtool import absolute_location
from markerc.compiler.result import CompiledSet, IndexOptions
from markerc.compiler.targets import canonical_name
from markerc.diagnostics import MarkercError
from markerc.records import replace
from markerc.safety import line_problem

__all__ = [
    "RESOLUTION",
    "absolute_options",
    "direct_pins",
    "fingerprint",
    "requirement_name",
    "requirements_in",
]

#: Round 1 of a lock over a base writes the resolution here.
RESOLUTION = "resolution.txt"
_KEY_SCHEMA = 2


def absolute_options(opts: IndexOptions) -> IndexOptions:
    """Local find-links made absolute (the resolver runs in a temp directory)."""
    return replace(opts, find_links=tuple(absolute_location(f) for f in opts.find_links))


def requirements_in(cs: CompiledSet, opts: IndexOptions, *, trusted_host_lines: bool) -> str:
    """The ``requirements.in`` of one set: its requirements and index option lines (without
    ``--trusted-host`` unless ``trusted_host_lines``: uv takes hosts as flags)."""
    option_lines = [
        ln for ln in opts.pip_lines() if trusted_host_lines or not ln.startswith("--trusted-host")
    ]
    lines = (*cs.requirements, *option_lines)
    for ln in lines:  # the compile checked the hub's values; this is the uv input's last guard
        problem = line_problem(ln, f"uv input line {ln!r}", expansion=True, hash_comment=False)
        if problem is not None:
            raise MarkercError(problem.code, problem.message)
    return "".join(f"{ln}\n" for ln in lines)


def fingerprint(*, requirements: object, sources: object, lt: LockTarget, resolver: str,
                settings: Settings, request: object, reinstall: Sequence[str] = ()) -> lockfile.Fingerprint:  # fmt: skip
    """The fingerprint of one resolution (its components: :data:`lockfile.COMPONENTS`); the
    values are JSON data."""
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


def requirement_name(text: str) -> str | None:
    """The canonical name a requirement line starts with; None for a direct URL."""
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    if m and "://" not in text.split(";")[0].split("@")[0]:
        return canonical_name(m.group(1))
    return None


def direct_pins(sets: Sequence[CompiledSet], pin: TorchPin | None) -> tuple[str, ...]:
    """PyTorch-family names the sets require unconditionally: pinned from the first round."""
    if pin is None:
        return ()
    found = {
        requirement_name(ln.requirement) for cs in sets for ln in cs.lines if ln.marker is None
    }
    return tuple(sorted(n for n in found if n is not None and n in pin.packages))
