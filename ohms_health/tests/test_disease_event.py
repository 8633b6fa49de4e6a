"""``health.disease.diagnosed`` carries no medical content (issue 8 follow-up): ids, the
date and the occupational flag only. Events reach webhooks and notification rules for
non-medical roles; the regulatory add-on reads the disease row by ``disease_id``. Past
events and their notifications are scrubbed by migration 0009."""
import importlib

import pytest
from django.apps import apps

from ohms_core import events, testing
from ohms_core.models import Event, Notification, NotificationRule

from ..models import OccupationalDisease

URL = "/api/v1/health/occupational-diseases/"
pytestmark = pytest.mark.django_db


def test_disease_event_payload_has_ids_date_and_flag_only(org_a):
    doctor = testing.make_member(org_a, "medical_officer")
    worker = testing.make_worker(org_a)
    response = testing.token_client(doctor, org_a).post(URL, {
        "worker": str(worker.pk), "disease": "Silicose", "agent": "silica dust", "diagnosed_on": "2026-03-02",
        "is_occupational": True}, format="json")
    assert response.status_code == 201, response.content
    disease = OccupationalDisease.objects.get(pk=response.json()["id"])
    event = Event.objects.get(type="health.disease.diagnosed")
    assert set(event.data) == {"disease_id", "worker_id", "enterprise_id", "diagnosed_on", "is_occupational"}
    assert event.data["disease_id"] == str(disease.pk) and event.data["is_occupational"] is True
    assert "silica" not in (str(event.data) + event.object_repr).lower()
    # What a consumer of the event (the regulatory add-on) needs is one lookup away.
    assert OccupationalDisease.objects.get(pk=event.data["disease_id"]).agent == "silica dust"


def test_notifications_to_non_medical_roles_do_not_name_the_agent(org_a):
    doctor = testing.make_member(org_a, "medical_officer")
    safety = testing.make_member(org_a, "safety_manager")
    compliance = testing.make_member(org_a, "compliance_officer")
    NotificationRule.objects.create(organization=org_a, event_type="health.disease.diagnosed",
                                    roles=["safety_manager", "compliance_officer"])
    worker = testing.make_worker(org_a)
    response = testing.token_client(doctor, org_a).post(URL, {
        "worker": str(worker.pk), "disease": "Surdité", "agent": "noise", "diagnosed_on": "2026-03-02",
        "is_occupational": True}, format="json")
    assert response.status_code == 201, response.content
    events.dispatch(Event.objects.get(type="health.disease.diagnosed").pk)
    notes = Notification.objects.filter(event_type="health.disease.diagnosed")
    assert {note.user for note in notes} == {safety, compliance}
    for note in notes:
        assert note.title == "Occupational disease diagnosed"
        assert "noise" not in (note.title + note.message + str(note.data)).lower()
        assert "2026-03-02" in note.message


def test_migration_scrubs_the_agent_from_past_events_and_notifications(org_a):
    user = testing.make_member(org_a, "safety_manager")
    worker = testing.make_worker(org_a)
    old = Event.objects.create(organization=org_a, type="health.disease.diagnosed", object_id="x", data={
        "disease_id": "x", "worker_id": str(worker.pk), "agent": "silica dust", "diagnosed_on": "2026-01-02",
        "is_occupational": True})
    other = Event.objects.create(organization=org_a, type="health.incident.reported", data={"agent": "kept"})
    note = Notification.objects.create(organization=org_a, user=user, event=old, event_type=old.type,
                                       title="Occupational disease diagnosed (silica dust)", dedupe_key="k1",
                                       data={"object_id": "x", "agent": "silica dust"})
    custom = Notification.objects.create(organization=org_a, user=user, event=old, event_type=old.type,
                                         title="Maladie (à déclarer)", dedupe_key="k2")
    migration = importlib.import_module("ohms_health.migrations.0009_scrub_agent_from_disease_events")
    for _ in range(2):  # idempotent
        migration.scrub(apps, None)
        old.refresh_from_db()
        note.refresh_from_db()
        custom.refresh_from_db()
        assert old.data == {"disease_id": "x", "worker_id": str(worker.pk), "diagnosed_on": "2026-01-02",
                            "is_occupational": True}
        assert note.title == "Occupational disease diagnosed" and note.data == {"object_id": "x"}
        assert custom.title == "Maladie (à déclarer)"
    other.refresh_from_db()
    assert other.data == {"agent": "kept"}
