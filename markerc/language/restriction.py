"""Partial evaluation of marker values: which bindings lie in their variables' domains
(:func:`in_domain`), restriction (:func:`restrict`), the residual of a syntax tree under
bindings (:func:`residual`), evaluation, and the engines for which a value can hold."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from markerc.language import variables as V
from markerc.language.arch_sets import arch_key
from markerc.language.atoms import value
from markerc.language.decisions import Space, space, variable_of
from markerc.language.diagram import FALSE, TRUE, Node, make, project, support
from markerc.language.finite_sets import Finite
from markerc.language.markers import eval_leaf, partial, repair_full_version, variables
from markerc.language.nodes import Const, Marker
from markerc.language.version_ranges import is_spelling
from markerc.language.versions import parse_version


def in_domain(var_name: str, value_: object, sp: Space | None = None) -> bool:
    """Whether a binding lies in the variable's domain (restriction decides those; others are
    folded on the syntax tree by :func:`markerc.language.markers.partial`)."""
    kind = V.lookup(var_name)
    if kind.domain == "version":
        if kind.non_versions:  # platform_release: a spelling, or any string but a version
            return isinstance(value_, str) and (
                is_spelling(value_) or parse_version(value_) is None
            )
        return isinstance(value_, str) and is_spelling(value_)
    if kind.domain == "string":
        return isinstance(value_, str)
    if kind.domain == "bool":
        return value_ in (True, False, None)
    if kind.domain == "cuda_version":
        return value_ is None or (isinstance(value_, str) and parse_version(value_) is not None)
    if kind.domain == "arch":
        return value_ is None or (isinstance(value_, str) and arch_key(value_) is not None)
    if kind.domain == "engine":
        sp = sp or space()
        return isinstance(value_, str) and sp.canon(value_) in sp.engines
    return value_ is None or isinstance(value_, str)  # templates


def restrict(
    node: Node, values: Mapping[str, object], canon: Callable[[str], str] = str.lower
) -> Node:
    """Partial evaluation: ``node`` with the variables of ``values`` (binding key -> value,
    None for unset) fixed.  Values must lie in their domains (:func:`in_domain`)."""
    if node is TRUE or node is FALSE:
        return node
    memo: dict[int, Node] = {}
    vals = dict(values)
    if isinstance(vals.get("python_full_version"), str):
        vals["python_full_version"] = repair_full_version(vals["python_full_version"])  # type: ignore[arg-type]
    if isinstance(vals.get("engine"), str):
        vals["engine"] = canon(vals["engine"])  # type: ignore[arg-type]

    def go(n: Node) -> Node:
        if n is TRUE or n is FALSE:
            return n
        hit = memo.get(n.uid)
        if hit is not None:
            return hit
        var = n.var
        assert var is not None
        if var.base in vals:
            v = vals[var.base]
            if var.kind == "opaque":
                assert var.leaf is not None
                v = eval_leaf(var.leaf, v, canon)
            for s, child in n.edges:
                if s.contains(v):
                    out = go(child)
                    break
            else:
                raise ValueError(f"{v!r} is outside the domain of {var.name}")
        else:
            out = make(var, [(s, go(c)) for s, c in n.edges])
        memo[n.uid] = out
        return out

    return go(node)


def residual(
    marker: Marker | None,
    bindings: Mapping[str, object],
    sp: Space | None = None,
    canon: Callable[[str], str] = str.lower,
) -> Node:
    """The canonical value of ``marker`` under ``bindings``: restriction for values in their
    domain; others (an unset standard field, an odd spelling) folded on the syntax tree first,
    with packaging's evaluation."""
    if marker is None:
        return TRUE
    if all(v.name in bindings for v in variables(marker)):  # fully bound: just evaluate
        folded = partial(marker, bindings, canon)
        if isinstance(folded, Const):
            return TRUE if folded.value else FALSE
    odd, plain = split_bindings(bindings, sp)
    if odd:
        marker = partial(marker, odd, canon)
    node = value(marker, sp)
    return restrict(node, plain, canon) if plain else node


def split_bindings(
    bindings: Mapping[str, object], sp: Space | None = None
) -> tuple[dict[str, object], dict[str, object]]:
    """(bindings outside their domains, the others); see :func:`residual`."""
    odd = {k: v for k, v in bindings.items() if not in_domain(k, v, sp)}
    return odd, {k: v for k, v in bindings.items() if k not in odd}


def evaluate(
    node: Node, environment: Mapping[str, object], canon: Callable[[str], str] = str.lower
) -> bool:
    out = restrict(node, environment, canon)
    if out is TRUE:
        return True
    if out is FALSE:
        return False
    raise KeyError(", ".join(v.name for v in support(out)))


def engines_where(node: Node, sp: Space | None = None) -> frozenset[str]:
    """The engines for which the marker can hold (for some value of the other variables)."""
    sp = sp or space()
    full = Finite(sp.engines, sp.engines)
    found = project(node, variable_of("engine", True), full, ~full)
    assert isinstance(found, Finite)
    return frozenset(e for e in found.members if isinstance(e, str))
