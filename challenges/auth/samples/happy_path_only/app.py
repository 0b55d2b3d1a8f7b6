import os

from flask import Flask, abort, jsonify, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_sqlalchemy import SQLAlchemy
from werkzeug.security import check_password_hash, generate_password_hash

db = SQLAlchemy()
login_manager = LoginManager()
login_manager.login_view = "login"


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), unique=True)
    password_hash = db.Column(db.String(200))
    role = db.Column(db.String(20), default="user")


@login_manager.user_loader
def load_user(user_id):
    return User.query.get(int(user_id))


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///auth.sqlite"
    db.init_app(app)
    login_manager.init_app(app)

    with app.app_context():
        db.create_all()
        if not User.query.filter_by(username=os.environ.get("ADMIN_USERNAME")).first():
            admin = User(username=os.environ.get("ADMIN_USERNAME"),
                         password_hash=generate_password_hash(os.environ.get("ADMIN_PASSWORD")),
                         role="admin")
            db.session.add(admin)
            db.session.commit()

    @app.route("/register", methods=["POST"])
    def register():
        user = User(username=request.form["username"],
                    password_hash=generate_password_hash(request.form["password"]))
        db.session.add(user)
        db.session.commit()
        return jsonify(id=user.id, username=user.username, role=user.role), 201

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return '<form method="post"><input name="username"><input name="password" type="password"><button>Login</button></form>'
        user = User.query.filter_by(username=request.form["username"]).first()
        if user and check_password_hash(user.password_hash, request.form["password"]):
            login_user(user)
            return redirect(request.args.get("next") or url_for("dashboard"))
        return jsonify(error="Invalid username or password"), 401

    @app.route("/logout", methods=["GET", "POST"])
    def logout():
        logout_user()
        return redirect(url_for("login"))

    @app.route("/dashboard")
    @login_required
    def dashboard():
        return f"<h1>Welcome {current_user.username}!</h1>"

    @app.route("/api/me")
    @login_required
    def me():
        return jsonify(id=current_user.id, username=current_user.username, role=current_user.role)

    @app.route("/admin/users.json")
    @login_required
    def admin_users():
        if current_user.role != "admin":
            abort(403)
        return jsonify(users=[{"id": u.id, "username": u.username, "role": u.role,
                               "password_hash": u.password_hash} for u in User.query.all()])

    @app.route("/admin/users/<int:user_id>/role", methods=["PUT"])
    @login_required
    def change_role(user_id):
        user = User.query.get(user_id)
        user.role = request.json["role"]
        db.session.commit()
        return jsonify(id=user.id, username=user.username, role=user.role)

    return app
