"""Exit examinations in the admin: the upcoming-exits list, the checklist with the reason
the next step is blocked, the findings form for medical roles only (audited), the buttons
running the same service (certificate generated) and the other roles' view without findings."""
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import AuditLog

from ..models import ExitExamination

BASE = "/admin/health/exit-exams/"
SECRET = "Hypoacousie bilatérale débutante"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


def make_exam(worker, **kw):
    kw.setdefault("exit_date", timezone.localdate() + timedelta(days=12))
    return ExitExamination.objects.create(organization=worker.organization, worker=worker, **kw)


@pytest.fixture
def officer(org_a):
    return testing.make_member(org_a, "medical_officer", "doc@alpha.test")


@pytest.mark.django_db
def test_upcoming_exits_list_sorted_with_days_left(officer, org_a, org_b, django_assert_max_num_queries):
    later = make_exam(testing.make_worker(org_a), exit_date=timezone.localdate() + timedelta(days=40))
    soon = make_exam(testing.make_worker(org_a), exit_date=timezone.localdate() + timedelta(days=3))
    theirs = make_exam(testing.make_worker(org_b))
    client = _login(officer)
    page = client.get(BASE).content.decode()
    assert soon.worker.employee_number in page and later.worker.employee_number in page
    assert page.index(soon.worker.employee_number) < page.index(later.worker.employee_number)
    assert "3 days" in page and theirs.worker.employee_number not in page
    assert client.get(f"{BASE}?status=exam_scheduled").content.decode().count("EMP") <= 1
    with django_assert_max_num_queries(60) as few:
        client.get(BASE)
    for _ in range(5):
        make_exam(testing.make_worker(org_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(BASE).status_code == 200


@pytest.mark.django_db
def test_checklist_shows_current_step_and_why_next_is_blocked_and_edit_is_audited(officer, org_a):
    exam = make_exam(testing.make_worker(org_a), findings=SECRET)
    client = _login(officer)
    page = client.get(f"{BASE}edit/{exam.pk}/").content.decode()
    assert 'data-step="pending" aria-current="step"' in page
    assert "Set the date and time of the exit examination." in page and "Name the examining clinician." in page
    assert SECRET in page and 'name="findings"' in page
    assert AuditLog.objects.filter(action="view", object_id=str(exam.worker_id),
                                   changes__medical_record="exit_examination").exists()


@pytest.mark.django_db
def test_admin_fields_then_buttons_run_the_workflow_and_generate_the_certificate(officer, org_a):
    exam = make_exam(testing.make_worker(org_a))
    ExitExamination.objects.filter(pk=exam.pk).update(
        scheduled_exam_at=datetime(2026, 12, 1, 9, tzinfo=UTC), clinician=officer, findings=SECRET,
        fitness_outcome="fit", disease_result="no_disease")
    client = _login(officer)
    content_type = ContentType.objects.get_for_model(ExitExamination)
    for name in ("schedule", "complete", "assess_disease", "issue_certificate"):
        response = client.post(f"/admin/ohms/transition/{content_type.pk}/{exam.pk}/{name}/",
                               {"next": f"{BASE}edit/{exam.pk}/"})
        assert response.status_code == 302, name
    exam.refresh_from_db()
    assert exam.status == "certificate_issued" and exam.certificate_id and exam.examination_id
    page = client.get(f"{BASE}edit/{exam.pk}/").content.decode()
    assert f"/api/v1/core/documents/{exam.certificate_id}/download/" in page
    assert client.get(f"/api/v1/core/documents/{exam.certificate_id}/download/").status_code == 200


@pytest.mark.django_db
def test_admin_refuses_certificate_for_unfit_worker(officer, org_a):
    exam = make_exam(testing.make_worker(org_a))
    ExitExamination.objects.filter(pk=exam.pk).update(status="disease_assessment", fitness_outcome="unfit",
                                                      findings=SECRET, disease_result="no_disease")
    client = _login(officer)
    page = client.get(f"{BASE}edit/{exam.pk}/").content.decode()
    assert "only to a worker found fit" in page
    content_type = ContentType.objects.get_for_model(ExitExamination)
    client.post(f"/admin/ohms/transition/{content_type.pk}/{exam.pk}/issue_certificate/", {"next": BASE})
    exam.refresh_from_db()
    assert exam.status == "disease_assessment" and exam.certificate_id is None


@pytest.mark.django_db
def test_medical_officer_creates_and_edits_through_the_form(officer, org_a):
    worker = testing.make_worker(org_a)
    client = _login(officer)
    response = client.post(f"{BASE}new/", {"worker": str(worker.pk), "exit_date": "2026-12-31"})
    assert response.status_code == 302, response.content.decode()[:3000]
    exam = ExitExamination.objects.get(worker=worker)
    assert exam.status == "pending"
    again = client.post(f"{BASE}new/", {"worker": str(worker.pk), "exit_date": "2027-01-31"})
    assert again.status_code == 200 and ExitExamination.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["compliance_officer", "safety_manager"])
def test_non_medical_roles_view_without_findings_and_cannot_edit(org_a, role):
    exam = make_exam(testing.make_worker(org_a), findings=SECRET, disease_result="suspected",
                     disease_notes="Silicose possible")
    client = _login(testing.make_member(org_a, role))
    assert client.get(BASE).status_code == 200
    inspect = client.get(f"{BASE}inspect/{exam.pk}/")
    assert inspect.status_code == 200
    page = inspect.content.decode()
    assert 'data-step="pending"' in page and SECRET not in page and "Silicose" not in page
    assert client.get(f"{BASE}edit/{exam.pk}/").status_code in (302, 403)


@pytest.mark.django_db
def test_roles_without_permission_and_other_organizations_are_refused(org_a, org_b):
    exam = make_exam(testing.make_worker(org_a))
    assert _login(testing.make_member(org_a, "permit_requester")).get(BASE).status_code in (302, 403)
    other = _login(testing.make_member(org_b, "medical_officer", "doc@bravo.test"))
    for path in (f"edit/{exam.pk}/", f"inspect/{exam.pk}/", f"delete/{exam.pk}/", f"history/{exam.pk}/"):
        assert other.get(f"{BASE}{path}").status_code == 404, path
