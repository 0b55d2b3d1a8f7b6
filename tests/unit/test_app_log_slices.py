"""Cutting the app's log of a visible test's failed request: windows, grace, caps, trust."""

from __future__ import annotations

import pytest

from grader.app_log_slices import CUT_MARK, GRACE_S, request_log, with_app_logs
from grader.results import TestResult
from grader.sandbox import AppLogChunk
from grader.sandbox.app_log_times import MAX_TIMES_BYTES, read_app_log_times

# The app's log around one request served from t=10.0 to t=10.1: a hidden test's request
# before it, the traceback, a line read just after the answer, another test's request after.
CHUNKS = (
    AppLogChunk(9.0, 9.0, "hidden request before\n"),
    AppLogChunk(10.02, 10.03, "Traceback (most recent call last):\n"),
    AppLogChunk(10.05, 10.05, "ValueError: boom\n"),
    AppLogChunk(10.12, 10.12, "read just after the answer\n"),
    AppLogChunk(10.5, 10.5, "hidden request after\n"),
)


def _test(visible: bool, *exchanges: dict) -> TestResult:
    return TestResult(
        id="t.py::test_x",
        description="x",
        skill="routing",
        weight=1.0,
        outcome="failed",
        message="assert 500 == 200",
        duration_s=0.1,
        visible=visible,
        exchanges=exchanges,
    )


def _exchange(status: object = 500, t0: object = 10.0, t1: object = 10.1, **extra) -> dict:
    return {"method": "GET", "url": "/x", "status": status, "t0": t0, "t1": t1, **extra}


def test_only_the_chunks_read_within_the_window_and_its_grace_are_taken():
    assert request_log(CHUNKS, 10.0, 10.1) == (
        "Traceback (most recent call last):\nValueError: boom\nread just after the answer\n"
    )


def test_no_grace_keeps_only_what_was_read_while_the_request_was_served():
    assert request_log(CHUNKS, 10.0, 10.1, grace_s=0) == (
        "Traceback (most recent call last):\nValueError: boom\n"
    )


def test_the_grace_stops_where_the_suites_next_request_or_test_began():
    assert "read just after" not in request_log(CHUNKS, 10.0, 10.1, t_next=10.11)


def test_a_next_request_that_overlapped_never_cuts_before_the_requests_own_end():
    assert "ValueError" in request_log(CHUNKS, 10.0, 10.1, t_next=10.01)


def test_a_chunk_read_partly_outside_the_window_is_left_out():
    straddling = (AppLogChunk(9.99, 10.02, "hidden tail and traceback\n"),)
    assert request_log(straddling, 10.0, 10.1) == ""


def test_a_visible_5xx_exchange_gets_the_log_and_loses_its_times():
    (test,) = with_app_logs([_test(True, _exchange(t_next=10.4))], CHUNKS)
    (exchange,) = test.exchanges
    assert exchange["app_log"] == (
        "Traceback (most recent call last):\nValueError: boom\nread just after the answer"
    )
    assert not {"t0", "t1", "t_next"} & exchange.keys()


def test_a_hidden_test_never_gets_the_log_even_with_times_and_a_forged_key():
    forged = _exchange(app_log="written by the suite")
    (test,) = with_app_logs([_test(False, forged)], CHUNKS)
    assert test.exchanges == ({"method": "GET", "url": "/x", "status": 500},)


@pytest.mark.parametrize("status", [200, 404, 499, 600, None, "500", True])
def test_only_server_errors_get_the_log(status: object):
    (test,) = with_app_logs([_test(True, _exchange(status=status))], CHUNKS)
    assert "app_log" not in test.exchanges[0]


@pytest.mark.parametrize(
    "times",
    [{"t0": None}, {"t1": "10.1"}, {"t0": float("nan")}, {"t1": True}],
)
def test_missing_or_odd_times_give_no_log(times: dict):
    (test,) = with_app_logs([_test(True, {**_exchange(), **times})], CHUNKS)
    assert "app_log" not in test.exchanges[0]


def test_no_timed_log_gives_no_log():
    (test,) = with_app_logs([_test(True, _exchange())], ())
    assert "app_log" not in test.exchanges[0]


def test_the_log_is_redacted_then_cut_to_its_end():
    long = (AppLogChunk(10.01, 10.01, "secret-value " * 50 + "\nValueError: the end\n"),)
    (test,) = with_app_logs(
        [_test(True, _exchange())], long, lambda t: t.replace("secret-value", "<S>"), cap=40
    )
    text = test.exchanges[0]["app_log"]
    assert text.startswith(CUT_MARK) and text.endswith("ValueError: the end")
    assert len(text) == len(CUT_MARK) + 40 and "secret" not in text


def test_grace_is_small_enough_not_to_reach_the_next_test():
    assert 0 < GRACE_S <= 0.1


# -- the supervisor's times file, read back --------------------------------------------------


def _times(*records: tuple[float, float, int, int]) -> bytes:
    return "".join(f"{a:.6f} {b:.6f} {o} {n}\n" for a, b, o, n in records).encode()


def test_the_times_cut_the_log_into_timed_chunks():
    log = b"startup\nTraceback\nend"
    chunks = read_app_log_times(log, _times((1.0, 1.0, 0, 8), (2.0, 2.5, 8, 10), (3.0, 3.0, 18, 3)))
    assert chunks == (
        AppLogChunk(1.0, 1.0, "startup\n"),
        AppLogChunk(2.0, 2.5, "Traceback\n"),
        AppLogChunk(3.0, 3.0, "end"),
    )


def test_no_times_file_gives_nothing():
    assert read_app_log_times(b"some log", b"") == ()


@pytest.mark.parametrize(
    "times",
    [
        b"1.0 1.0 0\n",  # a field missing
        b"1.0 1.0 0 4 extra\n",
        b"one 1.0 0 4\n",
        b"nan nan 0 4\n",
        b"inf inf 0 4\n",
        b"1.0 1.0 -1 4\n",
        b"1.0 1.0 0 0\n",  # an empty record
        b"2.0 1.0 0 4\n",  # ends before it starts
        b"2.0 2.0 0 4\n1.0 1.0 4 4\n",  # time runs backwards
        b"1.0 1.0 0 4\n2.0 2.0 2 4\n",  # records overlap
        b"1.0 1.0 0 4\n\xff\n",
        b"1.0 1.0 0 4\n\n",
    ],
)
def test_a_malformed_times_file_gives_nothing(times: bytes):
    assert read_app_log_times(b"abcdefgh", times) == ()


def test_an_oversized_times_file_gives_nothing():
    line = b"1.0 1.0 0 1\n"
    assert read_app_log_times(b"a", line * (MAX_TIMES_BYTES // len(line) + 1)) == ()


def test_records_past_the_log_read_back_are_cut_or_left_out():
    chunks = read_app_log_times(
        b"abcdef", _times((1.0, 1.0, 0, 4), (2.0, 2.0, 4, 4), (3.0, 3.0, 8, 2))
    )
    assert [c.text for c in chunks] == ["abcd", "ef"]


def test_a_character_split_between_reads_goes_whole_to_the_later_chunk():
    log = "é!".encode()  # b"\xc3\xa9!"
    chunks = read_app_log_times(log, _times((1.0, 1.0, 0, 1), (2.0, 2.0, 1, 2)))
    assert [c.text for c in chunks] == ["é!"]
