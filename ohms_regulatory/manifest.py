from ohms_core.registry import AddonManifest

MANIFEST = AddonManifest(
    label="ohms_regulatory",
    name="regulatory",
    version="0.1.0",
    summary="CNSS and DRC reports, compliance pack, policy pages, quality audits, ESG.",
    depends=("ohms_core", "ohms_health"),
    menu_order=400,
)
