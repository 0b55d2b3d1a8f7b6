"""The suite's assertion-rewritten bytecode is made on the host and used by pytest in the run."""

from __future__ import annotations

import marshal
import os
import types
from pathlib import PurePosixPath

import pytest
from _pytest.assertion.rewrite import _read_pyc

from grader.config import Settings
from grader.grading import run_limits
from grader.sandbox import SandboxJob
from grader.sandbox import bytecode as bytecode_module
from grader.sandbox.bare import BareSandbox
from grader.sandbox.bytecode import SOURCE_MTIME, is_rewritten, pyc_file

FAILING = b"def test_flip():\n    assert 1 == 2\n"
PASSING = b"def test_flip():\n    assert 1 == 1\n"  # same size: only the bytecode tells them apart


def _code_objects(code: types.CodeType):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def test_pytest_accepts_the_pyc_for_the_shipped_source(tmp_path):
    source = b"import math\n\nclass TestX:\n    def test_y(self):\n        assert math.pi > 3\n"
    pyc = pyc_file(PurePosixPath("sub/test_x.py"), source, str(tmp_path), tmp_path / "cache")
    assert pyc is not None
    relative, data = pyc
    assert relative.parent == PurePosixPath("sub/__pycache__")
    (tmp_path / "sub" / "__pycache__").mkdir(parents=True)
    (tmp_path / relative).write_bytes(data)
    test_file = tmp_path / "sub" / "test_x.py"
    test_file.write_bytes(source)
    os.utime(test_file, (SOURCE_MTIME, SOURCE_MTIME))
    code = _read_pyc(test_file, tmp_path / relative)
    assert code is not None
    assert {c.co_filename for c in _code_objects(code)} == {str(test_file)}
    test_file.write_bytes(source + b"\n")  # edited: pytest must refuse the stale pyc
    os.utime(test_file, (SOURCE_MTIME, SOURCE_MTIME))
    assert _read_pyc(test_file, tmp_path / relative) is None


def test_only_files_pytest_rewrites_get_bytecode(tmp_path):
    assert is_rewritten("conftest.py") and is_rewritten("test_a.py") and is_rewritten("a_test.py")
    assert not is_rewritten("helpers.py")
    assert pyc_file(PurePosixPath("helpers.py"), b"x = 1\n", "/t", None) is None


def test_a_source_pytest_cannot_parse_gets_none(tmp_path):
    assert pyc_file(PurePosixPath("test_bad.py"), b"def (:\n", "/t", tmp_path) is None


def test_the_disk_cache_serves_a_new_process_and_survives_damage(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = pyc_file(PurePosixPath("test_a.py"), PASSING, "/t", cache)
    (entry,) = cache.iterdir()
    monkeypatch.setattr(bytecode_module, "_memory", {})
    monkeypatch.setattr(bytecode_module, "_rewrite", lambda source: pytest.fail("not cached"))
    assert _same_pyc(pyc_file(PurePosixPath("test_a.py"), PASSING, "/t", cache), first)
    entry.write_bytes(b"\xff damaged")
    monkeypatch.undo()
    monkeypatch.setattr(bytecode_module, "_memory", {})
    assert _same_pyc(pyc_file(PurePosixPath("test_a.py"), PASSING, "/t", cache), first)
    assert marshal.loads(entry.read_bytes())  # made again, whole


def _same_pyc(one, other) -> bool:
    """Same path, header and code (marshal may encode equal code differently)."""
    return (
        one[0] == other[0]
        and one[1][:16] == other[1][:16]
        and marshal.loads(one[1][16:]) == marshal.loads(other[1][16:])
    )


@pytest.mark.parametrize("kind", ["bare", pytest.param("docker", marks=pytest.mark.docker)])
def test_a_real_run_executes_the_shipped_bytecode(
    kind, tmp_path, monkeypatch, settings: Settings, probe_challenge, request
):
    """Bytecode made from a passing test, shipped beside a failing source of the same size and
    mtime: the test passes only if pytest, in the run, used what the host shipped."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_flip.py").write_bytes(FAILING)
    real_rewrite = bytecode_module._rewrite
    monkeypatch.setattr(bytecode_module, "_memory", {})
    monkeypatch.setattr(bytecode_module, "_rewrite", lambda source: real_rewrite(PASSING))
    job = SandboxJob(
        submission_dir=app,
        tests_dir=tests,
        entry="app:app",
        app_env={},
        default_skill="general",
        limits=run_limits(settings, probe_challenge),
        bytecode_cache=None,
    )
    sandbox = BareSandbox() if kind == "bare" else request.getfixturevalue("docker_sandbox")
    run = sandbox.run(job)
    outcomes = {t["id"]: t["outcome"] for t in run.raw_results["tests"]}
    assert outcomes == {"test_flip.py::test_flip": "passed"}, run.suite_log
