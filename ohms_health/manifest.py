from ohms_core.registry import AddonManifest

MANIFEST = AddonManifest(
    label="ohms_health",
    name="health",
    version="0.1.0",
    summary="Medical exams, exposures, risk profiles, overexposure alerts, exit exams, PPE, incidents.",
    depends=("ohms_core",),
    menu_order=300,
    demo_command="ohms_health_demo",
)
