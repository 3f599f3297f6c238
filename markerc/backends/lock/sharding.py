"""Sharding a lock run (``lock --shard I/N``): every job and every outcome lands in exactly one
shard, decided by its key alone (the same in every shard's process)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from markerc.backends import lockfile
from markerc.diagnostics import MarkercError

__all__ = ["parse_shard", "shard_jobs", "shard_of"]


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


_J = TypeVar("_J", bound=_Keyed)


def shard_jobs(jobs: Sequence[_J], shard: tuple[int, int]) -> list[_J]:
    """Shard ``(I, N)`` (1-based): the jobs whose rank among sorted keys is ``I-1`` modulo N."""
    index, count = shard
    if count < 1 or not 1 <= index <= count:
        raise MarkercError("MK507", f"invalid shard {index}/{count}: need 1 <= I <= N")
    rank = {k: i for i, k in enumerate(sorted({j.key for j in jobs}))}
    return [j for j in jobs if rank[j.key] % count == index - 1]


def shard_of(text: str, count: int) -> int:
    """The 0-based shard of a pair that is no job (its output path or model name)."""
    return int(lockfile.text_digest(text)[:8], 16) % count


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``; anything else is MK507."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m:
        raise MarkercError("MK507", f"invalid shard {text!r}: expected I/N, e.g. 1/4")
    shard = (int(m.group(1)), int(m.group(2)))
    shard_jobs([], shard)
    return shard
