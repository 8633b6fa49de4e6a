"""The compliance Reports page in a real browser: filter bar, cards, exception tables, exports."""
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ohms_ptw.tests.test_kpis import bulk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reports_page_cards_tables_and_report_export(live_server, page, shot, kpi_world):
    w, now, late = kpi_world.w, kpi_world.now, kpi_world.late
    bulk(w, 2, status="pending_verification", submitted_at=now - timedelta(hours=9), created_at=now - timedelta(days=40))

    page.goto(f"{live_server.url}/admin/ptw/reports/")
    expect(page.locator("[data-card=overdue_verification] .ptw-card__value")).to_have_text("1")
    expect(page.locator("[data-card=expiring_soon] .ptw-card__value")).to_have_text("1")
    expect(page.locator("[data-exceptions=overdue_verification] tbody tr")).to_have_count(1)
    shot(page, "ptw-50-compliance-report")

    # A wider range brings the older permits in; the filters stay in the URL.
    page.fill("#id_date_from", (timezone.localdate() - timedelta(days=60)).isoformat())
    page.click("[data-report-filters] button")
    page.wait_for_url("**/admin/ptw/reports/?*date_from=*")
    expect(page.locator("[data-card=overdue_verification] .ptw-card__value")).to_have_text("3")

    with page.expect_download() as download:
        page.click("[data-report-export=pdf]")
    assert download.value.suggested_filename.endswith(".pdf")

    page.click(f"[data-exceptions=overdue_verification] >> text={late.permit_number}")
    page.wait_for_url(f"**/admin/ptw/permits/inspect/{late.pk}/*")
