"""Print (or write into docs/webhooks.md) the webhook event catalogue from the registry.

``manage.py ohms_integrations_webhook_catalogue --write`` rewrites the table between the
catalogue markers of docs/webhooks.md; ``ohms_integrations/tests/test_webhooks_docs.py``
fails when the doc misses a registered type, so the doc stays true as add-ons grow.
"""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from ohms_integrations.selectors.webhooks import event_catalogue

START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"


def catalogue_markdown() -> str:
    lines = ["| type | add-on | description |", "| --- | --- | --- |"]
    for row in event_catalogue():
        label = str(row["label"]).replace("|", "\\|")
        lines.append(f"| `{row['type']}` | {row['addon']} | {label} |")
    return "\n".join(lines)


def doc_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "webhooks.md"


class Command(BaseCommand):
    help = "Print the webhook event catalogue as a Markdown table (--write: update docs/webhooks.md)."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="Rewrite the table in docs/webhooks.md.")

    def handle(self, *args, write=False, **options):
        table = catalogue_markdown()
        if not write:
            self.stdout.write(table)
            return
        path = doc_path()
        text = path.read_text(encoding="utf-8")
        head, rest = text.split(START, 1)
        _old, tail = rest.split(END, 1)
        path.write_text(f"{head}{START}\n{table}\n{END}{tail}", encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
