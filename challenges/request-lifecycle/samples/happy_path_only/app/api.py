"""The shipping API."""

import math
import threading
import time

from flask import Blueprint, abort, current_app, g, jsonify, request

from . import journal
from .carrier import ZONES, fetch_rate

bp = Blueprint("api", __name__)

shipments = {}
lock = threading.Lock()


def respond(body, status=200):
    """Make a JSON response with the tracing headers, and close the journal record."""
    resp = jsonify(body)
    resp.status_code = status
    resp.headers["X-Request-ID"] = g.request_id
    resp.headers["Server-Timing"] = f"app;dur={(time.time() - g.start) * 1000:.0f}"
    journal.set_status(g.request_id, status)
    journal.finish(g.request_id, None)
    return resp


def check_key():
    return request.headers.get("X-API-Key") == current_app.config["API_KEY"]


@bp.get("/quotes")
def quote():
    if not check_key():
        return respond({"error": "unauthorized"}, 401)
    weight_kg = float(request.args["weight_kg"])
    zone = request.args["zone"]
    if zone not in ZONES or weight_kg <= 0 or weight_kg > 30:
        return respond({"error": "invalid parcel"}, 400)
    price = fetch_rate(weight_kg, zone)
    return respond({"weight_kg": weight_kg, "zone": zone, "price_cents": price})


@bp.post("/shipments")
def create_shipment():
    if not check_key():
        return respond({"error": "unauthorized"}, 401)
    data = request.get_json()
    ref = data["reference"]
    if ref in shipments:
        return respond({"error": "already booked"}, 409)
    shipment = {
        "reference": ref,
        "weight_kg": data["weight_kg"],
        "zone": data["zone"],
        "price_cents": fetch_rate(data["weight_kg"], data["zone"]),
    }
    with lock:
        shipments[ref] = shipment
    return respond(shipment, 201)


@bp.get("/shipments/<reference>")
def get_shipment(reference):
    if not check_key():
        return respond({"error": "unauthorized"}, 401)
    if reference not in shipments:
        abort(404)
    return respond(shipments[reference])


@bp.get("/crash")
def crash():
    if not check_key():
        return respond({"error": "unauthorized"}, 401)
    raise RuntimeError("synthetic failure: carrier credentials /etc/parcelly/secret.key")


@bp.get("/requests/<request_id>")
def request_record(request_id):
    if not check_key():
        return respond({"error": "unauthorized"}, 401)
    record = journal.lookup(request_id)
    if record is None:
        abort(404)
    return respond(record)
