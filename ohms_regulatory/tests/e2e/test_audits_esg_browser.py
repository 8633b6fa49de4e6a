"""Quality audits and the ESG dashboard in a real browser: a finding's blocked button says
why, the owner starts the action, another manager verifies it; the ESG dashboard draws the
years against the goal."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ohms_core import testing
from ohms_regulatory.models import (
    ActivityData,
    AuditFinding,
    EmissionFactor,
    QualityAudit,
    SustainabilityGoal,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-1234-word"


def _login(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_finding_blocked_then_started_and_verified(live_server, browser, shot):
    org = testing.make_organization("SMK", "Société Minière du Katanga")
    compliance = testing.make_member(org, "compliance_officer", "conformite@smk.test")
    owner = testing.make_member(org, "safety_manager", "securite@smk.test")
    audit = QualityAudit.objects.create(organization=org, site=testing.make_site(org, name="Concentrateur"),
                                        audit_date=date(2026, 10, 1), standard="ISO 45001:2018",
                                        lead_auditor="Bureau Veritas Congo")
    finding = AuditFinding.objects.create(organization=org, audit=audit, reference="NC-01",
                                          description="Cadenas de consignation non nominatifs")

    owner_page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB").new_page()
    _login(owner_page, live_server, owner)
    owner_page.goto(f"{live_server.url}/admin/regulatory/audit-findings/edit/{finding.pk}/")
    reasons = owner_page.locator("[data-ohms-reasons=start]")
    expect(reasons.locator("[data-code=owner_missing]")).to_be_visible()
    expect(owner_page.locator("button[data-ohms-transition=start]")).to_be_disabled()
    shot(owner_page, "regulatory-01-finding-blocked")

    finding.owner, finding.due_date = owner, timezone.localdate() + timedelta(days=10)
    finding.save()
    owner_page.reload()
    with owner_page.expect_navigation():
        owner_page.locator("button[data-ohms-transition=start]").click()
    expect(owner_page.locator("[data-ohms-state]")).to_have_text("In progress")
    finding.refresh_from_db()
    finding.action_taken = "Cadenas personnels remis aux 12 électriciens."
    finding.save()
    owner_page.reload()
    # The owner may not verify their own action: the button says so.
    expect(owner_page.locator("[data-ohms-reasons=verify] [data-code=four_eyes]")).to_be_visible()
    shot(owner_page, "regulatory-02-finding-four-eyes")

    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB").new_page()
    _login(page, live_server, compliance)
    page.goto(f"{live_server.url}/admin/regulatory/audit-findings/edit/{finding.pk}/")
    with page.expect_navigation():
        page.locator("button[data-ohms-transition=verify]").click()
    expect(page.locator("[data-ohms-state]")).to_have_text("Verified")
    shot(page, "regulatory-03-finding-verified")
    finding.refresh_from_db()
    assert finding.status == "verified" and finding.verified_by_id == compliance.pk


def test_esg_dashboard(live_server, page, shot):
    org = testing.make_organization("SMK", "Société Minière du Katanga")
    admin = testing.make_member(org, "org_admin", "admin@smk.test")
    plant = testing.make_site(org, name="Concentrateur")
    power = EmissionFactor.objects.create(organization=org, resource_name="Électricité", unit="kWh",
                                          co2_factor=Decimal("0.4"), emission_scope="scope_2")
    diesel = EmissionFactor.objects.create(organization=org, resource_name="Gazole", unit="L",
                                           co2_factor=Decimal("2.68"), emission_scope="scope_1")
    for year, scale in ((2023, Decimal("1")), (2024, Decimal("0.95")), (2025, Decimal("0.88"))):
        for month in range(1, 13):
            ActivityData.objects.create(organization=org, factor=power, site=plant, year=year, month=month,
                                        quantity=Decimal("100000") * scale)
            ActivityData.objects.create(organization=org, factor=diesel, site=plant, year=year, month=month,
                                        quantity=Decimal("9000") * scale)
    SustainabilityGoal.objects.create(organization=org, year=2025, baseline_year=2023,
                                      target_reduction_percentage=Decimal("10"))
    _login(page, live_server, admin)
    page.goto(f"{live_server.url}/admin/regulatory/esg/?year=2025")
    expect(page.locator("[data-card=total] strong")).to_be_visible()
    expect(page.locator("svg.ohms-chart rect[data-year='2023'][data-scope='scope_2']")).to_have_count(1)
    expect(page.locator("svg.ohms-chart line[data-target-year='2025']")).to_have_count(1)
    expect(page.locator("tr.ohms-esg-goal--ontrack")).to_have_count(1)
    shot(page, "regulatory-04-esg-dashboard")
