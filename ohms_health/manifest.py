from django.utils.translation import gettext_lazy as _

from ohms_core.registry import AddonManifest, EventTypeSpec, StateMachineSpec

MANIFEST = AddonManifest(
    label="ohms_health",
    name="health",
    version="0.1.0",
    summary=_("Medical exams, exposures, risk profiles, overexposure alerts, exit exams, PPE, incidents."),
    depends=("ohms_core",),
    api_urls="ohms_health.api.urls",
    menu_order=300,
    permissions="ohms_health.permissions.RESOURCES",
    jobs=("ohms_health.tasks",),
    # Permits ask "fit or not, and why" through core; they never read medical content.
    fitness_provider="ohms_health.services.worker_fitness",
    worker_checks=(("health.fitness", "ohms_health.services.fitness_worker_check"),),
    demo_command="ohms_health_demo",
    state_machines=(
        StateMachineSpec("ohms_health.Appointment", resource="appointment",
                         event_title="{{ object.label }}: {verb}"),
    ),
    event_types=(
        EventTypeSpec("health.appointment.reminder", _("Appointment reminder"),
                      title="{{ object.label }}: reminder", message="{{ object.label }}"),
    ),
)
