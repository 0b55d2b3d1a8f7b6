"""Temporary folders that name their process, so that a later start can remove what a killed one
left behind without touching the folders of a process still running.

``tempfile.TemporaryDirectory`` cleans up on every exit but ``kill -9``; after one, a grader
left unpacked submissions (``grader-intake-*``) in the temp folder for good. Folders made here
are called ``<prefix><pid>-<random>``; ``reap`` removes those whose process is gone.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

INTAKE_PREFIX = "grader-intake-"  # a submission unpacked for one grading (system temp folder)
_OWNED = re.compile(r"(?P<pid>\d+)-[^/]+")


def owned_tempdir(prefix: str, dir: Path | None = None) -> tempfile.TemporaryDirectory[str]:
    """A TemporaryDirectory whose name carries this process's id, for ``reap`` to judge."""
    return tempfile.TemporaryDirectory(prefix=f"{prefix}{os.getpid()}-", dir=dir)


def owned_mkdtemp(prefix: str, dir: Path) -> Path:
    """``tempfile.mkdtemp`` with this process's id in the name; the caller removes or renames it."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=dir))


def reap(folder: Path, prefixes: Iterable[str]) -> list[Path]:
    """Remove the folders under ``folder`` made with one of ``prefixes`` by a process that no
    longer runs (and owned by this user); return what was removed. Never raises."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        prefix = next((p for p in prefixes if entry.name.startswith(p)), None)
        if prefix is None:
            continue
        owned = _OWNED.fullmatch(entry.name[len(prefix) :])
        try:
            if (
                owned is None
                or not entry.is_dir(follow_symlinks=False)
                or entry.stat(follow_symlinks=False).st_uid != os.getuid()
            ):
                continue
        except OSError:
            continue
        if _running(int(owned["pid"])):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process has that id: not ours to judge
    return True
