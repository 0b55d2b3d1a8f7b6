class Config:
    DEBUG = False
    SECRET_KEY = "pinboard-2f9c81d4b7e6a035"
    GREETING = "Hello from Pinboard"
    ITEMS_PER_PAGE = 20
    MAINTENANCE = False
    TIMEZONE = "UTC"
    DATABASE_URL = "sqlite:///pinboard.db"
