from ohms_core.registry import AddonManifest

MANIFEST = AddonManifest(
    label="ohms_integrations",
    name="integrations",
    version="0.1.0",
    summary="Signed webhooks, offline sync with conflict handling.",
    depends=("ohms_core",),
    menu_order=500,
    api_urls="ohms_integrations.api.urls",
)
