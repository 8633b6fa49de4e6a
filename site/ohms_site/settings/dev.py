"""Local development and `make run`: DEBUG on, embedded SQLite/SqliteHuey defaults."""
import os

from .base import *  # noqa: F401,F403
from .base import VAR_DIR

DEBUG = True
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
VAR_DIR.mkdir(parents=True, exist_ok=True)
