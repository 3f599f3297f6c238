"""The marker algebra: a marker as a canonical value, and everything that reasons about markers.

A marker is a *reduced, ordered, hash-consed multi-valued decision diagram* (after uv's
``MarkerTree``): a node tests one variable, and its edges are sets of that variable's values
(:mod:`markerc.language.domains`) that partition the variable's domain, each leading to a child.  Edges
with the same child are merged and a node whose only edge is the whole domain is its child, so
two markers with the same meaning over the domains are the *same* node (``is`` and ``==``),
and the constants are recognised exactly: a marker is false precisely when no environment of
the domains satisfies it.  Variables are tested in a fixed order (the engine first, then the
custom variables, template variables, and the standard fields).

This module is the public API; the work is done in :mod:`markerc.language.decisions` (the
variables and the engine domain), :mod:`markerc.language.diagram` (nodes and their operations),
:mod:`markerc.language.atoms` (comparisons to values), :mod:`markerc.language.restriction`
(partial evaluation), :mod:`markerc.language.cover` and :mod:`markerc.language.dnf` (the
smallest DNF found, as text).

Public operations: :func:`value` (an AST marker to a node), :func:`conj`, :func:`disj`,
:func:`neg`, :func:`restrict` (partial evaluation), :func:`evaluate`, :func:`is_disjoint`,
:func:`implies`, :func:`engines_where`, :func:`needed` (variables left), :func:`render` (the
smallest DNF found, canonical PEP 508 text) and :func:`describe` (markerc-language text for
messages; never fails).

Comparisons whose value set is not representable in the variable's domain are *opaque*: a
boolean variable of their own (decided exactly, but not related to the other comparisons on
the same field): every reversed comparison on a version field (``"3.9" < python_version``),
``"x" in platform_release`` and its kin, ``===`` with a non-version on ``platform_release``, and
``VAR in "LITERAL"`` with a literal longer than :data:`markerc.language.domains.MAX_SUBSTRING_LITERAL`.
See ``docs/algebra.md``.
"""

from __future__ import annotations

from markerc.language.atoms import atom, value
from markerc.language.cover import MAX_EXPAND_CUBES
from markerc.language.decisions import Space, Variable, space
from markerc.language.diagram import (
    FALSE,
    TRUE,
    Node,
    conj,
    disj,
    implies,
    is_disjoint,
    is_false,
    is_true,
    needed,
    neg,
    support,
    witness,
)
from markerc.language.dnf import NoForm, describe, render, render_mixed, to_marker
from markerc.language.restriction import (
    engines_where,
    evaluate,
    in_domain,
    residual,
    restrict,
    split_bindings,
)

__all__ = [
    "FALSE",
    "MAX_EXPAND_CUBES",
    "TRUE",
    "NoForm",
    "Node",
    "Space",
    "Variable",
    "atom",
    "conj",
    "describe",
    "disj",
    "engines_where",
    "evaluate",
    "implies",
    "in_domain",
    "is_disjoint",
    "is_false",
    "is_true",
    "needed",
    "neg",
    "render",
    "render_mixed",
    "residual",
    "restrict",
    "space",
    "split_bindings",
    "support",
    "to_marker",
    "value",
    "witness",
]
