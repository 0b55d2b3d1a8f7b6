"""Integrations: the JSON API answers bearer tokens by their scope (hashed at rest, revocable),
and a run's final result is announced once to each webhook, signed, retried with back-off, on a
real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grader.config import PROJECT_ROOT, Settings
from grader.web import webhooks
from grader.web.api import new_token
from grader.web.db import (
    ADMIN,
    ApiToken,
    Invite,
    Run,
    User,
    Webhook,
    WebhookDelivery,
    db,
    hash_token,
    utcnow,
)
from grader.web.jobs import execute_run

from .conftest import (
    AuthActions,
    World,
    add_interviewer,
    build_world,
    csrf_token,
    make_app,
    make_settings,
    post,
    served_in_thread,
)
from .test_grading_queue import BrokenSandbox, _queued_run

FAST_WEBHOOKS = {
    "webhook_backoff_s": 0.2,
    "webhook_backoff_max_s": 5.0,
    "webhook_poll_s": 0.2,
    "webhook_timeout_s": 1.0,
}


# --- helpers --------------------------------------------------------------------------------


def add_token(app: Flask, scope: str, *, revoked: bool = False) -> str:
    """Create an API token directly in the database; return the raw token."""
    raw = new_token()
    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(role=ADMIN))
        db.session.add(
            ApiToken(
                name=f"ats-{scope}",
                token_hash=hash_token(raw),
                scope=scope,
                created_by_id=admin.id,
                revoked_at=utcnow() if revoked else None,
            )
        )
        db.session.commit()
    return raw


def add_webhook(app: Flask, url: str) -> str:
    """Register a webhook directly in the database; return its secret."""
    secret = webhooks.new_secret()
    with app.app_context():
        db.session.add(Webhook(url=url, secret=secret))
        db.session.commit()
    return secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def expected_signature(secret: str, body: bytes) -> str:
    """The documented signature, computed here independently of grader.web.webhooks.sign."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def wait_for(check: Callable[[], Any], timeout_s: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    raise AssertionError(f"still not true after {timeout_s} s: {check.__doc__ or check}")


def deliveries(app: Flask) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


@dataclass
class Call:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on loopback that records each POST and answers from a script."""

    answers: list[tuple[int, dict[str, str], float]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.calls.append(Call(time.monotonic(), self.path, dict(self.headers), body))
                status, headers, delay_s = (
                    receiver.answers.pop(0) if receiver.answers else (200, {}, 0.0)
                )
                time.sleep(delay_s)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def hook_app(data_dir: Path, bank: Path) -> Iterator[Flask]:
    """An app that grades with a sandbox whose engine fails (a final sandbox_error result)."""
    sandbox = BrokenSandbox()
    app = make_app(make_settings(data_dir, bank, **FAST_WEBHOOKS), SANDBOX_FACTORY=lambda: sandbox)
    build_world(app)
    yield app
    webhooks.sender(app).stop()


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory, bank: Path) -> Iterator[tuple[Flask, World]]:
    """One app and world for the API's read-only checks."""
    from .conftest import fresh_data_dir

    with fresh_data_dir(tmp_path_factory.mktemp("api")) as path:
        app = make_app(make_settings(path, bank))
        add_interviewer(app)
        yield app, build_world(app)


@pytest.fixture(scope="module")
def tokens(api_app: tuple[Flask, World]) -> dict[str, str]:
    app, _ = api_app
    return {
        "read": add_token(app, "read"),
        "write": add_token(app, "write"),
        "revoked": add_token(app, "write", revoked=True),
    }


# --- signatures, back-off and URLs: the pure parts ------------------------------------------


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"event": "run.finished"}'
    assert webhooks.sign("s3cret", body) == expected_signature("s3cret", body)
    assert webhooks.sign("other", body) != expected_signature("s3cret", body)


def test_back_off_doubles_up_to_its_cap() -> None:
    waits = [webhooks.backoff_s(n, base_s=30, max_s=300) for n in range(1, 7)]
    assert waits == [30, 60, 120, 240, 300, 300]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://ats.example.com/hook", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "http:// or https://"),
        ("https:///no-host", "needs a host"),
        ("https://user:pw@ats.example.com/", "user name or password"),
        ("http://ats.example.com:99999/", "not a URL"),
    ],
)
def test_webhook_urls_other_than_http_are_refused(url: str, reason: str) -> None:
    with pytest.raises(webhooks.WebhookRefused, match=reason):
        webhooks.check_url(url, refuse_private=False)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "169.254.169.254",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "100.64.0.1",
        "0.0.0.0",
        "localhost",
    ],
)
def test_private_addresses_are_refused_when_set(host: str) -> None:
    assert Settings().webhook_refuse_private == 0  # off by default: an ATS nearby, these tests
    with pytest.raises(webhooks.WebhookRefused, match="non-public address"):
        webhooks.check_url(f"http://{host}/hook", refuse_private=True)
    assert webhooks.check_url(f"http://{host}/hook", refuse_private=False)


def test_a_host_name_idna_cannot_encode_is_refused_not_a_crash() -> None:
    """A 64-character label: socket.getaddrinfo raises UnicodeError, not OSError."""
    with pytest.raises(webhooks.WebhookRefused, match="cannot be resolved"):
        webhooks.check_url(f"http://{'a' * 64}.example/hook", refuse_private=True)


def test_a_private_address_is_refused_at_connection_time(receiver: Receiver) -> None:
    attempt = webhooks.post(receiver.url, b"{}", {}, timeout_s=1, refuse_private=True)
    assert attempt.status is None and "non-public address" in attempt.error
    assert receiver.calls == []


def test_a_slow_receiver_is_cut_at_the_deadline(receiver: Receiver) -> None:
    receiver.answers.append((200, {}, 3.0))
    started = time.monotonic()
    attempt = webhooks.post(receiver.url, b"{}", {}, timeout_s=0.5, refuse_private=False)
    assert time.monotonic() - started < 2.5
    assert not attempt.delivered and "0.5 s" in attempt.error


# --- the API: tokens and scopes ----------------------------------------------------------


def test_a_request_without_a_token_is_refused_with_a_bearer_challenge(api_app) -> None:
    app, _ = api_app
    response = app.test_client().get("/api/v1/assessments")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"] == "Unauthorized"


@pytest.mark.parametrize("which", ["unknown", "revoked"])
def test_unknown_and_revoked_tokens_are_refused(api_app, tokens, which: str) -> None:
    app, _ = api_app
    token = tokens["revoked"] if which == "revoked" else new_token()
    response = app.test_client().get("/api/v1/assessments", headers=bearer(token))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "revoked" in response.get_json()["message"]


def test_a_read_token_cannot_write(api_app, tokens) -> None:
    app, world = api_app
    response = app.test_client().post(
        f"/api/v1/assessments/{world.assessment}/candidates",
        json={"name": "Reader's candidate"},
        headers=bearer(tokens["read"]),
    )
    assert response.status_code == 403
    assert "insufficient_scope" in response.headers["WWW-Authenticate"]
    assert "write scope" in response.get_json()["message"]


def test_a_signed_in_admin_cookie_is_not_an_api_credential(api_app) -> None:
    app, _ = api_app
    client = app.test_client()
    AuthActions(client).login()
    response = client.get("/api/v1/assessments")
    assert response.status_code == 401


def test_api_responses_set_no_cookie(api_app, tokens) -> None:
    app, world = api_app
    client = app.test_client()
    for path in ("/api/v1/assessments", "/api/v1/nope", f"/api/v1/runs/{world.run_a}/result"):
        response = client.get(path, headers=bearer(tokens["read"]))
        assert "Set-Cookie" not in response.headers, path
    assert "Set-Cookie" not in client.get("/api/v1/assessments").headers


# --- the API: documents, paging, errors ---------------------------------------------------


def test_assessments_candidates_and_runs_are_listed(api_app, tokens) -> None:
    app, world = api_app
    client = app.test_client()
    headers = bearer(tokens["read"])
    listed = client.get("/api/v1/assessments", headers=headers).get_json()
    assert listed["total"] == 1 and listed["limit"] == 50 and listed["offset"] == 0
    assessment = listed["items"][0]
    assert assessment["id"] == world.assessment and assessment["name"] == "Backend round"
    assert [c["id"] for c in assessment["challenges"]] == ["routing", "flask-basics"]
    one = client.get(f"/api/v1/assessments/{world.assessment}", headers=headers).get_json()
    assert one == assessment

    people = client.get(f"/api/v1/assessments/{world.assessment}/candidates", headers=headers)
    names = [c["name"] for c in people.get_json()["items"]]
    assert names[:2] == ["Alice Candidate", "Bob Candidate"]

    runs = client.get(f"/api/v1/assessments/{world.assessment}/runs", headers=headers).get_json()
    by_id = {item["run"]["id"]: item for item in runs["items"]}
    assert {world.run_a, world.run_b} <= set(by_id)
    alice = by_id[world.run_a]
    assert alice["run"]["score"] == 50.0 and alice["run"]["status"] == "graded"
    assert alice["candidate"]["id"] == world.invite_a
    assert alice["challenge"]["id"] == "routing"
    assert alice["run"]["result_url"].endswith(f"/api/v1/runs/{world.run_a}/result")

    mine = client.get(f"/api/v1/candidates/{world.invite_b}/runs", headers=headers).get_json()
    assert [item["run"]["id"] for item in mine["items"]] == [world.run_b]
    assert (
        client.get(f"/api/v1/runs/{world.run_b}", headers=headers).get_json() == by_id[world.run_b]
    )


def test_pagination_pages_and_caps(api_app, tokens) -> None:
    app, world = api_app
    client = app.test_client()
    path = f"/api/v1/assessments/{world.assessment}/candidates"
    first = client.get(f"{path}?limit=1", headers=bearer(tokens["read"])).get_json()
    second = client.get(f"{path}?limit=1&offset=1", headers=bearer(tokens["read"])).get_json()
    assert len(first["items"]) == len(second["items"]) == 1
    assert first["items"][0]["id"] != second["items"][0]["id"]
    assert first["total"] == second["total"] >= 2


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("limit=0", "limit must be a whole number from 1 to 200"),
        ("limit=201", "limit must be a whole number from 1 to 200"),
        ("limit=ten", "limit must be a whole number"),
        ("offset=-1", "offset must be a whole number"),
    ],
)
def test_bad_paging_is_a_400_with_the_reason(api_app, tokens, query: str, reason: str) -> None:
    app, _ = api_app
    response = app.test_client().get(f"/api/v1/assessments?{query}", headers=bearer(tokens["read"]))
    assert response.status_code == 400
    assert reason in response.get_json()["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/assessments/nope",
        "/api/v1/assessments/nope/candidates",
        "/api/v1/assessments/nope/runs",
        "/api/v1/candidates/nope",
        "/api/v1/candidates/nope/runs",
        "/api/v1/runs/nope",
        "/api/v1/runs/nope/result",
        "/api/v1/no-such-endpoint",
    ],
)
def test_unknown_ids_are_json_404s(api_app, tokens, path: str) -> None:
    app, _ = api_app
    response = app.test_client().get(path, headers=bearer(tokens["read"]))
    assert response.status_code == 404
    assert response.is_json and response.get_json()["error"] == "Not Found"


def test_the_result_document_is_the_interviewers_result_json(api_app, tokens) -> None:
    app, world = api_app
    client = app.test_client()
    response = client.get(f"/api/v1/runs/{world.run_a}/result", headers=bearer(tokens["read"]))
    assert response.status_code == 200 and response.mimetype == "application/json"
    with app.app_context():
        run = db.session.scalar(db.select(Run).filter_by(public_id=world.run_a))
        on_disk = app.extensions["grader"].settings.data_dir / run.result_dir / "result.json"
    assert response.get_json() == json.loads(on_disk.read_text())
    assert any(not t["visible"] for t in response.get_json()["tests"])  # the interviewer's view


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (None, "send a JSON object"),
        ([], "send a JSON object"),
        ({}, "'name' must be"),
        ({"name": "   "}, "'name' must be"),
        ({"name": 7}, "'name' must be"),
        ({"name": "x" * 201}, "'name' must be"),
        ({"name": "Ada", "email": "not-an-address"}, "'email' must be"),
        ({"name": "Ada", "mail": "ada@example.com"}, "unknown field 'mail'"),
    ],
)
def test_a_bad_invite_is_a_400_with_the_reason(api_app, tokens, body, reason: str) -> None:
    app, world = api_app
    path = f"/api/v1/assessments/{world.assessment}/candidates"
    kwargs: dict[str, Any] = {"data": "{not json", "content_type": "application/json"}
    if body is not None:
        kwargs = {"json": body}
    response = app.test_client().post(path, headers=bearer(tokens["write"]), **kwargs)
    assert response.status_code == 400
    assert reason in response.get_json()["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_write_token_invites_a_candidate_whose_link_works(api_app, tokens) -> None:
    app, world = api_app
    client = app.test_client()
    response = client.post(
        f"/api/v1/assessments/{world.assessment}/candidates",
        json={"name": "Grace Hopper", "email": "grace@example.com"},
        headers=bearer(tokens["write"]),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["candidate"]["name"] == "Grace Hopper" and created["candidate"]["usable"]
    link = created["link"]
    assert "/invite/" in link
    token = link.rsplit("/invite/", 1)[1]
    with app.app_context():
        stored = db.session.scalars(db.select(Invite.token_hash)).all()
    assert token not in stored and hash_token(token) in stored
    page = app.test_client().get(f"/invite/{token}")
    assert page.status_code == 200 and "Grace Hopper" in page.get_data(as_text=True)
    listed = client.get(
        f"/api/v1/candidates/{created['candidate']['id']}", headers=bearer(tokens["read"])
    )
    assert listed.get_json()["email"] == "grace@example.com"
    assert "link" not in listed.get_json()  # shown once, at creation


def test_api_requests_are_rate_limited_per_token(data_dir: Path, bank: Path) -> None:
    app = make_app(make_settings(data_dir, bank, ratelimit_api="3 per minute"))
    build_world(app)
    first, second = add_token(app, "read"), add_token(app, "read")
    client = app.test_client()
    codes = [client.get("/api/v1/assessments", headers=bearer(first)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/api/v1/assessments", headers=bearer(first))
    assert refused.is_json and int(refused.headers["Retry-After"]) > 0
    assert client.get("/api/v1/assessments", headers=bearer(second)).status_code == 200


# --- the admin page -------------------------------------------------------------------------


TOKEN_ON_PAGE = 'id="new-token" class="link" type="text" readonly value="'
SECRET_ON_PAGE = 'id="new-secret" class="link" type="text" readonly value="'


def _shown(page: str, marker: str) -> str:
    assert marker in page, page[:2000]
    return page.split(marker, 1)[1].split('"', 1)[0]


def test_admin_creates_uses_and_revokes_a_token_hashed_at_rest(
    app: Flask, client: FlaskClient, auth, world: World
) -> None:
    auth.login()
    created = post(client, "/admin/integrations/tokens", {"name": "Greenhouse", "scope": "read"})
    assert created.status_code == 201
    raw = _shown(created.get_data(as_text=True), TOKEN_ON_PAGE)
    assert raw.startswith("fgr_")
    assert client.get("/admin/integrations").get_data(as_text=True).count(raw) == 0  # once

    api = app.test_client()
    assert api.get("/api/v1/assessments", headers=bearer(raw)).status_code == 200
    page = client.get("/admin/integrations").get_data(as_text=True)
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken).filter_by(name="Greenhouse"))
        assert token.last_used_at is not None and token.token_hash == hash_token(raw)
        assert token.last_used_at.strftime("%Y-%m-%d %H:%M UTC") in page  # last used is shown
        token_id = token.public_id
        db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    data_dir = app.extensions["grader"].settings.data_dir
    for path in data_dir.glob("grader.sqlite3*"):
        assert raw.encode() not in path.read_bytes(), f"the raw token is stored in {path.name}"

    post(client, f"/admin/integrations/tokens/{token_id}/revoke")
    assert api.get("/api/v1/assessments", headers=bearer(raw)).status_code == 401


def test_admin_registers_a_webhook_and_sees_its_secret_once(
    app: Flask, client: FlaskClient, auth
) -> None:
    auth.login()
    refused = post(client, "/admin/integrations/webhooks", {"url": "ftp://ats.example.com/x"})
    assert refused.status_code == 400 and "http:// or https://" in refused.get_data(as_text=True)
    created = post(client, "/admin/integrations/webhooks", {"url": "https://ats.example.com/x"})
    assert created.status_code == 201
    secret = _shown(created.get_data(as_text=True), SECRET_ON_PAGE)
    assert len(secret) >= 40
    assert secret not in client.get("/admin/integrations").get_data(as_text=True)
    webhooks.sender(app).stop()


def test_interviewers_cannot_manage_integrations(client: FlaskClient, auth) -> None:
    auth.login_interviewer()
    assert client.get("/admin/integrations").status_code == 403
    response = client.post(
        "/admin/integrations/tokens",
        data={"csrf_token": csrf_token(client, "/dashboard"), "name": "x", "scope": "write"},
    )
    assert response.status_code == 403


# --- webhooks, end to end -------------------------------------------------------------------


def _finish_a_run(app: Flask) -> str:
    """Queue a run of Alice's submission and grade it (to a final sandbox_error result)."""
    run_id = _queued_run(app)
    with app.app_context():
        execute_run(run_id)
    return run_id


def test_a_finished_run_is_delivered_signed_once(hook_app: Flask, receiver: Receiver) -> None:
    secret = add_webhook(hook_app, receiver.url)
    run_id = _finish_a_run(hook_app)
    with hook_app.app_context():
        execute_run(run_id)  # delivered again: still one result, so one event
    wait_for(lambda: receiver.calls)
    time.sleep(0.5)  # room for a wrong second delivery to arrive
    assert len(receiver.calls) == 1 and len(deliveries(hook_app)) == 1
    call = receiver.calls[0]
    assert call.headers["X-Grader-Signature"] == expected_signature(secret, call.body)
    assert call.headers["X-Grader-Event"] == "run.finished"
    assert call.headers["Content-Type"] == "application/json"
    payload = json.loads(call.body)
    assert payload["event"] == "run.finished"
    assert payload["delivery"] == call.headers["X-Grader-Delivery"]
    assert str(payload["timestamp"]) == call.headers["X-Grader-Timestamp"]  # signed with the body
    assert abs(payload["timestamp"] - time.time()) < 60
    assert payload["run"]["id"] == run_id and payload["run"]["status"] == "sandbox_error"
    assert payload["run"]["score"] == 0
    assert payload["candidate"]["name"] == "Alice Candidate"
    assert payload["assessment"]["name"] == "Backend round"
    assert payload["challenge"]["id"] == "routing"
    assert payload["run"]["result_url"] == f"/api/v1/runs/{run_id}/result"
    row = deliveries(hook_app)[0]
    assert row.attempts == 1 and row.last_status == 200 and row.delivered_at is not None


def _readme_verify() -> Callable[..., dict[str, Any]]:
    """The signature check the README gives receivers, run as written."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Integrations", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace["verify"]


def test_the_readme_snippet_verifies_a_real_delivery(hook_app: Flask, receiver: Receiver) -> None:
    verify = _readme_verify()
    secret = add_webhook(hook_app, receiver.url)
    run_id = _finish_a_run(hook_app)
    call = wait_for(lambda: receiver.calls and receiver.calls[0])
    assert verify(secret, call.body, call.headers)["run"]["id"] == run_id
    with pytest.raises(ValueError, match="bad signature"):
        verify("another-secret", call.body, call.headers)
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, call.body.replace(b"sandbox_error", b"graded"), call.headers)


def test_a_failing_receiver_is_retried_with_back_off(hook_app: Flask, receiver: Receiver) -> None:
    receiver.answers += [(500, {}, 0.0), (500, {}, 0.0), (200, {}, 0.0)]
    secret = add_webhook(hook_app, receiver.url)
    _finish_a_run(hook_app)
    wait_for(lambda: deliveries(hook_app) and deliveries(hook_app)[0].delivered_at)
    assert len(receiver.calls) == 3
    ids = {call.headers["X-Grader-Delivery"] for call in receiver.calls}
    assert len(ids) == 1  # one delivery, attempted three times
    for call in receiver.calls:
        assert call.headers["X-Grader-Signature"] == expected_signature(secret, call.body)
    gaps = [b.at - a.at for a, b in zip(receiver.calls, receiver.calls[1:], strict=False)]
    assert gaps[0] >= 0.2 * 0.9 and gaps[1] >= 0.4 * 0.9, gaps  # 0.2 s, then doubled
    row = deliveries(hook_app)[0]
    assert (row.attempts, row.last_status, row.last_error) == (3, 200, None)


def test_a_redirect_is_not_followed(hook_app: Flask, receiver: Receiver) -> None:
    elsewhere = Receiver().start()
    try:
        receiver.answers.append((302, {"Location": elsewhere.url}, 0.0))
        add_webhook(hook_app, receiver.url)
        _finish_a_run(hook_app)
        wait_for(lambda: deliveries(hook_app) and deliveries(hook_app)[0].attempts)
        row = deliveries(hook_app)[0]
        assert row.last_status == 302 and "redirects are not followed" in (row.last_error or "")
        assert row.delivered_at is None and row.next_attempt_at is not None  # will retry
        assert elsewhere.calls == []
        admin = hook_app.test_client()
        AuthActions(admin).login()
        page = admin.get("/admin/integrations").get_data(as_text=True)
        assert "HTTP 302" in page and "redirects are not followed" in page
    finally:
        elsewhere.stop()


def test_a_delivery_is_given_up_after_the_last_attempt(
    data_dir: Path, bank: Path, receiver: Receiver
) -> None:
    settings = make_settings(data_dir, bank, **{**FAST_WEBHOOKS, "webhook_max_attempts": 2})
    app = make_app(settings, SANDBOX_FACTORY=BrokenSandbox)
    build_world(app)
    try:
        receiver.answers += [(503, {}, 0.0)] * 5
        add_webhook(app, receiver.url)
        _finish_a_run(app)
        wait_for(lambda: deliveries(app)[0].attempts == 2 if deliveries(app) else False)
        time.sleep(0.8)
        row = deliveries(app)[0]
        assert row.attempts == 2 and row.next_attempt_at is None and row.delivered_at is None
        assert "HTTP 503" in (row.last_error or "") and len(receiver.calls) == 2
    finally:
        webhooks.sender(app).stop()


def test_a_delivery_left_by_a_stopped_server_is_sent_after_restart(
    data_dir: Path, bank: Path, receiver: Receiver
) -> None:
    settings = make_settings(data_dir, bank, **{**FAST_WEBHOOKS, "webhook_backoff_s": 1.0})
    first = make_app(settings, SANDBOX_FACTORY=BrokenSandbox)
    build_world(first)
    receiver.answers.append((500, {}, 0.0))
    add_webhook(first, receiver.url)
    _finish_a_run(first)
    wait_for(lambda: deliveries(first) and deliveries(first)[0].attempts == 1)
    webhooks.sender(first).stop()  # the server stops before the retry is due

    second = make_app(settings, SANDBOX_FACTORY=BrokenSandbox)  # prepare() starts the sender
    try:
        wait_for(lambda: deliveries(second)[0].delivered_at)
        assert len(receiver.calls) == 2 and deliveries(second)[0].attempts == 2
    finally:
        webhooks.sender(second).stop()


def test_no_webhook_no_delivery(hook_app: Flask) -> None:
    _finish_a_run(hook_app)
    assert deliveries(hook_app) == []


# --- the ATS round trip over real HTTP -------------------------------------------------------


def _http(method: str, url: str, token: str, body: dict[str, Any] | None = None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=bearer(token))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as exc:  # headers: an email.message.Message, any case
        return exc.code, exc.headers, json.loads(exc.read())


@pytest.fixture
def served(hook_app: Flask) -> Iterator[str]:
    with served_in_thread(hook_app) as base:
        web = hook_app.extensions["grader"]
        web.settings = replace(web.settings, public_url=base)
        yield base


def test_an_ats_gets_a_signed_webhook_and_fetches_the_result_over_http(
    hook_app: Flask, served: str, receiver: Receiver
) -> None:
    read, write = add_token(hook_app, "read"), add_token(hook_app, "write")
    secret = add_webhook(hook_app, receiver.url)

    status, headers, listed = _http("GET", f"{served}/api/v1/assessments", read)
    assert status == 200 and "Set-Cookie" not in headers
    assessment = listed["items"][0]["id"]
    status, headers, _ = _http(
        "POST", f"{served}/api/v1/assessments/{assessment}/candidates", read, {"name": "Ada"}
    )
    assert status == 403 and headers["WWW-Authenticate"].startswith("Bearer")
    status, _, created = _http(
        "POST", f"{served}/api/v1/assessments/{assessment}/candidates", write, {"name": "Ada"}
    )
    assert status == 201 and created["link"].startswith(served + "/invite/")

    run_id = _finish_a_run(hook_app)
    call = wait_for(lambda: receiver.calls and receiver.calls[0])
    assert call.headers["X-Grader-Signature"] == expected_signature(secret, call.body)
    result_url = json.loads(call.body)["run"]["result_url"]
    assert result_url == f"{served}/api/v1/runs/{run_id}/result"
    status, _, document = _http("GET", result_url, read)
    assert status == 200 and document["status"] == "sandbox_error"
    assert document["challenge"] == "routing"
    status, headers, _ = _http("GET", result_url, new_token())
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
