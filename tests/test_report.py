"""`markerc report` through the CLI: statuses from the compile, the lock folder and a lock
report; JSON, Markdown and HTML agree; hostile names render as text; bad inputs exit 2.
(tests/test_report_browser.py renders the page in a real browser.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .cli_helpers import ROOT, run_markerc

FIX = ROOT / "fixtures"
CUDA128 = str(FIX / "targets" / "linux-cuda128.toml")
MACOS = str(FIX / "targets" / "macos-arm64.toml")
EVIL = "<script>alert(1)</script>\"'&amp;|`@team #1\x1b[31m\u202e"


def lock_report(cases: list[dict]) -> dict:
    """A `markerc lock --report` document (the shape in the brief shared with issue 8)."""
    summary: dict[str, dict[str, int]] = {}
    for c in cases:
        summary.setdefault(c["target"] or "universal", {}).setdefault(c["status"], 0)
        summary[c["target"] or "universal"][c["status"]] += 1
    return {"schema": "markerc-lock-report/1", "markerc": "0.1.0", "format": "pylock",
            "targets": sorted(summary), "cases": cases, "summary": summary}  # fmt: skip


def case(model: str, engine: str, target: str, status: str, reason: str | None = None, file: str = "models.json") -> dict:
    return {"file": file, "model": model, "engine": engine, "target": target, "status": status,
            "output": f"{model}/{target}/pylock.{engine}.toml", "reason": reason, "locations": []}  # fmt: skip


def make_project(base: Path) -> list[str]:
    """Hubs, a lock folder and a lock report giving every status at least once; the args."""
    (base / "hub").mkdir()
    (base / "hub" / "models.json").write_text((FIX / "models.json").read_text())
    (base / "hub" / "audio_engines.json").write_text((FIX / "hub" / "audio_engines.json").read_text())
    (base / "hub" / "bare_block.json").write_text((FIX / "hub" / "bare_block.json").read_text())
    (base / "bad_models.json").write_text(json.dumps([
        {"model_name": EVIL, "virtualenv": {"packages": ["#vllm_dependencies# ; #engine# == 'vllm'", "ok"]}},
        {"model_name": "broken", "virtualenv": {"packages": ["#vllm_dependencies# ; #engine# == 'vllm'", "z>=2", "z<1"]}},
    ]))  # fmt: skip
    lock = base / "locks" / "demo-chat" / "linux-cuda128" / "pylock.vllm.toml"
    lock.parent.mkdir(parents=True)
    lock.write_text("# a lock\n")
    (base / "lock-report.json").write_text(json.dumps(lock_report([
        case("demo-chat", "sglang", "linux-cuda128", "failed", "uv: no solution for sglang>=0.5.6 <script>"),
        case("demo-chat", "transformers", "macos-arm64", "stale"),
        case("demo-speech", "mlx", "linux-cuda128", "skipped", "mlx runs on macOS only"),
        case("demo-speech", "vllm", "macos-arm64", "written"),
        case("demo-embed", "flag", "macos-arm64", "excluded", "excluded by --exclude 'flag@*'"),
    ])))  # fmt: skip
    return ["hub", "bad_models.json", "--target", CUDA128, "--target", MACOS, "--locks", "locks",
            "--lock-report", "lock-report.json"]  # fmt: skip


def _status(doc: dict, model: str, engine: str, target: str) -> tuple[str, str]:
    row = next(r for r in doc["rows"] if r["model"] == model)
    cell = next(c for c in row["cells"] if c["engine"] == engine and c["target"] == target)
    return cell["status"], cell["reason"]


def test_statuses_from_compile_lock_folder_and_lock_report(tmp_path):
    args = make_project(tmp_path)
    r = run_markerc("report", *args, "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "markerc-report/1"
    assert doc["targets"] == ["linux-cuda128", "macos-arm64"]
    assert [r["file"] for r in doc["rows"]][:3] == ["audio_engines.json"] * 3  # folder files in name order
    assert {r["type"] for r in doc["rows"]} == {"audio", "models", "bad_models", "bare_block"}  # known first words, else the stem
    # a block that names no engine still has its row: every cell not applicable
    bare = next(r for r in doc["rows"] if r["file"] == "bare_block.json")
    assert bare["model"] is None and {c["status"] for c in bare["cells"]} == {"na"}
    assert _status(doc, "demo-chat", "vllm", "linux-cuda128") == (
        "locked", "lock file demo-chat/linux-cuda128/pylock.vllm.toml exists")
    assert _status(doc, "demo-chat", "vllm", "macos-arm64")[0] == "compiles"
    assert _status(doc, "demo-chat", "sglang", "linux-cuda128") == (
        "failed", "lock failed: uv: no solution for sglang>=0.5.6 <script>")
    assert _status(doc, "demo-chat", "transformers", "macos-arm64")[0] == "stale"
    assert _status(doc, "demo-speech", "mlx", "linux-cuda128") == ("skipped", "lock skipped: mlx runs on macOS only")
    assert _status(doc, "demo-speech", "vllm", "macos-arm64")[0] == "locked"
    assert _status(doc, "demo-embed", "flag", "macos-arm64")[0] == "skipped"
    status, reason = _status(doc, "broken", "vllm", "linux-cuda128")
    assert status == "failed" and reason.startswith("compile: bad_models.json:1:") and "MK502" in reason
    assert _status(doc, "demo-embed", "vllm", "linux-cuda128")[0] == "na"
    columns = len(doc["engines"]) * len(doc["targets"])
    assert all(len(r["cells"]) == columns for r in doc["rows"])
    counted = {s: sum(c["status"] == s for r in doc["rows"] for c in r["cells"]) for s in doc["summary"]}
    assert counted == doc["summary"] and all(doc["summary"].values())  # every status occurs


def test_markdown_and_html_agree_with_json(tmp_path):
    args = make_project(tmp_path)
    doc = json.loads(run_markerc("report", *args, "--format", "json", cwd=tmp_path).stdout)
    md = run_markerc("report", *args, "--format", "markdown", cwd=tmp_path).stdout
    assert md.startswith("## markerc matrix\n")
    table = [ln for ln in md.splitlines() if ln.startswith("| `")]
    assert len(table) == len(doc["rows"])
    assert "| 🔒 locked | 2 |" in md and f"| ❌ fails | {doc['summary']['failed']} |" in md
    assert "* ❌ `demo-chat` · `sglang` · `linux-cuda128`: `lock failed: uv: no solution for sglang>=0.5.6 <script>`" in md
    r = run_markerc("report", *args, "-o", "report.html", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == "" and "models x" in r.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    counts = {s: len(re.findall(rf'<td class="[^"]*" data-status="{s}"', page)) for s in doc["summary"]}
    assert counts == doc["summary"]
    assert page.count("<tr class=\"t") == len(doc["rows"])


def test_html_escapes_everything_from_the_hub(tmp_path):
    args = make_project(tmp_path)
    assert run_markerc("report", *args, "-o", "report.html", cwd=tmp_path).returncode == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "\x1b" not in page and "\u202e" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&amp;amp;|`@team #1\\x1b[31m\\u202e" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<(?:script|link|img|iframe)\b|\bsrc=|\bhref=|url\(", page)  # nothing loads
    md = run_markerc("report", *args, "--format", "markdown", cwd=tmp_path).stdout
    assert "| ``<script>alert(1)</script>\"'&amp;\\|`@team #1\\x1b[31m\\u202e`` |" in md


def test_bad_inputs(tmp_path):
    hub = str(FIX / "models.json")
    for text, fragment in (("{nope", "MK572"), ('{"schema": "other/1"}', "MK572"),
                           ('{"schema": "markerc-lock-report/1", "cases": [{"file": 1}]}', "case #1")):  # fmt: skip
        (tmp_path / "r.json").write_text(text)
        r = run_markerc("report", hub, "--target", CUDA128, "--lock-report", str(tmp_path / "r.json"))
        assert r.returncode == 2 and fragment in r.stderr and "Traceback" not in r.stderr
    r = run_markerc("report", hub, "--lock-report", str(tmp_path / "r.json0"))
    assert r.returncode == 2 and "MK205" in r.stderr
    (tmp_path / "r.json").write_text("{\n  nope")
    r = run_markerc("report", hub, "--lock-report", str(tmp_path / "r.json"))
    assert f"{tmp_path / 'r.json'}:2:3: MK572" in r.stderr
    r = run_markerc("report", hub, hub)
    assert r.returncode == 2 and "MK571" in r.stderr
    r = run_markerc("report", str(FIX / "hub" / "diagnostics.json"))
    assert r.returncode == 2 and "MK202" in r.stderr
