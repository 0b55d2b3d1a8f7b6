"""A result that cannot be saved is reported; nothing else is lost."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from grader.batch import discover, run_batch
from grader.sandbox.bare import BareSandbox

SUBMISSIONS = Path(__file__).parents[1] / "fixtures" / "submissions"
PROBE = Path(__file__).parents[1] / "fixtures" / "challenges" / "sandbox-probe"


def test_batch_reports_an_unsaved_result_and_goes_on(probe_challenge, settings, tmp_path):
    submissions = tmp_path / "in"
    for name in ("alice", "bob"):
        shutil.copytree(SUBMISSIONS / "passes_all", submissions / name)
    out = tmp_path / "out"
    out.mkdir()
    (out / "alice").write_text("a file where alice's folder should go")
    lines: list[str] = []
    outcome = run_batch(
        items=discover([probe_challenge], submissions),
        sandbox=BareSandbox(),
        settings=settings,
        out_dir=out,
        workers=1,
        on_done=lines.append,
    )
    assert any("alice" in line and "NOT SAVED" in line for line in lines)
    assert (out / "bob" / "sandbox-probe" / "result.json").is_file()
    assert {r.candidate for r, _ in outcome.rows} == {"alice", "bob"}
    assert (submissions / "alice" / "app.py").is_file()  # the submission is kept


def test_cli_reports_an_unsaved_result_in_one_line(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade", str(PROBE), str(SUBMISSIONS / "syntax_error"),
         "--bare", "--out", str(blocker / "out")],
        capture_output=True, text=True, timeout=60, env={**os.environ},
    )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: could not save the result")
