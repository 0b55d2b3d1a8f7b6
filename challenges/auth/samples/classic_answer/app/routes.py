from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import current_user, login_required

from . import db
from .auth import admin_required
from .models import User

main = Blueprint("main", __name__)


@main.route("/dashboard")
@login_required
def dashboard():
    return render_template("dashboard.html")


@main.route("/api/me")
@login_required
def me():
    return jsonify(current_user.to_dict())


@main.route("/admin/users.json")
@admin_required
def export_users():
    users = User.query.order_by(User.id).all()
    return jsonify(users=[dict(u.to_dict(), password_hash=u.password_hash) for u in users])


@main.route("/admin/users/<int:user_id>/role", methods=["PUT"])
@admin_required
def change_role(user_id):
    user = db.get_or_404(User, user_id)
    data = request.get_json(silent=True) or {}
    if data.get("role") not in ("user", "admin"):
        abort(400, "role must be 'user' or 'admin'")
    user.role = data["role"]
    db.session.commit()
    return jsonify(user.to_dict())
