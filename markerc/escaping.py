"""Escaping for text that comes from a hub file and ends up in an output someone reads.

Hub JSON is hostile input.  Every value from it that reaches a terminal, a comment in a
requirements file, an HTML page or a Markdown comment goes through one of these functions:

* :func:`printable` (from :mod:`markerc.safety`): control, format (bidi overrides, zero-width), surrogate, private-use and
  line/paragraph separator characters become visible ``\\xNN`` / ``\\uXXXX`` escapes.  No
  terminal control sequence, no line break that pip's ``splitlines`` would honour, no lone
  surrogate that would make UTF-8 encoding fail.
* :func:`html_text`: :func:`printable`, then :func:`html.escape` (quotes included, so the
  result is safe in element content and in quoted attribute values).
* :func:`md_code`: a GitHub-flavoured Markdown code span (nothing inside is interpreted: no
  HTML, no links, no ``@mentions``, no ``#123`` references), safe inside a table cell.
* :func:`md_text`: our own words and engine/target names (the user's own configuration) as
  Markdown text, every ASCII punctuation character backslash-escaped.  Not for hub values:
  GitHub links ``@name`` and ``#123`` in escaped text too; those go in :func:`md_code`.
"""

from __future__ import annotations

import html
import re

from markerc.safety import printable

__all__ = ["html_text", "md_code", "md_text", "printable"]


def html_text(text: object) -> str:
    """Text for HTML element content or a double- or single-quoted attribute value."""
    return html.escape(printable(str(text)), quote=True)


_BACKTICKS = re.compile(r"`+")


def md_code(text: object) -> str:
    """``text`` as one inline code span, safe in a GFM table cell."""
    shown = printable(str(text)).replace("|", "\\|")
    if not shown:
        return "` `"
    longest = max((len(m) for m in _BACKTICKS.findall(shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith(("`", " ")) or shown.endswith(("`", " ")) else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


def md_text(text: object) -> str:
    """Plain Markdown text: ASCII punctuation backslash-escaped (``<``, ``|``, ``*``, ``[`` and
    friends are literal)."""
    return _MD_PUNCT.sub(r"\\\1", printable(str(text)))
