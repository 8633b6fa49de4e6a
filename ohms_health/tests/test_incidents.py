"""Incidents over REST: reporting (event in the outbox, serious ones alerting at once), the
permit reference, validation, the state machine (every edge, a forbidden edge, gates, roles,
409), child rows, tenancy and query counts."""
from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import Event, Notification, TransitionLog

from ..incident_gates import actions_defined, all_actions_done, root_cause_recorded
from ..models import CorrectiveAction, Incident, IncidentInjury

URL = "/api/v1/health/incidents/"
INJURIES = "/api/v1/health/incident-injuries/"
ACTIONS = "/api/v1/health/corrective-actions/"
CONTRACT = {"enterprise", "occurred_at", "severity", "location", "description", "workers", "permit", "status",
            "is_recordable", "lost_time_days", "root_cause"}


@pytest.fixture
def enterprise(org_a):
    return testing.make_enterprise(org_a, name="Kamoto Copper")


@pytest.fixture
def crew(org_a, enterprise):
    return [testing.make_worker(org_a, enterprise=enterprise) for _ in range(2)]


def _body(ent, people, /, **kw):
    body = {"enterprise": str(ent.pk), "occurred_at": (timezone.now() - timedelta(hours=3)).isoformat(),
            "severity": "lost_time", "location": "Fosse KOV, banc 3", "description": "Chute de pierre sur la main",
            "workers": [str(w.pk) for w in people]}
    body.update(kw)
    return body


def _client(org, role):
    user = testing.make_member(org, role)
    client = testing.token_client(user, org)
    client.user = user
    return client


def _incident(org, enterprise, workers=(), **kw):
    data = {"occurred_at": timezone.now() - timedelta(days=2), "severity": "medical_treatment",
            "location": "Usine", "description": "Brûlure acide"}
    data.update(kw)
    incident = Incident.objects.create(organization=org, enterprise=enterprise, **data)
    incident.workers.set(workers)
    return incident


def _set_status(incident, status):
    Incident.objects.filter(pk=incident.pk).update(status=status)


# --- reporting -------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("role", ["safety_manager", "area_incharge", "medical_officer", "org_admin"])
def test_report_records_the_incident_and_emits_the_event(org_a, enterprise, crew, role,
                                                        django_capture_on_commit_callbacks):
    client = _client(org_a, role)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _body(enterprise, crew), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert CONTRACT <= set(data)
    assert data["status"] == "reported" and data["is_recordable"] is True and data["permit"] is None
    incident = Incident.objects.get(pk=data["id"])
    assert incident.organization == org_a and incident.reported_by == client.user
    assert set(incident.workers.all()) == set(crew)
    event = Event.objects.get(type="health.incident.reported")
    assert event.object_id == str(incident.pk) and event.organization == org_a
    assert event.data["incident_id"] == str(incident.pk)
    assert event.data["enterprise_id"] == str(enterprise.pk) and event.data["enterprise"] == "Kamoto Copper"
    assert event.data["severity"] == "lost_time" and event.data["workers_count"] == 2
    assert datetime.fromisoformat(event.data["occurred_at"]) == incident.occurred_at
    # Not serious: nobody is alerted at once.
    assert not Notification.objects.filter(event_type="health.incident.reported").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("severity", ["severe", "fatal"])
def test_serious_incident_alerts_safety_managers_and_medical_officers(org_a, org_b, enterprise, crew, severity,
                                                                      django_capture_on_commit_callbacks):
    reporter = _client(org_a, "area_incharge")
    safety, doctor = testing.make_member(org_a, "safety_manager"), testing.make_member(org_a, "medical_officer")
    bystander = testing.make_member(org_a, "issuer")
    other_org_safety = testing.make_member(org_b, "safety_manager")
    with django_capture_on_commit_callbacks(execute=True):
        assert reporter.post(URL, _body(enterprise, crew, severity=severity), format="json").status_code == 201
    for user in (safety, doctor):
        notes = list(Notification.objects.filter(user=user, event_type="health.incident.reported"))
        assert len(notes) == 1
        assert "Fosse KOV" in notes[0].title and notes[0].organization_id == org_a.pk
    for user in (bystander, other_org_safety, reporter.user):
        assert not Notification.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_first_aid_is_not_recordable(org_a, enterprise, crew):
    client = _client(org_a, "safety_manager")
    response = client.post(URL, _body(enterprise, crew, severity="first_aid"), format="json")
    assert response.status_code == 201 and response.json()["is_recordable"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"severity": "catastrophic"}, "severity"),
    ({"occurred_at": "hier"}, "occurred_at"),
    ({"location": ""}, "location"),
    ({"enterprise": "00000000-0000-0000-0000-000000000000"}, "enterprise"),
    ({"workers": ["00000000-0000-0000-0000-000000000000"]}, "workers"),
    ({"permit": "PTW-NOPE-2026-00001"}, "permit"),
])
def test_bad_input_is_a_400_naming_the_field(client_a, enterprise, crew, change, field):
    response = client_a.post(URL, _body(enterprise, crew, **change), format="json")
    assert response.status_code == 400, response.content
    assert field in str(response.json())
    assert not Incident.all_objects.exists() and not Event.objects.filter(type="health.incident.reported").exists()


@pytest.mark.django_db
def test_future_occurrence_is_refused(client_a, enterprise, crew):
    later = (timezone.now() + timedelta(days=1)).isoformat()
    response = client_a.post(URL, _body(enterprise, crew, occurred_at=later), format="json")
    assert response.status_code == 400 and "occurred_at" in str(response.json())


@pytest.mark.django_db
def test_workers_and_enterprise_of_another_organization_are_refused_never_linked(client_a, org_b, enterprise, crew):
    stranger = testing.make_worker(org_b)
    response = client_a.post(URL, _body(enterprise, [crew[0], stranger]), format="json")
    assert response.status_code == 400 and "workers" in str(response.json())
    assert not Incident.all_objects.exists()
    response = client_a.post(URL, _body(testing.make_enterprise(org_b), crew), format="json")
    assert response.status_code == 400 and "enterprise" in str(response.json())
    mine = _incident(enterprise.organization, enterprise, crew)
    response = client_a.patch(f"{URL}{mine.pk}/", {"workers": [str(stranger.pk)]}, format="json")
    assert response.status_code == 400 and "workers" in str(response.json())
    assert set(mine.workers.all()) == set(crew)


# --- the permit reference --------------------------------------------------------------------

def _permit(org, admin):
    from ohms_core.testing_routes import Builder, load_addon_factories

    load_addon_factories()
    builder = Builder(org=org, project=testing.make_project(org), admin=admin)
    return builder.get(apps.get_model("ohms_ptw", "Permit"))


@pytest.mark.django_db
@pytest.mark.skipif(not apps.is_installed("ohms_ptw"), reason="permit-to-work add-on not installed")
def test_permit_is_linked_by_id_or_number_within_the_organization(client_a, admin_a, admin_b, org_a, org_b,
                                                                  enterprise, crew):
    permit = _permit(org_a, admin_a)
    by_id = client_a.post(URL, _body(enterprise, crew, permit=str(permit.pk)), format="json")
    assert by_id.status_code == 201, by_id.content
    assert by_id.json()["permit"] == str(permit.pk) and by_id.json()["permit_number"] == permit.permit_number
    by_number = client_a.post(URL, _body(enterprise, crew, permit=permit.permit_number), format="json")
    assert by_number.status_code == 201 and by_number.json()["permit"] == str(permit.pk)
    theirs = _permit(org_b, admin_b)
    for value in (str(theirs.pk), theirs.permit_number):
        refused = client_a.post(URL, _body(enterprise, crew, permit=value), format="json")
        assert refused.status_code == 400 and "permit" in refused.json()["errors"], refused.content
    # Clearing it on update.
    cleared = client_a.patch(f"{URL}{by_id.json()['id']}/", {"permit": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["permit"] is None and cleared.json()["permit_number"] == ""


# --- the state machine -----------------------------------------------------------------------

def _run(client, incident, name, **body):
    return client.post(f"{URL}{incident.pk}/transitions/{name}/", body, format="json")


@pytest.mark.django_db
def test_full_cycle_with_gates_and_events(org_a, enterprise, crew, django_capture_on_commit_callbacks):
    client = _client(org_a, "safety_manager")
    incident = _incident(org_a, enterprise, crew)
    ok = _run(client, incident, "investigate")
    assert ok.status_code == 200 and ok.json()["status"] == "investigating"
    history = Incident.history.filter(id=incident.pk, status="investigating")
    assert history.count() == 1 and history.get().history_user == client.user
    assert history.get().history_change_reason == "investigate"

    blocked = _run(client, incident, "open_actions")
    assert blocked.status_code == 400
    codes = {r["code"] for r in blocked.json()["errors"]["reasons"]}
    assert codes == {"root_cause_missing", "actions_missing"}

    assert client.patch(f"{URL}{incident.pk}/", {"root_cause": "Absence de garde-corps"},
                        format="json").status_code == 200
    action = CorrectiveAction.objects.create(organization=org_a, incident=incident, description="Poser garde-corps")
    assert _run(client, incident, "open_actions").json()["status"] == "actions_open"

    refused = _run(client, incident, "close")
    assert refused.status_code == 400
    reason = refused.json()["errors"]["reasons"][0]
    assert reason["code"] == "actions_open" and reason["items"] == ["Poser garde-corps"]
    assert Incident.objects.get(pk=incident.pk).status == "actions_open"

    done = client.post(f"{ACTIONS}{action.pk}/complete/", format="json")
    assert done.status_code == 200 and done.json()["is_open"] is False
    closed = _run(client, incident, "close", comment="Actions vérifiées")
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["closed_at"]
    logs = list(TransitionLog.objects.filter(object_id=str(incident.pk)).order_by("timestamp")
                .values_list("from_state", "to_state"))
    assert logs == [("reported", "investigating"), ("investigating", "actions_open"), ("actions_open", "closed")]
    assert {"health.incident.investigation_started", "health.incident.actions_opened",
            "health.incident.closed"} <= set(Event.objects.values_list("type", flat=True))


@pytest.mark.django_db
def test_investigation_may_close_directly_when_no_action_is_needed(org_a, enterprise, crew):
    client = _client(org_a, "medical_officer")
    incident = _incident(org_a, enterprise, crew, root_cause="Glissade, sol sec, pas d'action")
    _set_status(incident, "investigating")
    closed = _run(client, incident, "close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


@pytest.mark.django_db
def test_closing_from_investigation_still_needs_the_root_cause_and_done_actions(org_a, enterprise, crew):
    client = _client(org_a, "org_admin")
    incident = _incident(org_a, enterprise, crew)
    _set_status(incident, "investigating")
    assert _run(client, incident, "close").json()["errors"]["reasons"][0]["code"] == "root_cause_missing"
    Incident.objects.filter(pk=incident.pk).update(root_cause="Cause")
    CorrectiveAction.objects.create(organization=org_a, incident=incident, description="Former l'équipe")
    assert _run(client, incident, "close").json()["errors"]["reasons"][0]["code"] == "actions_open"


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "name"), [
    ("reported", "close"), ("reported", "open_actions"), ("closed", "investigate"), ("actions_open", "investigate"),
])
def test_forbidden_edges_are_409(org_a, enterprise, crew, status, name):
    client = _client(org_a, "safety_manager")
    incident = _incident(org_a, enterprise, crew, root_cause="Cause")
    _set_status(incident, status)
    response = _run(client, incident, name)
    assert response.status_code == 409
    assert Incident.objects.get(pk=incident.pk).status == status


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["area_incharge", "issuer", "compliance_officer", "auditor"])
def test_roles_without_the_permission_get_403(org_a, enterprise, crew, role):
    client = _client(org_a, role)
    incident = _incident(org_a, enterprise, crew)
    assert client.get(f"{URL}{incident.pk}/").status_code == 200  # they read incidents
    response = _run(client, incident, "investigate")
    assert response.status_code == 403
    assert Incident.objects.get(pk=incident.pk).status == "reported"
    options = client.get(f"{URL}{incident.pk}/transitions/").json()
    assert options[0]["name"] == "investigate" and options[0]["allowed"] is False


@pytest.mark.django_db
def test_stale_version_is_409(org_a, enterprise, crew):
    client = _client(org_a, "safety_manager")
    incident = _incident(org_a, enterprise, crew)
    assert _run(client, incident, "investigate", version=2).status_code == 409
    assert _run(client, incident, "investigate", version=1).status_code == 200
    Incident.objects.filter(pk=incident.pk).update(root_cause="Cause")
    assert _run(client, incident, "close", version=1).status_code == 409
    assert Incident.objects.get(pk=incident.pk).status == "investigating"
    assert client.patch(f"{URL}{incident.pk}/", {"root_cause": "x", "version": 1}, format="json").status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["worker", "permit_requester"])
def test_roles_outside_safety_do_not_read_incidents(org_a, enterprise, crew, role):
    client = _client(org_a, role)
    incident = _incident(org_a, enterprise, crew)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{incident.pk}/").status_code == 403
    assert client.post(URL, _body(enterprise, crew), format="json").status_code == 403


@pytest.mark.django_db
def test_supervisor_reports_but_does_not_edit_the_investigation(org_a, enterprise, crew):
    client = _client(org_a, "area_incharge")
    incident = _incident(org_a, enterprise, crew)
    assert client.patch(f"{URL}{incident.pk}/", {"root_cause": "x"}, format="json").status_code == 403


@pytest.mark.django_db
def test_closed_incident_is_frozen(client_a, org_a, enterprise, crew):
    incident = _incident(org_a, enterprise, crew, root_cause="Cause")
    _set_status(incident, "closed")
    response = client_a.patch(f"{URL}{incident.pk}/", {"location": "Ailleurs"}, format="json")
    assert response.status_code == 400
    assert Incident.objects.get(pk=incident.pk).location == "Usine"
    added = client_a.post(ACTIONS, {"incident": str(incident.pk), "description": "Trop tard"}, format="json")
    assert added.status_code == 400 and not CorrectiveAction.objects.exists()


# --- gates on in-memory objects --------------------------------------------------------------

def test_gates_on_plain_objects():
    incident = Incident(root_cause="  ")
    incident._prefetched_objects_cache = {"corrective_actions": []}
    assert [r.code for r in root_cause_recorded(incident)] == ["root_cause_missing"]
    assert [r.code for r in actions_defined(incident)] == ["actions_missing"]
    assert list(all_actions_done(incident)) == []
    done = CorrectiveAction(description="Fait", done_at=timezone.now())
    still_open = CorrectiveAction(description="À faire")
    deleted = CorrectiveAction(description="Supprimée", is_deleted=True)
    incident.root_cause = "Cause"
    incident._prefetched_objects_cache = {"corrective_actions": [done, still_open, deleted]}
    assert list(root_cause_recorded(incident)) == [] and list(actions_defined(incident)) == []
    reasons = list(all_actions_done(incident))
    assert [r.code for r in reasons] == ["actions_open"] and reasons[0].items == ("À faire",)


# --- injuries and corrective actions ---------------------------------------------------------

@pytest.mark.django_db
def test_injuries_belong_to_people_involved_and_count_days_lost(client_a, org_a, enterprise, crew):
    incident = _incident(org_a, enterprise, crew)
    outsider = testing.make_worker(org_a)
    body = {"incident": str(incident.pk), "worker": str(crew[0].pk), "injury_type": "fracture",
            "body_part": "main gauche", "days_lost": 12}
    assert client_a.post(INJURIES, body, format="json").status_code == 201
    refused = client_a.post(INJURIES, {**body, "worker": str(outsider.pk)}, format="json")
    assert refused.status_code == 400 and "worker" in str(refused.json())
    assert client_a.post(INJURIES, {**body, "days_lost": -1}, format="json").status_code == 400
    detail = client_a.get(f"{URL}{incident.pk}/").json()
    assert detail["lost_time_days"] == 12 and detail["injuries"][0]["injury_type"] == "fracture"


@pytest.mark.django_db
def test_corrective_action_owner_must_be_a_member(client_a, org_a, org_b, enterprise, crew):
    incident = _incident(org_a, enterprise, crew)
    outsider = testing.make_member(org_b, "safety_manager")
    member = testing.make_member(org_a, "safety_manager")
    body = {"incident": str(incident.pk), "description": "Remplacer le câble", "due_date": "2026-12-31"}
    assert client_a.post(ACTIONS, {**body, "owner": member.pk}, format="json").status_code == 201
    refused = client_a.post(ACTIONS, {**body, "owner": outsider.pk}, format="json")
    assert refused.status_code == 400 and "owner" in str(refused.json())
    listed = client_a.get(ACTIONS, {"incident": str(incident.pk), "open": "true"}).json()
    assert listed["count"] == 1


# --- listing: filters, tenancy, query counts -------------------------------------------------

@pytest.mark.django_db
def test_list_filters_search_and_ordering(client_a, org_a, enterprise, crew):
    other = testing.make_enterprise(org_a)
    now = timezone.now()
    fatal = _incident(org_a, enterprise, crew, severity="fatal", occurred_at=now - timedelta(days=40),
                      location="Concentrateur")
    _incident(org_a, other, crew, severity="first_aid", occurred_at=now - timedelta(days=1))
    _incident(org_a, enterprise, crew, severity="lost_time", occurred_at=now - timedelta(days=5))
    _set_status(fatal, "investigating")

    def ids(**params):
        return [row["id"] for row in client_a.get(URL, params).json()["results"]]

    assert ids(severity="fatal") == [str(fatal.pk)]
    assert ids(status="investigating") == [str(fatal.pk)]
    assert len(ids(enterprise=str(enterprise.pk))) == 2
    assert ids(date_to=(now - timedelta(days=30)).date().isoformat()) == [str(fatal.pk)]
    assert len(ids(date_from=(now - timedelta(days=6)).date().isoformat())) == 2
    assert ids(search="Concentrateur") == [str(fatal.pk)]
    assert ids(ordering="occurred_at")[0] == str(fatal.pk)


@pytest.mark.django_db
def test_other_organization_objects_are_404_on_every_endpoint(client_a, org_b):
    enterprise_b = testing.make_enterprise(org_b)
    worker_b = testing.make_worker(org_b, enterprise=enterprise_b)
    incident = _incident(org_b, enterprise_b, [worker_b])
    injury = IncidentInjury.objects.create(organization=org_b, incident=incident, worker=worker_b,
                                           injury_type="burn")
    action = CorrectiveAction.objects.create(organization=org_b, incident=incident, description="B")
    for method, path in [
        ("get", f"{URL}{incident.pk}/"), ("patch", f"{URL}{incident.pk}/"), ("delete", f"{URL}{incident.pk}/"),
        ("get", f"{URL}{incident.pk}/transitions/"), ("post", f"{URL}{incident.pk}/transitions/investigate/"),
        ("get", f"{INJURIES}{injury.pk}/"), ("patch", f"{INJURIES}{injury.pk}/"),
        ("delete", f"{INJURIES}{injury.pk}/"),
        ("get", f"{ACTIONS}{action.pk}/"), ("patch", f"{ACTIONS}{action.pk}/"), ("delete", f"{ACTIONS}{action.pk}/"),
        ("post", f"{ACTIONS}{action.pk}/complete/"),
    ]:
        assert getattr(client_a, method)(path, {}, format="json").status_code == 404, (method, path)
    for path in (URL, INJURIES, ACTIONS):
        assert client_a.get(path).json()["count"] == 0
    # A child row cannot be attached to another organization's incident.
    response = client_a.post(ACTIONS, {"incident": str(incident.pk), "description": "x"}, format="json")
    assert response.status_code == 400
    incident.refresh_from_db()
    assert incident.status == "reported" and CorrectiveAction.objects.get(pk=action.pk).done_at is None


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(client_a, org_a, enterprise, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            workers = [testing.make_worker(org_a, enterprise=enterprise) for _ in range(2)]
            incident = _incident(org_a, enterprise, workers)
            IncidentInjury.objects.create(organization=org_a, incident=incident, worker=workers[0],
                                          injury_type="sprain", days_lost=2)
            CorrectiveAction.objects.create(organization=org_a, incident=incident, description="Action")

    add(2)
    few = {}
    for path in (URL, INJURIES, ACTIONS):
        with CaptureQueriesContext(connection) as captured:
            assert client_a.get(path).status_code == 200
        few[path] = len(captured.captured_queries)
    add(8)
    for path in (URL, INJURIES, ACTIONS):
        with django_assert_max_num_queries(few[path]):
            response = client_a.get(path)
        assert response.status_code == 200 and response.json()["count"] == 10
