"""Which records a compile takes: a model filter, then per model name the records of the wanted
engine (or, without one, the records that declare no engine)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markerc.compiler.hub import HubFile, ModelRecord
from markerc.diagnostics import MarkercError

__all__ = ["prefer_engine", "record_group", "records_by_group", "select_records"]


def select_records(
    hub: HubFile,
    model: str | None,
    engine: str | None,
    canonical_engine: Callable[[str], str | None],
) -> tuple[ModelRecord, ...]:
    """The records to compile for ``model`` (None: all) and ``engine`` (None: no filtering).

    For each model name, the records whose engine is ``engine`` (after canonicalisation) are
    preferred; without one, the records that declare no engine are taken.  Records that declare
    another engine are skipped.  The result keeps file order and may be empty when every record of
    the model declares another engine.  An unknown ``model`` raises MK204 with a suggestion.
    """
    records = hub.records
    if model is not None:
        records = tuple(r for r in records if r.name == model)
        if not records:
            raise MarkercError("MK204", _not_found_message(hub, model))
    if engine is None:
        return records
    return prefer_engine(records, engine, canonical_engine)


def prefer_engine(
    records: Sequence[ModelRecord], engine: str, canonical_engine: Callable[[str], str | None]
) -> tuple[ModelRecord, ...]:
    """The part of :func:`select_records` after the model filter: of ``records`` (file order),
    those to compile for ``engine``.  It decides per model name, so applying it to one model's
    records (:func:`records_by_group`) gives that model's part of the whole answer."""

    def canon(name: str) -> str:
        return canonical_engine(name) or name.strip().lower()

    wanted = canon(engine)
    specific: set[object] = set()
    for r in records:
        if r.engine is not None and canon(r.engine.value) == wanted:
            specific.add(record_group(r))
    out = []
    for r in records:
        if r.engine is None:
            if record_group(r) not in specific:
                out.append(r)
        elif canon(r.engine.value) == wanted:
            out.append(r)
    return tuple(out)


def record_group(record: ModelRecord) -> object:
    """The records :func:`select_records` decides together: one model name (or one record)."""
    return record.name if record.name is not None else ("#", record.index)


def records_by_group(records: Sequence[ModelRecord]) -> dict[object, list[ModelRecord]]:
    """Records indexed by :func:`record_group`, each list in file order (one pass)."""
    out: dict[object, list[ModelRecord]] = {}
    for r in records:
        out.setdefault(record_group(r), []).append(r)
    return out


def _not_found_message(hub: HubFile, model: str) -> str:
    import difflib

    names = hub.names()
    message = f"model {model!r} not found in {hub.path}"
    close = difflib.get_close_matches(model, names, n=1, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in names}
        close = [lowered[model.lower()]] if model.lower() in lowered else []
    if close:
        message += f"; did you mean {close[0]!r}?"
    elif not names:
        message += " (the file names no models)"
    return message
