"""Exit examinations over REST (SPEC 3.4): the workflow pending -> certificate, each edge
and a forbidden one, the gates' reasons, one exam per worker, 409 on stale writes, roles
(403 and no findings for non-medical readers), cross-organization 404s and query counts."""
from datetime import date, timedelta

import pytest
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import AuditLog, Document, Event, TransitionLog

from ..models import ExamType, ExitExamination, MedicalExamination
from ..services.exit import exit_exam_transition

URL = "/api/v1/health/exit-exams/"
SECRET = "Hypoacousie bilatérale débutante"


@pytest.fixture
def worker(org_a):
    return testing.make_worker(org_a)


@pytest.fixture
def officer(org_a):
    return testing.make_member(org_a, "medical_officer", "doc@alpha.test")


@pytest.fixture
def doc_client(officer, org_a):
    return testing.token_client(officer, org_a)


def make_exam(worker, **kw):
    data = {"exit_date": timezone.localdate() + timedelta(days=20)}
    data.update(kw)
    return ExitExamination.objects.create(organization=worker.organization, worker=worker, **data)


def _schedule(client, exam, clinician):
    return client.post(f"{URL}{exam.pk}/schedule/", {"scheduled_exam_at": "2026-12-10T09:00:00Z",
                                                     "clinician": clinician.pk}, format="json")


def _complete(client, exam, outcome="fit", restrictions=""):
    return client.post(f"{URL}{exam.pk}/complete/", {"findings": SECRET, "fitness_outcome": outcome,
                                                     "restrictions": restrictions}, format="json")


def _assess(client, exam, result="no_disease", notes=""):
    return client.post(f"{URL}{exam.pk}/assess-disease/", {"disease_result": result, "disease_notes": notes},
                       format="json")


def _to_disease_assessment(client, exam, clinician, outcome="fit", restrictions=""):
    assert _schedule(client, exam, clinician).status_code == 200
    assert _complete(client, exam, outcome, restrictions).status_code == 200
    assert _assess(client, exam).status_code == 200


@pytest.mark.django_db
def test_full_workflow_pending_to_certificate_and_follow_up(doc_client, worker, officer):
    created = doc_client.post(URL, {"worker": str(worker.pk), "exit_date": "2026-12-31"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "pending"
    exam = ExitExamination.objects.get(pk=created.json()["id"])

    response = _schedule(doc_client, exam, officer)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "exam_scheduled" and response.json()["clinician"] == officer.pk

    response = _complete(doc_client, exam, "fit_with_restrictions", "Pas de travail en hauteur")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "exam_complete"
    record = MedicalExamination.objects.get(worker=worker)
    assert record.exam_type == ExamType.EXIT and record.findings == SECRET
    assert record.fitness_outcome == "fit_with_restrictions" and record.exam_date == date(2026, 12, 10)
    assert response.json()["examination"] == str(record.pk)

    response = _assess(doc_client, exam)
    assert response.status_code == 200 and response.json()["status"] == "disease_assessment"

    response = doc_client.post(f"{URL}{exam.pk}/issue-certificate/", {"language": "fr"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "certificate_issued" and body["certificate_reference"].startswith("EXIT-ALPHA-")
    assert body["certificate_url"] == f"{URL}{exam.pk}/certificate/"
    document = Document.objects.get(pk=body["certificate"])
    assert document.document_type == "certificate" and document.privacy_level == "restricted"
    assert document.worker_id == worker.pk

    download = doc_client.get(f"{URL}{exam.pk}/certificate/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    response = doc_client.post(f"{URL}{exam.pk}/schedule-follow-up/", {"follow_up_date": "2027-06-30"},
                               format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "follow_up_scheduled" and response.json()["follow_up_required"] is True

    logs = list(TransitionLog.objects.filter(object_id=str(exam.pk)).order_by("timestamp")
                .values_list("transition", flat=True))
    assert logs == ["schedule", "complete", "assess_disease", "issue_certificate", "schedule_follow_up"]
    assert Event.objects.filter(type="health.exitexamination.certificate_issued", object_id=str(exam.pk)).exists()


@pytest.mark.django_db
def test_certificate_refused_when_unfit_with_the_reason(doc_client, worker, officer):
    exam = make_exam(worker)
    _to_disease_assessment(doc_client, exam, officer, outcome="unfit")
    response = doc_client.post(f"{URL}{exam.pk}/issue-certificate/", {}, format="json")
    assert response.status_code == 400, response.content
    assert "worker_not_fit" in str(response.json())
    exam.refresh_from_db()
    assert exam.status == "disease_assessment" and exam.certificate_id is None
    assert not Document.objects.filter(document_type="certificate").exists()
    assert doc_client.get(f"{URL}{exam.pk}/certificate/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("step", "body", "code"), [
    ("schedule", {"scheduled_exam_at": "2026-12-10T09:00:00Z"}, 400),  # clinician missing: field error
])
def test_step_payload_errors_are_400_with_field_errors(doc_client, worker, step, body, code):
    exam = make_exam(worker)
    response = doc_client.post(f"{URL}{exam.pk}/{step}/", body, format="json")
    assert response.status_code == code and "clinician" in str(response.json())
    exam.refresh_from_db()
    assert exam.status == "pending" and exam.scheduled_exam_at is None


@pytest.mark.django_db
def test_gates_block_generic_transitions_with_reasons(doc_client, worker):
    exam = make_exam(worker)
    response = doc_client.post(f"{URL}{exam.pk}/transitions/schedule/", {}, format="json")
    assert response.status_code == 400
    codes = {r["code"] for r in response.json()["errors"]["reasons"]}
    assert codes == {"exam_date_missing", "clinician_missing"}
    options = doc_client.get(f"{URL}{exam.pk}/transitions/").json()
    assert [o["name"] for o in options] == ["schedule"] and options[0]["allowed"] is False


@pytest.mark.django_db
def test_restricted_outcome_needs_restrictions_and_suspected_disease_needs_notes(doc_client, worker, officer):
    exam = make_exam(worker)
    assert _schedule(doc_client, exam, officer).status_code == 200
    response = _complete(doc_client, exam, "fit_with_restrictions", "")
    assert response.status_code == 400 and "restrictions_missing" in str(response.json())
    exam.refresh_from_db()
    assert exam.status == "exam_scheduled" and exam.findings == ""  # rolled back with the refused step
    assert _complete(doc_client, exam, "fit").status_code == 200
    response = _assess(doc_client, exam, "suspected", "")
    assert response.status_code == 400 and "disease_notes_missing" in str(response.json())
    assert _assess(doc_client, exam, "suspected", "Silicose possible, radio à contrôler").status_code == 200


@pytest.mark.django_db
def test_forbidden_edge_is_a_409_and_cnss_is_system_only(doc_client, client_a, worker, officer):
    exam = make_exam(worker)
    response = doc_client.post(f"{URL}{exam.pk}/issue-certificate/", {}, format="json")
    assert response.status_code == 409  # pending -> certificate_issued skips the exam
    _to_disease_assessment(doc_client, exam, officer)
    response = client_a.post(f"{URL}{exam.pk}/transitions/report_cnss/", {}, format="json")
    assert response.status_code == 403  # even an org admin: the regulatory add-on sets it
    exam = exit_exam_transition(instance=exam, name="report_cnss", user=None, system=True,
                                data={"cnss_reference": "CNSS-2026-001"})
    assert exam.status == "cnss_reported" and exam.cnss_reference == "CNSS-2026-001"
    response = doc_client.post(f"{URL}{exam.pk}/schedule-follow-up/", {}, format="json")
    assert response.status_code == 400 and "follow_up_date" in str(response.json())
    response = doc_client.post(f"{URL}{exam.pk}/schedule-follow-up/", {"follow_up_date": "2027-01-15"},
                               format="json")
    assert response.status_code == 200 and response.json()["status"] == "follow_up_scheduled"


@pytest.mark.django_db
def test_follow_up_after_certificate_needs_a_date(doc_client, worker, officer):
    exam = make_exam(worker)
    _to_disease_assessment(doc_client, exam, officer)
    assert doc_client.post(f"{URL}{exam.pk}/issue-certificate/", {"language": "en"},
                           format="json").status_code == 200
    response = doc_client.post(f"{URL}{exam.pk}/transitions/schedule_follow_up/", {}, format="json")
    assert response.status_code == 400 and "follow_up_date_missing" in str(response.json())


@pytest.mark.django_db
def test_one_exit_exam_per_worker_is_a_400(doc_client, worker):
    assert doc_client.post(URL, {"worker": str(worker.pk), "exit_date": "2026-12-31"},
                           format="json").status_code == 201
    again = doc_client.post(URL, {"worker": str(worker.pk), "exit_date": "2027-01-31"}, format="json")
    assert again.status_code == 400 and "worker" in str(again.json())
    assert ExitExamination.objects.filter(worker=worker).count() == 1


@pytest.mark.django_db
def test_bad_input_is_a_400(doc_client, worker):
    for body, field in [({"exit_date": "2026-12-31"}, "worker"), ({"worker": str(worker.pk)}, "exit_date"),
                        ({"worker": str(worker.pk), "exit_date": "soon"}, "exit_date"),
                        ({"worker": str(worker.pk), "exit_date": "2026-12-31", "fitness_outcome": "maybe"},
                         "fitness_outcome")]:
        response = doc_client.post(URL, body, format="json")
        assert response.status_code == 400 and field in str(response.json()), body
    assert doc_client.get(f"{URL}upcoming-exits/?days=abc").status_code == 400


@pytest.mark.django_db
def test_clinician_of_another_organization_is_refused(doc_client, worker, org_b):
    stranger = testing.make_member(org_b, "medical_officer", "doc@bravo.test")
    exam = make_exam(worker)
    response = _schedule(doc_client, exam, stranger)
    assert response.status_code == 400 and "clinician" in str(response.json())


@pytest.mark.django_db
def test_stale_update_is_a_409_and_certified_fields_are_frozen(doc_client, worker, officer):
    exam = make_exam(worker)
    first = doc_client.patch(f"{URL}{exam.pk}/", {"cnss_reference": "A", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = doc_client.patch(f"{URL}{exam.pk}/", {"cnss_reference": "B", "version": 1}, format="json")
    assert stale.status_code == 409
    _to_disease_assessment(doc_client, exam, officer)
    doc_client.post(f"{URL}{exam.pk}/issue-certificate/", {}, format="json")
    frozen = doc_client.patch(f"{URL}{exam.pk}/", {"fitness_outcome": "unfit"}, format="json")
    assert frozen.status_code == 400 and "fitness_outcome" in str(frozen.json())


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["permit_requester", "worker", "auditor", "integrator"])
def test_roles_without_permission_get_403(org_a, worker, role):
    exam = make_exam(worker)
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{exam.pk}/").status_code in (403, 404)
    assert client.post(f"{URL}{exam.pk}/transitions/schedule/", {}, format="json").status_code in (403, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["compliance_officer", "safety_manager"])
def test_non_medical_readers_see_state_not_findings_and_cannot_act(org_a, worker, officer, doc_client, role):
    exam = make_exam(worker, findings=SECRET, disease_result="suspected", disease_notes="Silicose")
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    listing = client.get(URL)
    assert listing.status_code == 200 and listing.json()["count"] == 1
    detail = client.get(f"{URL}{exam.pk}/").json()
    assert detail["status"] == "pending"
    assert "findings" not in detail and "disease_result" not in detail and "disease_notes" not in detail
    assert SECRET not in listing.content.decode() and SECRET not in str(detail)
    assert not AuditLog.objects.filter(action="view", changes__medical_record="exit_examination").exists()
    assert _schedule(client, exam, officer).status_code == 403
    assert client.post(URL, {"worker": str(testing.make_worker(org_a).pk), "exit_date": "2026-12-31"},
                       format="json").status_code == 403
    # The medical officer sees them, and the read is audited per worker.
    assert doc_client.get(f"{URL}{exam.pk}/").json()["findings"] == SECRET
    assert AuditLog.objects.filter(action="view", object_id=str(worker.pk),
                                   changes__medical_record="exit_examination").count() == 1


@pytest.mark.django_db
def test_other_organization_gets_404_on_every_endpoint(client_a, client_b, org_b, worker, officer, doc_client):
    exam = make_exam(worker)
    _to_disease_assessment(doc_client, exam, officer)
    doc_client.post(f"{URL}{exam.pk}/issue-certificate/", {}, format="json")
    base = f"{URL}{exam.pk}/"
    for method, path, body in [
        ("get", "", None), ("put", "", {"exit_date": "2027-01-01"}), ("patch", "", {"cnss_reference": "X"}),
        ("delete", "", None), ("post", "schedule/", {}), ("post", "complete/", {}),
        ("post", "assess-disease/", {}), ("post", "issue-certificate/", {}),
        ("post", "schedule-follow-up/", {"follow_up_date": "2027-01-01"}), ("get", "certificate/", None),
        ("get", "transitions/", None), ("post", "transitions/schedule_follow_up/", {}), ("post", "restore/", {}),
    ]:
        response = getattr(client_b, method)(f"{base}{path}", body, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
    for path in ("", "pending-exams/", "upcoming-exits/?days=60"):
        assert client_b.get(f"{URL}{path}").json()["count"] == 0, path
    assert client_b.post(URL, {"worker": str(worker.pk), "exit_date": "2026-12-31"},
                         format="json").status_code == 400
    assert client_a.get(base).status_code == 200


@pytest.mark.django_db
def test_pending_exams_and_upcoming_exits(doc_client, org_a, officer):
    today = timezone.localdate()
    soon = make_exam(testing.make_worker(org_a), exit_date=today + timedelta(days=5))
    later = make_exam(testing.make_worker(org_a), exit_date=today + timedelta(days=45))
    past = make_exam(testing.make_worker(org_a), exit_date=today - timedelta(days=3))
    done = make_exam(testing.make_worker(org_a), exit_date=today + timedelta(days=10))
    _to_disease_assessment(doc_client, done, officer)

    pending = [row["id"] for row in doc_client.get(f"{URL}pending-exams/").json()["results"]]
    assert pending == [str(past.pk), str(soon.pk), str(later.pk)]
    upcoming = doc_client.get(f"{URL}upcoming-exits/").json()["results"]
    assert [row["id"] for row in upcoming] == [str(soon.pk), str(done.pk)]
    assert upcoming[0]["days_left"] == 5
    wide = [row["id"] for row in doc_client.get(f"{URL}upcoming-exits/?days=60").json()["results"]]
    assert wide == [str(soon.pk), str(done.pk), str(later.pk)]
    filtered = doc_client.get(f"{URL}?status=pending&exit_date_from={today.isoformat()}").json()
    assert {row["id"] for row in filtered["results"]} == {str(soon.pk), str(later.pk)}
    assert doc_client.get(f"{URL}?search={soon.worker.employee_number}").json()["count"] == 1


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(doc_client, org_a, django_assert_max_num_queries):
    for _ in range(3):
        make_exam(testing.make_worker(org_a))
    doc_client.get(URL)
    with django_assert_max_num_queries(14) as few:
        assert doc_client.get(URL).json()["count"] == 3
    for _ in range(8):
        make_exam(testing.make_worker(org_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert doc_client.get(URL).json()["count"] == 11
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert doc_client.get(f"{URL}upcoming-exits/").json()["count"] == 11


@pytest.mark.django_db
def test_correcting_findings_before_the_certificate_updates_the_exam_record(doc_client, worker, officer):
    exam = make_exam(worker)
    assert _schedule(doc_client, exam, officer).status_code == 200
    assert _complete(doc_client, exam, "fit").status_code == 200
    response = doc_client.patch(f"{URL}{exam.pk}/", {"findings": "Examen normal", "fitness_outcome": "unfit"},
                                format="json")
    assert response.status_code == 200, response.content
    record = MedicalExamination.objects.get(worker=worker, exam_type="exit")
    assert record.findings == "Examen normal" and record.fitness_outcome == "unfit"
    assert MedicalExamination.objects.filter(worker=worker).count() == 1


@pytest.mark.django_db
def test_exit_date_defaults_to_the_workers_record(doc_client, org_a):
    leaving = testing.make_worker(org_a, exit_date=date(2027, 2, 28))
    created = doc_client.post(URL, {"worker": str(leaving.pk)}, format="json")
    assert created.status_code == 201 and created.json()["exit_date"] == "2027-02-28"
    unknown = doc_client.post(URL, {"worker": str(testing.make_worker(org_a).pk)}, format="json")
    assert unknown.status_code == 400 and "exit_date" in unknown.json()["errors"]
