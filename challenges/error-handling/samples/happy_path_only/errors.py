"""ShipTrack's errors: the exceptions the app raises on purpose."""


class ShipTrackError(Exception):
    status_code = 400
    message = "error"

    def __init__(self, message=None, *, headers=None):
        super().__init__(message)
        if message:
            self.message = message
        self.headers = headers or {}


class InvalidParcel(ShipTrackError):
    status_code = 400


class ParcelNotFound(ShipTrackError):
    status_code = 404
    message = "parcel not found"


class UnknownCarrier(ShipTrackError):
    status_code = 404
    message = "unknown carrier"


class ParcelAlreadyDelivered(ShipTrackError):
    status_code = 409
    message = "parcel already delivered"


class CarrierUnavailable(ShipTrackError):
    status_code = 503

    def __init__(self, message=None, *, retry_after):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
