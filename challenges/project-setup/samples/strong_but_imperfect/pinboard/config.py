import os


class Config:
    DEBUG = False
    SECRET_KEY = os.environ.get("APP_SECRET_KEY")
    GREETING = os.environ.get("APP_GREETING", "Hello from Pinboard")
    ITEMS_PER_PAGE = os.environ.get("APP_ITEMS_PER_PAGE", 20)
    MAINTENANCE = os.environ.get("APP_MAINTENANCE", "false").lower() in ("1", "true", "yes")
    TIMEZONE = os.environ.get("APP_TIMEZONE", "UTC")
    DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///pinboard.db")
