"""The visitor's badge: one A6 PDF page (reportlab) with the QR code of the invite's token,
which the gate scanner types into the gate screen."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A6
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def _qr(data: str, size: float = 50 * mm) -> Drawing:
    widget = QrCodeWidget(data)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def _when(value) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def badge_pdf(invite, *, compress: bool = True) -> bytes:
    """The badge's PDF bytes: name, company, host, site, window, access type, QR of the token."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A6, leftMargin=8 * mm, rightMargin=8 * mm, topMargin=8 * mm,
                                 bottomMargin=8 * mm, title=_("Visitor badge"), author="OHMS",
                                 pageCompression=1 if compress else 0)
    rows = [
        (_("Company"), invite.visitor_company or "—"),
        (_("Host"), _person(invite.host)),
        (_("Site"), str(invite.site)),
        (_("From"), _when(invite.expected_arrival)),
        (_("Until"), _when(invite.expected_departure)),
        (_("Access"), str(invite.get_access_type_display())),
    ]
    table = Table([[Paragraph(escape(str(label)), styles["BodyText"]), Paragraph(escape(str(value)), styles["BodyText"])]
                   for label, value in rows], colWidths=[22 * mm, 64 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("FONTSIZE", (0, 0), (-1, -1), 8)]))
    story = [
        Paragraph(escape(_("VISITOR")), styles["Title"]),
        Paragraph(f"<b>{escape(invite.visitor_name)}</b>", styles["Heading2"]),
        table,
        Spacer(1, 3 * mm),
        Table([[_qr(invite.qr_token)]], colWidths=[86 * mm]),
        Paragraph(escape(_("Show this code at the gate.")), styles["BodyText"]),
    ]
    document.build(story)
    return buffer.getvalue()


def badge_filename(invite) -> str:
    from django.utils.text import slugify

    return f"badge-{slugify(invite.visitor_name) or 'visitor'}-{invite.pk.hex[:8]}.pdf"
