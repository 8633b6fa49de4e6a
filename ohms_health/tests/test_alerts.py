"""Overexposure alerts (SPEC 3.3): severity boundaries, per-organization thresholds, the
state machine and its permissions, duplicates, the REST endpoints (scoping, bulk
acknowledge, query count), the emergency notification and the fitness consequence."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing, workflows
from ohms_core.exceptions import ConflictError, NotAllowedError
from ohms_core.models import AuditLog, Event, Notification, TransitionLog

from ..models import AlertThreshold, OverexposureAlert
from ..models.alerts import severity_for
from ..services import medical_profile_save, worker_fitness
from ..services.alerts import alert_acknowledge, alert_create, alert_resolve, detect_alerts
from .factories import exam, exposure

URL = "/api/v1/health/overexposure-alerts/"


def raise_alert(worker, percent, *, exposure_type="noise", user=None, **kw):
    """An alert at ``percent`` % of a limit of 100."""
    return alert_create(organization=worker.organization, worker=worker, exposure_type=exposure_type,
                        measured_value=Decimal(percent), exposure_limit=Decimal("100"), user=user, **kw)


@pytest.fixture
def worker_a(org_a):
    return testing.make_worker(org_a, employee_number="A-00001")


@pytest.fixture(autouse=True)
def _acting_as_org_admin(request):
    """Service calls act for organization A's admin unless a test says otherwise."""
    if "org_a" not in request.fixturenames:
        yield
        return
    from ohms_core.context import acting_as

    org, admin = request.getfixturevalue("org_a"), request.getfixturevalue("admin_a")
    with acting_as(organization=org, user=admin, role="org_admin"):
        yield


# --- severity -------------------------------------------------------------------------------

@pytest.mark.parametrize(("percent", "expected"), [
    ("79", None), ("79.99", None), ("80", "warning"), ("99", "warning"), ("99.99", "warning"), ("100", "critical"),
    ("120", "critical"), ("120.01", "emergency"), ("121", "emergency"),
])
def test_severity_boundaries(percent, expected):
    assert severity_for(Decimal(percent)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("percent", "expected"), [
    ("80", "warning"), ("99", "warning"), ("100", "critical"), ("120", "critical"), ("121", "emergency")])
def test_service_computes_percent_and_severity(worker_a, percent, expected):
    alert = alert_create(organization=worker_a.organization, worker=worker_a, exposure_type="Noise",
                         measured_value=Decimal(percent) * Decimal("0.85"), exposure_limit=Decimal("85"))
    assert alert.percent_of_limit == Decimal(percent)
    assert alert.severity == expected and alert.status == "active" and alert.exposure_type == "noise"


@pytest.mark.django_db
def test_below_warning_is_refused(worker_a):
    with pytest.raises(ValidationError) as info:
        raise_alert(worker_a, "79")
    assert "No alert is warranted" in str(info.value)
    assert not OverexposureAlert.objects.exists()


@pytest.mark.django_db
def test_organization_thresholds_per_exposure_type(worker_a, org_a, org_b):
    AlertThreshold.objects.create(organization=org_a, exposure_type="Noise", warning_percent=Decimal("70"),
                                  critical_percent=Decimal("90"), emergency_above_percent=Decimal("110"))
    assert raise_alert(worker_a, "75").severity == "warning"
    assert raise_alert(worker_a, "95", source_exposure=exposure(worker_a)).severity == "critical"
    assert raise_alert(worker_a, "111", source_exposure=exposure(worker_a)).severity == "emergency"
    # Another type of the same organization keeps the seed numbers...
    assert raise_alert(worker_a, "111", exposure_type="dust").severity == "critical"
    with pytest.raises(ValidationError):
        raise_alert(worker_a, "75", exposure_type="dust")
    # ... until the organization gives a default row (empty type).
    AlertThreshold.objects.create(organization=org_a, exposure_type="", warning_percent=Decimal("50"),
                                  critical_percent=Decimal("60"), emergency_above_percent=Decimal("70"))
    assert raise_alert(worker_a, "75", exposure_type="cobalt").severity == "emergency"
    # Another organization is unaffected.
    other = testing.make_worker(org_b)
    with pytest.raises(ValidationError):
        raise_alert(other, "75")


@pytest.mark.django_db
def test_thresholds_must_rise(org_a):
    row = AlertThreshold(organization=org_a, exposure_type="dust", warning_percent=Decimal("100"),
                         critical_percent=Decimal("100"), emergency_above_percent=Decimal("120"))
    with pytest.raises(ValidationError):
        row.full_clean()


# --- state machine ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_lifecycle_active_acknowledged_resolved(worker_a, admin_a, django_capture_on_commit_callbacks):
    alert = raise_alert(worker_a, "105", user=admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_acknowledge(instance=alert, user=admin_a, comment="Worker moved to the workshop")
    assert alert.status == "acknowledged" and alert.acknowledged_by == admin_a and alert.acknowledged_at
    assert "workshop" in alert.notes
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_resolve(instance=alert, user=admin_a, comment="Silencer fitted on the crusher")
    assert alert.status == "resolved" and alert.resolved_by == admin_a and alert.resolved_at
    assert alert.actions_taken == "Silencer fitted on the crusher"
    logs = TransitionLog.objects.filter(object_id=str(alert.pk)).order_by("timestamp")
    assert [(log.from_state, log.to_state, log.user_id) for log in logs] == [
        ("active", "acknowledged", admin_a.pk), ("acknowledged", "resolved", admin_a.pk)]
    assert set(Event.objects.filter(object_id=str(alert.pk)).values_list("type", flat=True)) == {
        "health.overexposurealert.raised", "health.overexposurealert.acknowledged", "health.overexposurealert.resolved"}
    assert alert.history.count() == 3


@pytest.mark.django_db
def test_forbidden_edges(worker_a, admin_a):
    alert = raise_alert(worker_a, "105")
    with pytest.raises(ConflictError):  # active -> resolved is not allowed (acknowledge first)
        alert_resolve(instance=alert, user=admin_a, comment="done")
    alert = alert_acknowledge(instance=alert, user=admin_a)
    alert = alert_resolve(instance=alert, user=admin_a, comment="done")
    with pytest.raises(ConflictError):  # resolved -> acknowledged
        alert_acknowledge(instance=alert, user=admin_a)
    assert OverexposureAlert.objects.get(pk=alert.pk).status == "resolved"


@pytest.mark.django_db
def test_resolve_needs_the_actions_taken(worker_a, admin_a):
    from ohms_core.exceptions import BusinessRuleError

    alert = alert_acknowledge(instance=raise_alert(worker_a, "105"), user=admin_a)
    with pytest.raises(BusinessRuleError):
        alert_resolve(instance=alert, user=admin_a, comment="  ")
    assert OverexposureAlert.objects.get(pk=alert.pk).status == "acknowledged"


@pytest.mark.django_db
def test_stale_version_is_a_conflict(worker_a, admin_a):
    alert = raise_alert(worker_a, "105")
    with pytest.raises(ConflictError):
        alert_acknowledge(instance=alert, user=admin_a, expected_version=alert.version + 5)


@pytest.mark.django_db
def test_role_permissions_of_the_transitions(worker_a, org_a):
    from ohms_core.context import acting_as

    alert = raise_alert(worker_a, "130")  # emergency
    auditor = testing.make_member(org_a, "auditor")
    with acting_as(organization=org_a, user=auditor, role="auditor"), pytest.raises(NotAllowedError):
        alert_acknowledge(instance=alert, user=auditor)
    safety = testing.make_member(org_a, "safety_manager")
    with acting_as(organization=org_a, user=safety, role="safety_manager"):
        alert = alert_acknowledge(instance=alert, user=safety)
        options = {o["name"]: o for o in workflows.transition_options(alert, safety)}
        assert options["resolve"]["allowed"] is False  # emergency: the medical side resolves
        with pytest.raises(NotAllowedError):
            alert_resolve(instance=alert, user=safety, comment="ok")
    doctor = testing.make_member(org_a, "medical_officer")
    with acting_as(organization=org_a, user=doctor, role="medical_officer"):
        assert alert_resolve(instance=alert, user=doctor, comment="Audiogram repeated, stable").status == "resolved"
    # A safety manager resolves a non-emergency alert.
    other = raise_alert(worker_a, "100", exposure_type="dust")
    with acting_as(organization=org_a, user=safety, role="safety_manager"):
        other = alert_acknowledge(instance=other, user=safety)
        assert alert_resolve(instance=other, user=safety, comment="Extraction repaired").status == "resolved"


# --- duplicates -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_no_duplicate_alert_for_the_same_source(worker_a):
    audiogram = exam(worker_a, exam_type="audiometry", results={"hearing_thresholds": {"left": {"4000": 45}}})
    raise_alert(worker_a, "110", source_exam=audiogram)
    with pytest.raises(ValidationError):
        raise_alert(worker_a, "130", source_exam=audiogram)
    measured = exposure(worker_a, measured_level=Decimal("95"))
    raise_alert(worker_a, "110", source_exposure=measured)
    with pytest.raises(ValidationError):
        raise_alert(worker_a, "110", source_exposure=measured)
    assert OverexposureAlert.objects.count() == 2


@pytest.mark.django_db
def test_detection_from_exams_and_measurements_is_idempotent(worker_a, org_a):
    today = timezone.localdate()
    exam(worker_a, exam_type="audiometry", exam_date=today - timedelta(days=2),
         results={"hearing_thresholds": {"left": {"4000": 50, "1000": 20}, "right": {"4000": 30}}})  # 125 %
    exam(worker_a, exam_type="spirometry", exam_date=today - timedelta(days=1),
         results={"fev1": 2.4, "fvc": 4.0, "fev1_fvc": 0.60})  # 0.70 / 0.60 = 116.67 %
    other = testing.make_worker(org_a)
    exam(other, exam_type="spirometry", exam_date=today, results={"fev1_fvc": 0.80})  # normal: no alert
    exposure(other, exposure_type="Silica dust", measured_level=Decimal("0.045"), exposure_limit=Decimal("0.05"),
             unit="mg/m³", measured_on=today)  # 90 %
    exposure(other, measured_level=Decimal("60"), exposure_limit=Decimal("85"), measured_on=today)  # 70.59 %: none
    exposure(other, measured_level=Decimal("99"), exposure_limit=Decimal("85"),
             measured_on=today - timedelta(days=30))  # outside the window
    result = detect_alerts(days=7)
    found = {(a.worker_id, a.exposure_type): (a.severity, a.percent_of_limit) for a in result.created}
    assert found == {
        (worker_a.pk, "noise"): ("emergency", Decimal("125.00")),
        (worker_a.pk, "dust"): ("critical", Decimal("116.67")),
        (other.pk, "silica dust"): ("warning", Decimal("90.00")),
    }
    assert detect_alerts(days=7).created == []  # idempotent
    assert OverexposureAlert.objects.count() == 3


@pytest.mark.django_db
def test_detection_skips_when_an_open_alert_is_as_severe_and_escalates_otherwise(worker_a):
    today = timezone.localdate()
    raise_alert(worker_a, "110")  # open critical noise alert raised by hand
    exam(worker_a, exam_type="audiometry", exam_date=today, results={"hearing_thresholds": {"left": {"4000": 42}}})
    assert detect_alerts(days=7).created == []  # 105 %: critical, already open
    exam(worker_a, exam_type="audiometry", exam_date=today, results={"hearing_thresholds": {"left": {"4000": 55}}})
    created = detect_alerts(days=7).created
    assert [a.severity for a in created] == ["emergency"]


# --- notification and fitness -----------------------------------------------------------------

@pytest.mark.django_db
def test_emergency_notifies_medical_officers_and_safety_managers(worker_a, org_a, org_b,
                                                                   django_capture_on_commit_callbacks):
    doctor = testing.make_member(org_a, "medical_officer")
    safety = testing.make_member(org_a, "safety_manager")
    requester = testing.make_member(org_a, "permit_requester")
    foreign_doctor = testing.make_member(org_b, "medical_officer")
    with django_capture_on_commit_callbacks(execute=True):
        raise_alert(worker_a, "110")  # critical: no notification
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        raise_alert(worker_a, "125", exposure_type="dust")
    notified = set(Notification.objects.values_list("user_id", flat=True))
    assert notified == {doctor.pk, safety.pk}
    assert requester.pk not in notified and foreign_doctor.pk not in notified
    note = Notification.objects.filter(user=doctor).get()
    assert "A-00001" in note.title and "125" not in note.title


@pytest.mark.django_db
def test_open_emergency_alert_makes_the_worker_unfit(worker_a, admin_a):
    medical_profile_save(worker=worker_a, user=admin_a, role="org_admin", data={"fitness_status": "fit"})
    assert worker_fitness(worker_a).fit is True
    raise_alert(worker_a, "110")  # critical does not block
    assert worker_fitness(worker_a).fit is True
    alert = raise_alert(worker_a, "130", exposure_type="dust")
    answer = worker_fitness(worker_a)
    assert answer.fit is False and "emergency overexposure alert" in answer.reason
    assert "130" not in answer.reason
    alert = alert_acknowledge(instance=alert, user=admin_a)
    assert worker_fitness(worker_a).fit is False  # acknowledged is still open
    alert_resolve(instance=alert, user=admin_a, comment="Removed from the dusty area; repeat spirometry normal")
    assert worker_fitness(worker_a).fit is True


# --- REST --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_create_through_the_api_computes_severity(client_a, worker_a):
    response = client_a.post(URL, {"worker": str(worker_a.pk), "exposure_type": "noise", "measured_value": "102",
                                   "exposure_limit": "85", "unit": "dB(A)", "severity": "warning"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["percent_of_limit"] == "120.00" and body["severity"] == "critical" and body["status"] == "active"


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [
    {"exposure_type": "noise", "measured_value": "60", "exposure_limit": "85"},  # 70.59 %
    {"exposure_type": "noise", "measured_value": "-1", "exposure_limit": "85"},
    {"exposure_type": "noise", "measured_value": "90", "exposure_limit": "0"},
    {"exposure_type": "noise", "measured_value": "abc", "exposure_limit": "85"},
    {"measured_value": "90", "exposure_limit": "85"},
])
def test_bad_input_is_a_400_with_field_errors(client_a, worker_a, payload):
    response = client_a.post(URL, {"worker": str(worker_a.pk), **payload}, format="json")
    assert response.status_code == 400, response.content
    assert not OverexposureAlert.objects.exists()


@pytest.mark.django_db
def test_below_warning_via_api_says_no_alert_is_warranted(client_a, worker_a):
    response = client_a.post(URL, {"worker": str(worker_a.pk), "exposure_type": "noise", "measured_value": "67",
                                   "exposure_limit": "85"}, format="json")
    assert response.status_code == 400
    assert "No alert is warranted" in response.content.decode()


@pytest.mark.django_db
def test_duplicate_source_exam_via_api_is_a_400(client_a, worker_a):
    audiogram = exam(worker_a, exam_type="audiometry")
    payload = {"worker": str(worker_a.pk), "exposure_type": "noise", "measured_value": "45", "exposure_limit": "40",
               "source_exam": str(audiogram.pk)}
    assert client_a.post(URL, payload, format="json").status_code == 201
    assert client_a.post(URL, payload, format="json").status_code == 400
    assert OverexposureAlert.objects.count() == 1


@pytest.mark.django_db
def test_acknowledge_and_resolve_endpoints(client_a, worker_a):
    alert = raise_alert(worker_a, "105")
    resolve_early = client_a.post(f"{URL}{alert.pk}/resolve/", {"notes": "x"}, format="json")
    assert resolve_early.status_code == 409
    response = client_a.post(f"{URL}{alert.pk}/acknowledge/", {"notes": "Reviewed"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    assert client_a.post(f"{URL}{alert.pk}/resolve/", {}, format="json").status_code == 400  # notes required
    response = client_a.post(f"{URL}{alert.pk}/resolve/", {"notes": "Hearing protection issued"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "resolved"
    assert response.json()["actions_taken"] == "Hearing protection issued"
    again = client_a.post(f"{URL}{alert.pk}/acknowledge/", {}, format="json")
    assert again.status_code == 409  # resolved -> acknowledged is refused
    stale = raise_alert(worker_a, "105", exposure_type="dust")
    assert client_a.post(f"{URL}{stale.pk}/acknowledge/", {"version": 9}, format="json").status_code == 409


@pytest.mark.django_db
def test_generic_transitions_endpoint_runs_the_same_service(client_a, worker_a):
    alert = raise_alert(worker_a, "105")
    options = client_a.get(f"{URL}{alert.pk}/transitions/").json()
    assert [o["name"] for o in options] == ["acknowledge"]
    response = client_a.post(f"{URL}{alert.pk}/transitions/acknowledge/", {"comment": "Seen"}, format="json")
    assert response.status_code == 200 and response.json()["notes"] == "Seen"


@pytest.mark.django_db
def test_role_without_permission_gets_403(org_a, worker_a):
    alert = raise_alert(worker_a, "105")
    auditor = testing.token_client(testing.make_member(org_a, "auditor"), org_a)
    assert auditor.get(URL).status_code == 200  # auditors read
    response = auditor.post(f"{URL}{alert.pk}/acknowledge/", {}, format="json")
    assert response.status_code == 403
    assert auditor.post(f"{URL}bulk-acknowledge/", {"alert_ids": [str(alert.pk)]}, format="json").status_code == 403
    requester = testing.token_client(testing.make_member(org_a, "permit_requester"), org_a)
    assert requester.get(URL).status_code == 403
    assert requester.post(f"{URL}{alert.pk}/acknowledge/", {}, format="json").status_code == 403
    assert OverexposureAlert.objects.get(pk=alert.pk).status == "active"


@pytest.mark.django_db
def test_filters_search_and_critical_alerts(client_a, worker_a, org_a, admin_a):
    other = testing.make_worker(org_a, employee_number="A-00002")
    warning = raise_alert(worker_a, "85")
    critical = raise_alert(worker_a, "110", exposure_type="dust")
    emergency = raise_alert(other, "150")
    done = alert_resolve(instance=alert_acknowledge(instance=raise_alert(other, "115", exposure_type="dust"),
                                                    user=admin_a), user=admin_a, comment="fixed")

    def ids(response):
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(client_a.get(URL, {"severity": "warning"})) == {str(warning.pk)}
    assert ids(client_a.get(URL, {"status": "resolved"})) == {str(done.pk)}
    assert ids(client_a.get(URL, {"exposure_type": "dust"})) == {str(critical.pk), str(done.pk)}
    assert ids(client_a.get(URL, {"worker": str(other.pk)})) == {str(emergency.pk), str(done.pk)}
    assert ids(client_a.get(URL, {"search": "A-00002"})) == {str(emergency.pk), str(done.pk)}
    ordered = client_a.get(URL, {"ordering": "-percent_of_limit"}).json()["results"]
    assert ordered[0]["id"] == str(emergency.pk)
    critical_list = client_a.get(f"{URL}critical-alerts/").json()["results"]
    assert [row["id"] for row in critical_list] == [str(emergency.pk), str(critical.pk)]
    assert ids(client_a.get(f"{URL}critical-alerts/", {"status": "resolved"})) == {str(done.pk)}
    assert client_a.get(URL, {"severity": "nope"}).status_code == 400


@pytest.mark.django_db
def test_bulk_acknowledge_per_id_and_other_organizations_ids(client_a, worker_a, org_b, admin_a):
    first, second = raise_alert(worker_a, "85"), raise_alert(worker_a, "110", exposure_type="dust")
    already = alert_acknowledge(instance=raise_alert(worker_a, "90", exposure_type="cobalt"), user=admin_a)
    foreign = raise_alert(testing.make_worker(org_b), "130")
    response = client_a.post(f"{URL}bulk-acknowledge/", {
        "alert_ids": [str(first.pk), str(second.pk), str(already.pk), str(foreign.pk)], "notes": "Morning review"},
        format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body["acknowledged"]) == {str(first.pk), str(second.pk)}
    skipped = {row["id"]: row["code"] for row in body["skipped"]}
    assert skipped == {str(already.pk): "invalid_state", str(foreign.pk): "not_found"}
    assert OverexposureAlert.objects.get(pk=foreign.pk).status == "active"
    assert OverexposureAlert.objects.get(pk=first.pk).notes == "Morning review"
    assert client_a.post(f"{URL}bulk-acknowledge/", {"alert_ids": ["not-a-uuid"]}, format="json").status_code == 400
    assert client_a.post(f"{URL}bulk-acknowledge/", {"alert_ids": []}, format="json").status_code == 400


@pytest.mark.django_db
def test_other_organization_gets_404_on_every_endpoint(client_b, worker_a):
    alert = raise_alert(worker_a, "105")
    assert client_b.get(f"{URL}{alert.pk}/").status_code == 404
    assert client_b.post(f"{URL}{alert.pk}/acknowledge/", {}, format="json").status_code == 404
    assert client_b.post(f"{URL}{alert.pk}/resolve/", {"notes": "x"}, format="json").status_code == 404
    assert client_b.get(f"{URL}{alert.pk}/transitions/").status_code == 404
    assert client_b.post(f"{URL}{alert.pk}/transitions/acknowledge/", {}, format="json").status_code == 404
    assert client_b.delete(f"{URL}{alert.pk}/").status_code == 404
    assert client_b.get(URL).json()["count"] == 0
    assert client_b.get(f"{URL}critical-alerts/").json()["count"] == 0
    response = client_b.post(URL, {"worker": str(worker_a.pk), "exposure_type": "noise", "measured_value": "95",
                                   "exposure_limit": "85"}, format="json")
    assert response.status_code == 400  # the other tenant's worker is not a valid choice
    assert OverexposureAlert.objects.get(pk=alert.pk).status == "active"


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(client_a, worker_a, org_a):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client_a.get(URL).status_code == 200
        return len(ctx)

    raise_alert(worker_a, "105")
    few = count_queries()
    for n in range(8):
        worker = testing.make_worker(org_a)
        audiogram = exam(worker, exam_type="audiometry")
        raise_alert(worker, str(90 + n), source_exam=audiogram)
    assert count_queries() <= few + 2  # + the one audit insert of exam-derived reads


@pytest.mark.django_db
def test_reads_of_exam_derived_alerts_are_audited(client_a, worker_a):
    audiogram = exam(worker_a, exam_type="audiometry")
    alert = raise_alert(worker_a, "105", source_exam=audiogram)
    before = AuditLog.objects.filter(action="view").count()
    client_a.get(f"{URL}{alert.pk}/")
    row = AuditLog.objects.filter(action="view").latest("timestamp")
    assert AuditLog.objects.filter(action="view").count() == before + 1
    assert row.object_id == str(worker_a.pk) and row.changes == {"medical_record": "overexposure_alert"}


@pytest.mark.django_db
def test_thresholds_api(client_a, client_b, org_a):
    url = "/api/v1/health/alert-thresholds/"
    response = client_a.post(url, {"exposure_type": "Noise", "warning_percent": "75", "critical_percent": "95",
                                   "emergency_above_percent": "115"}, format="json")
    assert response.status_code == 201, response.content
    assert AlertThreshold.objects.get(organization=org_a).exposure_type == "noise"
    bad = client_a.post(url, {"exposure_type": "dust", "warning_percent": "100", "critical_percent": "90"},
                        format="json")
    assert bad.status_code == 400
    assert client_b.get(f"{url}{response.json()['id']}/").status_code == 404


@pytest.mark.django_db
def test_exam_values_are_hidden_from_non_medical_readers(org_a, worker_a):
    audiogram = exam(worker_a, exam_type="audiometry")
    from_exam = raise_alert(worker_a, "110", source_exam=audiogram)
    measured = raise_alert(worker_a, "110", exposure_type="dust")
    safety = testing.token_client(testing.make_member(org_a, "safety_manager"), org_a)
    rows = {row["id"]: row for row in safety.get(URL).json()["results"]}
    assert rows[str(from_exam.pk)]["measured_value"] is None and rows[str(from_exam.pk)]["severity"] == "critical"
    assert rows[str(measured.pk)]["measured_value"] == "110.0000"
    doctor = testing.token_client(testing.make_member(org_a, "medical_officer"), org_a)
    assert doctor.get(f"{URL}{from_exam.pk}/").json()["measured_value"] == "110.0000"


@pytest.mark.django_db
def test_only_medical_readers_link_an_alert_to_an_exam(org_a, worker_a):
    audiogram = exam(worker_a, exam_type="audiometry")
    payload = {"worker": str(worker_a.pk), "exposure_type": "noise", "measured_value": "45", "exposure_limit": "40",
               "source_exam": str(audiogram.pk)}
    safety = testing.token_client(testing.make_member(org_a, "safety_manager"), org_a)
    assert safety.post(URL, payload, format="json").status_code == 403
    del payload["source_exam"]
    assert safety.post(URL, payload, format="json").status_code == 201
