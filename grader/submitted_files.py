"""The submitted files a result keeps for the interviewer's code view, bounded whatever they hold.

A submission may hold thousands of files, megabyte lines, NUL bytes or bytes that are not UTF-8:
the result keeps at most ``MAX_FILES`` entries and ``TOTAL_CHARS`` of text, each file cut to
``FILE_LINES`` lines of ``LINE_CHARS`` characters, and says in words what it left out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from grader.results import SubmittedFile

MAX_FILES = 200
FILE_BYTES = 64 * 1024  # read per file: a longer one is shown from its start
FILE_LINES = 2000
LINE_CHARS = 1000
TOTAL_CHARS = 256 * 1024  # of text kept across all files
BINARY_SNIFF_BYTES = 8192


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} bytes"


def cap_text(text: str, *, max_chars: int | None = None) -> tuple[str, list[str]]:
    """Cut ``text`` to the line caps (and to ``max_chars``); return it and what was cut, in words.

    Lines are split on "\\n" only, as Python's tracebacks count them after "\\r\\n" is read as
    one break: line N of the result is line N of the file.
    """
    notes: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > FILE_LINES:
        notes.append(f"first {FILE_LINES} of {len(lines)} lines")
        lines = lines[:FILE_LINES]
    long_lines = sum(len(line) > LINE_CHARS for line in lines)
    if long_lines:
        lines = [line[:LINE_CHARS] + " …" if len(line) > LINE_CHARS else line for line in lines]
        noun = "line" if long_lines == 1 else "lines"
        notes.append(f"{long_lines} {noun} longer than {LINE_CHARS} characters cut")
    if max_chars is not None and sum(len(line) + 1 for line in lines) > max_chars:
        kept, used = [], 0
        for line in lines:
            if used + len(line) + 1 > max_chars:
                break
            kept.append(line)
            used += len(line) + 1
        notes.append(f"first {len(kept)} lines: the report's {_size(TOTAL_CHARS)} of code is spent")
        lines = kept
    return "\n".join(lines) + ("\n" if lines else ""), notes


def _read_start(path: Path) -> tuple[bytes, int]:
    """Read up to FILE_BYTES of a regular file (never through a link); return them and its size."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        return handle.read(FILE_BYTES), size


def read_file(
    root: Path, rel: str, budget: int, redact: Callable[[str], str] = str
) -> SubmittedFile:
    """Describe one submitted file, its text cut to the caps and to ``budget`` characters."""
    try:
        data, size = _read_start(root / rel)
    except OSError as exc:
        return SubmittedFile(rel, 0, "", cut=f"not readable ({exc.strerror or exc})")
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return SubmittedFile(rel, size, "", binary=True, cut="binary file: not shown")
    notes = []
    if size > len(data):
        notes.append(f"first {_size(len(data))} of {_size(size)}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut may fall inside a character: only an error before the last 3 bytes is real.
        if size > len(data) and exc.start >= len(data) - 3:
            text = data[: exc.start].decode("utf-8", errors="replace")
        else:
            text = data.decode("utf-8", errors="replace")
            notes.append("not valid UTF-8: undecodable bytes shown as �")
    if budget <= 0:
        return SubmittedFile(
            rel, size, "", cut=f"not shown: the report's {_size(TOTAL_CHARS)} of code is spent"
        )
    text, cut = cap_text(redact(text), max_chars=budget)
    return SubmittedFile(rel, size, text, cut="; ".join(notes + cut))


def read_submitted_files(
    root: Path, paths: Sequence[str], redact: Callable[[str], str] = str
) -> tuple[tuple[SubmittedFile, ...], str]:
    """Read the submission's files for the code view; return them and what was left out."""
    files = []
    budget = TOTAL_CHARS
    for rel in paths[:MAX_FILES]:
        item = read_file(root, rel, budget, redact)
        budget -= len(item.text)
        files.append(item)
    left_out = len(paths) - len(files)
    cut = f"{left_out} more files not listed: the report keeps {MAX_FILES}" if left_out > 0 else ""
    return tuple(files), cut
