"""The admins' Integrations page: API tokens and webhooks, each secret shown once when made."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, URLField
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.2; no stub yet
from wtforms.validators import DataRequired, Length

from grader.web import webhooks
from grader.web.api import READ, WRITE, new_token
from grader.web.auth import admin_required
from grader.web.db import ApiToken, Webhook, WebhookDelivery, db, hash_token, utcnow
from grader.web.jobs import state

bp = Blueprint("integrations", __name__, url_prefix="/admin/integrations")

RECENT_DELIVERIES = 25


class TokenForm(FlaskForm):
    name = StringField("Name (who uses it)", validators=[DataRequired(), Length(max=200)])
    scope = SelectField(
        "Scope",
        choices=[
            SelectChoice(READ, "Read: assessments, candidates, results"),
            SelectChoice(WRITE, "Write: read, and invite candidates"),
        ],
        default=READ,
    )


class WebhookForm(FlaskForm):
    url = URLField("URL to call", validators=[DataRequired(), Length(max=2000)])


def _page(
    *,
    token_form: TokenForm | None = None,
    webhook_form: WebhookForm | None = None,
    created_token: tuple[ApiToken, str] | None = None,
    created_webhook: Webhook | None = None,
    status: int = 200,
) -> tuple[str, int]:
    tokens = db.session.scalars(
        db.select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    ).all()
    hooks = db.session.scalars(
        db.select(Webhook).where(Webhook.revoked_at.is_(None)).order_by(Webhook.id)
    ).all()
    deliveries = db.session.execute(
        db.select(WebhookDelivery, Webhook.url)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(RECENT_DELIVERIES)
    ).all()
    page = render_template(
        "admin/integrations.html",
        tokens=tokens,
        hooks=hooks,
        deliveries=deliveries,
        token_form=token_form or TokenForm(formdata=None),
        webhook_form=webhook_form or WebhookForm(formdata=None),
        created_token=created_token,
        created_webhook=created_webhook,
        refuse_private=bool(state().settings.webhook_refuse_private),
        max_attempts=state().settings.webhook_max_attempts,
    )
    return page, status


@bp.get("")
@admin_required
def index() -> Any:
    """List API tokens, webhooks and the latest deliveries; offer to make new ones."""
    return _page()


@bp.post("/tokens")
@admin_required
def create_token() -> Any:
    """Create an API token and show it once (the database keeps only its SHA-256)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(token_form=form, status=400)
    raw = new_token()
    token = ApiToken(
        name=(form.name.data or "").strip(),
        token_hash=hash_token(raw),
        scope=form.scope.data,
        created_by_id=current_user.id,
    )
    db.session.add(token)
    db.session.commit()
    return _page(created_token=(token, raw), status=201)


@bp.post("/tokens/<token_id>/revoke")
@admin_required
def revoke_token(token_id: str) -> Any:
    """Revoke an API token: every request with it is refused from now on."""
    token = db.first_or_404(
        db.select(ApiToken).filter_by(public_id=token_id), description="There is no such token."
    )
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    flash(f"The API token {token.name!r} is revoked.", "info")
    return redirect(url_for("integrations.index"))


@bp.post("/webhooks")
@admin_required
def create_webhook() -> Any:
    """Register a webhook and show its signing secret once."""
    form = WebhookForm()
    if not form.validate_on_submit():
        return _page(webhook_form=form, status=400)
    try:
        url = webhooks.check_url(
            form.url.data or "", refuse_private=bool(state().settings.webhook_refuse_private)
        )
    except webhooks.WebhookRefused as exc:
        form.url.errors = [str(exc)]
        return _page(webhook_form=form, status=400)
    hook = Webhook(url=url, secret=webhooks.new_secret(), created_by_id=current_user.id)
    db.session.add(hook)
    db.session.commit()
    webhooks.sender(current_app).start()
    return _page(created_webhook=hook, status=201)


@bp.post("/webhooks/<webhook_id>/remove")
@admin_required
def remove_webhook(webhook_id: str) -> Any:
    """Stop calling a webhook (deliveries still waiting are dropped); its history stays."""
    hook = db.first_or_404(
        db.select(Webhook).filter_by(public_id=webhook_id), description="There is no such webhook."
    )
    if hook.revoked_at is not None:
        abort(409, "This webhook was removed already.")
    hook.revoked_at = utcnow()
    db.session.commit()
    flash(f"The webhook {hook.url} is no longer called.", "info")
    return redirect(url_for("integrations.index"))
