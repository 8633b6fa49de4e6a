"""The doctor's screens: examinations with structured audiometry/spirometry and charts, the
worker's medical file (timeline, fitness with reason, risk trend), the risk dashboard; plus
the fitness answer that examinations decide."""
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import AuditLog

from .. import charts
from ..models import MedicalExamination, WorkerRiskProfile
from ..services import worker_fitness
from ..services.risk import calculate_profile
from .factories import exam, exposure

SECRET = "Hypoacousie bilatérale débutante"


def _client(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


def _views(user):
    return AuditLog.objects.filter(action="view", user=user).count()


# --- fitness decided by examinations ---------------------------------------------------------

@pytest.mark.django_db
def test_fitness_from_the_last_examination(org_a):
    worker = testing.make_worker(org_a)
    today = timezone.localdate()
    assert worker_fitness(worker).fit is None
    exam(worker, exam_date=today - timedelta(days=30), fitness_outcome="fit",
         next_due_date=today + timedelta(days=300))
    answer = worker_fitness(worker)
    assert answer.fit is True and not answer.restricted
    exam(worker, exam_date=today - timedelta(days=5), fitness_outcome="fit_with_restrictions",
         next_due_date=today + timedelta(days=300))
    assert worker_fitness(worker).restricted is True
    exam(worker, exam_date=today - timedelta(days=1), fitness_outcome="unfit", next_due_date=None)
    answer = worker_fitness(worker)
    assert answer.fit is False and "unfit" in answer.reason
    assert SECRET not in answer.reason


@pytest.mark.django_db
def test_no_valid_periodic_exam_is_not_fit_and_audiometry_does_not_renew_it(org_a):
    worker = testing.make_worker(org_a)
    today = timezone.localdate()
    exam(worker, exam_date=today - timedelta(days=400), fitness_outcome="fit", next_due_date=today - timedelta(days=1))
    exam(worker, exam_type="audiometry", exam_date=today, fitness_outcome="fit", next_due_date=None)
    answer = worker_fitness(worker)
    assert answer.fit is False
    assert "No valid periodic examination" in answer.reason
    exam(worker, exam_date=today, fitness_outcome="fit", next_due_date=today + timedelta(days=365))
    assert worker_fitness(worker).fit is True


@pytest.mark.django_db
def test_a_later_temporary_unfitness_in_the_profile_wins_over_a_fit_exam(org_a, admin_a):
    from ..services import medical_profile_save

    worker = testing.make_worker(org_a)
    today = timezone.localdate()
    exam(worker, exam_date=today - timedelta(days=10), fitness_outcome="fit", next_due_date=today + timedelta(days=300))
    medical_profile_save(worker=worker, user=admin_a, role="org_admin", data={"fitness_status": "temporarily_unfit"})
    assert worker_fitness(worker).fit is False


# --- examination screens ---------------------------------------------------------------------

def _exam_post(worker, **extra):
    data = {"worker": str(worker.pk), "exam_type": "audiometry", "exam_date": "2026-11-02",
            "fitness_outcome": "fit", "next_due_date": "", "restrictions": "", "findings": SECRET,
            "hl_right_500": "20", "hl_right_1000": "25", "hl_right_4000": "45", "hl_left_500": "15",
            "hl_left_4000": "50", "fev1": "3.1", "fvc": "4.0", "fev1_predicted": "3.6", "fvc_predicted": "4.6"}
    data.update(extra)
    return data


@pytest.mark.django_db
def test_medical_officer_records_structured_results_and_sees_the_charts(org_a):
    officer = testing.make_member(org_a, "medical_officer")
    worker = testing.make_worker(org_a)
    client = _client(officer)
    response = client.post("/admin/health/examinations/new/", _exam_post(worker))
    assert response.status_code == 302, response.content.decode()[:3000]
    created = MedicalExamination.objects.get(worker=worker)
    assert created.results["hearing_thresholds"] == {"right": {"500": 20, "1000": 25, "4000": 45},
                                                     "left": {"500": 15, "4000": 50}}
    assert created.results["fev1_fvc"] == 0.775  # computed from FEV1 and FVC
    assert created.results["fvc_predicted"] == 4.6
    # The write is audited by field names, never content.
    row = AuditLog.objects.filter(action="create", object_id=str(created.pk)).get()
    assert SECRET not in str(row.changes)

    before = _views(officer)
    page = client.get(f"/admin/health/examinations/inspect/{created.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and SECRET in html
    assert html.count('class="ohms-audiogram-right"') == 3 and html.count('class="ohms-audiogram-left"') == 2
    assert 'class="ohms-spiro-measured"' in html and 'class="ohms-spiro-ratio"' in html
    assert _views(officer) == before + 1
    # The edit form shows the values back in the boxes.
    edit = client.get(f"/admin/health/examinations/edit/{created.pk}/").content.decode()
    assert 'name="hl_left_4000"' in edit and 'value="50"' in edit


@pytest.mark.django_db
def test_out_of_range_threshold_is_a_form_error_and_nothing_is_stored(org_a):
    officer = testing.make_member(org_a, "medical_officer")
    worker = testing.make_worker(org_a)
    response = _client(officer).post("/admin/health/examinations/new/", _exam_post(worker, hl_left_500="130"))
    assert response.status_code == 200
    assert "hl_left_500" in response.context["form"].errors
    assert not MedicalExamination.objects.filter(worker=worker).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["safety_manager", "auditor", "permit_requester", "worker"])
def test_examination_screens_refused_to_non_medical_roles(org_a, role):
    worker = testing.make_worker(org_a)
    record = exam(worker, findings=SECRET)
    client = _client(testing.make_member(org_a, role))
    for url in ("/admin/health/examinations/", f"/admin/health/examinations/inspect/{record.pk}/",
                f"/admin/health/examinations/edit/{record.pk}/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert SECRET not in response.content.decode()


@pytest.mark.django_db
def test_examination_list_audits_each_worker_once_and_hides_other_orgs(org_a, org_b):
    officer = testing.make_member(org_a, "medical_officer")
    workers = [testing.make_worker(org_a) for _ in range(3)]
    for worker in workers:
        exam(worker)
        exam(worker, exam_type="audiometry")
    other = exam(testing.make_worker(org_b), findings="other org")
    client = _client(officer)
    before = _views(officer)
    page = client.get("/admin/health/examinations/")
    assert page.status_code == 200
    assert _views(officer) == before + 3
    assert client.get(f"/admin/health/examinations/inspect/{other.pk}/").status_code == 404
    assert client.get(f"/admin/health/examinations/edit/{other.pk}/").status_code == 404


# --- the medical file ------------------------------------------------------------------------

@pytest.mark.django_db
def test_medical_file_shows_header_fitness_timeline_and_risk(org_a, admin_a):
    officer = testing.make_member(org_a, "medical_officer")
    worker = testing.make_worker(org_a)
    today = timezone.localdate()
    exam(worker, exam_date=today - timedelta(days=400), next_due_date=today - timedelta(days=35))
    exam(worker, exam_type="audiometry", exam_date=today - timedelta(days=20),
         results={"hearing_thresholds": {"left": {"1000": 30}}})
    exposure(worker, exposure_type="silica dust", measured_on=today - timedelta(days=3), unit="mg/m3")
    from ..services.alerts import alert_create

    alert_create(organization=org_a, worker=worker, exposure_type="noise", measured_value=95, exposure_limit=85,
                 unit="dB(A)", user=admin_a)
    from ..models.incidents import Incident, OccupationalDisease

    incident = Incident.objects.create(organization=org_a, enterprise=worker.enterprise, severity="lost_time",
                                       occurred_at=timezone.now() - timedelta(days=60), location="Puits Kamoto",
                                       description="Chute")
    incident.workers.add(worker)
    OccupationalDisease.objects.create(organization=org_a, worker=worker, disease="Silicose", agent="silica",
                                       diagnosed_on=today - timedelta(days=200))
    from ..models.exit import ExitExamination

    ExitExamination.objects.create(organization=org_a, worker=worker, exit_date=today + timedelta(days=20))
    calculate_profile(worker=worker, user=admin_a)
    calculate_profile(worker=worker, user=admin_a)
    before = _views(officer)
    page = _client(officer).get(f"/admin/health/workers/{worker.pk}/medical/")
    html = page.content.decode()
    assert page.status_code == 200
    assert worker.employee_number in html
    assert 'data-fit="not-fit"' in html and "No valid periodic examination" in html
    timeline = [e.kind for e in page.context["timeline"]]
    assert timeline == ["exit", "alert", "exposure", "examination", "incident", "disease", "examination"]
    assert "Overexposure alert: noise" in html and "Puits Kamoto" in html and "Silicose" in html
    assert "Exposure: silica dust" in html
    assert 'class="ohms-trend-point"' in html and html.count('class="ohms-trend-point"') == 2
    assert 'class="ohms-gauge-marker"' in html
    assert _views(officer) == before + 1


@pytest.mark.django_db
def test_medical_file_query_count_does_not_grow_with_records(org_a, django_assert_max_num_queries):
    officer = testing.make_member(org_a, "medical_officer")
    worker = testing.make_worker(org_a)
    client = _client(officer)
    url = f"/admin/health/workers/{worker.pk}/medical/"
    exam(worker)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(15):
        exam(worker, exam_date=date(2025, 1, 1) + timedelta(days=day))
        exposure(worker, measured_on=date(2025, 1, 1) + timedelta(days=day))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# --- risk dashboard --------------------------------------------------------------------------

@pytest.mark.django_db
def test_risk_profile_screen_recalculates_and_shows_the_trend(org_a, org_b, admin_a):
    manager = testing.make_member(org_a, "safety_manager")
    worker = testing.make_worker(org_a)
    profile = calculate_profile(worker=worker, user=admin_a)
    client = _client(manager)
    listing = client.get("/admin/health/risk-profiles/")
    assert listing.status_code == 200 and worker.employee_number in listing.content.decode()
    exposure(worker, measured_on=timezone.localdate(), high_risk=True)
    response = client.post(f"/admin/health/risk-profiles/{profile.pk}/recalculate/")
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.exposure_risk_score > 0
    page = client.get(f"/admin/health/risk-profiles/inspect/{profile.pk}/").content.decode()
    assert page.count('class="ohms-trend-point"') == 2
    assert "Open the medical file" not in page  # safety managers do not open medical files
    other = calculate_profile(worker=testing.make_worker(org_b), user=None)
    assert client.post(f"/admin/health/risk-profiles/{other.pk}/recalculate/").status_code == 404
    assert client.get(f"/admin/health/risk-profiles/inspect/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_recalculate_all_asks_then_creates_missing_profiles_for_this_org_only(org_a, org_b):
    manager = testing.make_member(org_a, "safety_manager")
    workers = [testing.make_worker(org_a) for _ in range(3)]
    testing.make_worker(org_b)
    client = _client(manager)
    confirm = client.get("/admin/health/risk-profiles/recalculate-all/")
    assert confirm.status_code == 200 and WorkerRiskProfile.objects.count() == 0
    assert client.post("/admin/health/risk-profiles/recalculate-all/").status_code == 302
    assert set(WorkerRiskProfile.objects.values_list("worker_id", flat=True)) == {w.pk for w in workers}
    auditor = _client(testing.make_member(org_a, "auditor"))
    assert auditor.post("/admin/health/risk-profiles/recalculate-all/").status_code in (302, 403)


# --- charts ----------------------------------------------------------------------------------

def test_charts_escape_text_and_skip_empty_input():
    assert charts.audiogram({}) is None
    assert charts.spirometry({}) is None
    assert charts.risk_trend([]) is None
    svg = charts.spirometry({"fev1": 2.0, "fev1_predicted": 4.0, "fev1_fvc": 0.6})
    assert "50 %" in svg  # percent of predicted
    assert svg.count('class="ohms-spiro-ratio"') == 1
    assert "<script" not in charts.risk_gauge(150, "<script>")


@pytest.mark.django_db
def test_permits_are_refused_a_worker_without_a_valid_periodic_exam(org_a):
    """The permit add-on's crew gate asks ``providers.check_worker``: an overdue periodic exam
    is a blocking reason there, without any medical content in it."""
    from ohms_core import providers

    worker = testing.make_worker(org_a)
    today = timezone.localdate()
    exam(worker, exam_date=today - timedelta(days=400), findings=SECRET, next_due_date=today - timedelta(days=30))
    reasons = providers.check_worker(worker, purpose="permit")
    assert [r.code for r in reasons] == ["worker_not_fit"]
    assert SECRET not in str(reasons[0].message)


@pytest.mark.django_db
def test_worker_column_links_to_the_medical_file_for_medical_roles_only(org_a, admin_a):
    worker = testing.make_worker(org_a)
    exam(worker)
    calculate_profile(worker=worker, user=admin_a)
    file_url = f"/admin/health/workers/{worker.pk}/medical/"
    officer = _client(testing.make_member(org_a, "medical_officer"))
    assert file_url in officer.get("/admin/health/examinations/").content.decode()
    assert file_url in officer.get("/admin/health/risk-profiles/").content.decode()
    manager = _client(testing.make_member(org_a, "safety_manager"))
    listing = manager.get("/admin/health/risk-profiles/")
    assert listing.status_code == 200 and worker.employee_number in listing.content.decode()
    assert file_url not in listing.content.decode()
