"""The candidate's pages, reached only through a secret invite link (no password).

Every route starts from the token in its URL; every object below it is looked up through that
invite, so another candidate's ids answer 404. Candidates see the candidate view of a result
only: never hidden test names, never the interviewer report.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from grader.errors import SubmissionRejected
from grader.web.db import (
    FAILED,
    PENDING_STATES,
    QUEUED,
    Challenge,
    ChallengeVersion,
    Invite,
    Run,
    Submission,
    db,
    hash_token,
    new_public_id,
    utcnow,
)
from grader.web.documents import document_response
from grader.web.jobs import state
from grader.web.ratelimit import (
    invite_guess_limits,
    is_unknown_invite,
    limiter,
    mark_unknown_invite,
)
from grader.web.storage import Upload, check_upload, run_result, starter_zip, store_submission

bp = Blueprint("candidate", __name__, url_prefix="/invite/<token>")
# Invite links are guessed one request at a time: count, per client address, the links that
# open nothing, over every page of this blueprint.
limiter.shared_limit(
    invite_guess_limits,
    scope="invite-guesses",
    deduct_when=is_unknown_invite,
    error_message="Too many invite links that open nothing came from your address.",
)(bp)

MAX_TOKEN_LENGTH = 100
# Bounds the work one candidate can queue: one grading at a time, this many per challenge.
MAX_SUBMISSIONS_PER_CHALLENGE = 30
FAILED_FOR_CANDIDATE = (
    "The grader could not grade this submission. It is stored safely and the hiring team "
    "can re-grade it; you do not need to submit again."
)


def _invite(token: str) -> Invite:
    """The usable invite this token opens; 404 if unknown, 410 if withdrawn or expired."""
    invite = None
    if len(token) <= MAX_TOKEN_LENGTH:
        invite = db.session.scalar(db.select(Invite).filter_by(token_hash=hash_token(token)))
    if invite is None:
        mark_unknown_invite()
        abort(404, _UNKNOWN_LINK)
    if invite.revoked_at is not None:
        abort(410, "This invite link was withdrawn. Ask the hiring team for a new one.")
    if not invite.usable():
        abort(410, f"This invite link expired on {invite.expires_at:%Y-%m-%d %H:%M} UTC.")
    now = utcnow()
    invite.last_seen_at = now
    db.session.commit()
    if invite.started_at is None and invite.assessment.is_open(now):
        # The time budget runs from the first opening in the window: set once, atomically.
        db.session.execute(
            db.update(Invite)
            .where(Invite.id == invite.id, Invite.started_at.is_(None))
            .values(started_at=now)
        )
        db.session.commit()
    return invite


_UNKNOWN_LINK = "This invite link is not valid. Check that you copied the whole link."


def invite_for_error_page(token: str) -> Invite | None:
    """The invite an error page on a candidate's URL may show navigation for: one this token
    opens and nobody withdrew. Looks only: no rate-limit count, no last-seen update."""
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        invite = db.session.scalar(db.select(Invite).filter_by(token_hash=hash_token(token)))
    except SQLAlchemyError:  # the error being shown may be the database's
        db.session.rollback()
        return None
    return invite if invite is not None and invite.revoked_at is None else None


def _challenge(invite: Invite, slug: str) -> tuple[Challenge, ChallengeVersion]:
    for challenge in invite.assessment.challenges:
        if challenge.slug == slug and challenge.published is not None:
            return challenge, challenge.published
    abort(404, "This assessment has no such challenge.")


def _submission(invite: Invite, submission_id: str) -> Submission:
    return db.first_or_404(
        db.select(Submission).filter_by(public_id=submission_id, invite_id=invite.id),
        description="You have no such submission.",
    )


def _require_opened(invite: Invite) -> None:
    """Challenges can be read from the window's opening on (read-only once it is over)."""
    assessment = invite.assessment
    if utcnow() < assessment.opens_at:
        abort(403, f"The assessment opens on {assessment.opens_at:%Y-%m-%d %H:%M} UTC.")


def _require_time_left(invite: Invite) -> None:
    """Uploads until the candidate's deadline plus the grace period for uploads under way."""
    _require_opened(invite)
    deadline = invite.deadline()
    grace = timedelta(seconds=state().settings.upload_grace_s)
    if utcnow() >= deadline + grace:
        abort(
            403,
            f"Uploads closed at {deadline:%Y-%m-%d %H:%M} UTC ({_why_closed(invite)}); "
            f"an upload already under way was accepted until {deadline + grace:%H:%M:%S} UTC. "
            "You can still read your results.",
        )


def _why_closed(invite: Invite) -> str:
    assessment = invite.assessment
    if invite.deadline() < assessment.closes_at + timedelta(minutes=invite.extra_minutes):
        return f"your time budget of {assessment.time_budget_minutes} minutes ran out"
    return "the assessment's window closed"


def lock_invite(invite: Invite) -> None:
    """Serialise the uploads and re-grades of one candidate: take the invite's row lock.

    The UPDATE is the first statement of a fresh transaction: on PostgreSQL a second one waits
    on the row until the first commits, then reads what it committed (READ COMMITTED); on
    SQLite it waits for the write lock. Checks made after it see every committed run.
    """
    db.session.commit()
    db.session.execute(
        db.update(Invite).where(Invite.id == invite.id).values(last_seen_at=utcnow())
    )


def has_pending_run(invite_id: int, challenge_id: int) -> bool:
    """Whether a grading of this candidate's work on the challenge is queued or running."""
    query = (
        db.select(Run.id)
        .join(Submission)
        .where(
            Submission.invite_id == invite_id,
            Submission.challenge_id == challenge_id,
            Run.state.in_(PENDING_STATES),
        )
        .limit(1)
    )
    return db.session.scalar(query) is not None


@bp.get("")
def home(token: str) -> Any:
    """List the assessment's challenges with the candidate's latest result for each."""
    invite = _invite(token)
    rows = [(c, c.published, invite.latest_run(c)) for c in invite.assessment.challenges]
    return render_template(
        "candidate/home.html",
        invite=invite,
        token=token,
        rows=[row for row in rows if row[1] is not None],
        is_open=invite.assessment.is_open(),
        not_yet=utcnow() < invite.assessment.opens_at,
        can_upload=_can_upload(invite),
    )


def _can_upload(invite: Invite) -> bool:
    """Whether the page offers the upload form: from the opening until the deadline."""
    now = utcnow()
    return invite.assessment.opens_at <= now < invite.deadline()


@bp.get("/challenges/<slug>")
def challenge(token: str, slug: str, error: str | None = None, status: int = 200) -> Any:
    """Show a challenge's statement, its starter, the upload form and past submissions."""
    invite = _invite(token)
    _require_opened(invite)
    challenge_, version = _challenge(invite, slug)
    statement_path = state().settings.data_dir / version.root / "README.md"
    try:
        statement = statement_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        statement = "The statement of this challenge cannot be shown; ask the hiring team."
    submissions = [s for s in invite.submissions if s.challenge_id == challenge_.id]
    return render_template(
        "candidate/challenge.html",
        invite=invite,
        token=token,
        challenge=challenge_,
        version=version,
        statement=statement,
        submissions=list(reversed(submissions)),
        error=error,
        max_upload_mb=state().settings.max_upload_mb,
        can_upload=_can_upload(invite),
    ), status


@bp.get("/challenges/<slug>/starter.zip")
def starter(token: str, slug: str) -> Response:
    """Download the challenge's starter project as a zip."""
    invite = _invite(token)
    _require_opened(invite)
    challenge_, version = _challenge(invite, slug)
    data = starter_zip(state().settings.data_dir / version.root, challenge_.slug)
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{challenge_.slug}-starter.zip"'},
    )


@bp.post("/challenges/<slug>/submissions")
def submit(token: str, slug: str) -> Any:
    """Store an upload durably, queue its grading, and show its status page."""
    invite = _invite(token)
    _require_time_left(invite)
    challenge_, version = _challenge(invite, slug)
    uploads = [Upload(f.filename or "", f.read()) for f in request.files.getlist("files")]
    web = state()
    try:
        checked = check_upload(uploads, web.settings.data_dir / "tmp")
    except SubmissionRejected as exc:
        return challenge(token, slug, error=str(exc), status=400)
    # From here to the commit, this candidate's other uploads and re-grades wait: the check
    # below and the new run are one step (four parallel uploads: one accepted).
    lock_invite(invite)
    if has_pending_run(invite.id, challenge_.id):
        db.session.rollback()
        abort(409, "Your previous submission is still being graded: wait for its result.")
    count = db.select(db.func.count(Submission.id)).filter_by(
        invite_id=invite.id, challenge_id=challenge_.id
    )
    if (db.session.scalar(count) or 0) >= MAX_SUBMISSIONS_PER_CHALLENGE:
        db.session.rollback()
        abort(429, f"You reached the limit of {MAX_SUBMISSIONS_PER_CHALLENGE} submissions.")
    submission_id = new_public_id()
    stored_path = store_submission(web.settings.data_dir, submission_id, checked)
    submission = Submission(
        public_id=submission_id,
        invite=invite,
        challenge=challenge_,
        stored_path=stored_path,
        source_name=checked.source_name,
        size_bytes=checked.size_bytes,
        sha256=checked.sha256,
    )
    db.session.add(submission)
    run = Run(submission=submission, version=version, state=QUEUED)
    db.session.add(run)
    db.session.commit()
    assert web.queue is not None
    web.queue.submit(run.public_id)
    return redirect(url_for("candidate.submission", token=token, submission_id=submission_id))


@bp.get("/submissions/<submission_id>")
def submission(token: str, submission_id: str) -> Any:
    """Show a submission's grading status (updated live) and, once graded, its feedback."""
    invite = _invite(token)
    submission_ = _submission(invite, submission_id)
    return render_template(
        "candidate/submission.html",
        invite=invite,
        token=token,
        submission=submission_,
        run=submission_.latest_run,
        failed_message=FAILED_FOR_CANDIDATE,
    )


@bp.get("/submissions/<submission_id>/status")
def status(token: str, submission_id: str) -> Any:
    """Answer the submission's grading status as JSON (what the page polls)."""
    invite = _invite(token)
    run = _submission(invite, submission_id).latest_run
    if run is None:
        abort(404)
    document = run.status_document()
    if run.state == FAILED:
        document["reason"] = FAILED_FOR_CANDIDATE
    return jsonify(document)


@bp.get("/submissions/<submission_id>/feedback")
def feedback(token: str, submission_id: str) -> Any:
    """The candidate view of the latest finished grading, as a document for the iframe."""
    from grader.reports import render_candidate

    invite = _invite(token)
    submission_ = _submission(invite, submission_id)
    finished = [r for r in submission_.runs if r.has_result]
    if not finished:
        abort(404, "This submission has no result yet.")
    latest = finished[-1]
    result = run_result(state().settings.data_dir, latest.result_json, latest.result_dir)
    return document_response(render_candidate(result, embedded=True))
