"""What ``markerc diff`` and ``markerc report`` share: reading hubs from files, folders and git
revisions, compiling every (model, engine, target) cell without stopping at the first error,
and where a cell's lock file lives.

A *side* is what one command-line argument names: a hub file, a folder of hub files (every
``*.json`` directly inside it), or ``REV:PATH`` (a file or folder at a git revision, read with
``git`` through an argument list; PATH is relative to the repository root as in ``git show``,
``./PATH`` relative to the current directory).  An argument that exists on disk is always a
path, so a file name with a colon in it still works.

Nothing here resolves anything or touches the network.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from markerc.backends.naming import Format, is_format
from markerc.compiler.hub import HubFile, decode_utf8, load_hub, parse_hub
from markerc.compiler.result import CompiledSet
from markerc.diagnostics import Diagnostic, MarkercError
from markerc.records import record, replace

if TYPE_CHECKING:
    from markerc.compiler.compile import Options
    from markerc.compiler.engines import EngineTable
    from markerc.compiler.expand import Context

#: Model types by the first word of the hub file's name (``llm_family.json``,
#: ``embedding_model_spec.json``, ...); any other file is its own type (its stem).
MODEL_TYPES = ("llm", "embedding", "rerank", "audio", "image", "video")
#: A cell by (file name, model, engine, target).
CellKey = tuple[str, str | None, str, str | None]
_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


# --------------------------------------------------------------------------- reading sides


@record
class HubEntry:
    """One hub file of a side: ``key`` matches files between sides (the file name inside the
    folder, or the file's own name), ``hub.path`` is what diagnostics print."""

    key: str
    hub: HubFile


@record
class Side:
    spec: str  # the argument as given
    entries: tuple[HubEntry, ...]
    single_file: bool  # the argument named one file (not a folder)


def model_type(key: str) -> str:
    stem = os.path.splitext(os.path.basename(key))[0]
    first = stem.split("_", 1)[0].lower()
    return first if first in MODEL_TYPES else stem


class ModelLabels:
    """For records with ``file`` (the entry key) and ``model``: the model type and the shown name."""

    file: str
    model: str | None

    @property
    def type(self) -> str:
        return model_type(self.file)

    @property
    def name(self) -> str:
        return self.model if self.model is not None else f"({self.file})"


def _checked(hub: HubFile) -> HubFile:
    """The hub, or its first structural error raised (as ``compile`` does)."""
    for d in hub.diagnostics:
        if d.severity == "error":
            raise MarkercError(d.code, d.message, location=d.location)
    return hub


def read_side(spec: str) -> Side:
    """Read one argument of ``diff``/``report`` (see the module docstring)."""
    if os.path.isdir(spec):
        names = sorted(
            n
            for n in os.listdir(spec)
            if n.endswith(".json") and os.path.isfile(os.path.join(spec, n))
        )
        if not names:
            raise MarkercError("MK571", f"{spec}: the folder holds no *.json hub file")
        return Side(
            spec,
            tuple(HubEntry(n, _checked(load_hub(os.path.join(spec, n)))) for n in names),
            False,
        )
    if os.path.exists(spec):
        return Side(spec, (HubEntry(os.path.basename(spec), _checked(load_hub(spec))),), True)
    rev, sep, rel = spec.partition(":")
    if sep and rev and not re.fullmatch(r"[A-Za-z]", rev):  # "C:\\..." is a Windows path
        return _read_revision(spec, rev, rel)
    raise MarkercError(
        "MK205", f"cannot read {spec}: no such file or folder (a git revision is REV:PATH)"
    )


def _git(args: Sequence[str], what: str) -> bytes:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}
    try:
        proc = subprocess.run(["git", "--no-pager", *args], env=env, capture_output=True,
                              timeout=120, check=False)  # fmt: skip
    except FileNotFoundError:
        raise MarkercError("MK570", f"cannot read {what}: git is not installed") from None
    except subprocess.TimeoutExpired:
        raise MarkercError("MK570", f"cannot read {what}: git did not answer in 120 s") from None
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = reason[-1] if reason else f"git exited with status {proc.returncode}"
        raise MarkercError("MK570", f"cannot read {what}: {detail}")
    return proc.stdout


def _read_revision(spec: str, rev: str, rel: str) -> Side:
    """``REV:PATH`` through ``git rev-parse`` / ``cat-file`` / ``ls-tree``; only the user's own
    argument and object ids that git printed ever become git arguments."""
    if rev.startswith("-") or "\0" in spec:
        raise MarkercError("MK570", f"cannot read {spec}: a revision cannot start with '-'")
    try:
        out = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}:{rel}"], spec)
    except MarkercError as err:
        if "git exited" not in err.message:
            raise
        raise MarkercError(
            "MK570",
            f"cannot read {spec}: no such revision, or no {rel or 'path'} in it (PATH is relative to the "
            "repository root, as in 'git show'; write REV:./PATH for a path relative to this folder)",
        ) from None
    oid = out.decode("ascii", "replace").strip()
    if not _OID.fullmatch(oid):
        raise MarkercError("MK570", f"cannot read {spec}: git gave no object id")
    kind = _git(["cat-file", "-t", oid], spec).decode("ascii", "replace").strip()
    if kind == "blob":
        data = _git(["cat-file", "blob", oid], spec)
        key = os.path.basename(rel.rstrip("/")) or rel
        return Side(
            spec, (HubEntry(key, _checked(parse_hub(decode_utf8(data, spec), spec))),), True
        )
    if kind != "tree":
        raise MarkercError("MK570", f"cannot read {spec}: it is a git {kind}, not a file or folder")
    entries = []
    listing = _git(["ls-tree", "-z", "--full-tree", oid], spec)
    for item in listing.split(b"\0"):
        head, tab, raw_name = item.partition(b"\t")
        parts = head.split()
        if not tab or len(parts) != 3 or parts[1] != b"blob":
            continue
        name = raw_name.decode("utf-8", "replace")
        blob = parts[2].decode("ascii", "replace")
        if not name.endswith(".json") or not _OID.fullmatch(blob):
            continue
        shown = f"{spec.rstrip('/')}/{name}"
        data = _git(["cat-file", "blob", blob], shown)
        entries.append(HubEntry(name, _checked(parse_hub(decode_utf8(data, shown), shown))))
    if not entries:
        raise MarkercError("MK571", f"{spec}: the folder holds no *.json hub file")
    entries.sort(key=lambda e: e.key)
    return Side(spec, tuple(entries), False)


# --------------------------------------------------------------------------- cells


@record
class Cell:
    """One (file, model, engine, target): its compiled set, or the error that stopped it."""

    file: str  # the entry key (file name)
    model: str | None
    engine: str
    target: str | None
    compiled: CompiledSet | None
    error: Diagnostic | None = None

    @property
    def key(self) -> CellKey:
        return (self.file, self.model, self.engine, self.target)

    @property
    def row(self) -> tuple[str, str | None]:
        return (self.file, self.model)


def compile_cells(
    entries: Sequence[HubEntry],
    *,
    engines: EngineTable,
    engine_spec: Sequence[str],
    model: str | None,
    options: Sequence[Options],
) -> list[Cell]:
    """Every selected cell for each of ``options`` (one per target), in input order; a cell
    whose compile fails carries its diagnostic instead of stopping the run."""
    from markerc.compiler.compile import compile_record, make_context, plan_jobs

    out: list[Cell] = []
    hubs = [e.hub for e in entries]
    keys = {id(e.hub): e.key for e in entries}
    jobs = [
        j
        for j in plan_jobs(hubs, engines, engine_spec, None)
        if model is None or j.record.name == model
    ]
    contexts: dict[tuple[str, int], Context] = {}
    for job in jobs:  # cells in file, record, engine, target order
        key = keys[id(job.hub)]
        for i, opts in enumerate(options):
            target = opts.target.name
            ctx = contexts.get((job.engine.name, i))
            if ctx is None:
                ctx = contexts[(job.engine.name, i)] = make_context(job.engine, engines, opts)
            try:
                compiled = compile_record(
                    job.hub, job.record, job.engine, engines, opts, ctx
                ).compiled
            except MarkercError as err:
                out.append(
                    Cell(key, job.record.name, job.engine.name, target, None, err.to_diagnostic())
                )
                continue
            out.append(Cell(key, job.record.name, job.engine.name, target, compiled))
    return out


def model_rows(
    entries: Sequence[HubEntry], model: str | None = None
) -> list[tuple[str, str | None]]:
    """Every (file, model) of ``entries`` in file order (``model``: only that one), whether or
    not any cell compiles for it."""
    return list(
        dict.fromkeys(
            (e.key, r.name) for e in entries for r in e.hub.records if model in (None, r.name)
        )
    )


def check_model_selected(sides: Iterable[Side], model: str | None) -> None:
    """``--model NAME`` must name a model on at least one side (MK204 otherwise)."""
    if model is None:
        return
    for side in sides:
        for entry in side.entries:
            if model in entry.hub.names():
                return
    raise MarkercError("MK204", f"model {model!r} is in none of the hub files")


def unique_targets(names: Sequence[str | None]) -> None:
    """Two targets of one run must have different names (they name columns and lock folders)."""
    seen: set[str | None] = set()
    for name in names:
        if name in seen:
            raise MarkercError(
                "MK507",
                f"two --target profiles are named {name or 'universal'!r}: give each its own name",
            )
        seen.add(name)


def target_label(name: str | None) -> str:
    return name if name else "universal"


def entries_of(sides: Iterable[Side]) -> list[HubEntry]:
    """The hub files of several sides (``report``'s arguments), in order; MK571 when two have one
    file name (rows and lock report cases are matched by it)."""
    entries = [e for side in sides for e in side.entries]
    seen: dict[str, str] = {}
    for e in entries:
        if e.key in seen:
            raise MarkercError(
                "MK571", f"two hub files are named {e.key}: {seen[e.key]} and {e.hub.path}"
            )
        seen[e.key] = e.hub.path
    return entries


# --------------------------------------------------------------------------- locks


def lock_path(cell: Cell, fmt: str) -> str | None:
    """The lock file ``markerc lock --format fmt`` writes for this cell (relative, ``/``
    separated; lock.py's naming), or None when the cell did not compile."""
    if cell.compiled is None:
        return None
    from markerc.backends.lock import output_path

    return output_path(replace(cell.compiled, file=cell.file), fmt)


def check_locks_dir(locks_dir: str | None) -> None:
    """``--locks DIR`` must be a folder (MK205 otherwise)."""
    if locks_dir is not None and not os.path.isdir(locks_dir):
        raise MarkercError("MK205", f"cannot read {locks_dir}: no such folder (--locks)")


def lock_format_of(given: str | None, recorded: str | None, lock_report: str | None) -> Format:
    """The lock folder's format: ``given`` (``--lock-format``), else the one the lock report
    ``lock_report`` records, else pylock; MK572 for a recorded format markerc does not write."""
    fmt = given or recorded or "pylock"
    if not is_format(fmt):
        raise MarkercError("MK572", f"{lock_report}: unknown lock format {fmt!r}")
    return fmt


def lock_exists(locks_dir: str, rel: str | None) -> bool:
    return rel is not None and os.path.isfile(os.path.join(locks_dir, *rel.split("/")))


def lock_goes_stale(old: CompiledSet | None, new: CompiledSet | None, lock_present: bool) -> bool:
    """Whether a change from ``old`` to ``new`` makes the cell's existing lock stale.

    The one place that decides it.  Until lock files carry a fingerprint markerc can compare
    offline, a lock goes stale when the compiled content (requirements in order and package
    sources, :meth:`CompiledSet.content`) changed and a lock file exists at the cell's path.
    """
    if not lock_present or old is None or new is None:
        return False
    return old.content() != new.content()


@record
class LockCase:
    """One case of a ``markerc lock --report`` JSON (codes.md's shared shape)."""

    status: str
    reason: str | None
    output: str | None


LOCK_REPORT_SCHEMA = "markerc-lock-report/1"


def read_lock_report(
    path: str,
) -> tuple[str | None, dict[CellKey, LockCase]]:
    """The lock format and the cases of a ``lock --report`` file, by cell key (file name,
    model, engine, target).  MK572 for a file that is not such a report."""
    import json

    from markerc.reading import read_bytes

    text = decode_utf8(read_bytes(path), path)
    try:
        doc = json.loads(text)
    except ValueError as exc:
        line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        from markerc.diagnostics import Location

        raise MarkercError("MK572", f"{path} is not JSON: {getattr(exc, 'msg', exc)}",
                           location=Location(path, line, col)) from None  # fmt: skip
    if not isinstance(doc, dict) or doc.get("schema") != LOCK_REPORT_SCHEMA:
        raise MarkercError(
            "MK572",
            f'{path} is not a markerc lock report (expected "schema": "{LOCK_REPORT_SCHEMA}")',
        )
    cases = doc.get("cases")
    fmt = doc.get("format")
    if not isinstance(cases, list) or not (fmt is None or isinstance(fmt, str)):
        raise MarkercError("MK572", f"{path}: 'cases' must be a list and 'format' a string")
    out: dict[CellKey, LockCase] = {}
    for i, case in enumerate(cases):
        ok = isinstance(case, dict) and isinstance(case.get("file"), str) and isinstance(case.get("engine"), str) \
            and isinstance(case.get("status"), str) and all(
                case.get(k) is None or isinstance(case.get(k), str) for k in ("model", "target", "reason", "output"))  # fmt: skip
        if not ok:
            raise MarkercError(
                "MK572", f"{path}: case #{i + 1} lacks a string file, engine or status"
            )
        key = (
            os.path.basename(case["file"]),
            case.get("model"),
            case["engine"],
            case.get("target"),
        )
        out[key] = LockCase(case["status"], case.get("reason"), case.get("output"))
    return fmt, out


def ordered_engines(cells: Iterable[Cell], table_names: Sequence[str]) -> list[str]:
    """The engines of ``cells`` in engine-table order (then first seen)."""
    present = dict.fromkeys(c.engine for c in cells)
    return [n for n in table_names if n in present] + [n for n in present if n not in table_names]
