"""Model-hub files: the schema they follow and the reader (the records: :mod:`markerc.compiler.hub_records`).

A model-hub file (SPEC section 2) is a list of model objects (``llm_family.json``), one model
object (it has ``model_name`` or ``virtualenv``), or a bare block (``{"packages": [...]}``).

Reading is two passes over plain values.  The standard library's C scanner decodes the file with
strict hooks (:mod:`markerc.compiler.strictjson`); only the top-level list is walked in Python,
to keep the offset where each record starts.  Then :data:`MODEL_SCHEMA` and
:data:`BLOCK_SCHEMA`, tables of field kinds, check the decoded values.  Positions are computed
when somebody asks: a :class:`SourceString` knows its record's offset and its path in the record,
and :mod:`markerc.compiler.jsonpos` finds its span then (a diagnostic, an annotation, ``--fix``).
Text the decoder refuses is re-read by :func:`markerc.compiler.jsonpos.raise_error`, which raises
the first error at its character.

Only a file that cannot be read (MK205), is not UTF-8 JSON (MK201) or breaks a strict rule or
limit (MK620-MK622) raises; structural problems (wrong types, unknown block keys, an invalid index
strategy) are collected in :attr:`HubFile.diagnostics` and the reader returns what it could.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from markerc.compiler.hub_records import Block, HubFile, ModelRecord, SourceString
from markerc.compiler.jsonpos import HubText, Path, located, read_document, value_span
from markerc.compiler.strictjson import MAX_STRING_CHARS, bad_escape
from markerc.diagnostics import Diagnostic, Location, MarkercError
from markerc.reading import MAX_HUB_BYTES, read_bytes

__all__ = [
    "BLOCK_KEYS",
    "BLOCK_SCHEMA",
    "INDEX_STRATEGIES",
    "MODEL_SCHEMA",
    "Block",
    "HubFile",
    "HubText",
    "ModelRecord",
    "SourceString",
    "decode_utf8",
    "load_hub",
    "parse_hub",
]

INDEX_STRATEGIES = ("first-index", "unsafe-first-match", "unsafe-best-match")

#: how a field is read: ``string`` (or null), ``strings`` (a list of strings), ``string-list``
#: (a string, a list of strings or null), ``strategy`` (one of :data:`INDEX_STRATEGIES`),
#: ``bool`` (true, false or null), ``block`` (a block object or null)
FieldKind = Literal["string", "strings", "string-list", "strategy", "bool", "block"]

#: the keys of a ``virtualenv`` block (SPEC section 2) and how each is read
BLOCK_SCHEMA: Mapping[str, FieldKind] = {
    "packages": "strings",
    "index_url": "string",
    "extra_index_url": "string-list",
    "find_links": "string-list",
    "trusted_host": "string-list",
    "index_strategy": "strategy",
    "no_build_isolation": "bool",
    "inherit_pip_config": "bool",
}
BLOCK_KEYS = tuple(BLOCK_SCHEMA)

#: the keys of a model object markerc reads (every other key is the model hub's own)
MODEL_SCHEMA: Mapping[str, FieldKind] = {
    "model_name": "string",
    "engine": "string",
    "model_format": "string",
    "virtualenv": "block",
}


# --------------------------------------------------------------------------------------------
# Reading


def load_hub(path: str) -> HubFile:
    """Read and parse a hub file.  MK205: unreadable or not a regular file; MK621: larger than
    :data:`~markerc.reading.MAX_HUB_BYTES`; MK201: not UTF-8 or not JSON; MK620-MK622: JSON that
    breaks a strict rule or a limit (:mod:`markerc.compiler.strictjson`)."""
    return parse_hub(decode_utf8(read_bytes(path, MAX_HUB_BYTES), path), path)


def decode_utf8(data: bytes, path: str) -> str:
    """Decode UTF-8 (a leading BOM is dropped); MK201 at the first byte that is not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
        line_start = data.rfind(b"\n", 0, bad) + 1
        line = data.count(b"\n", 0, bad) + 1
        column = len(data[line_start:bad].decode("utf-8", "replace")) + 1
        raise MarkercError(
            "MK201",
            f"file is not valid UTF-8 (byte 0x{data[bad]:02x})",
            location=Location(path, line, column, column + 1),
        ) from None


def parse_hub(text: str, path: str) -> HubFile:
    """Parse hub text (a leading BOM is dropped; offsets refer to the text without it)."""
    text = text.removeprefix("\ufeff")
    hub = HubText(path, text)
    problem = bad_escape(text)
    if problem is not None:
        raise located(hub, problem)
    reader = _Reader(hub)
    read_document(hub, reader.item, reader.top)
    diagnostics = sorted(reader.diagnostics, key=_diagnostic_order)
    return HubFile(path, hub, tuple(reader.records), tuple(diagnostics))


def _diagnostic_order(d: Diagnostic) -> tuple[int, int]:
    loc = d.location
    return (loc.line, loc.column) if loc is not None else (0, 0)


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object"


class _Reader:
    """Checks decoded values against the schema tables; collects records and diagnostics."""

    def __init__(self, hub: HubText) -> None:
        self.hub = hub
        self.records: list[ModelRecord] = []
        self.diagnostics: list[Diagnostic] = []

    # -- positions (computed only for a diagnostic) ----------------------------------------

    def at(self, anchor: int, path: Path, *, key: bool = False) -> Location:
        start, end = value_span(self.hub.text, anchor, path, key=key)
        return self.hub.location(start, end)

    def brace(self, anchor: int, path: Path) -> Location:
        start = value_span(self.hub.text, anchor, path)[0]
        return self.hub.location(start, start + 1)

    def error(self, code: str, message: str, location: Location) -> None:
        self.diagnostics.append(Diagnostic.make(code, message, location=location))

    def check_length(self, value: object, anchor: int, path: Path, *, key: bool = False) -> None:
        if type(value) is str and len(value) > MAX_STRING_CHARS:
            start, end = value_span(self.hub.text, anchor, path, key=key)
            message = f"string of {len(value)} characters (at most {MAX_STRING_CHARS})"
            raise located(self.hub, ("MK621", message, start, end))

    # -- the document ------------------------------------------------------------------------

    def item(self, index: int, anchor: int, value: object) -> None:
        if not isinstance(value, dict):
            self.error(
                "MK202",
                f"each item of a model-hub list must be a model object, not {_json_type(value)}",
                self.at(anchor, ()),
            )
            return
        record = self.model(index, anchor, value)
        if "model_name" not in value:
            self.error("MK202", "model object has no 'model_name'", self.brace(anchor, ()))
        self.records.append(record)

    def top(self, anchor: int, value: object) -> None:
        if not isinstance(value, dict):
            self.error(
                "MK202",
                "a model-hub document is a list of model objects, a model object or a block, "
                f"not {_json_type(value)}",
                self.at(anchor, ()),
            )
            return
        for key, field in value.items():
            self.check_length(key, anchor, (key,), key=True)
            self.check_length(field, anchor, (key,))
        if "model_name" in value or "virtualenv" in value:
            model_part = {k: v for k, v in value.items() if k not in BLOCK_SCHEMA}
            self.records.append(self.model(0, anchor, model_part))
        elif "packages" in value:
            block_part = {k: v for k, v in value.items() if k in BLOCK_SCHEMA}
            block, diags = self.block(block_part, anchor, ())
            unknown = [
                Diagnostic.make(
                    "MK306",
                    f"unknown block key {key!r} (known: {', '.join(BLOCK_KEYS)})",
                    location=self.at(anchor, (key,), key=True),
                )
                for key in value
                if key not in BLOCK_SCHEMA
            ]
            self.diagnostics += diags + unknown
            self.records.append(ModelRecord(0, None, None, None, block, self.hub, anchor))
        else:
            self.error(
                "MK202",
                "object is neither a model object (no 'model_name' or 'virtualenv') "
                "nor a block (no 'packages')",
                self.brace(anchor, ()),
            )

    # -- a model object ----------------------------------------------------------------------

    def model(self, index: int, anchor: int, value: dict[str, object]) -> ModelRecord:
        name: str | None = None
        engine: SourceString | None = None
        model_format: str | None = None
        block: Block | None = None
        for key, field in value.items():
            if len(key) > MAX_STRING_CHARS or (
                type(field) is str and len(field) > MAX_STRING_CHARS
            ):
                self.check_length(key, anchor, (key,), key=True)
                self.check_length(field, anchor, (key,))
            kind = MODEL_SCHEMA.get(key)
            if kind is None:
                continue
            if kind == "block":
                if isinstance(field, dict):
                    block, diags = self.block(field, anchor, (key,))
                    self.diagnostics += diags
                elif field is not None:
                    self.error(
                        "MK202",
                        f"'virtualenv' must be an object, not {_json_type(field)}",
                        self.at(anchor, (key,)),
                    )
                    block = None
                else:
                    block = None
            elif field is None:
                pass
            elif not isinstance(field, str):
                self.error(
                    "MK202",
                    f"'{key}' must be a string, not {_json_type(field)}",
                    self.at(anchor, (key,)),
                )
            elif key == "model_name":
                name = field
            elif key == "engine":
                engine = SourceString(field, self.hub, anchor, (key,))
            else:
                model_format = field
        return ModelRecord(index, name, engine, model_format, block, self.hub, anchor)

    # -- a block ------------------------------------------------------------------------------

    def block(
        self, value: dict[str, object], anchor: int, path: Path
    ) -> tuple[Block, list[Diagnostic]]:
        diags: list[Diagnostic] = []
        fields: dict[str, object] = {}
        hub = self.hub

        def error(code: str, message: str, where: Path) -> None:
            diags.append(Diagnostic.make(code, message, location=self.at(anchor, where)))

        def strings(key: str, items: list[object]) -> tuple[SourceString, ...]:
            out = []
            for i, item in enumerate(items):
                where = (*path, key, i)
                if type(item) is str and len(item) <= MAX_STRING_CHARS:
                    out.append(SourceString(item, hub, anchor, where))
                elif isinstance(item, str):
                    self.check_length(item, anchor, where)
                else:
                    error(
                        "MK202",
                        f"each item of '{key}' must be a string, not {_json_type(item)}",
                        where,
                    )
            return tuple(out)

        for key, field in value.items():
            self.check_length(key, anchor, (*path, key), key=True)
            self.check_length(field, anchor, (*path, key))
            kind = BLOCK_SCHEMA.get(key)
            where = (*path, key)
            if kind is None:
                diags.append(
                    Diagnostic.make(
                        "MK306",
                        f"unknown block key {key!r} (known: {', '.join(BLOCK_KEYS)})",
                        location=self.at(anchor, where, key=True),
                    )
                )
            elif kind == "strings" or (kind == "string-list" and isinstance(field, list)):
                if isinstance(field, list):
                    fields[key] = strings(key, field)
                else:
                    error(
                        "MK202",
                        f"'{key}' must be a list of strings, not {_json_type(field)}",
                        where,
                    )
                    fields[key] = ()
            elif kind == "string-list":
                if isinstance(field, str):
                    fields[key] = (SourceString(field, hub, anchor, where),)
                elif field is None:
                    fields[key] = ()
                else:
                    error(
                        "MK202",
                        f"'{key}' must be a string or a list of strings, not {_json_type(field)}",
                        where,
                    )
            elif kind == "bool":
                if field is None or isinstance(field, bool):
                    fields[key] = field
                else:
                    error("MK202", f"'{key}' must be true or false, not {_json_type(field)}", where)
            elif field is None:
                fields[key] = None
            elif not isinstance(field, str):
                error("MK202", f"'{key}' must be a string, not {_json_type(field)}", where)
            elif kind == "strategy" and field not in INDEX_STRATEGIES:
                error(
                    "MK203",
                    f"invalid index strategy {field!r}; "
                    f"expected one of {', '.join(INDEX_STRATEGIES)}",
                    where,
                )
            else:
                fields[key] = SourceString(field, hub, anchor, where)
        if "packages" not in fields:
            diags.append(
                Diagnostic.make(
                    "MK202", "block has no 'packages' list", location=self.brace(anchor, path)
                )
            )
        block = Block(
            packages=_strings(fields, "packages"),
            index_url=_string(fields, "index_url"),
            extra_index_url=_strings(fields, "extra_index_url"),
            find_links=_strings(fields, "find_links"),
            trusted_host=_strings(fields, "trusted_host"),
            index_strategy=_string(fields, "index_strategy"),
            no_build_isolation=_flag(fields, "no_build_isolation"),
            inherit_pip_config=_flag(fields, "inherit_pip_config"),
            hub=hub,
            anchor=anchor,
            path=path,
        )
        return block, diags


def _strings(fields: Mapping[str, object], key: str) -> tuple[SourceString, ...]:
    value = fields.get(key, ())
    assert isinstance(value, tuple)
    return value


def _string(fields: Mapping[str, object], key: str) -> SourceString | None:
    value = fields.get(key)
    assert value is None or isinstance(value, SourceString)
    return value


def _flag(fields: Mapping[str, object], key: str) -> bool | None:
    value = fields.get(key)
    assert value is None or isinstance(value, bool)
    return value
