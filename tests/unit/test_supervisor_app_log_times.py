"""The supervisor's app log says when each part was read, in a file the host can trust."""

from __future__ import annotations

import os
import time
from pathlib import Path

from grader.sandbox.app_log_times import TIMES_FILE, read_app_log_times
from grader.sandbox.supervisor import CappedLog


def _drain(tmp_path: Path, writes: list[tuple[bytes, float]], cap: int = 1 << 20) -> CappedLog:
    """Feed ``writes`` (bytes, then a pause) through a real pipe, as a child's output is."""
    read_end, write_end = os.pipe()
    with open(read_end, "rb") as output:
        log = CappedLog(output, tmp_path / "app.log", cap)
        with open(write_end, "wb", buffering=0) as child:
            for data, pause in writes:
                child.write(data)
                time.sleep(pause)
        log.finish(5.0)
    return log


def _times(tmp_path: Path) -> list[list[str]]:
    return [line.split(" ") for line in (tmp_path / TIMES_FILE).read_text().splitlines()]


def test_each_read_is_timed_with_its_offset_and_length(tmp_path: Path):
    before = time.monotonic()
    _drain(tmp_path, [(b"first\n", 0.05), (b"second\n", 0.05)])
    after = time.monotonic()
    records = _times(tmp_path)
    assert [(r[2], r[3]) for r in records] == [("0", "6"), ("6", "7")]
    first, second = (float(r[0]) for r in records)
    assert before <= first < second <= after and second - first >= 0.04


def test_the_host_cuts_the_kept_log_by_those_times(tmp_path: Path):
    _drain(tmp_path, [(b"startup\n", 0.05), (b"Traceback\nValueError: x\n", 0.0)])
    chunks = read_app_log_times(
        (tmp_path / "app.log").read_bytes(), (tmp_path / TIMES_FILE).read_bytes()
    )
    assert [c.text for c in chunks] == ["startup\n", "Traceback\nValueError: x\n"]


def test_only_kept_bytes_are_timed(tmp_path: Path):
    log = _drain(tmp_path, [(b"0123456789", 0.05), (b"abcdef", 0.05), (b"dropped", 0.0)], cap=12)
    assert [(r[2], r[3]) for r in _times(tmp_path)] == [("0", "10"), ("10", "2")]
    assert log.dropped == 4 + 7


def test_reads_close_together_share_one_record(tmp_path: Path):
    CappedLog.COALESCE_S, saved = 10.0, CappedLog.COALESCE_S
    try:
        _drain(tmp_path, [(b"a", 0.01), (b"bc", 0.01), (b"def", 0.0)])
    finally:
        CappedLog.COALESCE_S = saved
    ((first, last, offset, length),) = _times(tmp_path)
    assert (offset, length) == ("0", "6") and float(first) < float(last)


def test_records_stop_at_their_cap_and_the_rest_is_left_untimed(tmp_path: Path):
    CappedLog.MAX_TIMES, saved = 2, CappedLog.MAX_TIMES
    try:
        _drain(tmp_path, [(b"a", 0.02), (b"b", 0.02), (b"c", 0.02)])
    finally:
        CappedLog.MAX_TIMES = saved
    assert [(r[2], r[3]) for r in _times(tmp_path)] == [("0", "1"), ("1", "1")]
    assert (tmp_path / "app.log").read_bytes() == b"abc"
