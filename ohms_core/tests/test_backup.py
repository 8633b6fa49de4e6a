"""ohms_backup / ohms_restore: a round trip into a new, empty database (SQLite and PostgreSQL).

The restore runs in another process on another database, as an operator would run it; the
restored copy is compared with the original: row counts, records, and the file's checksum.
"""
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from ohms_core import testing
from ohms_core.models import Document, Membership, Organization
from ohms_core.services.documents import document_upload

ROOT = Path(__file__).resolve().parents[2]
CONTENT = "Certificat d'aptitude — sauvegarde.\n".encode() * 20

pytestmark = pytest.mark.django_db(transaction=True)


def _world():
    org = testing.make_organization("BKP", "Sauvegarde SARL")
    officer = testing.make_member(org, "medical_officer")
    testing.make_member(org, "worker")
    document = document_upload(organization=org, user=officer, data={
        "title": "Dossier médical", "document_type": "medical_record", "privacy_level": "restricted",
        "file": SimpleUploadedFile("fiche.txt", CONTENT, content_type="text/plain")})
    return org, document


def _backup(tmp_path) -> Path:
    out = io.StringIO()
    call_command("ohms_backup", output=str(tmp_path / "backups"), stdout=out)
    folder = Path(out.getvalue().strip())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == 1 and manifest["ohms_version"]
    assert "0001_initial" in manifest["migrations"]["ohms_core"]
    assert manifest["media"]["archived"] is True
    for name, facts in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == facts["sha256"]
    return folder


def _restore(folder: Path, database_url: str, media_root: Path, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ohms_site.settings.test", "DATABASE_URL": database_url,
           "OHMS_VAR_DIR": str(tmp_path / "restore-var")}
    return subprocess.run([sys.executable, "manage.py", "ohms_restore", str(folder), "--media-root", str(media_root)],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _expected(org, document):
    tables = {m._meta.db_table: m.objects.count() for m in (Organization, Membership, Document, get_user_model())}
    return tables, (str(org.pk), org.name), (str(document.pk), document.title, document.file.name, document.checksum)


def _assert_restored(rows, org_row, doc_row, media_root: Path, expected):
    tables, org_expected, doc_expected = expected
    assert rows == tables
    assert org_row == org_expected
    assert doc_row == doc_expected
    restored_file = media_root / doc_expected[2]
    assert hashlib.sha256(restored_file.read_bytes()).hexdigest() == doc_expected[3] == hashlib.sha256(CONTENT).hexdigest()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip (PostgreSQL has its own test)")
def test_sqlite_backup_restore_round_trip_and_refusals(tmp_path):
    org, document = _world()
    expected = _expected(org, document)
    folder = _backup(tmp_path)
    assert (folder / "database.sqlite3").exists()

    target = tmp_path / "restored.sqlite3"
    media_root = tmp_path / "restored-media"
    result = _restore(folder, f"sqlite:///{target}", media_root, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Restored sqlite database and" in result.stdout  # MEDIA_ROOT may hold other tests' files

    db = sqlite3.connect(target)
    rows = {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in expected[0]}
    org_row = db.execute(f'SELECT id, name FROM "{Organization._meta.db_table}" WHERE id = ?', [org.pk.hex]).fetchone()
    doc_row = db.execute(f'SELECT id, title, file, checksum FROM "{Document._meta.db_table}" WHERE id = ?',
                         [document.pk.hex]).fetchone()
    db.close()
    org_row = (str(uuid.UUID(org_row[0])), org_row[1])
    doc_row = (str(uuid.UUID(doc_row[0])), *doc_row[1:])
    _assert_restored(rows, org_row, doc_row, media_root, expected)

    # A second restore into the now filled database is refused, and nothing is touched.
    again = _restore(folder, f"sqlite:///{target}", media_root, tmp_path)
    assert again.returncode != 0
    assert "not empty" in again.stderr

    # A damaged backup is refused before anything is written.
    (folder / "media.tar.gz").write_bytes(b"truncated")
    damaged = _restore(folder, f"sqlite:///{tmp_path / 'other.sqlite3'}", tmp_path / "m3", tmp_path)
    assert damaged.returncode != 0 and "checksum" in damaged.stderr
    assert not (tmp_path / "m3").exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (CI runs it there)")
def test_postgresql_backup_restore_round_trip_into_a_new_database(tmp_path):
    import psycopg

    org, document = _world()
    expected = _expected(org, document)
    folder = _backup(tmp_path)
    assert (folder / "database.dump").read_bytes()[:5] == b"PGDMP"  # custom format

    s = connection.settings_dict
    name = f"ohms_restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    try:
        media_root = tmp_path / "restored-media"
        result = _restore(folder, url, media_root, tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
            rows = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in expected[0]}
            org_row = db.execute(f'SELECT id::text, name FROM "{Organization._meta.db_table}" WHERE id = %s',
                                 [org.pk]).fetchone()
            doc_row = db.execute(f'SELECT id::text, title, file, checksum FROM "{Document._meta.db_table}" WHERE id = %s',
                                 [document.pk]).fetchone()
        _assert_restored(rows, tuple(org_row), tuple(doc_row), media_root, expected)

        again = _restore(folder, url, media_root, tmp_path)
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
