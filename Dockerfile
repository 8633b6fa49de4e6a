# OHMS production image: the same pinned dependencies as pyproject.toml, run as a non-root
# user. Web: scripts/serve.sh (gunicorn, whitenoise); worker: manage.py run_huey.
# See compose.yaml and docs/deployment.md. Build: docker build -t ohms .
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=ohms_site.settings.production \
    OHMS_VAR_DIR=/var/lib/ohms PYTHON=python WEB_BIND=0.0.0.0:8000

# postgresql-client: pg_dump/pg_restore for manage.py ohms_backup / ohms_restore
# (its major version must match the server's: bookworm ships 15).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 ohms \
    && mkdir -p /var/lib/ohms && chown ohms:ohms /var/lib/ohms

WORKDIR /app
COPY pyproject.toml README.md ./
COPY ohms_core ohms_core
COPY ohms_ptw ohms_ptw
COPY ohms_health ohms_health
COPY ohms_regulatory ohms_regulatory
COPY ohms_integrations ohms_integrations
COPY site site
COPY scripts scripts
COPY manage.py ./
RUN pip install --no-cache-dir .

# Static files are collected into the image (hashed + compressed, served by whitenoise).
# The variables below exist only for this build step; the real ones come at run time.
ENV OHMS_STATIC_ROOT=/app/static
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0 && rm -f /tmp/build.sqlite3

USER ohms
EXPOSE 8000
ENV OHMS_SERVE_COLLECTSTATIC=0 HUEY_WORKERS=0
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:8000/api/v1/status/', headers={'X-Forwarded-Proto': 'https'}), timeout=4)"
CMD ["scripts/serve.sh"]
