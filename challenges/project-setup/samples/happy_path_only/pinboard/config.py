import os


class Config:
    SECRET_KEY = os.environ.get("APP_SECRET_KEY", "dev")
    GREETING = os.environ.get("APP_GREETING", "Hello from Pinboard")
    ITEMS_PER_PAGE = os.environ.get("APP_ITEMS_PER_PAGE", 20)
    MAINTENANCE = os.environ.get("APP_MAINTENANCE", False)
    DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///pinboard.db")
