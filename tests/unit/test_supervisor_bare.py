"""The supervisor's own logic, run bare on the host (no Docker): statuses, caps, cleanup."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.pipeline import grade_path
from grader.sandbox.bare import BareSandbox

SUBMISSIONS = Path(__file__).parents[1] / "fixtures" / "submissions"


@pytest.fixture(scope="module")
def bare():
    return BareSandbox()


def test_app_output_is_capped_and_marked_truncated(probe_challenge, bare, settings):
    result = grade_path(
        challenge=probe_challenge,
        path=SUBMISSIONS / "floods_output",
        sandbox=bare,
        settings=settings,
    )
    assert result.status == "graded"
    assert result.app_log_truncated
    assert len(result.app_log.encode()) <= settings.log_cap_bytes


def test_import_time_exit_is_app_failed_with_its_code(probe_challenge, bare, settings):
    result = grade_path(
        challenge=probe_challenge,
        path=SUBMISSIONS / "exits_at_import",
        sandbox=bare,
        settings=settings,
    )
    assert result.status == "app_failed"
    assert "exited with code 3" in result.reason
    assert "giving up before serving" in result.app_log


def test_rejected_submission_becomes_a_rejected_result(probe_challenge, bare, settings, tmp_path):
    archive = tmp_path / "empty.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # a valid but empty zip
    result = grade_path(challenge=probe_challenge, path=archive, sandbox=bare, settings=settings)
    assert result.status == "rejected"
    assert result.reason
