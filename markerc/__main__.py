"""``python -m markerc``."""

from markerc.cli import main

raise SystemExit(main())
