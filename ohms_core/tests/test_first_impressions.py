"""Issue 14: after the demo loads, every demo role has real work waiting, named to them, and
a bell with something unread in it.

The demo is loaded once for the module (it takes a while) inside a transaction that is
rolled back at the end, so no other test sees its rows. The tests only read.
"""
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import Event, Notification, Organization

pytestmark = [
    # A database test (even where it only reads the module's demo): pytest-django then runs it
    # with the other database tests, before the transactional ones that migrate back and forth.
    pytest.mark.django_db,
    pytest.mark.skipif(not (apps.is_installed("ohms_ptw") and apps.is_installed("ohms_health")),
                       reason="the demo of every role needs ohms_ptw and ohms_health"),
]

#: Every demo role named in the README, and its user. The compliance officer has nothing to do
#: until the regulatory add-on ships its declarations; the auditor only reads.
VERIFIER, APPROVER, ISSUER = "verificateur@ohms.demo", "approbateur@ohms.demo", "emetteur@ohms.demo"
REQUESTER, SAFETY, DOCTOR = "demandeur@ohms.demo", "securite@ohms.demo", "medecin@ohms.demo"
ACTING_ROLES = (VERIFIER, APPROVER, ISSUER, REQUESTER, SAFETY, DOCTOR)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo (every add-on), loaded once, rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("ohms_demo", "--workers", "24", stdout=out)
            yield {"org": Organization.objects.get(code="SMK"), "output": out.getvalue(),
                   "users": {u.username: u for u in get_user_model().objects.filter(username__endswith="@ohms.demo")}}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def client_for(demo, db):
    def make(email):
        return testing.token_client(demo["users"][email], demo["org"])
    return make


def _results(response):
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def test_demo_prints_the_login_after_delivering_its_events(demo):
    output = demo["output"]
    assert "Demo events delivered" in output
    assert output.index("Demo events delivered") < output.index("Sign in at")
    assert Event.objects.filter(organization=demo["org"], dispatched_at__isnull=True).count() == 0


@pytest.mark.parametrize("email", [VERIFIER, APPROVER])
def test_verifier_and_approver_have_steps_assigned_to_them(client_for, demo, email):
    tasks = _results(client_for(email).get("/api/v1/ptw/my-tasks/"))
    assert len(tasks) >= 2
    user = demo["users"][email]
    from ohms_ptw.models import WorkflowStep

    steps = WorkflowStep.objects.filter(pk__in=[t["id"] for t in tasks])
    assert steps.count() == len(tasks)
    assert {s.assignee_id for s in steps} == {user.pk}
    expected = "verification" if email == VERIFIER else "approval"
    assert {s.step_type for s in steps} == {expected}
    # Every pending step of that kind in the demo is theirs (nobody else is named).
    assert not WorkflowStep.objects.filter(status="pending", step_type=expected).exclude(assignee=user).exists()


@pytest.mark.parametrize("email", [VERIFIER, APPROVER])
def test_readiness_lets_the_named_person_act(client_for, demo, email):
    from ohms_ptw.models import Permit

    status, key = ("pending_verification", "can_verify") if email == VERIFIER else ("pending_approval", "can_approve")
    permit = Permit.objects.filter(organization=demo["org"], status=status).order_by("permit_number").first()
    response = client_for(email).get(f"/api/v1/ptw/permits/{permit.pk}/readiness/")
    assert response.status_code == 200
    assert response.json()["readiness"][key] is True, response.json()["missing"]


def test_issuer_has_an_approved_permit_ready_to_activate(client_for, demo):
    user = demo["users"][ISSUER]
    client = client_for(ISSUER)
    permits = _results(client.get(f"/api/v1/ptw/permits/?issuer={user.pk}&status=approved"))
    assert permits
    from ohms_ptw.models import Permit

    waiting = Permit.objects.filter(pk__in=[p["id"] for p in permits]).select_related("permit_type")
    assert {p.issuer_id for p in waiting} == {user.pk}
    gassed = [p for p in waiting if p.permit_type.requires_gas_testing and p.permit_type.requires_structured_isolation]
    assert gassed, "an approved permit needing gas readings and isolation"
    readiness = client.get(f"/api/v1/ptw/permits/{gassed[0].pk}/readiness/").json()
    assert readiness["readiness"]["can_activate"] is True, readiness["missing"]
    assert readiness["details"]["gas"]["safe"] is True and readiness["details"]["gas"]["latest"]
    assert readiness["details"]["isolation"]["verified_required"] >= 1
    assert readiness["details"]["isolation"]["pending_required"] == 0


def test_requester_has_a_draft_and_a_rejected_permit(client_for, demo):
    user = demo["users"][REQUESTER]
    client = client_for(REQUESTER)
    mine = _results(client.get(f"/api/v1/ptw/permits/?created_by={user.pk}&status=draft,rejected"))
    assert {p["status"] for p in mine} == {"draft", "rejected"}
    from ohms_ptw.models import Permit

    assert set(Permit.objects.filter(pk__in=[p["id"] for p in mine]).values_list("created_by", flat=True)) == {user.pk}
    draft = next(p for p in mine if p["status"] == "draft")
    transitions = client.get(f"/api/v1/ptw/permits/{draft['id']}/").json()
    assert transitions["id"] == draft["id"]


def test_safety_manager_sees_overdue_steps(client_for, demo):
    client = client_for(SAFETY)
    overdue = _results(client.get("/api/v1/ptw/permits/?kpi=overdue"))
    statuses = {p["status"] for p in overdue}
    assert {"pending_verification", "pending_approval"} <= statuses
    from ohms_ptw.models import WorkflowStep

    late = WorkflowStep.objects.filter(status="pending", assigned_at__lt=timezone.now() - timedelta(hours=24))
    assert {s.assignee.username for s in late} == {VERIFIER, APPROVER}


def test_doctor_has_exams_due_and_an_open_alert(client_for, demo):
    from ohms_health.services.recall import recall_list

    doctor = demo["users"][DOCTOR]
    assert recall_list(demo["org"], within_days=30)
    client = client_for(DOCTOR)
    alerts = _results(client.get("/api/v1/health/overexposure-alerts/?status=active"))
    assert alerts
    appointments = [a for a in _results(client.get("/api/v1/health/appointments/?page_size=100"))
                    if a["status"] in ("scheduled", "confirmed")]
    assert appointments
    from ohms_health.models import Appointment

    assert set(Appointment.objects.filter(pk__in=[a["id"] for a in appointments]).values_list("provider", flat=True)) == {doctor.pk}


@pytest.mark.parametrize("email", ACTING_ROLES)
def test_each_acting_role_has_unread_notifications(client_for, demo, email):
    response = client_for(email).get("/api/v1/notifications/?unread=true")
    assert len(_results(response)) >= 1
    assert Notification.objects.filter(user=demo["users"][email], is_read=False).exists()


def test_bells_match_the_work_waiting(demo):
    """The notification a role receives is about its own waiting work."""
    def types(email):
        return set(Notification.objects.filter(user=demo["users"][email]).values_list("event_type", flat=True))

    assert "ptw.permit.workflow_initiated" in types(VERIFIER)
    assert "ptw.permit.verified" in types(APPROVER)
    assert "ptw.permit.approved" in types(ISSUER)
    assert "ptw.permit.rejected" in types(REQUESTER) or "ptw.permit.workflow_initiated" in types(REQUESTER)
    assert {t for t in types(DOCTOR) if t.startswith("health.")}


# --- the compliance officer (ohms_regulatory, issue 12) --------------------------------------
COMPLIANCE = "conformite@ohms.demo"


@pytest.mark.skipif(not apps.is_installed("ohms_regulatory"), reason="declarations come with ohms_regulatory")
def test_compliance_officer_has_declarations_waiting_and_a_full_bell(client_for, demo):
    client = client_for(COMPLIANCE)
    overdue = _results(client.get("/api/v1/regulatory/drc-reports/?overdue=true"))
    assert overdue and all(row["is_overdue"] for row in overdue)
    assert _results(client.get("/api/v1/regulatory/cnss-reports/?report_type=monthly_stats"))
    assert _results(client.get("/api/v1/regulatory/drc-reports/?status=acknowledged"))
    assert Notification.objects.filter(user=demo["users"][COMPLIANCE], is_read=False,
                                       event_type="regulatory.declaration.clock").exists()

@pytest.mark.skipif(not apps.is_installed("ohms_visitors"), reason="ohms_visitors not in OHMS_ADDONS")
def test_gate_guard_has_visitors_at_the_gate_and_a_handover_to_acknowledge(client_for, demo):
    guard = client_for("gardien@ohms.demo")
    waiting = _results(guard.get("/api/v1/visitors/invites/?status=invited"))
    assert {"Amani Kasongo", "Chloé Lambert"} <= {i["visitor_name"] for i in waiting}
    assert guard.get("/api/v1/visitors/on-site/").json()["total"] >= 4
    handovers = _results(guard.get("/api/v1/visitors/shift-handovers/?acknowledged_at__isnull=true"))
    assert handovers and handovers[0]["open_items"]


@pytest.mark.skipif(not apps.is_installed("ohms_training"), reason="ohms_training not in OHMS_ADDONS")
def test_worker_takes_a_module_passes_its_quiz_and_downloads_the_certificate(client_for, demo):
    from ohms_core.management.commands.ohms_demo import WORKER_EMAIL
    from ohms_training.models import TrainingQuiz

    assert WORKER_EMAIL in demo["output"]
    client = client_for(WORKER_EMAIL)
    waiting = _results(client.get("/api/v1/training/progress/?status=assigned"))
    assert waiting and {row["worker"] for row in waiting} == {
        str(demo["users"][WORKER_EMAIL].ohms_worker.pk)}  # their own rows only
    quiz = _results(client.get(f"/api/v1/training/quizzes/?module={waiting[0]['module']}"))[0]
    assert all("answer" not in question for question in quiz["questions"])
    answers = [q["answer"] for q in TrainingQuiz.objects.get(pk=quiz["id"]).questions]
    result = client.post(f"/api/v1/training/quizzes/{quiz['id']}/submit/", {"answers": answers}, format="json")
    assert result.status_code == 200, result.content
    assert result.json()["passed"] is True and result.json()["certificate"]
    pdf = client.get(f"/api/v1/training/certificates/{result.json()['certificate']}/download/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


@pytest.mark.skipif(not (apps.is_installed("ohms_visitors") and apps.is_installed("ohms_training")),
                    reason="the visitor induction needs ohms_visitors and ohms_training")
def test_gate_refuses_a_visitor_until_the_induction_is_passed(client_for, demo):
    from ohms_visitors.models import VisitorInvite

    invite = VisitorInvite.objects.get(organization=demo["org"], visitor_name="Amani Kasongo")
    refused = client_for("gardien@ohms.demo").post("/api/v1/visitors/check-in/", {"token": invite.qr_token},
                                                   format="json")
    assert refused.status_code == 400 and "Visitor induction 'Sécurité du site (visiteurs)' not passed" in str(refused.json())

def _scoped_serializers():
    from ohms_core.api.serializers import ScopedModelSerializer

    found, todo = [], [ScopedModelSerializer]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        meta = getattr(cls, "Meta", None)
        if cls is not ScopedModelSerializer and meta is not None and getattr(meta, "model", None) is not None:
            found.append(cls)
    return found


def test_serializer_short_path_gives_drf_output_for_every_serializer_on_the_demo(demo, monkeypatch):
    """``ScopedModelSerializer.to_representation`` reads plain columns straight off the instance
    (issue 9 benchmarks); here every scoped serializer represents demo rows both ways and the
    outputs must be equal, as a single object and as a list."""
    from rest_framework.test import APIRequestFactory

    from ohms_core.api.serializers import ScopedModelSerializer

    request = APIRequestFactory().get("/")
    request.user = demo["users"]["admin@ohms.demo"] if "admin@ohms.demo" in demo["users"] else next(iter(demo["users"].values()))
    compared = 0
    for cls in _scoped_serializers():
        model = cls.Meta.model
        rows = list(model._default_manager.filter(**({"organization": demo["org"]} if hasattr(model, "organization_id") else {}))[:3])
        if not rows:
            continue
        context = {"organization": demo["org"], "request": request}
        monkeypatch.setattr(ScopedModelSerializer, "use_representation_plan", False)
        try:
            expected = [cls(row, context=context).data for row in rows]
        except Exception:  # noqa: BLE001 - a serializer that needs a view's context: not comparable here
            continue
        monkeypatch.setattr(ScopedModelSerializer, "use_representation_plan", True)
        assert [cls(row, context=context).data for row in rows] == expected, cls
        assert list(cls(rows, many=True, context=context).data) == expected, cls
        compared += 1
    assert compared >= 25  # most of the suite's serializers have demo rows


def _normalised_html(html: str) -> str:
    """Markup without the whitespace templates leave around tags and in empty attributes, and
    without the CSRF token's mask (different on every render)."""
    import re

    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)  # masked per render
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r"\s*(<|>)\s*", r"\1", html)
    return re.sub(r"\s+(/?>)", r"\1", html)


def _listing_table(html: str) -> str | None:
    """The listing's ``<table class="listing ...">`` (the page has others: keyboard shortcuts)."""
    import re

    match = re.search(r'<table[^>]*class="[^"]*\blisting\b.*?</table>', html, re.S)
    return _normalised_html(match.group(0)) if match else None


def test_admin_cells_in_python_give_wagtails_markup_on_every_listing_of_the_demo(demo, monkeypatch):
    """``ohms_core.admin_views.columns`` builds the listings' cells in Python (issue 13: the
    permit list at shift change); every scoped listing of the demo, as its administrator sees
    it, must render the same table as Wagtail's templates do."""
    import difflib

    from django.test import Client
    from wagtail.admin.ui import tables
    from wagtail.admin.viewsets import viewsets

    from ohms_core.admin_views import columns
    from ohms_core.admin_views.viewsets import ScopedModelViewSet

    client = Client()
    client.force_login(demo["users"]["admin@ohms.demo"])
    compared = rows = 0
    for viewset in viewsets.viewsets:
        if not isinstance(viewset, ScopedModelViewSet):
            continue
        url = f"/admin/{viewset.url_prefix}/"
        fast = client.get(url)
        if fast.status_code != 200:
            continue
        with monkeypatch.context() as patch:
            patch.setattr(columns.Column, "render_cell_html", tables.Column.render_cell_html)
            patch.setattr(columns.TitleColumn, "render_cell_html", tables.TitleColumn.render_cell_html)
            slow = client.get(url)
        assert fast.status_code == slow.status_code == 200
        fast_table, slow_table = _listing_table(fast.content.decode()), _listing_table(slow.content.decode())
        if fast_table is None:
            continue  # an empty listing
        assert fast_table == slow_table, "\n".join([url, *list(difflib.unified_diff(
            slow_table.replace("><", ">\n<").splitlines(), fast_table.replace("><", ">\n<").splitlines(), lineterm=""))[:40]])
        compared += 1
        rows += fast_table.count("<tr")
    assert compared >= 20 and rows >= 100, (compared, rows)
