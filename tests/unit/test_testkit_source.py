"""Tests of the read-only view of submitted files that hidden tests get as ``source``."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from grader.testkit.source import Source


@pytest.fixture
def submission(tmp_path: Path) -> Path:
    root = tmp_path / "submission"
    (root / "app" / "templates").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    (root / "app" / "views.py").write_text("def index():\n    return 'hi'\n")
    (root / "app" / "templates" / "index.html").write_text("<p>{{ name }}</p>\n")
    (root / "README.md").write_text("# My app\n")
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.py").write_text("TOKEN = 'hidden'\n")
    return folder


def _snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(path): (path.lstat().st_mtime_ns, path.read_bytes() if path.is_file() else b"")
        for path in sorted(root.rglob("*"))
    }


def test_files_are_sorted_relative_posix_paths(submission: Path) -> None:
    assert Source(submission).files == [
        "README.md",
        "app/__init__.py",
        "app/templates/index.html",
        "app/views.py",
    ]


def test_symlinks_are_neither_listed_nor_followed(submission: Path, outside: Path) -> None:
    (submission / "linked.py").symlink_to(outside / "secret.py")
    (submission / "linked_dir").symlink_to(outside, target_is_directory=True)
    source = Source(submission)
    assert "linked.py" not in source.files
    assert not any(path.startswith("linked_dir") for path in source.files)
    assert "hidden" not in source.all_text()
    with pytest.raises(AssertionError, match="not a file of the submission"):
        source.text("linked.py")


@pytest.mark.parametrize(
    "path", ["../outside/secret.py", "/etc/passwd", "missing.py", "app", "app/templates"]
)
def test_text_refuses_anything_but_a_listed_file(submission: Path, path: str) -> None:
    with pytest.raises(AssertionError, match="is not a file of the submission"):
        Source(submission).text(path)


def test_text_accepts_equivalent_spellings_of_a_listed_path(submission: Path) -> None:
    source = Source(submission)
    assert source.text("./app/views.py") == source.text(Path("app") / "views.py")
    assert source.exists("app/views.py")
    assert not source.exists("app/missing.py")


def test_text_replaces_invalid_utf8(submission: Path) -> None:
    (submission / "latin.py").write_bytes(b"NAME = 'caf\xe9'\n")
    assert Source(submission).text("latin.py") == "NAME = 'caf\ufffd'\n"


def test_python_files_and_all_text_cover_matching_files(submission: Path) -> None:
    source = Source(submission)
    assert source.python_files() == ["app/__init__.py", "app/views.py"]
    assert source.all_text() == (
        "from flask import Flask\n\napp = Flask(__name__)\n\ndef index():\n    return 'hi'\n"
    )
    assert source.all_text(".html") == "<p>{{ name }}</p>\n"


def test_ast_returns_the_parsed_module(submission: Path) -> None:
    module = Source(submission).ast("app/views.py")
    assert isinstance(module, ast.Module)
    assert [node.name for node in module.body if isinstance(node, ast.FunctionDef)] == ["index"]


def test_syntax_error_fails_with_file_and_line(submission: Path) -> None:
    (submission / "broken.py").write_text("x = 1\ndef broken(:\n")
    with pytest.raises(AssertionError, match=r"broken\.py does not parse: .* \(line 2\)"):
        Source(submission).ast("broken.py")


def test_oversized_file_is_refused(submission: Path) -> None:
    (submission / "big.py").write_text("#" * 2000)
    with pytest.raises(AssertionError, match=r"big\.py is 2000 bytes, over the 1000"):
        Source(submission, max_file_bytes=1000).text("big.py")


def test_missing_folder_fails_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="does not exist"):
        _ = Source(tmp_path / "nowhere").files


def test_no_method_writes(submission: Path) -> None:
    before = _snapshot(submission)
    source = Source(submission)
    for path in source.files:
        source.text(path)
        source.exists(path)
    for path in source.python_files():
        source.ast(path)
    source.all_text()
    assert _snapshot(submission) == before
    assert not any("__pycache__" in name for name in os.listdir(submission / "app"))
