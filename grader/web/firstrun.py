"""First-run set-up `grader serve` does before serving: the first admin and the challenge bank."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from werkzeug.security import generate_password_hash

from grader.challenges import load_challenge
from grader.config import Settings
from grader.errors import ChallengeError
from grader.web.db import (
    ADMIN,
    BUNDLED,
    Challenge,
    ChallengeVersion,
    User,
    db,
    new_public_id,
    utcnow,
)
from grader.web.storage import copy_challenge

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FirstRun:
    """The admin account created on this start, to tell whoever started the server."""

    email: str
    password: str | None  # None when it came from the environment (not ours to print)


def ensure_admin(settings: Settings, *, password_method: str) -> FirstRun | None:
    """Create the first admin when there is none; return its sign-in details, else None."""
    if db.session.scalar(db.select(User).filter_by(role=ADMIN).limit(1)) is not None:
        return None
    generated = None if settings.admin_password else secrets.token_urlsafe(12)
    password = settings.admin_password or generated
    assert password is not None
    db.session.add(
        User(
            email=settings.admin_email.strip().lower(),
            name="Administrator",
            role=ADMIN,
            password_hash=generate_password_hash(password, method=password_method),
        )
    )
    db.session.commit()
    return FirstRun(settings.admin_email.strip().lower(), generated)


def sync_bank(settings: Settings) -> None:
    """Make the bank's challenges available, published, the first time each version is seen.

    A new version of a bank challenge replaces the published one only when that one came from
    the bank too: a hiring team's own upload is never replaced behind its back.
    """
    bank = settings.challenges_dir
    if not bank.is_dir():
        return
    for manifest in sorted(bank.glob("*/challenge.toml")):
        try:
            loaded = load_challenge(manifest.parent)
        except ChallengeError as exc:
            log.warning("bank challenge skipped: %s", exc)
            continue
        challenge = db.session.scalar(db.select(Challenge).filter_by(slug=loaded.slug))
        if challenge is None:
            challenge = Challenge(slug=loaded.slug)
            db.session.add(challenge)
        elif any(v.version == loaded.version for v in challenge.versions):
            continue
        db.session.flush()
        current = challenge.published
        public_id = new_public_id()
        root = copy_challenge(settings.data_dir, loaded.root, public_id)
        version = ChallengeVersion.of(
            loaded,
            challenge=challenge,
            root=root.relative_to(settings.data_dir).as_posix(),
            public_id=public_id,
            source="bank",
            validation_state=BUNDLED,
            validation_reason="bundled with the grader and proven by `grader challenges validate`",
        )
        db.session.add(version)
        if current is None or current.source == "bank":
            if current is not None:
                current.is_published = False
            version.is_published = True
            version.published_at = utcnow()
    db.session.commit()
