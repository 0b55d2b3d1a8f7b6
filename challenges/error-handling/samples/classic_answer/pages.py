"""The HTML pages: home, one parcel, one carrier."""

from __future__ import annotations

from carriers import carrier_status
from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """Show the tracking form."""
    return render_template("index.html")


@bp.get("/parcels/<code>")
def show_parcel(code: str):
    """Show where a parcel is."""
    return render_template("parcel.html", parcel=current_app.extensions["parcels"].get(code))


@bp.get("/carriers/<name>")
def show_carrier(name: str):
    """Show a carrier's status."""
    return render_template("carrier.html", carrier=carrier_status(name))
