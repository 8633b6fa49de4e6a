"""The audit-ready PDF of one permit (SPEC 2.10, ten sections), built with reportlab.

Only formats what ``selectors.permit_export_queryset`` loaded: no query here. Labels follow
the active language (French or English). Long tables split across pages (platypus
``repeatRows``); signature images are drawn only when small PNG/JPEG data URLs, never
huge; attachments are listed by name only, their contents are never read.

Speed (issue 9 benchmarks: a bulk ZIP of 200 PDFs in <= 10 s of CPU): the QR code is encoded
once per permit by reportlab's own QR encoder (the one ``QrCodeWidget`` wraps) and painted as
one filled path (``QrFlowable``), instead of a ``Drawing`` holding the widget, which the table
measured and then drew (two encodings, each scoring the eight masks) as hundreds of rectangle
shapes. Paragraph and table styles are module constants, built once per process.
"""
from __future__ import annotations

import base64
import binascii
import io
import itertools
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from .selectors import closeout_of

#: A signature image larger than this (decoded bytes) is not embedded: "signed" is shown.
MAX_SIGNATURE_BYTES = 150_000

_STYLES = getSampleStyleSheet()
_BODY = _STYLES["BodyText"].clone("ptw_body", fontSize=8, leading=10)
_H1 = _STYLES["Heading1"].clone("ptw_h1", fontSize=14, spaceAfter=2)
_H2 = _STYLES["Heading2"].clone("ptw_h2", fontSize=11, spaceBefore=8, spaceAfter=3)
_TABLE_STYLE = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
])


def permit_admin_url(permit) -> str:
    """Absolute URL of the permit's admin screen (the QR code's target)."""
    base = getattr(settings, "OHMS_BASE_URL", "") or settings.WAGTAILADMIN_BASE_URL
    return base.rstrip("/") + reverse("ptw_permit:inspect", args=[permit.pk])


def person(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def when(value) -> str:
    if not value:
        return "—"
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "SHORT_DATETIME_FORMAT")


def _p(value) -> Paragraph:
    return Paragraph(escape(str(value if value not in (None, "") else "—")), _BODY)


def _table(header, rows, widths=None):
    data = [[_p(h) for h in header]] + [[c if isinstance(c, (Image, Drawing, Flowable)) else _p(c) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(_TABLE_STYLE)
    return table


def _pairs(rows):
    """A two-column label / value table (no header row)."""
    table = Table([[_p(label), _p(value)] for label, value in rows], colWidths=[45 * mm, 130 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f5f7"))]))
    return table


class QrFlowable(Flowable):
    """The QR code of ``url``, ``size`` square with reportlab's quiet zone (4 modules).

    Encoded once, by the encoder of reportlab's ``QrCodeWidget`` (same level, version and mask
    choice), and drawn as one path of the dark runs of each row: the same modules the widget
    would draw as one rectangle shape each."""

    def __init__(self, url: str, size: float = 28 * mm):
        super().__init__()
        widget = QrCodeWidget(url)
        widget.qr.make()
        self.modules = widget.qr.modules
        self.border = widget.barBorder
        self.width = self.height = size

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        count = len(self.modules)
        box = self.width / (count + 2 * self.border)
        path = self.canv.beginPath()
        for r, row in enumerate(self.modules):
            y = self.height - (r + self.border + 1) * box
            c = 0
            for dark, run in itertools.groupby(row):
                length = sum(1 for _i in run)
                if dark:
                    path.rect((c + self.border) * box, y, length * box, box)
                c += length
        self.canv.drawPath(path, stroke=0, fill=1)


def _qr(url: str, size: float = 28 * mm) -> QrFlowable:
    return QrFlowable(url, size)


def _signature_image(data: str):
    """A small embedded image from a ``data:image/png|jpeg;base64,`` value, else None."""
    if not data or not data.startswith(("data:image/png;base64,", "data:image/jpeg;base64,")):
        return None
    raw = data.split(",", 1)[1]
    if len(raw) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        return None
    try:
        reader = ImageReader(io.BytesIO(base64.b64decode(raw, validate=True)))
        width, height = reader.getSize()
    except (binascii.Error, ValueError, OSError):
        return None
    scale = min(35 * mm / max(width, 1), 12 * mm / max(height, 1))
    return Image(reader, width=width * scale, height=height * scale)


def _file_name(document) -> str:
    return document.title if document is not None else "—"


def _checklist_rows(permit):
    items = {i.get("key"): i.get("label", i.get("key")) for i in (permit.permit_type.safety_checklist_items or [])
             if isinstance(i, dict)}
    checklist = permit.safety_checklist or {}
    keys = list(items) + [k for k in checklist if k not in items]
    return [(items.get(key, key), _("Yes") if checklist.get(key) else _("No")) for key in keys]


def build_story(permit) -> list:
    """The flowables of the ten sections, in the order of SPEC 2.10."""
    story = []
    # 1. Header
    title = Paragraph(escape(f"{_('Permit to work')} {permit.permit_number}"), _H1)
    header = Table([[title, _qr(permit_admin_url(permit))]], colWidths=[145 * mm, 30 * mm], hAlign="LEFT")
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [header, _pairs([
        (_("Permit number"), permit.permit_number), (_("Title"), permit.title),
        (_("Type / category"), f"{permit.permit_type} / {permit.permit_type.get_category_display()}"),
        (_("Project"), permit.project), (_("Location"), permit.location),
        (_("Planned start"), when(permit.planned_start_time)), (_("Planned end"), when(permit.planned_end_time)),
        (_("Status"), permit.get_status_display()), (_("Priority"), permit.get_priority_display()),
        (_("Risk"), f"{permit.risk_score} — {permit.get_risk_level_display()}"),
        (_("Permit screen"), permit_admin_url(permit)),
    ])]
    # 2. People
    story += [Paragraph(_("People"), _H2), _pairs([
        (_("Created by"), person(permit.created_by)), (_("Issuer"), person(permit.issuer)),
        (_("Receiver"), person(permit.receiver)), (_("Verifier"), person(permit.verifier)),
        (_("Approver"), person(permit.approver)), (_("Area in-charge"), person(permit.area_incharge)),
    ] + ([(_("Department head"), person(permit.department_head))] if permit.department_head_id else []))]
    # 3. Workflow timeline
    story += [Paragraph(_("Workflow timeline"), _H2), _pairs([
        (_("Created"), when(permit.created_at)), (_("Submitted"), when(permit.submitted_at)),
        (_("Verified"), when(permit.verified_at)), (_("Approved"), when(permit.approved_at)),
        (_("Actual start"), when(permit.actual_start_time)), (_("Actual end"), when(permit.actual_end_time)),
        (_("Completed"), when(permit.completed_at)),
    ])]
    # 4. Safety requirements
    story += [Paragraph(_("Safety requirements"), _H2), _pairs([
        (_("PPE"), ", ".join(str(p) for p in (permit.ppe_requirements or [])) or "—"),
        (_("Control measures"), permit.control_measures),
        (_("Risk assessment"), permit.risk_assessment),
    ])]
    if permit.export_hazards:
        story.append(_table([_("Hazard"), _("Control measures"), _("Risk level")],
                            [(h.hazard, h.control_measures, h.get_risk_level_display()) for h in permit.export_hazards]))
    checklist = _checklist_rows(permit)
    if checklist:
        story.append(_table([_("Checklist item"), _("Done")], checklist, [130 * mm, 45 * mm]))
    # 5. Gas readings
    story.append(Paragraph(_("Gas readings"), _H2))
    if permit.export_gas:
        story.append(_table([_("Gas"), _("Value"), _("Safe"), _("Tested by"), _("Tested at"), _("Instrument")], [
            (g.get_gas_display(), f"{g.value} {g.unit}".strip(), _("Yes") if g.safe else _("No"), person(g.tested_by),
             when(g.tested_at), g.instrument) for g in permit.export_gas]))
    else:
        story.append(_p(_("No gas readings.")))
    # 6. Isolation register
    story.append(Paragraph(_("Isolation register"), _H2))
    if permit.export_points:
        story.append(_table(
            [_("Point"), _("Energy"), _("Locks"), _("Lock IDs"), _("Isolated"), _("Verified"), _("De-isolated"), _("Status")],
            [(f"{pt.point.point_code} {pt.point.location}".strip() if pt.point_id else pt.custom_point_name,
              pt.point.get_energy_type_display() if pt.point_id else "—", pt.lock_count, ", ".join(pt.lock_ids or []) or "—",
              f"{person(pt.isolated_by)} {when(pt.isolated_at)}" if pt.isolated_at else "—",
              f"{person(pt.verified_by)} {when(pt.verified_at)}" if pt.verified_at else "—",
              f"{person(pt.deisolated_by)} {when(pt.deisolated_at)}" if pt.deisolated_at else "—",
              pt.get_status_display()) for pt in permit.export_points]))
    else:
        story.append(_p(_("No isolation points.")))
    # 7. Closeout checklist
    story.append(Paragraph(_("Closeout checklist"), _H2))
    closeout = closeout_of(permit)
    if closeout is not None:
        story.append(_table([_("Item"), _("Required"), _("Done")], [
            (item.get("label", item.get("key")), _("Yes") if item.get("required", True) else _("No"),
             _("Yes") if closeout.is_done(item.get("key")) else _("No")) for item in (closeout.template.items or [])]))
        story.append(_pairs([(_("Completed by"), person(closeout.completed_by)), (_("Completed at"), when(closeout.completed_at)),
                             (_("Remarks"), closeout.remarks)]))
    else:
        story.append(_p(_("No closeout recorded.")))
    # 8. Signatures
    story.append(Paragraph(_("Signatures"), _H2))
    if permit.export_signatures:
        story.append(_table([_("Signatory"), _("Meaning"), _("Signed at"), _("Permit version"), _("Signature")], [
            (person(s.signatory), s.get_meaning_display(), when(s.signed_at), s.permit_version,
             _signature_image(s.signature_data) or _("Signed (SHA-256 %(hash)s…)") % {"hash": s.content_hash[:12]})
            for s in permit.export_signatures]))
    else:
        story.append(_p(_("No signatures.")))
    # 9. Photos and attachments (metadata only)
    story.append(Paragraph(_("Photos and attachments"), _H2))
    if permit.export_photos:
        story.append(_table([_("Type"), _("Caption"), _("Taken by"), _("Taken at")], [
            (ph.get_photo_type_display(), ph.caption, person(ph.taken_by), when(ph.taken_at)) for ph in permit.export_photos]))
    story.append(_pairs([
        (_("Method statement"), _file_name(permit.method_statement)),
        (_("Work procedure"), _file_name(permit.work_procedure)),
        (_("Risk assessment document"), _file_name(permit.risk_assessment_doc)),
        (_("Isolation certificate"), permit.isolation_certificate.name.rsplit("/", 1)[-1] if permit.isolation_certificate else "—"),
        (_("Site layout"), _file_name(permit.site_layout)),
    ]))
    # 10. Audit log excerpt
    story.append(Paragraph(_("Audit log (latest %(count)s)") % {"count": len(permit.export_audits)}, _H2))
    if permit.export_audits:
        story.append(_table([_("Action"), _("User"), _("Time"), _("Comments")], [
            (a.action, person(a.user), when(a.timestamp), a.comments) for a in permit.export_audits],
            [35 * mm, 35 * mm, 30 * mm, 75 * mm]))
    else:
        story.append(_p(_("No audit entries.")))
    story.append(Spacer(1, 4 * mm))
    story.append(_p(_("Generated %(when)s") % {"when": when(timezone.now())}))
    return story


def generate_audit_ready_pdf(permit, *, compress: bool = True) -> bytes:
    """The PDF bytes of one permit loaded by ``permit_export_queryset``."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                                 bottomMargin=15 * mm, title=f"{permit.permit_number}", author="OHMS",
                                 pageCompression=1 if compress else 0)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(15 * mm, 8 * mm, f"{permit.permit_number} — {_('Page %(page)s') % {'page': doc.page}}")
        canvas.restoreState()

    document.build(build_story(permit), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
