"""What the command line prints besides a command's result: stderr lines (printable, no
credentials), diagnostics, warnings once each, a result to a file or stdout, and the progress of
``lock`` and ``install``."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from markerc.diagnostics import Diagnostic


def err(text: str) -> None:
    """Everything markerc prints on stderr: printable (newlines kept), no credentials."""
    from markerc.safety import mask_credentials, terminal

    text = terminal(mask_credentials(text))
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


def emit(text: str, output: str | None) -> None:
    """A command's result: to ``output`` (written atomically) or to stdout."""
    from markerc.files import atomic_write

    if output:
        atomic_write(output, text)
    else:
        sys.stdout.write(text)


def print_errors(diagnostics: Sequence[Diagnostic]) -> None:
    from markerc.escaping import printable

    for d in diagnostics:
        err("\n".join(printable(line) for line in d.render().split("\n")))


def print_warnings(diagnostics: Sequence[Diagnostic]) -> None:
    seen: set[str] = set()
    for d in diagnostics:
        line = d.headline()
        if line not in seen:  # one entry compiled for several engines warns once
            seen.add(line)
            err(line)


class Progress:
    """On a terminal, a one-line progress bar; off a terminal (CI logs), plain lines at a steady
    rate: a start line, then at most one line every ``every`` seconds."""

    def __init__(
        self,
        every: float = 10.0,
        clock: Callable[[], float] | None = None,
        stream: TextIO | None = None,
        command: str = "lock",
        done_word: str = "resolved",
    ) -> None:
        self.command, self.done_word = command, done_word
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self.clock = clock or time.monotonic
        self.start = self.last = self.clock()

    def __call__(self, done: int, total: int, what: str = "", failed: int = 0) -> None:
        if not self.tty:
            now = self.clock()
            if done == 0:
                self.start = self.last = now
                self.stream.write(
                    f"markerc {self.command}: {total} {'resolution(s)' if self.command == 'lock' else 'step(s)'} to run\n"
                )
            elif now - self.last >= self.every or done == total:
                self.last = now
                failures = f", {failed} failed" if self.command == "lock" else ""
                self.stream.write(
                    f"markerc {self.command}: {done}/{total} {self.done_word}{failures}, {now - self.start:.0f} s\n"
                )
            self.stream.flush()
            return
        if total <= 1:
            return
        width = 24
        filled = int(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} {what[:40]:<40}")
        if done >= total:
            self.stream.write("\r" + " " * (width + 60) + "\r")
        self.stream.flush()
