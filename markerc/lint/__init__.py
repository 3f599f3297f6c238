"""Lint: the rules of ``markerc check``, their selection, fixes and output formats."""
