"""Overexposure alerts (SPEC 3.3): raise (by hand or detected), acknowledge, resolve,
notify, and the fitness consequence of an open emergency alert.

Why a service module: the severity is decided here from the organization's thresholds, the
duplicate rules are checked here (with database constraints behind them), the event that
notifies people is emitted here, in the same transaction as the row; the API, the admin,
the command and the nightly job all call these functions.

**Detection rules** (``detect_alerts``), documented because integrators and doctors rely on them:

- *Noise, from audiometry*: the measured value is the worst hearing threshold (dB HL, any
  ear, any frequency) of the exam; the limit is ``HEARING_LIMIT_DB`` (40 dB HL, the start of
  moderate hearing loss). 32 dB HL is a warning, 40-48 critical, above 48 an emergency
  (with the seed thresholds).
- *Dust, from spirometry*: an FEV1/FVC ratio below the fixed lower limit ``FEV1_FVC_LOWER_LIMIT``
  (0.70) is an airflow obstruction. The value is expressed "higher is worse" as
  ``0.70 / ratio × 100`` % of the limit: 0.70 is 100 % (critical), below 0.583 is above
  120 % (emergency). A ratio at or above 0.70 is normal spirometry: no alert (no warning
  from a normal result).
- *Measurements*: an ``Exposure`` row whose measured level reaches the warning threshold of
  its type (``measured_level / exposure_limit``), exposure type as recorded (lower-cased).

**Duplicates**: one alert per (worker, exposure type, source exam) and per (worker, exposure
type, source measurement), enforced by unique constraints and checked first here. Detection
also skips a finding when the worker already has an *open* alert of that exposure type at
the same or a higher severity; a worse finding raises a new alert (escalation is never
swallowed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ohms_core import events, workflows
from ohms_core.exceptions import ConflictError, NotAllowedError, OhmsError
from ohms_core.models import AuditAction
from ohms_core.services.audit import audit_record

from ..models import Exposure, MedicalExamination
from ..models.alerts import (
    OPEN_STATUSES,
    SEVERITY_RANK,
    AlertSeverity,
    AlertStatus,
    AlertThreshold,
    OverexposureAlert,
    normalize_exposure_type,
    percent_of,
)
from ..models.examination import ExamType
from .medical import BLOCKING_CHECKS

HEARING_LIMIT_DB = Decimal("40")
FEV1_FVC_LOWER_LIMIT = Decimal("0.70")
RAISED_EVENT = "health.overexposurealert.raised"
NO_ALERT_WARRANTED = gettext_lazy("No alert is warranted: %(percent)s %% of the limit is below the warning "
                                  "threshold (%(warning)s %%).")


# --- thresholds ---------------------------------------------------------------------------

def threshold_for(organization, exposure_type: str) -> AlertThreshold:
    """The organization's row for this type, else its default row (empty type), else the
    seed numbers (an unsaved row)."""
    kind = normalize_exposure_type(exposure_type)
    rows = {row.exposure_type: row for row in
            AlertThreshold.objects.filter(organization=organization, exposure_type__in=[kind, ""])}
    return rows.get(kind) or rows.get("") or AlertThreshold(organization=organization, exposure_type=kind)


def thresholds_for(organization):
    """``lookup(exposure_type) -> AlertThreshold`` from one query, for detection runs."""
    rows = {row.exposure_type: row for row in AlertThreshold.objects.filter(organization=organization)}

    def lookup(exposure_type):
        kind = normalize_exposure_type(exposure_type)
        return rows.get(kind) or rows.get("") or AlertThreshold(organization=organization, exposure_type=kind)

    return lookup


# --- raise ----------------------------------------------------------------------------------

def _duplicate(worker, exposure_type, source_exam=None, source_exposure=None):
    if source_exam is None and source_exposure is None:
        return None
    queryset = OverexposureAlert.objects.filter(worker=worker, exposure_type=exposure_type)
    if source_exam is not None:
        return queryset.filter(source_exam=source_exam).first()
    return queryset.filter(source_exposure=source_exposure).first()


def alert_create(*, organization, worker, exposure_type: str, measured_value, exposure_limit, unit: str = "",
                 source_exam=None, source_exposure=None, notes: str = "", percent=None, detection: str = "",
                 user=None, threshold: AlertThreshold | None = None) -> OverexposureAlert:
    """Raise an alert; the percentage and the severity are computed here. Raises
    ``ValidationError`` (400) when the value is below the warning threshold or the same
    source already raised an alert of this type for this worker.

    ``percent`` is given by detectors whose reading is "lower is worse" (spirometry);
    otherwise it is ``measured_value / exposure_limit``."""
    kind = normalize_exposure_type(exposure_type)
    if not kind:
        raise ValidationError({"exposure_type": _("Give the exposure type (for example noise or dust).")})
    measured_value, exposure_limit = Decimal(str(measured_value)), Decimal(str(exposure_limit))
    if exposure_limit <= 0:
        raise ValidationError({"exposure_limit": _("The exposure limit must be greater than zero.")})
    if measured_value < 0:
        raise ValidationError({"measured_value": _("A measured value cannot be negative.")})
    percent = percent_of(measured_value, exposure_limit) if percent is None else Decimal(percent)
    threshold = threshold or threshold_for(organization, kind)
    severity = threshold.severity(percent)
    if severity is None:
        raise ValidationError({"measured_value": NO_ALERT_WARRANTED % {
            "percent": percent, "warning": threshold.warning_percent}}, code="no_alert_warranted")
    if _duplicate(worker, kind, source_exam, source_exposure) is not None:
        raise ValidationError({"source_exam" if source_exam is not None else "source_exposure": _(
            "This source already raised an alert of this exposure type for this worker.")}, code="duplicate")
    alert = OverexposureAlert(
        organization=organization, worker=worker, exposure_type=kind, measured_value=measured_value,
        exposure_limit=exposure_limit, unit=unit or "", percent_of_limit=percent, severity=severity,
        source_exam=source_exam, source_exposure=source_exposure, notes=notes or "", detection=detection,
        created_by=user if getattr(user, "is_authenticated", False) else None)
    alert.full_clean(exclude=["status", "organization"])
    try:
        with transaction.atomic():
            alert._change_reason = detection or "raised"
            alert.save()
            # Auditors read the audit log and events reach webhooks: an exam-derived
            # percentage is an exam result (the limit is fixed), so only the severity goes.
            values = {"percent_of_limit": str(percent)} if alert.shows_exam_values else {}
            audit_record(action=AuditAction.CREATE, obj=alert, user=user, organization=organization,
                         changes={"severity": severity, "exposure_type": kind, **values})
            events.emit(RAISED_EVENT, alert, actor=user, organization=organization, data={
                "severity": severity, "exposure_type": kind, **values,
                "employee_number": worker.employee_number, "worker": str(worker.pk)})
    except IntegrityError as exc:  # a concurrent detector raised the same one first
        raise ValidationError(_("This source already raised an alert of this exposure type for this worker."),
                              code="duplicate") from exc
    return alert


# --- transitions ----------------------------------------------------------------------------

def _set_notes(field_name, notes):
    def before_save(alert):
        if notes:
            current = getattr(alert, field_name)
            setattr(alert, field_name, f"{current}\n{notes}".strip() if current else notes)
    return before_save


def _event_data(alert) -> dict:
    return {"employee_number": alert.worker.employee_number, "severity": alert.severity,
            "exposure_type": alert.exposure_type}


def alert_acknowledge(*, instance, user, comment: str = "", expected_version=None) -> OverexposureAlert:
    """active -> acknowledged: a responsible person reviewed it and started action; the
    optional comment is appended to the notes."""
    return workflows.transition_run(instance=instance, name="acknowledge", user=user, comment=comment,
                                    expected_version=expected_version, event_data=_event_data(instance),
                                    before_save=_set_notes("notes", (comment or "").strip()))


def alert_resolve(*, instance, user, comment: str = "", expected_version=None) -> OverexposureAlert:
    """acknowledged -> resolved: corrected, worker safe; the comment (required) is what was
    done, kept in ``actions_taken``."""
    return workflows.transition_run(instance=instance, name="resolve", user=user, comment=comment,
                                    expected_version=expected_version, event_data=_event_data(instance),
                                    before_save=_set_notes("actions_taken", (comment or "").strip()))


def transition_services() -> dict:
    """Every path (REST, admin buttons, the generic transition URL) runs these."""
    return {"acknowledge": alert_acknowledge, "resolve": alert_resolve}


@dataclass
class BulkResult:
    acknowledged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # [{"id", "code", "message"}]


def alerts_bulk_acknowledge(*, organization, ids, user, comment: str = "") -> BulkResult:
    """Acknowledge each id on its own (per-id result, not all-or-nothing): one alert already
    acknowledged by a colleague must not block the twenty others in a morning review.
    Ids outside the organization are reported exactly like unknown ids ("not_found") and
    never touched, so nothing about another tenant leaks."""
    result = BulkResult()
    found = {str(a.pk): a for a in OverexposureAlert.objects.filter(organization=organization, pk__in=list(ids))}
    for raw in ids:
        key = str(raw)
        alert = found.get(key)
        if alert is None:
            result.skipped.append({"id": key, "code": "not_found", "message": _("No such alert.")})
            continue
        try:
            alert_acknowledge(instance=alert, user=user, comment=comment)
        except (NotAllowedError, ConflictError, OhmsError) as exc:
            result.skipped.append({"id": key, "code": getattr(exc, "code", "") or "refused",
                                   "message": str(getattr(exc, "message", exc))})
        else:
            result.acknowledged.append(key)
    return result


# --- detection -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    worker: object
    exposure_type: str
    measured_value: Decimal
    exposure_limit: Decimal
    unit: str
    percent: Decimal | None
    detection: str
    source_exam: object = None
    source_exposure: object = None


def audiometry_finding(exam) -> Finding | None:
    """Noise: the worst hearing threshold of the exam against ``HEARING_LIMIT_DB``."""
    thresholds = (exam.results or {}).get("hearing_thresholds") or {}
    values = [Decimal(str(v)) for ear in thresholds.values() if isinstance(ear, dict) for v in ear.values()]
    if not values:
        return None
    worst = max(values)
    return Finding(exam.worker, "noise", worst, HEARING_LIMIT_DB, "dB HL", None,
                   "audiometry: worst hearing threshold", source_exam=exam)


def spirometry_finding(exam) -> Finding | None:
    """Dust: FEV1/FVC below ``FEV1_FVC_LOWER_LIMIT`` (obstruction), as limit / ratio × 100 %."""
    ratio = (exam.results or {}).get("fev1_fvc")
    if ratio is None and (exam.results or {}).get("fev1") and (exam.results or {}).get("fvc"):
        ratio = exam.results["fev1"] / exam.results["fvc"]
    if not ratio:
        return None
    ratio = Decimal(str(ratio)).quantize(Decimal("0.0001"))
    if ratio >= FEV1_FVC_LOWER_LIMIT:
        return None  # normal spirometry
    percent = percent_of(FEV1_FVC_LOWER_LIMIT, ratio)
    return Finding(exam.worker, "dust", ratio, FEV1_FVC_LOWER_LIMIT, "FEV1/FVC", percent,
                   "spirometry: FEV1/FVC below the lower limit", source_exam=exam)


def exposure_finding(exposure) -> Finding:
    return Finding(exposure.worker, normalize_exposure_type(exposure.exposure_type), exposure.measured_level,
                   exposure.exposure_limit, exposure.unit, None, "exposure measurement", source_exposure=exposure)


@dataclass
class DetectionResult:
    examined: int = 0
    created: list = field(default_factory=list)
    skipped: int = 0


def detect_alerts(*, days: int = 7, organization=None, today=None, progress=None) -> DetectionResult:
    """Alerts from the audiometry/spirometry exams and exposure measurements of the last
    ``days`` days (all organizations, or one). Idempotent: a second run creates nothing.
    ``progress(message)`` is called per organization."""
    from ohms_core.models import Organization

    today = today or timezone.localdate()
    since = today - timedelta(days=days)
    result = DetectionResult()
    organizations = [organization] if organization is not None else list(Organization.objects.order_by("code"))
    for org in organizations:
        exams = (MedicalExamination.objects.filter(organization=org, exam_date__gte=since, exam_date__lte=today,
                                                   exam_type__in=[ExamType.AUDIOMETRY, ExamType.SPIROMETRY,
                                                                  ExamType.PERIODIC])
                 .select_related("worker").order_by("exam_date", "created_at"))
        measurements = (Exposure.objects.filter(organization=org, measured_on__gte=since, measured_on__lte=today)
                        .select_related("worker").order_by("measured_on", "created_at"))
        findings = []
        for exam in exams:
            for detector in (audiometry_finding, spirometry_finding):
                finding = detector(exam)
                if finding is not None:
                    findings.append(finding)
        findings.extend(exposure_finding(m) for m in measurements)
        result.examined += len(findings)
        created_here = _raise_findings(org, findings, result)
        if progress:
            progress(_("%(org)s: %(findings)s results checked, %(created)s alerts raised") % {
                "org": org.code, "findings": len(findings), "created": created_here})
    return result


def _raise_findings(organization, findings, result: DetectionResult) -> int:
    lookup = thresholds_for(organization)
    workers = {f.worker.pk for f in findings}
    existing_exams, existing_exposures, open_rank = set(), set(), {}
    for row in OverexposureAlert.objects.filter(worker_id__in=workers).values_list(
            "worker_id", "exposure_type", "source_exam_id", "source_exposure_id", "status", "severity"):
        worker_id, kind, exam_id, exposure_id, status, severity = row
        if exam_id:
            existing_exams.add((worker_id, kind, exam_id))
        if exposure_id:
            existing_exposures.add((worker_id, kind, exposure_id))
        if status in OPEN_STATUSES:
            open_rank[(worker_id, kind)] = max(open_rank.get((worker_id, kind), 0), SEVERITY_RANK[severity])
    created = 0
    for finding in findings:
        worker_id, kind = finding.worker.pk, finding.exposure_type
        if (finding.source_exam and (worker_id, kind, finding.source_exam.pk) in existing_exams) or (
                finding.source_exposure and (worker_id, kind, finding.source_exposure.pk) in existing_exposures):
            result.skipped += 1
            continue
        threshold = lookup(kind)
        percent = finding.percent if finding.percent is not None else percent_of(finding.measured_value,
                                                                                  finding.exposure_limit)
        severity = threshold.severity(percent)
        if severity is None or open_rank.get((worker_id, kind), 0) >= SEVERITY_RANK[severity]:
            result.skipped += 1
            continue
        try:
            alert = alert_create(organization=organization, worker=finding.worker, exposure_type=kind,
                                 measured_value=finding.measured_value, exposure_limit=finding.exposure_limit,
                                 unit=finding.unit, percent=finding.percent, detection=finding.detection,
                                 source_exam=finding.source_exam, source_exposure=finding.source_exposure,
                                 threshold=threshold)
        except ValidationError:
            result.skipped += 1
            continue
        open_rank[(worker_id, kind)] = SEVERITY_RANK[alert.severity]
        result.created.append(alert)
        created += 1
    return created


# --- notification and fitness ------------------------------------------------------------

def notify_emergency(event) -> int:
    """Event subscriber: an emergency alert notifies, at once and whatever the notification
    rules say, every active medical officer and safety manager of the organization. The
    text names the worker and the exposure type, never a medical value."""
    from django.contrib.auth import get_user_model

    from ohms_core.models import Membership
    from ohms_core.roles import Role
    from ohms_core.services.notifications import link_for, notification_create

    if event.data.get("severity") != AlertSeverity.EMERGENCY or event.organization_id is None:
        return 0
    user_ids = Membership.objects.filter(organization_id=event.organization_id, is_active=True,
                                         role__in=[Role.MEDICAL_OFFICER, Role.SAFETY_MANAGER]).values("user_id")
    title = _("EMERGENCY overexposure alert: worker %(worker)s (%(type)s)") % {
        "worker": event.data.get("employee_number", ""), "type": event.data.get("exposure_type", "")}
    message = _("Remove the worker from the exposure now and arrange a medical review. The worker is not fit "
                "for work until the alert is resolved.")
    created = 0
    target = event.target
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True):
        if notification_create(user=user, event=event, title=title[:255], message=message, per_event=True,
                               link=link_for(target, user, event)):
            created += 1
    return created


def emergency_alert_check(worker, on):
    """Fitness: an open (active or acknowledged) emergency alert makes the worker not fit."""
    if OverexposureAlert.objects.filter(worker_id=worker.pk, organization_id=worker.organization_id,
                                        severity=AlertSeverity.EMERGENCY, status__in=OPEN_STATUSES).exists():
        return _("An emergency overexposure alert is open: not fit for work until the medical service resolves it.")
    return None


if emergency_alert_check not in BLOCKING_CHECKS:
    BLOCKING_CHECKS.append(emergency_alert_check)

__all__ = ["AlertStatus", "alert_acknowledge", "alert_create", "alert_resolve", "alerts_bulk_acknowledge",
           "detect_alerts", "emergency_alert_check", "notify_emergency", "threshold_for", "transition_services"]
