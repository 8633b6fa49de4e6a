"""Who may do what: one table, read by the API, the admin and the services.

Each resource maps an action (view/add/change/delete) to the roles allowed to do it.
Superusers may do everything, in the organization they explicitly act for.
``check()`` returns a human reason when the answer is no, so a 403 always says why.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .roles import Role

ALL_ROLES = frozenset(Role.values)
ADMINS = frozenset({Role.ORG_ADMIN})
MANAGERS = frozenset({Role.ORG_ADMIN, Role.SAFETY_MANAGER})
PEOPLE_EDITORS = MANAGERS | {Role.MEDICAL_OFFICER, Role.INTEGRATOR}
DOCUMENT_EDITORS = PEOPLE_EDITORS | {Role.COMPLIANCE_OFFICER, Role.PERMIT_REQUESTER, Role.ISSUER}
AUDIT_READERS = MANAGERS | {Role.COMPLIANCE_OFFICER, Role.AUDITOR}

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"

POLICY: dict[str, dict[str, frozenset]] = {
    "organization": {VIEW: ALL_ROLES, ADD: frozenset(), CHANGE: ADMINS, DELETE: frozenset()},
    "site": {VIEW: ALL_ROLES, ADD: MANAGERS, CHANGE: MANAGERS, DELETE: MANAGERS},
    "project": {VIEW: ALL_ROLES, ADD: MANAGERS, CHANGE: MANAGERS, DELETE: MANAGERS},
    "enterprise": {VIEW: ALL_ROLES, ADD: MANAGERS, CHANGE: MANAGERS, DELETE: MANAGERS},
    "membership": {VIEW: AUDIT_READERS, ADD: ADMINS, CHANGE: ADMINS, DELETE: ADMINS},
    "contact": {VIEW: ALL_ROLES - {Role.WORKER}, ADD: PEOPLE_EDITORS, CHANGE: PEOPLE_EDITORS, DELETE: PEOPLE_EDITORS},
    "worker": {VIEW: ALL_ROLES - {Role.WORKER}, ADD: PEOPLE_EDITORS, CHANGE: PEOPLE_EDITORS, DELETE: PEOPLE_EDITORS},
    "document": {VIEW: ALL_ROLES, ADD: DOCUMENT_EDITORS, CHANGE: DOCUMENT_EDITORS, DELETE: DOCUMENT_EDITORS},
    "auditlog": {VIEW: AUDIT_READERS, ADD: frozenset(), CHANGE: frozenset(), DELETE: frozenset()},
    # Everybody manages their own tokens; a token never carries more than its membership.
    "apitoken": {VIEW: ALL_ROLES, ADD: ALL_ROLES, CHANGE: frozenset(), DELETE: ALL_ROLES},
    "notificationrule": {VIEW: MANAGERS, ADD: MANAGERS, CHANGE: MANAGERS, DELETE: MANAGERS},
    "event": {VIEW: AUDIT_READERS, ADD: frozenset(), CHANGE: frozenset(), DELETE: frozenset()},
    "transitionlog": {VIEW: AUDIT_READERS, ADD: frozenset(), CHANGE: frozenset(), DELETE: frozenset()},
    # Offline-sync conflicts (SPEC 5.1): written by the sync only; read by the permit people, resolved by managers.
    "syncconflict": {VIEW: ALL_ROLES - {Role.WORKER, Role.MEDICAL_OFFICER}, ADD: frozenset(), CHANGE: MANAGERS,
                     DELETE: frozenset()},
}

#: Who may read documents of each privacy level (besides their uploader).
DOCUMENT_PRIVACY_READERS = {
    "public": ALL_ROLES,
    "internal": ALL_ROLES,
    "confidential": ALL_ROLES - {Role.WORKER, Role.INTEGRATOR},
    "restricted": frozenset({Role.ORG_ADMIN, Role.MEDICAL_OFFICER, Role.COMPLIANCE_OFFICER}),
}

_ACTION_VERBS = {
    VIEW: gettext_lazy("see"),
    ADD: gettext_lazy("create"),
    CHANGE: gettext_lazy("change"),
    DELETE: gettext_lazy("delete"),
}
RESOURCE_LABELS = {
    "organization": gettext_lazy("organizations"),
    "site": gettext_lazy("sites"),
    "project": gettext_lazy("projects"),
    "enterprise": gettext_lazy("enterprises"),
    "membership": gettext_lazy("memberships"),
    "contact": gettext_lazy("contacts"),
    "worker": gettext_lazy("workers"),
    "document": gettext_lazy("documents"),
    "auditlog": gettext_lazy("audit log entries"),
    "apitoken": gettext_lazy("API tokens"),
    "notificationrule": gettext_lazy("notification rules"),
    "event": gettext_lazy("events"),
    "transitionlog": gettext_lazy("transition log entries"),
    "syncconflict": gettext_lazy("sync conflicts"),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self):
        return self.allowed


def register_resource(name: str, rules: dict[str, frozenset], label=None) -> None:
    """Add-ons declare their own resources here from their AppConfig.ready()."""
    POLICY[name] = rules
    if label is not None:
        RESOURCE_LABELS[name] = label


#: Resources nobody may change, superusers included (append-only records).
IMMUTABLE_RESOURCES = {"auditlog", "event", "transitionlog"}


def check(*, user, role: str, resource: str, action: str) -> Decision:
    if resource in IMMUTABLE_RESOURCES and action != VIEW:
        return Decision(False, _("This record is append-only: entries can never be changed or deleted."))
    if user is not None and getattr(user, "is_superuser", False):
        return Decision(True)
    allowed_roles = POLICY.get(resource, {}).get(action, frozenset())
    if role and role in allowed_roles:
        return Decision(True)
    if not role:
        return Decision(False, _("You are not a member of this organization."))
    role_label = Role(role).label if role in Role.values else role
    return Decision(
        False,
        _("Your role “%(role)s” may not %(verb)s %(resource)s.")
        % {"role": role_label, "verb": _ACTION_VERBS.get(action, action), "resource": RESOURCE_LABELS.get(resource, resource)},
    )
