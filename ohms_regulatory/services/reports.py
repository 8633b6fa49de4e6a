"""Writes of the CNSS and DRC declarations (SPEC 4.1-4.3).

* Reference numbers ``CNSS-<ORG>-<YEAR>-<seq>`` / ``DRC-<ORG>-<YEAR>-<seq>``, allocated by an
  UPDATE inside the database (``reference_next``), the mechanism of permit numbers.
* Statutory deadlines from the event time: fatal 24 h, severe 48 h, disease 10 days, per
  organization in ``RegulatorySettings`` (``deadline_for``).
* Generation from an incident or a disease is idempotent: the source row is locked, the
  existing declaration returned, and the database constraints (one CNSS declaration per
  incident / disease, one DRC report per ``source_key``) catch what a lock cannot (SQLite
  has no row locks; a concurrent creator's IntegrityError returns theirs).
* Generation runs from three paths: the event-bus subscriber (``generate_from_event``: at
  once, the outbox delivers each event once per subscriber), the processors of
  ``process_occupational_health_events`` (bulk catch-up) and its 02:00 job.
* Every transition goes through ``report_transition`` (REST, admin buttons, the generic
  transition URL, the dashboard's bulk actions): the authority's answer is written in the
  same save as the state change (one history row), and submitting a declaration linked to
  an exit exam moves that exam to ``cnss_reported``.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import workflows
from ohms_core.services.records import record_create

from ..models import CNSSReport, DRCReport, RegulatorySettings, ReportNumberSequence
from ..states import CNSSReportType, DRCReportType

logger = logging.getLogger(__name__)

PREFIXES = {CNSSReport: "CNSS", DRCReport: "DRC"}

#: Data each transition accepts besides its comment (the authority's answer).
TRANSITION_FIELDS = {
    "mark_ready": (),
    "submit": (),
    "acknowledge": ("authority_reference", "authority_response"),
    "approve": ("authority_reference", "authority_response", "required_actions", "follow_up_deadline"),
    "reject": ("authority_reference", "authority_response", "required_actions", "follow_up_deadline"),
}

SERIOUS = ("severe", "fatal")
#: Workplace accidents declared to the CNSS (first aid cases are not).
CNSS_SEVERITIES = ("medical_treatment", "lost_time", "severe", "fatal")


# --- numbers and deadlines ----------------------------------------------------------------

def reference_next(*, organization, prefix: str, year: int | None = None) -> str:
    """Increment the (organization, prefix, year) counter inside the database: the UPDATE
    holds the row until commit, so concurrent creations never share a number."""
    year = year or timezone.localdate().year
    rows = ReportNumberSequence.objects.filter(organization=organization, prefix=prefix, year=year)
    with transaction.atomic():
        if not rows.update(last_value=F("last_value") + 1):
            try:
                with transaction.atomic():
                    ReportNumberSequence.objects.create(organization=organization, prefix=prefix, year=year,
                                                        last_value=1)
            except IntegrityError:  # created concurrently: increment theirs
                rows.update(last_value=F("last_value") + 1)
        value = rows.values_list("last_value", flat=True).get()
    return f"{prefix}-{organization.code}-{year}-{value:05d}"


def regulatory_settings(organization) -> RegulatorySettings:
    """The organization's statutory delays, or the defaults (unsaved) when it has none."""
    return RegulatorySettings.objects.filter(organization=organization).first() or RegulatorySettings(
        organization=organization)


def statutory_delay(settings: RegulatorySettings, *, severity: str | None = None, disease: bool = False) -> timedelta:
    """Fatal 24 h, severe (and any other accident declared to the CNSS) 48 h, disease 10 days."""
    if disease:
        return timedelta(days=settings.disease_notice_days)
    if severity == "fatal":
        return timedelta(hours=settings.fatal_incident_hours)
    return timedelta(hours=settings.severe_incident_hours)


def disease_event_at(disease) -> datetime:
    """A diagnosis has a date, not a time: the clock starts at the start of that day (local)."""
    return timezone.make_aware(datetime.combine(disease.diagnosed_on, time.min))


def deadline_for(*, organization, severity: str | None = None, disease: bool = False, event_at) -> datetime:
    return event_at + statutory_delay(regulatory_settings(organization), severity=severity, disease=disease)


# --- creation -------------------------------------------------------------------------------

def _create(model, *, organization, data: dict, user=None):
    # The filing year: a January declaration of a December 31 accident is numbered in January.
    data = {**data, "reference_number": reference_next(organization=organization, prefix=PREFIXES[model])}
    return record_create(model=model, organization=organization, data=data, user=user)


def _clock_fields(*, organization, incident=None, disease=None) -> dict:
    if incident is not None:
        event_at = incident.occurred_at
        return {"event_at": event_at, "deadline_at": deadline_for(organization=organization,
                                                                  severity=incident.severity, event_at=event_at)}
    if disease is not None:
        event_at = disease_event_at(disease)
        return {"event_at": event_at, "deadline_at": deadline_for(organization=organization, disease=True,
                                                                  event_at=event_at)}
    return {}


def cnss_report_create(*, organization, data: dict, user=None) -> CNSSReport:
    """A CNSS declaration entered by hand (REST / admin). Linked to an incident or a disease
    it gets that event's clock; a second declaration for the same event is refused."""
    data = dict(data)
    incident, disease, exam = data.get("incident"), data.get("disease"), data.get("exit_examination")
    errors = {}
    if incident is not None and CNSSReport.all_objects.filter(incident=incident).exists():
        errors["incident"] = [_("This incident already has a CNSS declaration.")]
    if disease is not None and CNSSReport.all_objects.filter(disease=disease).exists():
        errors["disease"] = [_("This disease already has a CNSS declaration.")]
    if exam is not None and CNSSReport.all_objects.filter(exit_examination=exam).exists():
        errors["exit_examination"] = [_("This exit examination already has a CNSS declaration.")]
    if errors:
        raise ValidationError(errors)
    data.update(_clock_fields(organization=organization, incident=incident, disease=disease))
    return _create(CNSSReport, organization=organization, data=data, user=user)


def drc_report_create(*, organization, data: dict, user=None) -> DRCReport:
    """A DRC report entered by hand; an event type with a statutory delay gets the clock of
    its earliest linked incident or disease."""
    data = dict(data)
    report_type = data.get("report_type")
    incidents, diseases = list(data.get("incidents") or []), list(data.get("diseases") or [])
    clocks = []
    if report_type in (DRCReportType.FATAL_INCIDENT, DRCReportType.SEVERE_INCIDENT):
        clocks = [_clock_fields(organization=organization, incident=i) for i in incidents]
    elif report_type == DRCReportType.DISEASE_NOTICE:
        clocks = [_clock_fields(organization=organization, disease=d) for d in diseases]
    if clocks:
        data.update(min(clocks, key=lambda c: c["deadline_at"]))
    return _create(DRCReport, organization=organization, data=data, user=user)


def _get_or_create(lookup, create):
    """Return the declaration ``lookup()`` finds, else ``create()``; a concurrent creator's
    constraint violation returns theirs. Returns (report, created)."""
    existing = lookup()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        existing = lookup()
        if existing is None:
            raise
        return existing, False


def _lock(model, pk):
    """Serialize generators of the same source (PostgreSQL; SQLite serializes writers anyway)."""
    return model.all_objects.select_for_update().get(pk=pk)


def cnss_for_incident(incident, *, user=None) -> tuple[CNSSReport | None, bool]:
    """The CNSS declaration of a workplace accident (fatality when fatal); None for first aid."""
    if incident.severity not in CNSS_SEVERITIES:
        return None, False
    with transaction.atomic():
        incident = _lock(type(incident), incident.pk)
        report_type = CNSSReportType.FATALITY if incident.severity == "fatal" else CNSSReportType.INCIDENT
        return _get_or_create(
            lambda: CNSSReport.all_objects.filter(incident=incident).first(),
            lambda: _create(CNSSReport, organization=incident.organization, user=user, data={
                "report_type": report_type, "enterprise": incident.enterprise, "incident": incident,
                "data": {"severity": incident.severity, "location": incident.location},
                **_clock_fields(organization=incident.organization, incident=incident)}))


def drc_for_incident(incident, *, user=None) -> tuple[DRCReport | None, bool]:
    """The DRC report of a fatal (24 h) or severe (48 h) incident; None for lesser ones."""
    if incident.severity not in SERIOUS:
        return None, False
    with transaction.atomic():
        incident = _lock(type(incident), incident.pk)
        key = f"incident:{incident.pk}"
        report_type = DRCReportType.FATAL_INCIDENT if incident.severity == "fatal" else DRCReportType.SEVERE_INCIDENT

        def create():
            return _create(DRCReport, organization=incident.organization, user=user, data={
                "report_type": report_type, "enterprise": incident.enterprise, "source_key": key,
                "incidents": [incident], "data": {"severity": incident.severity, "location": incident.location},
                **_clock_fields(organization=incident.organization, incident=incident)})

        return _get_or_create(
            lambda: DRCReport.all_objects.filter(organization=incident.organization, source_key=key).first(), create)


def cnss_for_disease(disease, *, user=None) -> tuple[CNSSReport | None, bool]:
    """The CNSS declaration of an occupational disease (not of a non-occupational one)."""
    if not disease.is_occupational:
        return None, False
    with transaction.atomic():
        disease = _lock(type(disease), disease.pk)
        exam = _exit_exam_of(disease)
        return _get_or_create(
            lambda: CNSSReport.all_objects.filter(disease=disease).first(),
            lambda: _create(CNSSReport, organization=disease.organization, user=user, data={
                "report_type": CNSSReportType.DISEASE, "enterprise": disease.worker.enterprise, "disease": disease,
                "exit_examination": exam,
                **_clock_fields(organization=disease.organization, disease=disease)}))


def _exit_exam_of(disease):
    """The worker's exit exam when the disease was found there and it has no declaration yet:
    filing the declaration is the exam's "reported to the CNSS" step."""
    from ohms_health.models import ExitExamination

    exam = ExitExamination.objects.filter(worker_id=disease.worker_id).first()
    if exam is None or CNSSReport.all_objects.filter(exit_examination=exam).exists():
        return None
    if disease.source_examination_id and exam.examination_id == disease.source_examination_id:
        return exam
    return None


def drc_for_disease(disease, *, user=None) -> tuple[DRCReport | None, bool]:
    """The DRC disease notice (10 days) of an occupational disease."""
    if not disease.is_occupational:
        return None, False
    with transaction.atomic():
        disease = _lock(type(disease), disease.pk)
        key = f"disease:{disease.pk}"

        def create():
            return _create(DRCReport, organization=disease.organization, user=user, data={
                "report_type": DRCReportType.DISEASE_NOTICE, "enterprise": disease.worker.enterprise,
                "source_key": key, "diseases": [disease],
                **_clock_fields(organization=disease.organization, disease=disease)})

        return _get_or_create(
            lambda: DRCReport.all_objects.filter(organization=disease.organization, source_key=key).first(), create)


# --- generation from events and in bulk -----------------------------------------------------

def generate_from_event(event) -> int:
    """Event subscriber on ``health.incident.reported`` / ``health.disease.diagnosed``: the DRC
    report and the CNSS draft at once, clock running. The payload carries ids only; the
    row is read here (DECISIONS 12). Returns the number of declarations created."""
    from ohms_health.models import Incident, OccupationalDisease

    data = event.data or {}
    created = 0
    if event.type == "health.incident.reported":
        incident = Incident.objects.filter(organization_id=event.organization_id, pk=data.get("incident_id")).first()
        if incident is None:
            return 0
        for generator in (drc_for_incident, cnss_for_incident):
            created += int(generator(incident)[1])
    elif event.type == "health.disease.diagnosed":
        disease = (OccupationalDisease.objects.select_related("worker__enterprise")
                   .filter(organization_id=event.organization_id, pk=data.get("disease_id")).first())
        if disease is None:
            return 0
        for generator in (drc_for_disease, cnss_for_disease):
            created += int(generator(disease)[1])
    return created


@dataclass
class GenerationResult:
    created: list = field(default_factory=list)


def _recent_incidents(days: int, severities):
    from ohms_health.models import Incident

    since = timezone.now() - timedelta(days=days)
    return Incident.objects.filter(severity__in=severities, occurred_at__gte=since).select_related(
        "organization", "enterprise").order_by("occurred_at")


def _recent_diseases(days: int):
    from ohms_health.models import OccupationalDisease

    since = timezone.localdate() - timedelta(days=days)
    return OccupationalDisease.objects.filter(is_occupational=True, diagnosed_on__gte=since).select_related(
        "organization", "worker__enterprise").order_by("diagnosed_on")


def generate_cnss_reports(*, days: int = 7, progress=None, **_options) -> int:
    """Processor ``--generate-cnss-reports``: CNSS drafts for the incidents and diseases of the
    last ``days`` days that have none (the subscriber's catch-up; idempotent)."""
    created = 0
    for incident in _recent_incidents(days, CNSS_SEVERITIES).filter(cnss_reports__isnull=True):
        report, new = cnss_for_incident(incident)
        created += _progress(progress, report, new)
    for disease in _recent_diseases(days).filter(cnss_reports__isnull=True):
        report, new = cnss_for_disease(disease)
        created += _progress(progress, report, new)
    return created


def generate_drc_reports(*, days: int = 7, progress=None, **_options) -> int:
    """Processor ``--generate-drc-reports``: DRC reports (with their deadlines) for the fatal and
    severe incidents and the occupational diseases of the last ``days`` days that have none."""
    created = 0
    for incident in _recent_incidents(days, SERIOUS).filter(drc_reports__isnull=True):
        report, new = drc_for_incident(incident)
        created += _progress(progress, report, new)
    for disease in _recent_diseases(days).filter(drc_reports__isnull=True):
        report, new = drc_for_disease(disease)
        created += _progress(progress, report, new)
    return created


def _progress(progress, report, new) -> int:
    if new and progress is not None:
        progress(_("%(reference)s drafted, due %(deadline)s") % {
            "reference": report.reference_number,
            "deadline": timezone.localtime(report.deadline_at).strftime("%Y-%m-%d %H:%M") if report.deadline_at
            else "—"})
    return int(new)


# --- monthly statistics ---------------------------------------------------------------------

def _month_bounds(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return start, end


def monthly_statistics(*, enterprise, year: int, month: int) -> dict:
    """The month's figures of one enterprise, in five queries: workforce, hours worked (when
    recorded: no time-keeping source yet, so None), accidents by severity, days lost,
    occupational diseases; the frequency rate when hours are known."""
    from ohms_core.models import Worker
    from ohms_health.models import Incident, IncidentInjury, OccupationalDisease

    start, end = _month_bounds(year, month)
    workers = Worker.objects.filter(enterprise=enterprise).filter(
        Q(hire_date__isnull=True) | Q(hire_date__lt=end)).filter(Q(exit_date__isnull=True) | Q(exit_date__gte=start))
    workforce = workers.count()
    start_at = timezone.make_aware(datetime.combine(start, time.min))
    end_at = timezone.make_aware(datetime.combine(end, time.min))
    incidents = Incident.objects.filter(enterprise=enterprise, occurred_at__gte=start_at, occurred_at__lt=end_at)
    by_severity = dict(incidents.values_list("severity").annotate(n=Count("pk")).order_by())
    days_lost = IncidentInjury.objects.filter(incident__in=incidents).aggregate(total=Sum("days_lost"))["total"] or 0
    diseases = OccupationalDisease.objects.filter(worker__enterprise=enterprise, is_occupational=True,
                                                  diagnosed_on__gte=start, diagnosed_on__lt=end).count()
    hours_worked = None
    accidents = sum(n for severity, n in by_severity.items() if severity in CNSS_SEVERITIES)
    return {
        "period": f"{year:04d}-{month:02d}",
        "workforce": workforce,
        "hours_worked": hours_worked,
        "accidents_by_severity": {severity: by_severity.get(severity, 0)
                                  for severity in ("first_aid", "medical_treatment", "lost_time", "severe", "fatal")},
        "accidents_declared": accidents,
        "fatalities": by_severity.get("fatal", 0),
        "days_lost": days_lost,
        "occupational_diseases": diseases,
        "frequency_rate": round(accidents * 1_000_000 / hours_worked, 2) if hours_worked else None,
    }


def cnss_generate_monthly(*, organization, enterprise, year: int, month: int, user=None) -> tuple[CNSSReport, bool]:
    """The ``monthly_stats`` draft of an enterprise and month; a second call returns the same
    report (its figures are not rewritten: a filed declaration does not change)."""
    if not 1 <= month <= 12:
        raise ValidationError({"month": [_("A month is between 1 and 12.")]})
    if enterprise.organization_id != organization.pk:
        raise ValidationError({"enterprise": [_("Unknown enterprise.")]})

    def lookup():
        return CNSSReport.all_objects.filter(organization=organization, enterprise=enterprise,
                                             report_type=CNSSReportType.MONTHLY_STATS, period_year=year,
                                             period_month=month).first()

    def create():
        data = {"report_type": CNSSReportType.MONTHLY_STATS, "enterprise": enterprise, "period_year": year,
                "period_month": month, "data": monthly_statistics(enterprise=enterprise, year=year, month=month)}
        return _create(CNSSReport, organization=organization, data=data, user=user)

    with transaction.atomic():
        type(enterprise).all_objects.select_for_update().get(pk=enterprise.pk)
        return _get_or_create(lookup, create)


# --- transitions ----------------------------------------------------------------------------

def report_transition(*, instance, name: str, user, comment: str = "", expected_version=None,
                      data: dict | None = None, system: bool = False):
    """Run transition ``name`` with the authority's answer (``data``, the fields the step
    takes) written in the same save; a submitted declaration linked to an exit exam moves
    the exam to ``cnss_reported`` in the same transaction."""
    allowed = TRANSITION_FIELDS.get(name, ())
    data = {key: value for key, value in (data or {}).items() if key in allowed}

    def before_save(report):
        for key, value in data.items():
            setattr(report, key, value if value is not None else ("" if key != "follow_up_deadline" else None))

    def after_save(report):
        if name == "submit" and isinstance(report, CNSSReport) and report.exit_examination_id:
            _exit_exam_reported(report, user)

    with transaction.atomic():
        return workflows.transition_run(instance=instance, name=name, user=user, comment=comment,
                                        expected_version=expected_version, before_save=before_save,
                                        after_save=after_save, system=system,
                                        event_data={"reference_number": instance.reference_number})


def _exit_exam_reported(report: CNSSReport, user) -> None:
    from ohms_health.models import ExitExamination
    from ohms_health.models.exit import ExitExamStatus
    from ohms_health.services.exit import exit_exam_transition

    exam = ExitExamination.objects.get(pk=report.exit_examination_id)
    if exam.status not in (ExitExamStatus.DISEASE_ASSESSMENT, ExitExamStatus.CERTIFICATE_ISSUED):
        return  # already reported (or not yet assessed: the medical service moves it on)
    exit_exam_transition(instance=exam, name="report_cnss", user=user, system=True,
                         comment=_("CNSS declaration %(reference)s submitted") % {"reference": report.reference_number},
                         data={"cnss_reference": report.reference_number})


def _services(model) -> dict:
    return {name: functools.partial(report_transition, name=name) for name in TRANSITION_FIELDS}


def cnss_transition_services() -> dict:
    """For the manifest: every path runs ``report_transition``."""
    return _services(CNSSReport)


def drc_transition_services() -> dict:
    return _services(DRCReport)


@dataclass
class BulkResult:
    done: list = field(default_factory=list)  # references moved
    refused: list = field(default_factory=list)  # (reference, reason)


def reports_bulk_transition(*, reports, name: str, user) -> BulkResult:
    """The dashboard's bulk "mark ready" / "submit": each report on its own (one refused
    never stops the others), with the reason of each refusal."""
    from ohms_core.exceptions import OhmsError

    result = BulkResult()
    for report in reports:
        try:
            report_transition(instance=report, name=name, user=user)
        except OhmsError as exc:
            result.refused.append((report.reference_number, _reason_text(exc)))
        else:
            result.done.append(report.reference_number)
    return result


def _reason_text(exc) -> str:
    reasons = (getattr(exc, "errors", None) or {}).get("reasons") or []
    if reasons:
        return "; ".join(str(r.get("message", "")) for r in reasons)
    return str(getattr(exc, "detail", None) or getattr(exc, "message", None) or exc)
