"""The hiring team's side: challenge uploads, validation, publishing, assessments, invites."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grader.web.db import PASSED, ChallengeVersion, Invite, User, db, utcnow

from .conftest import BANK, AuthActions, FakeQueue, World, csrf_token, post, zip_bytes, zip_folder

LINK = re.compile(r'value="(http://localhost/invite/[^"]+)"')


def upload_challenge(client: FlaskClient, archive: bytes, name: str = "routing.zip"):
    return client.post(
        "/admin/challenges",
        data={
            "csrf_token": csrf_token(client),
            "archive": (io.BytesIO(archive), name),
        },
        content_type="multipart/form-data",
    )


def changed_routing(tmp_path: Path) -> bytes:
    """The routing challenge with one more (trivial) hidden test: a new version."""
    import shutil

    folder = tmp_path / "routing"
    shutil.copytree(BANK / "routing", folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "tests" / "test_extra.py").write_text("def test_extra(client):\n    pass\n")
    return zip_folder(folder, prefix="routing")


def _version(app: Flask, public_id: str) -> ChallengeVersion:
    return db.session.scalar(db.select(ChallengeVersion).filter_by(public_id=public_id))


def test_bank_challenges_are_published_on_first_run(client: FlaskClient, auth: AuthActions) -> None:
    auth.login()
    page = client.get("/admin/challenges").get_data(as_text=True)
    assert "routing" in page and "flask-basics" in page
    assert "bundled" in page


def test_uploaded_challenge_is_unpacked_and_queued_for_validation(
    app: Flask, client: FlaskClient, auth: AuthActions, queue: FakeQueue, tmp_path: Path
) -> None:
    auth.login()
    response = upload_challenge(client, changed_routing(tmp_path))
    assert response.status_code == 302
    version_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert queue.validations == [version_id]
    with app.app_context():
        version = _version(app, version_id)
        root = app.extensions["grader"].settings.data_dir / version.root
        assert (root / "challenge.toml").is_file()
        assert (root / "tests" / "test_extra.py").is_file()
        assert root.parent.name == version_id and root.name == "routing"
        assert version.validation_state == "queued" and not version.is_published
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-poll" in page
    assert "Publish this version" not in page


def test_publishing_needs_a_passed_validation(
    app: Flask, client: FlaskClient, auth: AuthActions, tmp_path: Path
) -> None:
    auth.login()
    version_id = upload_challenge(client, changed_routing(tmp_path)).headers["Location"]
    version_id = version_id.rsplit("/", 1)[-1]
    refused = post(client, f"/admin/versions/{version_id}/publish")
    assert refused.status_code == 409
    assert "validation passed" in refused.get_data(as_text=True)
    with app.app_context():
        version = _version(app, version_id)
        version.validation_state = PASSED
        version.checks_json = '[{"name": "reference scores 100", "ok": true, "detail": "100"}]'
        db.session.commit()
    page = client.get(f"/admin/versions/{version_id}").get_data(as_text=True)
    assert "reference scores 100" in page and "Publish this version" in page
    assert post(client, f"/admin/versions/{version_id}/publish").status_code == 302
    with app.app_context():
        version = _version(app, version_id)
        published = [v for v in version.challenge.versions if v.is_published]
        assert published == [version]  # the bank's version is no longer the published one


def test_same_version_uploaded_again_is_not_duplicated(
    app: Flask, client: FlaskClient, auth: AuthActions, queue: FakeQueue
) -> None:
    auth.login()
    response = upload_challenge(client, zip_folder(BANK / "routing", prefix="routing"))
    assert response.status_code == 302
    assert queue.validations == []  # the bank already holds this exact version
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "uploaded before" in page


@pytest.mark.parametrize(
    ("archive", "name", "reason"),
    [
        (b"just text", "routing.txt", "is not an archive"),
        (b"PK\x03\x04broken", "routing.zip", "corrupt"),
        (zip_bytes({"README.md": "# hi"}), "routing.zip", "no challenge.toml"),
        (zip_bytes({"challenge.toml": "id = 'Bad Id'"}), "x.zip", "lower-case letters"),
        (zip_bytes({"challenge.toml": "id = 'x'\n"}), "x.zip", "missing key"),
        (zip_bytes({"../challenge.toml": "id = 'x'"}), "x.zip", "escapes"),
        (zip_bytes({"challenge.toml": "x = " + "[" * 50000 + "]" * 50000}), "x.zip", "too deeply"),
    ],
    ids=["not-archive", "corrupt", "no-manifest", "bad-slug", "bad-manifest", "zip-slip", "deep"],
)
def test_bad_challenge_archive_is_refused_with_the_reason(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    queue: FakeQueue,
    archive: bytes,
    name: str,
    reason: str,
) -> None:
    auth.login()
    response = upload_challenge(client, archive, name)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This challenge archive was refused" in page and reason in page
    assert str(app.extensions["grader"].settings.data_dir) not in page
    assert queue.validations == []
    challenges = app.extensions["grader"].settings.data_dir / "challenges"
    with app.app_context():
        known = {v.public_id for v in db.session.scalars(db.select(ChallengeVersion))}
    assert {p.name for p in challenges.iterdir()} == known  # nothing half-unpacked left


def test_validation_can_be_run_again(
    app: Flask, client: FlaskClient, auth: AuthActions, queue: FakeQueue, world: World
) -> None:
    auth.login()
    response = post(client, f"/admin/versions/{world.version}/validate")
    assert response.status_code == 302
    assert queue.validations == [world.version]
    again = post(client, f"/admin/versions/{world.version}/validate")
    assert again.status_code == 409


def test_assessment_is_created_from_the_form(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login()
    form = client.get("/admin/assessments/new").get_data(as_text=True)
    assert 'value="routing"' in form
    now = utcnow()
    response = post(
        client,
        "/admin/assessments/new",
        {
            "name": "Spring round",
            "challenges": ["routing", "flask-basics"],
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Spring round" in page and "Invite a candidate" in page


def test_a_subset_of_challenges_can_be_ticked(client: FlaskClient, auth: AuthActions) -> None:
    """Browsers refuse a form while any `required` checkbox is unticked: none may carry it."""
    auth.login()
    form = client.get("/admin/assessments/new").get_data(as_text=True)
    boxes = re.findall(r"<input[^>]*type=\"checkbox\"[^>]*>", form)
    assert len(boxes) >= 2
    assert not [box for box in boxes if "required" in box]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"challenges": []}, "Choose at least one challenge"),
        ({"closes_at": "2020-01-01T00:00"}, "close after it opens"),
        ({"challenges": ["sessions"]}, "not a valid choice"),
    ],
)
def test_assessment_form_rejects_bad_input(
    client: FlaskClient, auth: AuthActions, fields: dict, message: str
) -> None:
    auth.login()
    now = utcnow()
    data = {
        "name": "Round",
        "challenges": ["routing"],
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        **fields,
    }
    response = post(client, "/admin/assessments/new", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_invite_link_is_shown_once_and_stored_only_as_a_hash(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login()
    response = post(client, f"/admin/assessments/{world.assessment}/invites", {"name": "Carol New"})
    assert response.status_code == 201
    link = LINK.search(response.get_data(as_text=True)).group(1)
    token = link.rsplit("/", 1)[-1]
    assert len(token) >= 40
    database = (app.extensions["grader"].settings.data_dir / "grader.sqlite3").read_bytes()
    assert token.encode() not in database
    candidate = app.test_client()
    assert "Carol New" in candidate.get(f"/invite/{token}").get_data(as_text=True)


def test_reissued_link_replaces_the_old_one(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login()
    response = post(client, f"/admin/invites/{world.invite_a}/reissue")
    assert response.status_code == 201
    token = LINK.search(response.get_data(as_text=True)).group(1).rsplit("/", 1)[-1]
    candidate = app.test_client()
    assert candidate.get(f"/invite/{world.token_a}").status_code == 404
    assert candidate.get(f"/invite/{token}").status_code == 200
    # The candidate's work is still theirs under the new link.
    assert candidate.get(f"/invite/{token}/submissions/{world.submission_a}").status_code == 200


def test_revoked_link_stops_working(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login()
    assert post(client, f"/admin/invites/{world.invite_a}/revoke").status_code == 302
    assert app.test_client().get(f"/invite/{world.token_a}").status_code == 410
    with app.app_context():
        invite = db.session.scalar(db.select(Invite).filter_by(public_id=world.invite_a))
        assert invite.submissions  # nothing of theirs is deleted


def test_invite_to_a_closed_assessment_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    with app.app_context():
        invite = db.session.scalar(db.select(Invite).filter_by(public_id=world.invite_a))
        invite.assessment.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    auth.login()
    response = post(client, f"/admin/assessments/{world.assessment}/invites", {"name": "Late"})
    assert response.status_code == 409


def test_admin_creates_an_interviewer_who_can_sign_in(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login()
    response = post(
        client,
        "/admin/users",
        {"email": "Nina@Example.com", "name": "Nina", "role": "interviewer", "password": ""},
    )
    assert response.status_code == 201
    password = re.search(r'<code id="new-password">([^<]+)</code>', response.get_data(True))
    assert password
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="nina@example.com"))
        assert user.role == "interviewer"
        assert password.group(1) not in user.password_hash  # hashed, never stored as typed
        assert user.password_hash.startswith("pbkdf2:")
    other = app.test_client()
    signed_in = AuthActions(other).login("nina@example.com", password.group(1))
    assert signed_in.status_code == 302
    assert other.get("/dashboard").status_code == 200
    assert other.get("/admin/challenges").status_code == 403
    duplicate = post(
        client,
        "/admin/users",
        {"email": "nina@example.com", "name": "Nina", "role": "interviewer"},
    )
    assert duplicate.status_code == 409
