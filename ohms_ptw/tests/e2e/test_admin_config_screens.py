"""PTW configuration in a real browser: the coloured 5x5 risk grid and the permit form."""
import pytest
from playwright.sync_api import expect

from ohms_ptw.models import RiskMatrix
from ohms_ptw.tests.factories import PtwWorld
from ohms_ptw.tests.test_admin_helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_risk_grid_editor_colours_and_saves(live_server, page, shot):
    w = PtwWorld()
    matrix = RiskMatrix.objects.get(organization=w.org)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", w.admin.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/ptw/risk-matrices/edit/{matrix.pk}/")
    cell = page.locator("td[data-ptw-cell='1-1']")
    expect(cell).to_have_css("background-color", "rgb(46, 133, 64)")  # low: green
    expect(page.locator("td[data-ptw-cell='5-5']")).to_have_css("background-color", "rgb(198, 40, 40)")  # extreme: red
    cell.locator("select").select_option("high")
    expect(cell).to_have_css("background-color", "rgb(240, 138, 0)")  # high: orange, at once
    page.locator("[data-ptw-risk-grid]").scroll_into_view_if_needed()
    shot(page, "ptw-20-risk-grid-editor")
    page.click("button[type=submit]:has-text('Save')")
    page.wait_for_url(f"{live_server.url}/admin/ptw/risk-matrices/")
    matrix.refresh_from_db()
    assert matrix.grid[0][0] == "high"

    page.goto(f"{live_server.url}/admin/ptw/permits/new/")
    expect(page.locator("select[name=verifier]")).to_be_attached()
    shot(page, "ptw-21-new-permit-form")
    page.goto(f"{live_server.url}/admin/ptw/permit-types/edit/{w.permit_type.pk}/")
    shot(page, "ptw-22-permit-type-toggles")
