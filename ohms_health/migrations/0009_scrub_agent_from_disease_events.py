"""``health.disease.diagnosed`` no longer carries the causal agent (medical content on the
event bus; ``services.incidents.disease_diagnose``). Past events and the notifications they
produced lose it too: the agent key of the payload, and the "(agent)" the old title
template appended. Idempotent; reversing does nothing (the agent is not restored)."""
from django.db import migrations

TYPE = "health.disease.diagnosed"


def scrub(apps, schema_editor):
    Event = apps.get_model("ohms_core", "Event")
    Notification = apps.get_model("ohms_core", "Notification")
    agents = {}
    for event in Event.objects.filter(type=TYPE).only("pk", "data").iterator():
        if isinstance(event.data, dict) and "agent" in event.data:
            agents[event.pk] = str(event.data["agent"])
            data = {key: value for key, value in event.data.items() if key != "agent"}
            Event.objects.filter(pk=event.pk).update(data=data)
    for note in Notification.objects.filter(event_type=TYPE, event_id__in=list(agents)).only(
            "pk", "event_id", "title", "data").iterator():
        changes = {}
        suffix = f" ({agents[note.event_id]})"
        if note.title.endswith(suffix):  # the old default title "... diagnosed (silica)"
            changes["title"] = note.title[:-len(suffix)]
        if isinstance(note.data, dict) and "agent" in note.data:
            changes["data"] = {key: value for key, value in note.data.items() if key != "agent"}
        if changes:
            Notification.objects.filter(pk=note.pk).update(**changes)


class Migration(migrations.Migration):

    dependencies = [
        ("ohms_core", "0007_membership_invitation"),
        ("ohms_health", "0008_exit_exam_appointment"),
    ]

    operations = [
        migrations.RunPython(scrub, migrations.RunPython.noop),
    ]
