"""Excel workbooks of permits (SPEC 2.10), written with openpyxl in write-only mode.

Write-only mode streams rows to the file: memory stays flat with the number of rows. The
caller passes permits in chunks (``iter_chunks``) so the detailed sheets' prefetches stay
bounded too. Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, and tab
or carriage return) is written as a plain string cell with the quote prefix: opened in
Excel or LibreOffice it shows the text and runs nothing.
"""
from __future__ import annotations

import tempfile
from copy import copy
from datetime import date, datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Border, Font, Side
from openpyxl.utils import get_column_letter

from . import xlsx_rows
from .pdf import person
from .selectors import closeout_of

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd hh:mm"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BOLD = Font(bold=True)
MAX_ROWS = 1_048_576


@lru_cache(maxsize=1024)
def _choice_label(model, field: str, value, language: str) -> str:
    return str(dict(model._meta.get_field(field).flatchoices).get(value, value))


def label(instance, field: str) -> str:
    """``instance.get_<field>_display()``, translated once per value and language: a large
    export asked gettext for the same few labels tens of thousands of times (issue 9)."""
    return _choice_label(type(instance), field, getattr(instance, field), get_language() or "")


def _columns_permits():
    """(header, width, value(permit)) of the Permits sheet: the SPEC's columns and the shipped extras."""
    return [
        (_("Permit number"), 18, lambda p: p.permit_number),
        (_("Title"), 40, lambda p: p.title),
        (_("Type"), 28, lambda p: str(p.permit_type)),
        (_("Category"), 18, lambda p: label(p.permit_type, "category")),
        (_("Status"), 18, lambda p: label(p, "status")),
        (_("Project"), 24, lambda p: str(p.project)),
        (_("Location"), 24, lambda p: p.location),
        (_("Planned start"), 18, lambda p: p.planned_start_time),
        (_("Planned end"), 18, lambda p: p.planned_end_time),
        (_("Priority"), 10, lambda p: label(p, "priority")),
        (_("Risk score"), 10, lambda p: p.risk_score),
        (_("Risk level"), 12, lambda p: label(p, "risk_level")),
        (_("Created by"), 22, lambda p: person(p.created_by)),
        (_("Issuer"), 22, lambda p: person(p.issuer)),
        (_("Receiver"), 22, lambda p: person(p.receiver)),
        (_("Verifier"), 22, lambda p: person(p.verifier)),
        (_("Approver"), 22, lambda p: person(p.approver)),
        (_("Area in-charge"), 22, lambda p: person(p.area_incharge)),
        (_("Submitted at"), 18, lambda p: p.submitted_at),
        (_("Approved at"), 18, lambda p: p.approved_at),
        (_("Actual start"), 18, lambda p: p.actual_start_time),
        (_("Actual end"), 18, lambda p: p.actual_end_time),
        (_("Created at"), 18, lambda p: p.created_at),
        (_("Updated at"), 18, lambda p: p.updated_at),
    ]


def _columns_points():
    return [
        (_("Permit number"), 18, lambda p, x: p.permit_number),
        (_("Point"), 22, lambda p, x: x.point.point_code if x.point_id else x.custom_point_name),
        (_("Energy type"), 16, lambda p, x: label(x.point, "energy_type") if x.point_id else ""),
        (_("Status"), 14, lambda p, x: label(x, "status")),
        (_("Lock count"), 10, lambda p, x: x.lock_count),
        (_("Lock IDs"), 20, lambda p, x: ", ".join(x.lock_ids or [])),
        (_("Isolated by"), 22, lambda p, x: person(x.isolated_by) if x.isolated_by_id else ""),
        (_("Isolated at"), 18, lambda p, x: x.isolated_at),
        (_("Verified by"), 22, lambda p, x: person(x.verified_by) if x.verified_by_id else ""),
        (_("Verified at"), 18, lambda p, x: x.verified_at),
        (_("De-isolated by"), 22, lambda p, x: person(x.deisolated_by) if x.deisolated_by_id else ""),
        (_("De-isolated at"), 18, lambda p, x: x.deisolated_at),
    ]


def _columns_gas():
    return [
        (_("Permit number"), 18, lambda p, x: p.permit_number),
        (_("Gas"), 22, lambda p, x: label(x, "gas")),
        (_("Value"), 10, lambda p, x: float(x.value)),
        (_("Unit"), 8, lambda p, x: x.unit),
        (_("Safe"), 8, lambda p, x: _("Yes") if x.safe else _("No")),
        (_("Tested by"), 22, lambda p, x: person(x.tested_by) if x.tested_by_id else ""),
        (_("Tested at"), 18, lambda p, x: x.tested_at),
        (_("Instrument"), 18, lambda p, x: x.instrument),
    ]


def _columns_closeout():
    return [
        (_("Permit number"), 18, lambda p, x: p.permit_number),
        (_("Item"), 36, lambda p, x: x[0].get("label", x[0].get("key"))),
        (_("Required"), 10, lambda p, x: _("Yes") if x[0].get("required", True) else _("No")),
        (_("Done"), 8, lambda p, x: _("Yes") if x[1].is_done(x[0].get("key")) else _("No")),
        (_("Completed by"), 22, lambda p, x: person(x[1].completed_by) if x[1].completed_by_id else ""),
        (_("Completed at"), 18, lambda p, x: x[1].completed_at),
    ]


def _columns_audit():
    return [
        (_("Permit number"), 18, lambda p, x: p.permit_number),
        (_("Action"), 22, lambda p, x: x.action),
        (_("User"), 22, lambda p, x: person(x.user) if x.user_id else ""),
        (_("Time"), 18, lambda p, x: x.timestamp),
        (_("Comments"), 50, lambda p, x: x.comments),
    ]


def _styles(sheet) -> tuple:
    """The three data-cell styles of ``sheet``'s workbook (bordered; bordered date; bordered
    quoted text), registered once. Why: assigning ``border`` or ``number_format`` to a cell
    makes openpyxl look the style up by hashing it, which was most of the time of a large
    export (issue 9 benchmarks); copying the registered style array gives the same file."""
    styles = getattr(sheet, "_ohms_cell_styles", None)
    if styles is None:
        plain, dated, quoted = WriteOnlyCell(sheet), WriteOnlyCell(sheet), WriteOnlyCell(sheet)
        dated.number_format = DATE_FORMAT
        quoted.quotePrefix = True
        for cell in (plain, dated, quoted):
            cell.border = _BORDER
        styles = sheet._ohms_cell_styles = (plain._style, dated._style, quoted._style)
    return styles


def safe_cell(sheet, value):
    """A cell for ``value``: dates as real dates (local time, no tz), formula-like text as text."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    plain, dated, quoted = _styles(sheet)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, (datetime, date)):
        cell._style = copy(dated)
    elif isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"  # never "f": the text is not run
        cell._style = copy(quoted)
    else:
        cell._style = copy(plain)
    return cell


class _Sheet:
    """A write-only sheet with a bold, frozen, filtered header and fixed column widths."""

    def __init__(self, workbook, title, columns, expected_rows):
        self.sheet = workbook.create_sheet(title)
        self.columns = columns
        self.rows = 0
        for index, (_header, width, _value) in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = "A2"
        # write-only: the filter range is declared before the rows; the caller knows the count
        last_row = MAX_ROWS if expected_rows is None else max(expected_rows, 1) + 1
        self.sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_row}"
        plain, dated, quoted = (WriteOnlyCell(self.sheet) for _i in range(3))
        plain._style, dated._style, quoted._style = _styles(self.sheet)
        xlsx_rows.install(self.sheet, styles=(plain.style_id, dated.style_id, quoted.style_id),
                          prefixes=FORMULA_PREFIXES, make_cell=safe_cell)
        header = []
        for title_, _width, _value in columns:
            cell = WriteOnlyCell(self.sheet, value=str(title_))
            cell.font, cell.border = _BOLD, _BORDER
            header.append(cell)
        self.sheet.append(header)

    def append(self, *args):
        self.append_values([value(*args) for _h, _w, value in self.columns])

    def append_values(self, values):
        """One data row of plain values (``safe_cell``'s rules, written by ``xlsx_rows``)."""
        self.sheet.append(xlsx_rows.RawRow(values))
        self.rows += 1


SHEETS = ("Permits", "IsolationPoints", "GasReadings", "Closeout", "AuditLogs")


def write_workbook(chunks, *, detailed: bool, count: int, target, rows=None):
    """Write permits (an iterable of lists of permits) to ``target`` (a path or file object).

    ``rows`` instead of ``chunks``: the Permits sheet's rows as plain values
    (``flat_permit_rows``), for the flat workbook (``detailed=False``).

    ``count`` sizes the Permits sheet's filter range (write-only sheets declare it before
    the rows); the detailed sheets' filters cover their whole columns. Write-only sheets
    may be filled in any order, so each chunk appends to every sheet: one pass, no buffer.
    """
    workbook = Workbook(write_only=True)
    permits = _Sheet(workbook, "Permits", _columns_permits(), count)
    extra = None
    if detailed:
        extra = {"points": _Sheet(workbook, "IsolationPoints", _columns_points(), None),
                 "gas": _Sheet(workbook, "GasReadings", _columns_gas(), None),
                 "closeout": _Sheet(workbook, "Closeout", _columns_closeout(), None),
                 "audit": _Sheet(workbook, "AuditLogs", _columns_audit(), None)}
    for values in rows if rows is not None and not detailed else ():
        permits.append_values(values)
    for chunk in chunks if rows is None or detailed else ():
        for permit in chunk:
            permits.append(permit)
            if extra is None:
                continue
            for point in permit.export_points:
                extra["points"].append(permit, point)
            for reading in permit.export_gas:
                extra["gas"].append(permit, reading)
            closeout = closeout_of(permit)
            if closeout is not None:
                for item in closeout.template.items or []:
                    extra["closeout"].append(permit, (item, closeout))
            for audit in permit.export_audits:
                extra["audit"].append(permit, audit)
    workbook.save(target)
    return permits.rows


def generate_excel_export(chunks, *, detailed: bool = False, count: int = 0, rows=None) -> tempfile.SpooledTemporaryFile:
    """The workbook in a spooled temporary file (memory up to 4 MB, then disk), rewound."""
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    write_workbook(chunks, detailed=detailed, count=count, target=spool, rows=rows)
    spool.seek(0)
    return spool


#: The columns of the Permits sheet that ``flat_permit_rows`` reads with ``.values_list()``.
FLAT_FIELDS = (
    "pk", "permit_number", "title", "permit_type_id", "status", "project_id", "location", "planned_start_time",
    "planned_end_time", "priority", "risk_score", "risk_level", "created_by_id", "issuer_id", "receiver_id",
    "verifier_id", "approver_id", "area_incharge_id", "submitted_at", "approved_at", "actual_start_time",
    "actual_end_time", "created_at", "updated_at",
)


def flat_permit_rows(queryset, ids: list, *, chunk_size: int = 1000):
    """The Permits sheet's rows (the values of ``_columns_permits``, same order) for ``ids``.

    Why not model instances: building a permit and its seven joined objects was most of the
    CPU of a flat export once the cells were fast (issue 9: Excel >= 3,000 rows/s). Rows come
    from ``.values_list()`` ``chunk_size`` permits a query; the few permit types, projects and
    people they point at are loaded once (by id, through the base manager like the joins) and
    shown with the same ``str()`` / ``person()`` / choice labels. ``test_export_perf`` compares
    the workbook with the one built from instances."""
    from django.contrib.auth import get_user_model

    from ohms_core.models import Project

    from ..models import Permit, PermitType

    language = get_language() or ""
    user_model = get_user_model()
    known = {PermitType: {}, Project: {}, user_model: {}}
    references = ((PermitType, (3,)), (Project, (5,)), (user_model, (12, 13, 14, 15, 16, 17)))

    def choice(field, value):
        return _choice_label(Permit, field, value, language)

    for start in range(0, len(ids), chunk_size):
        batch = ids[start:start + chunk_size]
        rows = {row[0]: row for row in queryset.filter(pk__in=batch).order_by().values_list(*FLAT_FIELDS)}
        for model, positions in references:
            cache = known[model]
            missing = {row[i] for row in rows.values() for i in positions} - set(cache) - {None}
            if missing:
                cache.update(model._base_manager.in_bulk(missing))
        types, projects, users = known[PermitType], known[Project], known[user_model]
        for pk in batch:
            row = rows.get(pk)
            if row is None:
                continue
            permit_type = types.get(row[3])
            yield (
                row[1], row[2], str(permit_type),
                _choice_label(PermitType, "category", permit_type.category, language) if permit_type else "",
                choice("status", row[4]), str(projects.get(row[5])), row[6], row[7], row[8],
                choice("priority", row[9]), row[10], choice("risk_level", row[11]),
                *(person(users.get(row[i])) for i in (12, 13, 14, 15, 16, 17)),
                row[18], row[19], row[20], row[21], row[22], row[23],
            )
