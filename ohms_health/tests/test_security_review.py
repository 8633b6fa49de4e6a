"""Attacker's review of the health add-on (DECISIONS 12): medical content never reaches a
role that is not a medical reader, on any route (API, admin, exports), nor any record a
non-medical role reads (events, notifications, audit log); reads of it are audited."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from ohms_core import testing
from ohms_core import testing_routes as matrix
from ohms_core.models import Worker
from ohms_core.roles import Role

from ..models import ExitExamination, MedicalExamination, MedicalProfile, OccupationalDisease
from ..services.medical import MEDICAL_READERS

pytestmark = pytest.mark.django_db

#: Strings only medical content holds; none may appear in an answer to another role.
MARKERS = ("ZZFINDEXAM", "ZZRESULTVAL", "ZZDISEASENAME", "ZZDIAGDETAIL", "ZZEXITFIND", "ZZEXITNOTES", "ZZCONDITION",
           "ZZALLERGY")
NON_MEDICAL = [role for role in Role.values if role not in MEDICAL_READERS]


@dataclass
class World:
    routes: list
    ours: matrix.Builder
    api: dict
    admin: dict


def _seed_medical_content(builder):
    """Every health object of the matrix, with medical fields holding the markers."""
    for route in matrix.iter_routes():
        matrix.targets(route, builder)
    worker = builder.get(Worker)
    exam = builder.get(MedicalExamination)
    MedicalExamination.objects.filter(pk=exam.pk).update(findings="ZZFINDEXAM", results={"note": "ZZRESULTVAL"})
    disease = builder.get(OccupationalDisease)
    OccupationalDisease.objects.filter(pk=disease.pk).update(disease="ZZDISEASENAME", diagnosis_detail="ZZDIAGDETAIL")
    exit_exam = builder.get(ExitExamination)
    ExitExamination.objects.filter(pk=exit_exam.pk).update(findings="ZZEXITFIND", disease_notes="ZZEXITNOTES",
                                                           disease_result="suspected")
    MedicalProfile.objects.update_or_create(organization=builder.org, worker=worker,
                                            defaults={"chronic_conditions": "ZZCONDITION", "allergies": "ZZALLERGY"})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            matrix.load_addon_factories()
            org = testing.make_organization("SRV")
            project = testing.make_project(org)
            admin = testing.make_member(org, "org_admin")
            ours = matrix.Builder(org, project, admin)
            _seed_medical_content(ours)
            api, admin_clients = {}, {}
            for role in Role.values:
                user = testing.make_member(org, role)
                api[role] = testing.token_client(user, org)
                admin_clients[role] = Client()
                admin_clients[role].force_login(user)
            yield World(matrix.iter_routes(), ours, api, admin_clients)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


#: Core models whose screens can carry health content (the rest cannot: left out for speed).
CORE_CARRIERS = {"Worker", "AuditLog", "Event", "Notification", "TransitionLog", "Document"}


def _relevant(route) -> bool:
    if not route.is_object_route or route.model is None:
        return True
    return route.model._meta.app_label == "ohms_health" or route.model.__name__ in CORE_CARRIERS


def _urls(world, route):
    if not _relevant(route):
        return []
    if route.is_object_route:
        return [reverse(route.name, kwargs=kwargs) for _obj, kwargs in matrix.targets(route, world.ours)]
    try:
        return [reverse(route.name)]
    except Exception:  # noqa: BLE001 (a route needing arguments the matrix cannot build)
        return []


def _leaks(world, role) -> list[str]:
    problems = []
    for route in world.routes:
        if "get" not in route.methods:
            continue
        client = world.api[role] if route.kind == "api" else world.admin[role]
        for url in _urls(world, route):
            response = matrix.call(client, "get", url, route.kind)
            if response.status_code >= 500:
                problems.append(f"GET {url} answered {response.status_code} {getattr(response, 'detail', '')}")
                continue
            body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
            found = [marker for marker in MARKERS if marker in body]
            if found:
                problems.append(f"GET {url} ({route.pattern}) shows {found}")
    return problems


@pytest.mark.parametrize("role", NON_MEDICAL)
def test_no_route_shows_medical_content_to_a_non_medical_role(world, role):
    problems = _leaks(world, role)
    assert not problems, "\n".join(problems)


def test_every_answer_with_medical_content_is_an_audited_read(world):
    """A medical reader may see the content, but no route shows it without an audit row."""
    from ohms_core.models import AuditLog

    problems = []
    for route in world.routes:
        if "get" not in route.methods:
            continue
        client = world.api["medical_officer"] if route.kind == "api" else world.admin["medical_officer"]
        for url in _urls(world, route):
            before = AuditLog.objects.filter(action="view").count()
            response = matrix.call(client, "get", url, route.kind)
            body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
            found = [marker for marker in MARKERS if marker in body]
            if found and AuditLog.objects.filter(action="view").count() == before:
                problems.append(f"GET {url} ({route.pattern}) shows {found} without an audit row")
    assert not problems, "\n".join(problems)


# --- findings ------------------------------------------------------------------------------

def _exam_derived_alert(org):
    """An audiometry alert: 47.3 dB HL against the fixed 40 dB HL limit, i.e. 118.25 %. The
    limit is a constant, so the percentage gives the exam result back."""
    from ..services.alerts import HEARING_LIMIT_DB, alert_create
    from .factories import exam

    worker = testing.make_worker(org)
    audiogram = exam(worker, exam_type="audiometry")
    alert = alert_create(organization=org, worker=worker, exposure_type="noise", measured_value="47.3",
                         exposure_limit=HEARING_LIMIT_DB, unit="dB HL", source_exam=audiogram,
                         detection="audiometry: worst hearing threshold")
    assert str(alert.percent_of_limit) == "118.25"
    return alert


def test_exam_derived_alert_percentage_is_hidden_from_non_medical_readers(org_a):
    alert = _exam_derived_alert(org_a)
    url = f"/api/v1/health/overexposure-alerts/{alert.pk}/"
    for role in ("safety_manager", "auditor"):
        user = testing.make_member(org_a, role)
        body = testing.token_client(user, org_a).get(url).json()
        assert body["percent_of_limit"] is None and body["severity"] == alert.severity, role
        listed = testing.token_client(user, org_a).get("/api/v1/health/overexposure-alerts/").json()["results"]
        assert [row["percent_of_limit"] for row in listed] == [None], role
        admin = Client()
        admin.force_login(user)
        for page in ("/admin/health/overexposure-alerts/", f"/admin/health/overexposure-alerts/inspect/{alert.pk}/"):
            response = admin.get(page)
            assert response.status_code == 200, (role, page)
            assert "118.25" not in response.content.decode() and "118,25" not in response.content.decode(), (role, page)
    doctor = testing.make_member(org_a, "medical_officer")
    assert testing.token_client(doctor, org_a).get(url).json()["percent_of_limit"] == "118.25"


def test_exam_derived_alert_event_and_audit_row_carry_no_exam_value(org_a):
    """Events reach webhooks, integrators and notification rules; auditors read the audit log."""
    from ohms_core.models import AuditLog, Event

    alert = _exam_derived_alert(org_a)
    event = Event.objects.get(type="health.overexposurealert.raised", object_id=str(alert.pk))
    assert "percent_of_limit" not in event.data and event.data["severity"] == alert.severity
    row = AuditLog.objects.get(action="create", object_id=str(alert.pk))
    assert "percent_of_limit" not in row.changes
    assert "118.25" not in str(event.data) + str(row.changes)
    assert "118.25" not in event.object_repr + row.object_repr


def _view_rows():
    from ohms_core.models import AuditLog

    return AuditLog.objects.filter(action="view", changes__has_key="medical_record").count()


def test_transition_and_restore_answers_with_medical_content_are_audited_reads(org_a):
    """The answers of the generic ``transitions/<name>/`` and of ``restore`` carry the exit
    findings or the exam-derived values, like a detail read: audited the same."""
    from datetime import timedelta

    from django.utils import timezone

    doctor = testing.make_member(org_a, "medical_officer")
    client = testing.token_client(doctor, org_a)
    worker = testing.make_worker(org_a)
    exit_exam = ExitExamination.objects.create(
        organization=org_a, worker=worker, exit_date=timezone.localdate() + timedelta(days=10), findings="ZZEXITFIND",
        scheduled_exam_at=timezone.now() + timedelta(days=2), clinician=doctor)
    before = _view_rows()
    response = client.post(f"/api/v1/health/exit-exams/{exit_exam.pk}/transitions/schedule/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["findings"] == "ZZEXITFIND" and _view_rows() == before + 1

    alert = _exam_derived_alert(org_a)
    before = _view_rows()
    response = client.post(f"/api/v1/health/overexposure-alerts/{alert.pk}/transitions/acknowledge/", {},
                           format="json")
    assert response.status_code == 200, response.content
    assert response.json()["percent_of_limit"] == "118.25" and _view_rows() == before + 1
    before = _view_rows()
    response = client.post(f"/api/v1/health/overexposure-alerts/{alert.pk}/resolve/", {"notes": "Moved"},
                           format="json")
    assert response.status_code == 200, response.content
    assert _view_rows() == before + 1

    admin = testing.token_client(testing.make_member(org_a, "org_admin"), org_a)
    exit_exam.refresh_from_db()
    exit_exam.soft_delete(user=None)
    before = _view_rows()
    response = admin.post(f"/api/v1/health/exit-exams/{exit_exam.pk}/restore/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["findings"] == "ZZEXITFIND" and _view_rows() == before + 1


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30", "x"])
def test_appointments_of_the_day_survive_edge_dates(org_a, day):
    """Bad input is never a 500: the first and last representable days have no neighbour."""
    admin = Client()
    admin.force_login(testing.make_member(org_a, "medical_officer"))
    assert admin.get("/admin/health/appointments-day/", {"date": day}).status_code == 200


def test_medical_writes_leave_no_content_in_records_other_roles_read(org_a):
    """Every medical write path (API and admin) leaves audit rows, events, transition logs
    and notifications without the content: auditors, integrators and webhooks read those."""
    from datetime import timedelta

    from django.utils import timezone

    from ohms_core.models import AuditLog, Event, Notification, NotificationRule, TransitionLog

    NotificationRule.objects.create(organization=org_a, event_type="health.disease.diagnosed")
    doctor = testing.make_member(org_a, "medical_officer")
    testing.make_member(org_a, "auditor")
    api = testing.token_client(doctor, org_a)
    worker = testing.make_worker(org_a)
    base = "/api/v1/health/"
    exam = api.post(f"{base}medical-examinations/", {
        "worker": str(worker.pk), "exam_type": "periodic", "exam_date": "2026-01-10", "findings": "ZZFINDEXAM",
        "fitness_outcome": "fit", "restrictions": ""}, format="json")
    assert exam.status_code == 201, exam.content
    assert api.patch(f"{base}medical-examinations/{exam.json()['id']}/", {"findings": "ZZFINDEXAM 2"},
                     format="json").status_code == 200
    disease = api.post(f"{base}occupational-diseases/", {
        "worker": str(worker.pk), "disease": "ZZDISEASENAME", "agent": "silica", "diagnosed_on": "2026-01-10",
        "diagnosis_detail": "ZZDIAGDETAIL"}, format="json")
    assert disease.status_code == 201, disease.content
    assert api.patch(f"{base}occupational-diseases/{disease.json()['id']}/", {"diagnosis_detail": "ZZDIAGDETAIL 2"},
                     format="json").status_code == 200
    exit_exam = api.post(f"{base}exit-exams/", {"worker": str(worker.pk),
                                                "exit_date": str(timezone.localdate() + timedelta(days=20))},
                         format="json").json()
    url = f"{base}exit-exams/{exit_exam['id']}/"
    steps = [("schedule/", {"scheduled_exam_at": (timezone.now() + timedelta(days=1)).isoformat(),
                            "clinician": doctor.pk}),
             ("complete/", {"findings": "ZZEXITFIND", "fitness_outcome": "fit"}),
             ("assess-disease/", {"disease_result": "suspected", "disease_notes": "ZZEXITNOTES"})]
    for step, payload in steps:
        response = api.post(url + step, payload, format="json")
        assert response.status_code == 200, (step, response.content)
    admin = Client()
    admin.force_login(doctor)
    response = admin.post(f"/admin/health/workers/{worker.pk}/medical/", {
        "fitness_status": "fit", "chronic_conditions": "ZZCONDITION", "allergies": "ZZALLERGY"})
    assert response.status_code == 302

    texts = []
    for row in AuditLog.objects.filter(organization=org_a):
        texts += [row.object_repr, str(row.changes)]
    for row in Event.objects.filter(organization=org_a):
        texts += [row.object_repr, str(row.data)]
    for row in TransitionLog.objects.filter(organization=org_a):
        texts += [row.object_repr, row.comment]
    for row in Notification.objects.filter(organization=org_a):
        texts += [row.title, row.message, str(row.data)]
    assert texts
    leaked = {marker for marker in MARKERS for text in texts if marker in text}
    assert not leaked


def test_transition_reasons_tell_a_non_medical_reader_nothing_about_the_disease_assessment(org_a):
    """``transitions/`` lists each option's reasons; the gate of the disease check says
    whether notes are missing, i.e. whether a disease is suspected. A role that may not run
    the step gets only "your role may not", never the gates' verdict on medical content."""
    from datetime import timedelta

    from django.utils import timezone

    worker = testing.make_worker(org_a)
    exam = ExitExamination.objects.create(organization=org_a, worker=worker,
                                          exit_date=timezone.localdate() + timedelta(days=10))
    ExitExamination.objects.filter(pk=exam.pk).update(status="exam_complete", findings="x", fitness_outcome="fit",
                                                      disease_result="suspected")
    url = f"/api/v1/health/exit-exams/{exam.pk}/transitions/"
    for role in ("compliance_officer", "safety_manager"):
        client = testing.token_client(testing.make_member(org_a, role), org_a)
        response = client.get(url)
        assert response.status_code == 200, role
        option = next(row for row in response.json() if row["name"] == "assess_disease")
        assert option["allowed"] is False
        assert [reason["code"] for reason in option["reasons"]] == ["role"], role
    doctor = testing.token_client(testing.make_member(org_a, "medical_officer"), org_a)
    option = next(row for row in doctor.get(url).json() if row["name"] == "assess_disease")
    assert [reason["code"] for reason in option["reasons"]] == ["disease_notes_missing"]
