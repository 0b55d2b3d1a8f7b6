"""Spares: made after a run for its limits, handed to the next run once, never leaked."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from grader.sandbox import RunLimits
from grader.sandbox.spares import Spares

LIMITS = RunLimits(
    deadline_s=60.0,
    app_start_timeout_s=5.0,
    setup_timeout_s=30.0,
    test_timeout_s=5.0,
    memory_mb=512,
    cpus=2.0,
    pids=128,
    tmpfs_mb=64,
    log_cap_bytes=1 << 16,
    output_cap_bytes=1 << 20,
)
OTHER = replace(LIMITS, deadline_s=30.0)


class Maker:
    """Records what was made and discarded; ``gate`` holds making until set."""

    def __init__(self) -> None:
        self.made: list[int] = []
        self.discarded: list[int] = []
        self.alive = True
        self.fail = False
        self.gate = threading.Event()
        self.gate.set()

    def make(self, limits: RunLimits) -> int:
        self.gate.wait(5)
        if self.fail:
            raise RuntimeError("the engine went away")
        self.made.append(len(self.made))
        return self.made[-1]

    def spares(self, **options) -> Spares[int]:
        return Spares(self.make, self.discarded.append, lambda _: self.alive, **options)


def test_nothing_to_take_before_a_run_and_one_spare_per_limits_after():
    maker = Maker()
    spares = maker.spares()
    assert spares.take(LIMITS) is None
    spares.replenish(LIMITS)
    spares.replenish(LIMITS)  # already one on the way: no second
    assert spares.take(OTHER) is None
    assert spares.take(LIMITS) == 0
    assert spares.take(LIMITS) is None
    spares.close()
    assert maker.made == [0] and maker.discarded == []


def test_take_waits_for_a_spare_still_starting():
    maker = Maker()
    maker.gate.clear()
    spares = maker.spares()
    spares.replenish(LIMITS)
    threading.Timer(0.2, maker.gate.set).start()
    assert spares.take(LIMITS) == 0
    spares.close()


def test_a_dead_or_stale_spare_is_discarded_not_used():
    maker = Maker()
    spares = maker.spares()
    spares.replenish(LIMITS)
    maker.alive = False
    assert spares.take(LIMITS) is None
    assert maker.discarded == [0]
    stale = maker.spares(max_idle_s=0.0)
    maker.alive = True
    stale.replenish(LIMITS)
    assert stale.take(LIMITS) is None
    assert maker.discarded == [0, 1]


def test_a_spare_that_failed_to_start_means_a_cold_run():
    maker = Maker()
    maker.fail = True
    spares = maker.spares()
    spares.replenish(LIMITS)
    assert spares.take(LIMITS) is None
    spares.close()
    assert maker.discarded == []


def test_close_discards_every_spare_and_makes_no_more():
    maker = Maker()
    spares = maker.spares(size=2)
    spares.replenish(LIMITS)
    spares.replenish(OTHER)
    spares.close()
    assert sorted(maker.discarded) == [0, 1]
    spares.replenish(LIMITS)
    assert spares.take(LIMITS) is None
    assert len(maker.made) == 2


def test_at_size_the_oldest_spare_gives_way():
    maker = Maker()
    spares = maker.spares(size=2)
    spares.replenish(LIMITS)
    spares.replenish(LIMITS)
    spares.replenish(OTHER)  # two spares in all already: the oldest for LIMITS goes
    assert spares.take(OTHER) is not None
    assert spares.take(LIMITS) is not None
    assert spares.take(LIMITS) is None
    spares.close()
    assert len(maker.made) == 3 and len(maker.discarded) == 1


def test_interrupted_while_waiting_the_spare_is_still_discarded(monkeypatch):
    maker = Maker()
    maker.gate.clear()
    spares = maker.spares()
    spares.replenish(LIMITS)
    (pending,) = spares._pending
    original = pending.future.result

    def interrupted(*args, **kwargs):
        monkeypatch.setattr(pending.future, "result", original)  # Ctrl-C lands once
        raise KeyboardInterrupt

    monkeypatch.setattr(pending.future, "result", interrupted)
    with pytest.raises(KeyboardInterrupt):
        spares.take(LIMITS)
    maker.gate.set()
    spares.close()
    assert maker.discarded == [0]
