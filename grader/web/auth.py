"""Staff sign-in: login, logout, own password; the role checks every staff view uses."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from grader.web import ratelimit
from grader.web.db import ADMIN, ROLES, User, db, new_public_id, utcnow

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
F = TypeVar("F", bound=Callable[..., Any])

MIN_PASSWORD = 10


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)]
    )
    confirm = PasswordField(
        "Repeat the new password", validators=[EqualTo("password", "The passwords differ.")]
    )


def init_app(app: Flask) -> None:
    """Install Flask-Login: sessions name a user's rotating session token, never their id."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(session_token: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(session_token=session_token))


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    if request.path.endswith("/status"):
        return jsonify(error="Unauthorized", message="sign in first"), 401
    flash(login_manager.login_message, "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def hash_password(password: str) -> str:
    """Hash a password with the app's method (scrypt unless a test asks for a faster one)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_METHOD"])


def staff_required(view: F) -> F:
    """Let any signed-in staff member (admin or interviewer) through."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_authenticated and current_user.role not in ROLES:
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapped)


def admin_required(view: F) -> F:
    """Let only admins (the hiring team) through; interviewers get 403."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != ADMIN:
            abort(403, "Only the hiring team (admins) may do this.")
        return view(*args, **kwargs)

    return login_required(wrapped)


def _safe_next(target: str | None) -> str:
    """Follow ?next= only to a path on this site (no open redirect).

    Browsers drop tabs and newlines from a URL, so ``/<tab>/evil.example`` would become
    ``//evil.example``: any control character or space refuses the target.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(char) <= 0x20 or ord(char) == 0x7F for char in target)
    ):
        return target
    return url_for("interviewer.dashboard")


def index() -> Any:
    """Send staff to their dashboard and everyone else to the sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("interviewer.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=("GET", "POST"))
@ratelimit.limiter.limit(
    ratelimit.sign_in_address_limits,
    methods=["POST"],
    error_message="Too many sign-in attempts came from your address.",
)
def login() -> Any:
    """Sign a staff member in with email and password.

    Failed sign-ins to an account slow every further try of it, except a right password from an
    address that has not been failing: no one elsewhere can keep the real user out.
    """
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        user = db.session.scalar(db.select(User).filter_by(email=email))
        right = bool(user and check_password_hash(user.password_hash, form.password.data or ""))
        wait_s = ratelimit.account_wait_s(email)
        if wait_s and (not right or ratelimit.address_is_failing()):
            if not right:
                ratelimit.record_failed_sign_in(email)
            form.form_errors.append(
                f"Too many failed sign-ins to this account: try again in {wait_s} seconds."
            )
            status, headers = 429, {"Retry-After": str(wait_s)}
        elif user and right:
            user.last_login_at = utcnow()
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        else:
            ratelimit.record_failed_sign_in(email)
            form.form_errors.append("Wrong email or password.")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
def logout() -> Any:
    """Sign out (a POST, so another site cannot sign anyone out)."""
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=("GET", "POST"))
@staff_required
def account() -> Any:
    """Change one's own password; every other session of this user is signed out."""
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current.data or ""):
            form.current.errors = ["This is not your current password."]
            return render_template("auth/account.html", form=form), 400
        user = current_user._get_current_object()
        user.password_hash = hash_password(form.password.data or "")
        user.session_token = new_public_id()
        db.session.commit()
        login_user(user)
        flash("Your password is changed.", "success")
        return redirect(url_for("auth.account"))
    if request.method == "POST":
        status = 400
    return render_template("auth/account.html", form=form), status
