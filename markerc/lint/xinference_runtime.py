"""An emulation of Xinference's runtime reading of a model's ``virtualenv.packages``, from
research/xinference-semantics.md (snapshot 7ecec16, after v3.2.1):

* the textual pre-filter ``filter_virtualenv_packages_by_markers`` (section 6):
  :func:`recognises`, :func:`engine_form`, :func:`engine_set`;
* the merge ``merge_virtual_env_packages`` (section 5): :func:`package_key`,
  :func:`engine_condition`, :func:`merge_drops` over :class:`MergeRow` lists.

It says what Xinference does, never what markerc does; the rules that compare the two readings
are :mod:`markerc.lint.xinference`.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from markerc.language.nodes import And, Bare, Compare, Const, Entry, Marker, Or, Requirement
from markerc.lint.framework import Context, Item, is_engine

__all__ = [
    "MergeKind",
    "MergeRow",
    "engine_condition",
    "engine_form",
    "engine_set",
    "merge_drops",
    "package_key",
    "recognises",
]

#: What a merge slot holds: a system pin with a marker, an entry with an engine condition, or
#: any other entry.
MergeKind = Literal["sys", "engine", "plain"]

# Xinference's merge (research 5.1): fallback separators, in list order.
_KEY_SEPARATORS = ("@", "==", ">=", "<=", "~=", "!=", "[", " ")
# Xinference's CUDA pre-filter regex (research section 6), on the lower-cased marker.
_SYS_PLATFORM = re.compile(r"sys_platform\s*(==|!=)\s*['\"]([^'\"]*)['\"]")
_MACHINES = ('platform_machine == "x86_64"', 'platform_machine == "aarch64"')


def recognises(leaf: Compare | Bare, text: str) -> bool:
    """Whether Xinference's textual pre-filter (research section 6) reads this term."""
    if isinstance(leaf, Bare):
        return False
    written = text[leaf.span.start : leaf.span.end].lower()
    name = leaf.var.name
    if is_engine(leaf):
        return engine_form(leaf, written)
    if name == "cuda_version":
        return not leaf.reversed
    if name == "sys_platform":
        return not leaf.reversed and _SYS_PLATFORM.fullmatch(written) is not None
    if name == "platform_machine":
        return written in _MACHINES
    return False


def engine_form(leaf: Compare, written: str) -> bool:
    """Whether the (lower-cased) text of an engine comparison is one the pre-filter finds."""
    value = leaf.value.lower()
    if leaf.op != "==" or leaf.reversed:
        return False
    return written in (
        f'#engine# == "{value}"',
        f'#model_engine# == "{value}"',
        f"#model_engine# == '{value}'",
    )


def engine_set(marker_text: str, ctx: Context) -> set[str]:
    """The engines for which Xinference's engine test passes (section 6, step 1)."""
    lowered = marker_text.strip().lower()
    if "#engine#" not in lowered and "#model_engine#" not in lowered:
        return set(ctx.names)
    return {
        e
        for e in ctx.names
        if f'#engine# == "{e}"' in lowered
        or f'#model_engine# == "{e}"' in lowered
        or f"#model_engine# == '{e}'" in lowered
    }


class MergeRow(NamedTuple):
    """One entry of Xinference's base list: a model entry, or one spliced from a default list
    (``item`` None, ``via`` the placeholder that brought it)."""

    text: str
    entry: Entry
    item: Item | None = None
    via: Item | None = None


def package_key(text: str, entry: Entry) -> str:
    """``get_key`` of Xinference's merge (research 5.1), on markerc's parse."""
    head = text.split(";", 1)[0].strip()
    if head.startswith("#system_") and head.endswith("#"):
        return head[len("#system_") : -1].lower()
    if head.startswith("#"):
        return head
    if isinstance(entry.head, Requirement) and (entry.marker is None or _pep508_only(entry.marker)):
        return entry.head.name.lower()
    for sep in _KEY_SEPARATORS:
        if sep in head:
            return head.split(sep, 1)[0].strip().lower()
    return head.lower()


def _pep508_only(marker: Marker) -> bool:
    from markerc.language.variables import is_standard

    if isinstance(marker, (And, Or)):
        return all(_pep508_only(m) for m in marker.items)
    if isinstance(marker, Compare):
        return is_standard(marker.var)
    return isinstance(marker, Const)


def engine_condition(text: str) -> str | None:
    """The merge's "engine condition": the lower-cased marker when it names the engine."""
    if ";" not in text:
        return None
    marker = text.split(";", 1)[1].strip().lower()
    return marker if ("#engine#" in marker or "#model_engine#" in marker) else None


def merge_drops(rows: list[MergeRow]) -> list[tuple[MergeRow, MergeRow, MergeKind]]:
    """The base-list pass of ``merge_virtual_env_packages`` (research 5.2): the entries it
    drops, as ``(dropped, replaced by, kind of the dropped one)``."""
    slots: list[tuple[str, MergeRow, MergeKind, str]] = []  # (internal key, row, kind, key)
    drops: list[tuple[MergeRow, MergeRow, MergeKind]] = []

    def find(ikey: str) -> int | None:
        for n, slot in enumerate(slots):
            if slot[0] == ikey:
                return n
        return None

    def put(ikey: str, row: MergeRow, kind: MergeKind, key: str) -> None:
        """Same internal key: the later entry takes the earlier one's slot; else append."""
        n = find(ikey)
        if n is None:
            slots.append((ikey, row, kind, key))
        else:
            old_ikey, dropped, old_kind, old_key = slots[n]
            drops.append((dropped, row, kind))
            slots[n] = (old_ikey, row, old_kind, old_key)

    for row in rows:
        key = package_key(row.text, row.entry)
        head, _, marker = row.text.partition(";")
        head = head.strip()
        cond = engine_condition(row.text)
        if head.startswith("#system_") and ";" in row.text:
            put(f"{key}; {marker.strip().lower()}", row, "sys", key)
        elif cond is not None:
            ikey = f"{key}; {cond}"
            n = find(key)
            if n is not None and slots[n][2] == "plain":
                drops.append((slots[n][1], row, "plain"))
                slots[n] = (ikey, row, "engine", key)
                continue
            put(ikey, row, "engine", key)
        else:
            engine_slots = [n for n, s in enumerate(slots) if s[2] == "engine" and s[3] == key]
            if engine_slots:
                for n in engine_slots:
                    drops.append((slots[n][1], row, "engine"))
                slots[engine_slots[0]] = (key, row, "plain", key)
                for n in reversed(engine_slots[1:]):
                    del slots[n]
                continue
            put(key, row, "plain", key)
    return drops
