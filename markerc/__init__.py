"""markerc: one precise meaning for Xinference's extended requirement language.

The public library API (see the README):

* :func:`parse_entry` / :func:`parse_marker` - text to AST (raises :class:`MarkercError`);
* :func:`check_entry` - parse and type-check an entry;
* :func:`evaluate`, :func:`partial`, :func:`residual`, :func:`negate`, :func:`simplify`;
* :func:`render` (PEP 508 text) and :func:`render_markerc`.

Heavy modules (lark, packaging) are imported on first use, not here.
"""

from __future__ import annotations

__version__ = "0.1.0"

_EXPORTS = {
    "parse_entry": "markerc.language.syntax",
    "parse_marker": "markerc.language.syntax",
    "check_entry": "markerc.language.typecheck",
    "check_marker": "markerc.language.typecheck",
    "evaluate": "markerc.language.markers",
    "partial": "markerc.language.markers",
    "residual": "markerc.language.markers",
    "negate": "markerc.language.markers",
    "simplify": "markerc.language.markers",
    "render": "markerc.language.rendering",
    "render_markerc": "markerc.language.rendering",
    "MarkercError": "markerc.diagnostics",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'markerc' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
