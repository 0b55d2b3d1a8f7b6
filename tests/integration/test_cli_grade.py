"""`grader grade` end to end on the real engine: the result document is the whole stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.results import load_result

pytestmark = pytest.mark.docker

ROOT = Path(__file__).parents[2]


def test_json_output_is_exactly_the_result_document(tmp_path: Path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade", "routing",
         str(ROOT / "challenges" / "routing" / "solution"), "--json", "--out", str(out)],
        capture_output=True, text=True, timeout=120, env={**os.environ},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    result = load_result(done.stdout)
    assert result.status == "graded"
    assert result.score == 100
    assert document["challenge"] == "routing"
    assert len(document["submission_sha256"]) == 64
    assert document["sandbox"]["kind"] == "docker"
    assert json.loads((out / "result.json").read_text()) == document
    assert "<svg" in (out / "report.html").read_text()
