"""The HTML report in a real headless browser (Chromium from the system's packages; `.ci/run`
installs it): the page for the real hub (and for the fixtures) renders, its screenshot has the
window's size, the cells in the browser's DOM match `report --format json` status by status,
and the CSS filters (type, engine, status; no script) hide what they should.

Set MARKERC_SCREENSHOTS=DIR to keep the screenshots."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from .cli_helpers import ROOT, run_markerc
from .conftest import corpus_files
from .test_report import case, lock_report

FIX = ROOT / "fixtures"
TARGETS = ["--target", str(FIX / "targets" / "linux-cuda128.toml"), "--target", str(FIX / "targets" / "macos-arm64.toml")]
WINDOW = (1600, 1000)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium (`.ci/run` installs Debian's)")


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with everything that would reach the network switched off."""
    argv = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
        "--disable-default-apps", f"--user-data-dir={tmp / 'chromium-profile'}", *args,
    ]  # fmt: skip
    env = {**os.environ, "HOME": str(tmp)}
    return subprocess.run(argv, capture_output=True, text=True, timeout=180, env=env)  # type: ignore[arg-type]


def _hubs(kind: str, base: Path) -> tuple[list[str], list[str]]:
    """Hub arguments and extra arguments (a lock folder and a lock report with some statuses)."""
    if kind == "corpus":
        hubs = [str(p) for p in corpus_files()]
        cases = [case("qwen3", "vllm", "linux-cuda128", "failed", "uv: no solution <b>x</b>", "llm_family.json"),
                 case("qwen3", "sglang", "macos-arm64", "skipped", "sglang needs CUDA", "llm_family.json"),
                 case("qwen3", "transformers", "linux-cuda128", "stale", None, "llm_family.json"),
                 case("qwen3", "transformers", "macos-arm64", "written", None, "llm_family.json")]  # fmt: skip
        lock = base / "locks" / "qwen3" / "macos-arm64" / "pylock.mlx.toml"
    else:
        hubs = [str(FIX / "models.json"), str(FIX / "hub" / "audio_engines.json"), str(FIX / "hub" / "single_model.json")]
        cases = [case("demo-chat", "sglang", "linux-cuda128", "failed", "uv: no solution <b>x</b>"),
                 case("demo-speech", "mlx", "linux-cuda128", "skipped", "mlx runs on macOS only"),
                 case("demo-chat", "transformers", "macos-arm64", "stale")]  # fmt: skip
        lock = base / "locks" / "demo-chat" / "linux-cuda128" / "pylock.vllm.toml"
    lock.parent.mkdir(parents=True)
    lock.write_text("# lock\n")
    (base / "lock-report.json").write_text(json.dumps(lock_report(cases)))
    return hubs, ["--locks", str(base / "locks"), "--lock-report", str(base / "lock-report.json")]


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _dom_statuses(dom: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for status in re.findall(r'<td class="[^"]*" data-status="([a-z]+)"', dom):
        found[status] = found.get(status, 0) + 1
    return found


_PROBE = """<script>
const shown = e => getComputedStyle(e).display !== "none";
const rows = [...document.querySelectorAll("table.matrix tbody tr")].filter(shown);
const cells = rows.flatMap(r => [...r.querySelectorAll("td.ce")]).filter(shown);
document.body.dataset.rows = rows.length;
document.body.dataset.cells = cells.length;
</script>"""


def _filtered(page: str, radio: str) -> str:
    """A copy of the page with one filter chosen (as a click would) and a probe script that
    counts what stays visible (the report itself has no script; its policy would forbid one)."""
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    group = radio.split("-", 1)[0]
    page = page.replace(f'id="{group}-all" checked', f'id="{group}-all"')
    page = page.replace(f'id="{radio}">', f'id="{radio}" checked>')
    return page.replace("</body>", _PROBE + "</body>")


def _visible(tmp: Path, page: str, radio: str, name: str) -> tuple[int, int]:
    path = tmp / f"{name}.html"
    path.write_text(_filtered(page, radio), encoding="utf-8")
    r = chromium(tmp, "--dump-dom", path.as_uri())
    m = re.search(r'<body data-rows="(\d+)" data-cells="(\d+)"', r.stdout)
    assert m, r.stderr[-2000:]
    return int(m.group(1)), int(m.group(2))


@pytest.mark.parametrize("kind", ["corpus", "fixtures"])
def test_report_renders_and_matches_json(tmp_path, kind):
    hubs, extra = _hubs(kind, tmp_path)
    r = run_markerc("report", *hubs, *TARGETS, *extra, "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    out = tmp_path / "report.html"
    r = run_markerc("report", *hubs, *TARGETS, *extra, "-o", str(out))
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")

    # screenshot: the page renders at the window's size, and is not blank
    shot = tmp_path / "report.png"
    r = chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", "--hide-scrollbars", out.as_uri())
    assert shot.is_file(), r.stderr[-2000:]
    assert _png_size(shot) == WINDOW
    assert shot.stat().st_size > 40_000  # a blank 1600x1000 page compresses to a few kB
    keep = os.environ.get("MARKERC_SCREENSHOTS")
    if keep:
        os.makedirs(keep, exist_ok=True)
        shutil.copy(shot, Path(keep) / f"report-{kind}.png")

    # the browser's DOM holds exactly the cells the JSON counts, status by status
    r = chromium(tmp_path, "--dump-dom", out.as_uri())
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    assert {s: n for s, n in _dom_statuses(dom).items()} == {s: n for s, n in doc["summary"].items() if n}
    assert sum(doc["summary"].values()) == len(doc["rows"]) * len(doc["engines"]) * len(doc["targets"])
    assert all(doc["summary"][s] for s in ("locked", "compiles", "stale", "skipped", "failed", "na"))
    assert "&lt;b&gt;x&lt;/b&gt;" in dom and "<b>x</b>" not in dom  # a lock reason is text, not markup
    summary = dict(re.findall(r'<li class="s-([a-z]+)" data-count="(\d+)">', dom))
    assert {s: int(n) for s, n in summary.items()} == doc["summary"]

    # the filters, with a click's effect: type, engine, status
    rows, columns = len(doc["rows"]), len(doc["engines"]) * len(doc["targets"])
    assert _visible(tmp_path, page, "ft-all", "all") == (rows, rows * columns)
    types = list(dict.fromkeys(r["type"] for r in doc["rows"]))
    first = types.index("audio")
    audio = sum(r["type"] == "audio" for r in doc["rows"])
    assert _visible(tmp_path, page, f"ft-{first}", "type") == (audio, audio * columns)
    engine = doc["engines"].index("vllm")
    assert _visible(tmp_path, page, f"fe-{engine}", "engine") == (rows, rows * len(doc["targets"]))
    failing = sum(any(c["status"] == "failed" for c in r["cells"]) for r in doc["rows"])
    assert _visible(tmp_path, page, "fs-failed", "status") == (failing, failing * columns)
