"""docs/webhooks.md stays true: it lists every registered event type (regenerate with
``manage.py ohms_integrations_webhook_catalogue --write``)."""
from django.apps import apps

from ohms_core import events
from ohms_integrations.management.commands.ohms_integrations_webhook_catalogue import (
    END,
    START,
    doc_path,
)


def test_doc_lists_every_registered_event_type():
    text = doc_path().read_text(encoding="utf-8")
    table = text.split(START, 1)[1].split(END, 1)[0]
    test_only = {c.label for c in apps.get_app_configs() if ".tests." in c.name}  # ohms_testflow
    missing = [t.name for t in events.event_types() if f"`{t.name}`" not in table and t.addon not in test_only]
    assert not missing, f"docs/webhooks.md misses {missing}: run manage.py ohms_integrations_webhook_catalogue --write"


def test_doc_has_the_verification_example():
    text = doc_path().read_text(encoding="utf-8")
    assert "Webhook(SECRET).verify(request_body, request_headers)" in text and "300 seconds" in text
