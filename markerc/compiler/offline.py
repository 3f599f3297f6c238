"""Xinference's launch step 17, offline mode, ahead of time: wheel URLs become ``name==version``
and any other direct reference is refused (docs/semantics.md, "Launch steps").

Also what a requirement line names (:func:`direct_reference`, :func:`line_name`), which the other
launch steps share.  Pure functions over :class:`markerc.compiler.result.Line` records: no file,
no process, no network.  :mod:`markerc.compiler.launch` runs the steps.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markerc.compiler.result import IndexOptions, Line
from markerc.compiler.targets import canonical_name
from markerc.diagnostics import MarkercError
from markerc.records import replace

if TYPE_CHECKING:
    from markerc.compiler.hub import SourceString

__all__ = ["direct_reference", "line_name", "needs_index", "offline_rewrite"]

_NAMED_URL = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?P<extras>\[[^\]]*\])?\s*@\s*(?P<url>\S.*)"
)
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_LINE_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def direct_reference(requirement: str) -> tuple[str | None, str, str] | None:
    """``(name, extras, url)`` of a direct-reference line (``name[extras] @ url`` or a bare URL:
    name None), else None."""
    m = _NAMED_URL.fullmatch(requirement.strip())
    if m:
        return m.group("name"), m.group("extras") or "", m.group("url").strip()
    text = requirement.strip()
    if _URL_SCHEME.match(text) and ("://" in text or text.startswith("file:")):
        return None, "", text
    return None


def line_name(line: Line) -> str | None:
    """The canonical name a line requires (None for a bare URL)."""
    ref = direct_reference(line.requirement)
    if ref is not None:
        return canonical_name(ref[0]) if ref[0] else None
    m = _LINE_NAME.match(line.requirement)
    return canonical_name(m.group(1)) if m else None


def _wheel_pin(name: str | None, extras: str, url: str) -> tuple[str | None, str]:
    """``name[extras]==version`` for a wheel URL (local version kept), or (None, why not)."""
    from urllib.parse import unquote, urlsplit

    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    path = urlsplit(url).path if "://" in url else url.split(":", 1)[-1]
    filename = unquote(posixpath.basename(path))
    if not filename.endswith(".whl"):
        return None, "not a wheel URL"
    try:
        wheel_name, version, _build, _tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        return None, f"not a valid wheel file name ({exc})"
    if name is not None and canonical_name(name) != canonical_name(str(wheel_name)):
        return None, f"the wheel is a distribution of {wheel_name}, not {name}"
    return f"{name or wheel_name}{extras}=={version}", ""


def _without_url(text: str, url: str) -> str:
    """The entry text with its URL replaced by the file name (no public URL in any annotation)."""
    from urllib.parse import unquote, urlsplit

    path = urlsplit(url).path if "://" in url else url
    return text.replace(url, f"<{unquote(posixpath.basename(path)) or 'URL'}>")


def offline_rewrite(
    lines: Sequence[Line], *, why: str, strings: Sequence[SourceString | None] = ()
) -> tuple[Line, ...]:
    """Step 17: every wheel URL (bare or ``name @ url``, any scheme) becomes
    ``name[extras]==version`` from its file name, local version and marker kept, and the entry
    text of its origins loses the URL; exact duplicates that result are one line.  Any direct
    reference that remains is MK551, listing each with its hub location.  ``why`` names what
    turned offline mode on (``--offline``, ``--no-index``, ...); ``strings``: the record's
    ``packages``, where the refused entries' positions are read."""
    out: list[Line] = []
    refused: list[tuple[Line, str]] = []
    for line in lines:
        ref = direct_reference(line.requirement)
        if ref is None:
            out.append(line)
            continue
        name, extras, url = ref
        pin, reason = _wheel_pin(name, extras, url)
        if pin is None:
            refused.append((line, reason))
            out.append(line)
            continue
        origins = tuple(
            replace(
                o,
                text=_without_url(o.text, url),
                via=_join(o.via, "offline: wheel URL rewritten to name==version"),
            )
            for o in line.origins
        )
        out.append(Line(pin, line.marker, origins, condition=line.condition))
    if refused:
        raise _refusal(refused, why, strings)
    return _dedupe(out)


def _join(via: str | None, more: str) -> str:
    return f"{via}; {more}" if via else more


def _dedupe(lines: Sequence[Line]) -> tuple[Line, ...]:
    seen: dict[tuple[str, str | None], int] = {}
    out: list[Line] = []
    for line in lines:
        key = (line.requirement, line.marker)
        if key in seen:
            first = out[seen[key]]
            out[seen[key]] = Line(
                first.requirement,
                first.marker,
                first.origins + line.origins,
                condition=first.condition,
            )
            continue
        seen[key] = len(out)
        out.append(line)
    return tuple(out)


def _refusal(
    refused: Sequence[tuple[Line, str]], why: str, strings: Sequence[SourceString | None]
) -> MarkercError:
    from markerc.escaping import printable

    first_location = None
    listed = []
    for line, reason in refused:
        where = line.describe(strings)
        listed.append(f"  {printable(line.render())}  ({reason}; from {printable(where)})")
        if first_location is None:
            first_location = line.location(strings)
    message = (
        f"{len(refused)} direct reference(s) would bypass the package index in offline mode ({why}):\n"
        + "\n".join(listed)
    )
    notes = [
        "offline mode resolves every requirement by name and version from the index you named; a wheel URL "
        "is rewritten to name==version, anything else (git+, an sdist, a URL without a wheel name) cannot be",
    ]
    if any(line_name(line) for line, _ in refused):
        notes.append("replace a named one with -p 'NAME==VERSION' (a user requirement replaces the entry of its "
                     "name), or serve it as a wheel URL")  # fmt: skip
    if any(not line_name(line) for line, _ in refused):
        notes.append(
            "a bare URL has no name a user requirement could replace: write it as 'NAME @ URL' in the hub"
        )
    return MarkercError("MK551", message, location=first_location, notes=tuple(notes))


def needs_index(options: IndexOptions, why: str) -> None:
    """Explicit offline mode needs a private index to serve the rewritten pins (Xinference:
    "requires a private index_url"): an ``index_url`` or ``--no-index``; else MK550."""
    if options.index_url or options.no_index:
        return
    raise MarkercError(
        "MK550",
        f"offline mode ({why}) needs the index that serves every package: none is configured",
        notes=(
            "give --index-url URL (a mirror) or --no-index --find-links DIR (a wheel folder), "
            "or an index_url in the model's virtualenv block",
        ),
    )
