"""The README cannot drift from the code: its library example runs as a doctest, every function
its table names exists in the module it names, and its pre-commit snippet uses the one
repository URL and a ``rev`` the release process creates (docs/precommit.md, "Releasing")."""

from __future__ import annotations

import doctest
import importlib
import os
import re
import sys

import pytest

from tests.cli_helpers import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

README = ROOT / "README.md"


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = text.find("\n## ", start + len(heading))
    return text[start:] if following < 0 else text[start:following]


def test_library_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the example reads fixtures/models.json
    library = _section(README.read_text(encoding="utf-8"), "## Library")
    library = re.sub(r"^```.*$", "", library, flags=re.MULTILINE)  # a fence ends an expected output
    test = doctest.DocTestParser().get_doctest(library, {}, "README.md ## Library", str(README), 0)
    assert len(test.examples) >= 10, "the README's library example lost its doctest prompts"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test, out=lambda text: pytest.fail(text, pytrace=False))
    assert result.failed == 0 and result.attempted == len(test.examples)


def test_library_table_names_real_functions() -> None:
    library = _section(README.read_text(encoding="utf-8"), "## Library")
    rows = [line for line in library.splitlines() if line.startswith("| `")]
    assert len(rows) >= 8
    for row in rows:
        names_cell, module_cell = row.split(" | ")[0], row.split(" | ")[1]
        module = importlib.import_module(module_cell.strip("` "))
        for token in re.findall(r"`([^`]+)`", names_cell):
            name = re.match(r"[A-Za-z_][\w.]*", token)
            assert name, token
            attr = name.group(0).rsplit(".", 1)[-1]
            assert hasattr(module, attr), f"README names {attr} in {module.__name__}"


REPO_URL = re.compile(r"repo:\s*(https?://\S+)")


def test_precommit_snippets_share_one_url_and_a_release_rev() -> None:
    from markerc import __version__

    docs = {"README.md": README.read_text(encoding="utf-8"),
            "docs/precommit.md": (ROOT / "docs" / "precommit.md").read_text(encoding="utf-8")}
    urls = {url for text in docs.values() for url in REPO_URL.findall(text)}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert urls == {project["urls"]["Repository"]}, urls
    assert project["version"] == __version__
    for name, text in docs.items():
        revs = set(re.findall(r"^\s*rev:\s*(\S+)", text, re.MULTILINE))
        assert revs == {f"v{__version__}"}, (name, revs)
    # the tag those snippets pin is the one the release steps create
    releasing = _section(docs["docs/precommit.md"], "## Releasing")
    assert "git tag v" in releasing and "pyproject.toml" in releasing
    assert os.path.exists(ROOT / ".pre-commit-hooks.yaml")
