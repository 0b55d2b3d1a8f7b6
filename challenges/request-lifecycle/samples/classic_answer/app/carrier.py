"""The carrier's rate service (simulated: it answers after CARRIER_LATENCY_MS)."""

from __future__ import annotations

import math
import time

from flask import current_app

ZONES = {"domestic": 450, "eu": 900, "world": 1800}
PER_KG_CENTS = 120


def fetch_rate(weight_kg: float, zone: str) -> int:
    """Return the carrier's price in cents for a parcel, after the carrier's latency."""
    time.sleep(current_app.config["CARRIER_LATENCY_MS"] / 1000)
    return ZONES[zone] + PER_KG_CENTS * math.ceil(weight_kg)
