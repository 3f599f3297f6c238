"""The record types of the rule registry (:class:`Rule`, :class:`Example`), which
:mod:`markerc.catalogue.rules` reads from ``markerc/data/rules.toml``, and the stand-in ``uv``
package (:func:`stand_in_uv`) that examples and tests run the resolver as.

The records are immutable named tuples, which cost a fraction of a frozen dataclass to define.
"""

from __future__ import annotations

from typing import NamedTuple

from markerc.catalogue.codes import Code, Severity, Stage, is_selectable

__all__ = ["Example", "Rule", "stand_in_uv"]


class Example(NamedTuple):
    """A runnable example.

    ``entries`` are the ``virtualenv.packages`` of a one-model hub file (``hub.json``), ``block``
    more members of that ``virtualenv`` block (JSON text), ``document`` the whole file instead.
    ``args`` is a markerc command line (``{hub}`` is the hub file, ``{wheels}`` a folder of the
    wheels named in ``wheels`` and the sdists named in ``sdists``, built by the tests; ``before``
    commands and ``edits`` prepare the folder); without ``args`` the example is
    ``markerc check {hub}`` with every rule selected.  ``files`` are more files written beside the
    hub, for example a ``pyproject.toml``.
    """

    entries: tuple[str, ...] = ()
    block: str = ""
    document: str | None = None
    args: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    wheels: tuple[str, ...] = ()
    note: str = ""
    #: markerc commands run first (each must exit 0), e.g. writing the locks a check compares
    before: tuple[tuple[str, ...], ...] = ()
    #: ``(path, old, new)`` text replacements made after ``before`` (a hand-edited lock)
    edits: tuple[tuple[str, str, str], ...] = ()
    #: sdists (``name==version``) put beside the wheels; their build backend must never run
    sdists: tuple[str, ...] = ()
    #: a folder (among ``files``) put first on ``PYTHONPATH`` (a stand-in ``uv`` package)
    pythonpath: str = ""
    #: the exit status of the command (default: 2 for a bad example of an error, else 0)
    exit: int | None = None
    #: ``(path, target)`` symlinks made after ``files`` (``target`` as ``os.symlink`` takes it)
    links: tuple[tuple[str, str], ...] = ()


class Rule(NamedTuple):
    """One diagnostic code.

    ``stages`` says which commands report it (``check``, ``compile``, ``lock``, ``cli``).  Errors
    that ``compile`` also reports are input errors: ``check`` always reports them, whatever the
    selection (``selectable`` is false, :func:`markerc.catalogue.codes.is_selectable`).
    ``default`` says whether ``check`` reports a selectable rule without ``--select``; ``fix``
    describes what ``check --fix`` rewrites (None: no automatic fix).
    """

    code: str
    name: str
    severity: Severity
    title: str
    group: str
    explanation: str
    bad: Example
    fixed: Example
    stages: tuple[Stage, ...] = ("check",)
    default: bool = True
    fix: str | None = None

    @property
    def selectable(self) -> bool:
        return is_selectable(self.severity, self.stages)

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def facts(self) -> Code:
        """The row of the generated table ``markerc/data/codes.json``."""
        return Code(
            self.code, self.name, self.severity, self.title, self.stages, self.default, self.fixable
        )


def stand_in_uv(script: str, *body: str) -> str:
    """The ``__init__.py`` of a stand-in ``uv`` package (an example's ``pythonpath`` folder, or a
    test's): its ``find_uv_bin`` writes an executable Python script called ``script`` beside
    itself that answers ``--version`` like uv and otherwise runs the lines ``body`` (the command
    line in ``args``), and returns its path."""
    lines = [
        "import sys",
        "args = sys.argv[1:]",
        "if args == ['--version']:\\n    print('uv 0.0.0-stand-in'); sys.exit(0)",
        *(line.replace("\\", "\\\\").replace('"', '\\"') for line in body),
    ]
    pieces = "".join(f'\n                 "{line}\\n"' for line in lines)
    return (
        "import os, sys\n"
        "def find_uv_bin():\n"
        f'    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "{script}")\n'
        '    with open(path, "w") as fh:\n'
        f'        fh.write("#!" + sys.executable + "\\n"{pieces})\n'
        "    os.chmod(path, 0o755)\n"
        "    return path\n"
    )
