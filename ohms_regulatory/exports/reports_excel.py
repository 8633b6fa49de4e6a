"""Excel export of a filtered list of declarations (issue 12): one sheet, one row per report.

Rows are read in one query (enterprise joined; the DRC links counted in the same query);
text a spreadsheet would run as a formula is written as plain text (the permit exports'
``FORMULA_PREFIXES`` rule).
"""
from __future__ import annotations

import io

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 50_000


def _safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def reports_workbook(queryset, *, kind: str) -> tuple[bytes, int]:
    """(xlsx bytes, row count) of ``queryset`` (already scoped and filtered)."""
    queryset = queryset.select_related("enterprise").order_by("deadline_at", "created_at")
    if kind == "drc":
        queryset = queryset.prefetch_related(None).annotate(n_incidents=Count("incidents", distinct=True),
                                                            n_diseases=Count("diseases", distinct=True))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("CNSS declarations") if kind == "cnss" else _("DRC reports"))
    header = [_("Reference"), _("Type"), _("Status"), _("Enterprise"), _("CNSS employer number"), _("Event time"),
              _("Deadline"), _("Overdue"), _("Submitted at"), _("Authority reference"), _("Authority response"),
              _("Follow-up deadline")]
    header += [_("Incident"), _("Disease")] if kind == "cnss" else [_("Incidents"), _("Diseases")]
    sheet.append(header)
    count = 0
    for report in queryset[:MAX_ROWS]:
        row = [report.reference_number, report.get_report_type_display(), report.get_status_display(),
               report.enterprise.name, report.enterprise.cnss_employer_number, report.event_at, report.deadline_at,
               _("yes") if report.is_overdue else _("no"), report.submitted_at, report.authority_reference,
               report.authority_response, report.follow_up_deadline]
        if kind == "cnss":
            row += [str(report.incident_id or ""), str(report.disease_id or "")]
        else:
            row += [report.n_incidents, report.n_diseases]
        sheet.append([_safe(value) for value in row])
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count
