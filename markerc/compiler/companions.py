"""The torch companion rule (SPEC 7): a system-pinned torchvision, torchaudio or torchcodec
gets a ``#system_torch#`` pin (engine layer) exactly where no torch requirement applies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from markerc.compiler.expand import Context, system_item
from markerc.compiler.provenance import Item, Source
from markerc.language import algebra
from markerc.language.nodes import SystemPin

__all__ = ["COMPANIONS", "companion_conditions", "torch_companions"]

COMPANIONS = ("torchvision", "torchaudio", "torchcodec")

T = TypeVar("T")


def companion_conditions(
    pins: Sequence[tuple[T, algebra.Node]], torch: Sequence[algebra.Node]
) -> list[tuple[T, algebra.Node]]:
    """SPEC 7 as a query: for each system pin of a torch companion (``(tag, condition)``), the
    condition under which it needs a ``#system_torch#`` pin: where it holds and no torch
    requirement (``torch`` conditions) nor an earlier companion pin applies.  Pins implied by
    what torch already covers get none."""
    covered = algebra.disj(*torch)
    out = []
    for tag, cond in pins:
        need = algebra.conj(cond, algebra.neg(covered))
        if need is not algebra.FALSE:
            out.append((tag, need))
            covered = algebra.disj(covered, need)
    return out


def torch_companions(
    items: Sequence[Item], ctx: Context, source_for: Callable[[Item], Source]
) -> list[Item]:
    """The ``#system_torch#`` items the companion pins among ``items`` call for."""
    pins = [(i, i.cond) for i in items if i.system and i.key in COMPANIONS]
    if not pins:
        return []
    torch = [i.cond for i in items if i.key == "torch"]
    return [
        system_item(source_for(item), SystemPin("torch"), need, ctx)
        for item, need in companion_conditions(pins, torch)
    ]
