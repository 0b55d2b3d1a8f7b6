"""Default settings for Pinboard."""


class Config:
    """Defaults for every setting the app reads."""

    # TODO: the defaults from the statement's settings table.
    GREETING = "Hello from Pinboard"
