import os


class Config:
    SECRET_KEY = os.environ.get("APP_SECRET_KEY") or "you-will-never-guess"
    GREETING = os.environ.get("APP_GREETING") or "Hello from Pinboard"
    ITEMS_PER_PAGE = int(os.environ.get("APP_ITEMS_PER_PAGE") or 20)
    MAINTENANCE = os.environ.get("APP_MAINTENANCE", "false").lower() in ("1", "true", "yes")
    TIMEZONE = os.environ.get("APP_TIMEZONE") or "UTC"
    DATABASE_URL = os.environ.get("DATABASE_URL") or "sqlite:///pinboard.db"
