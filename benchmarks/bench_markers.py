"""markerc's marker algebra on uv's own marker test cases (benchmarks/uv_marker_cases.json).

    python benchmarks/bench_markers.py [--cases FILE] [--verbose]

For each of uv's simplification cases that markerc accepts (uv's tests also use ``extra``,
comparisons of two literals and ``~=`` on strings, which markerc refuses), markerc's canonical
rendering is compared with uv's expected output by size (the number of comparisons; ``true``
and ``false`` count 0): the share where markerc's is no larger.  uv reads ``python_version`` as
a release-only ``python_full_version``; markerc keeps packaging 26's meaning, so the script also
counts where uv's expected answer means the same as the input to packaging (decided by
markerc's algebra).  For uv's disjointness cases, it counts the pairs uv calls disjoint that
markerc proves disjoint, and the pairs uv calls overlapping that markerc also finds overlapping.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from markerc.language import algebra  # noqa: E402
from markerc.diagnostics import MarkercError  # noqa: E402
from markerc.language.typecheck import check_marker  # noqa: E402

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_OPS = re.compile(r"===|==|!=|~=|<=|>=|<|>|\bnot in\b|\bin\b")


def size(text: str) -> int:
    """Comparisons in a marker text (``true``/``false``: 0)."""
    if text in ("true", "false"):
        return 0
    bare = _QUOTED.sub("''", text)
    return len(_OPS.findall(bare.replace("not in", "notin"))) + bare.count("notin")


def value_of(text: str) -> algebra.Node | None:
    if text in ("true", "false"):
        return algebra.TRUE if text == "true" else algebra.FALSE
    try:
        return algebra.value(check_marker(text))
    except MarkercError:
        return None


def ours(node: algebra.Node) -> tuple[str, bool]:
    """(markerc's text, whether it is PEP 508)."""
    if node is algebra.TRUE or node is algebra.FALSE:
        return ("true" if node is algebra.TRUE else "false"), True
    try:
        return algebra.render(node), True
    except algebra.NoForm:
        return algebra.describe(node), False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=os.path.join(HERE, "uv_marker_cases.json"))
    ap.add_argument("--verbose", action="store_true", help="list every case where markerc's text is larger")
    args = ap.parse_args()
    with open(args.cases, encoding="utf-8") as fh:
        doc = json.load(fh)
    start = time.perf_counter()
    accepted = comparable = no_larger = smaller = same_meaning = no_form = fair_no_larger = 0
    claims = claims_agree = 0
    larger: list[tuple[str, str, str]] = []
    for case in doc["simplify"]:
        node = value_of(case["input"])
        if node is None:
            continue
        accepted += 1
        expected = case["uv"]
        if expected.startswith("not "):  # uv only says "not false" / "not true"
            claims += 1
            claims_agree += node is not (algebra.FALSE if expected == "not false" else algebra.TRUE)
            continue
        comparable += 1
        text, pep508 = ours(node)
        no_form += not pep508
        if size(text) <= size(expected):
            no_larger += 1
            smaller += size(text) < size(expected)
        else:
            larger.append((case["input"], expected, text))
        theirs = value_of(expected)
        if theirs is node:
            same_meaning += 1
            fair_no_larger += size(text) <= size(expected)
    d_yes = d_proved = d_no = d_agree = d_skipped = 0
    disagree: list[tuple[str, str, bool]] = []
    for case in doc["disjoint"]:
        a, b = value_of(case["a"]), value_of(case["b"])
        if a is None or b is None:
            d_skipped += 1
            continue
        verdict = algebra.is_disjoint(a, b)
        if case["uv"]:
            d_yes += 1
            d_proved += verdict
        else:
            d_no += 1
            d_agree += not verdict
        if verdict != case["uv"]:
            disagree.append((case["a"], case["b"], case["uv"]))
    elapsed = time.perf_counter() - start
    print(f"uv cases from {doc['source']}")
    print(f"simplification cases: {len(doc['simplify'])}; markerc accepts {accepted} "
          f"(the rest use extra, literal == literal or ~= on a string)")  # fmt: skip
    print(f"  comparable (uv gives an output): {comparable}")
    print(f"  markerc no larger than uv: {no_larger}/{comparable} = {100 * no_larger / max(1, comparable):.1f} %"
          f"  (smaller: {smaller}; larger: {len(larger)})")  # fmt: skip
    print(f"  uv's answer means the same as the input to packaging: {same_meaning}/{comparable}; "
          f"of those, markerc no larger: {fair_no_larger}/{same_meaning}")  # fmt: skip
    print(f"  markerc found no PEP 508 form: {no_form}")
    print(f"  uv's 'not false'/'not true' claims markerc agrees with: {claims_agree}/{claims}")
    print(f"disjointness cases: {len(doc['disjoint'])}; markerc accepts {len(doc['disjoint']) - d_skipped}")
    print(f"  uv: disjoint, markerc proves it: {d_proved}/{d_yes}")
    print(f"  uv: overlapping, markerc agrees: {d_agree}/{d_no}")
    print(f"time: {elapsed:.3f} s")
    if args.verbose:
        for inp, theirs, mine in larger:
            print(f"\nlarger: {inp}\n   uv: {theirs}\n   markerc: {mine}")
        for a, b, want in disagree:
            print(f"\ndisjointness differs (uv says {'disjoint' if want else 'overlapping'}): {a}  |  {b}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
