import os

from flask import Flask

from .extensions import db


def create_app():
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
        app.instance_path, "library.sqlite"
    )

    db.init_app(app)

    from . import errors, models  # noqa: F401
    from .routes import api

    app.register_blueprint(api)
    errors.register(app)

    with app.app_context():
        db.create_all()

    return app
