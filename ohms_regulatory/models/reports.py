"""CNSS and DRC declarations (SPEC 4.1-4.3, issue 12 "CNSS and DRC reports").

A declaration is a document the compliance officer files with an authority: the CNSS
(social security: accidents, diseases, monthly statistics) or the DRC labour inspectorate
(fatal accidents within 24 h, severe ones within 48 h, occupational diseases within 10
days). Both kinds share one lifecycle, draft -> ready_for_submission -> submitted ->
acknowledged -> approved | rejected, registered with core as state machines (transitions
API, admin buttons with reasons, transition log, one event per transition).

Why the two kinds are two tables and not one: their links differ (a CNSS declaration is about
one incident, disease or month; a DRC report may cover several incidents and diseases, M2M)
and the integrators' contract names them separately (``cnss-reports``, ``drc-reports``).
The lifecycle fields live in one abstract base; the transitions are declared on each model
because django-fsm binds a transition method to one field object.

"Never two declarations for one event" is a database rule, not a hope: a CNSS declaration's
incident, disease and exit exam are unique; a DRC report generated from an event carries a
``source_key`` ("incident:<id>", "disease:<id>") unique per organization.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.models import BaseModel
from ohms_core.roles import Role
from ohms_core.workflows import StateMachineMixin, role_permission

from ..states import (
    UNSUBMITTED_STATUSES,
    ClockLevel,
    CNSSReportType,
    DRCReportType,
    ReportStatus,
)

#: Who files declarations and records the authority's answers.
DECLARANTS = (Role.COMPLIANCE_OFFICER, Role.ORG_ADMIN)


def _declarants():
    return role_permission(*DECLARANTS, message=_("Only a compliance officer or an org admin can do this."))


class RegulatorySettings(BaseModel):
    """Statutory delays of one organization (defaults = SPEC 4.2: 24 h, 48 h, 10 days).

    Without a row the defaults apply; the delays count from the event time (the incident's
    ``occurred_at``, the disease's diagnosis date)."""

    fatal_incident_hours = models.PositiveSmallIntegerField(_("fatal incident: hours to declare"), default=24)
    severe_incident_hours = models.PositiveSmallIntegerField(
        _("severe incident: hours to declare"), default=48,
        help_text=_("Also the delay of the CNSS declaration of any other workplace accident."))
    disease_notice_days = models.PositiveSmallIntegerField(_("occupational disease: days to declare"), default=10)

    class Meta:
        verbose_name = _("regulatory settings")
        verbose_name_plural = _("regulatory settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="regulatory_settings_one_per_org")]

    def __str__(self):
        return str(_("Statutory delays"))


class ReportNumberSequence(models.Model):
    """Counter per organization, kind ("CNSS", "DRC") and year, incremented inside the
    database (``services.reports.reference_next``), so concurrent creations never share a
    number. Bookkeeping, not a business record: no history, no screen."""

    organization = models.ForeignKey("ohms_core.Organization", on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "prefix", "year"],
                                               name="regulatory_sequence_per_org_prefix_year")]

    def __str__(self):
        return f"{self.prefix} {self.year}: {self.last_value}"


class DeclarationBase(StateMachineMixin, BaseModel):
    """Fields every declaration has: reference, enterprise, period, aggregated data, the
    statutory clock, the filing and the authority's response."""

    reference_number = models.CharField(_("reference number"), max_length=40, unique=True, editable=False)
    enterprise = models.ForeignKey("ohms_core.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="+")
    period_year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    period_month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    period_quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    data = models.JSONField(_("report data"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Statutory clock: starts at the event, ends at the deadline (None: no statutory delay).
    event_at = models.DateTimeField(_("event time"), null=True, blank=True, editable=False)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", editable=False)
    # The authority's response (SPEC 4.2 "authority response tracking").
    authority_reference = models.CharField(_("authority reference"), max_length=100, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decision date"), null=True, blank=True, editable=False)
    authority_response = models.TextField(_("authority response"), blank=True)
    required_actions = models.TextField(_("required actions"), blank=True)
    follow_up_deadline = models.DateField(_("follow-up deadline"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        abstract = True
        ordering = ["-created_at"]

    @property
    def label(self):
        return self.reference_number

    @property
    def is_overdue(self) -> bool:
        """Past the deadline and not yet filed (SPEC 4.2 "Rules")."""
        return bool(self.deadline_at and self.status in UNSUBMITTED_STATUSES and self.deadline_at <= timezone.now())

    def time_left(self, now=None):
        if not self.deadline_at:
            return None
        return self.deadline_at - (now or timezone.now())

    # Transition bodies (each model declares its transitions: django-fsm binds one field).
    def _on_submit(self, by=None):
        self.submitted_at = timezone.now()
        self.submitted_by = by if getattr(by, "is_authenticated", False) else None

    def _on_acknowledge(self):
        self.acknowledged_at = timezone.now()

    def _on_decide(self):
        self.decided_at = timezone.now()


class CNSSReport(DeclarationBase):
    """A CNSS declaration (SPEC 4.1): one accident, disease or fatality, or a period's statistics."""

    report_type = models.CharField(_("report type"), max_length=30, choices=CNSSReportType.choices, db_index=True)
    status = FSMField(_("status"), default=ReportStatus.DRAFT, choices=ReportStatus.choices, protected=True,
                      db_index=True)
    incident = models.ForeignKey("ohms_health.Incident", verbose_name=_("incident"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="cnss_reports")
    disease = models.ForeignKey("ohms_health.OccupationalDisease", verbose_name=_("occupational disease"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="cnss_reports")
    exit_examination = models.ForeignKey("ohms_health.ExitExamination", verbose_name=_("exit examination"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="cnss_reports",
                                         help_text=_("Submitting the declaration moves the exam to “reported to "
                                                     "the CNSS”."))

    class Meta(DeclarationBase.Meta):
        verbose_name = _("CNSS declaration")
        verbose_name_plural = _("CNSS declarations")
        constraints = [
            models.UniqueConstraint(fields=["incident"], condition=Q(incident__isnull=False),
                                    name="cnss_one_report_per_incident"),
            models.UniqueConstraint(fields=["disease"], condition=Q(disease__isnull=False),
                                    name="cnss_one_report_per_disease"),
            models.UniqueConstraint(fields=["exit_examination"], condition=Q(exit_examination__isnull=False),
                                    name="cnss_one_report_per_exit_exam"),
            models.UniqueConstraint(fields=["organization", "enterprise", "report_type", "period_year", "period_month"],
                                    condition=Q(report_type="monthly_stats"), name="cnss_one_monthly_per_enterprise"),
        ]

    def __str__(self):
        return f"{self.reference_number} — {self.get_report_type_display()}"

    @transition(field=status, source=ReportStatus.DRAFT, target=ReportStatus.READY_FOR_SUBMISSION,
                permission=_declarants(), custom={"label": _("Mark ready"), "event": "marked_ready"})
    def mark_ready(self):
        pass

    @transition(field=status, source=ReportStatus.READY_FOR_SUBMISSION, target=ReportStatus.SUBMITTED,
                permission=_declarants(), custom={"label": _("Submit"), "event": "submitted"})
    def submit(self, by=None):
        self._on_submit(by)

    @transition(field=status, source=ReportStatus.SUBMITTED, target=ReportStatus.ACKNOWLEDGED,
                permission=_declarants(), custom={"label": _("Acknowledged by the authority"), "event": "acknowledged"})
    def acknowledge(self):
        self._on_acknowledge()

    @transition(field=status, source=ReportStatus.ACKNOWLEDGED, target=ReportStatus.APPROVED,
                permission=_declarants(), custom={"label": _("Approved by the authority"), "event": "approved"})
    def approve(self):
        self._on_decide()

    @transition(field=status, source=ReportStatus.ACKNOWLEDGED, target=ReportStatus.REJECTED,
                permission=_declarants(),
                custom={"label": _("Rejected by the authority"), "event": "rejected", "comment_required": True})
    def reject(self):
        self._on_decide()


class DRCReport(DeclarationBase):
    """A report to the DRC labour inspectorate (SPEC 4.2); event reports have a statutory deadline."""

    report_type = models.CharField(_("report type"), max_length=30, choices=DRCReportType.choices, db_index=True)
    status = FSMField(_("status"), default=ReportStatus.DRAFT, choices=ReportStatus.choices, protected=True,
                      db_index=True)
    incidents = models.ManyToManyField("ohms_health.Incident", verbose_name=_("incidents"), blank=True,
                                       related_name="drc_reports")
    diseases = models.ManyToManyField("ohms_health.OccupationalDisease", verbose_name=_("occupational diseases"),
                                      blank=True, related_name="drc_reports")
    # "incident:<uuid>" / "disease:<uuid>" for a report generated from one event: unique, so
    # an event delivered twice, the command and the job never make a second report.
    source_key = models.CharField(_("source"), max_length=80, blank=True, editable=False)

    class Meta(DeclarationBase.Meta):
        verbose_name = _("DRC report")
        verbose_name_plural = _("DRC reports")
        constraints = [
            models.UniqueConstraint(fields=["organization", "source_key"], condition=~Q(source_key=""),
                                    name="drc_one_report_per_source"),
        ]

    def __str__(self):
        return f"{self.reference_number} — {self.get_report_type_display()}"

    @transition(field=status, source=ReportStatus.DRAFT, target=ReportStatus.READY_FOR_SUBMISSION,
                permission=_declarants(), custom={"label": _("Mark ready"), "event": "marked_ready"})
    def mark_ready(self):
        pass

    @transition(field=status, source=ReportStatus.READY_FOR_SUBMISSION, target=ReportStatus.SUBMITTED,
                permission=_declarants(), custom={"label": _("Submit"), "event": "submitted"})
    def submit(self, by=None):
        self._on_submit(by)

    @transition(field=status, source=ReportStatus.SUBMITTED, target=ReportStatus.ACKNOWLEDGED,
                permission=_declarants(), custom={"label": _("Acknowledged by the authority"), "event": "acknowledged"})
    def acknowledge(self):
        self._on_acknowledge()

    @transition(field=status, source=ReportStatus.ACKNOWLEDGED, target=ReportStatus.APPROVED,
                permission=_declarants(), custom={"label": _("Approved by the authority"), "event": "approved"})
    def approve(self):
        self._on_decide()

    @transition(field=status, source=ReportStatus.ACKNOWLEDGED, target=ReportStatus.REJECTED,
                permission=_declarants(),
                custom={"label": _("Rejected by the authority"), "event": "rejected", "comment_required": True})
    def reject(self):
        self._on_decide()


class ReportClockNotice(models.Model):
    """Ledger of the statutory clock's escalations: one row per report and level (50 %, 90 %,
    expired), so a second run, a retried job or two consumers never notify twice.
    Append-only bookkeeping like the exit exam reminder ledger: no history, no screen."""

    organization = models.ForeignKey("ohms_core.Organization", on_delete=models.CASCADE, related_name="+")
    report_kind = models.CharField(max_length=10)  # "cnss" | "drc"
    report_id = models.UUIDField()
    level = models.CharField(max_length=10, choices=ClockLevel.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report_kind", "report_id", "level"],
                                               name="regulatory_clock_notice_once")]

    def __str__(self):
        return f"{self.report_kind} {self.report_id} {self.level}"
