"""ShipTrack's errors: the exceptions the app raises on purpose."""

from __future__ import annotations


class ShipTrackError(Exception):
    """An error ShipTrack raises on purpose: the client should hear about it."""

    status_code = 400
    default_message = "bad request"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)
        self.headers = headers or {}


class InvalidParcel(ShipTrackError):
    """The request body does not describe a valid parcel."""


class ParcelNotFound(ShipTrackError):
    status_code = 404
    default_message = "parcel not found"


class UnknownCarrier(ShipTrackError):
    status_code = 404
    default_message = "unknown carrier"


class ParcelAlreadyDelivered(ShipTrackError):
    status_code = 409
    default_message = "parcel already delivered"


class CarrierUnavailable(ShipTrackError):
    status_code = 503
    default_message = "carrier unavailable"

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
