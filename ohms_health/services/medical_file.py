"""A worker's medical file (the doctor's screen): header facts, the timeline of everything
the health add-on knows about the worker, and the risk profile with its trend.

Selectors only (reads). The caller (the screen) has already checked the role and written
the audit row through ``medical_profile_read``. Each feature of the add-on contributes its
own timeline entries through ``TIMELINE_SOURCES`` (one query per source, whatever the number
of rows), so adding a feature never edits the others.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from ..models import Exposure, MedicalExamination, OverexposureAlert, WorkerRiskProfile
from ..models.appointments import Appointment
from ..models.exit import ExitExamination
from ..models.incidents import Incident, OccupationalDisease


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str  # a stable key for styling and tests: "examination", "exposure", ...
    title: str
    detail: str = ""
    url: str = ""
    tone: str = ""  # "", "warning", "critical", "positive"


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


OUTCOME_TONES = {"fit": "positive", "fit_with_restrictions": "warning", "unfit": "critical"}


def examination_entries(worker):
    for exam in MedicalExamination.objects.filter(worker=worker).order_by("-exam_date"):
        detail = exam.get_fitness_outcome_display()
        if exam.next_due_date:
            detail += " · " + _("next due %(date)s") % {"date": date_format(exam.next_due_date, "SHORT_DATE_FORMAT")}
        yield TimelineEntry(on=exam.exam_date, kind="examination",
                            title=_("%(type)s examination") % {"type": exam.get_exam_type_display()},
                            detail=detail, url=reverse("health_examination:inspect", args=[exam.pk]),
                            tone=OUTCOME_TONES.get(exam.fitness_outcome, ""))


def exposure_entries(worker):
    for exposure in Exposure.objects.filter(worker=worker).order_by("-measured_on"):
        percent = exposure.percent_of_limit
        tone = "critical" if percent is not None and percent >= 100 else "warning" if percent and percent >= 80 else ""
        detail = _("%(level)s %(unit)s (limit %(limit)s, %(percent)s %% of the limit)") % {
            "level": number_format(exposure.measured_level, 1), "unit": exposure.unit,
            "limit": number_format(exposure.exposure_limit, 1), "percent": number_format(percent or 0, 0)}
        yield TimelineEntry(on=exposure.measured_on, kind="exposure",
                            title=_("Exposure: %(agent)s") % {"agent": exposure.exposure_type}, detail=detail,
                            url=reverse("health_exposure:edit", args=[exposure.pk]), tone=tone)


ALERT_TONES = {"warning": "warning", "critical": "critical", "emergency": "critical"}


def alert_entries(worker):
    for alert in OverexposureAlert.objects.filter(worker=worker).order_by("-created_at"):
        detail = _("%(severity)s, %(percent)s %% of the limit · %(status)s") % {
            "severity": alert.get_severity_display(), "percent": number_format(alert.percent_of_limit, 0),
            "status": alert.get_status_display()}
        yield TimelineEntry(on=alert.created_at, kind="alert",
                            title=_("Overexposure alert: %(agent)s") % {"agent": alert.exposure_type}, detail=detail,
                            url=reverse("health_overexposure_alerts:edit", args=[alert.pk]),
                            tone="" if alert.status == "resolved" else ALERT_TONES.get(alert.severity, ""))


INCIDENT_TONES = {"lost_time": "warning", "severe": "critical", "fatal": "critical"}


def incident_entries(worker):
    for incident in Incident.objects.filter(workers=worker).order_by("-occurred_at"):
        yield TimelineEntry(on=incident.occurred_at, kind="incident",
                            title=_("Incident: %(severity)s") % {"severity": incident.get_severity_display()},
                            detail=f"{incident.location} · {incident.get_status_display()}",
                            url=reverse("health_incident:edit", args=[incident.pk]),
                            tone=INCIDENT_TONES.get(incident.severity, ""))


def disease_entries(worker):
    for disease in OccupationalDisease.objects.filter(worker=worker).order_by("-diagnosed_on"):
        kind = _("occupational") if disease.is_occupational else _("not occupational")
        yield TimelineEntry(on=disease.diagnosed_on, kind="disease",
                            title=_("Disease diagnosed: %(disease)s") % {"disease": disease.disease},
                            detail=f"{disease.agent or '—'} · {kind}",
                            url=reverse("health_occupational_disease:edit", args=[disease.pk]),
                            tone="critical" if disease.is_occupational else "")


def exit_entries(worker):
    for exam in ExitExamination.objects.filter(worker=worker):
        yield TimelineEntry(on=exam.exit_date, kind="exit",
                            title=_("Exit examination (exit on %(date)s)") % {"date": date_format(exam.exit_date, "SHORT_DATE_FORMAT")},
                            detail=exam.get_status_display(),
                            url=reverse("health_exit_exams:edit", args=[exam.pk]),
                            tone="positive" if exam.status != "pending" else "warning")


def appointment_entries(worker):
    for appointment in Appointment.objects.filter(worker=worker).select_related("provider").order_by("-start"):
        who = appointment.provider.get_full_name() or appointment.provider.get_username() if appointment.provider else ""
        yield TimelineEntry(on=appointment.start, kind="appointment",
                            title=_("Appointment: %(type)s") % {"type": appointment.get_appointment_type_display()},
                            detail=" · ".join(filter(None, [appointment.get_status_display(), str(who)])),
                            url=reverse("health_appointments:edit", args=[appointment.pk]))


#: ``source(worker) -> iterable[TimelineEntry]``; features append theirs.
TIMELINE_SOURCES: list = [examination_entries, exposure_entries, alert_entries, incident_entries, disease_entries,
                          exit_entries, appointment_entries]


def medical_timeline(worker, *, limit: int = 200) -> list[TimelineEntry]:
    """Everything on the worker's file, newest first."""
    entries = [entry for source in TIMELINE_SOURCES for entry in source(worker)]
    entries.sort(key=lambda entry: _as_date(entry.on), reverse=True)
    return entries[:limit]


def risk_profile_of(worker) -> WorkerRiskProfile | None:
    return WorkerRiskProfile.objects.filter(worker=worker).first()


def risk_trend_points(profile: WorkerRiskProfile | None, *, limit: int = 60) -> list[tuple]:
    """``[(when, overall score, level)]`` oldest first, from the profile's history rows
    (one per calculation), at most ``limit`` of the latest."""
    if profile is None:
        return []
    rows = list(profile.history.order_by("-history_date")
                .values_list("history_date", "overall_risk_score", "risk_level")[:limit])
    rows.reverse()
    return [(when, float(score), level) for when, score, level in rows if score is not None]
