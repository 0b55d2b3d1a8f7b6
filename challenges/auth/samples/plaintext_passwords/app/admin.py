"""Admin-only endpoints: user export and role changes."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from .auth import role_required
from .db import ROLES, User, db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users.json")
@role_required("admin")
def export_users():
    """Export every stored user record, password hash included, for the ops backup."""
    users = db.session.execute(db.select(User).order_by(User.id)).scalars()
    return jsonify(users=[{**u.to_dict(), "password_hash": u.password_hash} for u in users])


@bp.put("/users/<int:user_id>/role")
@role_required("admin")
def set_role(user_id: int):
    """Give a user the "user" or "admin" role."""
    user = db.get_or_404(User, user_id, description=f"no user with id {user_id}")
    body = request.get_json(silent=True)
    role = body.get("role") if isinstance(body, dict) else None
    if role not in ROLES:
        abort(400, f"role must be one of {', '.join(ROLES)}")
    user.role = role
    db.session.commit()
    return jsonify(user.to_dict())
