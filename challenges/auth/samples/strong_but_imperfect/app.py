"""Team wiki sign-in service."""
import os
from functools import wraps

from flask import Flask, abort, jsonify, redirect, render_template_string, request, session, url_for
from flask_login import (LoginManager, UserMixin, current_user, login_required, login_user,
                         logout_user)
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash, generate_password_hash
import re

db = SQLAlchemy()
login_manager = LoginManager()

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,32}$")

LOGIN_FORM = """
<!doctype html><title>Log in</title>
<form method="post">
  <input name="username" placeholder="username">
  <input name="password" type="password" placeholder="password">
  <button>Log in</button>
</form>
"""


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(32), unique=True, nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(16), nullable=False, default="user")

    def public(self):
        return {"id": self.id, "username": self.username, "role": self.role}


@login_manager.user_loader
def load_user(user_id):
    return db.session.get(User, int(user_id))


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/") or request.path.startswith("/admin/"):
        return jsonify(error="authentication required"), 401
    return redirect(url_for("login", next=request.path))


def admin_required(f):
    @wraps(f)
    @login_required
    def wrapper(*args, **kwargs):
        # role is put in the session at login so we don't hit the db on every admin call
        if session.get("role") != "admin":
            abort(403)
        return f(*args, **kwargs)
    return wrapper


def is_safe_url(target):
    # only relative paths on this site; "//host" is protocol-relative, so refuse it
    return target.startswith("/") and not target.startswith("//")


def create_app():
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "auth.sqlite")
    db.init_app(app)
    login_manager.init_app(app)

    with app.app_context():
        db.create_all()
        admin_name = os.environ.get("ADMIN_USERNAME")
        if admin_name and not User.query.filter_by(username=admin_name).first():
            db.session.add(User(username=admin_name, role="admin",
                                password_hash=generate_password_hash(os.environ["ADMIN_PASSWORD"])))
            db.session.commit()

    @app.errorhandler(HTTPException)
    def http_error(e):
        return jsonify(error=e.description), e.code

    @app.post("/register")
    def register():
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        if not USERNAME_RE.match(username):
            return jsonify(error="invalid username"), 400
        if len(password) < 8:
            return jsonify(error="password too short"), 400
        user = User(username=username, password_hash=generate_password_hash(password))
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return jsonify(error="username already exists"), 409
        return jsonify(user.public()), 201

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return render_template_string(LOGIN_FORM)
        user = User.query.filter_by(username=request.form.get("username", "")).first()
        if user is None:
            return jsonify(error="unknown user"), 401
        if not check_password_hash(user.password_hash, request.form.get("password", "")):
            return jsonify(error="wrong password"), 401
        login_user(user)
        session["role"] = user.role
        next_url = request.args.get("next")
        if not next_url or not is_safe_url(next_url):
            next_url = url_for("dashboard")
        return redirect(next_url)

    @app.post("/logout")
    def logout():
        logout_user()
        session.pop("role", None)
        return redirect(url_for("login"))

    @app.get("/dashboard")
    @login_required
    def dashboard():
        return render_template_string("<h1>Hello, {{ name }}</h1>", name=current_user.username)

    @app.get("/api/me")
    @login_required
    def me():
        return jsonify(current_user.public())

    @app.get("/admin/users.json")
    @admin_required
    def export_users():
        users = User.query.order_by(User.id).all()
        return jsonify(users=[dict(u.public(), password_hash=u.password_hash) for u in users])

    @app.put("/admin/users/<int:user_id>/role")
    @admin_required
    def set_role(user_id):
        user = db.get_or_404(User, user_id)
        role = (request.get_json(silent=True) or {}).get("role")
        if role not in ("user", "admin"):
            return jsonify(error="role must be 'user' or 'admin'"), 400
        user.role = role
        db.session.commit()
        return jsonify(user.public())

    return app
