"""Bulk export from the permit list in a real browser: tick rows, Export…, confirm, download."""
import zipfile

import pytest
from playwright.sync_api import expect

from ohms_core.models import AuditLog
from ohms_ptw.tests.factories import PtwWorld
from ohms_ptw.tests.test_admin_helpers import PASSWORD, make_permit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_bulk_export_of_selected_rows_downloads_a_zip(live_server, page, shot, tmp_path):
    w = PtwWorld()
    permits = [make_permit(w, title=f"Permis {i}") for i in range(3)]
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", w.admin.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/ptw/permits/")
    for permit in permits[:2]:
        page.check(f"input[data-ptw-export-select][value='{permit.pk}']")
    shot(page, "ptw-40-list-rows-selected-for-export")
    page.click("[data-ptw-export-link]")
    expect(page.locator("[data-ptw-export-count]")).to_have_attribute("data-ptw-export-count", "2")
    with page.expect_download() as download_info:
        page.click("button[name=format][value=pdf_zip]")
    download = download_info.value
    assert download.suggested_filename.startswith("permits-") and download.suggested_filename.endswith(".zip")
    target = tmp_path / "export.zip"
    download.save_as(target)
    names = sorted(zipfile.ZipFile(target).namelist())
    assert names == sorted(f"PTW_{p.permit_number}.pdf" for p in permits[:2])
    expect(page.locator("[data-ptw-export-done]")).to_be_visible()
    shot(page, "ptw-41-bulk-export-confirmation-downloaded")
    assert AuditLog.objects.filter(action="export").count() == 2
