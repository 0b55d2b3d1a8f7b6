"""The same app on PostgreSQL, when GRADER_TEST_DATABASE_URL names a database to use up.

    GRADER_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/pytest tests/web/test_postgres.py

Every table of the app in that database is dropped before and after each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from flask import Flask

from grader.web.db import Run, Submission, db

from .conftest import AuthActions, add_interviewer, build_world, make_app, make_settings, post
from .test_candidate import APP_PY, upload

DATABASE_URL = os.environ.get("GRADER_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not DATABASE_URL, reason="set GRADER_TEST_DATABASE_URL to test against PostgreSQL"
)


@pytest.fixture
def pg_app(data_dir: Path, bank: Path) -> Iterator[Flask]:
    engine = sqlalchemy.create_engine(DATABASE_URL)
    db.metadata.drop_all(engine)
    app = make_app(make_settings(data_dir, bank, database_url=DATABASE_URL))
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
