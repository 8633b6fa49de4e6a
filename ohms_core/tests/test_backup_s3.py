"""ohms_backup / ohms_restore with media on S3-compatible storage (moto's server).

The backup reads every object of the bucket through the storage API into the archive (with
each object's checksum in the manifest); the restore, run in another process on a new empty
database as an operator would, writes them back into an empty bucket under the same names.
The two buckets are compared object by object (keys and SHA-256 of the bytes). A restore into
a bucket that already holds the files is refused before anything is written.
"""
import io
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from ohms_core import testing
from ohms_core.models import Document
from ohms_core.services.documents import document_upload

pytest.importorskip("moto.server", reason="moto[server] is in the ops extra (make install)")
pytest.importorskip("boto3")

from ohms_core import testing_s3  # noqa: E402

s3_endpoint, s3_media = testing_s3.s3_endpoint, testing_s3.s3_media  # the fixtures this module uses
ROOT = Path(__file__).resolve().parents[2]
RESTORE_BUCKET = "ohms-media-restored"

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def _empty_database(tmp_path):
    """The URL of a new, empty database of the test database's vendor (dropped afterwards)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:6]}.sqlite3'}"
        return
    s = connection.settings_dict
    name = f"ohms_restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _restore(folder, database_url, endpoint, tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ohms_site.settings.test", "DATABASE_URL": database_url,
           "OHMS_VAR_DIR": str(tmp_path / "restore-var"), "OHMS_MEDIA_S3_BUCKET": RESTORE_BUCKET,
           "OHMS_MEDIA_S3_ENDPOINT_URL": endpoint, "OHMS_MEDIA_S3_ACCESS_KEY_ID": "testing",
           "OHMS_MEDIA_S3_SECRET_ACCESS_KEY": "testing", "OHMS_MEDIA_S3_REGION": "us-east-1",
           "OHMS_MEDIA_S3_PREFIX": "media"}
    return subprocess.run([sys.executable, "manage.py", "ohms_restore", str(folder)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def _document_count(database_url):
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if Document._meta.db_table not in tables:
                return None
            return db.execute(f'SELECT COUNT(*) FROM "{Document._meta.db_table}"').fetchone()[0]
        finally:
            db.close()
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as db:
        exists = db.execute("SELECT to_regclass(%s)", [Document._meta.db_table]).fetchone()[0]
        return db.execute(f'SELECT COUNT(*) FROM "{Document._meta.db_table}"').fetchone()[0] if exists else None


def test_backup_and_restore_round_trip_media_on_s3(s3_media, tmp_path):
    from wagtail.images import get_image_model

    testing_s3.s3_client(s3_media).create_bucket(Bucket=RESTORE_BUCKET)
    org = testing.make_organization("BS3", "Sauvegarde S3 SARL")
    officer = testing.make_member(org, "medical_officer")
    for n in range(3):
        document_upload(organization=org, user=officer, data={
            "title": f"Fiche {n}", "document_type": "medical_record", "privacy_level": "restricted",
            "file": SimpleUploadedFile(f"fiche-{n}.txt", f"Aptitude {n}\n".encode() * (200 + n),
                                       content_type="text/plain")})
    testing_s3.ensure_root_collection()
    image = get_image_model().objects.create(title="Broyeur", file=ImageFile(io.BytesIO(_png()), name="broyeur.png"))
    image.get_rendition("fill-30x20")
    source = testing_s3.s3_checksums(s3_media)
    assert len(source) >= 5  # three documents, the original image and its rendition

    out = io.StringIO()
    call_command("ohms_backup", output=str(tmp_path / "backups"), stdout=out)
    folder = Path(out.getvalue().strip())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["media"]["storage"] == "S3Storage" and manifest["media"]["archived"] is True
    assert {f"media/{name}": sha for name, sha in manifest["media"]["objects"].items()} == source
    assert "media.tar.gz" in manifest["files"]

    with _empty_database(tmp_path) as url:
        result = _restore(folder, url, s3_media, tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        assert f"and {len(source)} file(s)" in result.stdout
        assert testing_s3.s3_checksums(s3_media, RESTORE_BUCKET) == source  # same objects, same bytes
        assert _document_count(url) == Document.objects.count()

    # The bucket now holds the files: a second restore is refused before the database is touched.
    with _empty_database(tmp_path) as url:
        again = _restore(folder, url, s3_media, tmp_path)
        assert again.returncode != 0 and "empty bucket" in again.stderr, again.stderr[-2000:]
        assert not _document_count(url)
    assert testing_s3.s3_checksums(s3_media, RESTORE_BUCKET) == source


def _png() -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (60, 40), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()
