"""The JSON API: register parcels, track them, mark them delivered, check carriers."""

from __future__ import annotations

from carriers import carrier_status
from flask import Blueprint, current_app, jsonify, request, url_for
from parcels import ParcelStore, validate_new_parcel

bp = Blueprint("api", __name__)


def _store() -> ParcelStore:
    return current_app.extensions["parcels"]


@bp.post("/parcels")
def create_parcel():
    """Register a parcel from {"recipient": ..., "weight_kg": ...}."""
    recipient, weight_kg = validate_new_parcel(request.get_json())
    parcel = _store().create(recipient, weight_kg)
    location = url_for("api.get_parcel", code=parcel.code)
    return jsonify(parcel.as_json()), 201, {"Location": location}


@bp.get("/parcels/<code>")
def get_parcel(code: str):
    """Return one parcel."""
    return jsonify(_store().get(code).as_json())


@bp.post("/parcels/<code>/deliver")
def deliver_parcel(code: str):
    """Mark a parcel delivered (once)."""
    return jsonify(_store().deliver(code).as_json())


@bp.get("/carriers/<name>/status")
def get_carrier_status(name: str):
    """Return a carrier's status."""
    return jsonify(carrier_status(name))
