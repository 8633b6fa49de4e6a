"""Admin exports (SPEC 2.10 "Admin UI"): permit screen buttons, list selection and bulk export."""
from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ohms_core import testing
from ohms_core.models import AuditLog

from .factories import PtwWorld
from .test_admin_helpers import login, make_permit

pytestmark = pytest.mark.django_db
BULK = "/admin/ptw/permits/bulk-export/"


def test_permit_screen_has_export_buttons_that_download(w):
    permit = make_permit(w)
    client = login(w.admin)
    screen = client.get(reverse("ptw_permit:inspect", args=[permit.pk]))
    html = screen.content.decode()
    assert "data-ptw-export-buttons" in html and "Export Excel (detailed)" in html
    pdf = client.get(reverse("ptw_permit:export_pdf", args=[permit.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == f'attachment; filename="PTW_{permit.permit_number}.pdf"'
    xlsx = client.get(reverse("ptw_permit:export_excel", args=[permit.pk]) + "?detailed=1")
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert len(book.sheetnames) == 5 and book["Permits"]["A2"].value == permit.permit_number
    assert AuditLog.objects.filter(action="export", object_id=str(permit.pk)).count() == 2


def test_worker_sees_no_export_buttons_and_is_refused(w):
    permit = make_permit(w)
    worker = testing.make_member(w.org, "worker")
    client = login(worker)
    screen = client.get(reverse("ptw_permit:inspect", args=[permit.pk]))
    assert screen.status_code == 200 and "data-ptw-export-buttons" not in screen.content.decode()
    refused = client.get(reverse("ptw_permit:export_pdf", args=[permit.pk]))
    assert refused.status_code == 302 and refused["Location"] == "/admin/"  # Wagtail's "no access" redirect
    assert client.get(BULK).status_code == 302
    assert not AuditLog.objects.filter(action="export").exists()
    assert "data-ptw-export-link" not in client.get("/admin/ptw/permits/").content.decode()


def test_other_organization_permit_is_404_in_admin(w):
    theirs = make_permit(PtwWorld(code="KOV"))
    client = login(w.admin)
    assert client.get(reverse("ptw_permit:export_pdf", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("ptw_permit:export_excel", args=[theirs.pk])).status_code == 404
    assert client.get(BULK + f"?id={theirs.pk}").status_code == 400  # "No permit to export", nothing leaks


def test_list_has_row_selection_and_export_button_with_filters(w):
    make_permit(w)
    html = login(w.admin).get("/admin/ptw/permits/?status=draft&p=1").content.decode()
    assert "data-ptw-export-select" in html and "data-ptw-export-all" in html
    assert 'href="/admin/ptw/permits/bulk-export/?status=draft"' in html


def test_bulk_export_selected_rows_as_zip(w):
    permits = [make_permit(w) for _i in range(3)]
    client = login(w.admin)
    query = "&".join(f"id={p.pk}" for p in permits[:2])
    page = client.get(f"{BULK}?{query}")
    assert page.status_code == 200 and 'data-ptw-export-count="2"' in page.content.decode()
    data = [("id", str(p.pk)) for p in permits[:2]]
    response = client.post(BULK, {"id": [v for _k, v in data], "format": "pdf_zip", "token": "a" * 32})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response.cookies["ptw_export_token"].value == "a" * 32
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert sorted(names) == sorted(f"PTW_{p.permit_number}.pdf" for p in permits[:2])
    assert AuditLog.objects.filter(action="export").count() == 2


def test_bulk_export_current_filters_as_excel(w):
    make_permit(w)
    other = make_permit(w, project=w.other_project)
    client = login(w.admin)
    page = client.get(f"{BULK}?project={w.other_project.pk}")
    assert 'data-ptw-export-count="1"' in page.content.decode()
    response = client.post(BULK, {"project": str(w.other_project.pk), "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Permits"]
    assert sheet.max_row == 2 and sheet["A2"].value == other.permit_number


def test_bulk_export_confirmation_above_threshold_and_limit(w, settings):
    settings.PTW_EXPORT_CONFIRM_ABOVE = 1
    for _i in range(3):
        make_permit(w)
    client = login(w.admin)
    page = client.get(BULK).content.decode()
    assert "data-ptw-export-confirm" in page
    refused = client.post(BULK, {"format": "xlsx"})
    assert refused.status_code == 400 and "data-ptw-export-error" in refused.content.decode()
    assert not AuditLog.objects.filter(action="export").exists()
    confirmed = client.post(BULK, {"format": "xlsx", "confirm": "1"})
    assert confirmed.status_code == 200
    settings.PTW_BULK_EXPORT_LIMIT = 2
    over = client.get(BULK)
    assert over.status_code == 400 and "at most 2" in over.content.decode()
