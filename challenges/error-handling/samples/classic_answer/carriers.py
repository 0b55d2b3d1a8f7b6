"""Carrier status checks. The ACME client is known to be broken: it raises on every call."""

from __future__ import annotations

from errors import CarrierUnavailable, UnknownCarrier

# Where the ACME client connects; the password must never reach a user.
_ACME_DSN = "postgresql://shiptrack:hunter2-prod@10.0.3.7:5432/acme_carriers"


def _acme_status() -> dict:
    # The rewrite of the ACME client is not finished; in production it fails like this.
    raise ConnectionError(f"could not connect to {_ACME_DSN}: connection refused")


def carrier_status(name: str) -> dict:
    """Return a carrier's status, or raise UnknownCarrier or CarrierUnavailable."""
    if name == "postly":
        return {"carrier": "postly", "status": "operational"}
    if name == "slowpost":
        raise CarrierUnavailable("slowpost is not answering", retry_after=120)
    if name == "acme":
        return _acme_status()
    raise UnknownCarrier()
