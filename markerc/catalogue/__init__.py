"""The registry of every diagnostic code: one :class:`~markerc.catalogue.records.Rule` per code.

The rules are data: ``markerc/data/rules.toml`` holds every code's facts, documentation and
runnable examples, grouped by the sections of ``docs/diagnostics.md``;
:mod:`~markerc.catalogue.rules` reads it into :data:`~markerc.catalogue.rules.RULES`
(:mod:`~markerc.catalogue.records` holds the record types).

Everything else is generated from the rules: ``docs/diagnostics.md`` and the table of facts
``markerc/data/codes.json`` (name, severity, title, stages, default, fixable) that
:mod:`~markerc.catalogue.codes` serves to the rest of markerc (``markerc.diagnostics.CATALOGUE``,
the rule selection of ``markerc check``), both written by
``python -m markerc.catalogue --write-docs`` and verified by ``--check-docs``
(:mod:`~markerc.catalogue.docs`; a test fails when either is stale).  ``markerc check`` runs on
every commit, so its start-up reads only that small table, never the documentation and examples.

Adding a code: add its ``[[group.rule]]`` to the rules file in code order, then regenerate.
Codes never change meaning; new ones go at the end of their range (the ranges are shared between
branches, see the project's issue notes).  This package imports nothing else from markerc.
"""
