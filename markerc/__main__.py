"""``python -m markerc``."""

from markerc.cli import run

run()
