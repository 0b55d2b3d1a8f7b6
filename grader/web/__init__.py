"""The web app: candidates submit, interviewers review, hiring teams add challenges.

``create_app`` wires it the way Flask's tutorial does: configuration from grader.config's
Settings (then ``test_config``), extensions through ``init_app``, one blueprint per role. It only
configures: bringing the database to the newest schema, the first admin, the challenge bank and
starting the grading queue are ``grader.web.server.prepare``, which ``grader serve`` calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import markdown
import nh3
from flask import Flask, Response, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, InternalServerError

from grader.config import Settings, load_settings
from grader.errors import InputRejected
from grader.intake import MiB
from grader.web import db as db_module
from grader.web import ratelimit, schema, webhooks
from grader.web.jobs import (
    EXTENSION,
    GradingQueue,
    LocalWorkerPool,
    SandboxProvider,
    WebState,
    default_sandbox_factory,
)
from grader.web.storage import ensure_layout, load_or_create_secret

csrf = CSRFProtect()

# Pages: scripts and styles from our own static files only.
CSP_PAGE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-src 'self'; "
    "frame-ancestors 'none'"
)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app; ``test_config`` may hold SETTINGS, factories and any Flask key."""
    overrides = dict(test_config or {})
    settings: Settings = overrides.pop("SETTINGS", None) or load_settings()
    data_dir = settings.data_dir
    ensure_layout(data_dir)

    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key or load_or_create_secret(data_dir),
        SQLALCHEMY_DATABASE_URI=settings.database_url or f"sqlite:///{data_dir / 'grader.sqlite3'}",
        MAX_CONTENT_LENGTH=settings.max_upload_mb * MiB,
        SESSION_COOKIE_NAME="grader_session",
        SESSION_COOKIE_SECURE=bool(settings.session_cookie_secure),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=bool(settings.session_cookie_secure),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # A candidate may spend hours on a challenge before uploading: the token lives as
        # long as the session does.
        WTF_CSRF_TIME_LIMIT=None,
        PASSWORD_METHOD="scrypt",
        GRADING_QUEUE_FACTORY=None,  # callable(app) -> GradingQueue; default LocalWorkerPool
        SANDBOX_FACTORY=None,  # callable() -> Sandbox; default the Docker sandbox
    )
    app.config.from_mapping(overrides)

    sandbox_factory = app.config["SANDBOX_FACTORY"] or default_sandbox_factory(settings)
    web = WebState(settings, SandboxProvider(sandbox_factory))
    app.extensions[EXTENSION] = web

    db_module.init_app(app)
    schema.init_app(app)
    csrf.init_app(app)
    ratelimit.init_app(app, settings)
    from grader.web import mail, rounds

    mail.init_app(app)
    from grader.web import admin, api, auth, candidate, integrations, interviewer, review

    auth.init_app(app)
    review.init_app(app)
    webhooks.init_app(app, settings)
    csrf.exempt(api.bp)  # bearer tokens only: no cookie is read, so no cross-site request
    app.register_blueprint(api.bp)
    app.register_blueprint(integrations.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(candidate.bp)
    app.register_blueprint(interviewer.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(rounds.bp)
    app.add_url_rule("/", endpoint="index", view_func=auth.index)

    _register_filters(app)
    _register_errors(app)
    app.after_request(_security_headers)

    # The queue is made here but started by `prepare`: making it touches neither the database
    # nor the sandbox.
    factory = app.config["GRADING_QUEUE_FACTORY"] or _default_queue_factory(settings)
    web.queue = factory(app)
    return app


def _default_queue_factory(settings: Settings) -> Callable[[Flask], GradingQueue]:
    """Celery workers when a broker is configured, else the pool in this process."""
    if not settings.broker_url:
        return LocalWorkerPool
    from grader.workers.queue import CeleryQueue  # Celery is imported only when used

    return CeleryQueue


def _register_filters(app: Flask) -> None:
    app.jinja_env.globals["now_utc"] = db_module.utcnow

    @app.template_filter("when")
    def when(value: datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"

    @app.template_filter("score")
    def score(value: float | None) -> str:
        return "—" if value is None else f"{round(value, 2):g}"

    @app.template_filter("capitalize_first")
    def capitalize_first(text: str) -> str:
        return text[:1].upper() + text[1:]

    @app.template_filter("markdown")
    def render_markdown(text: str) -> Markup:
        # Statements come from uploaded challenges: sanitised here (no script, no event
        # handlers, no javascript: links), with the CSP as a second wall behind it.
        html = markdown.markdown(text, extensions=["fenced_code", "tables"])
        return Markup(nh3.clean(html, link_rel="noopener noreferrer nofollow"))


def _wants_json() -> bool:
    return request.path.endswith("/status") or request.path.startswith("/api/")


def _error_response(code: int, title: str, message: str) -> tuple[Any, int]:
    if _wants_json():
        return jsonify(error=title, message=message), code
    token = (request.view_args or {}).get("token") if request.blueprint == "candidate" else None
    if isinstance(token, str):  # a candidate's page: their navigation, not the staff sign-in
        from grader.web.candidate import invite_for_error_page  # the blueprint imports this module

        page = render_template(
            "candidate/error.html",
            code=code,
            title=title,
            message=message,
            token=token,
            invite=invite_for_error_page(token),
        )
        return page, code
    return render_template("error.html", code=code, title=title, message=message), code


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Any, int]:
        code = exc.code or 500
        if code >= 500:
            return _error_response(code, "Something went wrong", _SERVER_ERROR)
        return _error_response(code, exc.name, exc.description or "")

    @app.errorhandler(413)
    def too_large(exc: HTTPException) -> tuple[Any, int]:
        limit = app.config["MAX_CONTENT_LENGTH"] // MiB
        return _error_response(
            413,
            "Upload too large",
            f"The upload is larger than the limit of {limit} MiB. Leave out virtual "
            "environments, caches and data files, then upload again.",
        )

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(exc: RateLimitExceeded) -> tuple[Any, int, dict[str, str]]:
        wait_s = ratelimit.retry_after_s()
        body, code = _error_response(
            429, "Too many attempts", f"{exc.description} Try again in {wait_s} seconds."
        )
        return body, code, {"Retry-After": str(wait_s)}

    @app.errorhandler(InputRejected)
    def input_rejected(exc: InputRejected) -> tuple[Any, int]:
        return _error_response(400, "Bad Request", str(exc))

    @app.errorhandler(InternalServerError)
    def server_error(exc: InternalServerError) -> tuple[Any, int]:
        return _error_response(500, "Something went wrong", _SERVER_ERROR)


_SERVER_ERROR = "The server could not finish this request. Nothing you sent was lost; try again."


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP_PAGE)
    headers.setdefault("X-Frame-Options", "DENY")
    headers["X-Content-Type-Options"] = "nosniff"
    # Candidate URLs carry the invite token: never send it to another page.
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    return response
