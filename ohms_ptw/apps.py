from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OhmsPtwConfig(AppConfig):
    name = "ohms_ptw"
    label = "ohms_ptw"
    verbose_name = _("Permit to work")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ohms_core import events, permissions, workflows
        from ohms_core.registry import register

        from . import permissions as ptw_permissions
        from .manifest import EVENT_TYPES, MANIFEST
        from .models import Permit, PermitIsolationPoint
        from .services.notifications import notify_gas_unsafe
        from .services.permits import transition_services

        register(MANIFEST)
        from . import tasks  # noqa: F401  (periodic jobs)
        for name, rules in ptw_permissions.RESOURCES.items():
            permissions.register_resource(name, rules)
        workflows.register(Permit, "status", resource="permit", addon="ohms_ptw", services=transition_services())
        workflows.register(PermitIsolationPoint, "status", resource="permitchild", addon="ohms_ptw")
        for name in EVENT_TYPES:
            verb = name.rsplit(".", 1)[-1].replace("_", " ")
            events.register_event_type(
                name, f"Permit {verb}", addon="ohms_ptw",
                title="{{ data.permit_number }}: " + verb,
                message="{{ object.label }}",  # rule templates see whitelisted plain values only
            )
        events.subscribe("ptw-safety-alerts", notify_gas_unsafe, event_types=("ptw.permit.gas_unsafe",))
