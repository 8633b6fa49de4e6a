"""Occupational diseases: medical content (medical officers and org admins only), every read
audited per worker, the ``health.disease.diagnosed`` event without diagnosis text, tenancy
and query counts."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import AuditLog, Event

from ..models import OccupationalDisease
from .factories import exam

URL = "/api/v1/health/occupational-diseases/"
SECRET = "Opacités micronodulaires bilatérales, profusion 2/1"
CONTRACT = {"worker", "disease", "agent", "diagnosed_on", "is_occupational"}


@pytest.fixture
def worker(org_a):
    return testing.make_worker(org_a)


def _body(who, **kw):
    body = {"worker": str(who.pk), "disease": "Silicose", "agent": "silica dust", "diagnosed_on": "2026-03-02",
            "is_occupational": True, "diagnosis_detail": SECRET}
    body.update(kw)
    return body


def _disease(who, **kw):
    data = {"disease": "Surdité professionnelle", "agent": "noise", "diagnosed_on": date(2026, 2, 1),
            "diagnosis_detail": SECRET}
    data.update(kw)
    return OccupationalDisease.objects.create(organization=who.organization, worker=who, **data)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["medical_officer", "org_admin"])
def test_medical_roles_record_a_diagnosis_and_the_event_carries_no_diagnosis(org_a, worker, role):
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    source = exam(worker, exam_type="spirometry")
    response = client.post(URL, _body(worker, source_examination=str(source.pk)), format="json")
    assert response.status_code == 201, response.content
    assert CONTRACT <= set(response.json())
    disease = OccupationalDisease.objects.get(pk=response.json()["id"])
    assert disease.organization == org_a and disease.diagnosis_detail == SECRET
    event = Event.objects.get(type="health.disease.diagnosed")
    assert event.object_id == str(disease.pk)
    assert event.data == {"disease_id": str(disease.pk), "worker_id": str(worker.pk),
                          "enterprise_id": str(worker.enterprise_id),
                          "diagnosed_on": "2026-03-02", "is_occupational": True}  # no agent: services.incidents
    assert "Silicose" not in str(event.data) + event.object_repr and SECRET not in str(event.data)
    audit = AuditLog.objects.get(action="create", object_id=str(disease.pk))
    assert "diagnosis_detail" in audit.changes["fields"] and SECRET not in str(audit.changes)
    assert "Silicose" not in audit.object_repr


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"diagnosed_on": "bientôt"}, "diagnosed_on"),
    ({"disease": ""}, "disease"),
    ({"worker": "00000000-0000-0000-0000-000000000000"}, "worker"),
])
def test_bad_input_is_a_400_naming_the_field(client_a, worker, change, field):
    response = client_a.post(URL, _body(worker, **change), format="json")
    assert response.status_code == 400 and field in str(response.json())
    assert not OccupationalDisease.objects.exists() and not Event.objects.filter(type__startswith="health.").exists()


@pytest.mark.django_db
def test_future_date_and_another_workers_exam_are_refused(client_a, org_a, worker):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert client_a.post(URL, _body(worker, diagnosed_on=tomorrow), format="json").status_code == 400
    someone_else = exam(testing.make_worker(org_a))
    response = client_a.post(URL, _body(worker, source_examination=str(someone_else.pk)), format="json")
    assert response.status_code == 400 and "source_examination" in str(response.json())
    assert not OccupationalDisease.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["safety_manager", "compliance_officer", "auditor", "integrator", "area_incharge",
                                  "worker"])
def test_non_medical_roles_cannot_list_read_or_write_diseases(org_a, worker, role):
    row = _disease(worker)
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    for response in (client.get(URL), client.get(f"{URL}{row.pk}/"), client.post(URL, _body(worker), format="json"),
                     client.patch(f"{URL}{row.pk}/", {"disease": "x"}, format="json"),
                     client.delete(f"{URL}{row.pk}/")):
        assert response.status_code == 403
        assert SECRET not in response.content.decode()
    assert OccupationalDisease.objects.get(pk=row.pk).disease == "Surdité professionnelle"
    assert not AuditLog.objects.filter(action="view").exists()


@pytest.mark.django_db
def test_every_read_is_audited_per_worker_without_content(org_a, worker):
    officer = testing.make_member(org_a, "medical_officer")
    client = testing.token_client(officer, org_a)
    second = testing.make_worker(org_a)
    first = _disease(worker)
    _disease(worker, disease="Silicose", agent="silica dust")
    _disease(second)
    listed = client.get(URL)
    assert listed.status_code == 200 and listed.json()["count"] == 3
    reads = AuditLog.objects.filter(action="view", user=officer, changes__medical_record="occupational_disease")
    assert sorted(reads.values_list("object_id", flat=True)) == sorted([str(worker.pk), str(second.pk)])
    assert all(SECRET not in str(r.changes) for r in reads)
    assert client.get(f"{URL}{first.pk}/").json()["diagnosis_detail"] == SECRET
    assert reads.all().count() == 3  # a fresh query: the one above is cached


@pytest.mark.django_db
def test_update_is_audited_by_field_name_and_stale_version_is_409(client_a, worker):
    row = _disease(worker)
    ok = client_a.patch(f"{URL}{row.pk}/", {"diagnosis_detail": "Stade 2", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert AuditLog.objects.get(action="update", object_id=str(row.pk)).changes == {"fields": ["diagnosis_detail"]}
    assert client_a.patch(f"{URL}{row.pk}/", {"disease": "y", "version": 1}, format="json").status_code == 409


@pytest.mark.django_db
def test_other_organization_is_refused_and_404(client_a, org_b, worker):
    stranger = testing.make_worker(org_b)
    assert client_a.post(URL, _body(stranger), format="json").status_code == 400
    theirs = _disease(stranger)
    for method in ("get", "patch", "delete"):
        assert getattr(client_a, method)(f"{URL}{theirs.pk}/", {}, format="json").status_code == 404
    assert client_a.post(f"{URL}{theirs.pk}/restore/").status_code == 404
    assert client_a.get(URL).json()["count"] == 0
    assert not OccupationalDisease.objects.filter(organization=worker.organization).exists()


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(client_a, org_a, django_assert_max_num_queries):
    for _ in range(2):
        _disease(testing.make_worker(org_a))
    with CaptureQueriesContext(connection) as few:
        assert client_a.get(URL).status_code == 200
    for _ in range(10):
        _disease(testing.make_worker(org_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client_a.get(URL).json()["count"] == 12
