"""SPEC 2.8 notifications: default rules from onboarding, the permit's people told at each step,
closeout / isolation / expiry events through the core event bus (in-app, e-mail by preference)."""
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ohms_core import events, testing
from ohms_core.jobs import run_job
from ohms_core.models import (
    Event,
    JobRun,
    Notification,
    NotificationPreference,
    NotificationRule,
    Organization,
)
from ohms_core.services.records import record_soft_delete
from ohms_core.services.tenancy import organization_get_or_create, organization_setup_run

from ..models import CloseoutChecklistTemplate, Permit, PermitType, RiskMatrix
from ..services.closeout import closeout_complete, closeout_update
from ..services.onboarding import DEFAULT_NOTIFICATION_RULES, notification_rules_load_defaults
from ..services.reminders import permits_notify_expiring_soon, permits_remind_closeout_and_isolation
from .factories import PtwWorld
from .helpers import approve, orm_gas, orm_point, point_action, purl, to_active, to_pending_approval

pytestmark = pytest.mark.django_db

PTW_TYPES = ("hot-work", "confined-space", "electrical-isolation", "work-at-height", "excavation")


def _notified(user, event_type=None):
    qs = Notification.objects.filter(user=user)
    return qs.filter(event_type=event_type) if event_type else qs


def _bootstrap(code="KCC"):
    out = io.StringIO()
    roles = ("org_admin", "permit_requester", "verifier", "approver", "issuer", "area_incharge")
    call_command("ohms_bootstrap", "--org", code, "--name", f"Org {code}", "--project", "Concentrateur", "--json",
                 *[f"--user={role}@{code.lower()}.cd:{role}" for role in roles], stdout=out)
    result = json.loads(out.getvalue())
    users = {u["role"]: get_user_model().objects.get(pk=u["id"]) for u in result["users"]}
    return Organization.objects.get(code=code), users, result["project"]["id"]


# --- onboarding ---------------------------------------------------------------------------
def test_bootstrap_gives_a_new_organization_types_matrix_templates_and_rules():
    organization, _, _ = _bootstrap()
    assert set(PermitType.objects.filter(organization=organization).values_list("code", flat=True)) == set(PTW_TYPES)
    assert RiskMatrix.objects.filter(organization=organization, is_default=True).count() == 1
    assert CloseoutChecklistTemplate.objects.filter(organization=organization).count() == 5
    rules = NotificationRule.objects.filter(organization=organization)
    assert rules.count() == len(DEFAULT_NOTIFICATION_RULES)
    assert rules.get(event_type="ptw.permit.verified").assignee_fields == "approver,created_by"


def test_onboarding_is_idempotent_and_keeps_an_admins_edits():
    organization, _, _ = _bootstrap()
    rule = NotificationRule.objects.get(organization=organization, event_type="ptw.permit.approved")
    rule.assignee_fields = "created_by"
    rule.save()
    record_soft_delete(instance=NotificationRule.objects.get(organization=organization, event_type="ptw.permit.rejected"))
    _bootstrap()  # a second run of the command
    organization_setup_run(organization=organization)  # and of the hook itself
    assert PermitType.objects.filter(organization=organization).count() == 5
    assert RiskMatrix.objects.filter(organization=organization).count() == 1
    assert CloseoutChecklistTemplate.objects.filter(organization=organization).count() == 5
    assert NotificationRule.all_objects.filter(organization=organization).count() == len(DEFAULT_NOTIFICATION_RULES)
    assert NotificationRule.objects.get(organization=organization, event_type="ptw.permit.approved").assignee_fields == "created_by"


def test_organization_get_or_create_runs_the_setup_once_only_for_a_new_organization():
    organization, created = organization_get_or_create(code="new", name="New")
    assert created and PermitType.objects.filter(organization=organization).count() == 5
    existing = testing.make_organization("OLD")  # made outside the service: nothing added behind its back
    assert organization_get_or_create(code="OLD", name="Old") == (existing, False)
    assert not PermitType.objects.filter(organization=existing).exists()


def test_admin_created_organization_is_set_up(client):
    home = testing.make_organization("HOME")
    superuser = testing.make_member(home, "org_admin")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    client.force_login(superuser)
    response = client.post("/admin/core/organizations/new/", {"name": "Admin Org", "code": "ADM", "country": "CD",
                                                              "is_active": "on"})
    assert response.status_code == 302, response.content[:500]
    organization = Organization.objects.filter(code="ADM").first()
    assert organization is not None, response.url
    assert PermitType.objects.filter(organization=organization).count() == 5
    assert NotificationRule.objects.filter(organization=organization).count() == len(DEFAULT_NOTIFICATION_RULES)


def test_rules_are_created_for_each_organization_separately():
    a, b = testing.make_organization("A1"), testing.make_organization("B1")
    notification_rules_load_defaults(organization=a)
    assert NotificationRule.objects.filter(organization=a).count() == len(DEFAULT_NOTIFICATION_RULES)
    assert not NotificationRule.objects.filter(organization=b).exists()


# --- a fresh organization, a permit walked through its workflow -------------------------
def test_bootstrapped_organization_notifies_each_person_at_each_step(django_capture_on_commit_callbacks):
    organization, users, project_id = _bootstrap()
    requester, verifier, approver = users["permit_requester"], users["verifier"], users["approver"]
    issuer, area = users["issuer"], users["area_incharge"]
    permit_type = PermitType.objects.get(organization=organization, code="work-at-height")
    start = timezone.now() + timedelta(minutes=5)
    payload = {
        "title": "Inspection passerelle", "permit_type": str(permit_type.pk), "project": project_id,
        "location": "Épaississeur", "planned_start_time": start.isoformat(),
        "planned_end_time": (start + timedelta(hours=6)).isoformat(), "priority": "medium", "likelihood": 2, "severity": 3,
        "ppe_requirements": list(permit_type.mandatory_ppe),
        "safety_checklist": {i["key"]: True for i in permit_type.safety_checklist_items},
        "verifier": verifier.pk, "approver": approver.pk, "issuer": issuer.pk, "area_incharge": area.pk,
        "risk_assessment": "Analyse jointe", "control_measures": "Balisage",
    }
    client = {u.pk: testing.token_client(u, organization) for u in users.values()}

    def step(user, path, body):
        with django_capture_on_commit_callbacks(execute=True):
            response = client[user.pk].post(path, body, format="json")
        assert response.status_code in (200, 201), response.json()
        return response.json()

    pid = step(requester, "/api/v1/ptw/permits/", payload)["id"]
    step(requester, purl(pid, "update_status"), {"status": "submitted"})
    assert not _notified(requester).exists()  # the actor is not told what they did
    step(requester, purl(pid, "workflow/initiate"), {})
    assert _notified(verifier, "ptw.permit.workflow_initiated").count() == 1
    assert not _notified(approver).exists()
    step(verifier, purl(pid, "workflow/verify"), {"decision": "approve"})
    assert _notified(approver, "ptw.permit.verified").count() == 1
    assert _notified(requester, "ptw.permit.verified").count() == 1
    step(approver, purl(pid, "workflow/approve"), {"decision": "approve"})
    for person in (issuer, area, requester, verifier):
        assert _notified(person, "ptw.permit.approved").count() == 1
    step(issuer, purl(pid, "update_status"), {"status": "active"})
    assert _notified(area, "ptw.permit.activated").count() == 1
    assert _notified(area, "ptw.permit.closeout_required").count() == 1  # a closeout template applies
    assert _notified(requester, "ptw.permit.closeout_required").count() == 1
    assert not _notified(issuer, "ptw.permit.activated").exists()  # issuer acted
    notification = _notified(verifier, "ptw.permit.workflow_initiated").get()
    assert notification.data["object_id"] == pid and notification.link.startswith("/admin/")
    # e-mail by preference: default rules e-mail, a member who opted out gets none
    assert any(verifier.email in m.to for m in mail.outbox)


def test_email_follows_the_recipients_preference(w, django_capture_on_commit_callbacks):
    notification_rules_load_defaults(organization=w.org)
    NotificationPreference.objects.create(user=w.verifier, email_enabled=False)
    pid = w.create_permit()["id"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert w.client(w.requester).post(purl(pid, "workflow/initiate"), {}, format="json").status_code == 200
    assert _notified(w.verifier, "ptw.permit.workflow_initiated").count() == 1  # in-app still
    assert not any(w.verifier.email in m.to for m in mail.outbox)


# --- SPEC 2.8 seed tests ------------------------------------------------------------------
def test_notifications_created_on_workflow_initiation_and_verifier_assignment(w, django_capture_on_commit_callbacks):
    notification_rules_load_defaults(organization=w.org)
    other = testing.make_member(w.org, "verifier")
    pid = w.create_permit()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        r = w.client(w.requester).post(purl(pid, "workflow/initiate"), {"verifier": other.pk}, format="json")
    assert r.status_code == 200, r.json()
    assert _notified(other, "ptw.permit.verifier_assigned").count() == 1
    assert _notified(other, "ptw.permit.workflow_initiated").count() == 1


def test_approval_required_notification_goes_to_the_approver(w, django_capture_on_commit_callbacks):
    notification_rules_load_defaults(organization=w.org)
    pid = w.create_permit()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        to_pending_approval(w, pid)
    assert _notified(w.approver, "ptw.permit.verified").count() == 1
    assert not _notified(w.issuer, "ptw.permit.verified").exists()


def test_mark_read_endpoints_work(w, django_capture_on_commit_callbacks):
    notification_rules_load_defaults(organization=w.org)
    pid = w.create_permit()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        to_pending_approval(w, pid)
    client = w.client(w.approver)
    notification = _notified(w.approver).first()
    assert client.get("/api/v1/notifications/unread_count/").json()["unread"] >= 1
    r = client.post(f"/api/v1/notifications/{notification.pk}/mark_read/")
    assert r.status_code == 200 and r.json()["is_read"] is True
    assert w.client(w.verifier).post(f"/api/v1/notifications/{notification.pk}/mark_read/").status_code == 404
    r = client.post("/api/v1/notifications/mark_all_read/")
    assert r.status_code == 200 and r.json()["unread"] == 0


def test_auto_expiry_notifies(w, django_capture_on_commit_callbacks):
    notification_rules_load_defaults(organization=w.org)
    pid = w.create_permit()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        to_active(w, pid)
    Permit.objects.filter(pk=pid).update(planned_end_time=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        run = run_job("ptw_auto_expire_permits")
    assert run.success and run.items_processed == 1
    for person in (w.requester, w.issuer, w.area):
        assert _notified(person, "ptw.permit.expired").count() == 1
    assert JobRun.objects.filter(name="ptw_auto_expire_permits", success=True).count() == 1


def test_closeout_completion_emits_its_event(w, django_capture_on_commit_callbacks):
    notification_rules_load_defaults(organization=w.org)
    pid = w.create_permit()["id"]
    point_id = to_active(w, pid)
    assert point_action(w, pid, point_id, "deisolate", deisolated_notes="ok").status_code == 200
    permit = Permit.objects.get(pk=pid)
    closeout_update(permit=permit, user=w.issuer, checklist={"tools_removed": True, "area_clean": True})
    with django_capture_on_commit_callbacks(execute=True):
        closeout_complete(permit=permit, user=w.issuer)
    assert Event.objects.filter(type="ptw.permit.closeout_completed", object_id=pid).count() == 1
    assert _notified(w.area, "ptw.permit.closeout_completed").count() == 1
    assert _notified(w.requester, "ptw.permit.closeout_completed").count() == 1


def test_ptw_event_types_are_registered():
    for name in ("ptw.permit.closeout_required", "ptw.permit.closeout_completed", "ptw.permit.isolation_pending",
                 "ptw.permit.escalated", "ptw.permit.expiring_soon", "ptw.permit.created", "ptw.permit.verifier_assigned",
                 "ptw.permit.approver_assigned", "ptw.permit.workflow_initiated", "ptw.permit.approved",
                 "ptw.permit.rejected", "ptw.permit.expired"):
        assert events.event_type(name) is not None, name
    isolation = [t.name for t in events.event_types() if t.name.startswith("ptw.permitisolationpoint.")]
    assert len(isolation) >= 3  # isolate / verify / de-isolate (derived from the point's state machine)
    for event_type, _roles, _fields in DEFAULT_NOTIFICATION_RULES:
        assert events.event_type(event_type) is not None, event_type


# --- reminders (jobs) ---------------------------------------------------------------------
def test_isolation_reminder_goes_to_isolation_roles_once(w, django_capture_on_commit_callbacks):
    notification_rules_load_defaults(organization=w.org)
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    point = orm_point(w, pid, status="assigned", library_point=w.point)
    type(point).objects.filter(pk=point.pk).update(created_at=timezone.now() - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        run = run_job("ptw_check_pending_closeout_and_isolation")
    assert run.success and run.items_processed == 1
    assert _notified(w.issuer, "ptw.permit.isolation_pending").count() == 1
    assert _notified(w.area, "ptw.permit.isolation_pending").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert permits_remind_closeout_and_isolation() == 0  # cooldown: nothing new
    assert Event.objects.filter(type="ptw.permit.isolation_pending").count() == 1


def test_closeout_reminder_and_expiring_soon_for_an_active_permit_near_its_end(w, django_capture_on_commit_callbacks):
    notification_rules_load_defaults(organization=w.org)
    pid = w.create_permit()["id"]
    to_active(w, pid)
    Permit.objects.filter(pk=pid).update(planned_end_time=timezone.now() + timedelta(hours=1))
    Event.objects.filter(type="ptw.permit.closeout_required").delete()  # the activation's own
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job("ptw_check_pending_closeout_and_isolation").items_processed == 1
        assert run_job("ptw_check_expiring_permits").items_processed == 1
    assert _notified(w.issuer, "ptw.permit.expiring_soon").count() == 1
    assert _notified(w.issuer, "ptw.permit.closeout_required").count() == 1
    assert permits_notify_expiring_soon() == 0 and permits_remind_closeout_and_isolation() == 0


def test_reminders_of_one_organization_do_not_reach_another(w, django_capture_on_commit_callbacks):
    other = PtwWorld(code="OTH")
    notification_rules_load_defaults(organization=w.org)
    notification_rules_load_defaults(organization=other.org)
    pid = w.create_permit()["id"]
    to_active(w, pid)
    Permit.objects.filter(pk=pid).update(planned_end_time=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        permits_notify_expiring_soon()
    assert _notified(w.issuer, "ptw.permit.expiring_soon").count() == 1
    assert not Notification.objects.filter(organization=other.org).exists()


def test_permit_without_closeout_template_gets_no_closeout_required(plain, django_capture_on_commit_callbacks):
    CloseoutChecklistTemplate.objects.filter(organization=plain.org).delete()
    notification_rules_load_defaults(organization=plain.org)
    pid = plain.create_permit()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        to_active(plain, pid, gas=False, point=False)
    assert Permit.objects.get(pk=pid).status == "active"
    assert not Event.objects.filter(type="ptw.permit.closeout_required").exists()


def test_approve_blocked_by_isolation_tells_the_isolation_roles_once(w, django_capture_on_commit_callbacks):
    notification_rules_load_defaults(organization=w.org)
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    orm_gas(w, pid)
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            r = approve(w, pid)
        assert r.status_code == 400 and "isolation" in r.json()["errors"]
    assert Event.objects.filter(type="ptw.permit.isolation_pending", object_id=pid).count() == 1
    assert _notified(w.issuer, "ptw.permit.isolation_pending").count() == 1
    assert _notified(w.area, "ptw.permit.isolation_pending").count() == 1
    assert Permit.objects.get(pk=pid).status == "pending_approval"
