"""SPEC 2.4 task console ("My tasks", /admin/ptw/tasks/): the groups, what is never shown,
overdue by the KPI SLA, filters kept in the URL, the quick view, the quick actions calling
the workflow service, and a query count that does not grow with the rows."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ohms_core import testing

from ..models import Permit, PermitIsolationPoint, WorkflowInstance, WorkflowStep
from .factories import PtwWorld
from .helpers import purl, status_of
from .test_kpis import make

pytestmark = pytest.mark.django_db

URL = "/admin/ptw/tasks/"


@pytest.fixture
def other(db):
    return PtwWorld(code="OTH")


def task(w, step_type="verification", *, assignee=None, assigned_at=None, escalated_at=None, **fields) -> WorkflowStep:
    """A permit waiting at one step (written straight to the tables: the console only reads them)."""
    now = timezone.now()
    status = "pending_verification" if step_type == "verification" else "pending_approval"
    clock = {"submitted_at": now} if step_type == "verification" else {"submitted_at": now, "verified_at": now}
    permit = make(w, status, verifier=w.verifier, approver=w.approver, issuer=w.issuer, created_by=w.requester,
                  ppe_requirements=["Casque", "Harnais"], safety_checklist={"area_barricaded": True},
                  **{**clock, **fields})
    instance = WorkflowInstance.objects.create(organization=w.org, permit=permit, started_at=now)
    step = WorkflowStep.objects.create(
        organization=w.org, workflow=instance, step_type=step_type, assigned_at=assigned_at or now,
        assignee=assignee or (w.verifier if step_type == "verification" else w.approver),
        due_at=(assigned_at or now) + timedelta(hours=4), escalated_at=escalated_at)
    WorkflowInstance.objects.filter(pk=instance.pk).update(current_step=step)
    return step


def page(client, user, status=200, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def groups(body: str) -> dict[str, list[str]]:
    """Permit numbers per group section, in page order."""
    found = {}
    for key, section in re.findall(r'<section class="ptw-tasks__group" data-group="(\w+)">(.*?)</section>', body, re.S):
        found[key] = re.findall(r'<tr class="ptw-task" data-task="[^"]+" data-permit="([^"]+)"', section)
    return found


def numbers(body: str) -> set[str]:
    return {n for rows in groups(body).values() for n in rows}


def decide(client, user, step, decision="approve", comment="", **extra):
    client.force_login(user)
    response = client.post(reverse("ohms_ptw_task_decide", args=[step.pk]),
                           {"decision": decision, "comment": comment, "next": URL + "?group=verification", **extra})
    return response, [str(m) for m in get_messages(response.wsgi_request)]


# --- the list ------------------------------------------------------------------------
def test_groups_hold_the_right_steps(plain, client):
    now = timezone.now()
    mine = task(plain, "verification", title="Soudure trémie")
    late = task(plain, "verification", submitted_at=now - timedelta(hours=5), assigned_at=now - timedelta(hours=5))
    escalated = task(plain, "verification", escalated_at=now)
    approval = task(plain, "approval")
    body = page(client, plain.verifier)
    assert groups(body) == {"overdue": [late.workflow.permit.permit_number, escalated.workflow.permit.permit_number],
                            "verification": [mine.workflow.permit.permit_number], "approval": []}
    # Each row: the permit screen link, title, status, project, risk, age and due time, the escalated badge.
    assert reverse("ptw_permit:inspect", args=[mine.workflow.permit.pk]) in body
    assert "Soudure trémie" in body and "Concentrateur" in body
    assert 'data-age-hours="5"' in body and body.count("data-escalated") == 1 and body.count("data-overdue") == 1
    assert 'data-task-total="3"' in body

    body = page(client, plain.approver)
    assert groups(body) == {"overdue": [], "verification": [], "approval": [approval.workflow.permit.permit_number]}


def test_other_users_and_other_organizations_are_never_shown(plain, other, client):
    second_verifier = testing.make_member(plain.org, "verifier")
    mine = task(plain)
    theirs = task(plain, assignee=second_verifier)
    foreign = task(other)
    own, colleague, far = (s.workflow.permit.permit_number for s in (mine, theirs, foreign))
    assert numbers(page(client, plain.verifier)) == {own}
    assert numbers(page(client, second_verifier)) == {colleague}
    assert numbers(page(client, other.verifier)) == {far}
    # A verifier may not widen the view: the scope choice is refused (400), still their own steps only.
    body = page(client, plain.verifier, status=400, scope="projects")
    assert numbers(body) == {own} and "data-filter-errors" in body
    # An org admin sees every pending step of the organization, never the other one's.
    assert numbers(page(client, plain.admin)) == set()
    body = page(client, plain.admin, scope="projects")
    assert numbers(body) == {own, colleague} and far not in body
    # A member limited to one project does not see the other project's steps.
    elsewhere = task(plain, project=plain.other_project, assignee=second_verifier)
    limited = testing.make_member(plain.org, "safety_manager", projects=[plain.project])
    body = page(client, limited, scope="projects")
    assert numbers(body) == {own, colleague} and elsewhere.workflow.permit.permit_number not in body


def test_done_or_stale_steps_are_not_tasks(plain, client):
    done = task(plain)
    WorkflowStep.objects.filter(pk=done.pk).update(status="approved")
    moved_on = task(plain)
    WorkflowInstance.objects.filter(pk=moved_on.workflow_id).update(current_step=None)
    assert numbers(page(client, plain.verifier)) == set()


def test_overdue_follows_the_kpi_sla(plain, client, settings):
    now = timezone.now()
    step = task(plain, submitted_at=now - timedelta(hours=3), assigned_at=now - timedelta(hours=3))
    number = step.workflow.permit.permit_number
    assert groups(page(client, plain.verifier))["verification"] == [number]  # 3 h < 4 h default
    settings.PTW_VERIFICATION_SLA_HOURS = 2
    body = page(client, plain.verifier)
    assert groups(body)["overdue"] == [number]
    # The due time is the KPI clock (submission) plus the SLA, in the local time zone.
    due = timezone.localtime(step.workflow.permit.submitted_at + timedelta(hours=2))
    assert f'datetime="{due.isoformat()}"' in unescape(body)
    # The dashboard counts the same permit as overdue.
    plain.client(plain.admin)
    client.force_login(plain.admin)
    kpis = plain.client(plain.admin).get("/api/v1/ptw/permits/kpis/").json()
    assert kpis["overdue"]["pending_verification"] == 1


def test_filters_live_in_the_url_and_narrow_the_list(plain, client):
    now = timezone.now()
    a = task(plain, title="Soudure trémie")
    b = task(plain, title="Entrée cuve", submitted_at=now - timedelta(hours=9))
    c = task(plain, title="Consignation", escalated_at=now)
    d = task(plain, "approval", assignee=plain.verifier, title="Approbation")
    na, nb, nc, nd = (s.workflow.permit.permit_number for s in (a, b, c, d))
    assert numbers(page(client, plain.verifier)) == {na, nb, nc, nd}
    assert numbers(page(client, plain.verifier, q="trémie")) == {na}
    assert numbers(page(client, plain.verifier, q=nb)) == {nb}
    assert numbers(page(client, plain.verifier, group="approval")) == {nd}
    assert numbers(page(client, plain.verifier, group="verification")) == {na, nb, nc}
    assert numbers(page(client, plain.verifier, group="overdue")) == {nb, nc}
    assert numbers(page(client, plain.verifier, overdue="on")) == {nb}
    assert numbers(page(client, plain.verifier, escalated="on")) == {nc}
    body = page(client, plain.verifier, q="n", escalated="1")
    assert numbers(body) == {nc}
    # The form is a GET form filled from the URL; the quick filters keep the search.
    assert '<form method="get"' in body and 'value="n"' in body
    links = dict(re.findall(r'href="([^"]+)" data-quick-filter="(\w+)"', body))
    assert {v: unescape(k) for k, v in links.items()} == {
        "overdue": "?q=n&overdue=1", "escalated": "?q=n&escalated=1", "approval": "?q=n&group=approval",
        "verification": "?q=n&group=verification"}
    assert numbers(page(client, plain.verifier, q="n", group="approval")) == {nd}
    # A bad value is a 400 with the field's error, never a 500.
    body = page(client, plain.verifier, status=400, group="nope")
    assert "data-filter-errors" in body


def test_quick_view_shows_what_blocks_and_the_facts(w, client):
    step = task(w, "approval", location="Cuve T-12")
    permit = step.workflow.permit
    PermitIsolationPoint.objects.create(organization=w.org, permit=permit, custom_point_name="Vanne V-3", status="assigned",
                                        required=True)
    body = page(client, w.approver)
    quick = body.split(f'data-quick-view="{permit.permit_number}"')[1].split("</details>")[0]
    assert "Cuve T-12" in quick and 'data-isolation-pending="1"' in quick and 'data-closeout-pending="yes"' in quick
    approve = quick.split('data-block="approve"')[1].split('data-block="activate"')[0]
    assert 'data-missing="gas_readings_missing"' in approve and 'data-missing="isolation_points_not_verified"' in approve
    complete = quick.split('data-block="complete"')[1]
    assert 'data-missing="closeout_incomplete"' in complete
    # The approve button is disabled with the gates' explanation; reject stays possible.
    assert re.search(r'data-action="approve"\s+class="button"\s+disabled title="Gas readings missing', quick)
    assert 'data-blocked="approve"' in quick and 'data-blocked="reject"' not in quick


def test_quick_view_query_count_is_flat(w, client):
    def count(n):
        for _ in range(n):
            step = task(w, "approval")
            PermitIsolationPoint.objects.create(organization=w.org, permit=step.workflow.permit, point=w.point,
                                                status="verified", required=True)
        client.force_login(w.approver)
        client.get(URL)  # warm caches (content types, session)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL)
        assert response.status_code == 200
        assert len(numbers(response.content.decode())) == WorkflowStep.objects.filter(assignee=w.approver).count()
        return len(ctx.captured_queries)

    one = count(1)
    twenty = count(19)
    assert twenty == one, (one, twenty)


# --- quick actions -------------------------------------------------------------------
def test_quick_verify_then_approve_through_the_workflow(plain, client):
    pid = plain.create_permit()["id"]
    r = plain.client(plain.requester).post(purl(pid, "workflow/initiate"), {}, format="json")
    assert r.status_code == 200, r.json()
    step = WorkflowStep.objects.get(workflow__permit_id=pid, status="pending")
    assert groups(page(client, plain.verifier))["verification"] == [r.json()["permit_number"]]
    response, msgs = decide(client, plain.verifier, step, comment="Contrôlé sur place")
    assert response.status_code == 302 and response["Location"] == URL + "?group=verification"
    assert status_of(pid) == "pending_approval" and any("verified" in m for m in msgs)
    step.refresh_from_db()
    assert (step.status, step.decision, step.comments) == ("approved", "approve", "Contrôlé sur place")
    approval = WorkflowStep.objects.get(workflow__permit_id=pid, status="pending")
    assert approval.assignee == plain.approver
    assert numbers(page(client, plain.verifier)) == set()
    response, msgs = decide(client, plain.approver, approval)
    assert status_of(pid) == "approved" and any("approved" in m for m in msgs)


def test_reject_needs_a_comment(plain, client):
    step = task(plain)
    permit = step.workflow.permit
    response, msgs = decide(client, plain.verifier, step, decision="reject")
    assert response.status_code == 302 and any("comment is required" in m for m in msgs)
    assert status_of(permit.pk) == "pending_verification"
    step.refresh_from_db()
    assert step.status == "pending"
    response, msgs = decide(client, plain.verifier, step, decision="reject", comment="Zone non balisée")
    assert status_of(permit.pk) == "rejected"
    step.refresh_from_db()
    assert (step.status, step.comments) == ("rejected", "Zone non balisée")


def test_someone_else_cannot_act_and_nothing_changes(plain, other, client):
    step = task(plain)
    permit = step.workflow.permit
    version = Permit.objects.get(pk=permit.pk).version
    second_verifier = testing.make_member(plain.org, "verifier")
    response, msgs = decide(client, second_verifier, step)
    assert response.status_code == 302 and any("Only the assigned verifier" in m for m in msgs)
    assert status_of(permit.pk) == "pending_verification" and Permit.objects.get(pk=permit.pk).version == version
    # The approver may not verify either; another organization's member gets 404.
    response, msgs = decide(client, plain.approver, step)
    assert status_of(permit.pk) == "pending_verification" and any("Only the assigned verifier" in m for m in msgs)
    response, _msgs = decide(client, other.verifier, step)
    assert response.status_code == 404
    assert WorkflowStep.objects.get(pk=step.pk).status == "pending"
    # The requester may not approve their own permit (segregation of duties), whatever their role.
    approval = task(plain, "approval", assignee=plain.requester)
    Permit.objects.filter(pk=approval.workflow.permit_id).update(approver=plain.requester)
    response, msgs = decide(client, plain.requester, approval)
    assert status_of(approval.workflow.permit_id) == "pending_approval"
    assert any("You requested this permit" in m for m in msgs)


def test_stale_version_and_bad_input_are_refused(plain, client):
    step = task(plain)
    permit = Permit.objects.get(pk=step.workflow.permit_id)
    response, msgs = decide(client, plain.verifier, step, version=permit.version - 1 if permit.version > 1 else 999)
    assert status_of(permit.pk) == "pending_verification" and any("changed by someone else" in m for m in msgs)
    response, msgs = decide(client, plain.verifier, step, decision="maybe")
    assert response.status_code == 302 and status_of(permit.pk) == "pending_verification" and msgs
    # A done step is no task any more; GET is not allowed.
    WorkflowStep.objects.filter(pk=step.pk).update(status="approved")
    response, msgs = decide(client, plain.verifier, step)
    assert any("no longer pending" in m for m in msgs)
    assert client.get(reverse("ohms_ptw_task_decide", args=[step.pk])).status_code == 405


def test_menu_item_at_the_top_of_the_group(plain, client):
    client.force_login(plain.verifier)
    body = client.get("/admin/").content.decode()
    assert URL in body
    assert body.index(URL) < body.index("/admin/ptw/dashboard/")
