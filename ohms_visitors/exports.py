"""The muster list as CSV and Excel (openpyxl, write-only), and the QR code as SVG for
the admin screens (reportlab's own QR widget, like the badge)."""
from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _


def muster_rows(result):
    yield [_("Name"), _("Company"), _("Access type"), _("Site"), _("Checked in"), _("Host")]
    for log in result.people:
        host = log.invite.host if log.invite_id else None
        yield [log.person_name, log.person_company, log.get_access_type_display(), str(log.site),
               timezone.localtime(log.check_in_time).strftime("%Y-%m-%d %H:%M"),
               (host.get_full_name() or host.email) if host else ""]
    yield []
    yield [_("Company"), _("People")]
    for row in result.by_company:
        yield [row["company"] or "—", row["count"]]
    yield [_("Total"), result.total]


def _safe(value):
    """No spreadsheet formula from a typed name (CSV/Excel injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else value


def muster_csv(result) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in muster_rows(result):
        writer.writerow([_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def muster_xlsx(result) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("On site"))
    for row in muster_rows(result):
        sheet.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def qr_svg(data: str, size: int = 180) -> str:
    from reportlab.graphics import renderSVG
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(data)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    return svg[svg.index("<svg"):]
