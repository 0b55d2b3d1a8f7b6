"""Manual review by staff: adjusted scores with a reason, rubrics, comments, notes, decisions,
every change in the candidate's audit trail; the cohort's scores.csv and similar pairs.

Candidates see none of it, except a comment staff chose to publish. Open to every staff
member; only which submission an assessment counts is the admins' (it changes every table).
"""

from __future__ import annotations

import json
import math
from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from grader.challenges import RubricItem, parse_rubric, read_manifest
from grader.errors import ChallengeError
from grader.reports import render_similarity_fragment
from grader.scores_csv import ScoreRow, scores_csv
from grader.web.auth import admin_required, staff_required
from grader.web.cohort import (
    COUNTED_LABELS,
    Cell,
    CohortTable,
    challenge_boilerplate,
    cohort_table,
    rubric_points,
)
from grader.web.db import (
    COUNTED,
    DECISIONS,
    Assessment,
    CandidateReview,
    Challenge,
    ChallengeReview,
    Invite,
    ReviewEvent,
    Run,
    db,
    utcnow,
)
from grader.web.jobs import state
from grader.web.storage import safe_name

bp = Blueprint("review", __name__)

MAX_REASON = 2000
MAX_NOTES = 20_000
MAX_COMMENT = 5000
NONE_TEXT = "none"


def init_app(app: Flask) -> None:
    """Let the candidate's pages show a comment staff published (and nothing else of a review)."""
    app.jinja_env.globals["published_comment"] = published_comment
    app.jinja_env.globals["review_summary"] = review_summary


def published_comment(invite: Invite, challenge: Challenge) -> str:
    """The comment staff published to this candidate on this challenge, or ""."""
    review = _find_review(invite, challenge)
    return review.comment if review is not None and review.comment_published else ""


def review_summary(invite: Invite, challenge: Challenge) -> dict[str, Any]:
    """What a grading's page shows of the review of its candidate and challenge."""
    review = _find_review(invite, challenge)
    items = rubric_of(challenge)
    given = rubric_points(review)
    candidate = _candidate_review(invite)
    return {
        "adjusted": review.adjusted_score if review is not None else None,
        "reason": review.adjustment_reason if review is not None else "",
        "rubric": f"{sum(given.values()):g} / {sum(i.points for i in items):g}" if given else "",
        "comment": review.comment if review is not None else "",
        "published": bool(review is not None and review.comment_published),
        "decision": candidate.decision if candidate is not None else "",
    }


# -- reading -----------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _rubric_at(root: str) -> tuple[RubricItem, ...]:
    manifest_path = Path(root) / "challenge.toml"
    try:
        manifest = read_manifest(manifest_path, str(manifest_path))
        table = manifest.get("rubric", {})
        return parse_rubric(table, str(manifest_path)) if isinstance(table, dict) else ()
    except (FileNotFoundError, ChallengeError):
        return ()


def rubric_of(challenge: Challenge) -> tuple[RubricItem, ...]:
    """The rubric of the challenge's published version (its newest, if none is published)."""
    version = challenge.published or (challenge.versions[-1] if challenge.versions else None)
    if version is None:
        return ()
    return _rubric_at(str(state().settings.data_dir / version.root))


def _find_review(invite: Invite, challenge: Challenge) -> ChallengeReview | None:
    return db.session.scalar(
        db.select(ChallengeReview).filter_by(invite_id=invite.id, challenge_id=challenge.id)
    )


def _candidate_review(invite: Invite) -> CandidateReview | None:
    return db.session.get(CandidateReview, invite.id)


def audit_trail(invite: Invite) -> list[ReviewEvent]:
    """Every review change made to a candidate, newest first."""
    return list(
        db.session.scalars(
            db.select(ReviewEvent)
            .filter_by(invite_id=invite.id)
            .order_by(ReviewEvent.at.desc(), ReviewEvent.id.desc())
        )
    )


def _invite(invite_id: str) -> Invite:
    return db.first_or_404(
        db.select(Invite).filter_by(public_id=invite_id), description="There is no such candidate."
    )


def _challenge_of(invite: Invite, slug: str) -> Challenge:
    challenge = next((c for c in invite.assessment.challenges if c.slug == slug), None)
    if challenge is None:
        abort(404, "This assessment has no such challenge.")
    return challenge


def _assessment(assessment_id: str) -> Assessment:
    return db.first_or_404(
        db.select(Assessment).filter_by(public_id=assessment_id),
        description="There is no such assessment.",
    )


# -- writing, always with an audit line ----------------------------------------------------------


def _text(value: float | None) -> str:
    return NONE_TEXT if value is None else f"{value:g}"


def _audit(
    invite: Invite,
    challenge: Challenge | None,
    what: str,
    old: str,
    new: str,
    reason: str = "",
) -> None:
    db.session.add(
        ReviewEvent(
            invite_id=invite.id,
            challenge_id=challenge.id if challenge is not None else None,
            user_id=current_user.id,
            what=what,
            old_value=old,
            new_value=new,
            reason=reason,
        )
    )


def _review_for_update(invite: Invite, challenge: Challenge) -> ChallengeReview:
    review = _find_review(invite, challenge)
    if review is None:
        review = ChallengeReview(
            invite_id=invite.id,
            challenge_id=challenge.id,
            adjustment_reason="",
            rubric_json="{}",
            comment="",
            comment_published=False,
        )
        db.session.add(review)
    review.updated_at = utcnow()
    review.updated_by_id = current_user.id
    return review


def _number(field: str, low: float, high: float, what: str) -> float | None:
    """A form's number from ``low`` to ``high``; None when left empty; 400 when it is not one."""
    raw = request.form.get(field, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        abort(400, f"{what} must be a number from {low:g} to {high:g}, not {raw[:40]!r}.")
    if not math.isfinite(value) or not low <= value <= high:
        abort(400, f"{what} must be a number from {low:g} to {high:g}.")
    return round(value, 2)


def _back(invite: Invite, anchor: str = "") -> Any:
    target = url_for("interviewer.candidate", invite_id=invite.public_id)
    return redirect(f"{target}#{anchor}" if anchor else target)


@bp.post("/candidates/<invite_id>/challenges/<slug>/adjust")
@staff_required
def adjust(invite_id: str, slug: str) -> Any:
    """Set (or, with no score, remove) an adjusted score; a reason is required either way."""
    invite = _invite(invite_id)
    challenge = _challenge_of(invite, slug)
    score = _number("score", 0, 100, "The adjusted score")
    reason = request.form.get("reason", "").strip()
    if not reason:
        abort(400, "Say why the score is adjusted: the reason is kept in the audit trail.")
    if len(reason) > MAX_REASON:
        abort(400, f"Keep the reason under {MAX_REASON} characters.")
    review = _review_for_update(invite, challenge)
    old = review.adjusted_score
    review.adjusted_score = score
    review.adjustment_reason = reason if score is not None else ""
    _audit(invite, challenge, "adjusted score", _text(old), _text(score), reason)
    db.session.commit()
    flash(
        f"{challenge.slug}: adjusted score {_text(score)}"
        if score is not None
        else f"{challenge.slug}: adjustment removed; the automatic score counts again.",
        "success",
    )
    return _back(invite, f"review-{challenge.slug}")


@bp.post("/candidates/<invite_id>/challenges/<slug>/rubric")
@staff_required
def rubric(invite_id: str, slug: str) -> Any:
    """Record the points given for each rubric item (an empty field: not judged)."""
    invite = _invite(invite_id)
    challenge = _challenge_of(invite, slug)
    items = rubric_of(challenge)
    if not items:
        abort(409, "This challenge's manifest defines no rubric.")
    review = _review_for_update(invite, challenge)
    given = rubric_points(review)
    changed = 0
    for number, item in enumerate(items):
        value = _number(f"item-{number}", 0, item.points, f"Points for {item.name!r}")
        if value == given.get(item.name):
            continue
        _audit(invite, challenge, f"rubric: {item.name}", _text(given.get(item.name)), _text(value))
        changed += 1
        if value is None:
            given.pop(item.name, None)
        else:
            given[item.name] = value
    review.rubric_json = json.dumps(given, sort_keys=True)
    db.session.commit()
    flash(f"{challenge.slug}: rubric saved ({changed} changed).", "success")
    return _back(invite, f"review-{challenge.slug}")


@bp.post("/candidates/<invite_id>/challenges/<slug>/comment")
@staff_required
def comment(invite_id: str, slug: str) -> Any:
    """Save a comment for the candidate, and whether they may read it yet."""
    invite = _invite(invite_id)
    challenge = _challenge_of(invite, slug)
    text = request.form.get("comment", "").strip()
    if len(text) > MAX_COMMENT:
        abort(400, f"Keep the comment under {MAX_COMMENT} characters.")
    publish = request.form.get("publish") == "1" and bool(text)
    review = _review_for_update(invite, challenge)
    if text != review.comment:
        _audit(invite, challenge, "comment", review.comment or NONE_TEXT, text or NONE_TEXT)
    if publish != review.comment_published:
        words = {True: "published", False: "not published"}
        _audit(
            invite,
            challenge,
            "comment shown to the candidate",
            words[review.comment_published],
            words[publish],
        )
    review.comment, review.comment_published = text, publish
    db.session.commit()
    state_words = "published to the candidate" if publish else "kept for staff"
    flash(f"{challenge.slug}: comment saved, {state_words}.", "success")
    return _back(invite, f"review-{challenge.slug}")


def _candidate_review_for_update(invite: Invite) -> CandidateReview:
    review = _candidate_review(invite)
    if review is None:
        review = CandidateReview(invite_id=invite.id, decision="", notes="")
        db.session.add(review)
    review.updated_at = utcnow()
    review.updated_by_id = current_user.id
    return review


@bp.post("/candidates/<invite_id>/notes")
@staff_required
def notes(invite_id: str) -> Any:
    """Save the staff's notes on a candidate."""
    invite = _invite(invite_id)
    text = request.form.get("notes", "").strip()
    if len(text) > MAX_NOTES:
        abort(400, f"Keep the notes under {MAX_NOTES} characters.")
    review = _candidate_review_for_update(invite)
    if text != review.notes:
        _audit(invite, None, "notes", review.notes or NONE_TEXT, text or NONE_TEXT)
        review.notes = text
    db.session.commit()
    flash("Notes saved.", "success")
    return _back(invite, "decision")


@bp.post("/candidates/<invite_id>/decision")
@staff_required
def decision(invite_id: str) -> Any:
    """Record the decision on a candidate (advance, hold, reject, or undecided)."""
    invite = _invite(invite_id)
    value = request.form.get("decision", "")
    if value not in ("", *DECISIONS):
        abort(400, f"The decision must be one of {', '.join(DECISIONS)}, or none.")
    reason = request.form.get("reason", "").strip()[:MAX_REASON]
    review = _candidate_review_for_update(invite)
    if value != review.decision:
        _audit(invite, None, "decision", review.decision or NONE_TEXT, value or NONE_TEXT, reason)
        review.decision = value
    db.session.commit()
    flash(f"Decision: {value or 'none'}.", "success")
    return _back(invite, "decision")


@bp.post("/assessments/<assessment_id>/counting")
@admin_required
def counting(assessment_id: str) -> Any:
    """Choose which submission per challenge counts: the latest or the best."""
    assessment = _assessment(assessment_id)
    value = request.form.get("counted", "")
    if value not in COUNTED:
        abort(400, f"Count one of: {', '.join(COUNTED)}.")
    assessment.counted_submission = value
    db.session.commit()
    flash(f"Tables, averages and exports now count each candidate's {COUNTED_LABELS[value]}.")
    return redirect(url_for("interviewer.assessment", assessment_id=assessment.public_id))


# -- exports -----------------------------------------------------------------------------------


def _iso(moment: Any) -> str:
    return moment.replace(tzinfo=UTC).isoformat(timespec="seconds") if moment else ""


def score_rows(table: CohortTable) -> list[ScoreRow]:
    """One row per candidate and challenge of a table, review included."""
    rows = []
    for invite in table.invites:
        review = table.candidate_reviews.get(invite.id)
        for challenge in table.challenges:
            cell = table.cell(invite, challenge)
            rows.append(_score_row(invite, challenge, cell, review, rubric_of(challenge)))
    return rows


def _score_row(
    invite: Invite,
    challenge: Challenge,
    cell: Cell,
    review: CandidateReview | None,
    items: tuple[RubricItem, ...],
) -> ScoreRow:
    run = cell.run
    given = rubric_points(cell.review)
    status = "not submitted" if run is None else run.label
    return ScoreRow(
        candidate=invite.candidate_name,
        email=invite.candidate_email,
        challenge=challenge.slug,
        status=status,
        automatic_score=cell.automatic,
        adjusted_score=cell.adjusted,
        submitted_at=_iso(run.submission.created_at) if run is not None else "",
        graded_at=_iso(run.finished_at) if run is not None else "",
        counted=cell.counted if cell.submissions > 1 else "",
        adjustment_reason=cell.review.adjustment_reason if cell.review is not None else "",
        rubric_points=sum(given.values()) if given else None,
        rubric_max=sum(i.points for i in items) if items else None,
        similarity=cell.flag,
        decision=review.decision if review is not None else "",
        notes=review.notes if review is not None else "",
    )


@bp.get("/assessments/<assessment_id>/scores.csv")
@staff_required
def assessment_csv(assessment_id: str) -> Any:
    """Download the assessment's scores as CSV: one row per candidate and challenge."""
    assessment = _assessment(assessment_id)
    text = scores_csv(score_rows(cohort_table(assessment)))
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    name = safe_name(f"{assessment.name}-scores")
    response.headers["Content-Disposition"] = f"attachment; filename={name}.csv"
    return response


@bp.get("/candidates/<invite_id>/review.json")
@staff_required
def review_json(invite_id: str) -> Any:
    """Download a candidate's review: scores, adjustments, rubrics, notes, decision, audit."""
    invite = _invite(invite_id)
    table = cohort_table(invite.assessment, [invite])
    review = table.candidate_reviews.get(invite.id)
    challenges = []
    for challenge in table.challenges:
        cell = table.cell(invite, challenge)
        given = rubric_points(cell.review)
        challenges.append(
            {
                "challenge": challenge.slug,
                "counted": cell.counted,
                "submissions": cell.submissions,
                "run": cell.run.public_id if cell.run is not None else None,
                "automatic_score": cell.automatic,
                "adjusted_score": cell.adjusted,
                "adjustment_reason": cell.review.adjustment_reason if cell.review else "",
                "rubric": [
                    {"name": i.name, "points": i.points, "given": given.get(i.name)}
                    for i in rubric_of(challenge)
                ],
                "comment": cell.review.comment if cell.review else "",
                "comment_published": bool(cell.review and cell.review.comment_published),
                "similarity": cell.flag,
            }
        )
    document = {
        "candidate": invite.candidate_name,
        "email": invite.candidate_email,
        "assessment": invite.assessment.name,
        "decision": review.decision if review else "",
        "notes": review.notes if review else "",
        "average": table.average(invite).value,
        "challenges": challenges,
        "audit": [_event_document(e) for e in audit_trail(invite)],
    }
    response = jsonify(document)
    name = safe_name(f"{invite.candidate_name}-review")
    response.headers["Content-Disposition"] = f"attachment; filename={name}.json"
    return response


def _event_document(event: ReviewEvent) -> dict[str, Any]:
    return {
        "at": _iso(event.at),
        "by": event.user.email if event.user is not None else "",
        "challenge": event.challenge.slug if event.challenge is not None else "",
        "what": event.what,
        "old": event.old_value,
        "new": event.new_value,
        "reason": event.reason,
    }


# -- similar submissions -------------------------------------------------------------------------


@bp.get("/assessments/<assessment_id>/similar/<slug>")
@staff_required
def similar(assessment_id: str, slug: str) -> Any:
    """Show two candidates' submissions side by side, their matching code marked."""
    assessment = _assessment(assessment_id)
    challenge = next((c for c in assessment.challenges if c.slug == slug), None)
    if challenge is None:
        abort(404, "This assessment has no such challenge.")
    table = cohort_table(assessment)
    cohort = table.similarity.get(challenge.id)
    a, b = request.args.get("a", ""), request.args.get("b", "")
    pair = next((p for p in (cohort.pairs if cohort else ()) if {p.a.key, p.b.key} == {a, b}), None)
    if pair is None or cohort is None:
        abort(404, "These two submissions are not flagged as alike.")
    view = cohort.side_by_side(pair, exclude=challenge_boilerplate(challenge))
    runs = {
        r.public_id: r for r in db.session.scalars(db.select(Run).where(Run.public_id.in_([a, b])))
    }
    fragment = Markup(
        render_similarity_fragment(
            pair,
            view,
            a_link=url_for("interviewer.run", run_id=pair.a.key) if pair.a.key in runs else "",
            b_link=url_for("interviewer.run", run_id=pair.b.key) if pair.b.key in runs else "",
        )
    )
    return render_template(
        "interviewer/similar.html",
        assessment=assessment,
        challenge=challenge,
        pair=pair,
        fragment=fragment,
    )
