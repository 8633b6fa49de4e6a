"""Incident and occupational-disease use cases (SPEC 3.1, issue 8 "Incidents").

Why services: reporting an incident writes the row, its people involved and the
``health.incident.reported`` event in one transaction (the regulatory add-on builds
declarations from that event, so a rolled-back report must leave no event); a serious
incident alerts the safety managers and medical officers through an event subscriber,
never a signal. Occupational diseases are medical records: written through the
role-checked, field-name-audited ``medical_record_create`` and announced with an event that
carries no diagnosis text.
"""
from __future__ import annotations

import uuid
from datetime import UTC

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import events, scoping
from ohms_core.exceptions import BusinessRuleError
from ohms_core.models import Membership
from ohms_core.roles import Role
from ohms_core.services.records import record_create, record_update

from ..models import CorrectiveAction, Incident, IncidentStatus, OccupationalDisease
from .records import medical_record_create

INCIDENT_REPORTED = "health.incident.reported"
DISEASE_DIAGNOSED = "health.disease.diagnosed"
#: Roles alerted at once of a severe or fatal incident.
SERIOUS_INCIDENT_ROLES = (Role.SAFETY_MANAGER, Role.MEDICAL_OFFICER)


# --- the permit reference (loose: ohms_health does not depend on ohms_ptw) -----------------

def resolve_permit(*, organization, value) -> tuple[uuid.UUID | None, str]:
    """``(permit id, permit number)`` for a permit id or number given by the reporter.

    The permit must be one the reporter may see (same organization, the member's project
    scope: ``ohms_core.scoping``). The model is looked up by name in the app registry, so
    this add-on never imports the permit-to-work add-on; without it, a permit cannot be
    checked and is refused rather than stored unverified.
    """
    if value in (None, ""):
        return None, ""
    if not apps.is_installed("ohms_ptw"):
        raise ValidationError({"permit": _("The permit-to-work add-on is not installed: no permit can be linked.")})
    permit_model = apps.get_model("ohms_ptw", "Permit")
    permits = scoping.scope_queryset(permit_model.objects.all(), organization=organization)
    text = str(value).strip()
    try:
        lookup = {"pk": uuid.UUID(text)}
    except ValueError:
        lookup = {"permit_number": text}
    permit = permits.filter(**lookup).only("pk", "permit_number").first()
    if permit is None:
        raise ValidationError({"permit": _("No such permit in this organization.")})
    return permit.pk, permit.permit_number


def _with_permit(data: dict, organization) -> dict:
    data = dict(data)
    if "permit" in data:
        data["permit_reference"], data["permit_number"] = resolve_permit(organization=organization,
                                                                         value=data.pop("permit"))
    return data


def reported_payload(incident: Incident) -> dict:
    """What the regulatory add-on needs to declare an incident (no names, no medical content)."""
    return {
        "incident_id": str(incident.pk),
        "enterprise_id": str(incident.enterprise_id),
        "enterprise": incident.enterprise.name,
        "severity": incident.severity,
        "occurred_at": incident.occurred_at.astimezone(UTC).isoformat(),
        "location": incident.location,
        "workers_count": incident.workers.count(),
        "is_recordable": incident.is_recordable,
        "permit_number": incident.permit_number,
    }


def incident_report(*, organization, data: dict, user) -> Incident:
    """Record a new incident (status reported) and emit ``health.incident.reported``."""
    data = _with_permit(data, organization)
    data["reported_by"] = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        incident = record_create(model=Incident, organization=organization, data=data, user=user)
        events.emit("health.incident.reported", incident, actor=user, data=reported_payload(incident))
    return incident


def _refuse_closed(incident: Incident) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise BusinessRuleError(_("This incident is closed: it can no longer be changed."), code="incident_closed")


def incident_update(*, instance: Incident, data: dict, user, expected_version: int | None = None) -> Incident:
    """Edit the report and the investigation (root cause) until the incident is closed."""
    _refuse_closed(instance)
    data = _with_permit(data, instance.organization)
    return record_update(instance=instance, data=data, expected_version=expected_version, user=user)


def incident_child_save(*, model, data: dict, user, instance=None, organization=None,
                        expected_version: int | None = None):
    """Create or update an injury or a corrective action; a closed incident is frozen."""
    incident = data.get("incident") or instance.incident
    _refuse_closed(incident)
    if instance is not None and "incident" in data and data["incident"].pk != instance.incident_id:
        raise ValidationError({"incident": _("A row cannot move to another incident.")})
    if instance is None:
        return record_create(model=model, organization=organization, data=data, user=user)
    return record_update(instance=instance, data=data, expected_version=expected_version, user=user)


def corrective_action_complete(*, action: CorrectiveAction, user, expected_version: int | None = None):
    """Mark an action done now (idempotent: a done action keeps its date)."""
    if action.done_at is not None:
        return action
    return incident_child_save(model=CorrectiveAction, instance=action, data={"done_at": timezone.now()},
                               user=user, expected_version=expected_version)


def notify_serious_incident(event) -> int:
    """Event subscriber: a severe or fatal incident alerts the organization's safety
    managers and medical officers at once, whatever the notification rules say."""
    from ohms_core.services.notifications import link_for, notification_create

    data = event.data or {}
    if data.get("severity") not in ("severe", "fatal"):
        return 0
    members = (Membership.objects.filter(organization_id=event.organization_id, role__in=SERIOUS_INCIDENT_ROLES,
                                         is_active=True, user__is_active=True).select_related("user"))
    severity = {"severe": _("SEVERE"), "fatal": _("FATAL")}[data["severity"]]
    title = _("%(severity)s incident at %(location)s (%(enterprise)s)") % {
        "severity": severity, "location": data.get("location", ""), "enterprise": data.get("enterprise", "")}
    message = _("%(count)s person(s) involved, %(when)s. Start the investigation now.") % {
        "count": data.get("workers_count", 0), "when": data.get("occurred_at", "")}
    target = event.target
    created = 0
    for membership in members:
        if notification_create(user=membership.user, event=event, title=title[:255], message=message,
                               per_event=True, link=link_for(target, membership.user, event)):
            created += 1
    return created


# --- occupational diseases (medical) --------------------------------------------------------

def disease_diagnose(*, organization, data: dict, user, role: str) -> OccupationalDisease:
    """Record a diagnosis (medical roles only) and emit ``health.disease.diagnosed``.

    The payload is what every consumer may see (ids, the date, the occupational flag):
    events reach webhooks, integrators and notification rules addressed to non-medical
    roles, and a worker id next to a causal agent (silica, noise) is medical content.
    Never the disease, the agent or the detail: the regulatory add-on (which depends on
    this one) reads them from the ``OccupationalDisease`` row by ``disease_id`` when it
    drafts a CNSS or DRC declaration (its report links that row, SPEC 4.1/4.2). The
    occupational flag stays: it is the category that decides whether a declaration is
    due at all."""
    with transaction.atomic():
        disease = medical_record_create(model=OccupationalDisease, organization=organization, data=data, user=user,
                                        role=role)
        events.emit("health.disease.diagnosed", disease, actor=user, data={
            "disease_id": str(disease.pk),
            "worker_id": str(disease.worker_id),
            "enterprise_id": str(disease.worker.enterprise_id),
            "diagnosed_on": disease.diagnosed_on.isoformat(),
            "is_occupational": disease.is_occupational,
        })
    return disease


__all__ = [
    "DISEASE_DIAGNOSED", "INCIDENT_REPORTED", "corrective_action_complete", "disease_diagnose",
    "incident_child_save", "incident_report", "incident_update", "notify_serious_incident", "reported_payload",
    "resolve_permit",
]
