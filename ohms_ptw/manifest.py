from django.utils.translation import gettext_lazy as _

from ohms_core.registry import AddonManifest, EventTypeSpec, StateMachineSpec, SubscriberSpec

_PERMIT_TITLE = "{{ data.permit_number }}: {verb}"
_PERMIT_MESSAGE = "{{ object.label }}"  # rule templates see whitelisted plain values only


def _permit_event(name, label):
    verb = name.rsplit(".", 1)[-1].replace("_", " ")
    return EventTypeSpec(name, label, title=_PERMIT_TITLE.replace("{verb}", verb), message=_PERMIT_MESSAGE)


#: Events besides the transitions' own (those are derived from the state machines).
EVENT_TYPES = (
    _permit_event("ptw.permit.created", _("Permit created")),
    _permit_event("ptw.permit.verifier_assigned", _("Permit: verifier assigned")),
    _permit_event("ptw.permit.approver_assigned", _("Permit: approver assigned")),
    _permit_event("ptw.permit.gas_unsafe", _("Permit: unsafe gas reading")),
    _permit_event("ptw.permit.extension_requested", _("Permit: extension requested")),
    _permit_event("ptw.permit.extended", _("Permit: extended")),
    _permit_event("ptw.permit.extension_rejected", _("Permit: extension rejected")),
    # SPEC 2.8 (notifications and escalations)
    _permit_event("ptw.permit.closeout_required", _("Permit: closeout required")),
    _permit_event("ptw.permit.closeout_completed", _("Permit: closeout completed")),
    _permit_event("ptw.permit.isolation_pending", _("Permit: isolation pending")),
    _permit_event("ptw.permit.escalated", _("Permit: escalated")),
    _permit_event("ptw.permit.expiring_soon", _("Permit: expiring soon")),
)

MANIFEST = AddonManifest(
    label="ohms_ptw",
    name="ptw",
    version="0.1.0",
    summary=_("Permit to work: permits, approvals, gas tests, isolation (LOTO), closeout, extensions, readiness."),
    depends=("ohms_core",),
    api_urls="ohms_ptw.api.urls",
    menu_order=200,
    permissions="ohms_ptw.permissions.RESOURCES",
    state_machines=(
        StateMachineSpec("ohms_ptw.Permit", resource="permit", services="ohms_ptw.services.workflow.transition_services",
                         event_title=_PERMIT_TITLE, event_message=_PERMIT_MESSAGE),
        # Isolation points run their service on every path (REST, permit screen, generic admin URL).
        StateMachineSpec("ohms_ptw.PermitIsolationPoint", resource="permitchild",
                         services="ohms_ptw.services.isolation.transition_services",
                         event_title="{{ object.label }}: {verb}"),
    ),
    event_types=EVENT_TYPES,
    subscribers=(SubscriberSpec("ptw-safety-alerts", "ohms_ptw.services.notifications.notify_gas_unsafe",
                                event_types=("ptw.permit.gas_unsafe",)),
                 SubscriberSpec("ptw-escalations", "ohms_ptw.services.escalations.notify_escalation",
                                event_types=("ptw.permit.escalated",))),
    jobs=("ohms_ptw.tasks",),
    demo_command="ohms_ptw_demo",
    demo_scale="ohms_ptw.demo_scale.load",
    organization_setup="ohms_ptw.services.onboarding.organization_setup",
    sync_adapters=("ohms_ptw.sync.PERMIT", "ohms_ptw.sync.ISOLATION_POINT", "ohms_ptw.sync.CLOSEOUT",
                   "ohms_ptw.sync.GAS_READING", "ohms_ptw.sync.PERMIT_PHOTO"),
)
