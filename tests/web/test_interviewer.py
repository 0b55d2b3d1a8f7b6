"""The interviewers' side: dashboard, reports, comparison, re-grades with history."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from grader.web.db import QUEUED, Run, Submission, db

from .conftest import HIDDEN_TEST_DESCRIPTION, AuthActions, FakeQueue, World, post


def test_dashboard_shows_assessments_candidates_and_scores(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login_interviewer()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Backend round" in page
    assert "Alice Candidate" in page and "Bob Candidate" in page
    assert "<strong>50</strong>" in page and "<strong>80</strong>" in page
    assert "New assessment" not in page  # interviewers do not create assessments


def test_assessment_page_shows_invites_to_admins_only(
    app: Flask, world: World, auth: AuthActions, client: FlaskClient
) -> None:
    auth.login_interviewer()
    page = client.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert "Compare selected" in page
    assert "Invite a candidate" not in page and "Revoke" not in page
    admin = app.test_client()
    AuthActions(admin).login()
    page = admin.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert "Invite a candidate" in page and "Revoke" in page


def test_run_page_frames_the_interviewer_report(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login_interviewer()
    page = client.get(f"/runs/{world.run_a}").get_data(as_text=True)
    assert f"/runs/{world.run_a}/report" in page
    assert "History of this submission" in page
    report = client.get(f"/runs/{world.run_a}/report")
    assert report.status_code == 200
    assert HIDDEN_TEST_DESCRIPTION in report.get_data(as_text=True)  # interviewers see all
    assert "sandbox" in report.headers["Content-Security-Policy"]
    assert "script-src" not in report.headers["Content-Security-Policy"]
    assert report.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_result_document_downloads(client: FlaskClient, auth: AuthActions, world: World) -> None:
    auth.login_interviewer()
    response = client.get(f"/runs/{world.run_a}/files/result.json")
    assert response.status_code == 200
    assert json.loads(response.data)["candidate"] == "Alice Candidate"
    response.close()
    assert client.get(f"/runs/{world.run_a}/files/..%2Fgrader.sqlite3").status_code == 404
    assert client.get(f"/runs/{world.run_a}/files/report.py").status_code == 404


def test_compare_puts_candidates_side_by_side(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login_interviewer()
    response = client.get(f"/compare?candidate={world.invite_a}&candidate={world.invite_b}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("Alice Candidate") < page.index("Bob Candidate")
    assert "converters" in page and "routing" in page  # skill rows
    assert "not submitted" in page  # nobody submitted flask-basics


def test_compare_needs_two_candidates_of_one_assessment(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login_interviewer()
    assert client.get(f"/compare?candidate={world.invite_a}").status_code == 400
    assert client.get("/compare").status_code == 400
    response = client.get(f"/compare?candidate={world.invite_a}&candidate=unknown")
    assert response.status_code == 404


def test_regrade_adds_a_run_and_keeps_history(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World, queue: FakeQueue
) -> None:
    auth.login_interviewer()
    response = post(client, f"/submissions/{world.submission_a}/regrade")
    assert response.status_code == 302
    new_run = response.headers["Location"].rsplit("/", 1)[-1]
    assert new_run != world.run_a
    assert queue.runs == [new_run]
    with app.app_context():
        submission = db.session.scalar(
            db.select(Submission).filter_by(public_id=world.submission_a)
        )
        runs = submission.runs
        assert [r.public_id for r in runs] == [world.run_a, new_run]
        assert runs[0].score == 50.0 and runs[0].state == "done"  # the old result stays
        assert runs[1].state == QUEUED and runs[1].requested_by.email.startswith("interviewer")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-poll" in page and f"/runs/{world.run_a}" in page
    again = post(client, f"/submissions/{world.submission_a}/regrade")
    assert again.status_code == 409


def test_run_status_json(client: FlaskClient, auth: AuthActions, world: World) -> None:
    auth.login_interviewer()
    doc = client.get(f"/runs/{world.run_a}/status").get_json()
    assert doc == {
        "id": world.run_a,
        "state": "done",
        "label": "graded",
        "done": True,
        "score": 50.0,
        "reason": "1 of 2 tests passed",
    }
    missing = client.get("/runs/nope/status")
    assert missing.status_code == 404 and missing.is_json


def test_candidate_page_lists_every_grading(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    with app.app_context():
        run = db.session.scalar(db.select(Run).filter_by(public_id=world.run_a))
        db.session.add(Run(submission=run.submission, version=run.version, state=QUEUED))
        db.session.commit()
    auth.login_interviewer()
    page = client.get(f"/candidates/{world.invite_a}").get_data(as_text=True)
    assert page.count("/runs/") >= 2
    assert "candidate upload" in page
