"""The sandbox payload: the tar packed into ``in/``, and the files read back from ``out/``.

Both sandboxes ship the same payload to the same supervisor and read its output the same way;
nothing read back is trusted: malformed JSON counts as missing.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from grader.intake import is_junk
from grader.sandbox import APP_PORT, SandboxJob, SandboxRun
from grader.sandbox.app_log_times import TIMES_FILE, read_app_log_times
from grader.sandbox.bytecode import SOURCE_MTIME, pyc_file
from grader.sandbox.supervisor import GO_FILE, RUN_FILE, slot_prefix

OUTPUT_FILES = ("supervisor.json", "app.log", TIMES_FILE, "suite.log", "results/pytest.json")
JSON_CAP_BYTES = 4 << 20


def build_payload(
    jobs: Sequence[SandboxJob], *, tests_path: Callable[[int], str], concurrency: int = 1
) -> bytes:
    """Pack the plan and, per slot, job.json, the submission, the hidden suite and its bytecode.

    Slot ``i``'s files go under ``i/`` (slot 0's at the top); ``tests_path(i)`` is where the
    supervisor puts that slot's suite, named in the shipped bytecode. The last entry, ``go``,
    tells a supervisor already waiting that the rest is in place.
    """
    buffer = io.BytesIO()
    plan = {"slots": len(jobs), "concurrency": concurrency}
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, RUN_FILE, json.dumps(plan).encode())
        for index, job in enumerate(jobs):
            prefix = slot_prefix(index)
            if prefix:
                _add_folder(tar, prefix.rstrip("/"))
            _add_bytes(tar, f"{prefix}job.json", json.dumps(job.job_document(APP_PORT)).encode())
            _add_tree(tar, job.submission_dir, f"{prefix}submission")
            suite = _add_tree(tar, job.tests_dir, f"{prefix}tests")
            _add_suite_bytecode(tar, suite, f"{prefix}tests", tests_path(index), job.bytecode_cache)
        _add_bytes(tar, GO_FILE, b"go\n")
    return buffer.getvalue()


def read_slot_outputs(
    files: dict[str, bytes], jobs: Sequence[SandboxJob], runs: Sequence[SandboxRun]
) -> None:
    """Fill each slot's run from its own files (see ``read_outputs``)."""
    for index, (job, run) in enumerate(zip(jobs, runs, strict=True)):
        prefix = slot_prefix(index)
        mine = {k.removeprefix(prefix): v for k, v in files.items() if k.startswith(prefix)}
        read_outputs(mine, run, job.limits.log_cap_bytes)


def output_names(slots: int) -> frozenset[str]:
    """Every file the host reads back from ``out/``, by its path there."""
    return frozenset(
        f"{slot_prefix(index)}{name}" for index in range(slots) for name in OUTPUT_FILES
    )


def read_outputs(files: dict[str, bytes], run: SandboxRun, log_cap: int) -> SandboxRun:
    """Fill ``run`` from the out/ files; malformed JSON counts as missing, never as trusted."""
    run.supervisor = _json_object(files.get("supervisor.json"))
    run.raw_results = _json_object(files.get("results/pytest.json"))
    log = files.get("app.log", b"")
    run.app_log = log[:log_cap].decode("utf-8", "replace")
    run.app_log_chunks = read_app_log_times(log[:log_cap], files.get(TIMES_FILE, b""))
    dropped = (run.supervisor or {}).get("app", {}).get("log_bytes_dropped", 0)
    run.app_log_truncated = len(log) > log_cap or bool(dropped)
    run.suite_log = files.get("suite.log", b"")[-16384:].decode("utf-8", "replace")
    return run


def _json_object(data: bytes | None) -> dict[str, Any] | None:
    if not data or len(data) > JSON_CAP_BYTES:
        return None
    try:
        value = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _add_tree(
    tar: tarfile.TarFile, root: Path, arcname: str, relative: PurePosixPath | None = None
) -> list[tuple[PurePosixPath, bytes]]:
    """Add regular files and folders only, root-owned and private, in a stable order.

    Returns each file added, by its path under ``root``, with the bytes packed.
    """
    _add_folder(tar, arcname)
    relative = relative or PurePosixPath()
    added = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if is_junk((entry.name,)):
            continue
        name = f"{arcname}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            added += _add_tree(tar, Path(entry.path), name, relative / entry.name)
        elif entry.is_file(follow_symlinks=False):
            data = Path(entry.path).read_bytes()
            _add_bytes(tar, name, data)
            added.append((relative / entry.name, data))
    return added


def _add_suite_bytecode(
    tar: tarfile.TarFile,
    suite: list[tuple[PurePosixPath, bytes]],
    arcname: str,
    tests_path: str,
    cache_dir: Path | None,
) -> None:
    """Add the pyc pytest would make of each suite file, from the bytes just packed."""
    folders: set[PurePosixPath] = set()
    for relative, source in suite:
        pyc = pyc_file(relative, source, tests_path, cache_dir)
        if pyc is None:
            continue
        pyc_path, data = pyc
        if pyc_path.parent not in folders:
            folders.add(pyc_path.parent)
            _add_folder(tar, f"{arcname}/{pyc_path.parent}")
        _add_bytes(tar, f"{arcname}/{pyc_path}", data)


def _add_folder(tar: tarfile.TarFile, name: str) -> None:
    folder = tarfile.TarInfo(name)
    folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o700, SOURCE_MTIME
    tar.addfile(folder)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, SOURCE_MTIME
    tar.addfile(info, io.BytesIO(data))
