"""The JSON API (``/api/v1/``) for applicant tracking systems: assessments, candidates (invites),
runs and their result documents, authenticated by bearer tokens that admins issue.

A token is sent as ``Authorization: Bearer <token>``; the database keeps only its SHA-256. A
``read`` token may call every GET; creating an invite needs a ``write`` token. No cookie is read
or set here, so the blueprint is exempt from CSRF (a browser never sends a bearer token on its
own). Errors are JSON ``{"error": ..., "message": ...}`` (grader.web's handlers); requests are
rate-limited per token (setting ``ratelimit_api``).
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Blueprint, Response, abort, g, jsonify, request
from flask_limiter.util import get_remote_address
from sqlalchemy import func
from sqlalchemy.sql import Select

from grader.errors import InputRejected
from grader.web import ratelimit
from grader.web.db import (
    ApiToken,
    Assessment,
    Invite,
    Run,
    Submission,
    db,
    hash_token,
    utcnow,
)
from grader.web.jobs import state
from grader.web.rounds import expiry_for, issue_link, record, refuse_if_closed
from grader.web.storage import run_result

bp = Blueprint("api", __name__, url_prefix="/api/v1")
F = TypeVar("F", bound=Callable[..., Any])

READ, WRITE = "read", "write"
SCOPES = (READ, WRITE)
TOKEN_PREFIX = "fgr_"  # lets secret scanners and people recognise a leaked token
DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET = 50, 200, 1_000_000
LAST_USED_EVERY = timedelta(minutes=1)  # how stale last_used_at may be (saves a write a call)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
INVITE_FIELDS = frozenset({"name", "email"})


def new_token() -> str:
    """Return a fresh API token (shown to the admin once; only its hash is stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _api_limits() -> str:
    return state().settings.ratelimit_api


def _rate_key() -> str:
    """Count per token (by its hash: no secret in the counters), else per client address."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return f"api-token/{hash_token(credentials.strip())[:32]}"
    return f"api-address/{get_remote_address()}"


ratelimit.limiter.limit(
    _api_limits, key_func=_rate_key, error_message="Too many API requests with this token."
)(bp)


def _challenge(realm_error: str = "", scope: str = "") -> str:
    value = 'Bearer realm="flask-grader"'
    if realm_error:
        value += f', error="{realm_error}"'
    if scope:
        value += f', scope="{scope}"'
    return value


def _refuse(code: int, title: str, message: str, header: str) -> Response:
    response = jsonify(error=title, message=message)
    response.status_code = code
    response.headers["WWW-Authenticate"] = header
    return response


def token_required(scope: str) -> Callable[[F], F]:
    """Let through requests with a live bearer token of ``scope`` (a write token may read)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not credentials.strip():
                return _refuse(
                    401,
                    "Unauthorized",
                    "send an API token as 'Authorization: Bearer <token>' (admins create "
                    "tokens under Integrations)",
                    _challenge(),
                )
            token = db.session.scalar(
                db.select(ApiToken).filter_by(token_hash=hash_token(credentials.strip()))
            )
            if token is None or token.revoked_at is not None:
                return _refuse(
                    401,
                    "Unauthorized",
                    "this API token is unknown or was revoked",
                    _challenge("invalid_token"),
                )
            if scope == WRITE and token.scope != WRITE:
                return _refuse(
                    403,
                    "Forbidden",
                    "this API token may only read: ask an admin for a token with write scope",
                    _challenge("insufficient_scope", WRITE),
                )
            now = utcnow()
            if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
                token.last_used_at = now
                db.session.commit()
            g.api_token = token
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


# --- documents: how the API (and webhook payloads) show each row -------------------------


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def result_path(run: Run) -> str:
    """The API path of a run's result document."""
    return f"{bp.url_prefix}/runs/{run.public_id}/result"


def run_document(run: Run, *, base_url: str = "") -> dict[str, Any]:
    """A run as the API and webhooks show it: its state, score, candidate and challenge."""
    submission = run.submission
    invite = submission.invite
    assessment = invite.assessment
    version = run.version
    return {
        "run": {
            "id": run.public_id,
            "state": run.state,
            "status": run.label,
            "score": run.score,
            "reason": run.reason if run.finished else "",
            "created_at": _when(run.created_at),
            "finished_at": _when(run.finished_at),
            "submission": submission.public_id,
            "result_url": base_url.rstrip("/") + result_path(run) if run.has_result else None,
        },
        "candidate": {
            "id": invite.public_id,
            "name": invite.candidate_name,
            "email": invite.candidate_email,
        },
        "assessment": {"id": assessment.public_id, "name": assessment.name},
        "challenge": {
            "id": submission.challenge.slug,
            "title": version.title,
            "version": version.version,
        },
    }


def _assessment_document(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.public_id,
        "name": assessment.name,
        "opens_at": _when(assessment.opens_at),
        "closes_at": _when(assessment.closes_at),
        "open": assessment.is_open(),
        "challenges": [
            {"id": c.slug, "title": c.published.title if c.published else c.slug}
            for c in assessment.challenges
        ],
        "candidates": len(assessment.invites),
        "archived_at": _when(assessment.archived_at),
    }


def _candidate_document(invite: Invite) -> dict[str, Any]:
    return {
        "id": invite.public_id,
        "assessment": invite.assessment.public_id,
        "name": invite.candidate_name,
        "email": invite.candidate_email,
        "created_at": _when(invite.created_at),
        "expires_at": _when(invite.expires_at),
        "revoked_at": _when(invite.revoked_at),
        "last_seen_at": _when(invite.last_seen_at),
        "usable": invite.usable(),
    }


# --- paging and input -------------------------------------------------------------------


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"\d{1,9}", raw) or not low <= int(raw) <= high:
        raise InputRejected(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def _page(query: Select[Any], document: Callable[[Any], dict[str, Any]]) -> Response:
    """Answer one page of ``query``'s rows (``?limit=`` and ``?offset=``) with the total."""
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, MAX_OFFSET)
    total = db.session.scalar(db.select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.limit(limit).offset(offset)).all()
    return jsonify(items=[document(row) for row in rows], total=total, limit=limit, offset=offset)


def _base_url() -> str:
    return request.host_url.rstrip("/")


def _run_item(run: Run) -> dict[str, Any]:
    return run_document(run, base_url=_base_url())


def _assessment_or_404(assessment_id: str) -> Assessment:
    return db.first_or_404(
        db.select(Assessment).filter_by(public_id=assessment_id),
        description="There is no such assessment.",
    )


def _invite_or_404(invite_id: str) -> Invite:
    return db.first_or_404(
        db.select(Invite).filter_by(public_id=invite_id), description="There is no such candidate."
    )


def _run_or_404(run_id: str) -> Run:
    return db.first_or_404(
        db.select(Run).filter_by(public_id=run_id), description="There is no such run."
    )


def _invite_fields() -> tuple[str, str]:
    """The name and e-mail of a new candidate from the JSON body; InputRejected says what is
    wrong with it."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputRejected(
            'send a JSON object such as {"name": "Ada Lovelace", "email": "ada@example.com"} '
            "with Content-Type: application/json"
        )
    unknown = sorted(set(body) - INVITE_FIELDS)
    if unknown:
        raise InputRejected(f"unknown field {unknown[0]!r}: only 'name' and 'email' are read")
    name, email = body.get("name"), body.get("email", "")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InputRejected("'name' must be the candidate's name: text of 1 to 200 characters")
    if email is None:
        email = ""
    if not isinstance(email, str) or len(email) > 254 or (email and not EMAIL.match(email)):
        raise InputRejected("'email' must be an e-mail address (or left out)")
    return name.strip(), email.strip()


# --- endpoints ------------------------------------------------------------------------------


@bp.get("/assessments")
@token_required(READ)
def assessments() -> Response:
    """List assessments, newest first."""
    return _page(
        db.select(Assessment).order_by(Assessment.created_at.desc(), Assessment.id.desc()),
        _assessment_document,
    )


@bp.get("/assessments/<assessment_id>")
@token_required(READ)
def assessment(assessment_id: str) -> Response:
    """Show one assessment: its window and challenges."""
    return jsonify(_assessment_document(_assessment_or_404(assessment_id)))


@bp.get("/assessments/<assessment_id>/candidates")
@token_required(READ)
def candidates(assessment_id: str) -> Response:
    """List an assessment's candidates (invites), oldest first."""
    assessment_ = _assessment_or_404(assessment_id)
    return _page(
        db.select(Invite).filter_by(assessment_id=assessment_.id).order_by(Invite.id),
        _candidate_document,
    )


@bp.post("/assessments/<assessment_id>/candidates")
@token_required(WRITE)
def create_candidate(assessment_id: str) -> tuple[Response, int]:
    """Invite a candidate; the answer holds their link, once (only its hash is stored)."""
    assessment_ = _assessment_or_404(assessment_id)
    name, email = _invite_fields()
    refuse_if_closed(assessment_)
    invite = Invite(
        assessment=assessment_,
        candidate_name=name,
        candidate_email=email,
        email=email or None,
        expires_at=expiry_for(assessment_),
    )
    link = issue_link(invite)
    db.session.add(invite)
    token_name = g.api_token.name
    record(assessment_, "invited", f"{name} {email} (API token {token_name!r})", invite)
    db.session.commit()
    return jsonify(candidate=_candidate_document(invite), link=link), 201


@bp.get("/candidates/<invite_id>")
@token_required(READ)
def candidate(invite_id: str) -> Response:
    """Show one candidate."""
    return jsonify(_candidate_document(_invite_or_404(invite_id)))


@bp.get("/assessments/<assessment_id>/runs")
@token_required(READ)
def assessment_runs(assessment_id: str) -> Response:
    """List the runs (gradings) of every candidate of an assessment, oldest first."""
    assessment_ = _assessment_or_404(assessment_id)
    query = (
        db.select(Run)
        .join(Run.submission)
        .join(Submission.invite)
        .where(Invite.assessment_id == assessment_.id)
        .order_by(Run.id)
    )
    return _page(query, _run_item)


@bp.get("/candidates/<invite_id>/runs")
@token_required(READ)
def candidate_runs(invite_id: str) -> Response:
    """List one candidate's runs, oldest first."""
    invite = _invite_or_404(invite_id)
    query = (
        db.select(Run)
        .join(Run.submission)
        .where(Submission.invite_id == invite.id)
        .order_by(Run.id)
    )
    return _page(query, _run_item)


@bp.get("/runs/<run_id>")
@token_required(READ)
def run(run_id: str) -> Response:
    """Show one run: state, score, candidate, challenge and where its result is."""
    return jsonify(_run_item(_run_or_404(run_id)))


@bp.get("/runs/<run_id>/result")
@token_required(READ)
def result(run_id: str) -> Response:
    """Answer a run's result document: the interviewer's result.json, hidden tests included."""
    run_ = _run_or_404(run_id)
    if not run_.has_result:
        abort(404, f"Run {run_id} has no result yet (state: {run_.label}).")
    try:
        document = run_result(state().settings.data_dir, run_.result_json, run_.result_dir)
    except InputRejected as exc:  # damaged on our side, not the caller's input
        abort(409, str(exc))
    return Response(document.to_json(), mimetype="application/json")
