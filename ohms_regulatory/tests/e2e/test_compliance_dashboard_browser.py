"""The compliance dashboard in a real browser (issue 12): a compliance officer sees the
cards and the deadline table (overdue in red on top), ticks two declarations, marks them
ready in bulk, then submits them; the awaiting-authority card follows."""
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ohms_core import testing
from ohms_core.context import acting_as

from ...models import DRCReport
from ...services import reports as svc
from .. import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-1234-word"


def test_compliance_officer_marks_ready_and_submits_from_the_dashboard(live_server, page, shot):
    org = testing.make_organization("SMK", "Société Minière du Katanga")
    officer = testing.make_member(org, "compliance_officer", "conformite@smk.test")
    ent = f.enterprise(org)
    now = timezone.now()
    with acting_as(organization=org):
        late = svc.drc_for_incident(f.incident(org, ent, severity="fatal", occurred_at=now - timedelta(hours=30)))[0]
        soon = svc.drc_for_incident(f.incident(org, ent, severity="fatal", occurred_at=now - timedelta(hours=6)))[0]
        svc.drc_for_incident(f.incident(org, ent, severity="severe", occurred_at=now - timedelta(hours=2)))

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/regulatory/dashboard/")
    expect(page.locator("[data-card=overdue] [data-card-value]")).to_have_text("1")
    expect(page.locator("[data-card=due_24h] [data-card-value]")).to_have_text("1")
    expect(page.locator("[data-card=open] [data-card-value]")).to_have_text("3")
    rows = page.locator("[data-deadlines] tbody tr")
    expect(rows.first).to_have_attribute("data-tone", "overdue")
    expect(rows.first).to_contain_text(late.reference_number)
    shot(page, "regulatory-01-compliance-dashboard")

    for report in (late, soon):
        page.check(f"input[value='drc:{report.pk}']")
    page.select_option("select[name=action]", "mark_ready")
    with page.expect_navigation():
        page.click("[data-bulk-apply]")
    expect(page.locator("body")).to_contain_text("2 declaration(s) updated")
    shot(page, "regulatory-02-marked-ready")

    for report in (late, soon):
        page.check(f"input[value='drc:{report.pk}']")
    page.select_option("select[name=action]", "submit")
    with page.expect_navigation():
        page.click("[data-bulk-apply]")
    expect(page.locator("[data-card=awaiting_authority] [data-card-value]")).to_have_text("2")
    expect(page.locator("[data-card=overdue] [data-card-value]")).to_have_text("0")
    expect(page.locator("[data-follow-up]")).to_contain_text(late.reference_number)
    shot(page, "regulatory-03-submitted")
    assert set(DRCReport.objects.filter(status="submitted").values_list("pk", flat=True)) == {late.pk, soon.pk}
