"""ShipTrack's errors: the exceptions the app raises on purpose."""

from __future__ import annotations


class ShipTrackError(Exception):
    """An error ShipTrack raises on purpose: the client should hear about it."""

    # TODO: give each error class its HTTP status code and a default message that is safe
    #       to show a client, and make the app turn these errors into responses (README.md).

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class InvalidParcel(ShipTrackError):
    """The request body does not describe a valid parcel."""


class ParcelNotFound(ShipTrackError):
    """No parcel has this tracking code."""


class UnknownCarrier(ShipTrackError):
    """No carrier has this name."""


class ParcelAlreadyDelivered(ShipTrackError):
    """The parcel was delivered already."""


class CarrierUnavailable(ShipTrackError):
    """The carrier does not answer for now; the client may retry later."""

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
