"""SPEC 2.8 escalations: rules, the hourly job, cooldown, idempotence, cross-organization, the
management command, and the escalation-rule REST and admin screens."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ohms_core import testing
from ohms_core.jobs import get_job, run_job
from ohms_core.models import Event, JobRun, Notification

from ..models import EscalationRule, Permit, WorkflowStep
from ..services.escalations import escalation_level, escalations_check, rule_for
from .factories import PtwWorld

pytestmark = pytest.mark.django_db
ESCALATED = "ptw.permit.escalated"
enabled = override_settings(ESCALATIONS_ENABLED=True)


def _pending(w, *, hours_ago: float, **overrides):
    """A permit waiting for verification since ``hours_ago`` hours."""
    pid = w.create_permit(**overrides)["id"]
    assert w.client(w.requester).post(f"/api/v1/ptw/permits/{pid}/workflow/initiate/", {}, format="json").status_code == 200
    step = WorkflowStep.objects.get(workflow__permit_id=pid, status="pending")
    WorkflowStep.objects.filter(pk=step.pk).update(assigned_at=timezone.now() - timedelta(hours=hours_ago), due_at=None)
    return Permit.objects.get(pk=pid), WorkflowStep.objects.get(pk=step.pk)


def _rule(w, **fields):
    data = {"organization": w.org, "time_limit_hours": 2, "escalate_to_role": "safety_manager", "is_active": True, **fields}
    return EscalationRule.objects.create(**data)


def _escalations(user=None):
    qs = Notification.objects.filter(event_type=ESCALATED)
    return qs.filter(user=user) if user is not None else qs


@pytest.fixture
def manager(w):
    return testing.make_member(w.org, "safety_manager")


# --- pure helpers -------------------------------------------------------------------------
def test_rule_for_picks_the_most_specific_active_rule():
    def rule(permit_type_id, step_type):
        return EscalationRule(permit_type_id=permit_type_id, step_type=step_type, time_limit_hours=1)

    catch_all, by_step, by_type, exact = rule(None, ""), rule(None, "approval"), rule(7, ""), rule(7, "approval")
    rules = [catch_all, by_step, by_type, exact]
    assert rule_for(rules, permit_type_id=7, step_type="approval") is exact
    assert rule_for(rules, permit_type_id=7, step_type="verification") is by_type
    assert rule_for(rules, permit_type_id=8, step_type="approval") is by_step
    assert rule_for(rules, permit_type_id=8, step_type="verification") is catch_all
    assert rule_for([exact], permit_type_id=8, step_type="approval") is None


def test_escalation_level_thresholds():
    now = timezone.now()
    step = WorkflowStep(assigned_at=now - timedelta(hours=3))
    assert escalation_level(step=step, limit=timedelta(hours=4), now=now) == 0
    assert escalation_level(step=step, limit=timedelta(hours=2), now=now) == 1
    assert escalation_level(step=step, limit=timedelta(hours=1), now=now) == 2


def test_rule_is_inactive_by_default(w):
    assert EscalationRule.objects.create(organization=w.org, time_limit_hours=3).is_active is False


# --- the engine ---------------------------------------------------------------------------
def test_escalations_do_nothing_unless_enabled(w, manager, django_capture_on_commit_callbacks):
    _rule(w)
    _pending(w, hours_ago=5)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_job("ptw_check_overdue_workflow_tasks")
    assert run.success and run.items_processed == 0
    assert not Event.objects.filter(type=ESCALATED).exists()


@enabled
def test_escalation_task_notifies_once_the_threshold_is_passed(w, manager, django_capture_on_commit_callbacks):
    _rule(w, time_limit_hours=2)
    late, late_step = _pending(w, hours_ago=3)
    on_time, _ = _pending(w, hours_ago=1.5)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_job("ptw_check_overdue_workflow_tasks")
    assert run.success and run.items_processed == 1
    assert _escalations(manager).count() == 1
    notification = _escalations(manager).get()
    assert notification.data["object_id"] == str(late.pk) and late.permit_number in notification.title
    late_step.refresh_from_db()
    late.refresh_from_db()
    assert late_step.escalated_at is not None and late.escalated_at is not None
    assert Permit.objects.get(pk=on_time.pk).escalated_at is None
    assert not _escalations(w.admin).exists()  # level 2 only past twice the limit


@enabled
def test_running_the_escalation_task_twice_creates_no_duplicates(w, manager, django_capture_on_commit_callbacks):
    _rule(w, time_limit_hours=2)
    _pending(w, hours_ago=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job("ptw_check_overdue_workflow_tasks").items_processed == 1
    with django_capture_on_commit_callbacks(execute=True):
        second = run_job("ptw_check_overdue_workflow_tasks")
    assert second.success and second.items_processed == 0
    assert Event.objects.filter(type=ESCALATED).count() == 1
    assert _escalations().count() == 1
    assert JobRun.objects.filter(name="ptw_check_overdue_workflow_tasks").count() == 2


@enabled
def test_cooldown_then_level_two_goes_to_the_admins(w, manager, django_capture_on_commit_callbacks):
    _rule(w, time_limit_hours=2)
    _, step = _pending(w, hours_ago=3)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_check(now=now).escalated == 1
    # one hour later: still level 1, within the cooldown -> nothing
    with django_capture_on_commit_callbacks(execute=True):
        result = escalations_check(now=now + timedelta(hours=0.5))
    assert result.escalated == 0 and result.skipped_cooldown == 1
    # past twice the limit (4 h waited): the admins are told once, despite the cooldown
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_check(now=now + timedelta(hours=1.5)).escalated == 1
    assert _escalations(w.admin).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_check(now=now + timedelta(hours=2)).escalated == 0
    # after the cooldown a still-pending step is escalated again
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_check(now=now + timedelta(hours=30)).escalated == 1


@enabled
def test_fallback_is_four_hours_without_an_active_rule(w, manager, django_capture_on_commit_callbacks):
    _rule(w, time_limit_hours=1, is_active=False)  # inactive: ignored
    _pending(w, hours_ago=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_check().escalated == 0
    _pending(w, hours_ago=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_check().escalated == 1
    assert _escalations(manager).count() == 1  # fallback role: safety manager


@enabled
def test_rules_of_one_organization_never_fire_for_another(w, manager, django_capture_on_commit_callbacks):
    other = PtwWorld(code="OTH")
    other_manager = testing.make_member(other.org, "safety_manager")
    _rule(w, time_limit_hours=1)  # org A: 1 hour
    _pending(w, hours_ago=2)
    _, other_step = _pending(other, hours_ago=2)  # org B: no rule -> 4 h fallback
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_check().escalated == 1
    assert _escalations(manager).count() == 1
    assert not _escalations(other_manager).exists()
    assert WorkflowStep.objects.get(pk=other_step.pk).escalated_at is None
    assert not Notification.objects.filter(organization=other.org, event_type=ESCALATED).exists()


@enabled
def test_escalation_reaches_only_members_of_the_permits_project(w, manager, django_capture_on_commit_callbacks):
    elsewhere = testing.make_member(w.org, "safety_manager", projects=[w.other_project])
    here = testing.make_member(w.org, "safety_manager", projects=[w.project])
    _rule(w, time_limit_hours=1)
    _pending(w, hours_ago=2)
    with django_capture_on_commit_callbacks(execute=True):
        escalations_check()
    assert _escalations(here).count() == 1 and _escalations(manager).count() == 1
    assert not _escalations(elsewhere).exists()


@enabled
def test_rule_per_permit_type_and_step(w, manager, django_capture_on_commit_callbacks):
    _rule(w, time_limit_hours=10, escalate_to_role="org_admin")
    _rule(w, time_limit_hours=1, permit_type=w.permit_type, step_type="verification", escalate_to_role="safety_manager")
    _pending(w, hours_ago=1.5)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_check().escalated == 1
    assert _escalations(manager).count() == 1 and not _escalations(w.admin).exists()


@enabled
def test_email_method_sends_mail(w, manager, django_capture_on_commit_callbacks, mailoutbox):
    _rule(w, time_limit_hours=1, method="in_app_email")
    _pending(w, hours_ago=1.5)
    with django_capture_on_commit_callbacks(execute=True):
        escalations_check()
    assert [m.to for m in mailoutbox if "Escalation" in m.subject] == [[manager.email]]


def test_job_schedules_are_the_spec_ones():
    assert get_job("ptw_check_overdue_workflow_tasks").schedule_label == "hourly"
    assert str(get_job("ptw_auto_expire_permits").schedule_label) == "every 10 minutes"
    assert get_job("ptw_check_pending_closeout_and_isolation") and get_job("ptw_check_expiring_permits")


# --- management command -------------------------------------------------------------------
@enabled
def test_ptw_check_escalations_command(w, manager, django_capture_on_commit_callbacks):
    _rule(w, time_limit_hours=1)
    permit, _ = _pending(w, hours_ago=2)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ptw_check_escalations", stdout=out)
    text = out.getvalue()
    assert permit.permit_number in text and "1 escalated" in text
    run = JobRun.objects.get(name="ptw_check_overdue_workflow_tasks", trigger="manual")
    assert run.success and run.items_processed == 1
    out = io.StringIO()
    call_command("ptw_check_escalations", stdout=out)
    assert "0 escalated" in out.getvalue()


def test_ptw_check_escalations_command_when_disabled(w):
    out = io.StringIO()
    call_command("ptw_check_escalations", stdout=out)
    assert "disabled" in out.getvalue()


# --- REST ---------------------------------------------------------------------------------
URL = "/api/v1/ptw/escalation-rules/"


def test_rest_crud_for_configurators(w):
    client = w.client(w.admin)
    r = client.post(URL, {"permit_type": str(w.permit_type.pk), "step_type": "approval", "time_limit_hours": 6,
                          "escalate_to_role": "safety_manager"}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["is_active"] is False and r.json()["method"] == "in_app"
    rid = r.json()["id"]
    r = client.patch(f"{URL}{rid}/", {"is_active": True, "version": 1}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is True
    r = client.patch(f"{URL}{rid}/", {"time_limit_hours": 3, "version": 1}, format="json")
    assert r.status_code == 409
    assert client.get(URL).json()["count"] == 1
    assert client.delete(f"{URL}{rid}/").status_code == 204


@pytest.mark.parametrize("body,field", [
    ({"time_limit_hours": 0, "escalate_to_role": "safety_manager"}, "time_limit_hours"),
    ({"time_limit_hours": 2, "escalate_to_role": "king"}, "escalate_to_role"),
    ({"time_limit_hours": 2, "step_type": "closeout"}, "step_type"),
    ({"time_limit_hours": "x"}, "time_limit_hours"),
])
def test_rest_bad_input_is_a_400_with_field_errors(w, body, field):
    r = w.client(w.admin).post(URL, body, format="json")
    assert r.status_code == 400 and field in r.json().get("errors", r.json()), r.json()


def test_rest_roles(w):
    assert w.client(w.requester).get(URL).status_code == 200
    r = w.client(w.requester).post(URL, {"time_limit_hours": 2}, format="json")
    assert r.status_code == 403


def test_rest_other_organization_is_404(w):
    other = PtwWorld(code="OTH")
    rule = _rule(other)
    client = w.client(w.admin)
    assert client.get(f"{URL}{rule.pk}/").status_code == 404
    assert client.get(URL).json()["count"] == 0
    r = client.post(URL, {"permit_type": str(other.permit_type.pk), "time_limit_hours": 2}, format="json")
    assert r.status_code == 400


def test_rest_list_query_count_does_not_grow(w, django_assert_max_num_queries):
    client = w.client(w.admin)
    _rule(w)
    client.get(URL)
    with django_assert_max_num_queries(12) as ctx:
        client.get(URL)
    baseline = len(ctx.captured_queries)
    for hours in range(3, 13):
        _rule(w, time_limit_hours=hours, permit_type=w.permit_type)
    with django_assert_max_num_queries(baseline):
        assert client.get(URL).json()["count"] == 11


# --- admin --------------------------------------------------------------------------------
def test_admin_lists_and_creates_escalation_rules(w, client):
    client.force_login(w.admin)
    _rule(w)
    r = client.get("/admin/ptw/escalation-rules/")
    assert r.status_code == 200 and b"Escalation rules" in r.content
    r = client.post("/admin/ptw/escalation-rules/new/", {"permit_type": str(w.permit_type.pk), "step_type": "approval",
                                                          "time_limit_hours": "5", "escalate_to_role": "org_admin",
                                                          "method": "in_app"})
    assert r.status_code == 302, r.content[:300]
    created = EscalationRule.objects.get(time_limit_hours=5)
    assert created.organization == w.org and created.is_active is False
    client.force_login(w.requester)
    assert client.get("/admin/ptw/escalation-rules/new/").status_code in (302, 403)
