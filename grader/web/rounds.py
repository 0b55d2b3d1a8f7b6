"""Running a hiring round (admins): edit, extend, close and archive assessments; invite from a
CSV and by e-mail; resend and remind; per-candidate extensions; the assessment's audit trail.

Invite links: a link's token is derived from the app's secret key, the invite's public id and a
random per-link salt, so that a reminder can carry the very link the candidate already has. The
database still holds only the token's SHA-256: reading the database alone gives no link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, RadioField, StringField
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.2; no stub yet
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from grader.web.auth import admin_required
from grader.web.db import (
    Assessment,
    AssessmentEvent,
    Invite,
    db,
    hash_token,
    new_public_id,
    utcnow,
)
from grader.web.invite_csv import CsvRefused, parse_invite_csv
from grader.web.jobs import state
from grader.web.mail import mailer, mark_queued, render_message

bp = Blueprint("rounds", __name__, url_prefix="/admin")

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MAX_EXTRA_MINUTES = 7 * 24 * 60
MAX_BUDGET_MINUTES = 7 * 24 * 60
NO_BUDGET, CHALLENGES_BUDGET, CUSTOM_BUDGET = "none", "challenges", "custom"


# --- links --------------------------------------------------------------------------------


def _derive_token(invite: Invite) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode("utf-8") if isinstance(key, str) else key
    message = f"invite-link\0{invite.public_id}\0{invite.link_salt}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _link_url(token: str) -> str:
    public_url = state().settings.public_url.rstrip("/")
    if public_url:
        return public_url + url_for("candidate.home", token=token)
    return url_for("candidate.home", token=token, _external=True)


def issue_link(invite: Invite) -> str:
    """Give ``invite`` a fresh link (the old one stops working); return it."""
    if invite.public_id is None:
        invite.public_id = new_public_id()
    invite.link_salt = secrets.token_hex(16)
    token = _derive_token(invite)
    invite.token_hash = hash_token(token)
    return _link_url(token)


def current_link(invite: Invite) -> str | None:
    """The link ``invite`` has now, if it can be derived (not for random or older tokens)."""
    if not invite.link_salt:
        return None
    token = _derive_token(invite)
    if not hmac.compare_digest(hash_token(token), invite.token_hash):
        return None  # the secret key changed since
    return _link_url(token)


def expiry_for(assessment: Assessment) -> datetime:
    """When links to ``assessment`` stop opening: its close plus the read-only period."""
    return assessment.closes_at + timedelta(days=state().settings.results_access_days)


# --- audit trail and mail -----------------------------------------------------------------


def record(assessment: Assessment, action: str, detail: str = "", invite: Invite | None = None):
    """Add a line to ``assessment``'s audit trail (committed with the change it records)."""
    event = AssessmentEvent(
        assessment_id=assessment.id,
        invite=invite,
        actor_id=current_user.id if current_user.is_authenticated else None,
        at=utcnow(),
        action=action,
        detail=detail,
    )
    db.session.add(event)
    return event


def events(assessment: Assessment) -> list[AssessmentEvent]:
    """The assessment's audit trail, newest first."""
    return list(
        db.session.scalars(
            db.select(AssessmentEvent)
            .filter_by(assessment_id=assessment.id)
            .order_by(AssessmentEvent.id.desc())
        )
    )


def send_invite_mail(invite: Invite, kind: str, link: str) -> None:
    """Queue the ``invite`` or ``reminder`` message; the request never waits for SMTP."""
    outgoing = render_message(kind, invite, link)
    mark_queued(invite)
    db.session.commit()
    mailer().send(outgoing)


def mail_enabled() -> bool:
    return bool(state().settings.smtp_url)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _budget_text(minutes: int | None) -> str:
    return f"{minutes} min" if minutes else "none"


# --- forms --------------------------------------------------------------------------------


def budget_from(form: Any) -> int | None:
    """The time budget a form chose: none, the challenges' sum (given later) or custom."""
    if form.budget.data == CUSTOM_BUDGET:
        return int(form.budget_minutes.data)
    return None


def check_budget(form: Any, field: Any) -> None:
    if form.budget.data == CUSTOM_BUDGET and not field.data:
        raise ValidationError("Enter the minutes each candidate has.")


BUDGET_CHOICES = [
    SelectChoice(NO_BUDGET, "None: the window alone"),
    SelectChoice(CHALLENGES_BUDGET, "The challenges' time budgets, added up"),
    SelectChoice(CUSTOM_BUDGET, "Custom, in minutes"),
]


class EditAssessmentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    opens_at = DateTimeLocalField(
        "Opens (UTC)", format=DATETIME_FORMAT, validators=[DataRequired()]
    )
    closes_at = DateTimeLocalField(
        "Closes (UTC)", format=DATETIME_FORMAT, validators=[DataRequired()]
    )
    budget = RadioField("Time per candidate, from first opening their link", choices=BUDGET_CHOICES)
    budget_minutes = IntegerField(
        "Minutes (custom)",
        validators=[Optional(), NumberRange(min=1, max=MAX_BUDGET_MINUTES), check_budget],
    )

    def validate_closes_at(self, field: DateTimeLocalField) -> None:
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError("The window must close after it opens.")


def _assessment(assessment_id: str) -> Assessment:
    return db.first_or_404(
        db.select(Assessment).filter_by(public_id=assessment_id),
        description="There is no such assessment.",
    )


def _invite(invite_id: str) -> Invite:
    return db.first_or_404(
        db.select(Invite).filter_by(public_id=invite_id), description="There is no such candidate."
    )


def _back(assessment: Assessment) -> Any:
    return redirect(url_for("interviewer.assessment", assessment_id=assessment.public_id))


# --- assessments --------------------------------------------------------------------------


@bp.route("/assessments/<assessment_id>/edit", methods=("GET", "POST"))
@admin_required
def edit(assessment_id: str) -> Any:
    """Change an assessment's name, window and time budget; each change goes to the trail."""
    assessment = _assessment(assessment_id)
    form = EditAssessmentForm(obj=assessment)
    if request.method == "GET":
        budget = assessment.time_budget_minutes
        form.budget.data = CUSTOM_BUDGET if budget else NO_BUDGET
        form.budget_minutes.data = budget or assessment.default_budget_minutes() or None
    if form.validate_on_submit():
        changed = _apply_edit(assessment, form)
        db.session.commit()
        flash("Saved." if changed else "Nothing changed.", "success" if changed else "info")
        return _back(assessment)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/edit_assessment.html",
        form=form,
        assessment=assessment,
        challenges_budget=assessment.default_budget_minutes(),
    ), status


def _apply_edit(assessment: Assessment, form: EditAssessmentForm) -> bool:
    budget = budget_from(form)
    if form.budget.data == CHALLENGES_BUDGET:
        budget = assessment.default_budget_minutes() or None
    changes = [
        ("renamed", assessment.name, form.name.data or assessment.name, str),
        ("changed opening", assessment.opens_at, form.opens_at.data, _when),
        ("changed close", assessment.closes_at, form.closes_at.data, _when),
        ("changed time budget", assessment.time_budget_minutes, budget, _budget_text),
    ]
    changed = False
    for action, old, new, show in changes:
        if old != new:
            record(assessment, action, f"{show(old)} → {show(new)}")  # type: ignore[operator]
            changed = True
    assessment.name = form.name.data or assessment.name
    assessment.opens_at = form.opens_at.data or assessment.opens_at
    _set_close(assessment, form.closes_at.data or assessment.closes_at)
    assessment.time_budget_minutes = budget
    return changed


def _set_close(assessment: Assessment, closes_at: datetime) -> None:
    """Move the window's close; links then open (read-only after it) for the period after."""
    assessment.closes_at = closes_at
    for invite in assessment.invites:
        invite.expires_at = expiry_for(assessment)


@bp.post("/assessments/<assessment_id>/extend")
@admin_required
def extend(assessment_id: str) -> Any:
    """Move the window's close later by some hours (from now if it closed already)."""
    assessment = _assessment(assessment_id)
    hours = request.form.get("hours", type=int)
    if hours is None or not 1 <= hours <= 24 * 60:
        abort(400, "Extend by a whole number of hours, between 1 and 1440.")
    old = assessment.closes_at
    start = max(old, utcnow().replace(second=0, microsecond=0))
    _set_close(assessment, start + timedelta(hours=hours))
    record(assessment, "extended window", f"{_when(old)} → {_when(assessment.closes_at)}")
    db.session.commit()
    flash(f"The window now closes at {_when(assessment.closes_at)}.", "success")
    return _back(assessment)


@bp.post("/assessments/<assessment_id>/close")
@admin_required
def close(assessment_id: str) -> Any:
    """Close the window now; candidates keep reading their results."""
    assessment = _assessment(assessment_id)
    if assessment.is_closed():
        abort(409, "This assessment is closed already: extend it to open it again.")
    old = assessment.closes_at
    _set_close(assessment, utcnow())
    record(assessment, "closed early", f"{_when(old)} → {_when(assessment.closes_at)}")
    db.session.commit()
    flash("The assessment is closed: uploads are refused from now on.", "info")
    return _back(assessment)


@bp.post("/assessments/<assessment_id>/archive")
@admin_required
def archive(assessment_id: str) -> Any:
    """Hide an assessment from the dashboard (listed under archived), or bring it back."""
    assessment = _assessment(assessment_id)
    restore = request.form.get("restore") == "1"
    if restore == (assessment.archived_at is None):
        abort(409, "This assessment is not archived." if restore else "It is archived already.")
    assessment.archived_at = None if restore else utcnow()
    record(assessment, "restored from archive" if restore else "archived")
    db.session.commit()
    return _back(assessment)


# --- invites ------------------------------------------------------------------------------


def refuse_if_closed(assessment: Assessment) -> None:
    """New candidates and links only while the window is open or ahead."""
    if assessment.is_closed():
        abort(409, "This assessment is closed: extend its window first, then invite.")


@bp.post("/assessments/<assessment_id>/invites.csv")
@admin_required
def invite_csv(assessment_id: str) -> Any:
    """Invite every candidate of a CSV (name,email): all rows valid, or none is created."""
    assessment = _assessment(assessment_id)
    refuse_if_closed(assessment)
    upload = request.files.get("csv")
    if upload is None or not upload.filename:
        abort(400, "Choose a CSV file with the header name,email.")
    known = {
        (i.email or i.candidate_email).lower()
        for i in assessment.invites
        if i.revoked_at is None and (i.email or i.candidate_email)
    }
    try:
        found = parse_invite_csv(
            upload.read(), max_rows=state().settings.invite_csv_max_rows, known=known
        )
    except CsvRefused as exc:
        abort(400, f"The CSV was refused: {exc}.")
    if found.errors:
        page = render_template("admin/invite_csv.html", assessment=assessment, found=found)
        return page, 400
    created: list[tuple[Invite, str]] = []
    for _line, name, email in found.candidates:
        invite = Invite(
            public_id=new_public_id(),
            assessment=assessment,
            candidate_name=name,
            candidate_email=email,
            email=email,
            expires_at=expiry_for(assessment),
        )
        created.append((invite, issue_link(invite)))
        db.session.add(invite)
        record(assessment, "invited", f"{name} <{email}> (CSV)", invite=invite)
    db.session.commit()
    if mail_enabled():
        for invite, link in created:
            send_invite_mail(invite, "invite", link)
    page = render_template(
        "admin/invite_csv.html",
        assessment=assessment,
        found=found,
        created=created,
        mailed=mail_enabled(),
    )
    return page, 201


@bp.post("/invites/<invite_id>/resend")
@admin_required
def resend(invite_id: str) -> Any:
    """Send the invite e-mail again, with the link the candidate has (a new one if it cannot be
    derived: an invite made before links were derived, or a changed secret key)."""
    return _mail_again(_invite(invite_id), "invite")


@bp.post("/invites/<invite_id>/remind")
@admin_required
def remind(invite_id: str) -> Any:
    """Send a reminder with the candidate's link and their deadline."""
    return _mail_again(_invite(invite_id), "reminder")


def _mail_again(invite: Invite, kind: str) -> Any:
    assessment = invite.assessment
    if not mail_enabled():
        abort(409, "E-mail is not set up: set GRADER_SMTP_URL, or copy a new link by hand.")
    if not invite.email:
        abort(409, "This candidate has no e-mail address.")
    if invite.revoked_at is not None:
        abort(409, "This candidate's link was revoked: create a new link first.")
    if invite.deadline() <= utcnow():
        abort(409, "This candidate's time is over: extend it first.")
    link = current_link(invite)
    detail = invite.email
    if link is None:
        link = issue_link(invite)
        detail += " (with a new link: the old one could not be sent again)"
    record(assessment, "sent reminder" if kind == "reminder" else "resent invite", detail, invite)
    send_invite_mail(invite, kind, link)
    flash(f"The {kind} to {invite.email} is on its way.", "success")
    return _back(assessment)


@bp.post("/invites/<invite_id>/extend")
@admin_required
def extend_invite(invite_id: str) -> Any:
    """Set a candidate's extra minutes (added to their deadline: window or time budget)."""
    invite = _invite(invite_id)
    minutes = request.form.get("minutes", type=int)
    if minutes is None or not 0 <= minutes <= MAX_EXTRA_MINUTES:
        abort(400, f"Give the extra minutes as a whole number from 0 to {MAX_EXTRA_MINUTES}.")
    old = invite.extra_minutes
    if old != minutes:
        invite.extra_minutes = minutes
        extended = expiry_for(invite.assessment) + timedelta(minutes=minutes)
        invite.expires_at = max(invite.expires_at, extended)
        record(
            invite.assessment,
            "extended candidate",
            f"{invite.candidate_name}: +{old} min → +{minutes} min",
            invite,
        )
        db.session.commit()
    flash(f"{invite.candidate_name}'s deadline is now {_when(invite.deadline())}.", "success")
    return _back(invite.assessment)
