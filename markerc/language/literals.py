"""Quoted values of the language: reading a quoted string's escapes (:func:`decode_string`) and
writing a value back as PEP 508 text (:func:`pep508_literal`) or markerc text
(:func:`markerc_literal`)."""

from __future__ import annotations

# ---------------------------------------------------------------- reading


class BadEscape(Exception):
    """An escape that :func:`decode_string` refuses (``offset``/``length``: where in the body)."""

    def __init__(self, message: str, offset: int, length: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.length = length


_SIMPLE_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def decode_string(body: str) -> str:
    """The value of a quoted string whose text between the quotes is ``body``, read as
    packaging 26 reads it: a body without backslashes is itself; otherwise Python's
    string-literal escapes apply (packaging uses ``ast.literal_eval``; markerc decodes them
    itself, executing nothing).  An unknown escape keeps its backslash, as Python does.

    Refused (:class:`BadEscape`, MK001): a backslash that escapes the closing quote (packaging
    refuses the string), a truncated or out-of-range escape, an unknown ``\\N{...}`` name, and
    an escape that makes a lone surrogate (not text; it cannot be written as UTF-8).
    """
    if "\\" not in body:
        return body
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= n:
            raise BadEscape(
                "a backslash before the closing quote escapes it: the string is not terminated "
                "(packaging refuses it); write \\\\ for a backslash",
                i,
                1,
            )
        nxt = body[i + 1]
        if nxt in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[nxt])
            i += 2
        elif nxt in "01234567":
            j = i + 1
            while j < n and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(chr(int(body[i + 1 : j], 8)))
            i = j
        elif nxt in _HEX_ESCAPES:
            width = _HEX_ESCAPES[nxt]
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise BadEscape(
                    f"truncated \\{nxt} escape: it needs {width} hex digits", i, 2 + len(digits)
                )
            code = int(digits, 16)
            if code > 0x10FFFF:
                raise BadEscape(
                    f"\\{nxt}{digits} is beyond the last Unicode character", i, 2 + width
                )
            if 0xD800 <= code <= 0xDFFF:
                raise BadEscape(
                    f"\\{nxt}{digits} makes a lone surrogate, which is not text", i, 2 + width
                )
            out.append(chr(code))
            i += 2 + width
        elif nxt == "N":
            import unicodedata

            end = body.find("}", i + 3)
            if body[i + 2 : i + 3] != "{" or end < 0:
                raise BadEscape("malformed \\N{...} escape", i, 2)
            name = body[i + 3 : end]
            try:
                found = unicodedata.lookup(name)
            except KeyError:
                found = ""
            if len(found) != 1:
                raise BadEscape(f"unknown Unicode character name {name!r}", i, end + 1 - i)
            out.append(found)
            i = end + 1
        else:  # unknown escape: the backslash stays
            out.append("\\")
            i += 1
    for k, ch in enumerate(body):  # a surrogate written as itself (escapes are checked above)
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise BadEscape("a lone surrogate is not text", k, 1)
    return "".join(out)


# ---------------------------------------------------------------- writing


def pep508_literal(value: str) -> str | None:
    """``value`` as a quoted PEP 508 string that packaging, pip and uv all read back as
    ``value``; None where no such text exists (a backslash: packaging reads Python escapes, uv
    takes the text literally; both quote characters; a character that is not printable)."""
    if "\\" in value or not value.isprintable():
        return None
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return None


def markerc_literal(value: str) -> str:
    """``value`` as a quoted string of the markerc language (escapes where needed; it parses
    back to ``value``)."""
    plain = pep508_literal(value)
    if plain is not None:
        return plain
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append("\\x22")
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
    return '"' + "".join(out) + '"'
