"""The web app's database: the SQLAlchemy models and their set-up (SQLite or PostgreSQL).

Rows that appear in URLs carry a random ``public_id``; integer keys never leave the server.
Invite tokens are stored only as their SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from grader.challenges import Challenge as LoadedChallenge

# Run and validation states: the queue's view of a job, apart from the result's own status.
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
PASSED = "passed"  # a validation that proved the challenge (FAILED when it did not)
BUNDLED = "bundled"  # a bank challenge, proven by `grader challenges validate` in CI
PENDING_STATES = (QUEUED, RUNNING)

ADMIN, INTERVIEWER = "admin", "interviewer"
ROLES = (ADMIN, INTERVIEWER)

# Which of a candidate's submissions to a challenge an assessment counts (grader.web.cohort).
LATEST, BEST = "latest", "best"
COUNTED = (LATEST, BEST)
# A hiring decision on a candidate, recorded by staff (grader.web.review); "" is undecided.
DECISIONS = ("advance", "hold", "reject")


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
# db.Model is made at run time (Base plus Flask-SQLAlchemy's query helpers); type checkers see Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def utcnow() -> datetime:
    """Return the current UTC time without tzinfo (what every DateTime column stores)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_public_id() -> str:
    """Return a random, URL-safe id that cannot be guessed from any other."""
    return secrets.token_urlsafe(16)


def hash_token(token: str) -> str:
    """Return the SHA-256 of an invite token: the only form the database keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class User(UserMixin, Model):
    """A staff account: an admin (hiring team) or an interviewer."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    # What the session cookie names; rotating it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_public_id)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


class Challenge(Model):
    """A challenge slug; what candidates are graded against is its published version."""

    __tablename__ = "challenges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    versions: Mapped[list[ChallengeVersion]] = relationship(
        back_populates="challenge", order_by="ChallengeVersion.id"
    )

    @property
    def published(self) -> ChallengeVersion | None:
        return next((v for v in self.versions if v.is_published), None)

    @property
    def latest(self) -> ChallengeVersion:
        return self.versions[-1]


class ChallengeVersion(Model):
    """One immutable copy of a challenge folder, with its validation run and outcome."""

    __tablename__ = "challenge_versions"
    __table_args__ = (UniqueConstraint("challenge_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    version: Mapped[str] = mapped_column(String(32))  # grader.challenges.content_version
    root: Mapped[str] = mapped_column(Text)  # relative to data_dir
    source: Mapped[str] = mapped_column(String(20))  # "bank" or "upload"
    title: Mapped[str] = mapped_column(String(300))
    difficulty: Mapped[str] = mapped_column(String(20))
    time_budget_minutes: Mapped[int] = mapped_column(Integer)
    skills: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    validation_state: Mapped[str] = mapped_column(String(20), default=QUEUED)
    validation_reason: Mapped[str] = mapped_column(Text, default="")
    checks_json: Mapped[str] = mapped_column(Text, default="[]")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    validated_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The folder as a Blob (grader.workers.bundles), for workers on other machines; "" until
    # a broker first needs it.
    bundle_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # The validation's claim, as a run's (see Run and grader.web.jobs).
    claim_token: Mapped[str] = mapped_column(String(32), default="", server_default="")
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    challenge: Mapped[Challenge] = relationship(back_populates="versions")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def publishable(self) -> bool:
        return self.validation_state in (PASSED, BUNDLED) and not self.is_published

    @classmethod
    def of(
        cls, loaded: LoadedChallenge, *, challenge: Challenge, root: str, **fields: object
    ) -> ChallengeVersion:
        """A version row describing the checked challenge folder ``loaded``, stored at ``root``."""
        return cls(
            challenge=challenge,
            version=loaded.version,
            root=root,
            title=loaded.title,
            difficulty=loaded.difficulty,
            time_budget_minutes=loaded.time_budget_minutes,
            skills=", ".join(loaded.skills),
            **fields,
        )


class AssessmentChallenge(Model):
    """A challenge set in an assessment, in the order candidates see them."""

    __tablename__ = "assessment_challenges"
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    challenge: Mapped[Challenge] = relationship()


class Assessment(Model):
    """A set of challenges candidates may submit to within a time window."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(DateTime)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # LATEST or BEST: the submission per challenge that tables, averages and exports count.
    counted_submission: Mapped[str] = mapped_column(
        String(10), default=LATEST, server_default=LATEST
    )
    # Minutes each candidate has from first opening their link (None: the window alone).
    time_budget_minutes: Mapped[int | None] = mapped_column(Integer)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)  # hidden from the dashboard
    items: Mapped[list[AssessmentChallenge]] = relationship(
        order_by="AssessmentChallenge.position", cascade="all, delete-orphan"
    )
    invites: Mapped[list[Invite]] = relationship(back_populates="assessment", order_by="Invite.id")

    @property
    def challenges(self) -> list[Challenge]:
        return [item.challenge for item in self.items]

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.closes_at

    def default_budget_minutes(self) -> int:
        """The sum of its challenges' time budgets (what the admin is offered)."""
        return sum(c.published.time_budget_minutes for c in self.challenges if c.published)


class Invite(Model):
    """One candidate in one assessment, reached by a secret link."""

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    candidate_name: Mapped[str] = mapped_column(String(200))
    candidate_email: Mapped[str] = mapped_column(String(254), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # When the link stops opening at all: after the window, read-only for results_access_days.
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    email: Mapped[str | None] = mapped_column(String(320))  # where invite mail goes (None: none)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)  # first opening of the link
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email_status: Mapped[str | None] = mapped_column(String(20))  # grader.web.mail's MAIL_STATES
    email_error: Mapped[str | None] = mapped_column(Text)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # With the app's secret key, what the link's token is derived from (grader.web.rounds), so
    # that a reminder can carry the same link; "" for a random token (re-issued to mail it).
    link_salt: Mapped[str] = mapped_column(String(32), default="", server_default="")
    assessment: Mapped[Assessment] = relationship(back_populates="invites")
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="invite", order_by="Submission.id"
    )

    def usable(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and now < self.expires_at

    def deadline(self) -> datetime:
        """When this candidate's uploads stop (a grace period aside): the window's close or
        the end of their time budget, whichever comes first, plus staff's extension."""
        end = self.assessment.closes_at
        budget = self.assessment.time_budget_minutes
        if budget and self.started_at is not None:
            end = min(end, self.started_at + timedelta(minutes=budget))
        return end + timedelta(minutes=self.extra_minutes)

    def latest_run(self, challenge: Challenge) -> Run | None:
        """The newest run of the newest submission to ``challenge``, if any."""
        subs = [s for s in self.submissions if s.challenge_id == challenge.id]
        return subs[-1].latest_run if subs else None


class Submission(Model):
    """Bytes a candidate uploaded, stored under data_dir before any grading starts."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    stored_path: Mapped[str] = mapped_column(Text)  # what to grade, relative to data_dir
    source_name: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The stored bytes as a Blob for remote workers, and the file name they are graded under.
    bundle_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    bundle_name: Mapped[str] = mapped_column(String(300), default="", server_default="")
    invite: Mapped[Invite] = relationship(back_populates="submissions")
    challenge: Mapped[Challenge] = relationship()
    runs: Mapped[list[Run]] = relationship(back_populates="submission", order_by="Run.id")

    @property
    def latest_run(self) -> Run | None:
        return self.runs[-1] if self.runs else None


class Run(Model):
    """One grading of a submission against one challenge version; re-grades add runs."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("challenge_versions.id"))
    state: Mapped[str] = mapped_column(String(20), default=QUEUED)
    result_status: Mapped[str] = mapped_column(String(20), default="")
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    result_dir: Mapped[str] = mapped_column(Text, default="")  # relative to data_dir
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The result document: what every page renders from, wherever the run was graded.
    result_json: Mapped[str | None] = mapped_column(Text)
    # The claim of the worker grading it: a fencing token, renewed while it works (see
    # grader.web.jobs); a run whose lease expired may be claimed again by another delivery.
    claim_token: Mapped[str] = mapped_column(String(32), default="", server_default="")
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    worker: Mapped[str] = mapped_column(String(200), default="", server_default="")  # last claim
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # claims made
    submission: Mapped[Submission] = relationship(back_populates="runs")
    version: Mapped[ChallengeVersion] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

    @property
    def has_result(self) -> bool:
        """Whether a result document exists (in the database, or for older runs in data_dir)."""
        return bool(self.result_json or self.result_dir)

    @property
    def label(self) -> str:
        """What a person reads: the queue state until done, then the result's status."""
        if self.state == DONE:
            return self.result_status
        return self.state

    def status_document(self) -> dict[str, Any]:
        """The JSON the status endpoints answer (no test names, no hidden detail)."""
        return {
            "id": self.public_id,
            "state": self.state,
            "label": self.label,
            "done": self.finished,
            "score": self.score,
            "reason": self.reason if self.finished else "",
        }


class ChallengeReview(Model):
    """Staff's review of one candidate's work on one challenge: never shown to the candidate,
    except the comment once published. The automatic score stays on the runs."""

    __tablename__ = "challenge_reviews"
    __table_args__ = (UniqueConstraint("invite_id", "challenge_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    adjusted_score: Mapped[float | None] = mapped_column(Float)
    adjustment_reason: Mapped[str] = mapped_column(Text, default="")
    rubric_json: Mapped[str] = mapped_column(Text, default="{}")  # item name -> points given
    comment: Mapped[str] = mapped_column(Text, default="")  # for the candidate, once published
    comment_published: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CandidateReview(Model):
    """Staff's notes on a candidate and the decision taken (one of DECISIONS, or "")."""

    __tablename__ = "candidate_reviews"
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"), primary_key=True)
    decision: Mapped[str] = mapped_column(String(20), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReviewEvent(Model):
    """One line of a candidate's audit trail: who changed what, when, from what to what."""

    __tablename__ = "review_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"))
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    what: Mapped[str] = mapped_column(String(200))  # "adjusted score", "rubric: structure"
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    user: Mapped[User | None] = relationship()
    challenge: Mapped[Challenge | None] = relationship()


class AssessmentEvent(Model):
    """One line of an assessment's audit trail: who did what, when (``detail``: old → new)."""

    __tablename__ = "assessment_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(40))  # "extended window", "revoked link", ...
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    actor: Mapped[User | None] = relationship()
    invite: Mapped[Invite | None] = relationship()


class ApiToken(Model):
    """A bearer token for the JSON API, stored only as its SHA-256; scope "read" or "write"."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class Webhook(Model):
    """A URL called (signed with HMAC-SHA256 of ``secret``) when a result is final."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebhookDelivery(Model):
    """One event to deliver to one webhook, retried with back-off until delivered."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RateLimitCounter(Model):
    """One rate-limit counter (grader.web.ratelimit): hits in a window that ends at expires_at."""

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time


class Blob(Model):
    """Bytes stored by their SHA-256: what a worker on another machine grades with."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Let request threads and grading workers share one SQLite file without 'locked' errors."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_app(app: Flask) -> None:
    """Bind the models to ``app``; the schema is grader.web.schema's (migrations), not made here."""
    db.init_app(app)
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
