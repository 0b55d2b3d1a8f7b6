"""Temporary folders name their process; a later start removes only what dead processes left."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from grader.tempdirs import INTAKE_PREFIX, owned_mkdtemp, owned_tempdir, reap


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_reap_removes_a_dead_processes_folders_and_keeps_the_rest(tmp_path: Path) -> None:
    dead = tmp_path / f"{INTAKE_PREFIX}{_dead_pid()}-abc"
    (dead / "submission").mkdir(parents=True)
    (dead / "submission" / "app.py").write_text("print('left behind')")
    with owned_tempdir(INTAKE_PREFIX, tmp_path) as mine:
        parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            alive = tmp_path / f"{INTAKE_PREFIX}{parent.pid}-xyz"
            alive.mkdir()
            unrelated = tmp_path / "grader-intake-notapid"
            unrelated.mkdir()
            other_prefix = tmp_path / f"other-{_dead_pid()}-abc"
            other_prefix.mkdir()
            removed = reap(tmp_path, [INTAKE_PREFIX])
            assert removed == [dead]
            assert not dead.exists()
            assert Path(mine).is_dir() and alive.is_dir()
            assert unrelated.is_dir() and other_prefix.is_dir()
        finally:
            parent.kill()
            parent.wait()
    assert reap(tmp_path, [INTAKE_PREFIX]) == [alive]


def test_owned_folders_carry_this_process_id(tmp_path: Path) -> None:
    made = owned_mkdtemp("store-", tmp_path)
    assert made.name.startswith(f"store-{os.getpid()}-")
    with owned_tempdir("intake-", tmp_path) as name:
        assert Path(name).name.startswith(f"intake-{os.getpid()}-")
