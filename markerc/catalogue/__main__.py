"""``python -m markerc.catalogue --write-docs | --check-docs``: write, or verify, the files
generated from the rule registry (:func:`markerc.catalogue.docs.generated`)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int | str:
    from markerc.catalogue.docs import generated

    if argv == ["--write-docs"]:
        for path, text in generated().items():
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        return 0
    if argv == ["--check-docs"]:
        stale = []
        for path, text in generated().items():
            try:
                with open(path, encoding="utf-8") as fh:
                    current = fh.read()
            except FileNotFoundError:
                current = None
            if current != text:
                stale.append(os.path.relpath(path))
        if stale:
            return f"{', '.join(stale)} stale: run python -m markerc.catalogue --write-docs"
        return 0
    return "usage: python -m markerc.catalogue --write-docs | --check-docs"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
