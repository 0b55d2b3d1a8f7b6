"""The same app on PostgreSQL (the server: conftest's ``database_url``).

Every table of the app in that database is dropped before and after each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from grader.web.db import Run, Submission, db

from .conftest import (
    AuthActions,
    add_interviewer,
    build_world,
    drop_tables,
    make_app,
    make_settings,
    post,
)
from .test_candidate import APP_PY, upload


@pytest.fixture
def pg_app(data_dir: Path, bank: Path, database_url: str) -> Iterator[Flask]:
    drop_tables(database_url)
    app = make_app(make_settings(data_dir, bank, database_url=database_url))
    add_interviewer(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_tables(database_url)


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
