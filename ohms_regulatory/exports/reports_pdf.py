"""The French declaration form of a CNSS or DRC report (issue 12 "Declarations as documents").

The document is filed with a Congolese authority, so it is always in French, whatever the
reader's language: its wording is the form's, written here in French, not a translation
of the interface. What it contains (DECISIONS 12: no medical content beyond what the
declaration legally needs):

* the employer: enterprise name, CNSS employer number, address, organization;
* the declaration: reference, type, status, event time, statutory deadline, filing date,
  the authority's reference and answer;
* the worker(s): identity and employment only (name, employee number, date of birth,
  job title, hire date);
* the event: an accident's date, place, severity, description, and per person the nature
  and site of the injuries and the days lost (the accident declaration asks for them); an
  occupational disease's name and diagnosis date (the declaration is of that disease). Never
  the causal agent, the diagnosis detail, examination findings or results;
* monthly statistics: the aggregate figures only;
* a signature block (place, date, name and capacity of the declarant, employer's stamp).
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..models import CNSSReport

_STYLES = getSampleStyleSheet()
_BODY = _STYLES["BodyText"].clone("reg_body", fontSize=9, leading=11)
_SMALL = _STYLES["BodyText"].clone("reg_small", fontSize=7, leading=9, textColor=colors.grey)
_H1 = _STYLES["Heading1"].clone("reg_h1", fontSize=14, spaceAfter=2, alignment=1)
_H2 = _STYLES["Heading2"].clone("reg_h2", fontSize=11, spaceBefore=8, spaceAfter=3)
_CENTER = _STYLES["BodyText"].clone("reg_center", fontSize=9, alignment=1)
_GRID = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f6")),
])
_HEADER_GRID = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
])

TITLES = {
    ("cnss", "incident"): "Déclaration d'accident du travail",
    ("cnss", "fatality"): "Déclaration d'accident du travail mortel",
    ("cnss", "disease"): "Déclaration de maladie professionnelle",
    ("cnss", "monthly_stats"): "Statistiques mensuelles des accidents du travail et maladies professionnelles",
    ("cnss", "quarterly_summary"): "Synthèse trimestrielle",
    ("cnss", "annual_report"): "Rapport annuel",
    ("drc", "fatal_incident"): "Déclaration d'accident mortel à l'Inspection du travail",
    ("drc", "severe_incident"): "Déclaration d'accident grave à l'Inspection du travail",
    ("drc", "disease_notice"): "Avis de maladie professionnelle à l'Inspection du travail",
    ("drc", "monthly_incidents"): "Relevé mensuel des accidents",
    ("drc", "quarterly_health"): "Indicateurs trimestriels de santé au travail",
    ("drc", "annual_compliance"): "Rapport annuel de conformité",
}
STATUS_FR = {"draft": "Brouillon", "ready_for_submission": "Prêt à soumettre", "submitted": "Soumis",
             "acknowledged": "Accusé de réception", "approved": "Approuvé", "rejected": "Rejeté"}
SEVERITY_FR = {"first_aid": "Premiers soins", "medical_treatment": "Soins médicaux", "lost_time": "Arrêt de travail",
               "severe": "Grave", "fatal": "Mortel"}
INJURY_FR = {"contusion": "Contusion", "laceration": "Plaie / coupure", "fracture": "Fracture",
             "sprain": "Entorse / foulure", "burn": "Brûlure", "crush": "Écrasement", "amputation": "Amputation",
             "eye": "Lésion oculaire", "inhalation": "Inhalation / intoxication", "electric": "Électrisation",
             "other": "Autre"}


def _p(value, style=_BODY) -> Paragraph:
    return Paragraph(escape(str(value if value not in (None, "") else "—")), style)


def _when(value, with_time=True) -> str:
    if not value:
        return "—"
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def _pairs(rows):
    table = Table([[_p(label), _p(value)] for label, value in rows], colWidths=[55 * mm, 120 * mm], hAlign="LEFT")
    table.setStyle(_GRID)
    return table


def _table(header, rows, widths=None):
    table = Table([[_p(h) for h in header]] + [[_p(c) for c in row] for row in rows], colWidths=widths,
                  repeatRows=1, hAlign="LEFT")
    table.setStyle(_HEADER_GRID)
    return table


def _worker_rows(workers):
    return [[w.contact.full_name, w.employee_number, _when(w.date_of_birth), w.job_title, _when(w.hire_date)]
            for w in workers]


WORKER_HEADER = ["Nom et prénom", "Matricule", "Date de naissance", "Fonction", "Date d'embauche"]


def declaration_pdf(report) -> bytes:
    """The declaration as PDF bytes (A4, French)."""
    kind = "cnss" if isinstance(report, CNSSReport) else "drc"
    enterprise = report.enterprise
    story = [
        _p("RÉPUBLIQUE DÉMOCRATIQUE DU CONGO", _CENTER),
        _p("Caisse Nationale de Sécurité Sociale" if kind == "cnss"
           else "Ministère de l'Emploi, Travail et Prévoyance Sociale — Inspection générale du travail", _CENTER),
        Spacer(1, 4 * mm),
        Paragraph(escape(TITLES.get((kind, report.report_type), report.get_report_type_display())), _H1),
        _p(f"Référence : {report.reference_number}", _CENTER),
        Spacer(1, 4 * mm),
        Paragraph("1. Employeur", _H2),
        _pairs([
            ("Raison sociale", enterprise.name),
            ("N° d'affiliation CNSS de l'employeur", enterprise.cnss_employer_number or "non renseigné"),
            ("Adresse", enterprise.address),
            ("Organisation", report.organization.name),
        ]),
        Paragraph("2. Déclaration", _H2),
        _pairs([
            ("Référence", report.reference_number),
            ("Type", TITLES.get((kind, report.report_type), report.report_type)),
            ("Statut", STATUS_FR.get(report.status, report.status)),
            ("Période", _period(report)),
            ("Date et heure de l'événement", _when(report.event_at)),
            ("Délai légal de déclaration", _when(report.deadline_at)),
            ("Date de soumission", _when(report.submitted_at)),
            ("Référence de l'autorité", report.authority_reference),
        ]),
    ]
    story += _event_section(report, kind)
    if report.authority_response or report.required_actions or report.follow_up_deadline:
        story += [Paragraph("Réponse de l'autorité", _H2), _pairs([
            ("Réponse", report.authority_response), ("Actions requises", report.required_actions),
            ("Échéance de suivi", _when(report.follow_up_deadline)),
            ("Date de décision", _when(report.decided_at))])]
    story += [
        Paragraph("Signature", _H2),
        _pairs([("Fait à", ""), ("Le", ""), ("Nom et qualité du déclarant", ""),
                ("Signature et cachet de l'employeur", "\n\n\n")]),
        Spacer(1, 4 * mm),
        _p("Document établi par OHMS le " + _when(timezone.now()) + ". Les informations médicales autres que "
           "celles requises par la déclaration n'y figurent pas.", _SMALL),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=17 * mm, rightMargin=17 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"{report.reference_number}", author=enterprise.name)
    doc.build(story)
    return buffer.getvalue()


def _period(report) -> str:
    if report.period_month and report.period_year:
        return f"{report.period_month:02d}/{report.period_year}"
    if report.period_quarter and report.period_year:
        return f"T{report.period_quarter} {report.period_year}"
    return str(report.period_year or "—")


def _incidents(report, kind):
    if kind == "cnss":
        return [report.incident] if report.incident_id else []
    return list(report.incidents.all())


def _diseases(report, kind):
    if kind == "cnss":
        return [report.disease] if report.disease_id else []
    return list(report.diseases.all())


def _event_section(report, kind) -> list:
    story = []
    incidents = _incidents(report, kind)
    diseases = _diseases(report, kind)
    for number, incident in enumerate(incidents, 1):
        story += [Paragraph(f"3.{number} Accident du {_when(incident.occurred_at)}", _H2), _pairs([
            ("Date et heure", _when(incident.occurred_at)), ("Lieu", incident.location),
            ("Gravité", SEVERITY_FR.get(incident.severity, incident.severity)),
            ("Circonstances", incident.description),
            ("Permis de travail", incident.permit_number),
        ])]
        workers = list(incident.workers.select_related("contact"))
        story += [Paragraph("Victime(s)", _H2),
                  _table(WORKER_HEADER, _worker_rows(workers)) if workers else _p("Aucune personne enregistrée.")]
        injuries = list(incident.injuries.select_related("worker__contact"))
        if injuries:
            story += [Paragraph("Nature et siège des lésions", _H2), _table(
                ["Victime", "Nature des lésions", "Siège", "Jours perdus"],
                [[i.worker.contact.full_name, INJURY_FR.get(i.injury_type, i.injury_type), i.body_part, i.days_lost]
                 for i in injuries if not i.is_deleted])]
    for number, disease in enumerate(diseases, 1):
        worker = disease.worker
        story += [Paragraph(f"4.{number} Maladie professionnelle", _H2), _pairs([
            ("Maladie déclarée", disease.disease), ("Date du diagnostic", _when(disease.diagnosed_on)),
        ]), Paragraph("Travailleur", _H2), _table(WORKER_HEADER, _worker_rows([worker]))]
    if report.report_type in ("monthly_stats", "monthly_incidents") or (not incidents and not diseases and report.data):
        story += [Paragraph("3. Statistiques", _H2), _pairs(_statistics_rows(report.data or {}))]
    return story


STAT_LABELS = [
    ("period", "Période"), ("workforce", "Effectif"), ("hours_worked", "Heures travaillées"),
    ("accidents_declared", "Accidents déclarés (avec lésions)"), ("fatalities", "Accidents mortels"),
    ("days_lost", "Journées perdues"), ("occupational_diseases", "Maladies professionnelles"),
    ("frequency_rate", "Taux de fréquence"),
]


def _statistics_rows(data: dict) -> list:
    rows = [(label, "non disponible" if data.get(key) is None else data.get(key)) for key, label in STAT_LABELS
            if key in data]
    for severity, count in (data.get("accidents_by_severity") or {}).items():
        rows.append((f"Accidents — {SEVERITY_FR.get(severity, severity)}", count))
    return rows
