"""The compliance dashboard and the declaration admin screens (SPEC 4.4): cards and the
deadline table from the same selectors, bulk mark-ready/submit with per-row reasons,
tenancy, roles, the overdue filter and badge, the state buttons, flat query counts."""
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ohms_core import testing

from ..models import CNSSReport, DRCReport
from ..services import reports as svc
from . import factories as f

pytestmark = pytest.mark.django_db
DASHBOARD = "/admin/regulatory/dashboard/"
BULK = "/admin/regulatory/dashboard/bulk/"
DRC_LIST = "/admin/regulatory/drc-reports/"
CNSS_LIST = "/admin/regulatory/cnss-reports/"


def _login(org, role="compliance_officer"):
    user = testing.make_member(org, role)
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    client.user = user
    return client


@pytest.fixture
def ent(org_a):
    return f.enterprise(org_a)


def _late(org, ent, hours=30, severity="fatal"):
    return svc.drc_for_incident(f.incident(org, ent, severity=severity,
                                           occurred_at=timezone.now() - timedelta(hours=hours)))[0]


def test_cards_table_and_tenancy(org_a, org_b, ent):
    late = _late(org_a, ent)
    soon = _late(org_a, ent, hours=5)  # fatal: 19 h left
    other = _late(org_b, f.enterprise(org_b, code="OTH"))
    client = _login(org_a)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    cards = {c["key"]: c["value"] for c in response.context["cards"]}
    assert cards == {"open": 2, "due_24h": 1, "overdue": 1, "awaiting_authority": 0}
    rows = response.context["deadlines"]
    assert [r.report.pk for r in rows] == [late.pk, soon.pk] and [r.tone for r in rows] == ["overdue", "urgent"]
    assert late.reference_number in html and other.reference_number not in html
    assert "overdue=on" in html


@pytest.mark.parametrize("role", ["worker", "permit_requester"])
def test_roles_without_declarations_are_refused(org_a, role):
    response = _login(org_a, role).get(DASHBOARD)
    assert response.status_code in (302, 403)


def test_auditor_sees_but_cannot_bulk(org_a, ent):
    report = _late(org_a, ent)
    client = _login(org_a, "auditor")
    response = client.get(DASHBOARD)
    assert response.status_code == 200 and response.context["can_act"] is False
    assert client.post(BULK, {"action": "mark_ready", "report": [f"drc:{report.pk}"]}).status_code in (302, 403)
    report.refresh_from_db()
    assert report.status == "draft"


def test_bulk_mark_ready_then_submit_with_reasons(org_a, org_b, ent):
    first, second = _late(org_a, ent), _late(org_a, ent, hours=3, severity="severe")
    cnss = svc.cnss_for_incident(first.incidents.get())[0]
    other = _late(org_b, f.enterprise(org_b, code="OTH"))
    client = _login(org_a)
    response = client.post(BULK, {"action": "mark_ready", "report": [f"drc:{first.pk}", f"cnss:{cnss.pk}",
                                                                      f"drc:{other.pk}", "drc:not-an-id"]},
                           follow=True)
    assert response.status_code == 200
    first.refresh_from_db(), cnss.refresh_from_db(), other.refresh_from_db()
    assert first.status == cnss.status == "ready_for_submission" and other.status == "draft"
    # Submit: the draft one is refused with its reason, the ready ones go through.
    response = client.post(BULK, {"action": "submit", "report": [f"drc:{first.pk}", f"drc:{second.pk}"]},
                           follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any(second.reference_number in t and "refused" in t for t in texts)
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == "submitted" and second.status == "draft"
    cards = {c["key"]: c["value"] for c in client.get(DASHBOARD).context["cards"]}
    assert cards["awaiting_authority"] == 1


def test_admin_lists_filter_overdue_and_show_the_badge(org_a, ent):
    late, fresh = _late(org_a, ent), _late(org_a, ent, hours=1)
    client = _login(org_a)
    response = client.get(DRC_LIST, {"overdue": "on"})
    html = response.content.decode()
    assert response.status_code == 200
    assert late.reference_number in html and fresh.reference_number not in html and "data-overdue" in html
    assert fresh.reference_number in client.get(DRC_LIST, {"q": fresh.reference_number}).content.decode()


def test_edit_page_has_state_buttons_and_the_generic_transition_runs_the_service(org_a, ent):
    report = _late(org_a, ent)
    client = _login(org_a)
    response = client.get(f"{DRC_LIST}edit/{report.pk}/")
    assert response.status_code == 200 and "mark_ready" in response.content.decode()


def test_admin_list_query_count_is_flat(org_a, ent, django_assert_max_num_queries):
    client = _login(org_a)
    for _ in range(2):
        _late(org_a, ent)
        svc.cnss_for_incident(f.incident(org_a, ent, severity="lost_time"))
    client.get(DASHBOARD)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(DASHBOARD), client.get(DRC_LIST), client.get(CNSS_LIST)
    for _ in range(6):
        _late(org_a, ent)
        svc.cnss_for_incident(f.incident(org_a, ent, severity="lost_time"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(DASHBOARD), client.get(DRC_LIST), client.get(CNSS_LIST)
    assert DRCReport.objects.count() == 8 and CNSSReport.objects.count() == 8


def test_admin_buttons_run_the_service_and_move_the_exit_exam(org_a, ent):
    from datetime import date

    from django.contrib.contenttypes.models import ContentType

    from ohms_health.models import ExitExamination

    worker = testing.make_worker(org_a, enterprise=ent)
    exam = ExitExamination.objects.create(organization=org_a, worker=worker, exit_date=date(2026, 12, 31))
    ExitExamination.objects.filter(pk=exam.pk).update(status="disease_assessment")
    report = svc.cnss_report_create(organization=org_a, data={
        "report_type": "disease", "enterprise": ent, "exit_examination": exam, "disease": f.disease(org_a, worker)})
    content_type = ContentType.objects.get_for_model(CNSSReport)
    client = _login(org_a)
    for name in ("mark_ready", "submit"):
        response = client.post(f"/admin/ohms/transition/{content_type.pk}/{report.pk}/{name}/",
                               {"next": f"{CNSS_LIST}edit/{report.pk}/"})
        assert response.status_code == 302, name
    report.refresh_from_db(), exam.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == client.user
    assert exam.status == "cnss_reported" and exam.cnss_reference == report.reference_number
    # An auditor's click is refused with the reason, nothing moves.
    auditor = _login(org_a, "auditor")
    auditor.post(f"/admin/ohms/transition/{content_type.pk}/{report.pk}/acknowledge/", {"next": CNSS_LIST})
    report.refresh_from_db()
    assert report.status == "submitted"


def test_statutory_delays_one_row_per_organization(org_a):
    from ..models import RegulatorySettings

    client = _login(org_a, "org_admin")
    url = "/admin/regulatory/settings/new/"
    data = {"fatal_incident_hours": 12, "severe_incident_hours": 36, "disease_notice_days": 7}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 200 and "already has its statutory delays" in response.content.decode()
    assert RegulatorySettings.objects.get(organization=org_a).fatal_incident_hours == 12
    assert _login(org_a, "compliance_officer").post(url, data).status_code in (302, 403)
    assert RegulatorySettings.objects.count() == 1
