"""The distribution named by a wheel or sdist file name (a bare URL's requirement name).

This follows the binary distribution format (``{name}-{version}(-{build})?-{python}-{abi}-
{platform}.whl``) and the source distribution format (``{name}-{version}.tar.gz`` / ``.zip``) as
``packaging.utils.parse_wheel_filename`` / ``parse_sdist_filename`` read them (the test suite
holds the two equal on the names a hub uses and on malformed ones); it exists because
importing ``packaging.utils`` (and ``packaging.tags`` with it) costs a whole-hub compile more
than all its bare URLs."""

from __future__ import annotations

import re

from markerc.compiler.targets import canonical_name
from markerc.safety import PLAIN_VERSION

__all__ = ["distribution_name"]

_WHEEL_NAME = re.compile(r"^[\w\d._]*$", re.UNICODE)
_BUILD = re.compile(r"(\d+)(.*)")


def _version_ok(text: str) -> bool:
    if PLAIN_VERSION.fullmatch(text):  # 0.3.21+cu130: packaging unasked
        return True
    from packaging.version import InvalidVersion, Version

    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def distribution_name(filename: str) -> str | None:
    """The distribution name (PEP 503 normalised, as packaging gives it) of a wheel or sdist file
    name; None when it is neither, or not a valid one."""
    if filename.endswith(".whl"):
        stem = filename[: -len(".whl")]
        dashes = stem.count("-")
        if dashes not in (4, 5):
            return None
        parts = stem.split("-", dashes - 2)
        name = parts[0]
        if "__" in name or not _WHEEL_NAME.match(name) or not _version_ok(parts[1]):
            return None
        if dashes == 5 and _BUILD.match(parts[2]) is None:
            return None
        tags = [component.split(".") for component in parts[-1].split("-")]
        if any("" in part for part in tags) or not all(i.isidentifier() for i in tags[0]):
            return None
        return canonical_name(name)
    for suffix in (".tar.gz", ".zip"):
        if filename.endswith(suffix):
            name, sep, version = filename[: -len(suffix)].rpartition("-")
            if not sep or not name or not _version_ok(version):
                return None
            return canonical_name(name)
    return None
