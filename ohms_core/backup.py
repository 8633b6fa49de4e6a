"""Backups and restores of a whole installation: database + uploaded files + a manifest.

Why a command of our own rather than "run pg_dump": the media files and the database must
be taken together and restored together (a document row without its file is a broken
medical record), and a restore must refuse to merge into a database that already holds
data or to load a backup made by a newer code version (unknown migrations). The manifest
records the version, the migration state and a SHA-256 of every part, so a damaged or
truncated copy is refused before anything is written.

* PostgreSQL: ``pg_dump --format=custom`` / ``pg_restore`` (the client tools must match
  the server's major version);
* SQLite: the online backup API (consistent while the site runs);
* media: a gzipped tar of ``MEDIA_ROOT`` when it is on local disk. Media on S3-compatible
  storage are not copied (use the bucket's versioning / replication): the manifest says so.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that must not proceed; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_environment() -> tuple[list[str], dict]:
    s = connection.settings_dict
    args = ["--host", s.get("HOST") or "127.0.0.1", "--port", str(s.get("PORT") or 5432),
            "--username", s.get("USER") or "postgres", "--dbname", s["NAME"]]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _media_is_local() -> bool:
    return hasattr(default_storage, "path") and default_storage.__class__.__name__ == "FileSystemStorage"


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def create_backup(output_dir: Path) -> Path:
    """Write ``<output_dir>/ohms-backup-<timestamp>/`` and return its path."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    target = Path(output_dir) / f"ohms-backup-{stamp}"
    target.mkdir(parents=True)
    vendor = connection.vendor
    if vendor == "postgresql":
        args, env = _pg_environment()
        dump = target / "database.dump"
        result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(dump), *args],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(_("pg_dump failed: %(error)s") % {"error": result.stderr.strip()[-2000:]})
    elif vendor == "sqlite":
        dump = target / "database.sqlite3"
        connection.ensure_connection()
        destination = sqlite3.connect(dump)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
    else:
        raise BackupError(_("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor})

    files = {dump.name: {"sha256": _sha256(dump), "size": dump.stat().st_size}}
    media = {"storage": default_storage.__class__.__name__, "archived": False}
    if _media_is_local():
        archive = target / "media.tar.gz"
        root = Path(settings.MEDIA_ROOT)
        with tarfile.open(archive, "w:gz") as tar:
            if root.exists():
                tar.add(root, arcname="media")
        files[archive.name] = {"sha256": _sha256(archive), "size": archive.stat().st_size}
        media["archived"] = True
    manifest = {
        "format": FORMAT_VERSION,
        "ohms_version": settings.OHMS_VERSION,
        "created_at": timezone.now().isoformat(),
        "database": {"vendor": vendor, "file": dump.name},
        "migrations": applied_migrations(),
        "media": media,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return target


def read_manifest(source: Path) -> dict:
    """The manifest, after checking every listed file's checksum."""
    path = Path(source) / MANIFEST
    if not path.exists():
        raise BackupError(_("%(path)s is not an OHMS backup (no manifest.json).") % {"path": source})
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(_("Unknown backup format %(format)s.") % {"format": manifest.get("format")})
    for name, facts in manifest["files"].items():
        part = Path(source) / name
        if not part.exists() or _sha256(part) != facts["sha256"]:
            raise BackupError(_("%(name)s is missing or damaged (checksum mismatch).") % {"name": name})
    return manifest


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore_backup(source: Path, media_root: Path | None = None) -> dict:
    """Restore into the configured database (which must be empty) and MEDIA_ROOT."""
    source = Path(source)
    manifest = read_manifest(source)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(_("This is a %(backup)s backup; the configured database is %(target)s.")
                          % {"backup": vendor, "target": connection.vendor})
    known = {(app, name) for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    unknown = sorted(f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names
                     if (app, name) not in known)
    if unknown:
        raise BackupError(_("The backup was made by a newer version (unknown migrations: %(names)s). Upgrade the code first.")
                          % {"names": ", ".join(unknown[:10])})
    if not _database_is_empty():
        raise BackupError(_("The database %(name)s is not empty: restore only into an empty database.")
                          % {"name": connection.settings_dict["NAME"]})
    dump = source / manifest["database"]["file"]
    if vendor == "postgresql":
        args, env = _pg_environment()
        result = subprocess.run(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", *args, str(dump)],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(_("pg_restore failed: %(error)s") % {"error": result.stderr.strip()[-2000:]})
    else:
        connection.ensure_connection()
        origin = sqlite3.connect(dump)
        try:
            origin.backup(connection.connection)
        finally:
            origin.close()
    restored_media = 0
    if manifest["media"]["archived"]:
        root = Path(media_root or settings.MEDIA_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        staging = root.parent / f".{root.name}-restore"
        shutil.rmtree(staging, ignore_errors=True)
        with tarfile.open(source / "media.tar.gz", "r:gz") as tar:
            tar.extractall(staging, filter="data")
        extracted = staging / "media"
        if extracted.exists():
            for path in extracted.rglob("*"):
                if path.is_file():
                    destination = root / path.relative_to(extracted)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(path), destination)
                    restored_media += 1
        shutil.rmtree(staging, ignore_errors=True)
    return {"database": vendor, "media_files": restored_media, "ohms_version": manifest["ohms_version"]}
