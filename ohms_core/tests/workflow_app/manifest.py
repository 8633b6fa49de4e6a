"""The smallest complete add-on manifest: one state machine, its permissions, its API.

Its transitions' events (testflow.inspection.submitted, ...) are derived by the registry."""
from ohms_core.registry import AddonManifest, StateMachineSpec

MANIFEST = AddonManifest(
    label="ohms_testflow", name="testflow", version="0.0.1", summary="Test-only state machine.",
    depends=("ohms_core",), api_urls="ohms_core.tests.workflow_app.urls", menu_order=900,
    permissions="ohms_core.tests.workflow_app.permissions.RESOURCES",
    state_machines=(StateMachineSpec("ohms_testflow.Inspection", resource="inspection",
                                     event_title="Inspection {{ object.label }} {verb}"),),
)
