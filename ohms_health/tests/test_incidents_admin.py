"""Admin screens of incidents and occupational diseases: report through the service (event),
severity badges and filters, transition buttons with reasons, medical-only diseases with
audited reads, query counts of the listing."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import AuditLog, Event

from ..models import CorrectiveAction, Incident, OccupationalDisease

INCIDENTS = "/admin/health/incidents/"
DISEASES = "/admin/health/occupational-diseases/"
ACTIONS = "/admin/health/corrective-actions/"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


def _incident(org, enterprise=None, **kw):
    data = {"occurred_at": timezone.now() - timedelta(days=1), "severity": "severe", "location": "Concentrateur",
            "description": "Bras pris dans le convoyeur"}
    data.update(kw)
    return Incident.objects.create(organization=org, enterprise=enterprise or testing.make_enterprise(org), **data)


@pytest.mark.django_db
def test_safety_manager_reports_from_the_admin_and_the_event_is_emitted(org_a):
    user = testing.make_member(org_a, "safety_manager")
    enterprise = testing.make_enterprise(org_a)
    worker = testing.make_worker(org_a, enterprise=enterprise)
    client = _login(user)
    assert client.get(f"{INCIDENTS}new/").status_code == 200
    occurred = timezone.localtime(timezone.now() - timedelta(hours=2))
    response = client.post(f"{INCIDENTS}new/", {
        "enterprise": str(enterprise.pk), "occurred_at": occurred.strftime("%Y-%m-%d %H:%M"), "severity": "fatal",
        "location": "Fosse KOV", "description": "Éboulement", "workers": [str(worker.pk)], "root_cause": "",
        "permit": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    incident = Incident.objects.get()
    assert incident.reported_by == user and list(incident.workers.all()) == [worker]
    assert Event.objects.get(type="health.incident.reported").data["severity"] == "fatal"


@pytest.mark.django_db
def test_listing_shows_severity_badges_filters_and_keeps_its_query_count(org_a, admin_a):
    client = _login(admin_a)
    _incident(org_a, severity="fatal", location="Usine SX")
    with CaptureQueriesContext(connection) as few:
        page = client.get(INCIDENTS)
    assert page.status_code == 200
    html = page.content.decode()
    assert "ohms-badge--health-severity-fatal" in html and "ohms-badge--health-incident-reported" in html
    for _ in range(8):
        _incident(org_a, severity="first_aid", location="Atelier")
    with CaptureQueriesContext(connection) as many:
        assert client.get(INCIDENTS).status_code == 200
    assert len(many.captured_queries) <= len(few.captured_queries)
    filtered = client.get(INCIDENTS, {"severity": "fatal"}).content.decode()
    assert "Usine SX" in filtered and "Atelier" not in filtered


@pytest.mark.django_db
def test_edit_page_shows_the_blocked_close_with_its_reason(org_a, admin_a):
    incident = _incident(org_a, root_cause="Garde manquante")
    Incident.objects.filter(pk=incident.pk).update(status="actions_open")
    CorrectiveAction.objects.create(organization=org_a, incident=incident, description="Installer le garde")
    html = _login(admin_a).get(f"{INCIDENTS}edit/{incident.pk}/").content.decode()
    assert "Every corrective action must be done before closing." in html
    assert "Installer le garde" in html


@pytest.mark.django_db
def test_corrective_action_owner_choices_are_members_of_the_organization(org_a, org_b, admin_a):
    outsider = testing.make_member(org_b, "safety_manager", "outsider@bravo.test")
    html = _login(admin_a).get(f"{ACTIONS}new/").content.decode()
    assert "outsider@bravo.test" not in html and f'<option value="{outsider.pk}"' not in html
    assert f'<option value="{admin_a.pk}"' in html


@pytest.mark.django_db
def test_diseases_screen_is_medical_only_and_reads_are_audited(org_a, admin_a):
    worker = testing.make_worker(org_a)
    disease = OccupationalDisease.objects.create(organization=org_a, worker=worker, disease="Silicose",
                                                 agent="silica dust", diagnosed_on=timezone.localdate(),
                                                 diagnosis_detail="Opacités")
    for role in ("safety_manager", "auditor", "compliance_officer"):
        client = _login(testing.make_member(org_a, role))
        for path in (DISEASES, f"{DISEASES}edit/{disease.pk}/"):
            response = client.get(path)
            assert response.status_code in (302, 403) and "Opacités" not in response.content.decode(), (role, path)
    assert not AuditLog.objects.filter(action="view").exists()
    officer = testing.make_member(org_a, "medical_officer")
    client = _login(officer)
    assert client.get(DISEASES).status_code == 200
    assert "Opacités" in client.get(f"{DISEASES}edit/{disease.pk}/").content.decode()
    reads = AuditLog.objects.filter(action="view", user=officer, object_id=str(worker.pk),
                                    changes__medical_record="occupational_disease")
    assert reads.count() == 2


@pytest.mark.django_db
def test_other_organization_incident_is_404_in_the_admin(org_b, admin_a):
    theirs = _incident(org_b)
    client = _login(admin_a)
    for path in (f"{INCIDENTS}edit/{theirs.pk}/", f"{INCIDENTS}inspect/{theirs.pk}/",
                 f"{INCIDENTS}delete/{theirs.pk}/"):
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
def test_every_path_refuses_closing_with_open_actions_with_the_same_reason(org_a, admin_a):
    """REST, the admin button's generic transition URL and a service call share the gate."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.messages import get_messages

    from ohms_core.context import acting_as
    from ohms_core.exceptions import BusinessRuleError
    from ohms_core.workflows import transition_perform

    incident = _incident(org_a, root_cause="Garde manquante")
    Incident.objects.filter(pk=incident.pk).update(status="actions_open")
    CorrectiveAction.objects.create(organization=org_a, incident=incident, description="Installer le garde")
    reason = "Every corrective action must be done before closing."

    api = testing.token_client(admin_a, org_a).post(f"/api/v1/health/incidents/{incident.pk}/transitions/close/")
    assert api.status_code == 400 and api.json()["errors"]["reasons"][0]["message"] == reason

    content_type = ContentType.objects.get_for_model(Incident)
    admin = _login(admin_a).post(f"/admin/ohms/transition/{content_type.pk}/{incident.pk}/close/",
                                 {"next": f"{INCIDENTS}edit/{incident.pk}/"})
    assert admin.status_code == 302
    assert any(reason in str(m) for m in get_messages(admin.wsgi_request))

    with acting_as(organization=org_a, user=admin_a, role="org_admin"), pytest.raises(BusinessRuleError) as refused:
        transition_perform(instance=Incident.objects.get(pk=incident.pk), name="close", user=admin_a)
    assert refused.value.errors["reasons"][0]["message"] == reason
    assert Incident.objects.get(pk=incident.pk).status == "actions_open"
