"""Production (`make serve`): secrets, hosts and database from the environment, secure cookies,
HSTS, static files through whitenoise, optional PostgreSQL pool and S3-compatible media.

Refuses to load with ONE message naming every missing variable (an operator fixing them one
restart at a time would lose an afternoon). ``DATABASE_URL`` is required even for SQLite
(``sqlite:////srv/ohms/ohms.sqlite3``): production never falls back silently to a file under
the code checkout.
"""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import DATABASES, MIDDLEWARE, STORAGES, VAR_DIR, database_pool

#: Variables production cannot start without (also checked by scripts/serve.sh).
REQUIRED_ENVIRONMENT = {
    "DJANGO_SECRET_KEY": "the secret key (50+ random characters)",
    "DJANGO_ALLOWED_HOSTS": "comma-separated host names the site answers to",
    "DATABASE_URL": "postgres://user:password@host:5432/name",
}
_missing = [name for name in REQUIRED_ENVIRONMENT if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured(
        "OHMS production settings: missing environment variable(s): "
        + ", ".join(f"{name} ({REQUIRED_ENVIRONMENT[name]})" for name in _missing)
        + ". See docs/deployment.md."
    )

VAR_DIR.mkdir(parents=True, exist_ok=True)  # static files, SqliteHuey file, local media
DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = [h.strip() for h in os.environ["DJANGO_ALLOWED_HOSTS"].split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "1") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True

# Static files: served by the web processes themselves (whitenoise), compressed and with
# hashed names, so the proxy needs no static location and browsers cache them for a year
# (hashed names change whenever the content does).
MIDDLEWARE = [
    MIDDLEWARE[0],  # SecurityMiddleware first (HTTPS redirect, HSTS)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],
]
WHITENOISE_MAX_AGE = int(os.environ.get("OHMS_STATIC_MAX_AGE", "3600"))  # unhashed names only
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# PostgreSQL connection pool: on by default in production (OHMS_DB_POOL=0 turns it off,
# e.g. behind PgBouncer in transaction mode).
database_pool(DATABASES, default=True)
