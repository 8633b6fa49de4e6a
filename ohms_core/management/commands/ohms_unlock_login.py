"""Lift the password-guessing lock of one or more accounts (see ohms_core.services.auth)."""
from django.core.management.base import BaseCommand

from ohms_core.services.auth import login_unlock


class Command(BaseCommand):
    help = "Unlock accounts locked after too many wrong passwords."

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="+", help="User names (e-mail addresses) to unlock.")

    def handle(self, *args, usernames, **options):
        for username in usernames:
            if login_unlock(username):
                self.stdout.write(self.style.SUCCESS(f"{username}: unlocked"))
            else:
                self.stdout.write(f"{username}: was not locked")
