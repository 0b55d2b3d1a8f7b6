"""The candidate's side: the invite link, statements, starters, uploads and feedback."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder

from grader.web.db import DONE, FAILED, Invite, Run, Submission, db, utcnow

from .conftest import (
    HIDDEN_TEST_DESCRIPTION,
    HIDDEN_TEST_ID,
    FakeQueue,
    World,
    csrf_token,
    zip_bytes,
)

APP_PY = b"from flask import Flask\n\napp = Flask(__name__)\n"


def upload(client: FlaskClient, token: str, files: list[tuple[bytes, str]], slug: str = "routing"):
    """Post files to the upload form the way a browser does."""
    data = {
        "csrf_token": csrf_token(client, f"/invite/{token}"),
        "files": [(io.BytesIO(content), name) for content, name in files],
    }
    return client.post(
        f"/invite/{token}/challenges/{slug}/submissions",
        data=data,
        content_type="multipart/form-data",
    )


def _submission(app: Flask, public_id: str) -> Submission:
    return db.session.scalar(db.select(Submission).filter_by(public_id=public_id))


def _finish_runs(app: Flask) -> None:
    with app.app_context():
        for run in db.session.scalars(db.select(Run).where(Run.state != DONE)):
            run.state, run.result_status, run.score = DONE, "graded", 10.0
        db.session.commit()


def test_home_lists_the_assigned_challenges(client: FlaskClient, world: World) -> None:
    page = client.get(f"/invite/{world.token_a}").get_data(as_text=True)
    assert "Alice Candidate" in page
    assert "URL routing" in page
    assert "Backend round" in page
    assert f"/invite/{world.token_a}/challenges/routing" in page


def test_challenge_page_shows_statement_and_upload_form(client: FlaskClient, world: World) -> None:
    page = client.get(f"/invite/{world.token_a}/challenges/routing").get_data(as_text=True)
    assert "<h1>" in page or "<h2>" in page  # the statement, rendered from Markdown
    assert 'enctype="multipart/form-data"' in page
    assert "starter.zip" in page


def test_starter_downloads_as_zip_without_tests_or_solution(
    client: FlaskClient, world: World
) -> None:
    response = client.get(f"/invite/{world.token_a}/challenges/routing/starter.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert names and all(n.startswith("routing/") for n in names)
    assert any(n.endswith(".py") for n in names)
    assert not any("/tests/" in n or "solution" in n or "__pycache__" in n for n in names)


def test_upload_is_stored_durably_before_it_is_queued(
    app: Flask, client: FlaskClient, world: World, queue: FakeQueue
) -> None:
    archive = zip_bytes({"project/app.py": APP_PY})
    response = upload(client, world.token_a, [(archive, "project.zip")])
    assert response.status_code == 302
    submission_id = response.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        submission = _submission(app, submission_id)
        run = submission.latest_run
        stored = app.extensions["grader"].settings.data_dir / submission.stored_path
        assert stored.read_bytes() == archive
        assert submission.source_name == "project.zip"
        assert run.state == "queued"
        assert queue.runs == [run.public_id]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-poll" in page and "queued" in page


def test_several_py_files_become_one_folder(app: Flask, client: FlaskClient, world: World) -> None:
    response = upload(client, world.token_a, [(APP_PY, "app.py"), (b"X = 1\n", "settings.py")])
    assert response.status_code == 302
    with app.app_context():
        submission = _submission(app, response.headers["Location"].rsplit("/", 1)[-1])
        folder = app.extensions["grader"].settings.data_dir / submission.stored_path
        assert sorted(p.name for p in folder.iterdir()) == ["app.py", "settings.py"]


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ([(b"PK\x03\x04 this is not really a zip", "project.zip")], "corrupt"),
        ([(b"hello", "project.zip")], "not an archive"),
        ([(b"MZ\x90\x00", "setup.exe")], "not a supported kind of submission"),
        ([(APP_PY, "app.py"), (b"{}", "data.json")], "cannot be sent with other files"),
        ([(b"x = '\xff\xfe'", "app.py")], "not Python source text"),
        ([(zip_bytes({"../evil.py": "x = 1"}), "project.zip")], "escapes the submission"),
        ([(zip_bytes({}), "project.zip")], "holds no files"),
    ],
    ids=["corrupt-zip", "not-a-zip", "wrong-type", "mixed-files", "not-text", "zip-slip", "empty"],
)
def test_bad_upload_is_refused_with_intakes_reason(
    client: FlaskClient, world: World, queue: FakeQueue, files, reason: str
) -> None:
    response = upload(client, world.token_a, files)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your upload was refused" in page
    assert reason in page
    assert queue.runs == []


def test_upload_without_a_file_is_400(client: FlaskClient, world: World) -> None:
    response = upload(client, world.token_a, [])
    assert response.status_code == 400
    assert "no file was sent" in response.get_data(as_text=True)


def test_oversized_upload_gets_a_413_page(client: FlaskClient, world: World) -> None:
    big = zip_bytes({"app.py": APP_PY}) + b"\0" * (1024 * 1024 + 10)  # limit is 1 MiB here
    builder = EnvironBuilder(
        path=f"/invite/{world.token_a}/challenges/routing/submissions",
        method="POST",
        data={
            "csrf_token": csrf_token(client, f"/invite/{world.token_a}"),
            "files": (io.BytesIO(big), "project.zip"),
        },
    )
    environ = builder.get_environ()
    try:  # the app refuses before reading the body: close what the builder spooled
        response = client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than the limit of 1 MiB" in page
    assert "<html" in page
    # the candidate keeps their navigation and a way back, never the staff sign-in
    assert f'href="/invite/{world.token_a}"' in page and "Back to your assessment" in page
    assert "/login" not in page and "start page" not in page


def test_an_unknown_invite_link_page_offers_no_staff_sign_in(client: FlaskClient) -> None:
    response = client.get("/invite/not-a-real-token-at-all")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Open the invite link the hiring team sent you" in page
    assert "/login" not in page and "start page" not in page


def test_upload_without_csrf_token_is_400(client: FlaskClient, world: World) -> None:
    response = client.post(
        f"/invite/{world.token_a}/challenges/routing/submissions",
        data={"files": [(io.BytesIO(APP_PY), "app.py")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_resubmitting_waits_for_the_previous_grading(
    app: Flask, client: FlaskClient, world: World
) -> None:
    assert upload(client, world.token_a, [(APP_PY, "app.py")]).status_code == 302
    again = upload(client, world.token_a, [(APP_PY, "app.py")])
    assert again.status_code == 409
    assert "still being graded" in again.get_data(as_text=True)
    _finish_runs(app)
    assert upload(client, world.token_a, [(APP_PY, "app.py")]).status_code == 302
    with app.app_context():
        invite = db.session.scalars(db.select(Invite).order_by(Invite.id)).first()
        assert len(invite.submissions) == 3  # the world's and both uploads: none replaced


def _set_invite(app: Flask, **values) -> None:
    with app.app_context():
        invite = db.session.scalars(db.select(Invite).order_by(Invite.id)).first()
        for key, value in values.items():
            setattr(invite, key, value)
        db.session.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/invite/{token}",
        "/invite/{token}/challenges/routing",
        "/invite/{token}/submissions/{submission}/status",
    ],
)
def test_expired_link_gets_410(app: Flask, client: FlaskClient, world: World, path: str) -> None:
    _set_invite(app, expires_at=utcnow() - timedelta(minutes=1))
    response = client.get(path.format(token=world.token_a, submission=world.submission_a))
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_revoked_link_gets_410(app: Flask, client: FlaskClient, world: World) -> None:
    _set_invite(app, revoked_at=utcnow())
    response = client.get(f"/invite/{world.token_a}")
    assert response.status_code == 410
    assert "withdrawn" in response.get_data(as_text=True)


def test_before_the_window_opens_challenges_stay_closed(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        invite = db.session.scalars(db.select(Invite).order_by(Invite.id)).first()
        invite.assessment.opens_at = utcnow() + timedelta(hours=2)
        db.session.commit()
    assert "opens on" in client.get(f"/invite/{world.token_a}").get_data(as_text=True)
    assert client.get(f"/invite/{world.token_a}/challenges/routing").status_code == 403
    response = upload(client, world.token_a, [(APP_PY, "app.py")])
    assert response.status_code == 403


def test_unknown_challenge_of_the_assessment_is_404(client: FlaskClient, world: World) -> None:
    assert client.get(f"/invite/{world.token_a}/challenges/sessions").status_code == 404
    assert client.get(f"/invite/{world.token_a}/challenges/..%2Fetc").status_code == 404


def test_candidate_view_leaks_no_hidden_test(client: FlaskClient, world: World) -> None:
    pages = [
        client.get(f"/invite/{world.token_a}"),
        client.get(f"/invite/{world.token_a}/challenges/routing"),
        client.get(f"/invite/{world.token_a}/submissions/{world.submission_a}"),
        client.get(f"/invite/{world.token_a}/submissions/{world.submission_a}/status"),
        client.get(f"/invite/{world.token_a}/submissions/{world.submission_a}/feedback"),
    ]
    assert all(p.status_code == 200 for p in pages)
    feedback = pages[-1].get_data(as_text=True)
    assert "GET / answers 200" in feedback  # the visible test is shown in full
    for page in pages:
        text = page.get_data(as_text=True)
        for secret in (
            HIDDEN_TEST_ID,
            "test_hidden_secret_converter_rule",
            HIDDEN_TEST_DESCRIPTION,
            "HIDDEN-MESSAGE",
            "HIDDEN-LOG",
        ):
            assert secret not in text
        assert "/runs/" not in text  # no link into the interviewer's pages


def test_status_of_a_broken_grading_hides_the_internal_reason(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        submission = _submission(app, world.submission_a)
        run = submission.latest_run
        run.state, run.reason = FAILED, "the grader failed (KeyError) at /srv/secret/path"
        db.session.commit()
    doc = client.get(f"/invite/{world.token_a}/submissions/{world.submission_a}/status").json
    assert doc["state"] == "failed" and doc["done"] is True
    assert "/srv/secret" not in doc["reason"]
    assert "stored safely" in doc["reason"]
