"""System screens of the admin: notification rules (managers), events and transition log
(read-only, scoped to the acting organization)."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from ohms_core import events, testing
from ohms_core.context import acting_as
from ohms_core.models import Event, NotificationRule, TransitionLog
from ohms_core.tests.workflow_app.models import Inspection

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"
SUBMITTED = "testflow.inspection.submitted"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _event(org, type):
    with acting_as(organization=org):
        return events.emit(type, organization=org, data={"k": "v"})


def _log(org, object_repr):
    with acting_as(organization=org):
        inspection = Inspection.objects.create(organization=org, title=object_repr)
    return TransitionLog.objects.create(
        organization=org, content_type=ContentType.objects.get_for_model(Inspection), object_id=str(inspection.pk),
        object_repr=object_repr, transition="submit", from_state="draft", to_state="submitted",
    )


def _rule_form(**overrides):
    data = {"event_type": SUBMITTED, "roles": ["approver", "safety_manager"], "assignee_fields": "assigned_approver",
            "in_app": "on", "email": "on", "is_active": "on", "title_template": "{{ object.label }} to approve",
            "message_template": "", "title_template_fr": "{{ object.label }} à approuver", "message_template_fr": ""}
    data.update(overrides)
    return data


def test_org_admin_creates_a_scoped_notification_rule(admin_a, org_a, org_b):
    client = _login(admin_a)
    form = client.get("/admin/core/notification-rules/new/")
    assert form.status_code == 200
    assert SUBMITTED in form.content.decode()  # the registered event types are the choices
    response = client.post("/admin/core/notification-rules/new/", _rule_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = NotificationRule.objects.get()
    assert rule.organization == org_a
    assert rule.roles == ["approver", "safety_manager"]
    assert (rule.event_type, rule.assignee_fields, rule.in_app, rule.email, rule.notify_actor) == (
        SUBMITTED, "assigned_approver", True, True, False)
    assert rule.title_template_fr == "{{ object.label }} à approuver"
    assert rule.created_by == admin_a
    body = client.get("/admin/core/notification-rules/").content.decode()
    assert SUBMITTED in body

    # org_b's admin does not see it, and cannot reach it.
    other = _login(testing.make_member(org_b, "org_admin"))
    assert SUBMITTED not in other.get("/admin/core/notification-rules/").content.decode()
    assert other.get(f"/admin/core/notification-rules/edit/{rule.pk}/").status_code == 404


def test_notification_rule_rejects_unknown_event_type(admin_a):
    response = _login(admin_a).post("/admin/core/notification-rules/new/", _rule_form(event_type="no.such.event"))
    assert response.status_code == 200
    assert NotificationRule.objects.count() == 0


def test_auditor_cannot_manage_notification_rules(org_a):
    client = _login(testing.make_member(org_a, "auditor"))
    assert client.get("/admin/core/notification-rules/new/").status_code in (302, 403)
    assert client.post("/admin/core/notification-rules/new/", _rule_form()).status_code in (302, 403)
    assert NotificationRule.objects.count() == 0


def test_event_list_is_scoped_to_the_acting_organization(admin_a, org_a, org_b):
    mine = _event(org_a, "test.alpha.only")
    theirs = _event(org_b, "test.bravo.only")
    client = _login(admin_a)
    body = client.get("/admin/core/events/").content.decode()
    assert "test.alpha.only" in body and "test.bravo.only" not in body
    inspect = client.get(f"/admin/core/events/inspect/{mine.pk}/")
    assert inspect.status_code == 200 and "test.alpha.only" in inspect.content.decode()
    assert client.get(f"/admin/core/events/inspect/{theirs.pk}/").status_code == 404


def test_transition_log_is_scoped_to_the_acting_organization(admin_a, org_a, org_b):
    _log(org_a, "Alpha scaffold inspection")
    _log(org_b, "Bravo crane inspection")
    body = _login(admin_a).get("/admin/core/transition-log/").content.decode()
    assert "Alpha scaffold inspection" in body and "Bravo crane inspection" not in body


def test_auditor_reads_events_and_transition_log(org_a):
    _event(org_a, "test.alpha.audited")
    _log(org_a, "Audited inspection")
    client = _login(testing.make_member(org_a, "auditor"))
    assert "test.alpha.audited" in client.get("/admin/core/events/").content.decode()
    assert "Audited inspection" in client.get("/admin/core/transition-log/").content.decode()


def test_events_and_transition_log_are_append_only_even_for_superusers(admin_a, org_a):
    admin_a.is_superuser = True
    admin_a.save()
    event = _event(org_a, "test.alpha.immutable")
    log = _log(org_a, "Immutable inspection")
    client = _login(admin_a)
    assert client.get("/admin/core/events/").status_code == 200
    assert client.get("/admin/core/transition-log/").status_code == 200
    for resource, obj in (("core/events", event), ("core/transition-log", log)):
        assert client.get(f"/admin/{resource}/new/").status_code in (302, 403), resource
        assert client.get(f"/admin/{resource}/edit/{obj.pk}/").status_code in (302, 403), resource
        assert client.post(f"/admin/{resource}/edit/{obj.pk}/", {"type": "tampered", "comment": "tampered"}).status_code in (302, 403)
        assert client.get(f"/admin/{resource}/delete/{obj.pk}/").status_code in (302, 403), resource
        assert client.post(f"/admin/{resource}/delete/{obj.pk}/").status_code in (302, 403), resource
    event.refresh_from_db()
    log.refresh_from_db()
    assert event.type == "test.alpha.immutable"
    assert log.comment == ""
    assert Event.objects.filter(pk=event.pk).exists() and TransitionLog.objects.filter(pk=log.pk).exists()
