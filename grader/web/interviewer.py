"""The interviewers' pages: dashboard, assessments, candidates, reports, comparison, re-grade.

Open to every staff member (admins included); nothing here changes a challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
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

from grader.errors import InputRejected
from grader.results import Result
from grader.web.auth import staff_required
from grader.web.db import (
    PENDING_STATES,
    QUEUED,
    Assessment,
    Challenge,
    Invite,
    Run,
    Submission,
    db,
)
from grader.web.documents import document_response
from grader.web.jobs import state
from grader.web.storage import read_result

bp = Blueprint("interviewer", __name__)

MAX_COMPARED = 6
DOWNLOADS = {
    "result.json": "application/json",
    "junit.xml": "application/xml",
    "gradescope.json": "application/json",
}


def _result(run: Run) -> Result | None:
    if not run.result_dir:
        return None
    try:
        return read_result(state().settings.data_dir, run.result_dir)
    except InputRejected:
        return None


@bp.get("/dashboard")
@staff_required
def dashboard() -> Any:
    """List assessments with their candidates and scores, and the latest gradings."""
    assessments = db.session.scalars(
        db.select(Assessment).order_by(Assessment.closes_at.desc())
    ).all()
    recent = db.session.scalars(db.select(Run).order_by(Run.id.desc()).limit(15)).all()
    pending = db.session.scalar(
        db.select(func.count()).select_from(Run).where(Run.state.in_(PENDING_STATES))
    )
    return render_template(
        "interviewer/dashboard.html", assessments=assessments, recent=recent, pending=pending
    )


@bp.get("/assessments/<assessment_id>")
@staff_required
def assessment(assessment_id: str) -> Any:
    """Show every candidate's latest score per challenge; admins also manage invites here."""
    assessment_ = db.first_or_404(
        db.select(Assessment).filter_by(public_id=assessment_id),
        description="There is no such assessment.",
    )
    return render_template("interviewer/assessment.html", assessment=assessment_)


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
    return render_template("interviewer/candidate.html", invite=invite, by_challenge=by_challenge)


@bp.get("/runs/<run_id>")
@staff_required
def run(run_id: str) -> Any:
    """Show one grading: its status, the submission's history, and the interviewer report."""
    run_ = db.first_or_404(
        db.select(Run).filter_by(public_id=run_id), description="There is no such grading."
    )
    submission = run_.submission
    current = submission.challenge.published
    result_dir = state().settings.data_dir / run_.result_dir if run_.result_dir else None
    downloads = [name for name in DOWNLOADS if result_dir and (result_dir / name).is_file()]
    return render_template(
        "interviewer/run.html",
        run=run_,
        submission=submission,
        invite=submission.invite,
        history=list(reversed(submission.runs)),
        current=current,
        downloads=downloads,
    )


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
    if not run_.result_dir:
        abort(404, "This grading has no result yet.")
    return document_response(render_report(read_result(state().settings.data_dir, run_.result_dir)))


@bp.get("/runs/<run_id>/files/<name>")
@staff_required
def download(run_id: str, name: str) -> Any:
    """Download one export of a finished grading (result.json, junit.xml, gradescope.json)."""
    run_ = db.first_or_404(
        db.select(Run).filter_by(public_id=run_id), description="There is no such grading."
    )
    if name not in DOWNLOADS or not run_.result_dir:
        abort(404, "There is no such file.")
    path = state().settings.data_dir / run_.result_dir / name
    if not path.is_file():
        abort(404, "There is no such file.")
    return send_file(path, mimetype=DOWNLOADS[name], as_attachment=True, download_name=name)


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
    latest = submission.latest_run
    if latest is not None and latest.state in PENDING_STATES:
        abort(409, "This submission is already waiting to be graded.")
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


@dataclass(frozen=True)
class Cell:
    """One candidate's latest grading of one challenge, for the comparison."""

    run: Run | None
    result: Result | None


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
    challenges: list[Challenge] = assessment_.challenges
    cells: dict[tuple[int, int], Cell] = {}
    for invite in invites:
        for challenge in challenges:
            run_ = invite.latest_run(challenge)
            cells[invite.id, challenge.id] = Cell(run_, _result(run_) if run_ else None)
    skills = {
        c.id: sorted(
            {
                name
                for i in invites
                if (cell := cells[i.id, c.id]).result
                for name in cell.result.skills
            }
        )
        for c in challenges
    }
    totals = {}
    for invite in invites:
        scores = [cells[invite.id, c.id].run for c in challenges]
        values = [r.score for r in scores if r is not None and r.score is not None]
        totals[invite.id] = sum(values) / len(challenges) if challenges and values else None
    return render_template(
        "interviewer/compare.html",
        assessment=assessment_,
        invites=invites,
        challenges=challenges,
        cells=cells,
        skills=skills,
        totals=totals,
    )
