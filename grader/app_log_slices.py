"""Cut the app's log of each visible test's failed request, for the candidate to read.

A candidate whose app answers a visible test with a 500 needs the app's own traceback, which
only the app log holds. The supervisor timed each run of that log; the suite timed each
request. Pure: from a run's timed log and a result's tests, to tests whose visible 5xx
exchanges carry ``app_log``. A hidden test's exchanges never do, whatever the suite wrote.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

from grader.results import TestResult
from grader.sandbox import AppLogChunk

# The supervisor reads the log a little after the app writes it: a traceback written as the
# 500 went out is read just after the suite has the answer.
GRACE_S = 0.05
SLICE_CHARS = 4000  # the end of a traceback says what failed and where
CUT_MARK = "[...]\n"
# The suite's times for one exchange (see grader.testkit.plugin.EXCHANGE_TIMES); the result
# keeps none of them: they mean nothing outside the run.
EXCHANGE_TIMES = ("t0", "t1", "t_next")
APP_LOG_KEY = "app_log"


def request_log(
    chunks: Sequence[AppLogChunk],
    t0: float,
    t1: float,
    t_next: float | None = None,
    *,
    grace_s: float = GRACE_S,
) -> str:
    """Return what the app logged while one request was served: the runs of the log read
    between its start and its end plus ``grace_s``, but never once the suite's next request
    or test had begun (``t_next``), since that log may be a hidden test's."""
    end = t1 + grace_s
    if t_next is not None:
        end = min(end, max(t_next, t1))
    return "".join(c.text for c in chunks if t0 <= c.first and c.last <= end)


def with_app_logs(
    tests: Sequence[TestResult],
    chunks: Sequence[AppLogChunk],
    redact: Callable[[str], str] = str,
    *,
    cap: int = SLICE_CHARS,
) -> tuple[TestResult, ...]:
    """Give each visible test's 5xx exchanges the app's log of that request, redacted and cut
    to its last ``cap`` characters; drop the suite's times from every exchange."""
    return tuple(
        dataclasses.replace(
            test,
            exchanges=tuple(
                _exchange(e, test.visible, chunks, redact, cap) for e in test.exchanges
            ),
        )
        for test in tests
    )


def _exchange(
    exchange: dict[str, Any],
    visible: bool,
    chunks: Sequence[AppLogChunk],
    redact: Callable[[str], str],
    cap: int,
) -> dict[str, Any]:
    kept = {k: v for k, v in exchange.items() if k not in (*EXCHANGE_TIMES, APP_LOG_KEY)}
    t0, t1, t_next = (_time(exchange.get(k)) for k in EXCHANGE_TIMES)
    if not (visible and _server_error(exchange.get("status"))) or t0 is None or t1 is None:
        return kept
    text = redact(request_log(chunks, t0, t1, t_next)).strip("\n")
    if text.strip():
        kept[APP_LOG_KEY] = text if len(text) <= cap else CUT_MARK + text[-cap:]
    return kept


def _time(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _server_error(status: Any) -> bool:
    return isinstance(status, int) and not isinstance(status, bool) and 500 <= status <= 599
