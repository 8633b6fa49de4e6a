from django.utils.translation import gettext_lazy as _

from ohms_core.registry import AddonManifest, EventTypeSpec, StateMachineSpec, SubscriberSpec

_INVITE_TITLE = "{{ object.label }}: {verb}"

MANIFEST = AddonManifest(
    label="ohms_visitors",
    name="visitors",
    version="0.1.0",
    summary=_("Site access: visitor invitations with QR badges, NDA, gate log, muster list, shift handover."),
    depends=("ohms_core",),
    api_urls="ohms_visitors.api.urls",
    menu_order=600,
    permissions="ohms_visitors.permissions.RESOURCES",
    state_machines=(StateMachineSpec("ohms_visitors.VisitorInvite", resource="visitorinvite",
                                     services="ohms_visitors.services.gate.transition_services",
                                     event_title=_INVITE_TITLE, event_message="{{ object.label }}"),),
    event_types=(
        EventTypeSpec("visitors.invite.created", _("Visitor invited"), title="{{ object.label }}: invited"),
        EventTypeSpec("visitors.invite.nda_signed", _("Visitor signed the NDA"), title="{{ object.label }}: NDA signed"),
        EventTypeSpec("visitors.access.walk_in", _("Walk-in at the gate"), title="{{ object.label }}"),
        EventTypeSpec("visitors.shifthandover.created", _("Shift handover written"), title="{{ object.label }}"),
        EventTypeSpec("visitors.shifthandover.acknowledged", _("Shift handover acknowledged"), title="{{ object.label }}"),
    ),
    subscribers=(SubscriberSpec("visitors-badge-email", "ohms_visitors.services.notifications.send_badge",
                                event_types=("visitors.invite.created",)),),
    jobs=("ohms_visitors.tasks",),
    # Other add-ons (training's induction quiz) find the visit behind a token through core, never importing us.
    visit_lookup="ohms_visitors.selectors.invite_by_token_public",
    demo_command="ohms_visitors_demo",
)
