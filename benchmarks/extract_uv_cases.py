"""Extract uv's own marker test cases into benchmarks/uv_marker_cases.json (test data).

    python benchmarks/extract_uv_cases.py GIT_DIR [--commit REV]

GIT_DIR is a git directory of https://github.com/astral-sh/uv (a bare clone works).  The
script reads ``crates/uv-pep508/src/marker/tree.rs`` at REV (default HEAD) with ``git show``
and collects, from its tests, every

* ``assert_simplifies(INPUT, OUTPUT)``                 -> a simplification case;
* ``assert_true(INPUT)`` / ``assert_false(INPUT)``,
  ``assert!(m(INPUT).is_true())`` / ``.is_false()``    -> a simplification case with output
  ``true`` / ``false`` (and ``assert!(!m(...).is_false())`` -> "not false");
* ``assert_eq!(m(A).negate(), m(B))``                 -> the case ``not (A)`` -> B;
* ``assert!(is_disjoint(A, B))`` / ``assert!(!is_disjoint(A, B))``, including the calls of
  ``test_version_bounds_disjointness`` for each field it is called with -> a disjointness case.

Only string literals are read (Rust ``"..."`` with escapes and line continuations, ``r"..."``,
``r#"..."#``, and ``format!("... {version} ...")`` inside the version-bounds helper); nothing
from uv is executed.  The output lists uv's inputs and uv's expected answers, plus the commit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

PATH = "crates/uv-pep508/src/marker/tree.rs"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "uv_marker_cases.json")


def rust_string(src: str, i: int) -> tuple[str, int]:
    """Parse a Rust string literal starting at ``src[i]``; (value, index after it)."""
    if src.startswith("r#", i) or src.startswith('r"', i):
        j = i + 1
        hashes = 0
        while src[j] == "#":
            hashes += 1
            j += 1
        assert src[j] == '"'
        end = src.index('"' + "#" * hashes, j + 1)
        return src[j + 1 : end], end + 1 + hashes
    assert src[i] == '"', src[i : i + 20]
    out = []
    j = i + 1
    while src[j] != '"':
        if src[j] == "\\":
            nxt = src[j + 1]
            if nxt == "\n":  # line continuation: skip the newline and leading whitespace
                j += 2
                while src[j] in " \t\n":
                    j += 1
                continue
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\", "'": "'"}.get(nxt, "\\" + nxt))
            j += 2
            continue
        out.append(src[j])
        j += 1
    return "".join(out), j + 1


def _args(src: str, i: int, n: int) -> tuple[list[str], int] | None:
    """``n`` string arguments (each a literal, ``m(literal)`` or ``format!(literal)``) after
    the opening parenthesis at ``src[i - 1]``."""
    values = []
    j = i
    for k in range(n):
        while src[j] in " \t\n,":
            j += 1
        fmt = False
        if src.startswith("format!(", j):
            j += len("format!(")
            fmt = True
        if not (src[j] == '"' or src.startswith("r#", j) or src.startswith('r"', j)):
            return None
        value, j = rust_string(src, j)
        if fmt:
            while src[j] in " \t\n":
                j += 1
            assert src[j] == ")", src[j : j + 40]
            j += 1
        values.append(" ".join(value.split()))
    return values, j


def extract(source: str) -> dict[str, list[dict[str, object]]]:
    simplify: list[dict[str, object]] = []
    disjoint: list[dict[str, object]] = []
    helper = source.index("fn test_version_bounds_disjointness")
    helper_end = source.index("\n    }\n", helper)
    fields = re.findall(r'test_version_bounds_disjointness\("([a-z_]+)"\)', source)
    for m in re.finditer(r"assert_simplifies\(", source):
        got = _args(source, m.end(), 2)
        if got:
            simplify.append({"input": got[0][0], "uv": got[0][1]})
    for m in re.finditer(r"assert_(true|false)\(", source):
        got = _args(source, m.end(), 1)
        if got:
            simplify.append({"input": got[0][0], "uv": m.group(1)})
    for m in re.finditer(r"assert!\((!?)m\(", source):
        got = _args(source, m.end(), 1)
        if not got:
            continue
        rest = source[got[1] : got[1] + 30]
        call = re.match(r"\s*\)\s*\.is_(true|false)\(\)", rest)
        if call is None:
            continue
        verdict = call.group(1) if not m.group(1) else f"not {call.group(1)}"
        simplify.append({"input": got[0][0], "uv": verdict})
    for m in re.finditer(r"assert_eq!\(\s*m\(", source):  # assert_eq!(m(A).negate(), m(B))
        got = _args(source, m.end(), 1)
        if not got:
            continue
        tail = re.match(r"\s*\)\s*\.negate\(\)\s*,\s*m\(", source[got[1] :])
        if tail is None:
            continue
        other = _args(source, got[1] + tail.end(), 1)
        if other:
            simplify.append({"input": f"not ({got[0][0]})", "uv": other[0][0]})
    for m in re.finditer(r"assert!\((!?)is_disjoint\(", source):
        got = _args(source, m.end(), 2)
        if not got:
            continue
        (a, b), _ = got
        expected = not m.group(1)
        if helper <= m.start() < helper_end:
            for field in fields:
                disjoint.append({"a": a.replace("{version}", field), "b": b.replace("{version}", field),
                                 "uv": expected})  # fmt: skip
        else:
            disjoint.append({"a": a, "b": b, "uv": expected})
    return {"simplify": simplify, "disjoint": disjoint}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("git_dir")
    ap.add_argument("--commit", default="HEAD")
    ap.add_argument("-o", "--output", default=OUT)
    args = ap.parse_args()
    rev = subprocess.run(["git", "--git-dir", args.git_dir, "rev-parse", args.commit], capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    source = subprocess.run(["git", "--git-dir", args.git_dir, "show", f"{rev}:{PATH}"], capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    cases = extract(source)
    doc = {
        "source": f"https://github.com/astral-sh/uv/blob/{rev}/{PATH}",
        "uv_commit": rev,
        "note": "uv's inputs and uv's expected answers, read from the tests of tree.rs by "
        "benchmarks/extract_uv_cases.py; test data, not code",
        **cases,
    }
    with open(args.output, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    print(f"{len(cases['simplify'])} simplification and {len(cases['disjoint'])} disjointness cases -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
