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
    state_machines=(
        # Exit examinations (SPEC 3.4): every path (REST, admin button, generic URL) runs the service.
        StateMachineSpec("ohms_health.ExitExamination", resource="exitexamination",
                         services="ohms_health.services.exit.transition_services",
                         event_title="{{ object.label }}: {verb}"),
    ),
    event_types=(
        EventTypeSpec("health.exitexamination.reminder", _("Exit examination reminder"),
                      title="{{ object.label }}: exit in {{ data.days_before }} days"),
    ),
    # Permits ask "fit or not, and why" through core; they never read medical content.
    fitness_provider="ohms_health.services.worker_fitness",
    worker_checks=(("health.fitness", "ohms_health.services.fitness_worker_check"),),
    demo_command="ohms_health_demo",
)
