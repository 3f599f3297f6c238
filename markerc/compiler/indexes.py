"""Package sources (SPEC section 10): block keys plus engine defaults, user overrides.

Decisions (docs/semantics.md):

* the block's ``index_url``/``extra_index_url``/``index_strategy`` win; the engine's defaults
  fill what the block leaves unset (as Xinference does);
* where the target binds ``cuda_version``, an index URL tagged for another CUDA (``/cu130``
  on a 12.8 target) is dropped, and on a target without CUDA every CUDA-tagged index is
  dropped; an unbound ``cuda_version`` keeps them all (Xinference clears *every* extra index
  when it sees no CUDA, mirrors included: research Q20);
* any user source option (``--index-url``, ``--extra-index-url``, ``--find-links``,
  ``--no-index``) replaces every URL from the hub and the engine table, so no hard-coded public
  URL survives (air-gapped mirrors).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from markerc.compiler.result import IndexOptions
from markerc.records import record

_CUDA_TAG = re.compile(r"/cu(\d{3,})(?=/|$)")


@record
class UserSources:
    index_url: str | None = None
    extra_index_url: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False

    @property
    def given(self) -> bool:
        return bool(self.index_url or self.extra_index_url or self.find_links or self.no_index)

    @classmethod
    def checked(cls, index_url: str | None, extra_index_url: Sequence[str], find_links: Sequence[str],
                no_index: bool) -> UserSources:  # fmt: skip
        """``--index-url``, ``--extra-index-url``, ``--find-links``, ``--no-index``, each URL or
        path checked to be one source (``${VAR}`` allowed: the user asks for pip's and uv's
        expansion on the command line); the first that is not raises its code."""
        from markerc.diagnostics import MarkercError
        from markerc.safety import source_problem

        given = [("--index-url", index_url)] if index_url is not None else []
        given += [("--extra-index-url", u) for u in extra_index_url]
        given += [("--find-links", u) for u in find_links]
        for flag, value in given:
            problem = source_problem(value, flag, expansion=True)
            if problem is not None:
                raise MarkercError(problem.code, problem.message)
        return cls(index_url, tuple(extra_index_url), tuple(find_links), no_index)


def _cuda_tag(version: object) -> str | None:
    if not isinstance(version, str):
        return None
    parts = version.split(".")
    return "cu" + "".join(parts[:2]) if parts and parts[0].isdigit() else None


def cuda_compatible(url: str, bindings: Mapping[str, object]) -> bool:
    """False when ``url`` is tagged for a CUDA the target does not have."""
    tag = _url_cuda_tag(url)
    if tag is None or "cuda_version" not in bindings:
        return True
    want = _cuda_tag(bindings["cuda_version"])
    return want is not None and tag == want


@functools.cache  # unbounded: one entry per distinct index URL (issue 14)
def _url_cuda_tag(url: str) -> str | None:
    """The ``cuNNN`` path segment of an index URL (``.../whl/cu128``), or None."""
    match = _CUDA_TAG.search(url)
    return None if match is None else "cu" + match.group(1)


def _unique(urls: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(urls))


def resolve_options(
    *,
    block_index_url: str | None,
    block_extra: Sequence[str],
    block_find_links: Sequence[str],
    block_trusted_host: Sequence[str],
    block_strategy: str | None,
    no_build_isolation: bool,
    engine_index_url: str | None,
    engine_extra: Sequence[str],
    engine_strategy: str | None,
    bindings: Mapping[str, object],
    user: UserSources,
) -> IndexOptions:
    strategy = block_strategy or engine_strategy
    if user.given:
        return IndexOptions(
            index_url=user.index_url,
            extra_index_url=_unique(user.extra_index_url),
            find_links=_unique(user.find_links),
            trusted_host=(),
            index_strategy=strategy,
            no_build_isolation=no_build_isolation,
            no_index=user.no_index,
        )
    index_url = block_index_url or engine_index_url
    extra = list(block_extra) if block_extra else list(engine_extra)
    extra = [u for u in extra if cuda_compatible(u, bindings)]
    if index_url and not cuda_compatible(index_url, bindings):
        index_url = None
    return IndexOptions(
        index_url=index_url,
        extra_index_url=_unique(extra),
        find_links=_unique(block_find_links),
        trusted_host=_unique(block_trusted_host),
        index_strategy=strategy,
        no_build_isolation=no_build_isolation,
    )
