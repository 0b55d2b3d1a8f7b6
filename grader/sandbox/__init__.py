"""The sandbox boundary: what goes into a run (a job) and what comes back (a run record).

Two implementations share these types: ``docker.DockerSandbox`` (every candidate run) and
``bare.BareSandbox`` (authoring and benchmarks only). Both run ``supervisor.py`` on the same
payload and read back the same files, so they differ only in isolation.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from grader.sandbox.bytecode import SOURCE_MTIME, pyc_file
from grader.sandbox.supervisor import GO_FILE

SUPERVISOR_PATH = Path(__file__).with_name("supervisor.py")
APP_PORT = 8000
OUTPUT_FILES = ("supervisor.json", "app.log", "suite.log", "results/pytest.json")
JSON_CAP_BYTES = 4 << 20


@dataclass(frozen=True)
class RunLimits:
    """The bounds of one run; defaults come from settings, a manifest may only tighten them."""

    deadline_s: float
    app_start_timeout_s: float
    test_timeout_s: float
    memory_mb: int
    cpus: float
    pids: int
    tmpfs_mb: int
    log_cap_bytes: int
    output_cap_bytes: int

    @property
    def suite_timeout_s(self) -> float:
        """Time left for pytest once the app is up, keeping a margin for the host."""
        return max(5.0, self.deadline_s - self.app_start_timeout_s - 5.0)


@dataclass(frozen=True)
class SandboxJob:
    """One grading run: a checked submission folder, a hidden suite and how to serve the app."""

    submission_dir: Path
    tests_dir: Path
    entry: str
    app_env: dict[str, str]
    default_skill: str
    limits: RunLimits
    bytecode_cache: Path | None = None  # where the suite's rewritten bytecode is kept
    shuffle_seed: int | None = None  # run the tests in this seeded random order (flaky check)
    fail_fast: bool = False  # stop at the first failure: a mutant is killed by one

    def job_document(self, port: int = APP_PORT) -> dict[str, Any]:
        """What the supervisor reads from ``in/job.json``."""
        return {
            "entry": self.entry,
            "port": port,
            "app_env": self.app_env,
            "default_skill": self.default_skill,
            "app_start_timeout_s": self.limits.app_start_timeout_s,
            "suite_timeout_s": self.limits.suite_timeout_s,
            "test_timeout_s": self.limits.test_timeout_s,
            "log_cap_bytes": self.limits.log_cap_bytes,
            "shuffle_seed": self.shuffle_seed,
            "fail_fast": self.fail_fast,
        }


@dataclass
class SandboxRun:
    """What came back from a run, before scoring; nothing here came from the app's stdout."""

    supervisor: dict[str, Any] | None = None
    raw_results: dict[str, Any] | None = None
    app_log: str = ""
    app_log_truncated: bool = False
    suite_log: str = ""
    timed_out: bool = False
    exit_code: int | None = None
    oom_killed: bool = False
    error: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


class Sandbox(Protocol):
    """Anything that can run a job and hand back its run record."""

    def run(self, job: SandboxJob) -> SandboxRun: ...

    def reap(self) -> int:
        """Remove what runs of a dead grader left behind; return how many were removed."""
        ...

    def close(self) -> None:
        """Remove anything kept ready for later runs (spares); runs after this start cold."""
        ...


def build_payload(job: SandboxJob, *, tests_path: str, port: int = APP_PORT) -> bytes:
    """Pack job.json, the submission, the hidden suite and its bytecode as the tar for ``in/``.

    ``tests_path`` is where the supervisor puts the suite, named in the shipped bytecode. The
    last entry, ``go``, tells a supervisor already waiting that the rest is in place.
    """
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "job.json", json.dumps(job.job_document(port)).encode())
        _add_tree(tar, job.submission_dir, "submission")
        suite = _add_tree(tar, job.tests_dir, "tests")
        _add_suite_bytecode(tar, suite, tests_path, job.bytecode_cache)
        _add_bytes(tar, GO_FILE, b"go\n")
    return buffer.getvalue()


def read_outputs(files: dict[str, bytes], run: SandboxRun, log_cap: int) -> SandboxRun:
    """Fill ``run`` from the out/ files; malformed JSON counts as missing, never as trusted."""
    run.supervisor = _json_object(files.get("supervisor.json"))
    run.raw_results = _json_object(files.get("results/pytest.json"))
    log = files.get("app.log", b"")
    run.app_log = log[:log_cap].decode("utf-8", "replace")
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
        if entry.name == "__pycache__" or entry.name.endswith(".pyc"):
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
            _add_folder(tar, f"tests/{pyc_path.parent}")
        _add_bytes(tar, f"tests/{pyc_path}", data)


def _add_folder(tar: tarfile.TarFile, name: str) -> None:
    folder = tarfile.TarInfo(name)
    folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o700, SOURCE_MTIME
    tar.addfile(folder)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, SOURCE_MTIME
    tar.addfile(info, io.BytesIO(data))
