"""What a new organization starts with (SPEC 2.8 recipients table, onboarding).

Core runs ``organization_setup`` (the manifest's hook) when an organization is created, from
``ohms_bootstrap``, the admin or ``ohms_demo``; migration 0004 runs the notification rules
for organizations that existed before. Everything is idempotent and stays editable in the
admin (Organization → Notification rules; Permit to work → types, matrices, templates): a
rule or type already present for an event type / code is never touched again.
"""
from __future__ import annotations

from ohms_core.models import NotificationRule
from ohms_core.roles import Role
from ohms_core.services.records import record_create

from .setup import permit_types_load_defaults

#: (event type, roles, assignee fields of the permit). SPEC 2.8: creator on created /
#: submitted / workflow initiated; the verifier when their step opens; the approver when
#: approval is required; creator and verifier on the decision; issuer / area in-charge and
#: creator from activation to closeout; isolation roles (issuer, area in-charge) when points
#: wait; the permit's people (and the safety manager) on suspension and expiry. Escalations
#: need no rule: services.escalations delivers them (they must not depend on configuration).
#: Migration 0005 holds a frozen copy for organizations that existed before.
DEFAULT_NOTIFICATION_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("ptw.permit.submitted", (), "created_by"),
    ("ptw.permit.workflow_initiated", (), "created_by,verifier"),
    ("ptw.permit.verifier_assigned", (), "verifier"),
    ("ptw.permit.verified", (), "approver,created_by"),
    ("ptw.permit.approver_assigned", (), "approver"),
    ("ptw.permit.approved", (), "created_by,verifier,issuer,area_incharge"),
    ("ptw.permit.rejected", (), "created_by,verifier"),
    ("ptw.permit.activated", (), "created_by,issuer,area_incharge"),
    ("ptw.permit.closeout_required", (), "issuer,area_incharge,created_by"),
    ("ptw.permit.closeout_completed", (), "issuer,area_incharge,created_by"),
    ("ptw.permit.completed", (), "created_by,issuer,area_incharge"),
    ("ptw.permit.isolation_pending", (), "issuer,area_incharge"),
    ("ptw.permit.suspended", (Role.SAFETY_MANAGER,), "issuer,area_incharge,created_by"),
    ("ptw.permit.resumed", (), "issuer,area_incharge,created_by"),
    ("ptw.permit.expired", (Role.SAFETY_MANAGER,), "created_by,issuer,area_incharge"),
    ("ptw.permit.expiring_soon", (), "created_by,issuer,area_incharge"),
    ("ptw.permit.extension_requested", (), "approver"),
    ("ptw.permit.extended", (), "created_by,issuer,area_incharge"),
    ("ptw.permit.extension_rejected", (), "created_by"),
)


def notification_rules_load_defaults(*, organization, user=None) -> list[NotificationRule]:
    """Create the SPEC 2.8 rules an organization lacks (one per event type; an event type that
    already has a rule, even an edited or deactivated one, is left as the admin set it)."""
    existing = set(NotificationRule.all_objects.filter(organization=organization, event_type__startswith="ptw.")
                   .values_list("event_type", flat=True))
    created = []
    for event_type, roles, fields in DEFAULT_NOTIFICATION_RULES:
        if event_type in existing:
            continue
        created.append(record_create(model=NotificationRule, organization=organization, user=user, data={
            "event_type": event_type, "roles": list(roles), "assignee_fields": fields, "in_app": True, "email": True}))
    return created


def organization_setup(*, organization, user=None) -> None:
    """Manifest hook: standard permit types, the default 5x5 risk matrix, closeout templates and
    the notification rules (idempotent)."""
    permit_types_load_defaults(organization=organization, user=user)
    notification_rules_load_defaults(organization=organization, user=user)
