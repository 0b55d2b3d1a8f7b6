"""Grading on several machines: real `grader worker` processes over a real Redis, the web app's
data in a real PostgreSQL, the real Docker sandbox. No mocks, no eager mode.

Every worker here runs on this host, but shares nothing with the web app but the broker and the
database: its data folder and its cache are its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask

from grader.config import Settings
from grader.web.db import DONE, Run, db

from .conftest import (
    BANK,
    AuthActions,
    World,
    add_interviewer,
    build_world,
    drop_tables,
    make_app,
    make_settings,
    zip_folder,
)
from .test_candidate import upload

pytestmark = pytest.mark.docker

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
GRADER = str(Path(sys.executable).with_name("grader"))
# Short enough for a test, with the order a deployment needs: lease < deadline < visibility.
TIMINGS = {"deadline_s": 15.0, "run_lease_s": 1.5, "broker_visibility_timeout_s": 17.0}
SOLUTION = zip_folder(BANK / "routing" / "solution")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RedisServer:
    """Debian's redis-server on loopback, persisting every write (what a deployment needs:
    a restarted broker still holds the queue)."""

    folder: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always",
                "--save", "", "--daemonize", "no", "--logfile", str(self.folder / "redis.log"),
            ],
        )  # fmt: skip
        _wait_until(self._answers, 10, "redis-server did not start")

    def _answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: redis-server flushes and exits
            self.process.wait(10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def _wait_until(condition: Callable[[], object], timeout_s: float, message: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(message)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is missing: install Debian's redis-server (make test-deps)")
    folder = Path(tempfile.mkdtemp(prefix="grader-redis-"))
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Workers:
    """`grader worker` processes, each with its own data folder, log and environment."""

    settings: Settings
    root: Path
    processes: dict[int, tuple[subprocess.Popen[bytes], Path]] = field(default_factory=dict)

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        home = Path(tempfile.mkdtemp(dir=self.root, prefix="worker-"))
        environ = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
        environ.update(
            GRADER_DATA_DIR=str(home / "data"),
            GRADER_DATABASE_URL=self.settings.database_url,
            GRADER_BROKER_URL=self.settings.broker_url,
            **{f"GRADER_{name.upper()}": str(value) for name, value in TIMINGS.items()},
            GRADER_MUTANTS_MAX="0",  # validations here prove the transport, not the suite
            **env,
        )
        log = home / "worker.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [GRADER, "worker", "--concurrency", "1"],
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes[process.pid] = (process, log)
        _wait_until(lambda: b" ready." in log.read_bytes() or process.poll() is not None, 60,
                    f"worker did not start: {log.read_text()}")  # fmt: skip
        assert process.poll() is None, log.read_text()
        return process

    def log(self, pid: int) -> str:
        return self.processes[pid][1].read_text(errors="replace")

    def kill(self, pid: int, sig: int = signal.SIGKILL) -> None:
        process, _ = self.processes[pid]
        process.send_signal(sig)
        process.wait(30)

    def stop_all(self) -> None:
        for process, _ in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process, _ in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


@pytest.fixture(scope="module")
def web(
    tmp_path_factory: pytest.TempPathFactory,
    bank: Path,
    database_url: str,
    redis_server: RedisServer,
) -> Iterator[tuple[Flask, World]]:
    """The web app on PostgreSQL, queueing through Redis (GRADER_BROKER_URL set), one world."""
    drop_tables(database_url)
    data_dir = tmp_path_factory.mktemp("web") / "data"
    settings = make_settings(
        data_dir, bank, database_url=database_url, broker_url=redis_server.url, **TIMINGS
    )
    app = make_app(settings, GRADING_QUEUE_FACTORY=None)
    add_interviewer(app)
    world = build_world(app)
    try:
        yield app, world
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_tables(database_url)


@pytest.fixture(scope="module")
def workers(
    web: tuple[Flask, World], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    app, _ = web
    pool = Workers(app.extensions["grader"].settings, tmp_path_factory.mktemp("workers"))
    try:
        yield pool
    finally:
        pool.stop_all()


def _run_of(app: Flask, status_url: str) -> Run:
    run_id = _status(app, status_url)["id"]
    with app.app_context():
        run = db.session.scalar(db.select(Run).filter_by(public_id=run_id))
        db.session.expunge(run)
        return run


def _status(app: Flask, url: str) -> dict:
    return app.test_client().get(url + "/status").get_json()


def _wait_done(app: Flask, url: str, timeout_s: float) -> dict:
    _wait_until(lambda: _status(app, url)["done"], timeout_s, f"not graded: {_status(app, url)}")
    return _status(app, url)


def _submit(app: Flask, world: World, content: bytes = SOLUTION) -> str:
    client = app.test_client()
    response = upload(client, world.token_b, [(content, "project.zip")])
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _all_logs(workers: Workers) -> str:
    return "".join(workers.log(pid) for pid in workers.processes)


def _ensure_workers(workers: Workers, count: int) -> None:
    alive = [p for p, _ in workers.processes.values() if p.poll() is None]
    for _ in range(count - len(alive)):
        workers.start()


def test_a_web_submission_is_graded_by_a_worker_and_shown_in_the_web_app(
    web: tuple[Flask, World], workers: Workers
) -> None:
    app, world = web
    _ensure_workers(workers, 2)
    url = _submit(app, world)
    status = _wait_done(app, url, 60)
    run = _run_of(app, url)
    assert status["label"] == "graded" and status["score"] == 100, run.reason
    assert run.worker.startswith("grader-") and run.attempts == 1
    assert run.result_json and not run.result_dir  # in the database, not in a shared folder
    # The candidate's feedback and the interviewer's report both render from the database.
    feedback = app.test_client().get(url + "/feedback")
    assert feedback.status_code == 200 and "100" in feedback.get_data(as_text=True)
    staff = app.test_client()
    AuthActions(staff).login_interviewer()
    assert "Interviewer report" in staff.get(f"/runs/{run.public_id}").get_data(as_text=True)
    report = staff.get(f"/runs/{run.public_id}/report")
    assert report.status_code == 200 and "routing" in report.get_data(as_text=True).lower()
    junit = staff.get(f"/runs/{run.public_id}/files/junit.xml")
    assert junit.status_code == 200 and b"<testsuite" in junit.data
    # The dashboard lists the connected workers (Celery's inspect API) and the queue depth.
    dashboard = staff.get("/dashboard").get_data(as_text=True)
    assert "workers connected" in dashboard and "tasks waiting in the broker" in dashboard
    assert all(f"grader-{pid}@" in dashboard for pid in workers.processes)


def _check(web: tuple[Flask, World], **env: str) -> tuple[int, str]:
    """`grader worker --check` in-process, configured through the environment."""
    from click.testing import CliRunner

    from grader.cli import cli

    settings = web[0].extensions["grader"].settings
    environ = {
        "GRADER_DATABASE_URL": settings.database_url,
        "GRADER_DATA_DIR": str(settings.data_dir),
        **{f"GRADER_{name.upper()}": str(value) for name, value in TIMINGS.items()},
        **env,
    }
    result = CliRunner().invoke(
        cli, ["worker", "--check", "--broker", settings.broker_url], env=environ
    )
    return result.exit_code, result.output


def test_worker_check_names_what_is_missing(web: tuple[Flask, World]) -> None:
    code, output = _check(web)
    assert code == 0, output
    assert [line.split(":")[0] for line in output.splitlines()] == [
        "ok   broker", "ok   database", "ok   docker", "ok   image",
    ]  # fmt: skip
    code, output = _check(web, DOCKER_HOST="tcp://127.0.0.1:9")
    assert code == 1 and "BAD  docker: cannot reach the Docker engine" in output
    assert "ok   broker" in output and "ok   database" in output


def test_a_duplicate_delivery_of_a_finished_run_records_nothing(
    web: tuple[Flask, World], workers: Workers
) -> None:
    from grader.workers.tasks import grade_run

    app, world = web
    _ensure_workers(workers, 2)
    url = _submit(app, world)
    _wait_done(app, url, 60)
    before = _run_of(app, url)
    # Delivered again (as Redis does after a lost acknowledgement), twice, at once.
    sent = [grade_run.apply_async((before.public_id,)).id for _ in range(2)]
    _wait_until(
        lambda: all(f"[{task_id}] succeeded" in _all_logs(workers) for task_id in sent),
        30,
        "the duplicates were not delivered",
    )
    after = _run_of(app, url)
    assert (after.attempts, after.finished_at, after.result_json, after.worker) == (
        before.attempts, before.finished_at, before.result_json, before.worker,
    )  # fmt: skip


def test_a_task_delivered_twice_at_once_is_graded_once(
    web: tuple[Flask, World], workers: Workers
) -> None:
    from grader.workers.tasks import grade_run

    app, world = web
    _ensure_workers(workers, 2)
    url = _submit(app, world)  # one delivery from the web app...
    run_id = _status(app, url)["id"]
    grade_run.apply_async((run_id,))  # ...and a second one, for the other worker
    status = _wait_done(app, url, 60)
    assert status["label"] == "graded"
    time.sleep(TIMINGS["run_lease_s"] * 2)  # the loser looks again after the lease: finished
    assert _run_of(app, url).attempts == 1


def test_a_worker_killed_mid_run_leaves_its_run_to_another_worker(
    web: tuple[Flask, World], workers: Workers
) -> None:
    app, world = web
    _ensure_workers(workers, 2)
    slow = _slow_solution(4.0)
    url = _submit(app, world, slow)
    _wait_until(lambda: _run_of(app, url).worker, 30, "no worker claimed the run")
    first = _run_of(app, url)
    pid = int(first.worker.split("@")[0].removeprefix("grader-"))
    time.sleep(1.0)  # the app is still sleeping in its container: mid-run
    assert not _status(app, url)["done"], (_run_of(app, url).reason, workers.log(pid))
    workers.kill(pid)  # SIGKILL: no goodbye, no acknowledgement, its lease stops
    status = _wait_done(app, url, TIMINGS["broker_visibility_timeout_s"] + 40)
    assert status["label"] == "graded" and status["score"] == 100
    last = _run_of(app, url)
    assert last.worker != first.worker and last.attempts == 2
    assert last.claim_token != first.claim_token


def test_a_run_the_broker_never_got_is_sent_when_the_web_app_starts(
    web: tuple[Flask, World], workers: Workers
) -> None:
    """A run committed while Redis was down (or just before the web process died)."""
    from grader.web.db import QUEUED, Submission

    app, world = web
    _ensure_workers(workers, 2)
    with app.app_context():
        submission = db.session.scalar(
            db.select(Submission).filter_by(public_id=world.submission_b)
        )
        run = Run(submission=submission, version=submission.challenge.published, state=QUEUED)
        db.session.add(run)
        db.session.commit()
        run_id = run.public_id
    time.sleep(2)
    with app.app_context():
        assert db.session.scalar(db.select(Run.state).filter_by(public_id=run_id)) == QUEUED
    restarted = make_app(app.extensions["grader"].settings, GRADING_QUEUE_FACTORY=None)

    def state() -> str:
        with restarted.app_context():
            return db.session.scalar(db.select(Run.state).filter_by(public_id=run_id))

    _wait_until(lambda: state() == DONE, 60, "the queued run was not sent again")
    with restarted.app_context():
        db.engine.dispose()


def _slow_solution(seconds: float) -> bytes:
    """The reference solution, its app slower to start by ``seconds``."""
    assert b"app/__init__.py" in SOLUTION, "the routing reference changed its layout"
    import io
    import zipfile

    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(SOLUTION)) as source,
        zipfile.ZipFile(buffer, "w") as archive,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "app/__init__.py":  # the entry's package: imported at start
                data += f"\nimport time as _time\n\n_time.sleep({seconds})\n".encode()
            archive.writestr(info, data)
    return buffer.getvalue()


def test_a_worker_without_docker_refuses_work_and_another_grades_it(
    web: tuple[Flask, World], workers: Workers
) -> None:
    app, world = web
    workers.stop_all()
    unfit = workers.start(DOCKER_HOST="tcp://127.0.0.1:9")  # nothing listens there
    url = _submit(app, world)
    time.sleep(3)
    run = _run_of(app, url)
    assert run.state == "queued" and run.attempts == 0, workers.log(unfit.pid)
    # Made to consume again (as after a broker restart), it takes the task and gives it back.
    from grader.workers.app import QUEUE, celery_app

    celery_app.control.add_consumer(QUEUE, destination=[f"grader-{unfit.pid}@{_hostname()}"])
    _wait_until(lambda: "refusing grader.grade_run" in workers.log(unfit.pid), 20, "no refusal")
    run = _run_of(app, url)
    assert run.state == "queued" and run.attempts == 0, workers.log(unfit.pid)
    fit = workers.start()
    status = _wait_done(app, url, 60)
    assert status["label"] == "graded"  # never a sandbox_error written by the unfit worker
    assert _run_of(app, url).worker == f"grader-{fit.pid}@{_hostname()}"
    assert "Docker engine unavailable" in workers.log(unfit.pid)
    workers.kill(unfit.pid, signal.SIGTERM)


def _hostname() -> str:
    import socket

    return socket.gethostname()


def test_the_finished_run_is_done_in_the_database(web: tuple[Flask, World]) -> None:
    app, _ = web
    with app.app_context():
        states = set(db.session.scalars(db.select(Run.state)))
    assert states == {DONE}


def test_a_batch_on_the_workers_finishes_across_a_broker_restart(
    web: tuple[Flask, World], workers: Workers, redis_server: RedisServer, tmp_path: Path
) -> None:
    app, _ = web
    _ensure_workers(workers, 2)
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    names = [f"candidate-{n}" for n in range(6)]
    for name in names:
        (cohort / f"{name}.zip").write_bytes(_slow_solution(1.5))
    (cohort / "empty.zip").write_bytes(b"")  # refused by intake on the worker: still a row
    out = tmp_path / "out"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    environ["GRADER_CHALLENGES_DIR"] = str(app.extensions["grader"].settings.challenges_dir)
    batch = subprocess.Popen(
        [GRADER, "batch", "routing", str(cohort), "--broker", redis_server.url, "--out", str(out)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    _wait_until(lambda: list(out.glob("*/routing/result.json")), 60, "no result came back")
    assert len(list(out.glob("*/routing/result.json"))) < len(names)
    redis_server.restart()  # mid-batch: gradings are running, others wait in the queue
    output, _ = batch.communicate(timeout=120)
    assert batch.returncode == 0, output.decode()
    assert b"Traceback" not in output, output.decode()  # the restart is waited out, not shown
    assert (out / "index.html").is_file()
    from grader.results import load_result

    results = {
        path.parent.parent.name: load_result(path.read_text())
        for path in out.glob("*/routing/result.json")
    }
    assert {name: results[name].score for name in names} == dict.fromkeys(names, 100.0)
    assert results["empty"].status == "rejected"


@pytest.mark.slow
def test_a_challenge_version_is_validated_on_a_worker(
    web: tuple[Flask, World], workers: Workers
) -> None:
    """The whole folder (reference, starter, samples) reaches the worker through the database."""
    from grader.web.db import PASSED, QUEUED, ChallengeVersion

    app, world = web
    _ensure_workers(workers, 2)
    with app.app_context():
        version = db.session.scalar(db.select(ChallengeVersion).filter_by(public_id=world.version))
        version.validation_state = QUEUED
        db.session.commit()
        app.extensions["grader"].queue.submit_validation(world.version)

    def validation() -> tuple[str, str]:
        with app.app_context():
            row = db.session.scalar(db.select(ChallengeVersion).filter_by(public_id=world.version))
            return row.validation_state, row.validation_reason

    _wait_until(lambda: validation()[0] not in ("queued", "running"), 300, "not validated")
    assert validation() == (PASSED, "every check passed")
