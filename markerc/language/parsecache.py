"""A persistent cache of parsed entries, so that a hub's few hundred distinct strings are parsed
once per machine rather than once per run, and their checks too.

Importing the parser and running it is most of the work of a one-model ``markerc check`` and a
third of a whole-hub compile.  With this cache a run whose strings were all seen before never
imports the parser.  Only successes are kept: parses (:func:`markerc.language.syntax.parse_entry`
after its line and safety checks) and checked entries (:func:`markerc.language.typecheck.check_entry`:
those checks, the parse and the marker's names and types, none of which runs again on a hit).

The cache is an optimisation that must never change a result, so it is not trusted blindly:

* It lives in ``$MARKERC_CACHE_DIR``, else ``$XDG_CACHE_HOME/markerc``, else
  ``~/.cache/markerc``: never in an output folder, and no part of its path comes from input.
  ``MARKERC_NO_CACHE=1`` turns it off (nothing is read or written).
* The file name carries a digest of markerc's version and of the language package's source
  files, so a changed parser or syntax tree never reads an old file.
* Each file is authenticated with keyed BLAKE2b (a MAC) under a random per-user key kept in
  ``$XDG_STATE_HOME/markerc/cache.key`` (else ``~/.local/state/markerc/cache.key``), outside the
  cache folder.  A cache copied from elsewhere (a CI cache a pull request could have written, a
  shared folder) fails the check and is ignored, then replaced.
* The body is JSON, decoded only into the node classes of :mod:`markerc.language.nodes`; anything
  else is a miss.  Files are written atomically, mode 0600, in folders of mode 0700.

The same file keeps parsed TOML documents (the engine table, target profiles:
:func:`lookup_document`), by a digest of their bytes and of the interpreter's TOML reader, so a
compile reads its TOML without importing ``tomllib`` (a fortieth of a whole-hub compile).  Only a
document of plain values (tables, arrays, strings, numbers, booleans: no dates) is kept, and each
lookup returns a copy of its own.
"""

from __future__ import annotations

import atexit
import json
import os
from typing import Any

# CPython's own BLAKE2 and constant-time comparison, as hashlib and hmac use them, without
# loading OpenSSL (``import hashlib`` is 4 ms of a one-model check's start); the public modules
# where an interpreter lacks them.
try:
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - CPython always builds it
    from hashlib import blake2b as _blake2b
try:
    from _operator import _compare_digest
except ImportError:  # pragma: no cover
    from hmac import compare_digest as _compare_digest  # type: ignore[no-redef]

from markerc import records
from markerc.diagnostics import Span
from markerc.language import nodes

__all__ = [
    "enabled",
    "lookup",
    "lookup_checked",
    "lookup_document",
    "lookup_marker",
    "remember",
    "remember_checked",
    "remember_document",
    "remember_marker",
    "save",
]

#: most entries kept in one file (the newest win)
MAX_ENTRIES = 10_000  # a real hub has about 350 distinct strings; reading the file costs its size
#: a cache file larger than this is ignored
MAX_FILE_BYTES = 32 * 1024 * 1024

_CLASSES: tuple[type[Any], ...] = (
    Span,
    nodes.Var,
    nodes.Compare,
    nodes.Bare,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.Const,
    nodes.Requirement,
    nodes.BareUrl,
    nodes.Placeholder,
    nodes.SystemPin,
    nodes.Entry,
)
_TAGS = {cls: tag for tag, cls in enumerate(_CLASSES)}
_FIELDS = [records.fields(cls) for cls in _CLASSES]


def enabled() -> bool:
    return os.environ.get("MARKERC_NO_CACHE", "") in ("", "0")


def _home_dir(variable: str, fallback: str) -> str:
    base = os.environ.get(variable) or os.path.join(os.path.expanduser("~"), fallback)
    return os.path.join(base, "markerc")


def _cache_dir() -> str:
    return os.environ.get("MARKERC_CACHE_DIR") or _home_dir("XDG_CACHE_HOME", ".cache")


def _key_path() -> str:
    return os.path.join(_home_dir("XDG_STATE_HOME", os.path.join(".local", "state")), "cache.key")


class _Store:
    """The entries of this process: those read from the file and those parsed since."""

    def __init__(self) -> None:
        self.loaded = False
        self.encoded: dict[str, Any] = {}  # text -> JSON form, as read (decoded on demand)
        self.added: dict[str, Any] = {}  # text -> JSON form, parsed in this process
        self.path = ""
        self.key: bytes | None = None

    def load(self) -> None:
        self.loaded = True
        if not enabled():
            return
        try:
            self.path = os.path.join(_cache_dir(), f"entries-{_version_digest()}.json")
            self.key = _read_key()
            if self.key is None:
                return
            with open(self.path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError:
            return
        if len(data) > MAX_FILE_BYTES:
            return
        mac, _, body = data.partition(b"\n")
        if not _authentic(self.key, body, mac):
            return
        try:
            doc = json.loads(body)
        except ValueError:
            return
        if isinstance(doc, dict):
            self.encoded = doc


_STORE = _Store()


def lookup(text: str) -> nodes.Entry | None:
    """The cached parse of ``text``, or None."""
    return _entry(text, text)


def _entry(key: str, text: str) -> nodes.Entry | None:
    """The entry kept under ``key``, if it is an entry of ``text``."""
    entry = _lookup(key)
    return entry if isinstance(entry, nodes.Entry) and entry.text == text else None


def _lookup(key: str) -> object:
    if not _STORE.loaded:
        _STORE.load()
    found = _STORE.encoded.get(key)
    if found is None:
        return None
    try:
        return _decode(found)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def remember(text: str, entry: nodes.Entry) -> None:
    """Keep a fresh parse; the file is written when the process exits."""
    _remember(text, entry)


#: the key prefix of checked entries (:func:`markerc.language.typecheck.check_entry`)
_CHECKED = "\0checked:"


def lookup_checked(text: str) -> nodes.Entry | None:
    """The cached result of ``check_entry(text)``: the text passed the checks before the parser,
    parsed, and its marker resolved and type-checked, in an earlier run of the same sources."""
    return _entry(_CHECKED + text, text)


def remember_checked(text: str, entry: nodes.Entry) -> None:
    _remember(_CHECKED + text, entry)


#: the key prefix of markers parsed on their own (NUL never starts an entry: MK003)
_MARKER = "\0marker:"
_MARKER_TYPES = (nodes.Compare, nodes.Bare, nodes.Not, nodes.And, nodes.Or, nodes.Const)


def lookup_marker(text: str) -> nodes.Marker | None:
    """The cached parse of a marker written on its own, or None."""
    marker = _lookup(_MARKER + text)
    return marker if isinstance(marker, _MARKER_TYPES) else None


def remember_marker(text: str, marker: nodes.Marker) -> None:
    _remember(_MARKER + text, marker)


def _remember(key: str, node: object) -> None:
    if not _ready():
        return
    try:
        encoded = _encode(node)
    except TypeError:  # a node of a class the cache does not hold: not kept (no error)
        return
    _keep(key, encoded)


def _ready() -> bool:
    """Whether the cache is on, its file's entries read (saving writes them with new ones)."""
    if not _STORE.loaded:
        _STORE.load()
    return enabled()


def _keep(key: str, encoded: Any) -> None:
    """Keep an entry (the cache is :func:`_ready`); the file is written at exit."""
    if not _STORE.added:
        atexit.register(save)
    _STORE.added[key] = encoded


#: the key prefix of TOML documents, then the digest of their bytes and of the TOML reader
_DOCUMENT = "\0toml:"


def _document_key(data: bytes, reader: str) -> str:
    return _DOCUMENT + _blake2b(reader.encode() + b"\0" + data, digest_size=20).hexdigest()


def lookup_document(data: bytes, reader: str) -> dict[str, Any] | None:
    """The cached parse of the TOML document ``data`` (its bytes) by ``reader`` (the module and
    version that parsed it), a copy of its own; None when not kept."""
    if not _ready():
        return None
    key = _document_key(data, reader)
    found = _STORE.added.get(key, _STORE.encoded.get(key))
    return _plain_copy(found) if type(found) is dict else None


def remember_document(data: bytes, reader: str, doc: dict[str, Any]) -> None:
    """Keep the parse ``doc`` of ``data`` if it holds only plain values (no dates or times)."""
    copy = _plain_copy(doc) if _ready() else None
    if copy is not None:
        _keep(_document_key(data, reader), copy)


def _plain_copy(value: Any) -> Any:
    """A copy of a document of tables, arrays, strings, numbers and booleans; None when it
    holds anything else (a TOML date or time, which JSON does not; TOML has no null)."""
    kind = type(value)
    if kind is dict:
        out = {}
        for k, v in value.items():
            c = _plain_copy(v)
            if type(k) is not str or c is None:
                return None
            out[k] = c
        return out
    if kind is list:
        items = [_plain_copy(v) for v in value]
        return None if any(c is None for c in items) else items
    return value if kind in (str, int, float, bool) else None


def save() -> None:
    """Write the entries parsed in this process (with those read) to the cache file."""
    store = _STORE
    if not store.added or not enabled():
        return
    try:
        key = store.key or _read_key(create=True)
        if key is None:
            return
        merged = {**store.encoded, **store.added}
        if len(merged) > MAX_ENTRIES:
            merged = dict(list(merged.items())[-MAX_ENTRIES:])
        body = json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        folder = os.path.dirname(store.path) or _cache_dir()
        os.makedirs(folder, mode=0o700, exist_ok=True)
        from markerc.files import atomic_write

        atomic_write(store.path, _mac(key, body) + b"\n" + body, keep_mode=False)
        os.chmod(store.path, 0o600)
        store.encoded, store.added = merged, {}
    except OSError:
        return  # a cache that cannot be written is no error


# ---------------------------------------------------------------- the key and the digest


def _read_key(*, create: bool = False) -> bytes | None:
    path = _key_path()
    try:
        with open(path, "rb") as fh:
            key = fh.read(65)
        if len(key) == 64:
            return key
    except OSError:
        pass
    if not create:
        return None
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    key = os.urandom(32).hex().encode("ascii")
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    os.replace(path + ".tmp", path)
    return key


def _mac(key: bytes, body: bytes) -> bytes:
    """Keyed BLAKE2b (a MAC by construction, RFC 7693) of ``body``, in hex."""
    return _blake2b(body, key=key, digest_size=32).hexdigest().encode("ascii")


def _authentic(key: bytes, body: bytes, mac: bytes) -> bool:
    return _compare_digest(_mac(key, body), mac)


def _version_digest() -> str:
    """markerc's version and the language package's sources: what a parse depends on."""
    from markerc import __version__

    digest = _blake2b(__version__.encode(), digest_size=32)
    folder = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as fh:
                digest.update(name.encode() + b"\0" + fh.read())
    for name in ("diagnostics.py", "safety.py"):
        with open(os.path.join(os.path.dirname(folder), name), "rb") as fh:
            digest.update(name.encode() + b"\0" + fh.read())
    return digest.hexdigest()[:24]


# ---------------------------------------------------------------- nodes as JSON
#
# A node is a list ``[tag, field, ...]`` (``tag`` its class's index in ``_CLASSES``); a tuple is
# ``[-1, item, ...]``; strings, numbers, booleans and null stand for themselves.  Decoding calls
# each record's ``__init__`` with its fields in order (a record's ``__init__`` only stores them,
# the plain defaults not even that: faster than filling a ``__dict__``, which would also make
# each node a dict larger).


def _encode(value: object) -> Any:
    if isinstance(value, tuple):
        return [-1, *(_encode(v) for v in value)]
    tag = _TAGS.get(type(value))
    if tag is not None:
        return [tag, *(_encode(getattr(value, f)) for f in _FIELDS[tag])]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


#: the JSON values that stand for themselves (``bool`` is an ``int`` but has a type of its own)
_PLAIN = frozenset({str, int, bool, type(None)})


def _decode(value: Any) -> Any:
    if type(value) is not list:
        if type(value) in _PLAIN:
            return value
        raise TypeError("bad value")
    tag = value[0]
    # plain fields inline: most of a node's fields are strings, numbers and None
    fields = [v if type(v) in _PLAIN else _decode(v) for v in value[1:]]
    if tag == -1:
        return tuple(fields)
    if type(tag) is not int or not 0 <= tag < len(_CLASSES):
        raise ValueError("bad tag")
    if len(fields) != len(_FIELDS[tag]):
        raise ValueError("bad node")
    return _CLASSES[tag](*fields)
