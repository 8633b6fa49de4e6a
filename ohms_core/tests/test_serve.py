"""`make serve` (scripts/serve.sh): production settings, gunicorn, whitenoise, Huey consumers.

These tests start real processes (the script, gunicorn, a consumer) the way an operator
does, because what they check (the environment guard, static headers, the WSGI entry
point, the deploy checklist) lives outside what Django's test client exercises.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "scripts" / "serve.sh"
REQUIRED = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL")
SECRET = "serve-test-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in (*REQUIRED, "DJANGO_SETTINGS_MODULE", "REDIS_URL", "PORT")}
    env.update(PYTHON=sys.executable, **extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 10.0):
    """GET through the "proxy" (X-Forwarded-Proto: https, as nginx would send)."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_serve_refuses_without_environment_and_names_every_missing_variable():
    result = subprocess.run(["bash", str(SERVE)], env=_clean_env(), capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    first_line = result.stderr.splitlines()[0]
    assert "missing environment variable(s)" in first_line
    for name in REQUIRED:
        assert name in first_line
    # Only what is missing is named.
    partial = subprocess.run(["bash", str(SERVE)], env=_clean_env(DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="x"),
                             capture_output=True, text=True, timeout=30)
    assert partial.returncode == 2
    assert "DATABASE_URL" in partial.stderr.splitlines()[0]
    assert "DJANGO_SECRET_KEY" not in partial.stderr.splitlines()[0]


def test_production_settings_refuse_with_one_message_naming_all_missing_variables():
    code = "import django; django.setup()"
    env = _clean_env(DJANGO_SETTINGS_MODULE="ohms_site.settings.production", PYTHONPATH=f"{ROOT / 'site'}:{ROOT}")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode != 0
    message = [line for line in result.stderr.splitlines() if "ImproperlyConfigured" in line][-1]
    for name in REQUIRED:
        assert name in message


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = _clean_env(
        DJANGO_SETTINGS_MODULE="ohms_site.settings.production", DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="ohms.example.org", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        OHMS_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_pool_whitenoise_and_storage(tmp_path):
    """What make serve runs with: pooled PostgreSQL, whitenoise first after security, private S3."""
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'pool': s.DATABASES['default'].get('OPTIONS', {}).get('pool'), 'age': s.DATABASES['default']['CONN_MAX_AGE'],"
        "'mw': s.MIDDLEWARE[:2], 'static': s.STORAGES['staticfiles']['BACKEND'],"
        "'media': s.STORAGES['default']['BACKEND'], 'media_options': s.STORAGES['default'].get('OPTIONS')}))"
    )
    env = _clean_env(
        DJANGO_SETTINGS_MODULE="ohms_site.settings.production", DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="ohms.example.org", DATABASE_URL="postgres://u:p@db.example.org:5432/ohms",
        OHMS_VAR_DIR=str(tmp_path), PYTHONPATH=f"{ROOT / 'site'}:{ROOT}",
        OHMS_MEDIA_S3_BUCKET="ohms-media", OHMS_MEDIA_S3_ENDPOINT_URL="http://minio:9000",
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["pool"]["max_size"] == 10 and facts["age"] == 0
    assert facts["mw"] == ["django.middleware.security.SecurityMiddleware", "whitenoise.middleware.WhiteNoiseMiddleware"]
    assert facts["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert facts["media"] == "storages.backends.s3.S3Storage"
    assert facts["media_options"]["querystring_auth"] is True
    assert facts["media_options"]["default_acl"] == "private"
    assert facts["media_options"]["custom_domain"] is None

    off = subprocess.run([sys.executable, "-c", code], env={**env, "OHMS_DB_POOL": "0"},
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert json.loads(off.stdout)["pool"] is None


#: collectstatic (compressing every admin asset) takes minutes on a busy machine: the first
#: run collects here through serve.sh, later runs reuse it (OHMS_SERVE_COLLECTSTATIC=0).
STATIC_CACHE = ROOT / "var" / "test-serve-static"


def _static_cache_fresh() -> bool:
    """The collected files of an earlier run are reused unless an add-on's static file is
    newer than their manifest (a new stylesheet must not be a missing manifest entry)."""
    manifest = STATIC_CACHE / "staticfiles.json"
    if not manifest.exists():
        return False
    newest = max((f.stat().st_mtime for f in ROOT.glob("ohms_*/static/**/*") if f.is_file()), default=0)
    return newest <= manifest.stat().st_mtime


def database_url_for_subprocess(tmp_path) -> str:
    """A URL another process can open to see this test's migrated test database.

    PostgreSQL: the test database itself. SQLite: pytest's database is in memory, so it is
    copied into a file with SQLite's online backup API (migrating afresh takes minutes).
    """
    import sqlite3

    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    target_path = tmp_path / "db.sqlite3"
    target = sqlite3.connect(target_path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{target_path}"


@pytest.fixture
def served(tmp_path, transactional_db):
    """scripts/serve.sh on a free port (1 web worker, 1 consumer), stopped at the end."""
    port = _free_port()
    env = _clean_env(
        DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url_for_subprocess(tmp_path), OHMS_VAR_DIR=str(tmp_path),
        OHMS_STATIC_ROOT=str(STATIC_CACHE), WEB_WORKERS="1", HUEY_WORKERS="1", PORT=str(port),
        OHMS_SERVE_MIGRATE="0",  # the test database is migrated already
        OHMS_SERVE_COLLECTSTATIC="0" if _static_cache_fresh() else "1",
    )
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(["bash", str(SERVE)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            _get(f"{base}/api/v1/status/", timeout=2)
            break
        except (OSError, urllib.error.URLError):
            time.sleep(1)
    try:
        if process.poll() is not None:
            pytest.fail("serve.sh ended early:\n" + (tmp_path / "serve.log").read_text()[-3000:])
        yield base, process, tmp_path
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_serve_answers_status_admin_login_and_static_with_far_future_cache(served):
    base, process, _var_dir = served
    status, headers, body = _get(f"{base}/api/v1/status/")
    assert status == 200
    report = json.loads(body)
    assert report["database"]["status"] == "ok"
    assert report["jobs"]["backend"] == "SqliteHuey"  # no REDIS_URL: the embedded queue
    if report["database"]["vendor"] == "postgresql":  # production pools PostgreSQL connections
        assert report["database"]["pool"]["max_size"] == 10
        assert report["database"]["pool"]["size"] >= 1
    else:
        assert report["database"]["pool"] is None
    assert headers["Server"].startswith("gunicorn")
    assert "max-age=31536000" in headers["Strict-Transport-Security"]

    status, headers, body = _get(f"{base}/admin/login/")
    assert status == 200
    assert b'name="password"' in body
    assert "secure" in headers.get("Set-Cookie", "").lower()  # csrftoken cookie, HTTPS only

    # Plain HTTP without the proxy header is redirected to HTTPS.
    plain = urllib.request.Request(f"{base}/admin/login/")
    opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,), {"redirect_request": lambda *a, **k: None}))
    with pytest.raises(urllib.error.HTTPError) as redirected:
        opener.open(plain, timeout=10)
    assert redirected.value.code == 301
    assert redirected.value.headers["Location"].startswith("https://")

    manifest = json.loads((STATIC_CACHE / "staticfiles.json").read_text())["paths"]
    hashed = manifest["ohms/css/admin.css"] if "ohms/css/admin.css" in manifest else next(
        v for k, v in manifest.items() if k.startswith("wagtailadmin/css/") and k.endswith(".css"))
    status, headers, body = _get(f"{base}/static/{hashed}")
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    max_age = int(headers["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age >= 365 * 24 * 3600
    assert headers.get("Content-Encoding") == "gzip"  # compressed at collectstatic time
    assert body

    # SIGTERM stops gunicorn and the consumer with the script.
    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=60) == 0


def test_status_reports_no_pool_without_one(client, db):
    from django.db import connection

    body = client.get("/api/v1/status/").json()
    if connection.vendor != "postgresql" or getattr(connection, "pool", None) is None:
        assert body["database"]["pool"] is None


class _FakePool:
    def get_stats(self):
        return {"pool_min": 2, "pool_max": 10, "pool_size": 4, "pool_available": 1, "requests_waiting": 3,
                "requests_num": 120, "requests_errors": 1, "connections_errors": 1}


class _FakeConnection:
    vendor = "postgresql"
    pool = _FakePool()


def test_pool_stats_are_mapped_from_psycopg_pool():
    from ohms_core.api.health import database_pool_stats

    assert database_pool_stats(_FakeConnection()) == {
        "min_size": 2, "max_size": 10, "size": 4, "available": 1, "waiting": 3, "requests": 120, "errors": 2,
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_psycopg_pool_serves_connections_and_reports_stats():
    """A pooled Django connection (OPTIONS["pool"]) on the real server, as production configures it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (CI runs it there)")
    from django.db.backends.postgresql.base import DatabaseWrapper

    from ohms_core.api.health import database_pool_stats

    settings_dict = {**connection.settings_dict, "CONN_MAX_AGE": 0,
                     "OPTIONS": {**connection.settings_dict.get("OPTIONS", {}), "pool": {"min_size": 1, "max_size": 3}}}
    pooled = DatabaseWrapper(settings_dict, alias="pool-test")
    try:
        for _ in range(3):  # each "request" borrows and returns a connection
            with pooled.cursor() as cursor:
                cursor.execute("SELECT 1")
                assert cursor.fetchone() == (1,)
            pooled.close()
        with pooled.cursor() as cursor:
            cursor.execute("SELECT 1")
        stats = database_pool_stats(pooled)
        assert stats["min_size"] == 1 and stats["max_size"] == 3
        assert 1 <= stats["size"] <= 3
        assert stats["waiting"] == 0 and stats["errors"] == 0
    finally:
        pooled.close()
        pooled.close_pool()
