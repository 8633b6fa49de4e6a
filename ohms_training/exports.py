"""The training certificate PDF (reportlab), in French or English, with a QR code.

Why its own label table and not the gettext catalog alone (like the exit certificate of
ohms_health): the certificate is handed to the worker and shown to contractors' and
inspectors' eyes; its wording in each language is fixed as a whole and must never come out
half-translated. The language is the one asked for, else the module's, else the active one.
The QR code links to the public verification page (name, module, dates, valid or expired).
"""
from __future__ import annotations

import textwrap
from io import BytesIO

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

LABELS = {
    "en": {
        "title": "Training certificate", "certifies": "This certifies that", "completed": "has passed the training module",
        "employee_number": "Employee number", "employer": "Employer", "score": "Score", "issued": "Issued on",
        "expires": "Valid until", "reference": "Verification code",
        "verify": "Scan the code or open the link to check that this certificate is valid:",
    },
    "fr": {
        "title": "Certificat de formation", "certifies": "Nous certifions que", "completed": "a réussi le module de formation",
        "employee_number": "Matricule", "employer": "Employeur", "score": "Score", "issued": "Délivré le",
        "expires": "Valable jusqu'au", "reference": "Code de vérification",
        "verify": "Scannez le code ou ouvrez le lien pour vérifier la validité de ce certificat :",
    },
}


def certificate_language(certificate, language: str | None = None) -> str:
    code = (language or getattr(certificate.module, "language", "") or translation.get_language()
            or settings.LANGUAGE_CODE or "en")[:2].lower()
    return code if code in LABELS else "en"


def verification_url(certificate) -> str:
    """Absolute URL of the public verification page (the QR code's target)."""
    base = getattr(settings, "OHMS_BASE_URL", "") or settings.WAGTAILADMIN_BASE_URL
    return base.rstrip("/") + reverse("training-certificate-verify-page") + f"?code={certificate.code}"


def _date(value, lang: str) -> str:
    if not value:
        return ""
    return timezone.localtime(value).strftime("%d/%m/%Y" if lang == "fr" else "%Y-%m-%d")


def certificate_pdf(certificate, *, language: str | None = None, compress: bool = True) -> bytes:
    """The certificate as PDF bytes (``compress=False`` keeps the text readable, for tests)."""
    lang = certificate_language(certificate, language)
    t = LABELS[lang]
    worker, module = certificate.worker, certificate.module
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=landscape(A4), pageCompression=1 if compress else 0)
    pdf.setTitle(f"{t['title']} – {module.title}")
    width, height = landscape(A4)
    pdf.setLineWidth(2)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    y = height - 40 * mm
    pdf.setFont("Helvetica", 11)
    pdf.drawCentredString(width / 2, y, str(certificate.organization.name))
    y -= 16 * mm
    pdf.setFont("Helvetica-Bold", 26)
    pdf.drawCentredString(width / 2, y, t["title"])
    y -= 16 * mm
    pdf.setFont("Helvetica", 13)
    pdf.drawCentredString(width / 2, y, t["certifies"])
    y -= 12 * mm
    pdf.setFont("Helvetica-Bold", 20)
    pdf.drawCentredString(width / 2, y, worker.contact.full_name)
    y -= 10 * mm
    pdf.setFont("Helvetica", 11)
    enterprise = getattr(worker, "enterprise", None)
    pdf.drawCentredString(width / 2, y, f"{t['employee_number']}: {worker.employee_number}"
                          + (f" – {t['employer']}: {enterprise}" if enterprise else ""))
    y -= 12 * mm
    pdf.setFont("Helvetica", 13)
    pdf.drawCentredString(width / 2, y, t["completed"])
    y -= 11 * mm
    pdf.setFont("Helvetica-Bold", 17)
    for line in textwrap.wrap(module.title, 70) or [""]:
        pdf.drawCentredString(width / 2, y, line)
        y -= 8 * mm
    y -= 6 * mm
    pdf.setFont("Helvetica", 11)
    score = f"{t['score']}: {certificate.score}%   " if certificate.score is not None else ""
    pdf.drawCentredString(width / 2, y, f"{score}{t['issued']} {_date(certificate.issued_at, lang)}   "
                                        f"{t['expires']} {_date(certificate.expires_at, lang)}")

    url = verification_url(certificate)
    size = 32 * mm
    widget = QrCodeWidget(url)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - 22 * mm - size, 20 * mm)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(22 * mm, 30 * mm, t["verify"])
    pdf.drawString(22 * mm, 25 * mm, url[:150])
    pdf.drawString(22 * mm, 20 * mm, f"{t['reference']}: {certificate.code}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def certificate_filename(certificate) -> str:
    return f"certificate-{certificate.worker.employee_number}-{certificate.module_id}.pdf"
