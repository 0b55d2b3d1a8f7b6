"""Default settings; the environment overrides them (see create_app)."""

from __future__ import annotations


class Config:
    """Safe defaults for every setting the app reads."""

    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = None  # never a default: it must come from APP_SECRET_KEY
    GREETING = "Hello from Pinboard"
    ITEMS_PER_PAGE = 20
    MAINTENANCE = False
    TIMEZONE = "UTC"
    DATABASE_URL = "sqlite:///pinboard.db"
