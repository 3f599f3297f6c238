"""The registry of every diagnostic code: one :class:`~markerc.catalogue.records.Rule` per code.

The rules are data, one module per code family: :mod:`~markerc.catalogue.inputs` (MK0xx entry
syntax, MK1xx markers, MK2xx hub files), :mod:`~markerc.catalogue.style` (MK3xx ``check`` rules),
:mod:`~markerc.catalogue.xinference` (MK4xx), :mod:`~markerc.catalogue.compiling`,
:mod:`~markerc.catalogue.lock`, :mod:`~markerc.catalogue.lock_files`,
:mod:`~markerc.catalogue.launch`, :mod:`~markerc.catalogue.skip_installed` and
:mod:`~markerc.catalogue.review` (MK5xx) and :mod:`~markerc.catalogue.security` (MK6xx);
:mod:`~markerc.catalogue.rules` joins them into :data:`~markerc.catalogue.rules.RULES`.

Everything else is generated from the rules: ``docs/diagnostics.md`` and the table of facts
(name, severity, title, stages, default, fixable) that :mod:`~markerc.catalogue.codes` serves to
the rest of markerc (``markerc.diagnostics.CATALOGUE``, the rule selection of ``markerc check``),
both written by ``python -m markerc.catalogue --write-docs`` and verified by ``--check-docs``
(:mod:`~markerc.catalogue.docs`; a test fails when either is stale).  ``markerc check`` runs on
every commit, so its start-up reads only that small table, never the documentation and examples.

Adding a code: append a ``Rule(...)`` to its family module in code order, then regenerate.  Codes
never change meaning; new ones go at the end of their range (the ranges are shared between
branches, see the project's issue notes).  This package imports nothing else from markerc.
"""
