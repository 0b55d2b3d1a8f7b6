"""A Ctrl-C during container creation is held until creation ends, then delivered."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from grader.sandbox.docker import _interrupt_deferred


def test_sigint_inside_the_block_is_raised_after_it():
    reached_the_end = False
    with pytest.raises(KeyboardInterrupt), _interrupt_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        reached_the_end = True
    assert reached_the_end
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_no_signal_means_no_interrupt_and_the_handler_is_restored():
    with _interrupt_deferred():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_worker_threads_run_the_block_untouched():
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with _interrupt_deferred():
                pass
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert errors == []
