"""Shared test helpers: where the real corpus lives (skip cleanly when it is absent)."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "xinference"
FIXTURES = ROOT / "fixtures"
# The persistent parse cache (markerc/language/parsecache.py) is off for the suite, so that no
# test reads or writes the user's cache; tests/test_parsecache.py turns it on in temporary folders.
os.environ["MARKERC_NO_CACHE"] = "1"

#: MARKERC_DEEP=N multiplies the number of examples of the property tests (a deeper local run).
DEEP = max(1, int(os.environ.get("MARKERC_DEEP", "1") or 1))


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip("the Xinference corpus (../shared/corpus/xinference) is absent")
    files = sorted(CORPUS.glob("*.json"))
    if not files:
        pytest.skip("the Xinference corpus folder holds no JSON files")
    return files


@functools.lru_cache(maxsize=None)
def _corpus_strings() -> tuple[str, ...]:
    out: set[str] = set()
    for path in corpus_files():
        for model in json.loads(path.read_text(encoding="utf-8")):
            out.update(model.get("virtualenv", {}).get("packages", []))
    return tuple(sorted(out))


def corpus_strings() -> list[str]:
    corpus_files()  # skips when absent
    return list(_corpus_strings())
