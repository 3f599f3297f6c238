"""docs/architecture.md cannot drift from the code: its module map names exactly the modules of
``markerc/`` (each one importable), and the layering and the rules it states hold for every
module's import statements and calls, read with :mod:`ast` (nothing is evaluated)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from functools import cache
from pathlib import Path

import pytest

from tests.cli_helpers import ROOT

PAGE = ROOT / "docs" / "architecture.md"
PACKAGE = ROOT / "markerc"
GENERATED = {"markerc.language._lark_parser"}  # Lark's stand-alone parser: not markerc's code
ROW = re.compile(r"^\| `(markerc[\w.]*)` \|", re.MULTILINE)


def _section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    level = heading.split(" ", 1)[0]
    ends = [
        i for i in (text.find("\n## ", start + 1), text.find(f"\n{level} ", start + 1)) if i >= 0
    ]
    return text[start : min(ends)] if ends else text[start:]


@cache
def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


@cache
def mapped() -> tuple[str, ...]:
    """The dotted names of the module map, in page order."""
    return tuple(ROW.findall(_section(_page(), "## Module map")))


@cache
def existing() -> frozenset[str]:
    """Every module of the source tree ``markerc/`` (``__main__`` modules included: they are
    listed, never imported)."""
    found = {"markerc"} | {m.name for m in pkgutil.walk_packages([str(PACKAGE)], "markerc.")}
    return frozenset(found)


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def sources() -> dict[str, tuple[Path, ast.Module]]:
    return {
        _dotted(p): (p, ast.parse(p.read_text(encoding="utf-8"), str(p)))
        for p in sorted(PACKAGE.rglob("*.py"))
    }


# ------------------------------------------------------------------------------ the module map


def test_map_rows_are_unique_and_have_a_job() -> None:
    names = mapped()
    assert len(names) > 50, "the module map lost its rows"
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    for line in _section(_page(), "## Module map").splitlines():
        if ROW.match(line):
            cells = [c.strip() for c in line.strip("|").split("|")]
            assert len(cells) == 2 and cells[1], f"a row needs a module and its job: {line}"
    generated = [n for n in names if f"`{n}` | **generated**" in _page()]
    assert set(generated) >= GENERATED, "the generated parser must be marked as generated"


def test_map_names_every_module_and_nothing_else() -> None:
    names = set(mapped())
    missing, stale = sorted(existing() - names), sorted(names - existing())
    assert not missing, f"docs/architecture.md's module map lacks {missing}"
    assert not stale, f"docs/architecture.md's module map names modules that do not exist: {stale}"
    # every .py file is a module of a package (no stray file outside the package tree)
    assert set(sources()) == existing()


@pytest.mark.parametrize("name", [n for n in mapped() if not n.endswith("__main__")])
def test_every_mapped_module_imports(name: str) -> None:
    assert importlib.import_module(name).__name__ == name


# ------------------------------------------------------------------------------ the layering


@cache
def layers() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """``{layer: (module prefixes, layers it may import)}`` from the page's layering table."""
    table = _section(_page(), "## Layering").split("### Known exceptions")[0]
    out: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for line in table.splitlines():
        row = re.match(r"^\| `(\w+)` \| (.+?) \| (.+?) \|$", line)
        if row:
            out[row.group(1)] = (
                frozenset(re.findall(r"`([\w.]+)`", row.group(2))),
                frozenset(re.findall(r"`(\w+)`", row.group(3))),
            )
    return out


@cache
def exceptions() -> frozenset[tuple[str, str]]:
    table = _section(_page(), "### Known exceptions")
    return frozenset(
        re.findall(r"^\| `(markerc[\w.]*)` \| `(markerc[\w.]*)` \|", table, re.MULTILINE)
    )


def layer_of(module: str) -> str:
    best, length = None, -1
    for layer, (prefixes, _) in layers().items():
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = layer, len(prefix)
    assert best is not None, f"{module} is in no layer of docs/architecture.md"
    return best


def _package_of(module: str) -> str:
    path = sources()[module][0]
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The markerc modules an import statement names (``from P import m`` names ``P.m`` when
    that is a module, else ``P``)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = _package_of(module).split(".")
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, *([base] if base else [])])
        names = [
            f"{base}.{a.name}" if f"{base}.{a.name}" in existing() else base for a in node.names
        ]
    out = []
    for name in names:
        if name == "markerc" or name.startswith("markerc."):
            while name not in existing():  # an attribute: its module
                name = name.rpartition(".")[0]
            out.append(name)
    return out


@cache
def imports() -> dict[str, frozenset[str]]:
    """Every module's markerc imports, wherever they stand (functions and TYPE_CHECKING too)."""
    out: dict[str, frozenset[str]] = {}
    for module, (_, tree) in sources().items():
        found: set[str] = set()
        if module not in GENERATED:
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    found.update(_targets(module, node))
        out[module] = frozenset(found - {module})
    return out


def test_the_layering_table_covers_every_module() -> None:
    assert {
        "catalogue",
        "shared",
        "language",
        "compiler",
        "backends",
        "lint",
        "review",
        "cli",
    } <= set(layers())
    for _, allowed in layers().values():
        assert allowed <= set(layers()), allowed
    assert {layer_of(m) for m in existing()} <= set(layers())


def test_every_import_follows_the_layering() -> None:
    violations = set()
    for module, targets in imports().items():
        own = layer_of(module)
        allowed = layers()[own][1] | {own}
        for target in targets:
            if layer_of(target) not in allowed:
                violations.add((module, target))
    unlisted = sorted(violations - exceptions())
    assert not unlisted, f"imports against docs/architecture.md's layering: {unlisted}"
    gone = sorted(exceptions() - violations)
    assert not gone, f"known exceptions that no longer happen (remove their rows): {gone}"


def test_nothing_imports_the_cli_but_main() -> None:
    importers = {
        m
        for m, targets in imports().items()
        if layer_of(m) != "cli" and any(layer_of(t) == "cli" for t in targets)
    }
    assert not importers


# ------------------------------------------------------------------------------ the rules


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in {
        "TYPE_CHECKING",
        "typing.TYPE_CHECKING",
    }


def _is_main_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) == "__name__ == '__main__'"


def _import_time(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that run when a module is imported (not in functions, not under
    ``TYPE_CHECKING``)."""
    out: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
        elif _is_type_checking(node) or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    out += _import_time(
                        [n for n in inner if isinstance(n, ast.stmt)]
                        + [s for h in inner if isinstance(h, ast.ExceptHandler) for s in h.body]
                    )
    return out


def _roots(nodes: list[ast.Import | ast.ImportFrom]) -> set[str]:
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif node.module and not node.level:
            names.add(node.module)
    return {n.split(".")[0] for n in names} | names


def _own_code() -> dict[str, ast.Module]:
    return {m: tree for m, (_, tree) in sources().items() if m not in GENERATED}


def test_heavy_modules_load_lazily() -> None:
    for module, tree in _own_code().items():
        eager = _roots(_import_time(tree.body)) & {"lark", "packaging"}
        assert not eager, f"{module} imports {eager} at import time"


def test_the_cli_alone_parses_arguments_and_imports_the_library_lazily() -> None:
    for module, tree in _own_code().items():
        every = _roots([n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))])
        if layer_of(module) != "cli":
            assert "argparse" not in every, f"{module} parses arguments"
            continue
        eager = {t for n in _import_time(tree.body) for t in _targets(module, n)}
        library = {t for t in eager if t != "markerc" and layer_of(t) != "cli"}
        assert not library, f"{module} imports {sorted(library)} at import time"


def _main_blocks(tree: ast.Module) -> set[ast.AST]:
    return {sub for node in tree.body if _is_main_block(node) for sub in ast.walk(node)}


def test_the_library_never_prints_or_exits() -> None:
    for module, tree in _own_code().items():
        if layer_of(module) == "cli" or module.endswith("__main__"):
            continue
        allowed = _main_blocks(tree)
        for node in ast.walk(tree):
            if node in allowed:
                continue
            text = ast.unparse(node)
            if isinstance(node, ast.Call):
                assert text.split("(")[0] not in {
                    "print",
                    "exit",
                    "quit",
                    "sys.exit",
                    "os._exit",
                }, f"{module}:{node.lineno}: {text}"
            if isinstance(node, ast.Attribute):
                assert text not in {"sys.stdout", "sys.stderr"}, f"{module}:{node.lineno}: {text}"
            if isinstance(node, ast.Raise) and node.exc is not None:
                assert "SystemExit" not in ast.unparse(node.exc), f"{module}:{node.lineno}"


def test_nothing_executes_input_text() -> None:
    for module, tree in _own_code().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                assert name not in {
                    "eval",
                    "exec",
                    "compile",
                    "os.system",
                    "os.popen",
                    "__import__",
                }, f"{module}:{node.lineno}: {name}"
                assert all(k.arg != "shell" for k in node.keywords), f"{module}:{node.lineno}"
        every = _roots([n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))])
        assert not every & {"pickle", "marshal", "shelve"}, module
        if "subprocess" in every:
            assert module in {
                "markerc.backends.uvtool",
                "markerc.backends.envinfo",
                "markerc.review.sources",
            }, f"{module} starts processes"


def test_records_are_records_not_dataclasses() -> None:
    """Every record class is ``@record`` (frozen by construction); nothing imports dataclasses,
    whose import and class definitions are the start-up cost ``markerc.records`` removes."""
    records = 0
    for module, tree in _own_code().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                assert "dataclasses" not in (*names, getattr(node, "module", None)), module
            if isinstance(node, ast.ClassDef):
                for deco in node.decorator_list:
                    text = ast.unparse(deco)
                    assert "dataclass" not in text, f"{module}.{node.name} is a dataclass"
                    records += text == "record"
    assert records > 50  # the scan saw the records (a broken walk would pass vacuously)


def test_the_readme_layout_names_real_files_and_links_this_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout\n") :]
    layout = layout[: layout.index("\n## ")]
    assert "docs/architecture.md" in layout
    assert "(docs/architecture.md)" in readme[: readme.index("## Commands")]
    paths = set(re.findall(r"(?:markerc/)?[\w/]+(?:\.py|/)(?=[\s`,);])", layout))
    assert len(paths) > 10
    for path in paths:
        found = [p for p in (ROOT / path, PACKAGE / path) if p.exists()]
        assert found, f"README.md's layout names {path}, which does not exist"
