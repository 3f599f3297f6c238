"""Output safety: what a value from input may look like before markerc writes it anywhere.

Hub JSON is hostile (docs/security.md).  Every value from input that reaches a requirements
file, a uv input, a lock header, a TOML file, a command line or a terminal goes through this
module, which either refuses it (a :class:`Problem`: a code, a message and the span of the bad
characters inside the value, which the caller turns into a located error) or renders it inert:

* :func:`printable`: every control, format, surrogate, private-use and line/paragraph separator
  character shown as a visible ``\\xNN`` / ``\\uXXXX`` escape (no terminal escape sequence, no
  line break that pip's ``str.splitlines`` or uv would honour);
* :func:`comment`: text for a ``#`` comment of a requirements or TOML file: printable, and
  neither ``${`` (pip and uv expand it) nor a trailing backslash (a line continuation) survives;
* :func:`terminal`: multi-line text for a terminal or a CI log (tabs and newlines kept, colour
  codes dropped, every other escape sequence shown);
* :func:`mask_credentials`: ``scheme://user:password@host`` with the whole user-information part
  replaced by as many ``*`` (carets under a diagnostic stay aligned), whatever the password holds
  (``@``, ``:``, quotes, percent escapes; IPv6 hosts).

The checks (:func:`line_problem`, :func:`source_problem`, :func:`host_problem`,
:func:`version_problem`) are the ones ``compile``, ``lock`` and ``check`` all use.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from markerc.records import record

__all__ = [
    "Problem",
    "blank_strings",
    "comment",
    "entry_problem",
    "host_problem",
    "line_problem",
    "mask_credentials",
    "printable",
    "requirement_problem",
    "source_problem",
    "terminal",
    "toml_string",
    "version_problem",
]

_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _hidden(ch: str) -> bool:
    return unicodedata.category(ch) in _HIDDEN


def printable(text: str, *, keep: str = "") -> str:
    """``text`` with every invisible or layout-changing character (but those in ``keep``) shown
    as an escape."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escape_char(c) if c not in keep and _hidden(c) else c for c in text)


def comment(text: str) -> str:
    """Text for a ``# ...`` comment line: printable, with ``${`` and a trailing backslash made
    inert (``$\\x7b``, ``\\x5c``), so no input ends the comment, joins the next line or expands
    an environment variable."""
    out = printable(text).replace("${", "$\\x7b")
    return out[:-1] + "\\x5c" if out.endswith("\\") else out


_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def terminal(text: str) -> str:
    """Multi-line text (a resolver's output) for a terminal: colour codes removed, tabs and
    newlines kept, every other control, format or separator character shown as an escape."""
    return printable(_ANSI_COLOUR.sub("", text), keep="\t\n")


# ------------------------------------------------------------------ credentials

#: ``scheme://`` then the authority: up to the first ``/``, ``?``, ``#``, whitespace or quote
#: that a message puts around a value (repr quotes, backslash escapes of repr kept inside).
_AUTHORITY = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<authority>[^/?#\s]*)")


def _mask(m: re.Match[str]) -> str:
    authority = m.group("authority")
    at = authority.rfind("@")
    if at <= 0:
        return m.group(0)
    return m.group("scheme") + "*" * at + authority[at:]


def mask_credentials(text: str) -> str:
    """``https://user:token@host`` -> ``https://**********@host`` (length kept): everything
    before the last ``@`` of the authority, so ``@``, ``:`` and quotes inside the password are
    masked too (SPEC section 10: credentials are never printed)."""
    if "://" not in text:
        return text
    return _AUTHORITY.sub(_mask, text)


# ------------------------------------------------------------------ checks


@record
class Problem:
    """Why a value may not be written: a code, a message, the span of the bad characters."""

    code: str
    message: str
    start: int
    end: int


#: characters pip (``str.splitlines``) or uv read as a line break, and every other character a
#: terminal acts on or that hides text (C0/C1 controls, bidi overrides, separators).
def _first_hidden(text: str) -> int:
    if text.isascii() and text.isprintable():
        return -1
    for i, c in enumerate(text):
        if _hidden(c):
            return i
    return -1


_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_COMMENT = re.compile(r"\s#")


def line_problem(
    text: str, what: str, *, expansion: bool = False, hash_comment: bool = True, tab: bool = False
) -> Problem | None:
    """Why ``text`` (``what``: "index_url", "the entry" ...) cannot be part of one line of a
    requirements file or a uv input; None when it can.  ``expansion``: ``${...}`` is allowed
    (the user wrote it on the command line); ``tab``: a tab is allowed."""
    i = _first_hidden(text.replace("\t", " ") if tab else text)
    if i >= 0:
        c = text[i]
        kind = "a line break" if c in _LINE_BREAKS else "a control character"
        return Problem(
            "MK600",
            f"{what} holds {kind} ({_escape_char(c)}): pip, uv or a terminal would act on it "
            "(a new line in a requirements file is a new option)",
            i,
            i + 1,
        )
    if not expansion:
        j = text.find("${")
        if j >= 0:
            end = text.find("}", j)
            return Problem(
                "MK601",
                f"{what} holds '${{': pip and uv expand environment variables in requirements "
                "files and would send their values (CI secrets) wherever the text points",
                j,
                end + 1 if end > j else j + 2,
            )
    if text.endswith("\\"):
        return Problem(
            "MK602",
            f"{what} ends with a backslash: pip and uv join the next line to it",
            len(text) - 1,
            len(text),
        )
    if hash_comment:
        m = _COMMENT.search(text)
        if m:
            return Problem(
                "MK603",
                f"{what} holds ' #': pip and uv read the rest of the line as a comment",
                m.start(),
                m.end(),
            )
    return None


def _token_problem(text: str, what: str, expansion: bool) -> Problem | None:
    problem = line_problem(text, what, expansion=expansion)
    if problem is not None:
        return problem
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    if not stripped:
        return Problem("MK605", f"{what} is empty", 0, max(1, len(text)))
    if stripped.startswith("-"):
        return Problem(
            "MK604",
            f"{what} starts with '-': pip and uv would read it as an option, not a value",
            lead,
            lead + 1,
        )
    ws = re.search(r"\s", text)
    if ws is not None:  # inside: more options; around: pip strips it, uv may not
        return Problem(
            "MK604",
            f"{what} holds whitespace: pip and uv read what follows as more options (and strip "
            "it around a value)",
            ws.start(),
            ws.end(),
        )
    quote = re.search(r"[\"'\\]", stripped)
    if quote is not None:
        return Problem(
            "MK607",
            f"{what} holds {quote.group()!r}: pip splits option lines as a shell does (shlex), "
            "so a quote or a backslash changes the value (or makes the file unreadable)",
            lead + quote.start(),
            lead + quote.end(),
        )
    return None


_SCHEMES = ("http", "https", "file")


@functools.lru_cache(maxsize=8192)  # pure; compile asks once per engine and set
def source_problem(value: str, key: str, *, expansion: bool = False) -> Problem | None:
    """Why ``value`` cannot be written as ``--<key> VALUE`` (``index_url``,
    ``extra_index_url``: a URL; ``find_links``: a URL or a path)."""
    what = f"{key} {mask_credentials(value)!r}"
    key = key.lstrip("-").replace("-", "_")  # --find-links on the command line
    problem = _token_problem(value, what, expansion)
    if problem is not None:
        return problem
    text = value.strip()
    lead = len(value) - len(value.lstrip())
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", text)
    if scheme is None or (len(scheme.group(1)) == 1 and key == "find_links"):  # C:\wheels
        if key == "find_links":
            return None
        return Problem(
            "MK605", f"{what} is not a URL (http://, https:// or file://)", lead, lead + len(text)
        )
    plain = PLAIN_URL.fullmatch(text)
    if plain is not None and int(plain.group(1) or 0) <= 65535:
        return None  # what urlsplit would accept, without importing it
    return parsed_url_problem(text, what, lead)


#: an http(s) URL of plain ASCII parts: a host of letters, digits, dots and dashes, a port of
#: digits, a path without query, fragment, space or backslash; ``source_problem`` accepts it
#: without ``urllib.parse`` (4 ms of imports with ``ipaddress``), and a property test holds
#: ``parsed_url_problem`` to accepting it.  (Kept simple: it is compiled on every start.)
PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.\-]+(?::([0-9]{1,5}))?(?:/[\w.~%!$&'()*+,;=:@/\-]*)?", re.I | re.A
)


def parsed_url_problem(text: str, what: str, lead: int) -> Problem | None:
    """The URL checks of ``source_problem`` through ``urllib.parse.urlsplit``."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        _ = parts.port  # a port that is not a number raises
    except ValueError as exc:
        return Problem("MK605", f"{what} does not parse as a URL: {exc}", lead, lead + len(text))
    if parts.scheme.lower() not in _SCHEMES:
        return Problem(
            "MK605",
            f"{what} has scheme {parts.scheme!r}: write an http://, https:// or file:// URL",
            lead,
            lead + len(parts.scheme),
        )
    if parts.scheme.lower() != "file" and not parts.hostname:
        return Problem("MK605", f"{what} has no host", lead, lead + len(text))
    return None


_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.?)+|\[[0-9A-Fa-f:.]+\]")


@functools.lru_cache(maxsize=8192)  # pure; compile asks once per engine and set
def host_problem(value: str, key: str = "trusted_host") -> Problem | None:
    """Why ``value`` is not a ``host`` or ``host:port`` for ``--trusted-host``."""
    what = f"{key} {value!r}"
    problem = _token_problem(value, what, False)
    if problem is not None:
        return problem
    text = value.strip()
    host, _, port = (
        text.rpartition(":") if not text.endswith("]") and ":" in text else (text, "", "")
    )
    if not _HOST.fullmatch(host) or (port and not port.isdigit()):
        lead = len(value) - len(value.lstrip())
        return Problem("MK605", f"{what} is not a host name or host:port", lead, lead + len(text))
    return None


#: a release number with an optional local label (``2.8.0``, ``2.8.0+cu128``): a PEP 440 version
#: by construction, so ``version_problem`` need not import packaging (13 ms with ``inspect``,
#: which ``warnings.deprecated`` in packaging brings); a property test holds it to packaging
PLAIN_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)*(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?", re.IGNORECASE)


def version_problem(name: str, value: str, where: str) -> Problem | None:
    """Why ``value`` is not one version of ``name`` (a target's ``[system]`` table,
    ``--system NAME=VERSION``): a specifier, a marker, a URL or a line break is refused."""
    what = f"{where} {name}={value!r}"
    problem = line_problem(value, what, hash_comment=True)
    if problem is not None:
        return problem
    if PLAIN_VERSION.fullmatch(value.strip()):
        return None
    from packaging.version import InvalidVersion, Version

    try:
        Version(value.strip())
    except (InvalidVersion, ValueError):  # ValueError: a number over Python's digit limit
        return Problem(
            "MK606",
            f"{what} is not a version (a system version is one version such as 2.8.0 or "
            "2.8.0+cu128: no specifier, marker, URL or space)",
            0,
            max(1, len(value)),
        )
    return None


_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def blank_strings(text: str) -> str:
    """``text`` with the inside of every quoted string replaced by spaces (same length): what
    counts brackets and operators must not count the ones inside a marker value."""
    return _QUOTED.sub(lambda m: m.group()[0] + " " * (len(m.group()) - 2) + m.group()[-1], text)


def entry_problem(text: str) -> Problem | None:
    """Why an entry cannot become a line of a requirements file, beyond its syntax: a control
    or format character (MK600), ``${`` (MK601), a trailing backslash (MK602), ``' #'`` inside
    a quoted marker value (MK603; outside strings a ``#`` is a placeholder's)."""
    problem = line_problem(
        text, "the entry", hash_comment=False, tab=True
    )  # MK520 refuses a tab in a value written back
    if problem is not None:
        return problem
    for m in _QUOTED.finditer(text):
        hit = _COMMENT.search(m.group())
        if hit is not None:
            return Problem(
                "MK603",
                "the entry holds ' #' inside a quoted value: pip and uv read the rest of the "
                "line as a comment",
                m.start() + hit.start(),
                m.start() + hit.end(),
            )
        dash = m.group().find(" -")
        if dash >= 0:
            return Problem(
                "MK604", f"the entry holds {_DASH}", m.start() + dash, m.start() + dash + 2
            )
    return None


_DASH = (
    "' -' inside a quoted value: pip splits a requirement line at spaces and reads "
    "everything from a word starting with '-' as installer options"
)


@functools.lru_cache(maxsize=8192)  # pure; compile asks once per engine and set
def requirement_problem(line: str) -> Problem | None:
    """Why a rendered requirement line (no comment) would not reach pip and uv as one
    requirement: :func:`line_problem`, a leading ``-`` or a ``' -'`` (pip's option split)."""
    problem = line_problem(line, f"requirement {line!r}")
    if problem is not None:
        return problem
    if line.lstrip().startswith("-"):
        return Problem("MK604", f"requirement {line!r} starts with '-'", 0, 1)
    dash = line.find(" -")
    if dash >= 0:
        return Problem("MK604", f"requirement {line!r} holds {_DASH}", dash, dash + 2)
    return None


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string: quotes, backslashes and every control, format or
    separator character escaped (``\\uXXXX`` / ``\\UXXXXXXXX``), so that no input ends the string
    or the line, and the file is inert on a terminal."""
    out = ['"']
    for ch in value:
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or (not ch.isprintable() and _hidden(ch)):
            out.append(f"\\u{ord(ch):04X}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
