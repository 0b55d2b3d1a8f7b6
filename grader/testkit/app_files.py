"""Read-only snapshots of the files the candidate's app wrote in its own folder, for hidden tests.

The suite cannot read the app's folder (another user owns it); the supervisor copies a file on
request, as the app's own user, without following any symlink, capped in size and time (see
``AppFileServer`` in ``grader/sandbox/supervisor.py``). Each call takes a fresh snapshot: what
the app has written by then. Nothing here imports or runs the candidate's code; a SQLite
snapshot is the candidate's data, opened read-only and with a bounded query time.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, BinaryIO

SQLITE_HEADER = b"SQLite format 3\x00"
MAX_ANSWER_HEADER_BYTES = 64 << 10
MAX_FILE_BYTES = 64 << 20  # the supervisor's cap is lower; this only bounds a broken answer
SOCKET_MARGIN_S = 5.0  # beyond the copy's own limit, which the supervisor enforces


class AppFileError(AssertionError):
    """A file of the app could not be read as asked; an AssertionError so that the test fails
    with this message ("app file instance/x.sqlite: is a symlink; not followed")."""


@dataclass(frozen=True)
class _Answer:
    """The supervisor's answer for one path: its kind, its bytes if read, or why not."""

    path: str
    kind: str
    data: bytes = b""
    error: str | None = None


class AppFiles:
    """Snapshots of the app's files, taken when asked: bytes, text, existence, SQLite.

    Paths are relative to the app's folder (the submission's root, Flask's working directory),
    with ``/`` between components: ``"instance/flaskr.sqlite"``. Any problem raises
    ``AppFileError`` with a message naming the path: missing, a symlink (never followed, at
    any component), ``..`` or an absolute path, not a regular file (a FIFO never hangs the
    test), over the size cap, or a copy that took too long.
    """

    def __init__(
        self,
        socket_path: Path,
        snapshot_dir: Path,
        *,
        copy_timeout_s: float,
        query_timeout_s: float,
    ) -> None:
        """``snapshot_dir``: a private folder of the suite's user for SQLite snapshots;
        ``copy_timeout_s``: the most one copy may take; ``query_timeout_s``: the most a
        connection may spend in queries after it is opened (the test's own timeout)."""
        self.socket_path = Path(socket_path)
        self.snapshot_dir = Path(snapshot_dir)
        self.copy_timeout_s = copy_timeout_s
        self.query_timeout_s = query_timeout_s
        self._connections: list[sqlite3.Connection] = []
        self._snapshots = 0

    def __repr__(self) -> str:
        return f"<AppFiles via {self.socket_path}>"

    def read_bytes(self, path: str | PurePath) -> bytes:
        """Return the file's bytes as they are now."""
        (answer,) = self._request("read", [_text(path)])
        _raise_unless_file(answer)
        return answer.data

    def read_text(self, path: str | PurePath, encoding: str = "utf-8") -> str:
        """Return the file's text as it is now; bytes that do not decode fail the test."""
        data = self.read_bytes(path)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as e:
            raise AppFileError(f"app file {_text(path)}: is not {encoding} text ({e})") from e

    def exists(self, path: str | PurePath) -> bool:
        """Tell whether a file or folder is at ``path`` now (reached without any symlink).

        A symlink, a FIFO or any other special file there is not an answer of "no": it fails
        the test, as every other call does.
        """
        (answer,) = self._request("stat", [_text(path)])
        if answer.kind == "missing":
            return False
        if answer.error is not None:
            raise AppFileError(answer.error)
        return True

    def sqlite(self, path: str | PurePath) -> sqlite3.Connection:
        """Return a read-only connection to a snapshot of the SQLite database at ``path``.

        The database's ``-wal`` file is copied with it, when there is one, so that what was
        committed in WAL mode is there too. Writes raise ``sqlite3.OperationalError``; queries
        are interrupted once the test's time is up (the data is the candidate's: a view can
        loop forever). The connection is closed at the end of the test.
        """
        name = _text(path)
        database, wal = self._request("read", [name, f"{name}-wal"])
        _raise_unless_file(database)
        if database.data and not database.data.startswith(SQLITE_HEADER):
            raise AppFileError(f"app file {name}: is not a SQLite database")
        self._snapshots += 1
        folder = self.snapshot_dir / f"snapshot-{self._snapshots}"
        folder.mkdir(mode=0o700)
        target = folder / (PurePath(name).name or "database")
        target.write_bytes(database.data)
        if wal.kind == "file":
            target.with_name(f"{target.name}-wal").write_bytes(wal.data)
        elif wal.kind != "missing" and wal.error is not None:
            raise AppFileError(wal.error)  # a symlinked or special -wal: refused, not skipped
        connection = sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True)
        self._connections.append(connection)
        connection.execute("PRAGMA trusted_schema = OFF")
        connection.execute("PRAGMA query_only = ON")
        deadline = time.monotonic() + self.query_timeout_s
        connection.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        return connection

    def close(self) -> None:
        """Close every connection handed out and delete the snapshots."""
        for connection in self._connections:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
        self._connections.clear()
        shutil.rmtree(self.snapshot_dir, ignore_errors=True)

    def _request(self, op: str, paths: list[str]) -> list[_Answer]:
        """Ask the supervisor; return one answer per path, or raise AppFileError."""
        request = {"op": op, "paths": paths, "timeout_s": self.copy_timeout_s}
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as channel:
                channel.settimeout(self.copy_timeout_s + SOCKET_MARGIN_S)
                channel.connect(str(self.socket_path))
                channel.sendall(json.dumps(request).encode() + b"\n")
                with channel.makefile("rb") as reader:
                    document = _answer_header(reader.readline(MAX_ANSWER_HEADER_BYTES + 1))
                    read = op == "read"
                    answers = [_read_answer(reader, entry, read) for entry in document["files"]]
        except OSError as e:
            raise AppFileError(
                f"app file {', '.join(paths)}: the grader's copy service is unavailable ({e})"
            ) from e
        if len(answers) != len(paths):
            raise AppFileError(f"app file {', '.join(paths)}: malformed answer from the grader")
        return answers


def _text(path: str | PurePath) -> str:
    if isinstance(path, PurePath):
        return path.as_posix()
    if not isinstance(path, str):
        raise TypeError(f"an app file's path is a str or a PurePath, not {type(path).__name__}")
    return path


def _answer_header(line: bytes) -> dict[str, Any]:
    """The answer's first line: the files' headers, or one error for the whole request."""
    try:
        document = json.loads(line)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        raise AppFileError("malformed answer from the grader's copy service")
    if "error" in document:
        raise AppFileError(str(document["error"]))
    if not isinstance(document.get("files"), list):
        raise AppFileError("malformed answer from the grader's copy service")
    return document


def _read_answer(reader: BinaryIO, entry: object, read: bool) -> _Answer:
    """One file's answer; a read file's bytes follow the header line, in order."""
    if not isinstance(entry, dict):
        raise AppFileError("malformed answer from the grader's copy service")
    path, kind, error = str(entry.get("path")), str(entry.get("kind")), entry.get("error")
    size = entry.get("size")
    data = b""
    if read and kind == "file" and error is None and isinstance(size, int) and size >= 0:
        if size > MAX_FILE_BYTES:
            raise AppFileError(f"app file {path}: malformed answer from the grader")
        data = reader.read(size) if size else b""
        if len(data) != size:
            raise AppFileError(f"app file {path}: the copy was cut short")
    return _Answer(path, kind, data, None if error is None else str(error))


def _raise_unless_file(answer: _Answer) -> None:
    if answer.error is not None:
        raise AppFileError(answer.error)
    if answer.kind != "file":
        raise AppFileError(f"app file {answer.path}: is not a regular file")
