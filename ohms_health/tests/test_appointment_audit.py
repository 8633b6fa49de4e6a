"""Appointment audit rows hold no medical content (issue 8 follow-up).

Auditors and compliance officers read the audit log; an appointment's preparation notes,
equipment, exam type and procedure codes are medical. New rows name the changed fields
with ``[redacted]`` values (``Appointment.audit_redacted_fields``); rows written before
keep their values in the append-only log, and the API and the admin show them redacted
to every role but medical officers and org admins (``changes_for_reader``)."""
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from ohms_core import testing
from ohms_core.models import AuditLog
from ohms_core.services.audit import REDACTED

from ..models import Appointment

URL = "/api/v1/health/appointments/"
AUDIT_API = "/api/v1/core/audit-log/"
NINE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SECRET = "ZZPREP à jeun, suivi surdité"
pytestmark = pytest.mark.django_db


def _book(org):
    doctor = testing.make_member(org, "medical_officer")
    client = testing.token_client(doctor, org)
    worker = testing.make_worker(org)
    response = client.post(URL, {
        "worker": str(worker.pk), "provider": doctor.pk, "start": NINE.isoformat(),
        "end": (NINE + timedelta(minutes=30)).isoformat(), "appointment_type": "medical_exam",
        "exam_type": "audiometry", "preparation_notes": SECRET, "equipment_requirements": "ZZEQUIP",
        "location": "Clinique Kolwezi"}, format="json")
    assert response.status_code == 201, response.content
    return client, Appointment.objects.get(pk=response.json()["id"])


def test_new_appointment_audit_rows_name_the_fields_without_their_values(org_a):
    client, appointment = _book(org_a)
    created = AuditLog.objects.get(action="create", object_id=str(appointment.pk))
    assert created.changes["preparation_notes"] == {"before": REDACTED, "after": REDACTED}
    assert created.changes["exam_type"] == {"before": REDACTED, "after": REDACTED}
    assert created.changes["location"]["after"] == "Clinique Kolwezi"  # not medical: kept
    response = client.patch(f"{URL}{appointment.pk}/", {"preparation_notes": SECRET + " (bis)",
                                                       "version": appointment.version}, format="json")
    assert response.status_code == 200, response.content
    updated = AuditLog.objects.get(action="update", object_id=str(appointment.pk))
    assert updated.changes == {"preparation_notes": {"before": REDACTED, "after": REDACTED}}
    texts = "".join(str(row.changes) for row in AuditLog.objects.filter(object_id=str(appointment.pk)))
    assert "ZZPREP" not in texts and "ZZEQUIP" not in texts and "audiometry" not in texts


@pytest.fixture
def old_row(org_a):
    """A row written before the redaction: values in the append-only log."""
    worker = testing.make_worker(org_a)
    appointment = Appointment.objects.create(organization=org_a, worker=worker, start=NINE,
                                             end=NINE + timedelta(minutes=30), preparation_notes=SECRET,
                                             provider=testing.make_member(org_a, "medical_officer"))
    return AuditLog.objects.create(
        organization=org_a, action="update", content_type=ContentType.objects.get_for_model(Appointment),
        object_id=str(appointment.pk), object_repr=str(appointment),
        changes={"preparation_notes": {"before": "", "after": SECRET}, "location": {"before": "", "after": "B2"}})


@pytest.mark.parametrize("role", ["auditor", "compliance_officer", "safety_manager"])
def test_older_rows_are_redacted_for_non_medical_readers(org_a, old_row, role):
    user = testing.make_member(org_a, role)
    body = testing.token_client(user, org_a).get(f"{AUDIT_API}{old_row.pk}/")
    assert body.status_code == 200, body.content
    assert body.json()["changes"] == {"preparation_notes": {"before": REDACTED, "after": REDACTED},
                                      "location": {"before": "", "after": "B2"}}
    listed = testing.token_client(user, org_a).get(AUDIT_API, {"object_id": old_row.object_id}).json()["results"]
    assert "ZZPREP" not in str(listed) and listed[0]["changes"]["location"]["after"] == "B2"
    admin = Client()
    admin.force_login(user)
    page = admin.get(f"/admin/core/audit-log/inspect/{old_row.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "ZZPREP" not in html and "redacted" in html


def test_org_admin_still_reads_older_rows(org_a, admin_a, client_a, old_row):
    body = client_a.get(f"{AUDIT_API}{old_row.pk}/").json()
    assert body["changes"]["preparation_notes"]["after"] == SECRET
    admin = Client()
    admin.force_login(admin_a)
    assert "ZZPREP" in admin.get(f"/admin/core/audit-log/inspect/{old_row.pk}/").content.decode()


def test_other_models_audit_rows_are_unchanged(org_a, client_a):
    worker = testing.make_worker(org_a)
    response = client_a.patch(f"/api/v1/core/workers/{worker.pk}/", {"job_title": "Foreur", "version": 1},
                              format="json")
    assert response.status_code == 200
    row = AuditLog.objects.get(action="update", object_id=str(worker.pk))
    assert row.changes["job_title"] == {"before": "", "after": "Foreur"}
    assert client_a.get(f"{AUDIT_API}{row.pk}/").json()["changes"]["job_title"]["after"] == "Foreur"
