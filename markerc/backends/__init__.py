"""The back ends: locking and installing with uv or pip-tools, environments."""
