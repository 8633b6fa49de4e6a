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
    organization_setup="ohms_regulatory.services.policies.organization_setup",
    state_machines=(
        # CNSS and DRC declarations (SPEC 4.1-4.2): every path runs services.reports (exit exam on submit).
        StateMachineSpec("ohms_regulatory.CNSSReport", resource="cnssreport",
                         services="ohms_regulatory.services.reports.cnss_transition_services",
                         event_title="{{ object.label }}: {verb}", event_message="{{ data.comment }}"),
        StateMachineSpec("ohms_regulatory.DRCReport", resource="drcreport",
                         services="ohms_regulatory.services.reports.drc_transition_services",
                         event_title="{{ object.label }}: {verb}", event_message="{{ data.comment }}"),
        # Audit findings (SPEC 4.6): open -> in_progress -> verified -> closed (reopen from in_progress).
        StateMachineSpec("ohms_regulatory.AuditFinding", resource="auditfinding",
                         event_title="{{ object.label }}: {verb}"),
    ),
    event_types=(
        # The statutory clock (services.clocks): payload reference, kind, level, deadline, recipients.
        EventTypeSpec("regulatory.declaration.clock", _("Declaration deadline approaching or passed"),
                      title="{{ data.reference_number }}: {{ data.level_label }}",
                      message="Deadline {{ data.deadline_at }}"),
        EventTypeSpec("regulatory.auditfinding.overdue", _("Audit finding overdue"),
                      title="Audit finding overdue: {{ object.label }}",
                      message="Due {{ data.due_date }} ({{ data.days_overdue }} day(s) ago)"),
        EventTypeSpec("regulatory.policy.review_due", _("Policy: review due"),
                      title="{{ data.title }}: review due", message="{{ data.review_date }}"),
    ),
    subscribers=(
        # A fatal or severe incident or an occupational disease drafts its declarations at once.
        SubscriberSpec("regulatory-declarations", "ohms_regulatory.services.reports.generate_from_event",
                       event_types=("health.incident.reported", "health.disease.diagnosed")),
        SubscriberSpec("regulatory-clock-alerts", "ohms_regulatory.services.clocks.notify_clock",
                       event_types=("regulatory.declaration.clock",)),
        SubscriberSpec("regulatory-overdue-findings", "ohms_regulatory.services.audits.notify_overdue_finding",
                       event_types=("regulatory.auditfinding.overdue",)),
        SubscriberSpec("regulatory-policy-reminders", "ohms_regulatory.services.policies.notify_review_due",
                       event_types=("regulatory.policy.review_due",)),
    ),
)
