"""A small state machine installed only in tests: it proves the core workflow machinery
(registry, gates, permissions, transitions API, admin buttons, log, events) end to end."""
from django.apps import AppConfig


class TestflowConfig(AppConfig):
    name = "ohms_core.tests.workflow_app"
    label = "ohms_testflow"
    verbose_name = "Test workflow"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ohms_core import events, permissions, workflows
        from ohms_core.registry import AddonManifest, register
        from ohms_core.roles import Role

        from .models import Inspection

        permissions.register_resource("inspection", {
            "view": permissions.ALL_ROLES, "add": permissions.ALL_ROLES - {Role.AUDITOR},
            "change": permissions.ALL_ROLES - {Role.AUDITOR}, "delete": permissions.MANAGERS,
        })
        workflows.register(Inspection, "status", resource="inspection", addon="ohms_testflow")
        for name in ("submitted", "approved", "rejected", "reopened"):
            events.register_event_type(f"testflow.inspection.{name}", f"Inspection {name}", addon="ohms_testflow",
                                       title="Inspection {{ object.label }} " + name)
        register(AddonManifest(
            label="ohms_testflow", name="testflow", version="0.0.1", summary="Test-only state machine.",
            depends=("ohms_core",), api_urls="ohms_core.tests.workflow_app.urls", menu_order=900,
            state_machines=("ohms_testflow.Inspection",),
            event_types=tuple(f"testflow.inspection.{n}" for n in ("submitted", "approved", "rejected", "reopened")),
        ))
