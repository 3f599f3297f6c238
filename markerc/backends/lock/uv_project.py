"""The ``pyproject.toml`` files markerc generates for uv: the project of ``--format uv``
(one extra per engine, ``uv lock``), and the virtual project that pins the PyTorch family to
a target's torch index (a second input of ``uv pip compile``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from markerc.backends.lock.inputs import absolute_options, direct_pins, fingerprint
from markerc.backends.lock.jobs import Request, Settings
from markerc.backends.matrix import DEFAULT_PYTHON, LockTarget, TorchPin
from markerc.backends.uvtool import is_url, python_version
from markerc.compiler.hub import INDEX_STRATEGIES
from markerc.compiler.result import CompiledSet
from markerc.diagnostics import MarkercError
from markerc.files import safe_name
from markerc.safety import toml_string

__all__ = ["normalize_extra", "pins_pyproject", "uv_lock_request", "uv_pyproject"]

_PIN_PROJECT = "markerc-torch-index"


def normalize_extra(name: str) -> str:
    """PEP 685 normalisation (``llama.cpp`` -> ``llama-cpp``)."""
    return re.sub(r"[-_.]+", "-", name).lower().strip("-") or "engine"


def _toml_list(values: Sequence[str], indent: str = "") -> str:
    if not values:
        return "[]"
    body = "".join(f"{indent}    {toml_string(v)},\n" for v in values)
    return f"[\n{body}{indent}]"


def _index_table(
    name: str, url: str, *, explicit: bool = False, default: bool = False
) -> list[str]:
    """A ``[[tool.uv.index]]`` table; a local folder (no URL scheme) is a flat (find-links) index."""
    out = ["", "[[tool.uv.index]]", f"name = {toml_string(name)}", f"url = {toml_string(url)}"]
    if not is_url(url):
        out.append('format = "flat"')
    if default:
        out.append("default = true")
    out.append("explicit = true" if explicit else "explicit = false")
    return out


def _pin_tables(pin: TorchPin, names: Sequence[str]) -> list[str]:
    """``[tool.uv.sources]`` pinning ``names`` to the explicit torch index, and that index."""
    out = ["", "[tool.uv.sources]"]
    out += [f"{toml_string(n)} = {{ index = {toml_string(pin.index_name)} }}" for n in names]
    return out + _index_table(pin.index_name, pin.url, explicit=True)


def pins_pyproject(pin: TorchPin, names: Sequence[str]) -> str:
    """The second input of ``uv pip compile`` on a target with a torch index: a virtual project
    requiring ``names`` (bare: the other requirements decide versions) from that index only.

    uv applies a package's index to every requirement on it once one *direct* requirement names
    it (``tool.uv.sources`` alone does not reach transitive dependencies), so each PyTorch-family
    package the resolution contains is made direct here.
    """
    out = ["[project]", f"name = {toml_string(_PIN_PROJECT)}", 'version = "0"',
           f"dependencies = {_toml_list(list(names))}"]  # fmt: skip
    return "\n".join(out + _pin_tables(pin, names)) + "\n"


def _environment_marker(bound: Mapping[str, str]) -> str | None:
    terms = [f"{k} == '{bound[k]}'" for k in ("sys_platform", "platform_machine") if k in bound]
    return " and ".join(terms) or None


def _requires_python(bound: Mapping[str, str]) -> str:
    if "python_full_version" in bound:
        return f"=={python_version(bound)}"
    if "python_version" in bound:
        return f"=={bound['python_version']}.*"
    return f">={DEFAULT_PYTHON}"


def _strategy_rank(strategy: str) -> int:
    """How permissive an index strategy is (:data:`INDEX_STRATEGIES` runs from strict to loose)."""
    return INDEX_STRATEGIES.index(strategy) if strategy in INDEX_STRATEGIES else -1


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _extras(project: str, sets: Sequence[CompiledSet]) -> dict[str, CompiledSet]:
    """The set of each extra; MK507 when two engines map to one extra name."""
    extras: dict[str, CompiledSet] = {}
    for cs in sets:
        extra = normalize_extra(cs.engine)
        if extra in extras:
            raise MarkercError(
                "MK507",
                f"{project}: engines {extras[extra].engine!r} and {cs.engine!r} map to one extra "
                f"{extra!r} (from {extras[extra].file} and {cs.file})",
            )
        extras[extra] = cs
    return extras


def uv_pyproject(project: str, sets: Sequence[CompiledSet], pin: TorchPin | None = None) -> str:
    """The ``pyproject.toml`` of ``--format uv``: one extra per engine, all extras in conflict;
    with ``pin``, the PyTorch-family packages the extras name are pinned to that index."""
    extras = _extras(project, sets)
    bound = dict(sets[0].bound_markers)
    name = re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", safe_name(project)) or "model"
    out = [
        "[project]",
        f"name = {toml_string(name + '-env')}",
        'version = "0"',
        f"requires-python = {toml_string(_requires_python(bound))}",
        "dependencies = []",
        "",
        "[project.optional-dependencies]",
    ]
    out += [f"{toml_string(e)} = {_toml_list(cs.requirements)}" for e, cs in extras.items()]
    out += ["", "[tool.uv]", "package = false"]
    if len(extras) > 1:
        pairs = ", ".join(f"{{ extra = {toml_string(e)} }}" for e in extras)
        out.append(f"conflicts = [\n    [{pairs}],\n]")
    env = _environment_marker(bound)
    if env:
        out.append(f"environments = [{toml_string(env)}]")
    opts = [absolute_options(cs.options) for cs in extras.values()]
    strategies = [o.index_strategy for o in opts if o.index_strategy]
    if strategies:  # the most permissive strategy any engine asks for
        out.append(f"index-strategy = {toml_string(max(strategies, key=_strategy_rank))}")
    if any(o.no_build_isolation for o in opts):
        out.append("no-build-isolation = true")
    if any(o.no_index for o in opts):
        out.append("no-index = true")
    find_links = _unique(f for o in opts for f in o.find_links)
    if find_links:
        out.append(f"find-links = {_toml_list(find_links)}")
    hosts = _unique(h for o in opts for h in o.trusted_host)
    if hosts:
        out.append(f"allow-insecure-host = {_toml_list(hosts)}")
    seen: set[str] = set()
    for i, url in enumerate(_unique(o.index_url for o in opts if o.index_url)):
        seen.add(url)
        out += [
            "",
            "[[tool.uv.index]]",
            f"name = {toml_string('default' if i == 0 else f'index-{i}')}",
        ]
        out += [f"url = {toml_string(url)}", "default = true" if i == 0 else "explicit = false"]
    for extra, cs in extras.items():
        for n, url in enumerate(absolute_options(cs.options).extra_index_url, start=1):
            if url in seen:
                continue
            seen.add(url)
            out += ["", "[[tool.uv.index]]", f"name = {toml_string(f'{extra}-{n}')}"]
            out += [f"url = {toml_string(url)}", "explicit = false"]
    names = direct_pins(list(extras.values()), pin)
    if pin is not None and names:
        out += _pin_tables(pin, names)
    return "\n".join(out) + "\n"


def uv_lock_request(
    project: str, sets: Sequence[CompiledSet], lt: LockTarget, settings: Settings
) -> Request:
    """``uv lock`` on :func:`uv_pyproject` of one model folder; MK556 over a base."""
    if lt.base is not None:
        raise MarkercError("MK556", "lock --skip-installed writes pylock or requirements locks: a uv.lock cannot "
                                    "record what a base environment provides")  # fmt: skip
    body = uv_pyproject(project, sets, lt.torch)
    args = ["lock", "--color", "never"] + ([] if settings.allow_build else ["--no-build"])
    files = (("pyproject.toml", body),)
    fp = fingerprint(
        requirements={normalize_extra(cs.engine): list(cs.requirements) for cs in sets},
        sources=[absolute_options(cs.options).pip_lines() for cs in sets],
        lt=lt, resolver="uv", settings=settings,
        request=["uv", [list(f) for f in files], args],
    )  # fmt: skip
    return Request("uv", "uv", files, tuple(args), ("uv.lock",), fp, cuda=lt.cuda_version)
