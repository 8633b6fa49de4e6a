"""Notification rule templates: a whitelist of plain values, validated on save, compiled
once per rule version, and one broken rule never silences the others."""
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Event, Notification, NotificationRule
from ohms_core.services import notifications as service
from ohms_core.tests.workflow_app.models import Inspection

pytestmark = pytest.mark.django_db

INSPECTIONS = "/api/v1/testflow/inspections/"
SUBMITTED = "testflow.inspection.submitted"
PASSWORD = "pass-1234-word"


def _rule_unvalidated(org, **kw):
    """A rule written straight to the table (as an older release could have saved it)."""
    kw.setdefault("event_type", SUBMITTED)
    with acting_as(organization=org):
        return NotificationRule.objects.create(organization=org, **kw)


def _submit(org, requester, capture, title="Nacelle"):
    with acting_as(organization=org):
        inspection = Inspection.objects.create(organization=org, title=title, checklist_done=True)
    client = testing.token_client(requester, org)
    with capture(execute=True):
        response = client.post(f"{INSPECTIONS}{inspection.pk}/transitions/submit/", {}, format="json")
    assert response.status_code == 200, response.content
    return inspection


def test_template_naming_a_secret_renders_nothing(org_a, django_capture_on_commit_callbacks):
    requester = testing.make_member(org_a, "permit_requester")
    approver = testing.make_member(org_a, "approver")
    _rule_unvalidated(
        org_a, roles=["approver"],
        title_template="[{{ actor.password }}][{{ event.actor.password }}][{{ object.created_by.password }}]"
                       "[{{ object.organization.name }}][{{ actor.email }}]",
        message_template="{{ object.label }} {{ object.status }} by {{ actor.name }}",
    )
    inspection = _submit(org_a, requester, django_capture_on_commit_callbacks)
    note = Notification.objects.get(user=approver)
    assert note.title == "[][][][][]"
    assert requester.password not in note.title + note.message
    assert note.message == f"{inspection.title} submitted by {requester.get_username()}"


def test_whitelisted_context_holds_plain_values_only(org_a, django_capture_on_commit_callbacks):
    requester = testing.make_member(org_a, "permit_requester")
    _submit(org_a, requester, django_capture_on_commit_callbacks)
    event = Event.objects.get(type=SUBMITTED)
    context = service.template_context(event, event.target, link="/admin/x/")

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            assert value is None or isinstance(value, (str, int, float, bool)) or hasattr(value, "isoformat"), value

    walk(context)
    assert context["object"]["label"] == "Nacelle"
    assert context["actor"] == {"name": requester.get_username()}
    assert context["link"] == "/admin/x/"


@pytest.mark.parametrize("text", ["{% if %}", "{{ object.label|nosuchfilter }}", "{% load static %}",
                                  "{% debug %}", '{% include "admin/base.html" %}', "{% for x in %}"])
def test_broken_template_is_refused_on_save(org_a, text):
    rule = NotificationRule(organization=org_a, event_type=SUBMITTED, title_template="ok", message_template=text)
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert "message_template" in excinfo.value.message_dict


def test_broken_template_is_a_form_error_in_the_admin(admin_a, org_a):
    client = Client()
    assert client.login(username=admin_a.username, password=PASSWORD)
    response = client.post("/admin/core/notification-rules/new/", {
        "event_type": SUBMITTED, "roles": ["approver"], "in_app": "on", "is_active": "on",
        "title_template": "{% if %}broken", "message_template": "", "title_template_fr": "", "message_template_fr": "",
    })
    assert response.status_code == 200
    assert "This template is invalid" in response.content.decode()
    assert NotificationRule.objects.count() == 0


def test_one_broken_rule_does_not_stop_the_others(org_a, django_capture_on_commit_callbacks, caplog):
    requester = testing.make_member(org_a, "permit_requester")
    approver = testing.make_member(org_a, "approver")
    manager = testing.make_member(org_a, "safety_manager")
    _rule_unvalidated(org_a, roles=["approver"], title_template="{% if %}broken")  # saved before validation existed
    _rule_unvalidated(org_a, roles=["safety_manager"], title_template="Fine: {{ object.label }}")
    _submit(org_a, requester, django_capture_on_commit_callbacks)
    assert Notification.objects.get(user=manager).title == "Fine: Nacelle"
    # The broken rule's recipients are still told, with the event type's default text.
    assert Notification.objects.get(user=approver).title == "Inspection Nacelle submitted"
    assert "template failed" in caplog.text


def test_a_rule_failing_at_dispatch_is_logged_and_skipped(org_a, django_capture_on_commit_callbacks, caplog):
    requester = testing.make_member(org_a, "permit_requester")
    approver = testing.make_member(org_a, "approver")
    manager = testing.make_member(org_a, "safety_manager")
    first = _rule_unvalidated(org_a, roles=["approver"])
    _rule_unvalidated(org_a, roles=["safety_manager"])
    real = service.recipients_for

    def explode_for_first(rule, event):
        if rule.pk == first.pk:
            raise RuntimeError("boom")
        return real(rule, event)

    with mock.patch.object(service, "recipients_for", side_effect=explode_for_first):
        _submit(org_a, requester, django_capture_on_commit_callbacks)
    assert Notification.objects.filter(user=manager).count() == 1
    assert not Notification.objects.filter(user=approver).exists()
    assert "boom" in caplog.text


def test_rule_templates_are_compiled_once_per_version(org_a, django_capture_on_commit_callbacks):
    requester = testing.make_member(org_a, "permit_requester")
    for _ in range(3):
        testing.make_member(org_a, "approver")
    rule = _rule_unvalidated(org_a, roles=["approver"], title_template="T {{ object.label }}", message_template="M")
    service._compiled.clear()
    with mock.patch.object(service, "_compile", wraps=service._compile) as compile_spy:
        _submit(org_a, requester, django_capture_on_commit_callbacks, title="One")
        _submit(org_a, requester, django_capture_on_commit_callbacks, title="Two")
    assert compile_spy.call_count == 2  # title and message, once each for 6 notifications
    assert Notification.objects.filter(title="T Two").count() == 3
    rule.title_template = "New {{ object.label }}"
    rule.version += 1
    rule.save()
    _submit(org_a, requester, django_capture_on_commit_callbacks, title="Three")
    assert Notification.objects.filter(title="New Three").count() == 3
