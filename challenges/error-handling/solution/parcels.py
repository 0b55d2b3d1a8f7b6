"""Parcels: the in-memory store and the validation of new parcels."""

from __future__ import annotations

import secrets
import threading
from dataclasses import asdict, dataclass
from typing import Any

from errors import InvalidParcel, ParcelAlreadyDelivered, ParcelNotFound

MAX_WEIGHT_KG = 30


@dataclass
class Parcel:
    """A parcel and where it is in its journey."""

    code: str
    recipient: str
    weight_kg: float
    status: str = "registered"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def validate_new_parcel(data: Any) -> tuple[str, float]:
    """Return (recipient, weight_kg) from a request body, or raise InvalidParcel."""
    if not isinstance(data, dict):
        raise InvalidParcel("request body must be a JSON object")
    recipient = data.get("recipient")
    if not isinstance(recipient, str) or not recipient.strip():
        raise InvalidParcel("recipient is required")
    weight = data.get("weight_kg")
    if (
        isinstance(weight, bool)
        or not isinstance(weight, int | float)
        or not 0 < weight <= MAX_WEIGHT_KG
    ):
        raise InvalidParcel(f"weight_kg must be a number above 0 and at most {MAX_WEIGHT_KG}")
    return recipient.strip(), float(weight)


class ParcelStore:
    """Keep parcels in memory; every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parcels: dict[str, Parcel] = {}

    def create(self, recipient: str, weight_kg: float) -> Parcel:
        """Register a new parcel under a fresh tracking code."""
        with self._lock:
            code = f"ST{secrets.token_hex(5).upper()}"
            parcel = Parcel(code=code, recipient=recipient, weight_kg=weight_kg)
            self._parcels[code] = parcel
            return parcel

    def get(self, code: str) -> Parcel:
        """Return the parcel, or raise ParcelNotFound."""
        with self._lock:
            parcel = self._parcels.get(code)
        if parcel is None:
            raise ParcelNotFound()
        return parcel

    def deliver(self, code: str) -> Parcel:
        """Mark the parcel delivered; raise ParcelAlreadyDelivered the second time."""
        with self._lock:
            parcel = self._parcels.get(code)
            if parcel is None:
                raise ParcelNotFound()
            if parcel.status == "delivered":
                raise ParcelAlreadyDelivered()
            parcel.status = "delivered"
            return parcel
