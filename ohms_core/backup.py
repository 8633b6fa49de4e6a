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
* media: a gzipped tar (``media/<name>``) of ``MEDIA_ROOT`` when it is on local disk, or of
  every object of the media storage when it is elsewhere (S3-compatible object storage), read
  through Django's storage API one object at a time, with each object's SHA-256 in the
  manifest. A restore writes the files back the same way: extracted into ``MEDIA_ROOT`` (or
  ``--media-root``) on local disk, saved object by object (names kept, checksums checked)
  into the configured storage otherwise, which must not hold any of them yet (an empty
  bucket). Either way round works: a local backup restores into a bucket and back.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
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


def storage_names(storage, path: str = ""):
    """Every file name in ``storage`` under ``path`` (recursively, through ``listdir``)."""
    directories, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from storage_names(storage, f"{path}/{directory}" if path else directory)


def _spool(handle, digest):
    """Copy ``handle`` into a temporary file (memory up to 8 MB, then disk) while hashing it:
    a tar entry needs its size first, and an object may be larger than memory allows."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
        spool.write(chunk)
    size = spool.tell()
    spool.seek(0)
    return spool, size


def _archive_storage(archive: Path) -> dict[str, str]:
    """Tar every object of the (remote) media storage into ``archive``; {name: sha256}."""
    objects = {}
    with tarfile.open(archive, "w:gz") as tar:
        for name in sorted(storage_names(default_storage)):
            digest = hashlib.sha256()
            with default_storage.open(name, "rb") as handle:
                spool, size = _spool(handle, digest)
            with spool:
                info = tarfile.TarInfo(f"media/{name}")
                info.size, info.mode = size, 0o640
                info.mtime = int(timezone.now().timestamp())
                tar.addfile(info, spool)
            objects[name] = digest.hexdigest()
    return objects


def _archived_names(source: Path) -> list[str]:
    with tarfile.open(source / "media.tar.gz", "r:gz") as tar:
        return [m.name.removeprefix("media/") for m in tar.getmembers() if m.isfile() and m.name.startswith("media/")]


def _check_storage_free(source: Path) -> None:
    """Refuse, before anything is written, to restore over objects the storage already holds."""
    taken = [name for name in _archived_names(source) if default_storage.exists(name)]
    if taken:
        raise BackupError(_("The media storage already holds %(count)s of the backup's files (e.g. %(name)s): "
                            "restore only into an empty bucket.") % {"count": len(taken), "name": taken[0]})


def _restore_storage(source: Path, checksums: dict[str, str]) -> int:
    """Save every archived file into the (remote) media storage under its own name."""
    restored = 0
    with tarfile.open(source / "media.tar.gz", "r:gz") as tar:
        for member in tar:
            if not (member.isfile() and member.name.startswith("media/")):
                continue
            name = member.name.removeprefix("media/")
            digest = hashlib.sha256()
            spool, _size = _spool(tar.extractfile(member), digest)
            with spool:
                if name in checksums and digest.hexdigest() != checksums[name]:
                    raise BackupError(_("%(name)s is damaged in the archive (checksum mismatch).") % {"name": name})
                saved = default_storage.save(name, File(spool, name=name))
            if saved != name:
                raise BackupError(_("%(name)s was stored as %(saved)s: the storage renamed it.")
                                  % {"name": name, "saved": saved})
            restored += 1
    return restored


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
    else:
        archive = target / "media.tar.gz"
        media["objects"] = _archive_storage(archive)
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
    """Restore into the configured database (which must be empty) and the media: into
    ``media_root`` when given, else the configured media storage (MEDIA_ROOT on disk, or the
    bucket, which must not hold any of the files)."""
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
    to_storage = manifest["media"]["archived"] and media_root is None and not _media_is_local()
    if to_storage:
        _check_storage_free(source)
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
    if to_storage:
        restored_media = _restore_storage(source, manifest["media"].get("objects", {}))
    elif manifest["media"]["archived"]:
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
