"""Read the supervisor's ``app.log.times``: the app log cut into runs, each with its read time.

The supervisor writes one record per run of the log it kept (see ``CappedLog``). Nothing read
back is trusted: a file that is malformed in any way, out of order or over its cap gives no
runs at all, so that no text is ever attributed to the wrong time; text past the last record
has no time and is left out.
"""

from __future__ import annotations

import math

from grader.sandbox import AppLogChunk
from grader.sandbox.supervisor import CappedLog

TIMES_FILE = "app.log" + CappedLog.TIMES_SUFFIX
MAX_TIMES_BYTES = CappedLog.MAX_TIMES * 80  # a record's line is about 40 bytes


def read_app_log_times(log: bytes, times: bytes) -> tuple[AppLogChunk, ...]:
    """Cut ``log`` (the kept app log, as read back) by ``times``; () when they cannot be trusted.

    Records whose bytes lie past the end of ``log`` (the host read less than was kept) are
    cut at its end or left out. Cuts fall on UTF-8 character starts, so a character split
    between two reads is shown whole, with the later run.
    """
    records = _parse(times)
    if records is None:
        return ()
    chunks = []
    for first, last, offset, length in records:
        start = _char_start(log, min(offset, len(log)))
        end = _char_start(log, min(offset + length, len(log)))
        if end > start:
            chunks.append(AppLogChunk(first, last, log[start:end].decode("utf-8", "replace")))
    return tuple(chunks)


def _parse(times: bytes) -> list[tuple[float, float, int, int]] | None:
    """The records in order, or None if any line is malformed or the records disagree."""
    if len(times) > MAX_TIMES_BYTES:
        return None
    try:
        lines = times.decode("ascii").splitlines()
    except UnicodeDecodeError:
        return None
    if len(lines) > CappedLog.MAX_TIMES:
        return None
    records: list[tuple[float, float, int, int]] = []
    for line in lines:
        fields = line.split(" ")
        if len(fields) != 4 or not (fields[2].isdigit() and fields[3].isdigit()):
            return None
        try:
            first, last = float(fields[0]), float(fields[1])
        except ValueError:
            return None
        offset, length = int(fields[2]), int(fields[3])
        if not (math.isfinite(first) and math.isfinite(last) and first <= last and length > 0):
            return None
        if records:
            _, previous_last, previous_offset, previous_length = records[-1]
            if first < previous_last or offset < previous_offset + previous_length:
                return None
        records.append((first, last, offset, length))
    return records


def _char_start(data: bytes, at: int) -> int:
    """``at``, moved back over UTF-8 continuation bytes (at most three) to a character start."""
    for _ in range(3):
        if 0 < at < len(data) and data[at] & 0xC0 == 0x80:
            at -= 1
    return at
