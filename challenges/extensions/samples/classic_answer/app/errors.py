from flask import jsonify
from werkzeug.exceptions import HTTPException


class ValidationError(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def register(app):
    @app.errorhandler(ValidationError)
    def validation_error(e):
        return jsonify(errors=e.errors), 400

    @app.errorhandler(HTTPException)
    def http_error(e):
        return jsonify(error=e.description), e.code
