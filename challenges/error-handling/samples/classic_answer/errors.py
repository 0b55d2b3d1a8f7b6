"""ShipTrack's errors: the exceptions the app raises on purpose."""

from __future__ import annotations


class ShipTrackError(Exception):
    """An error ShipTrack raises on purpose: the client should hear about it."""

    status_code = 400
    message = "bad request"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        if message is not None:
            self.message = message
        self.headers = headers or {}

    def to_dict(self) -> dict:
        return {"error": self.message, "status": self.status_code}


class InvalidParcel(ShipTrackError):
    """The request body does not describe a valid parcel."""

    status_code = 400


class ParcelNotFound(ShipTrackError):
    """No parcel has this tracking code."""

    status_code = 404
    message = "parcel not found"


class UnknownCarrier(ShipTrackError):
    """No carrier has this name."""

    status_code = 404
    message = "unknown carrier"


class ParcelAlreadyDelivered(ShipTrackError):
    """The parcel was delivered already."""

    status_code = 409
    message = "parcel already delivered"


class CarrierUnavailable(ShipTrackError):
    """The carrier does not answer for now; the client may retry later."""

    status_code = 503

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
