from ohms_core.registry import AddonManifest

MANIFEST = AddonManifest(
    label="ohms_ptw",
    name="ptw",
    version="0.1.0",
    summary="Permit to work: permits, approvals, gas tests, isolation (LOTO), closeout.",
    depends=("ohms_core",),
    menu_order=200,
)
