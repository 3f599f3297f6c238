"""Test helper: a loopback HTTP server that records every request it gets (an attacker's index).

``with Trap() as trap:`` starts a threaded server on ``127.0.0.1`` (port 0: the system picks
one); ``trap.url`` is its base URL, ``trap.requests`` the paths asked for, in order.  Every
request gets a 404, so pip and uv fail fast instead of waiting.  A test that points hostile hub
values at ``trap.url`` and then runs real pip and uv on markerc's output asserts
``trap.requests == []``: nothing the hub said steered the installer.

:func:`canary` writes a requirements file that, if pip or uv ever read it, would make them
contact the trap (``--find-links TRAP/canary/``, which pip and uv fetch even under
``--no-index``, an index URL and a requirement): a file outside the declared
inputs that an injected ``-r FILE`` would pull in.
"""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _record(self) -> None:
        with self.server.lock:
            self.server.requests.append(f"{self.command} {self.path}")
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_POST = do_PUT = _record

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[str] = []
        self.lock = threading.Lock()


class Trap:
    """A recording HTTP server on loopback (see the module docstring)."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[str]:
        with self._server.lock:
            return list(self._server.requests)

    def __enter__(self) -> Trap:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def canary(directory: str | os.PathLike[str], trap: Trap, name: str = "SECRET.txt") -> str:
    """A requirements file whose reading shows up in ``trap.requests``; returns its path."""
    path = os.path.join(os.fspath(directory), name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"--find-links {trap.url}/canary/links/\n--index-url {trap.url}/canary/simple/\ncanary-package\n")
    return path
