"""The shipping API blueprint, mounted at /api (given: the views are done)."""

from __future__ import annotations

import math
import re
import threading
from typing import Any

from flask import Blueprint, abort, current_app, request

from . import journal
from .carrier import ZONES, fetch_rate

bp = Blueprint("api", __name__)

REFERENCE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_shipments_lock = threading.Lock()


def _parcel(weight: Any, zone: Any) -> tuple[float, str]:
    """Return a valid (weight_kg, zone) or abort with 400."""
    try:
        weight_kg = float(weight)
    except (TypeError, ValueError):
        abort(400, "weight_kg must be a number")
    if isinstance(weight, bool) or not (math.isfinite(weight_kg) and 0 < weight_kg <= 30):
        abort(400, "weight_kg must be more than 0 and at most 30")
    if zone not in ZONES:
        abort(400, f"zone must be one of {', '.join(ZONES)}")
    return weight_kg, zone


@bp.record_once
def _create_store(state) -> None:
    state.app.extensions["shipments"] = {}


def _shipments() -> dict[str, dict[str, Any]]:
    return current_app.extensions["shipments"]


@bp.get("/quotes")
def quote():
    """Quote a parcel (arguments weight_kg and zone) at the carrier's price."""
    weight_kg, zone = _parcel(request.args.get("weight_kg"), request.args.get("zone"))
    return {"weight_kg": weight_kg, "zone": zone, "price_cents": fetch_rate(weight_kg, zone)}


@bp.post("/shipments")
def create_shipment():
    """Book a shipment under the client's reference."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "the body must be a JSON object")
    reference = data.get("reference")
    if not isinstance(reference, str) or not REFERENCE.fullmatch(reference):
        abort(400, "reference must be 1 to 64 letters, digits or hyphens")
    weight_kg, zone = _parcel(data.get("weight_kg"), data.get("zone"))
    shipment = {
        "reference": reference,
        "weight_kg": weight_kg,
        "zone": zone,
        "price_cents": fetch_rate(weight_kg, zone),
    }
    with _shipments_lock:
        if reference in _shipments():
            abort(409, f"shipment {reference!r} already exists")
        _shipments()[reference] = shipment
    return shipment, 201


@bp.get("/shipments/<reference>")
def get_shipment(reference: str):
    """Return a booked shipment."""
    with _shipments_lock:
        shipment = _shipments().get(reference)
    if shipment is None:
        abort(404, f"no shipment {reference!r}")
    return shipment


@bp.get("/crash")
def crash():
    """Fail on purpose: the monitoring's synthetic check of the error path."""
    raise RuntimeError("synthetic failure: carrier credentials /etc/parcelly/secret.key")


@bp.get("/requests/<request_id>")
def request_record(request_id: str):
    """Return what the lifecycle hooks recorded for an earlier request."""
    record = journal.lookup(request_id)
    if record is None:
        abort(404, f"no request {request_id!r} in the journal")
    return record
