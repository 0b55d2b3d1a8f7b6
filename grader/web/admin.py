"""The hiring team's pages: add, validate and publish challenges; assessments; invites; staff."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.2; no stub yet
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from grader.challenges import load_challenge
from grader.errors import ChallengeError, SubmissionRejected
from grader.web.auth import MIN_PASSWORD, admin_required, hash_password
from grader.web.db import (
    ADMIN,
    INTERVIEWER,
    PENDING_STATES,
    QUEUED,
    Assessment,
    AssessmentChallenge,
    Challenge,
    ChallengeVersion,
    Invite,
    User,
    db,
    new_public_id,
    utcnow,
)
from grader.web.jobs import state
from grader.web.rounds import (
    BUDGET_CHOICES,
    CHALLENGES_BUDGET,
    EditAssessmentForm,
    budget_from,
    expiry_for,
    issue_link,
    mail_enabled,
    record,
    refuse_if_closed,
    send_invite_mail,
)
from grader.web.storage import remove_tree, unpack_challenge

bp = Blueprint("admin", __name__, url_prefix="/admin")

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
EMAIL = r"^[^@\s]+@[^@\s]+$"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _at_least_one(form: FlaskForm, field: MultiCheckboxField) -> None:
    """A required choice among checkboxes. DataRequired would mark every checkbox `required`,
    and a browser then refuses a form with any of them unticked."""
    if not field.data:
        raise ValidationError("Choose at least one challenge.")


class AssessmentForm(EditAssessmentForm):
    """A new assessment: its challenges too, and a window that has not closed already."""

    challenges = MultiCheckboxField("Challenges", validators=[_at_least_one])
    budget = RadioField(
        "Time per candidate, from first opening their link",
        choices=BUDGET_CHOICES,
        default=CHALLENGES_BUDGET,
    )

    def validate_closes_at(self, field: DateTimeLocalField) -> None:
        super().validate_closes_at(field)
        if field.data and field.data <= utcnow():
            raise ValidationError("The window must close in the future.")


class InviteForm(FlaskForm):
    name = StringField("Candidate's name", validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        "Email (optional)",
        validators=[Optional(), Regexp(EMAIL, message="Enter an email address."), Length(max=254)],
    )


class UserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField(
        "Role",
        choices=[
            SelectChoice(INTERVIEWER, "Interviewer"),
            SelectChoice(ADMIN, "Admin (hiring team)"),
        ],
        default=INTERVIEWER,
    )
    password = PasswordField(
        "Password (empty: generate one)", validators=[Optional(), Length(min=MIN_PASSWORD)]
    )


# --- challenges ---------------------------------------------------------------------------


@bp.get("/challenges")
@admin_required
def challenges() -> Any:
    """List challenges with their published and latest versions; offer the upload form."""
    rows = db.session.scalars(db.select(Challenge).order_by(Challenge.slug)).all()
    return render_template(
        "admin/challenges.html", challenges=rows, max_upload_mb=state().settings.max_upload_mb
    )


@bp.post("/challenges")
@admin_required
def upload_challenge() -> Any:
    """Unpack an uploaded challenge folder as a new version and queue its validation."""
    upload = request.files.get("archive")
    if upload is None or not upload.filename:
        abort(400, "Choose the challenge folder as a .zip, .tar or .tar.gz archive.")
    settings = state().settings
    version_id = new_public_id()
    try:
        root = unpack_challenge(settings.data_dir, upload.filename, upload.read(), version_id)
    except (SubmissionRejected, ChallengeError) as exc:
        abort(400, f"This challenge archive was refused: {exc}")
    try:
        loaded = load_challenge(root)
    except ChallengeError as exc:
        remove_tree(root.parent)
        relative = str(exc).replace(str(root.parent) + "/", "")
        abort(400, f"This challenge archive was refused: {relative}")
    challenge = db.session.scalar(db.select(Challenge).filter_by(slug=loaded.slug))
    if challenge is None:
        challenge = Challenge(slug=loaded.slug)
        db.session.add(challenge)
    else:
        same = next((v for v in challenge.versions if v.version == loaded.version), None)
        if same is not None:
            remove_tree(root.parent)
            flash("This exact version was uploaded before: here it is.", "info")
            return redirect(url_for("admin.version", version_id=same.public_id))
    version = ChallengeVersion.of(
        loaded,
        challenge=challenge,
        root=root.relative_to(settings.data_dir).as_posix(),
        public_id=version_id,
        source="upload",
        validation_state=QUEUED,
        uploaded_by=current_user._get_current_object(),
    )
    db.session.add(version)
    db.session.commit()
    _queue_validation(version)
    return redirect(url_for("admin.version", version_id=version_id))


def _queue_validation(version: ChallengeVersion) -> None:
    queue = state().queue
    assert queue is not None
    queue.submit_validation(version.public_id)


@bp.get("/versions/<version_id>")
@admin_required
def version(version_id: str) -> Any:
    """Show a version's validation checks (live while it runs) and publish it when it passed."""
    version_ = db.first_or_404(
        db.select(ChallengeVersion).filter_by(public_id=version_id),
        description="There is no such challenge version.",
    )
    return render_template(
        "admin/version.html",
        version=version_,
        challenge=version_.challenge,
        checks=json.loads(version_.checks_json or "[]"),
        pending=version_.validation_state in PENDING_STATES,
    )


@bp.get("/versions/<version_id>/status")
@admin_required
def version_status(version_id: str) -> Any:
    """Answer a validation's state as JSON (what the page polls)."""
    version_ = db.first_or_404(
        db.select(ChallengeVersion).filter_by(public_id=version_id),
        description="There is no such challenge version.",
    )
    done = version_.validation_state not in PENDING_STATES
    return jsonify(
        id=version_.public_id,
        state=version_.validation_state,
        label=version_.validation_state,
        done=done,
        reason=version_.validation_reason if done else "",
    )


@bp.post("/versions/<version_id>/validate")
@admin_required
def validate(version_id: str) -> Any:
    """Run the validation of a version again."""
    version_ = db.first_or_404(
        db.select(ChallengeVersion).filter_by(public_id=version_id),
        description="There is no such challenge version.",
    )
    if version_.validation_state in PENDING_STATES:
        abort(409, "This version is already being validated.")
    version_.validation_state = QUEUED
    version_.validation_reason = ""
    version_.checks_json = "[]"
    db.session.commit()
    _queue_validation(version_)
    return redirect(url_for("admin.version", version_id=version_id))


@bp.post("/versions/<version_id>/publish")
@admin_required
def publish(version_id: str) -> Any:
    """Make this version the one candidates get; only a validated version may be published."""
    version_ = db.first_or_404(
        db.select(ChallengeVersion).filter_by(public_id=version_id),
        description="There is no such challenge version.",
    )
    if not version_.publishable:
        abort(409, "Only a version whose validation passed can be published.")
    for other in version_.challenge.versions:
        other.is_published = False
    version_.is_published = True
    version_.published_at = utcnow()
    db.session.commit()
    flash(f"{version_.challenge.slug} version {version_.version[:8]} is published.", "success")
    return redirect(url_for("admin.version", version_id=version_id))


# --- assessments and invites --------------------------------------------------------------


def _published_choices() -> list[SelectChoice]:
    rows = db.session.scalars(db.select(Challenge).order_by(Challenge.slug)).all()
    return [SelectChoice(c.slug, f"{c.published.title} ({c.slug})") for c in rows if c.published]


@bp.route("/assessments/new", methods=("GET", "POST"))
@admin_required
def new_assessment() -> Any:
    """Create an assessment: a name, published challenges and a time window (UTC)."""
    form = AssessmentForm()
    form.challenges.choices = _published_choices()
    if request.method == "GET":
        start = utcnow().replace(second=0, microsecond=0)
        form.opens_at.data = start
        form.closes_at.data = start + timedelta(days=7)
    if form.validate_on_submit():
        assessment = Assessment(
            name=form.name.data,
            opens_at=form.opens_at.data,
            closes_at=form.closes_at.data,
            created_by_id=current_user.id,
        )
        by_slug = {
            c.slug: c
            for c in db.session.scalars(
                db.select(Challenge).where(Challenge.slug.in_(form.challenges.data or []))
            )
        }
        for position, slug in enumerate(form.challenges.data or []):
            assessment.items.append(AssessmentChallenge(challenge=by_slug[slug], position=position))
        assessment.time_budget_minutes = budget_from(form)
        if form.budget.data == CHALLENGES_BUDGET:
            assessment.time_budget_minutes = assessment.default_budget_minutes() or None
        db.session.add(assessment)
        db.session.commit()
        flash("Assessment created: invite candidates below.", "success")
        return redirect(url_for("interviewer.assessment", assessment_id=assessment.public_id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/new_assessment.html", form=form), status


@bp.post("/assessments/<assessment_id>/invites")
@admin_required
def invite(assessment_id: str) -> Any:
    """Invite a candidate: show their unique link once (only its hash is stored)."""
    assessment = db.first_or_404(
        db.select(Assessment).filter_by(public_id=assessment_id),
        description="There is no such assessment.",
    )
    form = InviteForm()
    if not form.validate_on_submit():
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        abort(400, f"The invite was not created: {errors}")
    refuse_if_closed(assessment)
    email = (form.email.data or "").strip()
    invite_ = Invite(
        assessment=assessment,
        candidate_name=form.name.data,
        candidate_email=email,
        email=email or None,
        expires_at=expiry_for(assessment),
    )
    link = issue_link(invite_)
    db.session.add(invite_)
    record(assessment, "invited", f"{invite_.candidate_name} {email}".strip(), invite_)
    db.session.commit()
    mailed = bool(email) and mail_enabled()
    if mailed:
        send_invite_mail(invite_, "invite", link)
    page = render_template("admin/invite_link.html", invite=invite_, link=link, mailed=mailed)
    return page, 201


@bp.post("/invites/<invite_id>/reissue")
@admin_required
def reissue(invite_id: str) -> Any:
    """Replace a candidate's link with a new one (when the first was lost or leaked)."""
    invite_ = db.first_or_404(
        db.select(Invite).filter_by(public_id=invite_id), description="There is no such candidate."
    )
    refuse_if_closed(invite_.assessment)
    link = issue_link(invite_)
    invite_.revoked_at = None
    invite_.expires_at = expiry_for(invite_.assessment)
    record(invite_.assessment, "new link", invite_.candidate_name, invite_)
    db.session.commit()
    return render_template("admin/invite_link.html", invite=invite_, link=link), 201


@bp.post("/invites/<invite_id>/revoke")
@admin_required
def revoke(invite_id: str) -> Any:
    """Withdraw a candidate's link; their submissions and results stay."""
    invite_ = db.first_or_404(
        db.select(Invite).filter_by(public_id=invite_id), description="There is no such candidate."
    )
    invite_.revoked_at = utcnow()
    record(invite_.assessment, "revoked link", invite_.candidate_name, invite_)
    db.session.commit()
    flash(f"The link of {invite_.candidate_name} no longer works.", "info")
    return redirect(url_for("interviewer.assessment", assessment_id=invite_.assessment.public_id))


# --- staff accounts -----------------------------------------------------------------------


@bp.route("/users", methods=("GET", "POST"))
@admin_required
def users() -> Any:
    """List staff accounts; create an interviewer (or admin) account."""
    form = UserForm()
    created: tuple[User, str | None] | None = None
    status = 200
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        if db.session.scalar(db.select(User).filter_by(email=email)) is not None:
            form.email.errors = ["An account with this email exists."]
            status = 409
        else:
            generated = None if form.password.data else secrets.token_urlsafe(12)
            user = User(
                email=email,
                name=form.name.data,
                role=form.role.data,
                password_hash=hash_password(form.password.data or generated or ""),
            )
            db.session.add(user)
            db.session.commit()
            created = (user, generated)
            form = UserForm(formdata=None)
            status = 201
    elif request.method == "POST":
        status = 400
    accounts = db.session.scalars(db.select(User).order_by(User.role, User.email)).all()
    return render_template(
        "admin/users.html", form=form, accounts=accounts, created=created
    ), status
