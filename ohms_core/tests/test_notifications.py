"""Notifications: rules turn events into one notification per recipient, read through the
API and the admin inbox, each user seeing only their own."""
import itertools

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Event, Notification, NotificationPreference, NotificationRule
from ohms_core.services.notifications import notification_create
from ohms_core.tests.workflow_app.models import Inspection

pytestmark = pytest.mark.django_db
API = "/api/v1/notifications/"
INSPECTIONS = "/api/v1/testflow/inspections/"
SUBMITTED = "testflow.inspection.submitted"
PASSWORD = "pass-1234-word"
_seq = itertools.count(1)


def _note(user, org, *, read=False, title=None, link="", event_type="test.thing"):
    n = next(_seq)
    return Notification.objects.create(
        organization=org, user=user, event_type=event_type, title=title or f"Note {n}", link=link,
        dedupe_key=f"key-{n}", is_read=read, read_at=timezone.now() if read else None,
    )


def _rule(org, **kw):
    kw.setdefault("event_type", SUBMITTED)
    with acting_as(organization=org):
        return NotificationRule.objects.create(organization=org, **kw)


def _inspection(org, title="Échafaudage zone B", **kw):
    with acting_as(organization=org):
        return Inspection.objects.create(organization=org, title=title, checklist_done=True, **kw)


def _transition(client, inspection, name, capture, comment=""):
    with capture(execute=True):
        response = client.post(f"{INSPECTIONS}{inspection.pk}/transitions/{name}/", {"comment": comment}, format="json")
    assert response.status_code == 200, response.content
    return response


def _login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def requester(org_a):
    return testing.make_member(org_a, "permit_requester")


@pytest.fixture
def requester_client(requester, org_a):
    return testing.token_client(requester, org_a)


@pytest.fixture
def other_user(org_a):
    return testing.make_member(org_a, "approver")


# --- API: own notifications only ------------------------------------------------------------

def test_list_notifications_only_own(client_a, admin_a, other_user, org_a):
    mine = {str(_note(admin_a, org_a).pk), str(_note(admin_a, org_a, read=True).pk)}
    theirs = _note(other_user, org_a, title="Not for admin")
    response = client_a.get(API)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {row["id"] for row in body["results"]} == mine
    assert set(body["results"][0]) == {"id", "created_at", "is_read", "read_at", "event_type", "title", "message", "link", "metadata"}
    assert client_a.get(f"{API}{theirs.pk}/").status_code == 404
    assert client_a.get(f"{API}unread_count/").json() == {"unread": 1}


def test_mark_read_only_own(client_a, admin_a, other_user, org_a):
    mine = _note(admin_a, org_a)
    theirs = _note(other_user, org_a)
    response = client_a.post(f"{API}{mine.pk}/mark_read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True and response.json()["read_at"]
    mine.refresh_from_db()
    assert mine.is_read and mine.read_at is not None

    assert client_a.post(f"{API}{theirs.pk}/mark_read/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read and theirs.read_at is None


def test_mark_all_read_only_own(client_a, admin_a, other_user, org_a):
    for _ in range(3):
        _note(admin_a, org_a)
    _note(admin_a, org_a, read=True)
    theirs = _note(other_user, org_a)
    response = client_a.post(f"{API}mark_all_read/")
    assert response.status_code == 200
    assert response.json() == {"marked": 3, "unread": 0}
    assert not Notification.objects.filter(user=admin_a, is_read=False).exists()
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_unread_filter(client_a, admin_a, org_a):
    unread = {str(_note(admin_a, org_a).pk) for _ in range(2)}
    read = {str(_note(admin_a, org_a, read=True).pk)}
    assert {r["id"] for r in client_a.get(API, {"unread": "true"}).json()["results"]} == unread
    assert {r["id"] for r in client_a.get(API, {"unread": "false"}).json()["results"]} == read
    assert {r["id"] for r in client_a.get(API).json()["results"]} == unread | read


def test_api_requires_authentication():
    from rest_framework.test import APIClient

    assert APIClient().get(API).status_code in (401, 403)


def test_list_query_count_does_not_grow(client_a, admin_a, org_a):
    for _ in range(3):
        _note(admin_a, org_a)
    client_a.get(API)
    with CaptureQueriesContext(connection) as few:
        assert client_a.get(API).json()["count"] == 3
    for _ in range(17):
        _note(admin_a, org_a)
    with CaptureQueriesContext(connection) as many:
        assert client_a.get(API).json()["count"] == 20
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- Rules: from an event to recipients -----------------------------------------------------

def test_rule_notifies_each_approver_once(org_a, org_b, requester, requester_client, django_capture_on_commit_callbacks):
    approvers = [testing.make_member(org_a, "approver") for _ in range(2)]
    bystander = testing.make_member(org_a, "verifier")
    foreign_approver = testing.make_member(org_b, "approver")
    _rule(org_a, roles=["approver"])
    _rule(org_b, roles=["approver"])
    inspection = _inspection(org_a)

    _transition(requester_client, inspection, "submit", django_capture_on_commit_callbacks)

    event = Event.objects.get(type=SUBMITTED)
    assert event.dispatched_at is not None
    notes = Notification.objects.filter(event=event)
    assert sorted(n.user_id for n in notes) == sorted(u.pk for u in approvers)
    for note in notes:
        assert note.title == "Inspection Échafaudage zone B submitted"
        assert note.organization == org_a and note.event_type == SUBMITTED and not note.is_read
        assert note.link == f"/admin/testflow/inspections/edit/{inspection.pk}/"
        assert note.data["object_id"] == str(inspection.pk)
        assert note.data["event_data"]["to"] == "submitted"
    for user in (foreign_approver, bystander, requester):
        assert not Notification.objects.filter(user=user).exists()


def test_actor_is_notified_only_with_notify_actor(org_a, requester, requester_client, django_capture_on_commit_callbacks):
    colleague = testing.make_member(org_a, "permit_requester")
    rule = _rule(org_a, roles=["permit_requester"])
    first = _inspection(org_a, title="First")
    _transition(requester_client, first, "submit", django_capture_on_commit_callbacks)
    assert list(Notification.objects.values_list("user_id", flat=True)) == [colleague.pk]

    rule.notify_actor = True
    rule.save()
    second = _inspection(org_a, title="Second")
    _transition(requester_client, second, "submit", django_capture_on_commit_callbacks)
    assert sorted(Notification.objects.filter(data__object_id=str(second.pk)).values_list("user_id", flat=True)) == sorted(
        [colleague.pk, requester.pk])


def test_assignee_field_notifies_assigned_user(org_a, requester_client, django_capture_on_commit_callbacks):
    assigned = testing.make_member(org_a, "safety_manager")
    testing.make_member(org_a, "approver")
    _rule(org_a, assignee_fields="assigned_approver")
    inspection = _inspection(org_a, assigned_approver=assigned)
    _transition(requester_client, inspection, "submit", django_capture_on_commit_callbacks)
    assert list(Notification.objects.values_list("user_id", flat=True)) == [assigned.pk]


def test_same_event_same_object_same_day_is_deduplicated(org_a, client_a, requester_client, django_capture_on_commit_callbacks):
    approver = testing.make_member(org_a, "approver")
    _rule(org_a, roles=["approver"])
    inspection = _inspection(org_a)
    _transition(requester_client, inspection, "submit", django_capture_on_commit_callbacks)
    _transition(client_a, inspection, "reject", django_capture_on_commit_callbacks, comment="Harnais absents")
    _transition(requester_client, inspection, "reopen", django_capture_on_commit_callbacks)
    _transition(requester_client, inspection, "submit", django_capture_on_commit_callbacks)
    assert Event.objects.filter(type=SUBMITTED).count() == 2
    assert Notification.objects.filter(user=approver).count() == 1

    event = Event.objects.filter(type=SUBMITTED).first()
    again = notification_create(user=approver, event=event, title="again", message="")
    assert again is None
    assert Notification.objects.filter(user=approver).count() == 1
    other_object = _inspection(org_a, title="Other")
    with acting_as(organization=org_a):
        from ohms_core import events

        other_event = events.emit(SUBMITTED, other_object)
    assert notification_create(user=approver, event=other_event, title="other", message="") is not None


def test_french_template_for_french_users(org_a, requester_client, django_capture_on_commit_callbacks):
    from wagtail.users.models import UserProfile

    english = testing.make_member(org_a, "approver")
    french = testing.make_member(org_a, "approver")
    profile = UserProfile.get_for_user(french)
    profile.preferred_language = "fr"
    profile.save()
    _rule(org_a, roles=["approver"], title_template="To approve: {{ object.label }}", message_template="By {{ actor.name }}",
          title_template_fr="À approuver : {{ object.label }}", message_template_fr="Soumise ({{ data.to }})")
    inspection = _inspection(org_a, title="Nacelle")
    _transition(requester_client, inspection, "submit", django_capture_on_commit_callbacks)
    en = Notification.objects.get(user=english)
    fr = Notification.objects.get(user=french)
    assert (en.title, en.message) == ("To approve: Nacelle", f"By {Event.objects.get().actor.get_username()}")
    assert (fr.title, fr.message) == ("À approuver : Nacelle", "Soumise (submitted)")


def test_email_channel_respects_preference(org_a, requester_client, django_capture_on_commit_callbacks):
    wants_mail = testing.make_member(org_a, "approver")
    opted_out = testing.make_member(org_a, "approver")
    NotificationPreference.objects.create(user=opted_out, email_enabled=False)
    _rule(org_a, roles=["approver"], email=True)
    inspection = _inspection(org_a, title="Tranchée")
    mail.outbox.clear()
    _transition(requester_client, inspection, "submit", django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [wants_mail.email]
    assert message.subject == "Inspection Tranchée submitted"
    assert f"/admin/testflow/inspections/edit/{inspection.pk}/" in message.body
    assert Notification.objects.get(user=wants_mail).emailed_at is not None
    silent = Notification.objects.get(user=opted_out)  # still in the inbox, just not emailed
    assert silent.emailed_at is None and not silent.is_read


def test_email_only_rule_leaves_inbox_read(org_a, requester_client, django_capture_on_commit_callbacks):
    approver = testing.make_member(org_a, "approver")
    _rule(org_a, roles=["approver"], email=True, in_app=False)
    mail.outbox.clear()
    _transition(requester_client, _inspection(org_a), "submit", django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[approver.email]]
    assert Notification.objects.get(user=approver).is_read


def test_inactive_rule_and_disabled_notifications_create_nothing(org_a, requester_client, settings,
                                                                  django_capture_on_commit_callbacks):
    testing.make_member(org_a, "approver")
    rule = _rule(org_a, roles=["approver"], email=True, is_active=False)
    _transition(requester_client, _inspection(org_a, title="One"), "submit", django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 0

    rule.is_active = True
    rule.save()
    settings.NOTIFICATIONS_ENABLED = False
    mail.outbox.clear()
    _transition(requester_client, _inspection(org_a, title="Two"), "submit", django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 0 and mail.outbox == []
    assert Event.objects.filter(type=SUBMITTED, dispatched_at__isnull=False).count() == 2  # the bus still ran


# --- Admin: bell count and inbox ------------------------------------------------------------

def test_unread_count_json(admin_a, org_a):
    client = _login(admin_a)
    assert client.get("/admin/ohms/notifications/count/").json() == {"unread": 0, "badge": "0"}
    _note(admin_a, org_a)
    _note(admin_a, org_a)
    _note(admin_a, org_a, read=True)
    _note(testing.make_member(org_a, "approver"), org_a)
    assert client.get("/admin/ohms/notifications/count/").json() == {"unread": 2, "badge": "2"}
    Notification.objects.bulk_create([
        Notification(organization=org_a, user=admin_a, event_type="test.bulk", title=f"Bulk {i}", dedupe_key=f"bulk-{i}")
        for i in range(100)
    ])
    assert client.get("/admin/ohms/notifications/count/").json() == {"unread": 102, "badge": "99+"}


def test_unread_count_requires_login():
    response = Client().get("/admin/ohms/notifications/count/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_inbox_shows_own_and_filters_unread(admin_a, other_user, org_a):
    _note(admin_a, org_a, title="Mine unread")
    _note(admin_a, org_a, title="Mine already read", read=True)
    _note(other_user, org_a, title="Someone else's")
    client = _login(admin_a)
    body = client.get("/admin/ohms/notifications/").content.decode()
    assert "Mine unread" in body and "Mine already read" in body
    assert "Someone else&#x27;s" not in body and "Someone else's" not in body
    body = client.get("/admin/ohms/notifications/", {"tab": "unread"}).content.decode()
    assert "Mine unread" in body and "Mine already read" not in body


def test_admin_mark_all_read_only_own(admin_a, other_user, org_a):
    mine = [_note(admin_a, org_a) for _ in range(2)]
    theirs = _note(other_user, org_a)
    response = _login(admin_a).post("/admin/ohms/notifications/mark-all-read/")
    assert response.status_code == 302
    assert all(Notification.objects.get(pk=n.pk).is_read for n in mine)
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_admin_open_marks_read_and_redirects(admin_a, other_user, org_a):
    inspection = _inspection(org_a)
    link = f"/admin/testflow/inspections/edit/{inspection.pk}/"
    mine = _note(admin_a, org_a, link=link)
    theirs = _note(other_user, org_a, link=link)
    client = _login(admin_a)
    response = client.get(f"/admin/ohms/notifications/{mine.pk}/")
    assert response.status_code == 302 and response["Location"] == link
    mine.refresh_from_db()
    assert mine.is_read and mine.read_at is not None
    assert client.get(link).status_code == 200

    assert client.get(f"/admin/ohms/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/admin/ohms/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read

    offsite = _note(admin_a, org_a, link="https://evil.example/phish")
    response = client.get(f"/admin/ohms/notifications/{offsite.pk}/")
    assert response.status_code == 302 and response["Location"] == "/admin/ohms/notifications/"
