"""Grading off the request thread: the worker pool, execute_run, and recovery after a restart."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from flask import Flask

from grader.config import PROJECT_ROOT, Settings
from grader.errors import SandboxUnavailable
from grader.sandbox import SandboxJob, SandboxRun
from grader.web.db import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    ChallengeVersion,
    Invite,
    Run,
    Submission,
    db,
)
from grader.web.jobs import LocalWorkerPool, execute_run, execute_validation

from .conftest import BANK, build_world, make_app, make_settings, zip_folder
from .test_candidate import upload


class BrokenSandbox:
    """A sandbox whose engine fails every run (what a dying Docker daemon looks like)."""

    def __init__(self) -> None:
        self.jobs: list[SandboxJob] = []

    def run(self, job: SandboxJob) -> SandboxRun:
        self.jobs.append(job)
        return SandboxRun(error="the engine went away")

    def run_many(self, jobs, concurrency: int) -> list[SandboxRun]:
        return [self.run(job) for job in jobs]

    def reap(self) -> int:
        return 0

    def close(self) -> None:
        pass


FIXTURES = PROJECT_ROOT / "tests" / "fixtures"


def _unavailable() -> BrokenSandbox:
    raise SandboxUnavailable("cannot reach Docker: start the engine")


def _queued_run(app: Flask, state: str = QUEUED) -> str:
    """Add a run of Alice's world submission in ``state``; return its id."""
    with app.app_context():
        first = db.session.scalars(db.select(Run).order_by(Run.id)).first()
        run = Run(submission=first.submission, version=first.version, state=state)
        db.session.add(run)
        db.session.commit()
        return run.public_id


def _run(app: Flask, public_id: str) -> Run:
    return db.session.scalar(db.select(Run).filter_by(public_id=public_id))


def test_execute_run_records_a_sandbox_failure_as_the_result(settings_web: Settings) -> None:
    sandbox = BrokenSandbox()
    app = make_app(settings_web, SANDBOX_FACTORY=lambda: sandbox)
    build_world(app)
    run_id = _queued_run(app)
    with app.app_context():
        execute_run(run_id)
        run = _run(app, run_id)
        assert run.state == DONE and run.result_status == "sandbox_error"
        assert run.score == 0 and "engine went away" in run.reason
        out = settings_web.data_dir / run.result_dir
        assert {"result.json", "report.html", "candidate.html"} <= {p.name for p in out.iterdir()}
    assert len(sandbox.jobs) == 1
    assert sandbox.jobs[0].tests_dir.is_relative_to(settings_web.data_dir / "challenges")


def test_execute_run_marks_failure_and_keeps_the_submission(settings_web: Settings) -> None:
    app = make_app(settings_web, SANDBOX_FACTORY=_unavailable)
    build_world(app)
    run_id = _queued_run(app)
    with app.app_context():
        execute_run(run_id)
        run = _run(app, run_id)
        assert run.state == FAILED
        assert "cannot reach Docker" in run.reason
        assert (settings_web.data_dir / run.submission.stored_path).is_file()


def test_a_run_is_executed_once_however_often_it_is_delivered(settings_web: Settings) -> None:
    sandbox = BrokenSandbox()
    app = make_app(settings_web, SANDBOX_FACTORY=lambda: sandbox)
    build_world(app)
    run_id = _queued_run(app)
    with app.app_context():
        execute_run(run_id)
        execute_run(run_id)
    assert len(sandbox.jobs) == 1


def test_restart_requeues_queued_and_running_runs(settings_web: Settings) -> None:
    first = make_app(settings_web)
    build_world(first)
    queued, running = _queued_run(first, QUEUED), _queued_run(first, RUNNING)
    delivered: list[str] = []
    all_done = threading.Event()

    def record(run_id: str) -> None:
        delivered.append(run_id)
        if len(delivered) == 2:
            all_done.set()

    # The server restarts on the same data folder, with the embedded pool.
    second = make_app(
        settings_web,
        GRADING_QUEUE_FACTORY=lambda app: LocalWorkerPool(app, workers=1, run_job=record),
    )
    assert all_done.wait(10)
    second.extensions["grader"].queue.stop()
    assert sorted(delivered) == sorted([queued, running])
    with second.app_context():
        assert _run(second, running).state == QUEUED  # claimable again by execute_run


def test_restart_finishes_what_was_left_unfinished(settings_web: Settings) -> None:
    first = make_app(settings_web)
    build_world(first)
    left = [_queued_run(first, QUEUED), _queued_run(first, RUNNING)]
    sandbox = BrokenSandbox()
    second = make_app(
        settings_web,
        SANDBOX_FACTORY=lambda: sandbox,
        GRADING_QUEUE_FACTORY=lambda app: LocalWorkerPool(app, workers=2),
    )
    pool = second.extensions["grader"].queue
    pool.join()
    pool.stop()
    with second.app_context():
        assert [_run(second, r).state for r in left] == [DONE, DONE]


def test_validation_failure_is_recorded_and_blocks_publishing(settings_web: Settings) -> None:
    app = make_app(settings_web, SANDBOX_FACTORY=BrokenSandbox)
    with app.app_context():
        version = db.session.scalars(db.select(ChallengeVersion)).first()
        version.validation_state = QUEUED
        db.session.commit()
        execute_validation(version.public_id)
        db.session.refresh(version)
        assert version.validation_state == FAILED
        assert "reference scores 100" in version.validation_reason
        assert '"ok": false' in version.checks_json
        assert not version.publishable


@pytest.mark.slow
def test_upload_is_graded_by_the_pool_off_the_request_thread(
    settings_web: Settings, tmp_path: Path
) -> None:
    """A real grading, end to end through the pool (bare sandbox: no Docker needed here)."""
    from grader.sandbox.bare import BareSandbox

    app = make_app(
        settings_web,
        SANDBOX_FACTORY=BareSandbox,
        GRADING_QUEUE_FACTORY=lambda app: LocalWorkerPool(app, workers=1),
    )
    world = build_world(app)
    client = app.test_client()
    sample = BANK / "routing" / "samples" / "strong_but_imperfect"
    response = upload(client, world.token_b, [(zip_folder(sample), "strong.zip")])
    assert response.status_code == 302  # answered before grading finished
    pool = app.extensions["grader"].queue
    pool.join()
    pool.stop()
    status = client.get(response.headers["Location"] + "/status").get_json()
    assert status["state"] == "done" and status["label"] == "graded"
    assert 80 <= status["score"] <= 98
    feedback = client.get(response.headers["Location"] + "/feedback")
    assert feedback.status_code == 200
    with app.app_context():
        invite = db.session.scalars(db.select(Invite).order_by(Invite.id.desc())).first()
        latest: Submission = invite.submissions[-1]
        assert latest.latest_run.result_dir


class OrphanedSandbox(BrokenSandbox):
    """A sandbox with an orphaned container waiting for the reaper."""

    def __init__(self) -> None:
        super().__init__()
        self.reaped = threading.Event()

    def reap(self) -> int:
        self.reaped.set()
        return 1


def test_pool_reaps_orphans_on_a_schedule(settings_web: Settings, monkeypatch) -> None:
    monkeypatch.setattr("grader.web.jobs.REAP_INTERVAL_S", 0.05)
    sandbox = OrphanedSandbox()
    app = make_app(
        settings_web,
        SANDBOX_FACTORY=lambda: sandbox,
        GRADING_QUEUE_FACTORY=lambda app: LocalWorkerPool(app, workers=1),
    )
    pool = app.extensions["grader"].queue
    try:
        app.extensions["grader"].sandbox.get()  # a first job opened the sandbox
        assert sandbox.reaped.wait(5), "the pool never reaped"
    finally:
        pool.stop()


def test_validation_of_a_challenge_grades_mutants_of_its_reference(tmp_path: Path) -> None:
    """The web app's validation runs mutation testing too (a small sample here, bare)."""
    from grader.sandbox.bare import BareSandbox

    bank = tmp_path / "bank"
    shutil.copytree(FIXTURES / "challenges" / "mutation-probe", bank / "mutation-probe")
    settings = make_settings(tmp_path / "data", bank, mutants_max=4)
    app = make_app(settings, SANDBOX_FACTORY=BareSandbox)
    with app.app_context():
        version = db.session.scalars(db.select(ChallengeVersion)).one()
        version.validation_state = QUEUED
        db.session.commit()
        execute_validation(version.public_id)
        db.session.refresh(version)
        checks = {c["name"]: c for c in json.loads(version.checks_json)}
    mutation = checks["suite kills >= 90% of mutants of the reference"]
    assert "(a sample of 4 of " in mutation["detail"]


class RecordingSandbox:
    """The real bare sandbox, remembering how the runs reached it (alone or together)."""

    def __init__(self) -> None:
        from grader.sandbox.bare import BareSandbox

        self.inner = BareSandbox()
        self.calls: list[int] = []  # the number of jobs of each call

    def run(self, job: SandboxJob) -> SandboxRun:
        self.calls.append(1)
        return self.inner.run(job)

    def run_many(self, jobs, concurrency: int) -> list[SandboxRun]:
        self.calls.append(len(jobs))
        return self.inner.run_many(jobs, concurrency)

    def reap(self) -> int:
        return 0

    def close(self) -> None:
        self.inner.close()


def test_a_candidates_waiting_runs_are_graded_together_and_no_one_elses(
    settings_web: Settings,
) -> None:
    """Issue 16: one sandbox per candidate's waiting runs; each run still gets its own result,
    and a later delivery of a run graded with another finds it done."""
    from .conftest import _graded_submission

    sandbox = RecordingSandbox()
    app = make_app(settings_web, SANDBOX_FACTORY=lambda: sandbox)
    world = build_world(app)
    with app.app_context():
        alice = db.session.scalar(db.select(Invite).filter_by(public_id=world.invite_a))
        bob = db.session.scalar(db.select(Invite).filter_by(public_id=world.invite_b))
        basics = alice.assessment.items[1].challenge
        _graded_submission(app, alice, basics, 0.0)
        db.session.commit()
        alices = db.session.scalars(
            db.select(Run).join(Submission).where(Submission.invite_id == alice.id)
        ).all()
        bobs = db.session.scalars(
            db.select(Run).join(Submission).where(Submission.invite_id == bob.id)
        ).all()
        for run in [*alices, *bobs]:
            run.state, run.result_status, run.score = QUEUED, "", None
        db.session.commit()
        alice_ids = [run.public_id for run in alices]
        bob_ids = [run.public_id for run in bobs]
    assert len(alice_ids) == 2
    try:
        with app.app_context():
            execute_run(alice_ids[0])
            assert sandbox.calls == [2]  # both of Alice's, in one sandbox
            for run_id in alice_ids:
                run = _run(app, run_id)
                assert run.state == DONE and run.result_status == "app_failed", run.reason
                assert json.loads(run.result_json)["candidate"] == "Alice Candidate"
            assert [_run(app, run_id).state for run_id in bob_ids] == [QUEUED]
            assert execute_run(alice_ids[1]).name == "FINISHED"  # its own delivery: done
            assert sandbox.calls == [2]
    finally:
        sandbox.close()
