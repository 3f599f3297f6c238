"""Rendering a :class:`markerc.review.report.Matrix`: one static HTML page (:func:`html`),
Markdown for CI summaries (:func:`markdown`), JSON (:func:`as_json`, :func:`json_text`) and the
one-line summary for stderr (:func:`text_summary`).

The HTML page has no script at all (its Content-Security-Policy forbids scripts): the filters by
model type, engine and status are radio buttons and CSS, the reason of a cell is its ``title``
(hover) and, where there is one, a ``<details>`` element (click).  Every value from a hub, a
target profile or an engine table is escaped (:mod:`markerc.escaping`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from markerc import __version__
from markerc.escaping import html_text, md_code, printable
from markerc.review.report import STATUSES, Matrix, ReportCell, Status
from markerc.review.sources import target_label

SCHEMA = "markerc-report/1"
LABELS: dict[Status, str] = {
    "locked": "locked",
    "compiles": "compiles",
    "stale": "stale lock",
    "skipped": "skipped",
    "failed": "fails",
    "na": "not applicable",
}
_SHORT: dict[Status, str] = {
    "locked": "locked",
    "compiles": "ok",
    "stale": "stale",
    "skipped": "skip",
    "failed": "FAIL",
    "na": "\u00b7",
}
_EMOJI: dict[Status, str] = {
    "locked": "🔒",
    "compiles": "✅",
    "stale": "⚠️",
    "skipped": "⏭️",
    "failed": "❌",
    "na": "·",
}
#: Longest reason shown in Markdown (the HTML page shows all of it).
_MD_REASON = 300


# --------------------------------------------------------------------------- JSON


def as_json(m: Matrix) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "markerc": __version__,
        "hubs": list(m.hubs),
        "engines": list(m.engines),
        "targets": list(m.targets),
        "locks": m.locks_dir,
        "lock_report": m.lock_report,
        "lock_format": m.lock_format,
        "summary": m.counts(),
        "rows": [
            {
                "file": r.file,
                "type": r.type,
                "model": r.model,
                "cells": [
                    {
                        "engine": c.engine,
                        "target": c.target,
                        "status": c.status,
                        "reason": c.reason,
                        "lock": c.lock,
                    }
                    for c in r.cells
                ],
            }
            for r in m.rows
        ],
    }


def json_text(m: Matrix) -> str:
    return json.dumps(as_json(m), indent=1, ensure_ascii=True) + "\n"


# --------------------------------------------------------------------------- Markdown


def markdown(m: Matrix) -> str:
    """The matrix as GitHub-flavoured Markdown (a CI job summary), then every failure."""
    counts = m.counts()
    out = [
        "## markerc matrix",
        "",
        "hubs: "
        + ", ".join(md_code(h) for h in m.hubs)
        + " · targets: "
        + ", ".join(md_code(target_label(t)) for t in m.targets),
        "",
        "| status | cells |",
        "| --- | ---: |",
    ]
    out += [f"| {_EMOJI[s]} {LABELS[s]} | {counts[s]} |" for s in STATUSES]
    out.append("")
    columns = [(e, t) for e in m.engines for t in m.targets]

    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    out.append(
        row(["model", "type", *(f"{md_code(e)}<br>{md_code(target_label(t))}" for e, t in columns)])
    )
    out.append(row(["---", "---", *(":-:" for _ in columns)]))
    out += [
        row([md_code(r.name), md_code(r.type), *(_EMOJI[c.status] for c in r.cells)])
        for r in m.rows
    ]
    problems = [
        (r, c) for r in m.rows for c in r.cells if c.status in ("failed", "stale", "skipped")
    ]
    if problems:
        out += ["", "### Failures, stale locks and skips", ""]
        for r, c in problems:
            reason = c.reason or ""
            if len(reason) > _MD_REASON:
                reason = reason[: _MD_REASON - 1] + "…"
            out.append(f"* {_EMOJI[c.status]} {md_code(r.name)} · {md_code(c.engine)} · "
                       f"{md_code(target_label(c.target))}: {md_code(reason)}")  # fmt: skip
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- HTML

_CSS = """
:root { --ok: #2e7d32; --locked: #1b5e20; --stale: #b26a00; --skip: #616161; --fail: #c62828; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em; color: #1d1d1f; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
p.meta { color: #555; margin: 0 0 1em; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.summary { display: flex; gap: .6em; flex-wrap: wrap; margin: 0 0 1em; padding: 0; list-style: none; }
.summary li { padding: .25em .7em; border-radius: 1em; background: #f1f1f1; }
.summary b { font-size: 1.15em; }
.summary li.s-locked { background: #e3f1e4; color: var(--locked); }
.summary li.s-compiles { background: #f1f8f1; color: var(--ok); }
.summary li.s-stale { background: #fff3e0; color: var(--stale); }
.summary li.s-failed { background: #fdecea; color: var(--fail); }
input.f { position: absolute; opacity: 0; pointer-events: none; }
.filters { margin: 0 0 1em; }
.filters div { margin: .25em 0; }
.filters span { display: inline-block; min-width: 5.5em; color: #555; }
.filters label { display: inline-block; margin: 0 .2em .2em 0; padding: .1em .6em; border: 1px solid #bbb;
  border-radius: .3em; cursor: pointer; background: #fff; }
table.matrix { border-collapse: separate; border-spacing: 0; }
.matrix th, .matrix td { border-right: 1px solid #ddd; border-bottom: 1px solid #ddd; padding: .2em .45em; }
.matrix thead th { position: sticky; background: #fafafa; z-index: 2; font-weight: 600; }
.matrix thead tr.r1 th { top: 0; height: 1.6em; }
.matrix thead tr.r2 th { top: 2.05em; font-weight: 400; font-size: 12px; white-space: nowrap; }
.matrix tbody th { text-align: left; font-weight: 500; white-space: nowrap; position: sticky; left: 0;
  background: #fff; z-index: 1; max-width: 22em; overflow: hidden; text-overflow: ellipsis; }
.matrix td { text-align: center; white-space: nowrap; min-width: 3.6em; }
.matrix td.type { color: #555; font-size: 12px; }
.matrix tbody tr:hover td, .matrix tbody tr:hover th { background-color: #f5f8ff; }
td.s-locked { background: #e3f1e4; color: var(--locked); font-weight: 600; }
td.s-compiles { background: #f1f8f1; color: var(--ok); }
td.s-stale { background: #fff3e0; color: var(--stale); font-weight: 600; }
td.s-skipped { background: #f3f3f3; color: var(--skip); }
td.s-failed { background: #fdecea; color: var(--fail); font-weight: 700; }
td.s-na { color: #bbb; }
td details { display: inline-block; text-align: left; }
td details summary { cursor: pointer; }
td details[open] { white-space: normal; max-width: 28em; }
td details p { font-weight: 400; color: #222; margin: .3em 0; font-size: 12px; }
.legend { color: #555; margin: 1em 0; }
"""


def _filter_css(n_types: int, n_engines: int) -> str:
    rules = []
    for i in range(n_types):
        rules.append(f"#ft-{i}:checked ~ table.matrix tbody tr:not(.t{i}) {{ display: none; }}")
        rules.append(
            f"#ft-{i}:checked ~ .filters label[for=ft-{i}] {{ background: #1d4ed8; color: #fff; }}"
        )
    for i in range(n_engines):
        rules.append(f"#fe-{i}:checked ~ table.matrix .ce:not(.e{i}) {{ display: none; }}")
        rules.append(
            f"#fe-{i}:checked ~ .filters label[for=fe-{i}] {{ background: #1d4ed8; color: #fff; }}"
        )
    for s in STATUSES:
        if s == "na":
            continue
        rules.append(
            f'#fs-{s}:checked ~ table.matrix tbody tr:not(:has(td[data-status="{s}"])) {{ display: none; }}'
        )
        rules.append(
            f"#fs-{s}:checked ~ .filters label[for=fs-{s}] {{ background: #1d4ed8; color: #fff; }}"
        )
    for g in ("ft", "fe", "fs"):
        rules.append(
            f"#{g}-all:checked ~ .filters label[for={g}-all] {{ background: #1d4ed8; color: #fff; }}"
        )
    return "\n".join(rules)


def _cell_html(c: ReportCell, engine_index: int) -> str:
    status = c.status
    attrs = f'class="ce e{engine_index} s-{status}" data-status="{status}"'
    title = f"{LABELS[status]}: {c.reason}" if c.reason else LABELS[status]
    attrs += f' title="{html_text(title)}"'
    short = html_text(_SHORT[status])
    if status in ("failed", "stale", "skipped") and c.reason:
        return f"<td {attrs}><details><summary>{short}</summary><p>{html_text(c.reason)}</p></details></td>"
    return f"<td {attrs}>{short}</td>"


def html(m: Matrix) -> str:
    """One self-contained page: no script, no external resource."""
    types = m.types()
    type_index = {t: i for i, t in enumerate(types)}
    counts = m.counts()
    engines = list(m.engines)
    n_targets = max(1, len(m.targets))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>markerc matrix</title>",
        f"<style>{_CSS}\n{_filter_css(len(types), len(engines))}</style>",
        "</head>",
        "<body>",
        "<h1>markerc matrix</h1>",
        '<p class="meta">hubs: '
        + ", ".join(f"<code>{html_text(h)}</code>" for h in m.hubs)
        + " · targets: "
        + ", ".join(f"<code>{html_text(target_label(t))}</code>" for t in m.targets)
        + (f" · locks: <code>{html_text(m.locks_dir)}</code>" if m.locks_dir else "")
        + (f" · lock report: <code>{html_text(m.lock_report)}</code>" if m.lock_report else "")
        + f" · {len(m.rows)} models · markerc {html_text(__version__)}</p>",
        '<ul class="summary" id="summary">'
        + "".join(
            f'<li class="s-{s}" data-count="{counts[s]}"><b>{counts[s]}</b> {html_text(LABELS[s])}</li>'
            for s in STATUSES
        )
        + "</ul>",
    ]
    # the radio buttons come before .filters and the table: CSS sibling selectors do the filtering
    out.append('<input class="f" type="radio" name="ft" id="ft-all" checked>')
    out += [f'<input class="f" type="radio" name="ft" id="ft-{i}">' for i in range(len(types))]
    out.append('<input class="f" type="radio" name="fe" id="fe-all" checked>')
    out += [f'<input class="f" type="radio" name="fe" id="fe-{i}">' for i in range(len(engines))]
    out.append('<input class="f" type="radio" name="fs" id="fs-all" checked>')
    out += [f'<input class="f" type="radio" name="fs" id="fs-{s}">' for s in STATUSES if s != "na"]
    out.append('<div class="filters">')
    out.append('<div><span>type</span><label for="ft-all">all</label>'
               + "".join(f'<label for="ft-{i}">{html_text(t)}</label>' for i, t in enumerate(types)) + "</div>")  # fmt: skip
    out.append('<div><span>engine</span><label for="fe-all">all</label>'
               + "".join(f'<label for="fe-{i}">{html_text(e)}</label>' for i, e in enumerate(engines)) + "</div>")  # fmt: skip
    out.append('<div><span>rows with</span><label for="fs-all">anything</label>'
               + "".join(f'<label for="fs-{s}">{html_text(LABELS[s])}</label>' for s in STATUSES if s != "na")
               + "</div>")  # fmt: skip
    out.append("</div>")
    out.append('<table class="matrix">')
    out.append("<thead>")
    out.append('<tr class="r1"><th rowspan="2">model</th><th rowspan="2">type</th>'
               + "".join(f'<th class="ce e{i}" colspan="{n_targets}">{html_text(e)}</th>' for i, e in enumerate(engines))
               + "</tr>")  # fmt: skip
    out.append('<tr class="r2">'
               + "".join(f'<th class="ce e{i}">{html_text(target_label(t))}</th>' for i in range(len(engines)) for t in m.targets)
               + "</tr>")  # fmt: skip
    out.append("</thead>")
    out.append("<tbody>")
    engine_index = {e: i for i, e in enumerate(engines)}
    for r in m.rows:
        cells = "".join(_cell_html(c, engine_index[c.engine]) for c in r.cells)
        out.append(f'<tr class="t{type_index[r.type]}"><th scope="row" title="{html_text(r.file)}">{html_text(r.name)}</th>'
                   f'<td class="type">{html_text(r.type)}</td>{cells}</tr>')  # fmt: skip
    out.append("</tbody>")
    out.append("</table>")
    out.append('<p class="legend">' + " · ".join(
        f"<b>{html_text(_SHORT[s])}</b> {html_text(LABELS[s])}" for s in STATUSES)
        + ". Hover a cell for its reason; click a failure, stale lock or skip to read it.</p>")  # fmt: skip
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"


def text_summary(m: Matrix) -> str:
    """One line for stderr after writing a report."""
    counts = m.counts()
    return printable(f"{len(m.rows)} models x {len(m.engines) * max(1, len(m.targets))} columns: "
                     + ", ".join(f"{counts[s]} {LABELS[s]}" for s in STATUSES))  # fmt: skip
