from django.utils.translation import gettext_lazy as _

from ohms_core.registry import AddonManifest

EVENT_TYPES = (
    "ptw.permit.created", "ptw.permit.submitted", "ptw.permit.workflow_initiated", "ptw.permit.verifier_assigned",
    "ptw.permit.approver_assigned", "ptw.permit.verified", "ptw.permit.approved", "ptw.permit.rejected",
    "ptw.permit.under_review", "ptw.permit.review_done", "ptw.permit.activated", "ptw.permit.suspended",
    "ptw.permit.resumed", "ptw.permit.completed", "ptw.permit.cancelled", "ptw.permit.expired", "ptw.permit.obsolete",
    "ptw.permit.gas_unsafe", "ptw.permit.extension_requested", "ptw.permit.extended", "ptw.permit.extension_rejected",
)

#: Events of the isolation-point transitions (``<addon>.<model>.<custom event>``).
ISOLATION_EVENT_TYPES = {
    "ptw.permitisolationpoint.isolated": _("Isolation point isolated"),
    "ptw.permitisolationpoint.verified": _("Isolation point verified"),
    "ptw.permitisolationpoint.deisolated": _("Isolation point de-isolated"),
    "ptw.permitisolationpoint.cancelled": _("Isolation point cancelled"),
}

MANIFEST = AddonManifest(
    label="ohms_ptw",
    name="ptw",
    version="0.1.0",
    summary="Permit to work: permits, approvals, gas tests, isolation (LOTO), closeout, extensions, readiness.",
    depends=("ohms_core",),
    api_urls="ohms_ptw.api.urls",
    menu_order=200,
    state_machines=("ohms_ptw.Permit", "ohms_ptw.PermitIsolationPoint"),
    event_types=(*EVENT_TYPES, *ISOLATION_EVENT_TYPES),
    demo_command="ohms_ptw_demo",
)
