"""Writes of quality audits and findings (SPEC 4.6).

Audits and findings are created and edited through core's record services (history, audit
row, version); a finding's status changes only through its state machine (core workflows:
API ``transitions/``, admin buttons, generic transition URL). This module adds the one rule
no screen runs: overdue corrective actions are notified once each.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import events
from ohms_core.models import Membership
from ohms_core.services.records import record_update

from ..models import AuditFinding
from ..models.audits import AUDIT_MANAGERS, OPEN_FINDING_STATES

OVERDUE_EVENT = "regulatory.auditfinding.overdue"


def overdue_findings(queryset=None, *, today=None):
    today = today or timezone.localdate()
    queryset = AuditFinding.objects.all() if queryset is None else queryset
    return queryset.filter(status__in=OPEN_FINDING_STATES, due_date__lt=today)


def findings_overdue_notify(*, today=None) -> int:
    """One ``regulatory.auditfinding.overdue`` event per finding that fell overdue, with
    ``overdue_notified_on`` stamped in the same transaction under a row lock, so a second run
    (or a second job consumer) never notifies twice. Returns how many were notified."""
    today = today or timezone.localdate()
    due = overdue_findings(today=today).filter(overdue_notified_on__isnull=True).select_related(
        "audit__site", "organization").order_by("due_date")
    count = 0
    for finding in due:
        with transaction.atomic():
            locked = AuditFinding.objects.select_for_update().filter(
                pk=finding.pk, overdue_notified_on__isnull=True).first()
            if locked is None:
                continue
            locked = record_update(instance=locked, data={"overdue_notified_on": today})
            events.emit(OVERDUE_EVENT, locked, organization=finding.organization, data={
                "audit_id": str(finding.audit_id), "site": finding.audit.site.name,
                "standard": finding.audit.standard, "due_date": finding.due_date.isoformat(),
                "days_overdue": (today - finding.due_date).days, "owner_id": finding.owner_id,
                "severity": finding.severity})
            count += 1
    return count


def notify_overdue_finding(event) -> int:
    """Event subscriber: the owner of the action and the audit managers of the organization
    hear about an overdue finding, whatever the notification rules say."""
    from ohms_core.services.notifications import link_for, notification_create

    data = event.data or {}
    users = {m.user.pk: m.user for m in Membership.objects.filter(
        organization_id=event.organization_id, role__in=AUDIT_MANAGERS, is_active=True,
        user__is_active=True).select_related("user")}
    if data.get("owner_id"):
        owner = Membership.objects.filter(organization_id=event.organization_id, user_id=data["owner_id"],
                                          is_active=True, user__is_active=True).select_related("user").first()
        if owner is not None:
            users[owner.user.pk] = owner.user
    title = _("Audit finding overdue: %(finding)s") % {"finding": event.object_repr[:120]}
    message = _("%(standard)s audit at %(site)s: the corrective action was due %(days)s day(s) ago.") % {
        "standard": data.get("standard", ""), "site": data.get("site", ""), "days": data.get("days_overdue", 0)}
    target = event.target
    created = 0
    for user in users.values():
        if notification_create(user=user, event=event, title=title[:255], message=message,
                               link=link_for(target, user, event)):
            created += 1
    return created
