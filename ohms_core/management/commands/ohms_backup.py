"""``manage.py ohms_backup [--output DIR]``: database + media archive + manifest (ohms_core.backup)."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format, or SQLite's online backup) and the media (local or S3), with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(Path(settings.VAR_DIR) / "backups"),
                            help="folder that receives ohms-backup-<timestamp>/ (default: var/backups)")

    def handle(self, *args, output, **options):
        try:
            target = create_backup(Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(target))
