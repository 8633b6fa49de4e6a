"""pytest: fast hashing, in-memory email, Huey tasks run immediately in-process."""
import os

from .base import *  # noqa: F401,F403
from .base import HUEY, INSTALLED_APPS, REST_FRAMEWORK, VAR_DIR

SECRET_KEY = "test-only-key"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HUEY = {**HUEY, "immediate": True}
MEDIA_ROOT = VAR_DIR / "test-media" / str(os.getpid())
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "anon": "10000/min",
        "user": "100000/min",
        "tokens": "10000/min",
        "notifications": "100000/min",
        # Throttling tests lower these with ohms_ptw.throttles.throttle_rates().
        "ptw_kpi": "100000/min",
        "ptw_bulk_export": "100000/hour",
        "ptw_sync": "100000/min",
    },
}
# The login lock counts wrong passwords per user name in the cache, which lives for the whole
# test process: tests that exercise the lock set a low limit themselves.
OHMS_LOGIN_MAX_FAILURES = 1000
# Per-process cache: throttle counters never leak between test runs (even with REDIS_URL).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
VAR_DIR.mkdir(parents=True, exist_ok=True)

# A small state machine that proves the core workflow machinery; never installed outside tests.
INSTALLED_APPS = [*INSTALLED_APPS[:1], "ohms_core.tests.workflow_app", *INSTALLED_APPS[1:]]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"level": "ERROR"}},
}
