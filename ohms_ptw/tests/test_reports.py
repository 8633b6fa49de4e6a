"""SPEC 4.5: compliance reports (REST summary and exceptions, admin Reports page, report exports)."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from ohms_core import testing
from ohms_core.roles import Role

from .. import reports
from ..models import Permit, PermitCloseout, PermitIsolationPoint
from .factories import PtwWorld

SUMMARY = "/api/v1/ptw/permits/reports_summary/"
EXCEPTIONS = "/api/v1/ptw/permits/reports_exceptions/"
_seq = itertools.count(1)


def bulk(w, n, *, status="draft", project=None, permit_type=None, **fields) -> list[Permit]:
    """Rows straight into the table (reports only read them; no workflow needed)."""
    now = timezone.now()
    defaults = {"planned_start_time": now + timedelta(days=1), "planned_end_time": now + timedelta(days=1, hours=8),
                "title": "Travaux cuve", "location": "Cuve T-12"}
    defaults.update(fields)
    rows = [Permit(organization=w.org, permit_number=f"R-{w.org.code}-{next(_seq):06d}",
                   permit_type=permit_type or w.permit_type, project=project or w.project, status=status, **defaults)
            for _ in range(n)]
    return Permit.objects.bulk_create(rows)


def make(w, status="draft", **fields) -> Permit:
    return bulk(w, 1, status=status, **fields)[0]


def get(w, url=SUMMARY, user=None, **params):
    response = w.client(user or w.admin).get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def other(db):
    return PtwWorld(code="OTH")


# --- summary ----------------------------------------------------------------------------
def test_summary_response_structure(w):
    body = get(w)
    assert list(body) == ["range", "counts_by_status", "overdue", "expiring_soon", "isolation_pending",
                          "closeout_pending", "incident_rate", "top_permit_types"]
    today = timezone.localdate()
    assert body["range"] == {"date_from": (today - timedelta(days=30)).isoformat(), "date_to": today.isoformat()}
    assert set(body["counts_by_status"]) >= {"draft", "pending_verification", "active", "completed", "expired"}
    assert body["overdue"] == {"verification": 0, "approval": 0}
    assert body["incident_rate"] == 0.0
    assert body["top_permit_types"] == []


def test_exceptions_response_structure(w):
    now = timezone.now()
    make(w, "pending_verification", submitted_at=now - timedelta(hours=9))
    make(w, "active", planned_end_time=now + timedelta(hours=1))
    body = get(w, EXCEPTIONS)
    assert list(body) == ["overdue_verification", "overdue_approval", "isolation_pending", "closeout_pending",
                          "expiring_soon", "activated_without_verified_isolation"]
    assert set(body["overdue_verification"][0]) == {"id", "permit_number", "status", "age_hours", "planned_end_time"}
    assert set(body["expiring_soon"][0]) == {"id", "permit_number", "status", "hours_left", "planned_end_time"}


def test_summary_aggregation(w, settings):
    settings.PTW_VERIFICATION_SLA_HOURS = 4
    settings.PTW_APPROVAL_SLA_HOURS = 4
    settings.PTW_EXPIRING_SOON_HOURS = 4
    now = timezone.now()
    bulk(w, 3, status="draft")
    make(w, "pending_verification", submitted_at=now - timedelta(hours=5))  # overdue
    make(w, "pending_verification", submitted_at=now - timedelta(hours=1))  # within the SLA
    bulk(w, 2, status="pending_approval", verified_at=now - timedelta(hours=6))  # overdue
    make(w, "active", planned_end_time=now + timedelta(hours=2))  # expiring soon, closeout never opened
    pending = make(w, "approved")
    PermitIsolationPoint.objects.create(organization=w.org, permit=pending, custom_point_name="Disj. 1")
    bulk(w, 2, status="completed", completed_at=now)
    from ..models import PermitType

    welding = PermitType.objects.create(organization=w.org, name="Travail à chaud", code="hot", category="hot_work")
    bulk(w, 2, status="draft", permit_type=welding)
    body = get(w)
    counts = body["counts_by_status"]
    assert (counts["draft"], counts["pending_verification"], counts["pending_approval"], counts["active"],
            counts["approved"], counts["completed"]) == (5, 2, 2, 1, 1, 2)
    assert sum(counts.values()) == 13
    assert body["overdue"] == {"verification": 1, "approval": 2}
    assert body["expiring_soon"] == 1
    assert body["isolation_pending"] == 1
    assert body["closeout_pending"] == 1
    assert body["top_permit_types"][0] == {"permit_type": {"id": str(w.permit_type.pk), "name": w.permit_type.name,
                                                           "code": "confined", "category": "confined_space"},
                                           "count": 11}
    assert body["top_permit_types"][1]["count"] == 2
    assert body["top_permit_types"][1]["permit_type"]["id"] == str(welding.pk)


def test_summary_matches_the_kpis_definitions(w):
    """One definition: the report's figures are the KPI endpoint's for the same permits."""
    now = timezone.now()
    make(w, "pending_verification", submitted_at=now - timedelta(hours=50))
    make(w, "pending_approval", verified_at=now - timedelta(hours=50))
    make(w, "active", planned_end_time=now + timedelta(hours=1))
    kpi = get(w, "/api/v1/ptw/permits/kpis/")["overdue"]
    body = get(w)
    assert body["overdue"] == {"verification": kpi["pending_verification"], "approval": kpi["pending_approval"]}
    assert (body["expiring_soon"], body["isolation_pending"], body["closeout_pending"]) == (
        kpi["expiring_soon"], kpi["isolation_pending"], kpi["closeout_pending"])


def test_summary_matches_the_permit_list(w):
    """The same querystring (range included) selects the same permits as GET permits/."""
    now = timezone.now()
    bulk(w, 3, status="active")
    bulk(w, 2, status="draft", project=w.other_project)
    bulk(w, 4, status="draft", created_at=now - timedelta(days=45))
    body = get(w, status="active,draft")
    listed = get(w, "/api/v1/ptw/permits/", status="active,draft", **body["range"])
    assert sum(body["counts_by_status"].values()) == listed["count"] == 5


def test_date_range_changes_the_counts(w):
    now = timezone.now()
    bulk(w, 2, status="draft")
    bulk(w, 3, status="draft", created_at=now - timedelta(days=45))
    bulk(w, 4, status="draft", created_at=now - timedelta(days=100))
    assert get(w)["counts_by_status"]["draft"] == 2  # default: the last 30 days
    since_60 = (timezone.localdate() - timedelta(days=60)).isoformat()
    body = get(w, date_from=since_60)
    assert body["counts_by_status"]["draft"] == 5
    assert body["range"]["date_from"] == since_60
    old = {"date_from": (timezone.localdate() - timedelta(days=120)).isoformat(),
           "date_to": (timezone.localdate() - timedelta(days=90)).isoformat()}
    assert get(w, **old)["counts_by_status"]["draft"] == 4


def test_project_scoping(w):
    bulk(w, 2, status="active")
    bulk(w, 3, status="active", project=w.other_project)
    assert get(w)["counts_by_status"]["active"] == 5
    assert get(w, project=str(w.project.pk))["counts_by_status"]["active"] == 2
    assert get(w, project=str(w.other_project.pk))["counts_by_status"]["active"] == 3
    limited = testing.make_member(w.org, "safety_manager", projects=[w.other_project])
    assert get(w, user=limited)["counts_by_status"]["active"] == 3
    response = w.client(limited).get(SUMMARY, {"project": str(w.project.pk)})
    assert response.status_code == 400
    assert "project" in response.json()["errors"]


def test_summary_filters_by_status_and_type(w):
    bulk(w, 2, status="active")
    bulk(w, 1, status="draft")
    body = get(w, status="active,draft", permit_type=str(w.permit_type.pk))
    assert body["counts_by_status"]["active"] == 2 and body["counts_by_status"]["draft"] == 1
    assert get(w, status="draft")["counts_by_status"]["active"] == 0


def test_other_organization_permits_are_never_counted(w, other):
    now = timezone.now()
    bulk(other, 4, status="active", planned_end_time=now + timedelta(hours=1))
    theirs = make(other, "pending_verification", submitted_at=now - timedelta(hours=9))
    make(w, "active")
    body = get(w)
    assert body["counts_by_status"]["active"] == 1
    assert body["expiring_soon"] == 0
    exceptions = get(w, EXCEPTIONS)
    assert str(theirs.pk) not in str(exceptions)
    assert get(other, user=other.admin)["counts_by_status"]["active"] == 4
    response = w.client(w.admin).get(SUMMARY, {"project": str(other.project.pk)})
    assert response.status_code == 400


def test_exceptions_contain_the_expected_ids(w, settings):
    settings.PTW_VERIFICATION_SLA_HOURS = 4
    settings.PTW_APPROVAL_SLA_HOURS = 4
    now = timezone.now()
    late_v = make(w, "pending_verification", submitted_at=now - timedelta(hours=5))
    older_v = make(w, "pending_verification", submitted_at=now - timedelta(hours=20))
    make(w, "pending_verification", submitted_at=now - timedelta(hours=1))
    late_a = make(w, "pending_approval", verified_at=now - timedelta(hours=7))
    no_isolation = make(w, "approved", approved_at=now - timedelta(hours=2))
    PermitIsolationPoint.objects.create(organization=w.org, permit=no_isolation, custom_point_name="Disj. 1")
    open_closeout = make(w, "active", actual_start_time=now - timedelta(hours=3))
    PermitCloseout.objects.create(organization=w.org, permit=open_closeout, template=w.template)
    done = make(w, "active")
    PermitCloseout.objects.create(organization=w.org, permit=done, template=w.template, completed=True)
    expiring = make(w, "suspended", planned_end_time=now + timedelta(minutes=30))
    body = get(w, EXCEPTIONS)
    ids = {key: [row["id"] for row in rows] for key, rows in body.items()}
    assert ids["overdue_verification"] == [str(older_v.pk), str(late_v.pk)]  # oldest first
    assert ids["overdue_approval"] == [str(late_a.pk)]
    assert ids["isolation_pending"] == [str(no_isolation.pk)]
    assert ids["closeout_pending"] == [str(open_closeout.pk)]
    assert ids["expiring_soon"] == [str(expiring.pk)]
    assert ids["activated_without_verified_isolation"] == []
    assert 19.9 < body["overdue_verification"][0]["age_hours"] < 20.1
    assert 2.9 < body["closeout_pending"][0]["age_hours"] < 3.1
    assert 0.4 < body["expiring_soon"][0]["hours_left"] < 0.6


def test_activated_without_verified_isolation_is_listed(w):
    """The activation gate forbids it; a permit that got there anyway is shown to the auditor."""
    bypassed = make(w, "active")
    PermitIsolationPoint.objects.create(organization=w.org, permit=bypassed, custom_point_name="Disj. 9")
    fine = make(w, "active")
    PermitIsolationPoint.objects.create(organization=w.org, permit=fine, custom_point_name="Disj. 8", status="verified")
    body = get(w, EXCEPTIONS)
    assert [row["id"] for row in body["activated_without_verified_isolation"]] == [str(bypassed.pk)]


def test_exception_lists_hold_at_most_the_limit(w, settings):
    now = timezone.now()
    bulk(w, 55, status="pending_verification", submitted_at=now - timedelta(hours=9))
    assert len(get(w, EXCEPTIONS)["overdue_verification"]) == reports.EXCEPTION_LIMIT == 50
    settings.PTW_REPORT_EXCEPTION_LIMIT = 7
    assert len(get(w, EXCEPTIONS)["overdue_verification"]) == 7
    assert get(w)["overdue"]["verification"] == 55  # the count is never cut


def test_incident_rate(w):
    from ohms_core.models import Enterprise

    now = timezone.now()
    done = bulk(w, 4, status="completed", completed_at=now)
    active = make(w, "active")
    enterprise = Enterprise.objects.filter(organization=w.org).first() or Enterprise.objects.create(
        organization=w.org, name="Entreprise")
    from django.apps import apps

    incident = apps.get_model("ohms_health", "Incident")
    for permit in (done[0], active):
        incident.objects.create(organization=w.org, enterprise=enterprise, occurred_at=now, severity="first_aid",
                                location="Cuve", description="Coupure", permit_reference=permit.pk,
                                permit_number=permit.permit_number)
    assert get(w)["incident_rate"] == 0.25  # 1 of the 4 completed permits
    assert reports.incident_rate(0, 0) == 0.0


def test_bad_filter_values_are_400_with_field_errors(w):
    response = w.client(w.admin).get(SUMMARY, {"status": "bogus", "date_from": "hier"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "status" in errors and "date_from" in errors
    response = w.client(w.admin).get(EXCEPTIONS, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 400
    assert "date_to" in response.json()["errors"]
    response = w.client(w.admin).get(EXCEPTIONS, {"project": "not-a-uuid"})
    assert response.status_code == 400


@pytest.mark.parametrize("role", Role.values)
def test_roles(w, role):
    user = testing.make_member(w.org, role)
    expected = 403 if role == Role.WORKER else 200
    assert w.client(user).get(SUMMARY).status_code == expected
    assert w.client(user).get(EXCEPTIONS).status_code == expected


def test_anonymous_and_outsiders_are_refused(w):
    assert APIClient().get(SUMMARY).status_code in (401, 403)
    client = APIClient()
    client.force_authenticate(testing.make_user())
    assert client.get(EXCEPTIONS).status_code == 403


@pytest.mark.parametrize("url", [SUMMARY, EXCEPTIONS])
def test_query_count_does_not_grow_with_permits(w, url):
    now = timezone.now()
    client = w.client(w.admin)
    params = {"project": str(w.project.pk), "status": "pending_verification,active,approved"}

    def seed(n):
        bulk(w, n, status="pending_verification", submitted_at=now - timedelta(hours=9))
        for permit in bulk(w, n, status="active", planned_end_time=now + timedelta(hours=1)):
            PermitIsolationPoint.objects.create(organization=w.org, permit=permit, custom_point_name="P")

    def count():
        client.get(url, params)  # warm the per-process caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, params).status_code == 200
        return len(ctx.captured_queries)

    seed(5)
    few = count()
    seed(95)
    assert count() == few


# --- admin Reports page -------------------------------------------------------------------
PAGE = "/admin/ptw/reports/"
EXPORT = "/admin/ptw/reports/export/"


def page_cards(body: str) -> dict:
    import re

    return dict(re.findall(r'data-card="(\w+)">\s*<span class="ptw-card__value">([^<]+)<', body))


def seed_exceptions(w):
    now = timezone.now()
    late = make(w, "pending_verification", submitted_at=now - timedelta(hours=9), title="=HYPERLINK(\"x\")")
    make(w, "pending_approval", verified_at=now - timedelta(hours=9))
    soon = make(w, "active", planned_end_time=now + timedelta(hours=1))  # expiring and closeout pending
    return late, soon


def test_admin_page_renders_the_numbers_and_tables(w, other, client):
    from django.urls import reverse

    late, soon = seed_exceptions(w)
    bulk(other, 6, status="active", planned_end_time=timezone.now() + timedelta(hours=1))  # never counted
    client.force_login(w.admin)
    response = client.get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert page_cards(body) == {"overdue_verification": "1", "overdue_approval": "1", "expiring_soon": "1",
                                "isolation_pending": "0", "closeout_pending": "1", "incident_rate": "0.0 %"}
    assert reverse("ptw_permit:inspect", args=[late.pk]) in body
    assert reverse("ptw_permit:inspect", args=[soon.pk]) in body
    assert 'data-exceptions="activated_without_verified_isolation"' in body
    # The bulk exports post the report's filters, its range included, to the permit list's export.
    assert f'action="{reverse("ptw_permit:bulk_export")}"' in body
    assert f'name="date_from" value="{(timezone.localdate() - timedelta(days=30)).isoformat()}"' in body
    assert "Export Excel (detailed)" in body and "Export PDF ZIP" in body


def test_admin_page_filters_kept_in_the_url(w, client):
    bulk(w, 2, status="pending_verification", submitted_at=timezone.now() - timedelta(hours=9))
    bulk(w, 3, status="pending_verification", submitted_at=timezone.now() - timedelta(hours=9),
         project=w.other_project)
    client.force_login(w.admin)
    body = client.get(PAGE, {"project": str(w.other_project.pk), "status": "pending_verification"}).content.decode()
    assert page_cards(body)["overdue_verification"] == "3"
    assert f'<option value="{w.other_project.pk}" selected>' in body
    assert f"project={w.other_project.pk}" in body  # the report export links carry the filters
    response = client.get(PAGE, {"date_from": "hier"})
    assert response.status_code == 400 and "data-filter-errors" in response.content.decode()


def test_admin_page_roles(w, client):
    worker = testing.make_member(w.org, "worker")
    client.force_login(worker)
    assert client.get(PAGE).status_code in (302, 403)
    assert client.get(EXPORT, {"format": "pdf"}).status_code in (302, 403)
    auditor = testing.make_member(w.org, "auditor")
    client.force_login(auditor)
    assert client.get(PAGE).status_code == 200


def test_admin_page_query_count_does_not_grow(w, client):
    client.force_login(w.admin)
    now = timezone.now()

    def count():
        client.get(PAGE)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == 200
        return len(ctx.captured_queries)

    bulk(w, 3, status="pending_verification", submitted_at=now - timedelta(hours=9))
    few = count()
    bulk(w, 60, status="pending_verification", submitted_at=now - timedelta(hours=9))
    bulk(w, 30, status="active", planned_end_time=now + timedelta(hours=1))
    assert count() == few


def test_report_pdf_export(w, client):
    from ohms_core.models import AuditLog

    from .test_exports import pdf_text

    late, soon = seed_exceptions(w)
    client.force_login(w.admin)
    response = client.get(EXPORT, {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="ptw-compliance-report-')
    data = response.content
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert late.permit_number in text and soon.permit_number in text
    row = AuditLog.objects.get(organization=w.org, action="export", object_repr="Permit compliance report")
    assert row.user == w.admin
    assert row.changes["format"] == "pdf" and late.permit_number in row.changes["permits"]


def test_report_excel_export(w, client):
    import io

    from openpyxl import load_workbook

    from ohms_core.models import AuditLog

    late, soon = seed_exceptions(w)
    client.force_login(w.admin)
    response = client.get(EXPORT, {"format": "xlsx", "project": str(w.project.pk)})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Summary", "OverdueVerification", "OverdueApproval", "IsolationPending",
                               "CloseoutPending", "ExpiringSoon", "ActivatedNoIsolation"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Overdue verification"] == 1 and summary["Closeout pending"] == 1
    assert summary["Filters"] == f"Project: {w.project.name}"
    rows = list(book["OverdueVerification"].iter_rows(values_only=True))
    assert rows[0][0] == "Permit number" and len(rows) == 2
    assert rows[1][0] == late.permit_number
    assert rows[1][1] == '=HYPERLINK("x")'  # written as text, never a formula
    assert book["OverdueVerification"]["B2"].data_type == "s"
    assert [r[0] for r in book["ExpiringSoon"].iter_rows(min_row=2, values_only=True)] == [soon.permit_number]
    assert list(book["ActivatedNoIsolation"].iter_rows(min_row=2, values_only=True)) == []
    assert AuditLog.objects.filter(organization=w.org, action="export", changes__format="xlsx").count() == 1


def test_report_export_bad_input_is_400(w, client):
    client.force_login(w.admin)
    assert client.get(EXPORT, {"format": "doc"}).status_code == 400
    assert client.get(EXPORT, {"format": "pdf", "status": "bogus"}).status_code == 400


def test_bulk_buttons_reach_the_existing_export(w, client):
    """What the page's "Export Excel (detailed)" posts: the existing bulk export, same filters."""
    import io

    from openpyxl import load_workbook

    late, soon = seed_exceptions(w)
    bulk(w, 2, status="draft", created_at=timezone.now() - timedelta(days=60))  # outside the report's range
    client.force_login(w.admin)
    from django.urls import reverse

    today = timezone.localdate()
    response = client.post(reverse("ptw_permit:bulk_export"), {
        "format": "xlsx_detailed", "date_from": (today - timedelta(days=30)).isoformat(), "date_to": today.isoformat()})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    numbers = {row[0] for row in book["Permits"].iter_rows(min_row=2, values_only=True)}
    assert numbers == {late.permit_number, soon.permit_number, Permit.objects.get(status="pending_approval").permit_number}


def test_incident_rate_without_the_health_addon(w, monkeypatch):
    """Absent-safe: without ohms_health the rate is 0.0 and no incident table is read."""
    bulk(w, 2, status="completed", completed_at=timezone.now())
    monkeypatch.setattr(reports.apps, "is_installed", lambda label: label != "ohms_health")
    with CaptureQueriesContext(connection) as ctx:
        summary = reports.report_summary(Permit.objects.filter(organization=w.org))
    assert summary["incident_rate"] == 0.0 and summary["completed"] == 2
    assert not any("ohms_health" in q["sql"] for q in ctx.captured_queries)
    assert len(ctx.captured_queries) == 2
