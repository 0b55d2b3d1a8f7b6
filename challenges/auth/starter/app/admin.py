"""Admin-only endpoints: user export and role changes."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users.json")
def export_users():
    """Export every stored user record, password hash included, for the ops backup."""
    # TODO: admins only (401 anonymous, 403 other users); {"users": [...]} ordered by id.
    abort(501, "the export is not implemented yet")


@bp.put("/users/<int:user_id>/role")
def set_role(user_id: int):
    """Give a user the "user" or "admin" role."""
    # TODO: admins only; JSON {"role": "user" | "admin"}; 400 bad role, 404 unknown user.
    abort(501, "role changes are not implemented yet")
