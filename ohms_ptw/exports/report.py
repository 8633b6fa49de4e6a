"""The compliance report (SPEC 4.5) as a short PDF and as a workbook.

Only formats what ``ohms_ptw.reports`` selected (the summary and the exception lists, at
most ``PTW_REPORT_EXCEPTION_LIMIT`` rows each): no query here. The permits themselves are
exported by the bulk exports (``exports.bulk``), not here: one implementation of those.
Workbook text goes through ``excel.safe_cell`` (formula-like text is written as text).
"""
from __future__ import annotations

import io
import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from .. import reports
from ..states import PermitStatus
from .excel import _BOLD, _BORDER, safe_cell
from .pdf import _H1, _H2, _pairs, _table, when

#: Sheet titles of the exception lists (Excel: at most 31 characters, stable, untranslated).
SHEET_TITLES = {
    "overdue_verification": "OverdueVerification",
    "overdue_approval": "OverdueApproval",
    "isolation_pending": "IsolationPending",
    "closeout_pending": "CloseoutPending",
    "expiring_soon": "ExpiringSoon",
    "activated_without_verified_isolation": "ActivatedNoIsolation",
}


def summary_cards(summary: dict) -> list[tuple[str, str, object]]:
    """(key, label, value) of the six summary cards (the admin page, the PDF, the workbook)."""
    return [
        ("overdue_verification", _("Overdue verification"), summary["overdue"]["verification"]),
        ("overdue_approval", _("Overdue approval"), summary["overdue"]["approval"]),
        ("expiring_soon", _("Expiring soon"), summary["expiring_soon"]),
        ("isolation_pending", _("Isolation pending"), summary["isolation_pending"]),
        ("closeout_pending", _("Closeout pending"), summary["closeout_pending"]),
        ("incident_rate", _("Incident rate"), f"{summary['incident_rate'] * 100:.1f} %"),
    ]


def _hours_label(key: str) -> str:
    return _("Hours left") if key in reports.HOURS_LEFT_LISTS else _("Age (hours)")


def exception_rows(key: str, permits, now) -> list[dict]:
    """One dict per permit of an exception list: the API row plus what a reader needs."""
    rows = []
    for permit in permits:
        row = reports.exception_row(key, permit, now)
        rows.append({**row, "permit": permit, "hours": row.get("hours_left", row.get("age_hours")),
                     "status_label": permit.get_status_display(), "title": permit.title,
                     "project": str(permit.project), "permit_type": str(permit.permit_type)})
    return rows


# --- PDF ------------------------------------------------------------------------------
def generate_report_pdf(*, summary: dict, lists: dict, rng, filters_text: str = "", now=None,
                        compress: bool = True) -> bytes:
    now = now or timezone.now()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm, title=_("Permit compliance report"),
                                 author="OHMS", pageCompression=1 if compress else 0)
    story = [Paragraph(_("Permit compliance report"), _H1),
             _pairs([(_("Permits created from"), rng.date_from_display), (_("Permits created until"), rng.date_to_display),
                     (_("Filters"), filters_text or "—"), (_("Generated"), when(now))]),
             Paragraph(_("Summary"), _H2),
             _pairs([(label, value) for _key, label, value in summary_cards(summary)]
                    + [(_("Completed permits"), summary["completed"]),
                       (_("Completed permits with an incident"), summary["completed_with_incident"])]),
             Paragraph(_("Permits by status"), _H2),
             _pairs([(PermitStatus(status).label, count) for status, count in summary["counts_by_status"].items()
                     if count])]
    for key, label in reports.EXCEPTION_LISTS:
        rows = exception_rows(key, lists[key], now)
        story.append(Paragraph(f"{label} ({len(rows)})", _H2))
        if not rows:
            story.append(Paragraph(_("None."), _H2.clone("ptw_none", fontSize=8, fontName="Helvetica")))
            continue
        story.append(_table([_("Permit"), _("Title"), _("Status"), _("Project"), _("Permit type"), _hours_label(key),
                             _("Planned end")],
                            [[r["permit_number"], r["title"], r["status_label"], r["project"], r["permit_type"],
                              r["hours"], when(r["permit"].planned_end_time)] for r in rows],
                            widths=[30 * mm, 70 * mm, 30 * mm, 35 * mm, 45 * mm, 22 * mm, 30 * mm]))
    story.append(Spacer(1, 4 * mm))
    document.build(story)
    return buffer.getvalue()


# --- Excel ----------------------------------------------------------------------------
def _header(sheet, titles_widths):
    cells = []
    for index, (title, width) in enumerate(titles_widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font, cell.border = _BOLD, _BORDER
        cells.append(cell)
    sheet.freeze_panes = "A2"
    sheet.append(cells)


def _row(sheet, values):
    sheet.append([safe_cell(sheet, value) for value in values])


def generate_report_excel(*, summary: dict, lists: dict, rng, filters_text: str = "", now=None):
    """A ``Summary`` sheet, then one sheet per exception list; a spooled file, rewound."""
    now = now or timezone.now()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Summary")
    _header(sheet, [(_("Figure"), 40), (_("Value"), 24)])
    for label, value in [(_("Permits created from"), rng.date_from), (_("Permits created until"), rng.date_to),
                         (_("Filters"), filters_text), (_("Generated"), now)]:
        _row(sheet, [str(label), value])
    for _key, label, value in summary_cards(summary):
        _row(sheet, [str(label), value])
    _row(sheet, [_("Completed permits"), summary["completed"]])
    _row(sheet, [_("Completed permits with an incident"), summary["completed_with_incident"]])
    for status, count in summary["counts_by_status"].items():
        _row(sheet, [str(PermitStatus(status).label), count])
    for item in summary["top_permit_types"]:
        _row(sheet, [_("Permit type: %(name)s") % {"name": item["permit_type"]["name"]}, item["count"]])
    for key, _label in reports.EXCEPTION_LISTS:
        sheet = workbook.create_sheet(SHEET_TITLES[key])
        _header(sheet, [(_("Permit number"), 18), (_("Title"), 40), (_("Status"), 18), (_("Project"), 24),
                        (_("Permit type"), 28), (_hours_label(key), 12), (_("Planned end"), 18)])
        for r in exception_rows(key, lists[key], now):
            _row(sheet, [r["permit_number"], r["title"], r["status_label"], r["project"], r["permit_type"], r["hours"],
                         r["permit"].planned_end_time])
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return spool
