from django.utils.translation import gettext_lazy as _

from ohms_core.registry import AddonManifest, EventTypeSpec, StateMachineSpec, SubscriberSpec

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
    demo_scale="ohms_health.demo_scale.load",
    state_machines=(
        # Overexposure alerts (SPEC 3.3): active -> acknowledged -> resolved, services on every path.
        StateMachineSpec("ohms_health.OverexposureAlert", resource="overexposurealert",
                         services="ohms_health.services.alerts.transition_services",
                         event_title="{{ data.employee_number }}: overexposure alert {verb}"),
        StateMachineSpec("ohms_health.Incident", resource="incident",
                         event_title="{{ object.label }}: {verb}", event_message="{{ data.comment }}"),
        # Exit examinations (SPEC 3.4): every path (REST, admin button, generic URL) runs the service.
        StateMachineSpec("ohms_health.ExitExamination", resource="exitexamination",
                         services="ohms_health.services.exit.transition_services",
                         event_title="{{ object.label }}: {verb}"),
        # Appointments (SPEC 3.6): scheduled -> confirmed -> checked_in -> completed; cancelled, no_show.
        StateMachineSpec("ohms_health.Appointment", resource="appointment",
                         event_title="{{ object.label }}: {verb}"),
    ),
    event_types=(
        EventTypeSpec("health.overexposurealert.raised", _("Overexposure alert raised"),
                      title="{{ data.employee_number }}: {{ data.severity }} overexposure alert ({{ data.exposure_type }})"),
        # Consumed by the regulatory add-on (declarations); payload: incident id, enterprise,
        # severity, occurred_at, location, workers_count, is_recordable, permit_number.
        EventTypeSpec("health.incident.reported", _("Incident reported"),
                      title="{{ data.severity }} incident: {{ object.label }}",
                      message="{{ data.workers_count }} person(s) involved at {{ data.location }}"),
        # Payload: disease id, worker id, enterprise id, diagnosed_on, is_occupational (never
        # the disease, agent or diagnosis: notifications and webhooks reach non-medical roles;
        # the regulatory add-on reads the row by disease_id, services.incidents.disease_diagnose).
        EventTypeSpec("health.disease.diagnosed", _("Occupational disease diagnosed"),
                      title="Occupational disease diagnosed",
                      message="Diagnosed on {{ data.diagnosed_on }}"),
        EventTypeSpec("health.exitexamination.reminder", _("Exit examination reminder"),
                      title="{{ object.label }}: exit in {{ data.days_before }} days"),
        EventTypeSpec("health.appointment.reminder", _("Appointment reminder"),
                      title="{{ object.label }}: reminder", message="{{ object.label }}"),
    ),
    subscribers=(
        # Emergency alerts reach the medical officers and safety managers at once, whatever the rules say.
        SubscriberSpec("health-emergency-alerts", "ohms_health.services.alerts.notify_emergency",
                       event_types=("health.overexposurealert.raised",)),
        SubscriberSpec("health-serious-incidents", "ohms_health.services.incidents.notify_serious_incident",
                       event_types=("health.incident.reported",)),
    ),
)
