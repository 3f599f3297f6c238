"""The facts of every diagnostic code that markerc needs at run time: name, severity, title, the
commands that report it, whether ``check`` reports it by default and whether it has a fix.

This is the start-up path of every command (``markerc.diagnostics`` builds its table from
:data:`CODES` at import time), so it reads only the generated table
:mod:`markerc.catalogue._table`, never the documentation and examples of the rule modules.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from markerc.catalogue._table import ROWS

__all__ = ["CODES", "Code", "Severity", "Stage", "is_selectable"]

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


#: code -> its facts, in code order.
CODES: dict[str, Code] = {row[0]: Code(*row) for row in ROWS}
