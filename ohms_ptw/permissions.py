"""Who may act on a permit: role rules and assignment rules, with the reason when not."""
from django.utils.translation import gettext_lazy as _

from ohms_core import permissions as core_permissions
from ohms_core.roles import Role
from ohms_core.workflows import role_permission

from . import gates

ALL = core_permissions.ALL_ROLES
MANAGERS = core_permissions.MANAGERS
PERMIT_WRITERS = ALL - {Role.AUDITOR, Role.WORKER, Role.MEDICAL_OFFICER, Role.COMPLIANCE_OFFICER}
CONFIGURATORS = MANAGERS

RESOURCES = {
    "permit": {"view": ALL, "add": PERMIT_WRITERS, "change": PERMIT_WRITERS, "delete": MANAGERS},
    "permittype": {"view": ALL, "add": CONFIGURATORS, "change": CONFIGURATORS, "delete": CONFIGURATORS},
    "riskmatrix": {"view": ALL, "add": CONFIGURATORS, "change": CONFIGURATORS, "delete": CONFIGURATORS},
    "closeouttemplate": {"view": ALL, "add": CONFIGURATORS, "change": CONFIGURATORS, "delete": CONFIGURATORS},
    "isolationpoint": {"view": ALL, "add": PERMIT_WRITERS, "change": CONFIGURATORS | {Role.ISSUER, Role.AREA_INCHARGE},
                       "delete": CONFIGURATORS},
    "lotoprocedure": {"view": ALL, "add": CONFIGURATORS, "change": CONFIGURATORS, "delete": CONFIGURATORS},
    "escalationrule": {"view": ALL, "add": CONFIGURATORS, "change": CONFIGURATORS, "delete": CONFIGURATORS},
    "permitchild": {"view": ALL, "add": PERMIT_WRITERS, "change": PERMIT_WRITERS, "delete": PERMIT_WRITERS},
    "permitlog": {"view": ALL, "add": frozenset(), "change": frozenset(), "delete": frozenset()},
    # Audit-ready exports (PDF, Excel, bulk): everyone who reads permits except field workers.
    "permitexport": {"view": ALL - {Role.WORKER}, "add": frozenset(), "change": frozenset(), "delete": frozenset()},
    # Compliance reports (SPEC 4.5: summary, exceptions, report exports): as the exports.
    "permitreport": {"view": ALL - {Role.WORKER}, "add": frozenset(), "change": frozenset(), "delete": frozenset()},
    # The ops health report (GET /api/v1/ptw/health/, SPEC 5.4): the people who run the permit system.
    "ptwhealth": {"view": MANAGERS, "add": frozenset(), "change": frozenset(), "delete": frozenset()},
}

#: Who may isolate and verify points (besides the people assigned on the permit).
ISOLATION_ROLES = frozenset({Role.ISSUER, Role.AREA_INCHARGE, Role.VERIFIER, Role.ORG_ADMIN, Role.SAFETY_MANAGER})


def _is(attr):
    def check(permit, user):
        return user is not None and getattr(permit, f"{attr}_id", None) == user.pk
    return check


def _any(*checks):
    def check(permit, user):
        return any(c(permit, user) for c in checks)
    return check


is_creator = _is("created_by")
is_verifier = _is("verifier")
is_approver = _is("approver")
is_issuer = _is("issuer")
is_area_incharge = _is("area_incharge")
is_receiver = _is("receiver")

#: Attribute where a batch read leaves who verified a permit (read by ``_verified_by_id``).
VERIFIED_BY_CACHE = "_ptw_verified_by_id"


def _verified_by_id(permit):
    """Who ran the last ``verify`` of this permit (the transition log is the record)."""
    if VERIFIED_BY_CACHE in permit.__dict__:  # batch-loaded (task_console.tasks_preload)
        return permit.__dict__[VERIFIED_BY_CACHE]
    from django.contrib.contenttypes.models import ContentType

    from ohms_core.models import TransitionLog

    return (TransitionLog.objects.filter(content_type=ContentType.objects.get_for_model(permit), object_id=str(permit.pk),
                                         transition="verify").order_by("-timestamp").values_list("user_id", flat=True).first())


def segregated(permission, step: str):
    """``permission`` plus segregation of duties on the person acting (gates.actor_segregation_reason):
    it holds for every role, org admins and superusers included."""
    base = permission.ohms_reason

    def reason(instance, user):
        denied = base(instance, user)
        if denied is not None:
            return denied
        verified_by = _verified_by_id(instance) if step == "approve" else None
        return gates.actor_segregation_reason(instance, user, step, verified_by_id=verified_by)

    def check(instance, user):
        return reason(instance, user) is None

    check.ohms_reason = reason
    check.ohms_roles = permission.ohms_roles
    check.ohms_message = permission.ohms_message
    check.ohms_has_rule = True
    return check


can_submit = role_permission(Role.ORG_ADMIN, Role.SAFETY_MANAGER, Role.PERMIT_REQUESTER, allow=is_creator,
                             message=_("Only the requester or a safety manager can submit."))
can_verify = role_permission(Role.ORG_ADMIN, allow=is_verifier, message=_("Only the assigned verifier can verify."))
can_approve = role_permission(Role.ORG_ADMIN, allow=is_approver, message=_("Only the assigned approver can approve."))
can_issue = role_permission(Role.ORG_ADMIN, Role.SAFETY_MANAGER, allow=_any(is_issuer, is_area_incharge, is_approver),
                            message=_("Only the issuer, the area in-charge or the approver can do this."))
can_close = role_permission(Role.ORG_ADMIN, Role.SAFETY_MANAGER,
                            allow=_any(is_issuer, is_area_incharge, is_receiver, is_creator),
                            message=_("Only the issuer, receiver, area in-charge or requester can complete."))
can_cancel = role_permission(Role.ORG_ADMIN, Role.SAFETY_MANAGER, allow=_any(is_creator, is_approver),
                             message=_("Only the requester, the approver or a safety manager can cancel."))
can_review = role_permission(Role.ORG_ADMIN, Role.SAFETY_MANAGER, allow=_any(is_verifier, is_approver),
                             message=_("Only the verifier, the approver or a safety manager can do this."))
can_verify_own_step = segregated(can_verify, "verify")
can_approve_own_step = segregated(can_approve, "approve")
system_only = role_permission(message=_("Only the system does this (scheduled job)."))


def _on_permit(check):
    def on_point(point, user):
        return check(point.permit, user)
    return on_point


#: Isolation points (every path: REST, the permit screen, the generic admin transition URL).
can_isolate_point = role_permission(
    *ISOLATION_ROLES, allow=_on_permit(_any(is_issuer, is_area_incharge, is_verifier, is_approver)),
    message=_("Only the issuer, the area in-charge, the verifier or a safety manager can isolate, verify or de-isolate."))
can_cancel_point = role_permission(
    *(MANAGERS | ISOLATION_ROLES), allow=_on_permit(_any(is_creator, is_issuer, is_area_incharge, is_verifier, is_approver)),
    message=_("Only the requester, the issuer, the area in-charge or a safety manager can cancel an isolation point."))


def user_may_isolate(permit, user, role: str) -> bool:
    if user.is_superuser or role in ISOLATION_ROLES:
        return True
    return any(c(permit, user) for c in (is_issuer, is_area_incharge, is_verifier, is_approver))


def user_may_assign_points(permit, user, role: str) -> bool:
    return user.is_superuser or role in MANAGERS or is_creator(permit, user) or user_may_isolate(permit, user, role)
