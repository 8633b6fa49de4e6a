from django.utils.translation import gettext_lazy as _

from ohms_core.registry import AddonManifest, EventTypeSpec, SubscriberSpec

MANIFEST = AddonManifest(
    label="ohms_regulatory",
    name="regulatory",
    version="0.1.0",
    summary="CNSS and DRC reports, compliance pack, policy pages, quality audits, ESG.",
    depends=("ohms_core", "ohms_health"),
    menu_order=400,
    api_urls="ohms_regulatory.api.urls",
    permissions="ohms_regulatory.permissions.RESOURCES",
    jobs=("ohms_regulatory.tasks",),
    event_types=(
        EventTypeSpec("regulatory.policy.review_due", _("Policy: review due"),
                      title="{{ data.title }}: review due", message="{{ data.review_date }}"),
    ),
    subscribers=(
        SubscriberSpec("regulatory-policy-reminders", "ohms_regulatory.services.policies.notify_review_due",
                       event_types=("regulatory.policy.review_due",)),
    ),
    demo_command="ohms_regulatory_demo",
    organization_setup="ohms_regulatory.services.policies.organization_setup",
)
