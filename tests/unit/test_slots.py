"""Several of one candidate's challenges in one sandbox (issue 16): the plan, the payload and a
real bare run of two slots side by side (the container's proof is in tests/integration)."""

from __future__ import annotations

import io
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from grader.grading import run_limits
from grader.pipeline import grade_path, grade_paths
from grader.sandbox import SandboxJob, many_wall_s
from grader.sandbox.bare import BareSandbox
from grader.sandbox.docker import PROCESS_MARGIN, PROCESS_MARGIN_PER_SLOT, container_limits
from grader.sandbox.payload import build_payload, output_names, read_slot_outputs

SUBMISSIONS = Path(__file__).parents[1] / "fixtures" / "submissions"


def _job(probe_challenge, settings, tmp_path: Path, **limits) -> SandboxJob:
    return SandboxJob(
        submission_dir=probe_challenge.solution_dir,
        tests_dir=probe_challenge.tests_dir,
        entry="app:app",
        app_env={},
        default_skill="serving",
        limits=replace(run_limits(settings, probe_challenge), **limits),
    )


def test_the_bound_of_several_jobs_is_what_in_order_lanes_can_take(
    probe_challenge, settings, tmp_path
):
    jobs = [
        _job(probe_challenge, settings, tmp_path, deadline_s=seconds) for seconds in (10, 20, 30)
    ]
    assert many_wall_s(jobs, 1) == pytest.approx(60)  # one after another
    assert many_wall_s(jobs, 2) == pytest.approx(45)  # the last starts by 15 s at the latest
    assert many_wall_s(jobs, 3) == pytest.approx(40)


def test_a_container_of_several_holds_the_largest_concurrency_times(
    probe_challenge, settings, tmp_path
):
    small = _job(probe_challenge, settings, tmp_path, memory_mb=256, pids=64, cpus=1.0)
    large = _job(probe_challenge, settings, tmp_path, memory_mb=512, pids=32, cpus=2.0)
    assert container_limits([small], 1, cpus=2.0) == small.limits  # alone: its own
    both = container_limits([small, large, small], 2, cpus=2.0)
    assert both.memory_mb == 1024
    assert both.pids == 64 * 2 + PROCESS_MARGIN + 3 * PROCESS_MARGIN_PER_SLOT
    assert both.cpus == 2.0  # never more than the engine has


def test_the_payload_keeps_slot_0_where_a_single_grading_had_it(
    probe_challenge, settings, tmp_path
):
    jobs = [_job(probe_challenge, settings, tmp_path) for _ in range(3)]
    payload = build_payload(jobs, tests_path=lambda i: f"/t/{i}", concurrency=2)
    with tarfile.open(fileobj=io.BytesIO(payload)) as tar:
        names = tar.getnames()
        plan = tar.extractfile("run.json").read()
    assert b'"slots": 3' in plan and b'"concurrency": 2' in plan
    assert {"job.json", "submission/app.py", "1/job.json", "2/submission/app.py"} <= set(names)
    assert names[-1] == "go"  # the last entry: everything before it is in place
    assert output_names(2) >= {"supervisor.json", "1/supervisor.json", "1/results/pytest.json"}


def test_outputs_are_read_per_slot_and_never_across(probe_challenge, settings, tmp_path):
    from grader.sandbox import SandboxRun

    jobs = [_job(probe_challenge, settings, tmp_path) for _ in range(2)]
    runs = [SandboxRun(), SandboxRun()]
    files = {"app.log": b"slot zero", "1/app.log": b"slot one", "1/supervisor.json": b"{}"}
    read_slot_outputs(files, jobs, runs)
    assert (runs[0].app_log, runs[1].app_log) == ("slot zero", "slot one")
    assert runs[0].supervisor is None and runs[1].supervisor == {}


def test_two_slots_side_by_side_each_get_their_result_alone(probe_challenge, settings):
    """A bare run of two slots at once (same supervisor, fork servers and scheduler as in the
    container): the app that exits at import is its slot's failure only. (Bare runs are the
    author's own processes: no escape probe runs here.)"""
    sandbox = BareSandbox()
    paths = [SUBMISSIONS / "exits_at_import", probe_challenge.solution_dir]
    try:
        together = grade_paths(
            [(probe_challenge, path) for path in paths],
            sandbox=sandbox,
            settings=settings,
            concurrency=2,
        )
        alone = [
            grade_path(challenge=probe_challenge, path=path, sandbox=sandbox, settings=settings)
            for path in paths
        ]
    finally:
        sandbox.close()
    for shared, single in zip(together, alone, strict=True):
        assert (shared.status, shared.score) == (single.status, single.score), shared.reason
        assert shared.reason == single.reason
    assert together[0].status == "app_failed" and "exited with code 3" in together[0].reason
    assert together[1].status == "graded"
