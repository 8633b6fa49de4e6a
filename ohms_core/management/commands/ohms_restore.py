"""``manage.py ohms_restore BACKUP_DIR``: restore a backup into an EMPTY database (ohms_core.backup)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore an ohms_backup folder into the configured database, which must be empty, and the media storage."

    def add_arguments(self, parser):
        parser.add_argument("source", help="an ohms-backup-<timestamp>/ folder")
        parser.add_argument("--media-root", default=None, help="restore the files here instead of MEDIA_ROOT")

    def handle(self, *args, source, media_root, **options):
        try:
            result = restore_backup(Path(source), media_root=Path(media_root) if media_root else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Restored {result['database']} database and {result['media_files']} file(s) "
            f"(backup of OHMS {result['ohms_version']})."))
