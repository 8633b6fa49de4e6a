"""Generation of CNSS and DRC declarations from incidents and diseases (SPEC 4.1-4.3): one
declaration per event whatever the path (event delivered twice, the command, the job),
deadlines from the event time, reference numbers, monthly statistics."""
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from ohms_core import events, testing
from ohms_core.models import Event
from ohms_health.models import IncidentInjury
from ohms_health.services.incidents import disease_diagnose, incident_report

from ..models import CNSSReport, DRCReport, RegulatorySettings
from ..services import reports as svc
from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generators_registered():
    """Another add-on's test may have swapped a processor for a stand-in."""
    from ..reports_processors import register

    register()


@pytest.fixture
def ent(org_a):
    return f.enterprise(org_a)


@pytest.fixture
def worker(org_a, ent):
    return testing.make_worker(org_a, enterprise=ent)


def _report(org, ent, worker, user, severity):
    return incident_report(organization=org, user=user, data={
        "enterprise": ent, "occurred_at": timezone.now() - timedelta(hours=1), "severity": severity,
        "location": "Usine", "description": "Accident", "workers": [worker]})


def test_fatal_incident_creates_one_drc_and_one_cnss_draft_even_delivered_twice_and_command_runs(
        org_a, ent, worker, admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = _report(org_a, ent, worker, admin_a, "fatal")
    drc = DRCReport.objects.get()
    cnss = CNSSReport.objects.get()
    assert drc.report_type == "fatal_incident" and list(drc.incidents.all()) == [incident]
    assert drc.deadline_at == incident.occurred_at + timedelta(hours=24)
    assert cnss.report_type == "fatality" and cnss.incident == incident and cnss.status == "draft"
    assert cnss.deadline_at == incident.occurred_at + timedelta(hours=24)
    # The same event delivered again (a second subscriber run), then the command and the job.
    event = Event.objects.get(type="health.incident.reported")
    assert svc.generate_from_event(event) == 0
    from ohms_core.models import EventDelivery
    EventDelivery.objects.filter(event=event).delete()
    events.dispatch(event.pk)
    out = StringIO()
    call_command("process_occupational_health_events", "--generate-cnss-reports", "--generate-drc-reports",
                 stdout=out)
    call_command("process_occupational_health_events", "--process-all", stdout=out)
    assert DRCReport.all_objects.count() == 1 and CNSSReport.all_objects.count() == 1


def test_command_generates_in_bulk_and_is_idempotent(org_a, ent, worker):
    fatal = f.incident(org_a, ent, severity="fatal")
    severe = f.incident(org_a, ent, severity="severe")
    lost = f.incident(org_a, ent, severity="lost_time")
    f.incident(org_a, ent, severity="first_aid")
    dis = f.disease(org_a, worker)
    f.disease(org_a, worker, is_occupational=False, disease="Grippe")
    out = StringIO()
    call_command("process_occupational_health_events", "--generate-drc-reports", stdout=out)
    assert {(r.report_type, r.source_key) for r in DRCReport.objects.all()} == {
        ("fatal_incident", f"incident:{fatal.pk}"), ("severe_incident", f"incident:{severe.pk}"),
        ("disease_notice", f"disease:{dis.pk}")}
    call_command("process_occupational_health_events", "--generate-cnss-reports", stdout=out)
    assert {(r.report_type, r.incident_id or r.disease_id) for r in CNSSReport.objects.all()} == {
        ("fatality", fatal.pk), ("incident", severe.pk), ("incident", lost.pk), ("disease", dis.pk)}
    call_command("process_occupational_health_events", "--process-all", stdout=out)
    assert DRCReport.objects.count() == 3 and CNSSReport.objects.count() == 4


def test_daily_job_runs_the_generators(org_a, ent):
    from ohms_health.tasks import process_occupational_health_events

    f.incident(org_a, ent, severity="severe")
    process_occupational_health_events()
    assert DRCReport.objects.count() == 1 and CNSSReport.objects.count() == 1


@pytest.mark.parametrize("severity,hours", [("fatal", 24), ("severe", 48)])
def test_incident_deadlines(org_a, ent, severity, hours):
    incident = f.incident(org_a, ent, severity=severity, occurred_at=timezone.now() - timedelta(hours=5))
    report, created = svc.drc_for_incident(incident)
    assert created and report.deadline_at == incident.occurred_at + timedelta(hours=hours)
    assert report.event_at == incident.occurred_at


def test_disease_deadline_is_ten_days_from_the_diagnosis(org_a, worker):
    dis = f.disease(org_a, worker, diagnosed_on=date(2026, 11, 2))
    report, _ = svc.drc_for_disease(dis)
    start = timezone.make_aware(datetime(2026, 11, 2))
    assert report.report_type == "disease_notice" and list(report.diseases.all()) == [dis]
    assert report.deadline_at == start + timedelta(days=10)


def test_deadlines_follow_the_organization_settings(org_a, ent, worker):
    RegulatorySettings.objects.create(organization=org_a, fatal_incident_hours=12, severe_incident_hours=36,
                                      disease_notice_days=5)
    fatal = svc.drc_for_incident(f.incident(org_a, ent, severity="fatal"))[0]
    severe = svc.drc_for_incident(f.incident(org_a, ent, severity="severe"))[0]
    dis = svc.drc_for_disease(f.disease(org_a, worker))[0]
    assert fatal.deadline_at - fatal.event_at == timedelta(hours=12)
    assert severe.deadline_at - severe.event_at == timedelta(hours=36)
    assert dis.deadline_at - dis.event_at == timedelta(days=5)


def test_database_refuses_a_second_declaration_for_one_incident(org_a, ent):
    incident = f.incident(org_a, ent)
    report, _ = svc.cnss_for_incident(incident)
    with pytest.raises(IntegrityError):
        CNSSReport.objects.create(organization=org_a, enterprise=ent, incident=incident, report_type="incident",
                                  reference_number="CNSS-X-1")


def test_reference_numbers_are_unique_and_sequential_per_organization_and_year(org_a, org_b, ent):
    year = timezone.localdate().year
    refs = [svc.reference_next(organization=org_a, prefix="CNSS") for _ in range(10)]
    assert refs == [f"CNSS-{org_a.code}-{year}-{n:05d}" for n in range(1, 11)]
    assert svc.reference_next(organization=org_a, prefix="DRC") == f"DRC-{org_a.code}-{year}-00001"
    assert svc.reference_next(organization=org_b, prefix="CNSS") == f"CNSS-{org_b.code}-{year}-00001"
    assert svc.reference_next(organization=org_a, prefix="CNSS", year=year + 1).endswith(f"{year + 1}-00001")


def test_reports_created_sequentially_get_distinct_references(org_a, ent):
    reports = [svc.cnss_for_incident(f.incident(org_a, ent, severity="lost_time"))[0] for _ in range(10)]
    assert len({r.reference_number for r in reports}) == 10


def test_disease_event_creates_declarations_without_reading_the_payload_for_medical_content(
        org_a, worker, django_capture_on_commit_callbacks):
    doctor = testing.make_member(org_a, "medical_officer")
    with django_capture_on_commit_callbacks(execute=True):
        dis = disease_diagnose(organization=org_a, user=doctor, role="medical_officer", data={
            "worker": worker, "disease": "Silicose", "agent": "silica dust", "diagnosed_on": timezone.localdate()})
    assert CNSSReport.objects.get().disease == dis
    assert list(DRCReport.objects.get().diseases.all()) == [dis]


def test_generate_monthly_aggregates_and_is_idempotent(org_a, ent, worker, django_assert_max_num_queries):
    month_start = timezone.make_aware(datetime(2026, 2, 10, 8))
    fatal = f.incident(org_a, ent, severity="fatal", occurred_at=month_start, workers=[worker])
    f.incident(org_a, ent, severity="lost_time", occurred_at=month_start + timedelta(days=3))
    f.incident(org_a, ent, severity="lost_time", occurred_at=timezone.make_aware(datetime(2026, 3, 1, 1)))
    IncidentInjury.objects.create(organization=org_a, incident=fatal, worker=worker, injury_type="crush",
                                  days_lost=12)
    f.disease(org_a, worker, diagnosed_on=date(2026, 2, 20))
    testing.make_worker(org_a, enterprise=ent)
    # A fixed number of queries (5 for the figures, the rest numbering, validation, history,
    # audit and cold content-type caches): none per worker or incident.
    with django_assert_max_num_queries(45):
        report, created = svc.cnss_generate_monthly(organization=org_a, enterprise=ent, year=2026, month=2)
    assert created and report.report_type == "monthly_stats" and report.status == "draft"
    data = report.data
    assert data["workforce"] == 2 and data["hours_worked"] is None
    assert data["accidents_by_severity"]["fatal"] == 1 and data["accidents_by_severity"]["lost_time"] == 1
    assert data["days_lost"] == 12 and data["occupational_diseases"] == 1 and data["fatalities"] == 1
    again, created = svc.cnss_generate_monthly(organization=org_a, enterprise=ent, year=2026, month=2)
    assert not created and again.pk == report.pk
    assert CNSSReport.objects.filter(report_type="monthly_stats").count() == 1
