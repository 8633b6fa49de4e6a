"""Settings shared by every environment. dev/test/production only override.

Everything that differs between the embedded default (one machine, SQLite, SqliteHuey)
and the scaled-out set-up (PostgreSQL, Redis) is read from the environment, so the
same code runs in both.
"""
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

SITE_DIR = Path(__file__).resolve().parent.parent  # site/ohms_site
BASE_DIR = SITE_DIR.parent.parent  # repository root
VAR_DIR = Path(os.environ.get("OHMS_VAR_DIR", BASE_DIR / "var"))

OHMS_VERSION = "0.1.0"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]

# Add-ons, in dependency order. OHMS_ADDONS selects a subset (default: all).
OHMS_ALL_ADDONS = ["core", "ptw", "health", "regulatory", "integrations", "training", "visitors"]
_selected = os.environ.get("OHMS_ADDONS", "").strip()
OHMS_ADDONS = [a.strip() for a in _selected.split(",") if a.strip()] if _selected else OHMS_ALL_ADDONS
if "core" not in OHMS_ADDONS:
    OHMS_ADDONS.insert(0, "core")

INSTALLED_APPS = [f"ohms_{name}" for name in OHMS_ADDONS] + [
    "ohms_site",
    "wagtail.contrib.forms",
    "wagtail.contrib.settings",
    "wagtail.api.v2",  # policy pages read by integrators at /api/v2/pages/ (DECISIONS 13)
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "huey.contrib.djhuey",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ohms_core.middleware.SessionIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ohms_core.middleware.ContentSecurityPolicyMiddleware",
    "ohms_core.middleware.RequestContextMiddleware",
]
# Load tests only (issue 13): the database query count of each request as a response header.
OHMS_QUERY_COUNT_HEADER = os.environ.get("OHMS_QUERY_COUNT_HEADER", "") in ("1", "true", "yes")
if OHMS_QUERY_COUNT_HEADER:
    MIDDLEWARE.insert(1, "ohms_core.querycount.QueryCountMiddleware")  # after SecurityMiddleware (production.py)

# Sessions: one shift at most (SESSION_COOKIE_AGE), logged out after an idle period.
SESSION_COOKIE_AGE = int(os.environ.get("OHMS_SESSION_HOURS", "12")) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
OHMS_SESSION_IDLE_MINUTES = int(os.environ.get("OHMS_SESSION_IDLE_MINUTES", "60"))
#: Polled in the background by the admin: checked, but not counted as activity.
OHMS_SESSION_IDLE_EXEMPT_PATHS = ["/admin/ohms/notifications/count/"]

# Content-Security-Policy: our own origin only (admin assets and the Swagger UI are served
# locally); the Wagtail admin needs inline styles and a few inline scripts, and its bundles
# (core.js, draftail.js: doT templates) compile with ``new Function``, hence 'unsafe-eval'.
# What the policy buys: no script, style, image, font or connection from another origin
# (injected markup cannot load or send anything elsewhere), no plugins, no <base> hijack,
# forms post only to us, framing only by ourselves.
OHMS_CONTENT_SECURITY_POLICY = os.environ.get("OHMS_CONTENT_SECURITY_POLICY", "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "media-src 'self' blob:",
    "frame-src 'self'",
    "frame-ancestors 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]))

# Wagtail's preview panel frames the site itself, so frames stay allowed from the same origin.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]

ROOT_URLCONF = "ohms_site.urls"
WSGI_APPLICATION = "ohms_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite file by default, DATABASE_URL (PostgreSQL) when set.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'ohms.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20,
        # BEGIN IMMEDIATE: a writer waits for the lock instead of failing with "database is
        # locked" when its read lock cannot be upgraded (web threads + the Huey consumer).
        "transaction_mode": "IMMEDIATE",
        # WAL: readers never block the writer.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL connection pool (psycopg_pool through Django's OPTIONS; Django 5.1+): opt-in
# with OHMS_DB_POOL=1 here, on by default in production settings. Django requires
# CONN_MAX_AGE = 0 with a pool: the pool, not Django, keeps the connections open.
def database_pool(databases: dict, *, default: bool) -> None:
    """Turn on psycopg's pool for a PostgreSQL default database unless OHMS_DB_POOL says no."""
    enabled = os.environ.get("OHMS_DB_POOL", "1" if default else "0") == "1"
    if not enabled or databases["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    databases["default"]["CONN_MAX_AGE"] = 0
    databases["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("OHMS_DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("OHMS_DB_POOL_MAX", "10")),
        "timeout": float(os.environ.get("OHMS_DB_POOL_TIMEOUT", "10")),
        "name": "ohms",
    }


database_pool(DATABASES, default=False)

AUTHENTICATION_BACKENDS = [
    "ohms_core.auth_backends.LoginLockoutBackend",  # first: a locked account is refused outright
    "django.contrib.auth.backends.ModelBackend",
    "ohms_core.auth_backends.MembershipBackend",
]
# Password guessing: this many wrong passwords lock the account for this long (admin login
# and password re-checks such as permit signing); `manage.py ohms_unlock_login` lifts it.
OHMS_LOGIN_MAX_FAILURES = int(os.environ.get("OHMS_LOGIN_MAX_FAILURES", "5"))
OHMS_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("OHMS_LOGIN_LOCKOUT_MINUTES", "15"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: English and French, localised dates and numbers.
LANGUAGE_CODE = os.environ.get("OHMS_LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS: list = []  # each add-on ships its own <app>/locale (found automatically)
TIME_ZONE = os.environ.get("OHMS_TIME_ZONE", "Africa/Lubumbashi")
FORMAT_MODULE_PATH = ["ohms_site.formats"]  # English dates day-first, 24 h; French uses Django's fr
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("OHMS_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [SITE_DIR / "static"]
# MEDIA_URL is never routed (site/ohms_site/urls.py): uploads are private and reached only
# through access-checked downloads, which stream through ``storage.open()``. So any Django
# storage works, e.g. an S3-compatible bucket (django-storages, not installed by default:
# point STORAGES["default"] at it in the deployment's settings) with no public URL at all.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("OHMS_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Media on S3-compatible object storage (AWS S3, MinIO, Ceph...) when OHMS_MEDIA_S3_BUCKET
# is set (django-storages), local files otherwise. Objects are private (no ACL grant) and
# every URL the storage makes is signed and short-lived (querystring auth): the
# access-checked download views redirect to such a URL (ohms_core.files.file_response),
# nothing else ever hands one out.
OHMS_MEDIA_S3_BUCKET = os.environ.get("OHMS_MEDIA_S3_BUCKET", "")
OHMS_MEDIA_S3_ENDPOINT_URL = os.environ.get("OHMS_MEDIA_S3_ENDPOINT_URL", "")
OHMS_MEDIA_S3_URL_EXPIRE = int(os.environ.get("OHMS_MEDIA_S3_URL_EXPIRE", "60"))
if OHMS_MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": OHMS_MEDIA_S3_BUCKET,
            "endpoint_url": OHMS_MEDIA_S3_ENDPOINT_URL or None,
            "access_key": os.environ.get("OHMS_MEDIA_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("OHMS_MEDIA_S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("OHMS_MEDIA_S3_REGION") or None,
            "location": os.environ.get("OHMS_MEDIA_S3_PREFIX", ""),
            "addressing_style": os.environ.get("OHMS_MEDIA_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": OHMS_MEDIA_S3_URL_EXPIRE,
            "file_overwrite": False,
            "custom_domain": None,
        },
    }
    # A verified photo shown inline in the admin is redirected to the bucket's origin.
    if OHMS_MEDIA_S3_ENDPOINT_URL and "OHMS_CONTENT_SECURITY_POLICY" not in os.environ:
        from urllib.parse import urlsplit

        _bucket_origin = "{0.scheme}://{0.netloc}".format(urlsplit(OHMS_MEDIA_S3_ENDPOINT_URL))
        OHMS_CONTENT_SECURITY_POLICY = OHMS_CONTENT_SECURITY_POLICY.replace(
            "img-src 'self'", f"img-src 'self' {_bucket_origin}"
        )
OHMS_JSON_MAX_DEPTH = 32  # API JSON bodies nested deeper are refused (400)
# Idempotency-Key (docs/api.md): how long a key's first response is replayed, and after how
# long a reservation whose request never finished (process killed) may be taken over.
# A job lock whose run started this long ago and never finished was left by a dead consumer
# (ohms_core.jobs.release_stale_lock): the next run frees it.
OHMS_JOB_STALE_LOCK_SECONDS = int(os.environ.get("OHMS_JOB_STALE_LOCK_SECONDS", "3600"))
OHMS_IDEMPOTENCY_HOURS = int(os.environ.get("OHMS_IDEMPOTENCY_HOURS", "72"))
OHMS_IDEMPOTENCY_LOCK_SECONDS = int(os.environ.get("OHMS_IDEMPOTENCY_LOCK_SECONDS", "300"))
OHMS_DOCUMENT_MAX_BYTES = int(os.environ.get("OHMS_DOCUMENT_MAX_BYTES", 25 * 1024 * 1024))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ohms@localhost")

# Wagtail
WAGTAIL_SITE_NAME = "OHMS"
WAGTAILADMIN_BASE_URL = os.environ.get("OHMS_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = True  # policy pages in English and French, linked as translations (DECISIONS 13)
WAGTAIL_ENABLE_UPDATE_CHECK = False  # closed networks: no call home
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Wagtail never hands out a storage URL for a document: its serve view (not routed, and
# refused by ohms_core.library) is the only way, so no file bypasses our access check.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILADMIN_USER_LOGIN_FORM = "ohms_core.admin_views.login.LockoutAwareLoginForm"
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # closed mine networks: no avatar fetched from the internet
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

# Jobs: SqliteHuey file by default, Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "ohms",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 4, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "ohms",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

# REST API
# Throttle rates of the permit-to-work endpoints (SPEC 5.3; ohms_ptw.throttles), per user.
PTW_KPI_RATE = os.environ.get("PTW_KPI_RATE", "120/min")
PTW_BULK_EXPORT_RATE = os.environ.get("PTW_BULK_EXPORT_RATE", "5/hour")
PTW_SYNC_RATE = os.environ.get("PTW_SYNC_RATE", "60/min")
API_PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 200
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ohms_core.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies: 413 over DATA_UPLOAD_MAX_MEMORY_SIZE, 400 when nested deeper than OHMS_JSON_MAX_DEPTH.
    "DEFAULT_PARSER_CLASSES": [
        "ohms_core.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "ohms_core.api.pagination.StandardPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ohms_core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("OHMS_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("OHMS_THROTTLE_USER", "1200/min"),
        "tokens": os.environ.get("OHMS_THROTTLE_TOKENS", "30/min"),
        "notifications": os.environ.get("NOTIFICATIONS_RATE", "120/min"),
        "ptw_kpi": PTW_KPI_RATE,
        "ptw_bulk_export": PTW_BULK_EXPORT_RATE,
        "ptw_sync": PTW_SYNC_RATE,
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OHMS API",
    "DESCRIPTION": "Occupational health and safety suite: core, permit to work, health, regulatory, integrations.",
    "VERSION": OHMS_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["ohms_core.api.schema.only_public_api"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "ohms_core.api.schema.idempotency_key_header"],
    # Two different "risk_level" choice sets: the audit log's and the permit's 4-level risk.
    "ENUM_NAME_OVERRIDES": {
        "AuditRiskLevelEnum": "ohms_core.models.audit.AuditRisk",
        "PermitRiskLevelEnum": "ohms_ptw.states.RiskLevel",
        "RoleEnum": "ohms_core.roles.Role",  # memberships, tokens, PTW escalation rules
        "DeclarationStatusEnum": "ohms_regulatory.states.ReportStatus",  # CNSS and DRC declarations
        "LanguageEnum": LANGUAGES,  # contacts, training modules, visitors' NDAs: the site's languages
    },
}

# Believe X-Forwarded-For for audit IPs only behind a trusted reverse proxy.
OHMS_TRUST_X_FORWARDED_FOR = os.environ.get("OHMS_TRUST_X_FORWARDED_FOR", "0") == "1"

# Events, notifications
OHMS_EVENT_SWEEP_GRACE_SECONDS = int(os.environ.get("OHMS_EVENT_SWEEP_GRACE_SECONDS", "60"))
OHMS_EVENT_MAX_ATTEMPTS = int(os.environ.get("OHMS_EVENT_MAX_ATTEMPTS", "10"))
# Webhooks (ohms_integrations, docs/webhooks.md): private/loopback targets only for development;
# hours the previous secret keeps signing after a rotation.
OHMS_WEBHOOKS_ALLOW_PRIVATE = os.environ.get("OHMS_WEBHOOKS_ALLOW_PRIVATE", "0") == "1"
OHMS_WEBHOOK_ROTATION_HOURS = int(os.environ.get("OHMS_WEBHOOK_ROTATION_HOURS", "24"))
# The status report calls the job queue "no_consumer" when no consumer beat for this long.
OHMS_CONSUMER_STALE_MINUTES = int(os.environ.get("OHMS_CONSUMER_STALE_MINUTES", "5"))
NOTIFICATIONS_ENABLED = os.environ.get("NOTIFICATIONS_ENABLED", "1") == "1"
OHMS_NOTIFICATION_RETENTION_DAYS = int(os.environ.get("OHMS_NOTIFICATION_RETENTION_DAYS", "180"))

# Add-on settings (e.g. PTW_APPROVAL_SLA_HOURS) live in each add-on's conf.py with their
# defaults; set them here, or in the environment, only to override.

# Header a client sends to say which organization a request acts for.
OHMS_ORGANIZATION_HEADER = "HTTP_X_OHMS_ORGANIZATION"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OHMS_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "django_tasks": {"level": "WARNING"}},
}
# Structured permit-to-work logs (ohms_ptw.observability, docs/operations.md): one JSON line
# per event on the "ptw" logger at INFO, to the console (through the root handler, whatever
# the root level) and, when the deployment names one, to a file of its own.
OHMS_PTW_LOG_FILE = os.environ.get("OHMS_PTW_LOG_FILE", "")
LOGGING["formatters"] = {**LOGGING.get("formatters", {}), "ptw_json": {"format": "%(message)s"}}
LOGGING["loggers"]["ptw"] = {"level": "INFO", "handlers": [], "propagate": True}
if OHMS_PTW_LOG_FILE:
    LOGGING["handlers"]["ptw_file"] = {"class": "logging.handlers.WatchedFileHandler", "filename": OHMS_PTW_LOG_FILE,
                                       "formatter": "ptw_json", "level": "INFO"}
    LOGGING["loggers"]["ptw"]["handlers"].append("ptw_file")
