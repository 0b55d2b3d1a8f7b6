"""A run's claim: one final result however often its job is delivered, and a run whose worker
died is claimed again once its lease lapses (the mechanics the Celery workers rely on).

In-process, SQLite, a sandbox that fails every run: the queue-level proofs with real workers,
Redis, PostgreSQL and Docker are in test_workers.py.
"""

from __future__ import annotations

import io
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from grader.config import Settings
from grader.web.db import DONE, QUEUED, RUNNING, ChallengeVersion, Run, db, utcnow
from grader.web.jobs import (
    Outcome,
    WorkerUnfit,
    _claim,
    _claim_run,
    _finish,
    _finish_run,
    execute_run,
    execute_validation,
    release_abandoned,
    release_abandoned_runs,
    state,
)
from grader.workers.bundles import BlobFiles, pack_folder, put_blob, sha256_hex, unpack_folder

from .conftest import BANK, build_world, make_app
from .test_grading_queue import BrokenSandbox, _queued_run, _unavailable


@pytest.fixture
def claim_app(settings_web: Settings) -> Flask:
    app = make_app(settings_web, SANDBOX_FACTORY=BrokenSandbox)
    build_world(app)
    return app


def _run(run_id: str) -> Run:
    db.session.expire_all()
    return db.session.scalar(db.select(Run).filter_by(public_id=run_id))


def test_a_run_held_under_a_live_lease_is_busy_and_not_graded_twice(claim_app: Flask) -> None:
    run_id = _queued_run(claim_app)
    with claim_app.app_context():
        assert _claim_run(run_id, 60, "worker-a") is not None
        assert execute_run(run_id) is Outcome.BUSY  # a second delivery: look again later
        assert _run(run_id).attempts == 1


def test_a_run_whose_lease_lapsed_is_claimed_again_and_the_old_claim_cannot_record(
    claim_app: Flask,
) -> None:
    run_id = _queued_run(claim_app)
    with claim_app.app_context():
        dead = _claim_run(run_id, 60, "worker-a")
        assert dead is not None
        _run(run_id).lease_expires_at = utcnow() - timedelta(seconds=1)  # it stopped renewing
        db.session.commit()
        assert execute_run(run_id) is Outcome.RECORDED
        run = _run(run_id)
        assert run.state == DONE and run.attempts == 2 and run.result_json
        # The first worker comes back from the dead with its result: it is fenced off.
        assert not _finish_run(run_id, dead, {"state": DONE, "score": 99.0})
        assert _run(run_id).score == run.score
        assert execute_run(run_id) is Outcome.FINISHED  # and any later delivery does nothing


def test_the_sweeper_gives_back_only_runs_whose_lease_lapsed(claim_app: Flask) -> None:
    live, dead = _queued_run(claim_app), _queued_run(claim_app)
    with claim_app.app_context():
        _claim_run(live, 60, "worker-a")
        _claim_run(dead, 60, "worker-b")
        _run(dead).lease_expires_at = utcnow() - timedelta(seconds=120)
        db.session.commit()
        assert release_abandoned_runs(grace_s=60) == [dead]
        assert release_abandoned_runs(grace_s=60) == []  # released once, by one sweeper
        assert (_run(live).state, _run(dead).state) == (RUNNING, QUEUED)


def test_a_validation_is_claimed_like_a_run(claim_app: Flask) -> None:
    with claim_app.app_context():
        version = db.session.scalars(db.select(ChallengeVersion)).first()
        version.validation_state = QUEUED
        db.session.commit()
        version_id = version.public_id
        dead = _claim(ChallengeVersion, version_id, 60, "worker-a")
        assert dead is not None
        assert execute_validation(version_id) is Outcome.BUSY  # its worker is alive
        db.session.expire_all()
        version = db.session.scalar(db.select(ChallengeVersion).filter_by(public_id=version_id))
        version.lease_expires_at = utcnow() - timedelta(seconds=120)  # ...until it is not
        db.session.commit()
        assert release_abandoned(ChallengeVersion, grace_s=60) == [version_id]
        assert execute_validation(version_id) is Outcome.RECORDED
        assert not _finish(ChallengeVersion, version_id, dead, {"validation_state": "passed"})
        db.session.expire_all()
        version = db.session.scalar(db.select(ChallengeVersion).filter_by(public_id=version_id))
        assert version.validation_state == "failed"  # the broken sandbox fails the reference
        assert execute_validation(version_id) is Outcome.FINISHED


def test_a_remote_worker_without_an_engine_gives_the_run_back_unrecorded(
    settings_web: Settings,
) -> None:
    app = make_app(settings_web, SANDBOX_FACTORY=_unavailable)
    build_world(app)
    run_id = _queued_run(app)
    with app.app_context():
        web = state()
        web.write_result_files = False  # what a worker on another machine is
        with pytest.raises(WorkerUnfit):
            execute_run(run_id)
        run = _run(run_id)
        assert (run.state, run.claim_token, run.result_json) == (QUEUED, "", None)


def test_a_challenge_bundle_is_reproducible_and_round_trips(tmp_path: Path) -> None:
    folder = BANK / "routing"
    data = pack_folder(folder)
    assert pack_folder(folder) == data  # same folder, same bytes, same hash
    unpack_folder(data, tmp_path / "copy")
    assert (tmp_path / "copy" / "challenge.toml").read_bytes() == (
        folder / "challenge.toml"
    ).read_bytes()
    assert not list((tmp_path / "copy").rglob("__pycache__"))


def test_a_bundle_cannot_write_outside_its_folder(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(tarfile.OutsideDestinationError):
        unpack_folder(buffer.getvalue(), tmp_path / "dest")
    assert not (tmp_path / "escaped.txt").exists()


def test_a_worker_unpacks_a_version_once_by_hash(claim_app: Flask, tmp_path: Path) -> None:
    data = pack_folder(BANK / "routing")
    fetched: list[str] = []
    with claim_app.app_context():
        sha = put_blob(data)
        assert sha == sha256_hex(data) and put_blob(data) == sha  # stored once
    files = BlobFiles(tmp_path / "cache")

    def fetch(key: str) -> bytes:
        fetched.append(key)
        return data

    root = files.cached(sha, fetch)
    assert root.name == "routing" and (root / "tests").is_dir()
    assert files.cached(sha, fetch) == root and fetched == [sha]
