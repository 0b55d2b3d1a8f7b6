"""The same app on PostgreSQL: a throwaway server from Debian's packages, on loopback.

The test set-up starts its own server (initdb + pg_ctl from /usr/lib/postgresql) and stops it
after; `make test` installs the `postgresql` package when root on Debian. To use an existing
database instead:

    GRADER_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/pytest tests/web/test_postgres.py

Every table of the app in that database is dropped before and after each test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy
from flask import Flask

from grader.web.db import Run, Submission, db

from .conftest import AuthActions, add_interviewer, build_world, make_app, make_settings, post
from .test_candidate import APP_PY, upload


def _pg_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """GRADER_TEST_DATABASE_URL, or a throwaway server started here and stopped after."""
    given = os.environ.get("GRADER_TEST_DATABASE_URL", "")
    if given:
        yield given
        return
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    as_user: list[str] = []
    # Not under pytest's tmp root: that is private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="grader-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    run = partial(subprocess.run, check=True, capture_output=True, timeout=120)
    run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"])
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log")]
    run([*ctl, "-o", options, "-w", "start"])
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run([*ctl, "-m", "fast", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_app(data_dir: Path, bank: Path, database_url: str) -> Iterator[Flask]:
    engine = sqlalchemy.create_engine(database_url)
    db.metadata.drop_all(engine)
    app = make_app(make_settings(data_dir, bank, database_url=database_url))
    add_interviewer(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        db.metadata.drop_all(engine)
        engine.dispose()


def test_the_whole_flow_runs_on_postgresql(pg_app: Flask) -> None:
    assert pg_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    world = build_world(pg_app)
    candidate = pg_app.test_client()
    response = upload(candidate, world.token_b, [(APP_PY, "app.py")])
    assert response.status_code == 302
    assert candidate.get(response.headers["Location"] + "/status").json["state"] == "queued"
    assert upload(candidate, world.token_b, [(APP_PY, "app.py")]).status_code == 409

    staff = pg_app.test_client()
    AuthActions(staff).login_interviewer()
    assert "Bob Candidate" in staff.get("/dashboard").get_data(as_text=True)
    assert post(staff, f"/submissions/{world.submission_a}/regrade").status_code == 302
    compare = staff.get(f"/compare?candidate={world.invite_a}&candidate={world.invite_b}")
    assert compare.status_code == 200
    with pg_app.app_context():
        submission = db.session.scalar(
            db.select(Submission).filter_by(public_id=world.submission_a)
        )
        assert len(submission.runs) == 2
        pending = db.session.scalar(
            db.select(db.func.count()).select_from(Run).where(Run.state == "queued")
        )
        assert pending == 2
