"""Incidents and occupational diseases (SPEC 3.1, issue 8 "Incidents").

An incident is reported by whoever saw it (supervisors included), investigated by the
safety and medical side, and closed once every corrective action is done: the small state
machine reported -> investigating -> actions_open -> closed, whose gates live in
``ohms_health.incident_gates``. Its creation is an event (``health.incident.reported``) the
regulatory add-on turns into declarations; incidents in the last 12 months and
occupational diseases feed the compliance risk sub-score.

The permit under which the work was done is a *loose reference* (``permit_reference`` +
``permit_number``), not a foreign key: ``ohms_health`` must not depend on ``ohms_ptw``
(DECISIONS 1-2, ``depends=("ohms_core",)``). The service resolves it when the
permit-to-work add-on is installed (same organization and the member's project scope,
through the app registry, never an import) and stores the number, so the incident still
reads well when permits are not installed or the permit is later deleted.

Occupational diseases are medical content (DECISIONS 12): medical officers and org admins
only, every read audited per worker, and their event carries no diagnosis text.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.models import BaseModel
from ohms_core.roles import Role
from ohms_core.workflows import StateMachineMixin, gate, role_permission

from ..incident_gates import actions_defined, all_actions_done, root_cause_recorded


class IncidentSeverity(models.TextChoices):
    FIRST_AID = "first_aid", _("First aid")
    MEDICAL_TREATMENT = "medical_treatment", _("Medical treatment")
    LOST_TIME = "lost_time", _("Lost time")
    SEVERE = "severe", _("Severe")
    FATAL = "fatal", _("Fatal")


#: Severities recorded in the regulatory log (first aid cases are not recordable).
RECORDABLE_SEVERITIES = frozenset({IncidentSeverity.MEDICAL_TREATMENT, IncidentSeverity.LOST_TIME,
                                   IncidentSeverity.SEVERE, IncidentSeverity.FATAL})
#: Severities that alert the safety managers and medical officers at once.
SERIOUS_SEVERITIES = frozenset({IncidentSeverity.SEVERE, IncidentSeverity.FATAL})


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    INVESTIGATING = "investigating", _("Investigating")
    ACTIONS_OPEN = "actions_open", _("Actions open")
    CLOSED = "closed", _("Closed")


#: Who investigates and closes incidents: the safety side, the medical side, org admins.
INVESTIGATORS = (Role.ORG_ADMIN, Role.SAFETY_MANAGER, Role.MEDICAL_OFFICER)


class Incident(StateMachineMixin, BaseModel):
    enterprise = models.ForeignKey("ohms_core.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="incidents")
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    severity = models.CharField(_("severity"), max_length=30, choices=IncidentSeverity.choices, db_index=True)
    location = models.CharField(_("location"), max_length=200)
    description = models.TextField(_("description"))
    workers = models.ManyToManyField("ohms_core.Worker", verbose_name=_("people involved"), blank=True,
                                     related_name="incidents")
    root_cause = models.TextField(_("root cause"), blank=True)
    permit_reference = models.UUIDField(_("permit"), null=True, blank=True, db_index=True,
                                        help_text=_("The permit to work the work was done under, if any."))
    permit_number = models.CharField(_("permit number"), max_length=40, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    status = FSMField(_("status"), default=IncidentStatus.REPORTED, choices=IncidentStatus.choices, protected=True,
                      db_index=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["organization", "occurred_at"], name="ohms_health_inc_org_date")]

    def __str__(self):
        return f"{date_format(timezone.localtime(self.occurred_at), 'SHORT_DATE_FORMAT')} {self.get_severity_display()} — {self.location}"

    @property
    def label(self):
        return str(self)

    @property
    def is_recordable(self) -> bool:
        """Recordable for the regulatory log: anything beyond first aid."""
        return self.severity in RECORDABLE_SEVERITIES

    @property
    def lost_time_days(self) -> int:
        """Days lost over every injury of the incident (prefetched injuries are used as is)."""
        return sum(row.days_lost for row in self.injuries.all() if not row.is_deleted)

    @property
    def is_serious(self) -> bool:
        return self.severity in SERIOUS_SEVERITIES

    @transition(field=status, source=IncidentStatus.REPORTED, target=IncidentStatus.INVESTIGATING,
                permission=role_permission(*INVESTIGATORS),
                custom={"label": _("Start investigation"), "event": "investigation_started"})
    def investigate(self):
        pass

    @transition(field=status, source=IncidentStatus.INVESTIGATING, target=IncidentStatus.ACTIONS_OPEN,
                conditions=[gate(root_cause_recorded), gate(actions_defined)],
                permission=role_permission(*INVESTIGATORS),
                custom={"label": _("Open corrective actions"), "event": "actions_opened"})
    def open_actions(self):
        pass

    # Closing straight from the investigation is allowed when the root cause is known and no
    # corrective action is open (the investigation found nothing to change, or every action
    # was already done): forcing an empty "actions open" step would only add a click.
    @transition(field=status, source=[IncidentStatus.INVESTIGATING, IncidentStatus.ACTIONS_OPEN],
                target=IncidentStatus.CLOSED, conditions=[gate(root_cause_recorded), gate(all_actions_done)],
                permission=role_permission(*INVESTIGATORS),
                custom={"label": _("Close"), "event": "closed"})
    def close(self):
        from django.utils import timezone

        self.closed_at = timezone.now()


class InjuryType(models.TextChoices):
    CONTUSION = "contusion", _("Contusion / bruise")
    LACERATION = "laceration", _("Cut / laceration")
    FRACTURE = "fracture", _("Fracture")
    SPRAIN = "sprain", _("Sprain / strain")
    BURN = "burn", _("Burn")
    CRUSH = "crush", _("Crush")
    AMPUTATION = "amputation", _("Amputation")
    EYE = "eye", _("Eye injury")
    INHALATION = "inhalation", _("Inhalation / poisoning")
    ELECTRIC = "electric", _("Electric shock")
    OTHER = "other", _("Other")


class IncidentInjury(BaseModel):
    """One injury of one person involved (a child row, not a structured field, so the
    regulatory add-on can count days lost and body parts with plain queries)."""

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="injuries")
    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="incident_injuries")
    injury_type = models.CharField(_("injury type"), max_length=30, choices=InjuryType.choices)
    body_part = models.CharField(_("body part"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    days_lost = models.PositiveSmallIntegerField(_("days lost"), default=0)

    class Meta:
        verbose_name = _("injury")
        verbose_name_plural = _("injuries")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.get_injury_type_display()} {self.body_part}".strip()

    def clean(self):
        """An injury belongs to one of the people involved in the incident."""
        super().clean()
        from django.core.exceptions import ValidationError

        if self.incident_id and self.worker_id and not self.incident.workers.filter(pk=self.worker_id).exists():
            raise ValidationError({"worker": _("Only a person involved in the incident can have an injury on it.")})


class CorrectiveAction(BaseModel):
    """A corrective action decided by the investigation; the incident closes only when every
    action is done (``done_at`` set), which gives "actions open -> closed" a real gate."""

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="corrective_actions")
    description = models.TextField(_("description"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_date", "created_at"]

    def __str__(self):
        return self.description[:80]

    @property
    def is_open(self) -> bool:
        return self.done_at is None

    def clean(self):
        """The owner is a member of the incident's organization (user choices are not
        tenant-scoped by the serializer base, so the rule lives on the model)."""
        super().clean()
        from django.core.exceptions import ValidationError

        from ohms_core.models import Membership

        organization_id = self.organization_id or (self.incident.organization_id if self.incident_id else None)
        if self.owner_id and not Membership.objects.filter(organization_id=organization_id, user_id=self.owner_id,
                                                           is_active=True).exists():
            raise ValidationError({"owner": _("The owner must be a member of this organization.")})


class OccupationalDisease(BaseModel):
    """A diagnosed disease of a worker; medical content (DECISIONS 12)."""

    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="occupational_diseases")
    disease = models.CharField(_("disease"), max_length=200)
    agent = models.CharField(_("agent"), max_length=100, blank=True, db_index=True,
                             help_text=_("The causal agent, named like exposure types: noise, silica dust, "
                                         "cobalt, ..."))
    diagnosed_on = models.DateField(_("diagnosed on"), db_index=True)
    is_occupational = models.BooleanField(_("occupational"), default=True)
    diagnosis_detail = models.TextField(_("diagnosis detail"), blank=True)
    source_examination = models.ForeignKey("ohms_health.MedicalExamination", verbose_name=_("source examination"),
                                           null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("occupational disease")
        verbose_name_plural = _("occupational diseases")
        ordering = ["-diagnosed_on"]
        indexes = [models.Index(fields=["worker", "diagnosed_on"], name="ohms_health_dis_worker_date")]

    def __str__(self):
        # No disease name: this text lands in audit rows and events, which non-medical
        # readers (auditors, webhooks) see.
        return f"{self._meta.verbose_name.capitalize()} {date_format(self.diagnosed_on, 'SHORT_DATE_FORMAT')}"

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        errors = {}
        if self.source_examination_id and self.worker_id and self.source_examination.worker_id != self.worker_id:
            errors["source_examination"] = _("The source examination is one of another worker.")
        if self.diagnosed_on:
            from django.utils import timezone

            if self.diagnosed_on > timezone.localdate():
                errors["diagnosed_on"] = _("A diagnosis date cannot be in the future.")
        if errors:
            raise ValidationError(errors)
