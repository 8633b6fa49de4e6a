from django.utils.translation import gettext_lazy as _

from ohms_core.registry import AddonManifest, EventTypeSpec, StateMachineSpec, SubscriberSpec

MANIFEST = AddonManifest(
    label="ohms_regulatory",
    name="regulatory",
    version="0.1.0",
    summary="CNSS and DRC reports, compliance pack, policy pages, quality audits, ESG.",
    depends=("ohms_core", "ohms_health"),
    api_urls="ohms_regulatory.api.urls",
    menu_order=400,
    permissions="ohms_regulatory.permissions.RESOURCES",
    jobs=("ohms_regulatory.tasks",),
    demo_command="ohms_regulatory_demo",
    state_machines=(
        # Audit findings (SPEC 4.6): open -> in_progress -> verified -> closed (reopen from in_progress).
        StateMachineSpec("ohms_regulatory.AuditFinding", resource="auditfinding",
                         event_title="{{ object.label }}: {verb}"),
    ),
    event_types=(
        EventTypeSpec("regulatory.auditfinding.overdue", _("Audit finding overdue"),
                      title="Audit finding overdue: {{ object.label }}",
                      message="Due {{ data.due_date }} ({{ data.days_overdue }} day(s) ago)"),
    ),
    subscribers=(
        SubscriberSpec("regulatory-overdue-findings", "ohms_regulatory.services.audits.notify_overdue_finding",
                       event_types=("regulatory.auditfinding.overdue",)),
    ),
)
