"""Examinations and exposures over REST: validation, medical confidentiality per role, the
read audit (actor and worker, never content) and query counts."""
from datetime import date

import pytest

from ohms_core import testing
from ohms_core.models import AuditLog

from ..models import MedicalExamination
from .factories import exam, exposure

URL = "/api/v1/health/medical-examinations/"
EXPOSURES = "/api/v1/health/exposures/"
SECRET = "Surdité de perception bilatérale"
CONTRACT = {"worker", "exam_type", "exam_date", "findings", "results", "fitness_outcome", "restrictions",
            "next_due_date"}
GOOD_RESULTS = {"hearing_thresholds": {"left": {"1000": 20, "4000": 45}, "right": {"1000": 15, "4000": 40}},
                "fev1": 3.2, "fvc": 4.1, "fev1_fvc": 0.78}


@pytest.fixture
def worker(org_a):
    return testing.make_worker(org_a)


def _body(who, **kw):
    body = {"worker": str(who.pk), "exam_type": "audiometry", "exam_date": "2026-03-01", "findings": SECRET,
            "results": GOOD_RESULTS, "fitness_outcome": "fit_with_restrictions", "restrictions": "Bouchons",
            "next_due_date": "2027-03-01"}
    body.update(kw)
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["medical_officer", "org_admin"])
def test_medical_roles_create_and_read_with_the_contract_fields(org_a, worker, role):
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    created = client.post(URL, _body(worker), format="json")
    assert created.status_code == 201, created.content
    assert CONTRACT <= set(created.json())
    row = MedicalExamination.objects.get(pk=created.json()["id"])
    assert row.results == GOOD_RESULTS and row.findings == SECRET and row.organization == org_a
    create_audit = AuditLog.objects.get(action="create", object_id=str(row.pk))
    assert SECRET not in str(create_audit.changes) and "findings" in create_audit.changes["fields"]
    detail = client.get(f"{URL}{row.pk}/")
    assert detail.status_code == 200 and detail.json()["findings"] == SECRET


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"exam_type": "dental"}, "exam_type"),
    ({"fitness_outcome": "maybe"}, "fitness_outcome"),
    ({"exam_date": "yesterday"}, "exam_date"),
    ({"next_due_date": "2025-01-01"}, "next_due_date"),
    ({"results": {"hearing_thresholds": {"middle": {"1000": 20}}}}, "results"),
    ({"results": {"hearing_thresholds": {"left": {"1234": 20}}}}, "results"),
    ({"results": {"hearing_thresholds": {"left": {"1000": 400}}}}, "results"),
    ({"results": {"fev1": -1}}, "results"),
    ({"results": {"fev1_fvc": 1.5}}, "results"),
    ({"results": {"blood": "A+"}}, "results"),
    ({"results": [1, 2]}, "results"),
    ({"worker": "00000000-0000-0000-0000-000000000000"}, "worker"),
])
def test_bad_input_is_a_400_naming_the_field(client_a, worker, change, field):
    response = client_a.post(URL, _body(worker, **change), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json().get("errors", response.json()) or field in str(response.json())
    assert not MedicalExamination.objects.exists()


@pytest.mark.django_db
def test_a_worker_of_another_organization_is_refused_and_their_exam_is_a_404(client_a, client_b, org_b, worker):
    other = testing.make_worker(org_b)
    assert client_a.post(URL, _body(other), format="json").status_code == 400
    theirs = exam(other)
    assert client_a.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client_a.get(URL).json()["count"] == 0
    assert client_b.get(f"{URL}{theirs.pk}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["safety_manager", "auditor", "integrator", "permit_requester", "worker",
                                  "compliance_officer"])
def test_other_roles_never_see_examination_content(org_a, worker, role):
    row = exam(worker, findings=SECRET)
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    for response in (client.get(URL), client.get(f"{URL}{row.pk}/"),
                     client.post(URL, _body(worker), format="json"),
                     client.patch(f"{URL}{row.pk}/", {"findings": "x"}, format="json")):
        assert response.status_code == 403
        assert SECRET not in response.content.decode()
    assert MedicalExamination.objects.get(pk=row.pk).findings == SECRET
    assert not AuditLog.objects.filter(action="view", changes__medical_record="medical_examination").exists()


@pytest.mark.django_db
def test_every_read_is_audited_per_worker_without_content(org_a, worker):
    officer = testing.make_member(org_a, "medical_officer")
    client = testing.token_client(officer, org_a)
    second = testing.make_worker(org_a)
    first_exam = exam(worker, findings=SECRET)
    exam(worker, exam_type="audiometry")
    exam(second)
    assert client.get(URL).status_code == 200
    reads = AuditLog.objects.filter(action="view", user=officer)
    assert sorted(reads.values_list("object_id", flat=True)) == sorted([str(worker.pk), str(second.pk)])
    assert all(SECRET not in str(r.changes) and r.organization_id == org_a.pk for r in reads)
    assert client.get(f"{URL}{first_exam.pk}/").status_code == 200
    assert reads.all().count() == 3 and reads.filter(object_id=str(worker.pk)).count() == 2


@pytest.mark.django_db
def test_update_is_audited_by_field_name_and_stale_version_is_409(client_a, worker):
    row = exam(worker)
    ok = client_a.patch(f"{URL}{row.pk}/", {"findings": SECRET, "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    audit = AuditLog.objects.get(action="update", object_id=str(row.pk))
    assert audit.changes == {"fields": ["findings"]}
    assert client_a.patch(f"{URL}{row.pk}/", {"findings": "y", "version": 1}, format="json").status_code == 409
    assert client_a.delete(f"{URL}{row.pk}/").status_code == 204
    assert MedicalExamination.all_objects.get(pk=row.pk).is_deleted
    reads = AuditLog.objects.filter(action="view", object_id=str(worker.pk))
    assert client_a.post(f"{URL}{row.pk}/restore/").status_code == 200
    assert not MedicalExamination.all_objects.get(pk=row.pk).is_deleted and reads.count() == 1


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(client_a, org_a, django_assert_max_num_queries):
    for _ in range(2):
        exam(testing.make_worker(org_a))
    with django_assert_max_num_queries(12) as few:
        assert client_a.get(URL).status_code == 200
    for _ in range(8):
        exam(testing.make_worker(org_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client_a.get(URL).json()["count"] == 10
    for _ in range(8):
        exposure(testing.make_worker(org_a))
    with django_assert_max_num_queries(12):
        assert client_a.get(EXPOSURES).json()["count"] == 8


# --- exposures -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_safety_manager_records_an_exposure_and_sees_percent_of_limit(org_a, worker):
    client = testing.token_client(testing.make_member(org_a, "safety_manager"), org_a)
    response = client.post(EXPOSURES, {"worker": str(worker.pk), "exposure_type": "silica dust",
                                       "measured_level": "0.05", "exposure_limit": "0.025", "unit": "mg/m3",
                                       "measured_on": "2026-05-02", "high_risk": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["percent_of_limit"] == 200.0 and response.json()["high_risk"] is True
    assert {"worker", "exposure_type", "measured_level", "exposure_limit", "unit", "measured_on",
            "high_risk"} <= set(response.json())


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"measured_level": "-1"}, "measured_level"), ({"exposure_limit": "0"}, "exposure_limit"),
    ({"measured_level": "abc"}, "measured_level"), ({"measured_on": ""}, "measured_on"),
])
def test_exposure_bad_input_is_400(client_a, worker, change, field):
    body = {"worker": str(worker.pk), "exposure_type": "noise", "measured_level": "90", "exposure_limit": "85",
            "unit": "dB(A)", "measured_on": "2026-05-02"}
    body.update(change)
    response = client_a.post(EXPOSURES, body, format="json")
    assert response.status_code == 400 and field in str(response.json())


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["auditor", "integrator", "worker"])
def test_exposures_are_not_open_to_every_role(org_a, worker, role):
    exposure(worker, measured_on=date(2026, 2, 2))
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    assert client.get(EXPOSURES).status_code == 403
