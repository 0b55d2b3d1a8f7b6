"""The interviewers' pages: dashboard, assessments, candidates, reports, comparison, re-grade.

Open to every staff member (admins included); nothing here changes a challenge.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func

from grader.diff import diff_results
from grader.errors import InputRejected, SubmissionRejected
from grader.exports import export_text
from grader.intake import load_submission
from grader.results import Result
from grader.web import rounds
from grader.web.auth import staff_required
from grader.web.candidate import has_pending_run, lock_invite
from grader.web.cohort import cohort_table
from grader.web.db import (
    PENDING_STATES,
    QUEUED,
    Assessment,
    CandidateReview,
    Challenge,
    Invite,
    Run,
    Submission,
    db,
)
from grader.web.documents import document_response
from grader.web.jobs import state
from grader.web.review import DECISIONS, audit_trail, rubric_of
from grader.web.storage import run_result, safe_name

bp = Blueprint("interviewer", __name__)

MAX_COMPARED = 6
DOWNLOADS = {
    "result.json": "application/json",
    "junit.xml": "application/xml",
    "gradescope.json": "application/json",
}


def _result(run: Run) -> Result | None:
    if not run.has_result:
        return None
    try:
        return _stored_result(run)
    except InputRejected:
        return None


def _stored_result(run: Run) -> Result:
    return run_result(state().settings.data_dir, run.result_json, run.result_dir)


@bp.get("/dashboard")
@staff_required
def dashboard() -> Any:
    """List assessments with their candidates and scores, and the latest gradings."""
    archived = request.args.get("archived") == "1"
    shown = Assessment.archived_at.is_not(None) if archived else Assessment.archived_at.is_(None)
    assessments = db.session.scalars(
        db.select(Assessment).where(shown).order_by(Assessment.closes_at.desc())
    ).all()
    archived_count = db.session.scalar(
        db.select(func.count()).select_from(Assessment).where(Assessment.archived_at.is_not(None))
    )
    recent = db.session.scalars(db.select(Run).order_by(Run.id.desc()).limit(15)).all()
    pending = db.session.scalar(
        db.select(func.count()).select_from(Run).where(Run.state.in_(PENDING_STATES))
    )
    # Connected workers and queue depth, where the queue can tell (Celery workers can).
    overview = getattr(state().queue, "overview", None)
    return render_template(
        "interviewer/dashboard.html",
        assessments=assessments,
        archived=archived,
        archived_count=archived_count,
        recent=recent,
        pending=pending,
        queue=overview() if overview else None,
        tables={a.id: cohort_table(a) for a in assessments},
    )


@bp.get("/assessments/<assessment_id>")
@staff_required
def assessment(assessment_id: str) -> Any:
    """Show every candidate's latest score per challenge; admins also manage invites here."""
    assessment_ = db.first_or_404(
        db.select(Assessment).filter_by(public_id=assessment_id),
        description="There is no such assessment.",
    )
    return render_template(
        "interviewer/assessment.html",
        assessment=assessment_,
        table=cohort_table(assessment_),
        events=rounds.events(assessment_),
        mail_enabled=rounds.mail_enabled(),
    )


@bp.get("/candidates/<invite_id>")
@staff_required
def candidate(invite_id: str) -> Any:
    """Show one candidate's submissions to each challenge, every grading of each."""
    invite = db.first_or_404(
        db.select(Invite).filter_by(public_id=invite_id), description="There is no such candidate."
    )
    by_challenge = [
        (c, [s for s in reversed(invite.submissions) if s.challenge_id == c.id])
        for c in invite.assessment.challenges
    ]
    return render_template(
        "interviewer/candidate.html",
        invite=invite,
        by_challenge=by_challenge,
        table=cohort_table(invite.assessment, [invite]),
        rubrics={c.id: rubric_of(c) for c in invite.assessment.challenges},
        candidate_review=db.session.get(CandidateReview, invite.id),
        audit=audit_trail(invite),
        decisions=DECISIONS,
    )


@bp.get("/runs/<run_id>")
@staff_required
def run(run_id: str) -> Any:
    """Show one grading: its status, the submission's history, and the interviewer report."""
    run_ = db.first_or_404(
        db.select(Run).filter_by(public_id=run_id), description="There is no such grading."
    )
    submission = run_.submission
    current = submission.challenge.published
    downloads = list(DOWNLOADS) if run_.has_result else []
    return render_template(
        "interviewer/run.html",
        run=run_,
        submission=submission,
        invite=submission.invite,
        history=list(reversed(submission.runs)),
        previous=_previous_results(submission),
        current=current,
        downloads=downloads,
    )


def _previous_results(submission: Submission) -> dict[int, Run]:
    """Map each run with a result to the latest earlier run of the submission with one."""
    previous: dict[int, Run] = {}
    last: Run | None = None
    for run_ in submission.runs:  # oldest first
        if run_.has_result:
            if last is not None:
                previous[run_.id] = last
            last = run_
    return previous


@bp.get("/runs/<run_id>/changes")
@staff_required
def changes(run_id: str) -> Any:
    """Show what changed since the grading before this one (or ``?against=`` another grading
    of the same submission): score, status, tests, versions, timings."""
    run_ = db.first_or_404(
        db.select(Run).filter_by(public_id=run_id), description="There is no such grading."
    )
    against = request.args.get("against")
    if against:
        base = db.first_or_404(
            db.select(Run).filter_by(public_id=against, submission_id=run_.submission_id),
            description="There is no such grading of this submission.",
        )
    else:
        base = _previous_results(run_.submission).get(run_.id)
        if base is None:
            abort(404, "There is no earlier finished grading of this submission to compare with.")
    old, new = _result(base), _result(run_)
    if old is None or new is None:
        abort(404, "One of the two gradings has no readable result: re-grade it.")
    return render_template(
        "interviewer/changes.html",
        run=run_,
        base=base,
        submission=run_.submission,
        invite=run_.submission.invite,
        diff=diff_results(old, new),
    )


@bp.get("/submissions/<submission_id>/download")
@staff_required
def submission_download(submission_id: str) -> Any:
    """Download a submission's files as a zip (staff only), as intake accepted them."""
    submission = db.first_or_404(
        db.select(Submission).filter_by(public_id=submission_id),
        description="There is no such submission.",
    )
    name = safe_name(
        f"{submission.invite.candidate_name}-{submission.challenge.slug}-{submission.sha256[:8]}"
    )
    try:
        data = _submission_zip(submission, name)
    except SubmissionRejected as exc:
        abort(409, f"The stored submission cannot be read back: {exc}")
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f"attachment; filename={name}.zip"
    return response


def _submission_zip(submission: Submission, top: str) -> bytes:
    """Zip the submission's files under ``top/``, read back through intake's checks."""
    web = state()
    buffer = io.BytesIO()
    with (
        tempfile.TemporaryDirectory(dir=web.settings.data_dir / "tmp", prefix="zip-") as tmp,
        web.files.submission_path(submission) as path,
    ):
        checked = load_submission(path, Path(tmp) / "submission")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for rel in checked.files:
                archive.write(checked.root / rel, f"{top}/{rel}")
    return buffer.getvalue()


@bp.get("/runs/<run_id>/status")
@staff_required
def run_status(run_id: str) -> Any:
    """Answer a grading's status as JSON (what the page polls)."""
    return jsonify(
        db.first_or_404(
            db.select(Run).filter_by(public_id=run_id), description="There is no such grading."
        ).status_document()
    )


@bp.get("/runs/<run_id>/report")
@staff_required
def report(run_id: str) -> Any:
    """The interviewer report of a finished grading, as a document for the iframe."""
    from grader.reports import render_report

    run_ = db.first_or_404(
        db.select(Run).filter_by(public_id=run_id), description="There is no such grading."
    )
    if not run_.has_result:
        abort(404, "This grading has no result yet.")
    return document_response(render_report(_stored_result(run_)))


@bp.get("/runs/<run_id>/files/<name>")
@staff_required
def download(run_id: str, name: str) -> Any:
    """Download one export of a finished grading (result.json, junit.xml, gradescope.json)."""
    run_ = db.first_or_404(
        db.select(Run).filter_by(public_id=run_id), description="There is no such grading."
    )
    if name not in DOWNLOADS or not run_.has_result:
        abort(404, "There is no such file.")
    if run_.result_dir:  # written beside the report when the web process graded it
        path = state().settings.data_dir / run_.result_dir / name
        if path.is_file():
            return send_file(path, mimetype=DOWNLOADS[name], as_attachment=True, download_name=name)
    data = export_text(_stored_result(run_), name)
    response = Response(data, mimetype=DOWNLOADS[name])
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


@bp.post("/submissions/<submission_id>/regrade")
@staff_required
def regrade(submission_id: str) -> Any:
    """Grade a submission again with its challenge's published version; earlier runs stay."""
    submission = db.first_or_404(
        db.select(Submission).filter_by(public_id=submission_id),
        description="There is no such submission.",
    )
    version = submission.challenge.published
    if version is None:
        abort(409, "This challenge has no published version to grade against.")
    # One grading at a time per candidate and challenge, atomically (three parallel re-grade
    # requests make one run): the check and the new run are one step under the invite's lock.
    lock_invite(submission.invite)
    if has_pending_run(submission.invite_id, submission.challenge_id):
        db.session.rollback()
        abort(409, "This candidate's work on this challenge is already waiting to be graded.")
    run_ = Run(
        submission=submission,
        version=version,
        state=QUEUED,
        requested_by=current_user._get_current_object(),
    )
    db.session.add(run_)
    db.session.commit()
    queue = state().queue
    assert queue is not None
    queue.submit(run_.public_id)
    flash("Re-grade queued: this page updates when it finishes.", "success")
    return redirect(url_for("interviewer.run", run_id=run_.public_id))


@bp.get("/compare")
@staff_required
def compare() -> Any:
    """Put candidates of one assessment side by side: scores, then skills, per challenge."""
    ids = list(dict.fromkeys(request.args.getlist("candidate")))
    if not 2 <= len(ids) <= MAX_COMPARED:
        abort(400, f"Choose between 2 and {MAX_COMPARED} candidates to compare.")
    invites = [
        db.first_or_404(
            db.select(Invite).filter_by(public_id=public_id),
            description="There is no such candidate.",
        )
        for public_id in ids
    ]
    assessment_ = invites[0].assessment
    if any(i.assessment_id != assessment_.id for i in invites):
        abort(400, "Compare candidates of one assessment at a time.")
    table = cohort_table(assessment_, invites)
    challenges: list[Challenge] = assessment_.challenges
    results = {
        key: _result(cell.run) if cell.run is not None else None
        for key, cell in table.cells.items()
    }
    skills = {
        c.id: sorted(
            {name for i in invites if (r := results[i.id, c.id]) is not None for name in r.skills}
        )
        for c in challenges
    }
    return render_template(
        "interviewer/compare.html",
        assessment=assessment_,
        invites=invites,
        challenges=challenges,
        table=table,
        results=results,
        skills=skills,
    )
