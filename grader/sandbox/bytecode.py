"""Pytest's assertion-rewritten bytecode of a hidden suite, made on the host once per content.

Every run starts pytest on a fresh copy of the suite with bytecode writes off, so pytest would
parse, rewrite and compile the suite's asserts on every run: about 0.2 s of a one-second
grading. The host makes the same ``.pyc`` files pytest itself would write, keeps them in a
cache keyed by the source's sha256, and ships them beside the tests. pytest still runs its own
checks before it trusts one (magic number, its version and Python's in the file name, the
source's size and mtime), so a mismatch costs the time saved, never correctness.

The files are built from the very bytes packed into the payload, with the source mtime the
payload gives every file (``SOURCE_MTIME``), and carry the path the test will have where it
runs, so tracebacks name the real file.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import importlib.metadata
import importlib.util
import marshal
import os
import struct
import sys
import tempfile
import types
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

SOURCE_MTIME = 0  # the mtime every payload file carries, and the one each header names
# pytest's defaults; the supervisor's pytest.ini sets nothing else
TEST_FILE_PATTERNS = ("test_*.py", "*_test.py")
PLACEHOLDER_ROOT = "<hidden-suite>"
_memory: dict[str, types.CodeType] = {}  # this process's cache, in front of the disk


def is_rewritten(name: str) -> bool:
    """Whether pytest rewrites the asserts of a suite file called ``name``."""
    return name == "conftest.py" or any(fnmatch(name, p) for p in TEST_FILE_PATTERNS)


@functools.cache
def pytest_tag() -> str | None:
    """The tag pytest puts in its pyc names, read without importing pytest (about 0.25 s)."""
    try:
        return f"{sys.implementation.cache_tag}-pytest-{importlib.metadata.version('pytest')}"
    except importlib.metadata.PackageNotFoundError:
        return None


def pyc_file(
    relative: PurePosixPath, source: bytes, target_root: str, cache_dir: Path | None
) -> tuple[PurePosixPath, bytes] | None:
    """The pyc pytest would write for the suite file ``relative`` holding ``source``.

    Returns its path relative to the suite and its bytes, compiled as if the file lived under
    ``target_root``; None when pytest or the source cannot give one (pytest then rewrites the
    file itself, as it would without this).
    """
    tag = pytest_tag()
    if tag is None or not is_rewritten(relative.name):
        return None
    key = f"{hashlib.sha256(source).hexdigest()}-{tag}"
    code = _cached_code(key, source, cache_dir)
    if code is None:
        return None
    located = _relocated(code, f"{target_root}/{relative}")
    header = importlib.util.MAGIC_NUMBER + b"\x00\x00\x00\x00"
    header += struct.pack("<LL", SOURCE_MTIME & 0xFFFFFFFF, len(source) & 0xFFFFFFFF)
    name = f"{relative.stem}.{tag}.pyc"
    return relative.parent / "__pycache__" / name, header + marshal.dumps(located)


def _cached_code(key: str, source: bytes, cache_dir: Path | None) -> types.CodeType | None:
    if (code := _memory.get(key)) is not None:
        return code
    path = cache_dir / f"{key}.code" if cache_dir is not None else None
    code = _load(path) if path is not None else None
    if code is None:
        code = _rewrite(source)
        if code is None:
            return None
        if path is not None:
            _store(path, marshal.dumps(code))
    _memory[key] = code
    return code


def _load(path: Path) -> types.CodeType | None:
    """A cached code object; None when missing or damaged (it is then made again)."""
    try:
        code = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, types.CodeType) else None


def _rewrite(source: bytes) -> types.CodeType | None:
    """pytest's own rewrite (``_pytest.assertion.rewrite``), minus reading the file.

    The source is compiled, never run. A private module of pytest: if it moves, nothing is
    shipped and pytest rewrites in the sandbox as before.
    """
    try:
        from _pytest.assertion.rewrite import rewrite_asserts

        tree = ast.parse(source, filename=PLACEHOLDER_ROOT)
        rewrite_asserts(tree, source, PLACEHOLDER_ROOT, None)
        return compile(tree, PLACEHOLDER_ROOT, "exec", dont_inherit=True)
    except Exception:  # a suite pytest cannot rewrite fails in the sandbox, where it shows
        return None


def _relocated(code: types.CodeType, filename: str) -> types.CodeType:
    """``code`` and every function or class body in it, as if compiled from ``filename``."""
    consts = tuple(
        _relocated(const, filename) if isinstance(const, types.CodeType) else const
        for const in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


def _store(path: Path, data: bytes) -> None:
    """Write whole or not at all; a cache that cannot be written only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
