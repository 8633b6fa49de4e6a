"""The state-machine machinery, proved on the test-only Inspection machine."""
import pytest
from django.core.management import call_command

from ohms_core import testing, workflows
from ohms_core.context import acting_as
from ohms_core.models import AuditLog, Event, TransitionLog
from ohms_core.tests.workflow_app.models import Inspection

pytestmark = pytest.mark.django_db
URL = "/api/v1/testflow/inspections/"


def _inspection(org, **kw):
    with acting_as(organization=org):
        return Inspection.objects.create(organization=org, title=kw.pop("title", "Inspection échafaudage"), **kw)


def _options(client, obj):
    response = client.get(f"{URL}{obj.pk}/transitions/")
    assert response.status_code == 200, response.content
    return {o["name"]: o for o in response.json()}


def test_transitions_list_shows_gate_reasons(client_a, org_a):
    inspection = _inspection(org_a)
    options = _options(client_a, inspection)
    assert list(options) == ["submit"]
    assert options["submit"]["allowed"] is False
    assert options["submit"]["target"] == "submitted"
    assert options["submit"]["reasons"] == [{"code": "checklist_incomplete", "message": "Complete the checklist first."}]


def test_gate_blocks_then_passes(client_a, org_a):
    inspection = _inspection(org_a)
    blocked = client_a.post(f"{URL}{inspection.pk}/transitions/submit/", {}, format="json")
    assert blocked.status_code == 400
    assert blocked.json()["code"] == "transition_blocked"
    assert blocked.json()["errors"]["reasons"][0]["code"] == "checklist_incomplete"
    inspection.refresh_from_db()
    assert inspection.status == "draft"
    assert TransitionLog.objects.count() == 0 and Event.objects.count() == 0

    client_a.patch(f"{URL}{inspection.pk}/", {"checklist_done": True}, format="json")
    assert _options(client_a, inspection)["submit"]["allowed"] is True
    done = client_a.post(f"{URL}{inspection.pk}/transitions/submit/", {"comment": "RAS"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "submitted"


def test_each_edge_logs_once_with_history_audit_and_event(client_a, admin_a, org_a):
    inspection = _inspection(org_a, checklist_done=True, findings="Garde-corps conformes")
    for name, target in (("submit", "submitted"), ("approve", "approved"), ("reopen", "draft")):
        before = inspection.history.count()
        response = client_a.post(f"{URL}{inspection.pk}/transitions/{name}/", {"comment": f"c-{name}"}, format="json")
        assert response.status_code == 200, response.content
        inspection.refresh_from_db()
        assert inspection.status == target
        log = TransitionLog.objects.filter(object_id=str(inspection.pk), transition=name)
        assert log.count() == 1
        assert (log[0].user, log[0].comment, log[0].to_state) == (admin_a, f"c-{name}", target)
        assert inspection.history.count() == before + 1
        assert inspection.history.first().history_user == admin_a
        assert inspection.history.first().history_change_reason == f"c-{name}"
    assert [e.type for e in Event.objects.order_by("created_at")] == [
        "testflow.inspection.submitted", "testflow.inspection.approved", "testflow.inspection.reopened"]
    assert AuditLog.objects.filter(object_id=str(inspection.pk), action="update").count() == 3


def test_forbidden_edge_is_409(client_a, org_a):
    inspection = _inspection(org_a)
    response = client_a.post(f"{URL}{inspection.pk}/transitions/approve/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"
    response = client_a.post(f"{URL}{inspection.pk}/transitions/fly/", {}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "unknown_transition"


def test_permission_gate_is_403_with_reason(org_a):
    requester = testing.make_member(org_a, "permit_requester")
    client = testing.token_client(requester, org_a)
    inspection = _inspection(org_a, checklist_done=True, findings="ok")
    assert client.post(f"{URL}{inspection.pk}/transitions/submit/", {}, format="json").status_code == 200
    options = _options(client, inspection)
    assert options["approve"]["allowed"] is False
    assert options["approve"]["reasons"][0] == {"code": "role", "message": "Only an approver can approve."}
    denied = client.post(f"{URL}{inspection.pk}/transitions/approve/", {}, format="json")
    assert denied.status_code == 403
    assert denied.json()["detail"] == "Only an approver can approve."
    inspection.refresh_from_db()
    assert inspection.status == "submitted"
    approver = testing.token_client(testing.make_member(org_a, "approver"), org_a)
    assert approver.post(f"{URL}{inspection.pk}/transitions/approve/", {}, format="json").status_code == 200


def test_comment_required(client_a, org_a):
    inspection = _inspection(org_a, checklist_done=True)
    client_a.post(f"{URL}{inspection.pk}/transitions/submit/", {}, format="json")
    assert _options(client_a, inspection)["reject"]["comment_required"] is True
    response = client_a.post(f"{URL}{inspection.pk}/transitions/reject/", {}, format="json")
    assert response.status_code == 400 and "comment" in response.json()["errors"]
    assert client_a.post(f"{URL}{inspection.pk}/transitions/reject/", {"comment": "Harnais absents"}, format="json").status_code == 200


def test_stale_version_is_409(client_a, org_a):
    inspection = _inspection(org_a, checklist_done=True)
    stale = inspection.version
    client_a.patch(f"{URL}{inspection.pk}/", {"title": "Nouveau titre"}, format="json")
    response = client_a.post(f"{URL}{inspection.pk}/transitions/submit/", {"version": stale}, format="json")
    assert response.status_code == 409
    inspection.refresh_from_db()
    assert inspection.status == "draft"


def test_status_is_protected_from_direct_writes(client_a, org_a):
    inspection = _inspection(org_a)
    response = client_a.patch(f"{URL}{inspection.pk}/", {"status": "approved"}, format="json")
    assert response.status_code == 200
    inspection.refresh_from_db()
    assert inspection.status == "draft"
    with pytest.raises(AttributeError):
        inspection.status = "approved"


def test_other_organization_gets_404(client_b, org_a):
    inspection = _inspection(org_a, checklist_done=True)
    assert client_b.get(f"{URL}{inspection.pk}/transitions/").status_code == 404
    assert client_b.post(f"{URL}{inspection.pk}/transitions/submit/", {}, format="json").status_code == 404
    inspection.refresh_from_db()
    assert inspection.status == "draft"


def test_event_only_after_commit(org_a, admin_a, django_capture_on_commit_callbacks):
    from ohms_core.models import EventDelivery

    inspection = _inspection(org_a, checklist_done=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with acting_as(user=admin_a, organization=org_a, role="org_admin"):
            workflows.transition_perform(instance=inspection, name="submit", user=admin_a)
    assert Event.objects.count() == 1
    assert EventDelivery.objects.count() == 0  # nothing dispatched before commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert EventDelivery.objects.filter(status="delivered").count() >= 1


def test_workflows_command_prints_and_writes_diagrams(tmp_path):
    import io

    out = io.StringIO()
    call_command("ohms_workflows", "--output", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert "ohms_testflow.Inspection" in text
    assert "approve: submitted -> approved" in text
    assert "findings_recorded" in text
    diagram = (tmp_path / "ohms_testflow.inspection.md").read_text()
    assert "stateDiagram-v2" in diagram and "submitted --> approved: approve" in diagram
