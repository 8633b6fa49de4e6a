"""The permit KPI dashboard in a real browser: cards, charts, a card opening the filtered list."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ohms_ptw.tests.test_kpis import bulk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dashboard_cards_charts_and_card_link(live_server, page, shot, kpi_world):
    w, now, late = kpi_world.w, kpi_world.now, kpi_world.late
    bulk(w, 3, status="draft", created_at=now - timedelta(days=8))
    bulk(w, 2, status="approved")

    page.goto(f"{live_server.url}/admin/ptw/dashboard/")
    expect(page.locator("[data-card=total_open] .ptw-card__value")).to_have_text("8")
    expect(page.locator("[data-card=active] .ptw-card__value")).to_have_text("1")
    expect(page.locator("[data-card=expiring_soon] .ptw-card__value")).to_have_text("1")
    expect(page.locator("svg.ohms-chart")).to_have_count(2)
    expect(page.locator("[data-top-overdue] tbody tr")).to_have_count(2)
    shot(page, "ptw-40-kpi-dashboard")

    page.click("[data-card=overdue]")
    page.wait_for_url("**/admin/ptw/permits/?kpi=overdue")
    expect(page.get_by_text(late.permit_number)).to_be_visible()
    shot(page, "ptw-41-dashboard-overdue-list")
