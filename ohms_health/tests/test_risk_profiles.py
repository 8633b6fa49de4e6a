"""Risk profiles end to end: the service's facts from the records, the REST endpoints of
SPEC 3.2, the command's modes and the daily job."""
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing
from ohms_core.jobs import get_job, run_job
from ohms_core.models import JobRun

from ..models import RiskSettings, WorkerRiskProfile
from ..services import medical_profile_save
from ..services.risk import calculate_profile, gather_facts
from .factories import exam, exposure

URL = "/api/v1/health/worker-risk-profiles/"
CONTRACT = {"worker", "health_risk_score", "exposure_risk_score", "compliance_risk_score", "overall_risk_score",
            "risk_level", "recommendation", "last_calculated_at"}


def _years_ago(years):
    """1 January, ``years`` years ago: exactly that many whole years today (any day, 29 February too)."""
    return date(timezone.localdate().year - years, 1, 1)


@pytest.fixture
def risky(org_a, admin_a):
    """Age 50, unfit, chronic condition, 3 recent exposures (one high risk), 12 years employed,
    one overdue periodic exam: health 30+35+15 = 80, exposure 24+20+20 = 64, compliance 10."""
    worker = testing.make_worker(org_a, date_of_birth=_years_ago(50), hire_date=_years_ago(12))
    medical_profile_save(worker=worker, user=admin_a, role="org_admin",
                         data={"fitness_status": "unfit", "chronic_conditions": "Asthme"})
    today = timezone.localdate()
    for days, high in ((10, True), (40, False), (200, False)):
        exposure(worker, measured_on=today - timedelta(days=days), high_risk=high)
    exposure(worker, measured_on=today - timedelta(days=400), high_risk=True)  # older than a year: ignored
    exam(worker, exam_date=today - timedelta(days=400), next_due_date=today - timedelta(days=35))
    exam(worker, exam_type="audiometry", exam_date=today - timedelta(days=400),
         next_due_date=today - timedelta(days=30))
    exam(worker, exam_type="audiometry", exam_date=today - timedelta(days=20),
         next_due_date=today + timedelta(days=345))  # the newer audiometry is not overdue
    return worker


@pytest.mark.django_db
def test_profile_from_the_records(risky):
    profile = calculate_profile(worker=risky)
    assert (profile.health_risk_score, profile.exposure_risk_score, profile.compliance_risk_score) == (
        Decimal(80), Decimal(64), Decimal(10))
    assert profile.overall_risk_score == Decimal("49.90")  # 24 + 22.4 + 3.5
    assert profile.risk_level == "moderate" and not profile.intervention_required
    assert profile.last_calculated_at is not None


@pytest.mark.django_db
def test_organization_settings_change_the_score(risky, org_a):
    RiskSettings.objects.create(organization=org_a, health_weight=Decimal("0.60"), exposure_weight=Decimal("0.20"),
                                compliance_weight=Decimal("0.20"), fitness_unfit_points=50)
    profile = calculate_profile(worker=risky)
    assert profile.health_risk_score == Decimal(95)
    assert profile.overall_risk_score == Decimal("71.80")  # 57 + 12.8 + 2
    assert profile.risk_level == "high" and profile.intervention_required


@pytest.mark.django_db
def test_facts_take_a_fixed_number_of_queries(org_a):
    workers = [testing.make_worker(org_a, date_of_birth=date(1980, 1, 1)) for _ in range(12)]
    for worker in workers:
        exposure(worker, measured_on=timezone.localdate())
        exam(worker)
    with CaptureQueriesContext(connection) as few:
        gather_facts(workers[:2])
    with CaptureQueriesContext(connection) as many:
        facts = gather_facts(workers)
    assert len(many.captured_queries) == len(few.captured_queries) == 6  # + incidents, diseases, PPE checks
    assert all(f.recent_exposures == 1 for f in facts.values())


@pytest.mark.django_db
def test_one_profile_per_worker_and_recalculation_keeps_history(risky):
    first = calculate_profile(worker=risky)
    second = calculate_profile(worker=risky)
    assert first.pk == second.pk and WorkerRiskProfile.objects.filter(worker=risky).count() == 1
    assert second.version == 2 and second.history.count() == 2


# --- REST ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_create_with_worker_calculates_and_answers_the_contract(client_a, risky):
    response = client_a.post(URL, {"worker": str(risky.pk)}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert CONTRACT <= set(body)
    assert Decimal(body["overall_risk_score"]) == Decimal("49.90") and body["risk_level"] == "moderate"
    again = client_a.post(URL, {"worker": str(risky.pk)}, format="json")
    assert again.status_code == 400 and "worker" in str(again.json())


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"worker": "nope"}, {"worker": "00000000-0000-0000-0000-000000000000"}])
def test_create_bad_input_is_400(client_a, body):
    response = client_a.post(URL, body, format="json")
    assert response.status_code == 400 and "worker" in str(response.json())


@pytest.mark.django_db
def test_calculate_and_put_recalculate_and_scores_are_not_writable(client_a, risky):
    profile = calculate_profile(worker=risky)
    exposure(risky, measured_on=timezone.localdate(), high_risk=True)
    response = client_a.post(f"{URL}{profile.pk}/calculate/")
    assert response.status_code == 200
    assert Decimal(response.json()["exposure_risk_score"]) == Decimal(72)  # one more exposure: +8
    put = client_a.put(f"{URL}{profile.pk}/", {"overall_risk_score": "1", "risk_level": "low", "version": 2},
                       format="json")
    assert put.status_code == 200 and put.json()["risk_level"] == "moderate" and put.json()["version"] == 3
    stale = client_a.put(f"{URL}{profile.pk}/", {"version": 1}, format="json")
    assert stale.status_code == 409


@pytest.mark.django_db
def test_high_risk_and_intervention_lists(client_a, org_a, risky):
    low = calculate_profile(worker=testing.make_worker(org_a, date_of_birth=_years_ago(25)))
    moderate = calculate_profile(worker=risky)
    assert low.risk_level == "low" and moderate.risk_level == "moderate"
    assert client_a.get(f"{URL}high-risk-workers/").json()["count"] == 0
    RiskSettings.objects.create(organization=org_a, health_weight=Decimal("0.60"), exposure_weight=Decimal("0.20"),
                                compliance_weight=Decimal("0.20"), fitness_unfit_points=50)
    # The cached list is dropped by the recalculation (a calculation bumps the generation).
    assert client_a.post(f"{URL}{moderate.pk}/calculate/").json()["risk_level"] == "high"
    high = client_a.get(f"{URL}high-risk-workers/").json()
    assert [row["id"] for row in high["results"]] == [str(moderate.pk)]
    urgent = client_a.get(f"{URL}intervention-required/").json()
    assert [row["id"] for row in urgent["results"]] == [str(moderate.pk)]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "allowed"), [("medical_officer", True), ("safety_manager", True),
                                               ("auditor", False), ("integrator", False), ("worker", False),
                                               ("permit_requester", False)])
def test_risk_profile_visibility_per_role(org_a, risky, role, allowed):
    profile = calculate_profile(worker=risky)
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    expected = 200 if allowed else 403
    assert client.get(URL).status_code == expected
    assert client.get(f"{URL}{profile.pk}/").status_code == expected
    assert client.get(f"{URL}high-risk-workers/").status_code == expected
    assert client.post(f"{URL}{profile.pk}/calculate/").status_code == expected


@pytest.mark.django_db
def test_other_organization_is_404_on_every_profile_endpoint(client_b, org_a, risky):
    profile = calculate_profile(worker=risky)
    assert client_b.get(f"{URL}{profile.pk}/").status_code == 404
    assert client_b.post(f"{URL}{profile.pk}/calculate/").status_code == 404
    assert client_b.put(f"{URL}{profile.pk}/", {}, format="json").status_code == 404
    assert client_b.get(f"{URL}high-risk-workers/").json()["count"] == 0
    assert client_b.post(URL, {"worker": str(risky.pk)}, format="json").status_code == 400


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(client_a, org_a, django_assert_max_num_queries):
    for _ in range(2):
        calculate_profile(worker=testing.make_worker(org_a))
    with CaptureQueriesContext(connection) as few:
        assert client_a.get(URL).status_code == 200
    for _ in range(10):
        calculate_profile(worker=testing.make_worker(org_a))
    for path in (URL, f"{URL}intervention-required/"):
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client_a.get(path).status_code == 200


# --- command and job -------------------------------------------------------------------------

def _run(*args):
    out = StringIO()
    call_command("calculate_worker_risk_profiles", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_modes(org_a, org_b, risky):
    other_enterprise = testing.make_enterprise(org_a)
    colleague = testing.make_worker(org_a, enterprise=other_enterprise)
    elsewhere = testing.make_worker(org_b)
    existing = calculate_profile(worker=risky)

    out = _run()  # no flags: only the workers without a profile, in every organization
    assert "2/2" in out and "2 risk profiles calculated" in out
    assert set(WorkerRiskProfile.objects.values_list("worker_id", flat=True)) == {risky.pk, colleague.pk, elsewhere.pk}
    assert WorkerRiskProfile.objects.get(pk=existing.pk).version == 1
    assert WorkerRiskProfile.objects.get(worker=elsewhere).organization == org_b

    assert "0 risk profiles calculated" in _run()
    _run("--worker-id", str(risky.pk))
    assert WorkerRiskProfile.objects.get(pk=existing.pk).version == 2
    _run("--recalculate-all", "--enterprise-id", str(other_enterprise.pk))
    assert WorkerRiskProfile.objects.get(worker=colleague).version == 2
    assert WorkerRiskProfile.objects.get(pk=existing.pk).version == 2
    out = _run("--recalculate-all")
    assert "3/3" in out
    assert WorkerRiskProfile.objects.get(pk=existing.pk).version == 3


@pytest.mark.django_db
@pytest.mark.parametrize("args", [("--worker-id", "nope"), ("--enterprise-id", "12"),
                                  ("--worker-id", "00000000-0000-0000-0000-000000000000")])
def test_command_refuses_bad_ids(args):
    with pytest.raises(CommandError):
        _run(*args)


@pytest.mark.django_db
def test_daily_job_at_three_recalculates_everyone(org_a, risky):
    job = get_job("health_calculate_worker_risk_profiles")
    assert job.addon == "ohms_health"
    assert job.schedule(timezone.datetime(2026, 1, 1, 3, 0)) and not job.schedule(timezone.datetime(2026, 1, 1, 4, 0))
    calculate_profile(worker=risky)
    testing.make_worker(org_a)
    run = run_job("health_calculate_worker_risk_profiles")
    assert run.success and run.items_processed == 2
    assert JobRun.objects.filter(name="health_calculate_worker_risk_profiles", success=True).count() == 1
    assert WorkerRiskProfile.objects.get(worker=risky).version == 2


@pytest.mark.django_db
def test_a_periodic_exam_renews_the_pre_employment_one(org_a):
    """Pre-employment, periodic and return-to-work exams are one series: an old
    pre-employment due date does not count as overdue once a periodic exam followed."""
    worker = testing.make_worker(org_a)
    on = date(2026, 6, 1)
    exam(worker, exam_type="pre_employment", exam_date=date(2020, 1, 1), next_due_date=date(2021, 1, 1))
    assert gather_facts([worker], on=on)[worker.pk].overdue_exams == 1
    exam(worker, exam_type="periodic", exam_date=date(2026, 1, 1), next_due_date=date(2027, 1, 1))
    exam(worker, exam_type="audiometry", exam_date=date(2024, 1, 1), next_due_date=date(2025, 1, 1))
    assert gather_facts([worker], on=on)[worker.pk].overdue_exams == 1  # the audiometry only
