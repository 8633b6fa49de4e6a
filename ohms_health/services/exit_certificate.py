"""The exit certificate PDF (reportlab), in French or English.

Why its own label table and not the gettext catalog alone: the certificate is a legal
document handed to the worker and filed with the CNSS; its wording in each of the two
official languages is fixed as a whole, and it must never come out half-translated when a
catalog entry is missing. The language is the one asked for, else the active one.

It states identity, employer, dates, clinician and the outcome (with restrictions), never
the findings or the disease assessment (DECISIONS 12: the employer reads this paper).
The QR code carries the verification reference.
"""
from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.utils import timezone, translation
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

LABELS = {
    "en": {
        "title": "Exit medical certificate",
        "intro": "The undersigned occupational physician certifies that the worker named below underwent the "
                 "exit medical examination.",
        "worker": "Worker", "employee_number": "Employee number", "employer": "Employer",
        "organization": "Organization", "exit_date": "Exit date", "exam_date": "Examination date",
        "clinician": "Examining clinician", "outcome": "Outcome", "restrictions": "Restrictions",
        "fit": "Fit", "fit_with_restrictions": "Fit with restrictions",
        "reference": "Verification reference", "issued": "Issued on", "signature": "Signature and stamp",
        "confidential": "Medical findings are kept by the occupational health service and are not stated here.",
    },
    "fr": {
        "title": "Certificat médical de fin de contrat",
        "intro": "Le médecin du travail soussigné certifie que le travailleur désigné ci-dessous a passé "
                 "la visite médicale de fin de contrat.",
        "worker": "Travailleur", "employee_number": "Matricule", "employer": "Employeur",
        "organization": "Organisation", "exit_date": "Date de sortie", "exam_date": "Date de l'examen",
        "clinician": "Médecin examinateur", "outcome": "Conclusion", "restrictions": "Restrictions",
        "fit": "Apte", "fit_with_restrictions": "Apte avec restrictions",
        "reference": "Référence de vérification", "issued": "Délivré le", "signature": "Signature et cachet",
        "confidential": "Les constatations médicales sont conservées par le service de santé au travail et "
                        "ne figurent pas ici.",
    },
}


def certificate_language(language: str | None) -> str:
    code = (language or translation.get_language() or settings.LANGUAGE_CODE or "en")[:2].lower()
    return code if code in LABELS else "en"


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def certificate_pdf(exam, *, language: str | None = None, compress: bool = True) -> bytes:
    """The certificate of ``exam`` as PDF bytes (``compress=False`` keeps the text readable
    in the file, for tests)."""
    lang = certificate_language(language)
    t = LABELS[lang]
    worker = exam.worker
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1 if compress else 0)
    pdf.setTitle(t["title"])
    width, height = A4
    left, y = 25 * mm, height - 30 * mm

    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(left, y, t["title"])
    y -= 8 * mm
    pdf.setFont("Helvetica", 9)
    pdf.drawString(left, y, str(exam.organization.name))
    y -= 12 * mm
    text = pdf.beginText(left, y)
    text.setFont("Helvetica", 10)
    for line in _wrap(t["intro"], 95):
        text.textLine(line)
    pdf.drawText(text)
    y -= 16 * mm

    date_format = "%d/%m/%Y" if lang == "fr" else "%Y-%m-%d"
    exam_date = timezone.localtime(exam.scheduled_exam_at).strftime(date_format) if exam.scheduled_exam_at else ""
    enterprise = getattr(worker, "enterprise", None)
    rows = [
        (t["worker"], str(getattr(worker, "contact", "") or worker)),
        (t["employee_number"], worker.employee_number),
        (t["employer"], str(enterprise) if enterprise else str(exam.organization.name)),
        (t["exit_date"], exam.exit_date.strftime(date_format)),
        (t["exam_date"], exam_date),
        (t["clinician"], _person(exam.clinician)),
        (t["outcome"], t.get(exam.fitness_outcome or "", "")),
    ]
    if exam.fitness_outcome == "fit_with_restrictions" and exam.restrictions:
        rows.append((t["restrictions"], exam.restrictions))
    for label, value in rows:
        pdf.setFont("Helvetica-Bold", 10)
        pdf.drawString(left, y, f"{label} :" if lang == "fr" else f"{label}:")
        pdf.setFont("Helvetica", 10)
        lines = _wrap(str(value), 60) or [""]
        for line in lines:
            pdf.drawString(left + 55 * mm, y, line)
            y -= 6 * mm
        y -= 1 * mm

    y -= 4 * mm
    pdf.setFont("Helvetica-Oblique", 8)
    pdf.drawString(left, y, t["confidential"][:140])
    y -= 12 * mm
    issued = timezone.localtime(exam.certificate_issued_at or timezone.now()).strftime(date_format)
    pdf.setFont("Helvetica", 10)
    pdf.drawString(left, y, f"{t['issued']} {issued}")
    y -= 20 * mm
    pdf.line(left, y, left + 70 * mm, y)
    pdf.drawString(left, y - 5 * mm, f"{t['signature']} – {_person(exam.clinician)}")

    reference = exam.certificate_reference or ""
    size = 35 * mm
    widget = QrCodeWidget(reference or "-")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - 25 * mm - size, 25 * mm)
    pdf.setFont("Helvetica", 8)
    pdf.drawRightString(width - 25 * mm, 20 * mm, f"{t['reference']}: {reference}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _wrap(value: str, width: int) -> list[str]:
    import textwrap

    lines: list[str] = []
    for paragraph in (value or "").splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width) or [""])
    return lines
