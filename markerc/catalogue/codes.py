"""The facts of every diagnostic code that markerc needs at run time: name, severity, title, the
commands that report it, whether ``check`` reports it by default and whether it has a fix.

This is the start-up path of every command (``markerc.diagnostics`` builds its table from
:data:`CODES` at import time), so it reads only the small generated table
``markerc/data/codes.json``, never the documentation and examples of ``markerc/data/rules.toml``.
"""

from __future__ import annotations

import json
import os
from typing import Literal, NamedTuple

__all__ = ["CODES", "TABLE_FILE", "Code", "Severity", "Stage", "is_selectable"]

Severity = Literal["error", "warning"]
Stage = Literal["check", "compile", "lock", "cli"]


def is_selectable(severity: Severity, stages: tuple[Stage, ...]) -> bool:
    """Whether ``--select`` and friends turn a code on and off: a code of ``check`` that is not
    an input error (an error ``compile`` also reports, which ``check`` always reports, since a
    hub that compile refuses must not pass the hook)."""
    return "check" in stages and not (severity == "error" and "compile" in stages)


class Code(NamedTuple):
    """One code's facts (the documentation is :class:`markerc.catalogue.records.Rule`)."""

    code: str
    name: str
    severity: Severity
    title: str
    stages: tuple[Stage, ...]
    default: bool
    fixable: bool

    @property
    def selectable(self) -> bool:
        return is_selectable(self.severity, self.stages)


#: The generated table (a plain path: markerc/data is a real package folder).
TABLE_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "codes.json"
)

#: A row of the table (a JSON array): name, severity, title, stages, on by default, fixable.
_Row = tuple[str, Severity, str, list[Stage], bool, bool]


def _load() -> dict[str, Code]:
    with open(TABLE_FILE, "rb") as fh:  # bytes: json reads UTF-8, faster than a text file
        rows: dict[str, _Row] = json.loads(fh.read())["codes"]
    return {
        code: Code(code, name, severity, title, tuple(stages), default, fixable)
        for code, (name, severity, title, stages, default, fixable) in rows.items()
    }


#: code -> its facts, in code order.
CODES: dict[str, Code] = _load()
