"""The JSON Schema of the model-hub format (``markerc schema``), shipped as package data.

It states the structure that :mod:`markerc.compiler.hub` reads (SPEC section 2) so that editors and
check-jsonschema can validate a hub file; ``markerc check`` reports the same mistakes with its own
codes (MK202 wrong type or missing key, MK203 invalid index strategy) and locations.
"""

from __future__ import annotations

import os

__all__ = ["SCHEMA_PATH", "schema_text"]

SCHEMA_PATH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "hub.schema.json"
)


def schema_text() -> str:
    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        return fh.read()
