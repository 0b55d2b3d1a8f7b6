"""Hidden suite for project-setup: what only the files can show (dependencies, the factory)."""

from __future__ import annotations

import ast
import re
import tomllib

import pytest

pytestmark = [pytest.mark.skill("project-structure")]

# One requirement: a name, optional [extras], then an optional version specifier.
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def _flask_requirements(source) -> list[str]:
    """Return the specifiers of every Flask requirement declared in the project."""
    found = []
    lines = []
    if source.exists("requirements.txt"):
        lines += source.text("requirements.txt").splitlines()
    if source.exists("pyproject.toml"):
        try:
            project = tomllib.loads(source.text("pyproject.toml")).get("project", {})
        except tomllib.TOMLDecodeError as e:
            pytest.fail(f"pyproject.toml does not parse: {e}", pytrace=False)
        lines += [d for d in project.get("dependencies", []) if isinstance(d, str)]
    for line in lines:
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        match = _REQUIREMENT.match(line)
        if match and re.sub(r"[-_.]+", "-", match.group(1)).lower() == "flask":
            found.append(match.group(3).strip())
    return found


def _entry_module(source) -> str:
    for path in ("pinboard/__init__.py", "pinboard.py"):
        if source.exists(path):
            return path
    pytest.fail("neither pinboard/__init__.py nor pinboard.py exists", pytrace=False)


def _is_flask_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "Flask") or (
        isinstance(func, ast.Attribute) and func.attr == "Flask"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R1")
def test_flask_is_a_declared_dependency(source):
    """Flask is declared in requirements.txt or in pyproject.toml's [project] dependencies."""
    assert _flask_requirements(source), (
        "declare Flask in requirements.txt or in pyproject.toml [project] dependencies"
    )


@pytest.mark.requirement("R1")
def test_flask_requirement_has_a_version_specifier(source):
    """The Flask requirement says which versions work (e.g. Flask>=3.1,<4 or Flask==3.1.3)."""
    specifiers = _flask_requirements(source)
    assert specifiers, "Flask is not declared"
    assert any(re.match(r"(==|>=|~=|<=|<|>|!=)", s) for s in specifiers), (
        f"the Flask requirement has no version specifier: {specifiers}"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R2")
def test_the_flask_app_is_created_inside_create_app(source):
    """The entry module defines create_app() and the Flask object is made inside it."""
    entry = _entry_module(source)
    tree = source.ast(entry)
    factories = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == "create_app"
    ]
    assert factories, f"{entry} defines no top-level create_app()"
    assert any(_is_flask_call(node) for node in ast.walk(factories[0])), (
        "create_app() must create the Flask object itself"
    )
    for path in source.python_files():
        for node in source.ast(path).body:
            assert not any(_is_flask_call(sub) for sub in ast.walk(node)) or isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ), f"{path} creates a Flask app at import time (line {node.lineno}), not in a factory"
