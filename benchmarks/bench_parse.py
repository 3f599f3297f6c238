"""Parse benchmark: every distinct real ``packages`` string, markerc next to packaging.

Reads the six real Xinference hub files (``../shared/corpus/xinference/*.json`` relative to the
repository root), collects every string of every family-level ``virtualenv.packages`` list and
reports, in one run (best of N, ``time.perf_counter``):

* the one-off parser load (``markerc.language.syntax.lark_parser``: Lark's stand-alone parser generated
  from the grammar), next to what importing Lark and building from its disk cache would cost;
* markerc cold: ``check_entry`` (parse + type check) and ``parse_entry`` (syntax only) over the
  distinct strings, with ``parse_entry.cache_clear()`` and ``check_entry.cache_clear()`` first;
* markerc warm: ``check_entry`` over all occurrences (repeated strings hit the lru cache);
* ``packaging.requirements.Requirement`` over the distinct strings it accepts (and markerc cold
  on that same subset, for a like-for-like rate).

Run (from the repository root)::

    python benchmarks/bench_parse.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import gc
import glob
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "xinference")


def corpus_strings(folder: str) -> list[str]:
    """Every ``virtualenv.packages`` string of every model, in file order (with repeats)."""
    out: list[str] = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        for record in data if isinstance(data, list) else [data]:
            block = record.get("virtualenv") if isinstance(record, dict) else None
            if isinstance(block, dict):
                out.extend(s for s in block.get("packages") or () if isinstance(s, str))
    return out


STANDALONE_PROBE = (
    "import sys, time; sys.path.insert(0, sys.argv[1]); t0 = time.perf_counter(); "
    "from markerc import syntax; syntax.lark_parser(); print(time.perf_counter() - t0)"
)
LARK_PROBE = (
    "import sys, time; sys.path.insert(0, sys.argv[1]); t0 = time.perf_counter(); "
    "from markerc import syntax; import lark; "
    "lark.Lark(syntax.grammar_text(), cache=True, **syntax.PARSER_OPTIONS); "
    "print(time.perf_counter() - t0)"
)


def grammar_load_fresh(repeats: int) -> tuple[float, float]:
    """Best, in fresh byte-compiled interpreters, of importing markerc.language.syntax and building a
    parser: with the stand-alone parser markerc uses, and with ``lark.Lark`` from Lark's disk
    cache (the alternative) -- the one-off cost before a first parse."""
    import subprocess
    import tempfile

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="markerc-pycache-")
    out = []
    for probe in (STANDALONE_PROBE, LARK_PROBE):
        argv = [sys.executable, "-c", probe, ROOT]
        subprocess.run(argv, capture_output=True, env=env)  # warm-up: byte code, Lark's cache
        out.append(min(float(subprocess.run(argv, capture_output=True, text=True, check=True,
                                            env=env).stdout) for _ in range(repeats)))  # fmt: skip
    return out[0], out[1]


def best_of(repeats: int, setup: Callable[[], None], body: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        setup()
        gc.collect()
        t0 = time.perf_counter()
        body()
        best = min(best, time.perf_counter() - t0)
    return best


def run_all(fn: Callable[[str], object], strings: Iterable[str], errors: type[Exception]) -> int:
    failed = 0
    for s in strings:
        try:
            fn(s)
        except errors:
            failed += 1
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="best of N (default 7)")
    ap.add_argument("--corpus", default=CORPUS, help=f"folder of hub JSON files (default {CORPUS})")
    args = ap.parse_args(argv)

    occurrences = corpus_strings(args.corpus)
    if not occurrences:
        print(f"bench_parse: no hub files in {args.corpus} (the shared corpus is absent); nothing to measure.")
        return 1
    distinct = list(dict.fromkeys(occurrences))

    t0 = time.perf_counter()
    from markerc.language import syntax
    from markerc.diagnostics import MarkercError
    from markerc.language.typecheck import check_entry

    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    syntax.lark_parser()
    first_load = time.perf_counter() - t0
    standalone_load, lark_load = grammar_load_fresh(args.repeats)

    def clear() -> None:
        syntax.parse_entry.cache_clear()
        syntax.parse_marker.cache_clear()
        check_entry.cache_clear()

    rejected = run_all(check_entry, distinct, MarkercError)
    cold_check = best_of(args.repeats, clear, lambda: run_all(check_entry, distinct, MarkercError))
    cold_parse = best_of(args.repeats, clear, lambda: run_all(syntax.parse_entry, distinct, MarkercError))
    clear()
    run_all(check_entry, distinct, MarkercError)  # fill the cache
    warm = best_of(args.repeats, lambda: None, lambda: run_all(check_entry, occurrences, MarkercError))
    info = check_entry.cache_info()

    from packaging import __version__ as packaging_version
    from packaging.requirements import InvalidRequirement, Requirement

    accepted = []
    for s in distinct:
        try:
            Requirement(s)
            accepted.append(s)
        except InvalidRequirement:
            pass
    pk = best_of(args.repeats, lambda: None, lambda: run_all(Requirement, accepted, InvalidRequirement))
    pk_all = best_of(args.repeats, lambda: None, lambda: run_all(Requirement, distinct, InvalidRequirement))
    mk_sub = best_of(args.repeats, clear, lambda: run_all(check_entry, accepted, MarkercError))

    print(f"corpus: {args.corpus}")
    print(f"{len(occurrences)} occurrences, {len(distinct)} distinct strings; markerc rejects {rejected}; "
          f"packaging {packaging_version} accepts {len(accepted)}, refuses {len(distinct) - len(accepted)}")  # fmt: skip
    print(f"best of {args.repeats}, time.perf_counter; Python {sys.version.split()[0]}\n")
    print(f"import markerc.language.syntax + language: {import_s * 1e3:.1f} ms (first, once)")
    print(f"parser load, one-off per process (not in the rates below): {first_load * 1e3:.1f} ms here; "
          f"best of {args.repeats} fresh processes, import markerc.language.syntax + build: with the stand-alone "
          f"parser markerc uses {standalone_load * 1e3:.1f} ms; with import lark + Lark(...) from its "
          f"disk cache {lark_load * 1e3:.1f} ms\n")  # fmt: skip
    rows = [
        ("markerc check_entry, cold (parse + check)", len(distinct), cold_check),
        ("markerc parse_entry, cold (syntax only)", len(distinct), cold_parse),
        ("markerc check_entry, warm (lru cache)", len(occurrences), warm),
        ("markerc check_entry, cold, packaging's subset", len(accepted), mk_sub),
        ("packaging Requirement, accepted subset", len(accepted), pk),
        ("packaging Requirement, all distinct (refusals raise)", len(distinct), pk_all),
    ]
    print(f"{'measurement':<54} {'strings':>7} {'ms':>8} {'entries/s':>11}")
    for name, n, secs in rows:
        print(f"{name:<54} {n:>7} {secs * 1e3:>8.2f} {n / secs:>11,.0f}")
    print(f"\ncheck_entry cache after the warm runs: {info.hits} hits, {info.misses} misses, "
          f"currsize {info.currsize}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
