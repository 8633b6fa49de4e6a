"""Quality audits and findings (SPEC 4.6): CRUD, the finding state machine with its gates and
four-eyes verification, overdue notifications once, filters, roles, tenants, query counts."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import Event, Notification

from ..models import AuditFinding, QualityAudit
from ..services.audits import OVERDUE_EVENT, findings_overdue_notify

AUDITS = "/api/v1/regulatory/quality-audits/"
FINDINGS = "/api/v1/regulatory/audit-findings/"


@pytest.fixture
def site_a(org_a):
    return testing.make_site(org_a)


@pytest.fixture
def audit_a(org_a, site_a):
    return QualityAudit.objects.create(organization=org_a, site=site_a, audit_date=date(2026, 10, 1),
                                       standard="ISO 45001", lead_auditor="Bureau Veritas")


def _finding(audit, **kw):
    data = {"organization": audit.organization, "audit": audit, "description": "Padlocks not personal"}
    data.update(kw)
    return AuditFinding.objects.create(**data)


@pytest.mark.django_db
def test_create_audit_and_finding_through_the_api(client_a, site_a, admin_a):
    response = client_a.post(AUDITS, {"site": str(site_a.pk), "audit_date": "2026-10-01", "standard": "ISO 45001",
                                      "lead_auditor": "Bureau Veritas", "result": "minor_nc"}, format="json")
    assert response.status_code == 201, response.json()
    audit_id = response.json()["id"]
    response = client_a.post(FINDINGS, {"audit": audit_id, "reference": "NC-01", "severity": "minor",
                                        "description": "Padlocks not personal", "owner": admin_a.pk,
                                        "due_date": "2026-12-01"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "open" and response.json()["is_overdue"] is False
    detail = client_a.get(f"{AUDITS}{audit_id}/").json()
    assert detail["findings_count"] == 1 and detail["open_findings_count"] == 1
    assert AuditFinding.objects.get(pk=response.json()["id"]).history.count() == 1


@pytest.mark.django_db
def test_site_and_audit_of_another_organization_are_refused(client_a, org_b, audit_a):
    other_site = testing.make_site(org_b)
    response = client_a.post(AUDITS, {"site": str(other_site.pk), "audit_date": "2026-10-01",
                                      "standard": "ISO 45001", "lead_auditor": "X"}, format="json")
    assert response.status_code == 400 and "site" in response.json()["errors"]
    other_audit = QualityAudit.objects.create(organization=org_b, site=other_site, audit_date=date(2026, 1, 1),
                                              standard="ISO 14001", lead_auditor="Y")
    response = client_a.post(FINDINGS, {"audit": str(other_audit.pk), "description": "x"}, format="json")
    assert response.status_code == 400 and "audit" in response.json()["errors"]


@pytest.mark.django_db
def test_owner_must_be_a_member(client_a, audit_a, org_b):
    stranger = testing.make_member(org_b, "org_admin", "stranger@bravo.test")
    response = client_a.post(FINDINGS, {"audit": str(audit_a.pk), "description": "x", "owner": stranger.pk},
                             format="json")
    assert response.status_code == 400 and "owner" in response.json()["errors"]


@pytest.mark.django_db
def test_finding_lifecycle_with_gates_and_four_eyes(org_a, audit_a, admin_a, client_a):
    owner = testing.make_member(org_a, "safety_manager", "owner@alpha.test")
    finding = _finding(audit_a)
    url = f"{FINDINGS}{finding.pk}/transitions/"
    # No owner, no due date: start is blocked, with the reasons.
    options = {o["name"]: o for o in client_a.get(url).json()}
    assert options["start"]["allowed"] is False
    assert {r["code"] for r in options["start"]["reasons"]} == {"owner_missing", "due_date_missing"}
    assert client_a.post(f"{url}start/", {}, format="json").status_code == 400
    finding.owner, finding.due_date = owner, date(2026, 12, 1)
    finding.save()
    owner_client = testing.token_client(owner, org_a)
    assert owner_client.post(f"{url}start/", {}, format="json").status_code == 200
    # Verification needs the action written down...
    response = client_a.post(f"{url}verify/", {}, format="json")
    assert response.status_code == 400
    assert "action_missing" in str(response.json())
    finding.refresh_from_db()
    finding.action_taken = "Personal padlocks issued to the 12 electricians."
    finding.save()
    # ...and someone else than the owner.
    response = owner_client.post(f"{url}verify/", {}, format="json")
    assert response.status_code == 403
    assert "owner of the corrective action" in str(response.json())
    response = client_a.post(f"{url}verify/", {"comment": "Checked on site"}, format="json")
    assert response.status_code == 200, response.json()
    finding.refresh_from_db()
    assert finding.status == "verified" and finding.verified_by == admin_a and finding.verified_at
    assert client_a.post(f"{url}close/", {}, format="json").status_code == 200
    finding.refresh_from_db()
    assert finding.status == "closed" and finding.closed_at
    assert set(Event.objects.filter(object_id=str(finding.pk)).values_list("type", flat=True)) >= {
        "regulatory.auditfinding.started", "regulatory.auditfinding.verified", "regulatory.auditfinding.closed"}


@pytest.mark.django_db
def test_status_is_not_writable_directly(client_a, audit_a):
    finding = _finding(audit_a)
    response = client_a.patch(f"{FINDINGS}{finding.pk}/", {"status": "closed"}, format="json")
    assert response.status_code == 200
    finding.refresh_from_db()
    assert finding.status == "open"


@pytest.mark.django_db
def test_overdue_filter_and_notifications_once(org_a, audit_a, admin_a, client_a,
                                               django_capture_on_commit_callbacks):
    owner = testing.make_member(org_a, "area_incharge", "owner@alpha.test")
    compliance = testing.make_member(org_a, "compliance_officer", "conformite@alpha.test")
    requester = testing.make_member(org_a, "permit_requester", "requester@alpha.test")
    today = timezone.localdate()
    late = _finding(audit_a, owner=owner, due_date=today - timedelta(days=3))
    _finding(audit_a, owner=owner, due_date=today + timedelta(days=3))
    _finding(audit_a, owner=owner, due_date=today - timedelta(days=9), status="closed")
    ids = [row["id"] for row in client_a.get(f"{FINDINGS}?overdue=true").json()["results"]]
    assert ids == [str(late.pk)]
    assert len(client_a.get(f"{FINDINGS}?overdue=false").json()["results"]) == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert findings_overdue_notify() == 1
    assert findings_overdue_notify() == 0  # idempotent
    event = Event.objects.get(type=OVERDUE_EVENT)
    assert event.data["days_overdue"] == 3
    notified = set(Notification.objects.filter(event=event).values_list("user__username", flat=True))
    assert notified == {owner.username, compliance.username, admin_a.username}
    assert requester.username not in notified


@pytest.mark.django_db
def test_roles(org_a, audit_a):
    auditor = testing.token_client(testing.make_member(org_a, "auditor", "aud@alpha.test"), org_a)
    worker = testing.token_client(testing.make_member(org_a, "worker", "w@alpha.test"), org_a)
    assert auditor.get(AUDITS).status_code == 200
    assert auditor.post(FINDINGS, {"audit": str(audit_a.pk), "description": "x"}, format="json").status_code == 403
    assert worker.get(AUDITS).status_code == 403


@pytest.mark.django_db
def test_other_organization_gets_404(client_b, audit_a):
    finding = _finding(audit_a)
    assert client_b.get(f"{AUDITS}{audit_a.pk}/").status_code == 404
    assert client_b.get(f"{FINDINGS}{finding.pk}/").status_code == 404
    assert client_b.post(f"{FINDINGS}{finding.pk}/transitions/start/", {}, format="json").status_code == 404
    assert client_b.get(AUDITS).json()["results"] == []


@pytest.mark.django_db
def test_audit_list_query_count_is_flat(client_a, org_a, site_a):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client_a.get(AUDITS).status_code == 200
        return len(ctx.captured_queries)

    audit = QualityAudit.objects.create(organization=org_a, site=site_a, audit_date=date(2026, 1, 1),
                                        standard="ISO 45001", lead_auditor="A")
    _finding(audit)
    count()  # warm-up: first request caches (content types, token use)
    one = count()
    for i in range(10):
        audit = QualityAudit.objects.create(organization=org_a, site=testing.make_site(org_a),
                                            audit_date=date(2026, 1, 2 + i), standard="ISO 9001", lead_auditor="B")
        _finding(audit)
        _finding(audit, status="closed")
    assert count() == one
    rows = client_a.get(AUDITS).json()["results"]
    assert {(r["findings_count"], r["open_findings_count"]) for r in rows} == {(1, 1), (2, 1)}


@pytest.mark.django_db
def test_admin_screens(org_a, audit_a, admin_a, client):
    finding = _finding(audit_a, owner=admin_a, due_date=timezone.localdate() - timedelta(days=1))
    client.force_login(admin_a)
    page = client.get("/admin/regulatory/quality-audits/")
    assert page.status_code == 200 and "ISO 45001" in page.content.decode()
    page = client.get(f"/admin/regulatory/quality-audits/edit/{audit_a.pk}/")
    assert page.status_code == 200 and "Padlocks not personal" in page.content.decode()
    page = client.get("/admin/regulatory/audit-findings/?overdue=true")
    body = page.content.decode()
    assert page.status_code == 200 and "Padlocks not personal" in body and "Overdue" in body
    page = client.get(f"/admin/regulatory/audit-findings/edit/{finding.pk}/")
    assert page.status_code == 200 and "Start the corrective action" in page.content.decode()
    page = client.get(f"/admin/regulatory/audit-findings/new/?audit={audit_a.pk}")
    assert page.status_code == 200 and f'value="{audit_a.pk}" selected' in page.content.decode()
