"""Audit-ready exports (SPEC 2.10): PDF, Excel, bulk ZIP; scope, roles, limits, audit rows."""
from __future__ import annotations

import base64
import io
import re
import uuid
import zipfile
import zlib
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import AuditLog

from ..exports import bulk
from ..exports.pdf import generate_audit_ready_pdf
from ..exports.selectors import permit_export_queryset, permit_for_export
from ..models import DigitalSignature, Permit, PermitAudit, PermitCloseout, PermitPhoto
from .factories import PtwWorld
from .helpers import BASE, orm_gas, orm_point, purl

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_text(data: bytes) -> str:
    """Every content stream of a PDF, inflated when compressed (never compare exact bytes)."""
    parts = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = raw.strip()
        if raw.endswith(b"~>"):  # reportlab: ASCII85 then Flate
            raw = base64.a85decode(raw[:-2].replace(b"\n", b""))
        try:
            parts.append(zlib.decompress(raw))
        except zlib.error:
            parts.append(raw)
    return b"\n".join(parts).decode("latin-1").replace("\\(", "(").replace("\\)", ")")


def make_permit(w, **overrides) -> Permit:
    return Permit.objects.get(pk=w.create_permit(**overrides)["id"])


def with_children(w, permit, n: int = 1) -> Permit:
    for _i in range(n):
        orm_gas(w, permit.pk)
        orm_point(w, permit.pk, name=f"Vanne {uuid.uuid4().hex[:6]}")
        DigitalSignature.objects.create(organization=w.org, permit=permit, signatory=w.issuer, meaning="issuer",
                                        signed_at=timezone.now(), permit_version=1, content_hash="a" * 64)
        PermitAudit.objects.create(organization=w.org, permit=permit, action="note", user=w.admin, comments="ok")
        PermitPhoto.objects.create(organization=w.org, permit=permit, taken_at=timezone.now(), caption="Cuve",
                                   file="ptw-photos/x.jpg")
    if not PermitCloseout.objects.filter(permit=permit).exists():
        PermitCloseout.objects.create(organization=w.org, permit=permit, template=w.template,
                                      checklist={"tools_removed": {"done": True}})
    return permit


def export_rows(permit):
    return AuditLog.objects.filter(action="export", object_id=str(permit.pk))


# --- PDF ---------------------------------------------------------------------------------
def test_export_pdf_single_returns_pdf_headers(w):
    permit = with_children(w, make_permit(w))
    response = w.client(w.admin).get(purl(permit.pk, "export_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="PTW_{permit.permit_number}.pdf"'
    assert response.content.startswith(b"%PDF")
    assert permit.permit_number in pdf_text(response.content)
    row = export_rows(permit).get()
    assert row.user == w.admin and row.changes["format"] == "pdf" and row.organization == w.org


def test_pdf_has_the_ten_sections_qr_and_signature_meaning(w, settings):
    settings.OHMS_BASE_URL = "https://ohms.example.cd"
    permit = with_children(w, make_permit(w))
    with acting_as(organization=w.org):
        loaded = permit_for_export(permit.pk, queryset=Permit.objects.all())
        text = pdf_text(generate_audit_ready_pdf(loaded, compress=False))
    for heading in ("Permit to work", "People", "Workflow timeline", "Safety requirements", "Gas readings",
                    "Isolation register", "Closeout checklist", "Signatures", "Photos and attachments", "Audit log"):
        assert heading in text, heading
    assert "Issuer" in text and "SHA-256" in text and "aaaaaaaaaaaa" in text
    assert f"https://ohms.example.cd/admin/ptw/permits/inspect/{permit.pk}/" in text or "ohms.example.cd" in text
    assert "Vanne" in text and "Outils retir" in text


def test_pdf_in_french_follows_the_active_language(w):
    from django.utils import translation

    permit = make_permit(w)
    with acting_as(organization=w.org), translation.override("fr"):
        loaded = permit_for_export(permit.pk, queryset=Permit.objects.all())
        text = pdf_text(generate_audit_ready_pdf(loaded, compress=False))
        status = loaded.get_status_display()
    assert status == "Brouillon" and status in text
    assert permit.permit_number in text


def test_pdf_selector_query_count_does_not_grow_with_children(w):
    small = with_children(w, make_permit(w), 1)
    large = with_children(w, make_permit(w), 6)
    counts = []
    for permit in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            loaded = permit_for_export(permit.pk, queryset=Permit.objects.all())
            generate_audit_ready_pdf(loaded)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 9
    assert len(loaded.export_gas) == 24 and len(loaded.export_points) == 6


# --- Excel -------------------------------------------------------------------------------
def test_export_excel_returns_xlsx_headers(w):
    permits = [make_permit(w) for _i in range(3)]
    response = w.client(w.admin).get(BASE + "export_excel/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert re.match(r'attachment; filename="permits-\d{8}-\d{4}\.xlsx"', response["Content-Disposition"])
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Permits"]
    sheet = book["Permits"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet["A1"].font.b is True and sheet["A1"].value == "Permit number"
    assert sheet.column_dimensions["B"].width == 40
    assert sheet.max_row == 4
    assert {sheet.cell(row=r, column=1).value for r in range(2, 5)} == {p.permit_number for p in permits}
    assert isinstance(sheet["H2"].value, datetime) and "yy" in sheet["H2"].number_format
    assert AuditLog.objects.filter(action="export").count() == 3


def test_export_excel_detailed_has_multiple_sheets(w):
    permit = with_children(w, make_permit(w), 2)
    make_permit(w)
    response = w.client(w.admin).get(BASE + "export_excel/?detailed=true")
    assert response.status_code == 200
    assert "detailed" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Permits", "IsolationPoints", "GasReadings", "Closeout", "AuditLogs"]
    assert book["Permits"].max_row == 3
    assert book["IsolationPoints"].max_row == 1 + 2
    assert book["GasReadings"].max_row == 1 + 8
    assert book["Closeout"].max_row == 1 + 3  # the template's three items
    assert permit.permit_number in {c.value for c in book["AuditLogs"]["A"]}


def test_export_excel_honours_the_list_filters(w):
    make_permit(w)
    other = make_permit(w, project=str(w.other_project.pk))
    response = w.client(w.admin).get(BASE + f"export_excel/?project={w.other_project.pk}")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Permits"]
    assert sheet.max_row == 2 and sheet["A2"].value == other.permit_number
    bad = w.client(w.admin).get(BASE + "export_excel/?status=nonsense")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]["filters"]


def test_formula_injection_is_written_as_text(w):
    make_permit(w, title="=HYPERLINK(\"http://evil\",\"x\")", location="@SUM(A1)")
    make_permit(w, title="+1+1", location="-2")
    response = w.client(w.admin).get(BASE + "export_excel/")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Permits"]
    values = {}
    for row in sheet.iter_rows(min_row=2):
        for cell in (row[1], row[6]):
            values[cell.value] = cell.data_type
    assert values == {'=HYPERLINK("http://evil","x")': "s", "@SUM(A1)": "s", "+1+1": "s", "-2": "s"}


def test_excel_query_count_is_per_chunk_not_per_permit(w):
    few = [make_permit(w).pk for _i in range(3)]
    counts = []
    for ids in (few, few + [make_permit(w).pk for _i in range(12)]):
        with acting_as(organization=w.org), CaptureQueriesContext(connection) as ctx:
            bulk.excel_file(Permit.objects.all(), ids, detailed=True).close()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 9


# --- bulk --------------------------------------------------------------------------------
def read_zip(response) -> zipfile.ZipFile:
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_bulk_export_pdf_zip_contains_files(w):
    permits = [with_children(w, make_permit(w)) for _i in range(3)]
    response = w.client(w.admin).post(BASE + "bulk_export_pdf/", {"permit_ids": [str(p.pk) for p in permits]},
                                      format="json")
    assert response.status_code == 200
    assert re.match(r'attachment; filename="permits-\d{8}-\d{4}\.zip"', response["Content-Disposition"])
    archive = read_zip(response)
    assert sorted(archive.namelist()) == sorted(f"PTW_{p.permit_number}.pdf" for p in permits)
    for permit in permits:
        data = archive.read(f"PTW_{permit.permit_number}.pdf")
        assert data.startswith(b"%PDF") and permit.permit_number in pdf_text(data)
        assert export_rows(permit).get().changes["format"] == "pdf_zip"


def test_bulk_export_by_filters_and_excel(w):
    make_permit(w)
    other = make_permit(w, project=str(w.other_project.pk))
    response = w.client(w.admin).post(BASE + "bulk_export_pdf/", {"filters": {"project": str(w.other_project.pk)}},
                                      format="json")
    assert read_zip(response).namelist() == [f"PTW_{other.permit_number}.pdf"]
    response = w.client(w.admin).post(BASE + "bulk_export_excel/", {"filters": {"status": ["draft"]}, "detailed": True},
                                      format="json")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(book.sheetnames) == 5 and book["Permits"].max_row == 3


def test_bulk_export_limit_enforced(w, settings):
    ids = [str(uuid.uuid4()) for _i in range(201)]
    for route in ("bulk_export_pdf/", "bulk_export_excel/"):
        response = w.client(w.admin).post(BASE + route, {"permit_ids": ids}, format="json")
        assert response.status_code == 400
        assert "at most 200" in str(response.json()["detail"])
    settings.PTW_BULK_EXPORT_LIMIT = 2
    for _i in range(3):
        make_permit(w)
    response = w.client(w.admin).post(BASE + "bulk_export_pdf/", {"filters": {}}, format="json")
    assert response.status_code == 400 and "3 permits" in str(response.json()["detail"])
    assert not AuditLog.objects.filter(action="export").exists()


def test_bulk_export_bad_input_is_400(w):
    client = w.client(w.admin)
    response = client.post(BASE + "bulk_export_pdf/", {"permit_ids": ["not-a-uuid"]}, format="json")
    assert response.status_code == 400 and "permit_ids" in response.json()["errors"]
    response = client.post(BASE + "bulk_export_pdf/", {"permit_ids": "x"}, format="json")
    assert response.status_code == 400 and "permit_ids" in response.json()["errors"]
    response = client.post(BASE + "bulk_export_excel/", {"filters": {"risk_level": "apocalyptic"}}, format="json")
    assert response.status_code == 400 and "risk_level" in response.json()["errors"]["filters"]
    response = client.post(BASE + "bulk_export_pdf/", {"filters": {"status": ["cancelled"]}}, format="json")
    assert response.status_code == 400  # nothing to put in a ZIP


def test_export_permission_filters_queryset(w):
    """Another organization's (or project's) permits are never exported: a single one is a
    404; in a bulk request they are left out like ids that do not exist; none left → 404."""
    mine = make_permit(w)
    theirs_world = PtwWorld(code="KOV")
    theirs = make_permit(theirs_world)
    client = w.client(w.admin)
    assert client.get(purl(theirs.pk, "export_pdf")).status_code == 404
    response = client.post(BASE + "bulk_export_pdf/", {"permit_ids": [str(mine.pk), str(theirs.pk)]}, format="json")
    assert read_zip(response).namelist() == [f"PTW_{mine.permit_number}.pdf"]
    response = client.post(BASE + "bulk_export_excel/", {"permit_ids": [str(theirs.pk)]}, format="json")
    assert response.status_code == 404
    response = client.get(BASE + "export_excel/")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Permits"]
    assert [c.value for c in sheet["A"]][1:] == [mine.permit_number]
    assert not export_rows(theirs).exists()
    # a member limited to the other project sees none of the first project's permits
    limited = testing.make_member(w.org, "safety_manager", projects=[w.other_project])
    limited_client = testing.token_client(limited, w.org)
    assert limited_client.get(purl(mine.pk, "export_pdf")).status_code == 404
    assert limited_client.post(BASE + "bulk_export_pdf/", {"permit_ids": [str(mine.pk)]}, format="json").status_code == 404


@pytest.mark.parametrize(("role", "allowed"), [("worker", False), ("auditor", True), ("permit_requester", True)])
def test_export_roles(w, role, allowed):
    permit = make_permit(w)
    client = testing.token_client(testing.make_member(w.org, role), w.org)
    expected = 200 if allowed else 403
    assert client.get(purl(permit.pk, "export_pdf")).status_code == expected
    assert client.get(BASE + "export_excel/").status_code == expected
    assert client.post(BASE + "bulk_export_pdf/", {"permit_ids": [str(permit.pk)]}, format="json").status_code == expected
    assert export_rows(permit).exists() is allowed


def test_chunks_keep_the_requested_order(w):
    ids = [make_permit(w).pk for _i in range(5)]
    with acting_as(organization=w.org):
        chunks = list(bulk.iter_chunks(Permit.objects.all(), ids, detailed=False, chunk_size=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert [p.pk for c in chunks for p in c] == ids
    assert permit_export_queryset(Permit.objects.none(), detailed=False).query.select_related


def test_bulk_zip_is_streamed_one_pdf_at_a_time(w, monkeypatch):
    """Nothing is built ahead: when the first bytes leave, one PDF only has been made."""
    ids = [make_permit(w).pk for _i in range(3)]
    made = []
    real = bulk.generate_audit_ready_pdf
    monkeypatch.setattr(bulk, "generate_audit_ready_pdf", lambda permit: made.append(permit.pk) or real(permit))
    with acting_as(organization=w.org):
        stream = bulk.stream_pdf_zip(Permit.objects.all(), ids)
        first = next(stream)
        assert made == ids[:1] and first.startswith(b"PK")
        rest = b"".join(stream)
    assert made == ids
    assert len(zipfile.ZipFile(io.BytesIO(first + rest)).namelist()) == 3


def test_export_excel_row_limit(w, settings):
    settings.PTW_EXCEL_EXPORT_LIMIT = 1
    make_permit(w)
    make_permit(w)
    response = w.client(w.admin).get(BASE + "export_excel/")
    assert response.status_code == 400
    assert response.json()["code"] == "export_limit_exceeded" and response.json()["errors"] == {"count": 2, "limit": 1}


def test_bulk_exports_use_their_throttle_scope_when_the_site_sets_a_rate(w):
    from .throttle_utils import throttle_rates

    permit = make_permit(w)
    client = w.client(w.admin)
    body = {"permit_ids": [str(permit.pk)]}
    with throttle_rates(ptw_bulk_export="2/hour"):
        answers = [client.post(BASE + "bulk_export_excel/", body, format="json").status_code for _i in range(3)]
        assert answers == [200, 200, 429]
        assert client.get(purl(permit.pk, "export_pdf")).status_code == 200  # single exports are not in the scope
