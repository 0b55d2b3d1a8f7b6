import re
from functools import wraps

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from . import db, login_manager
from .models import User

auth = Blueprint("auth", __name__)

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,32}$")


@login_manager.unauthorized_handler
def unauthorized():
    # JSON endpoints get a 401, pages go to the login form
    if request.path.startswith("/api/") or request.path.startswith("/admin/"):
        return jsonify(error="login required"), 401
    return redirect(url_for("auth.login", next=request.path))


def admin_required(f):
    @wraps(f)
    @login_required
    def decorated(*args, **kwargs):
        if current_user.role != "admin":
            abort(403, "admin only")
        return f(*args, **kwargs)

    return decorated


@auth.route("/register", methods=["POST"])
def register():
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if not USERNAME_RE.match(username):
        return jsonify(error="username must be 3-32 letters, digits or _"), 400
    if len(password) < 8:
        return jsonify(error="password must be at least 8 characters"), 400
    if User.query.filter_by(username=username).first():
        return jsonify(error="username already taken"), 409
    user = User(username=username)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return jsonify(user.to_dict()), 201


@auth.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username")
        password = request.form.get("password")
        user = User.query.filter_by(username=username).first()
        if user is None or not user.check_password(password):
            flash("Invalid username or password")
            return jsonify(error="Invalid username or password"), 401
        login_user(user)
        next_page = request.args.get("next")
        # only follow relative URLs so we can't be sent to another site
        if not next_page or not next_page.startswith("/"):
            next_page = url_for("main.dashboard")
        return redirect(next_page)
    return render_template("login.html")


@auth.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
