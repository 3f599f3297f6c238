"""Run the real CLI in a subprocess (the way users and pre-commit run it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_markerc(*args: str, cwd: str | os.PathLike[str] | None = None, input: str | None = None,
                env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **(env_extra or {}))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "markerc", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
    )
