from django.utils.translation import gettext_lazy as _

from ohms_core.registry import AddonManifest, EventTypeSpec, StateMachineSpec

MANIFEST = AddonManifest(
    label="ohms_training",
    name="training",
    version="0.1.0",
    summary=_("Training: modules, quizzes, certificates with renewal reminders, competency for permits."),
    depends=("ohms_core",),
    api_urls="ohms_training.api.urls",
    # After the visitors add-on (600): ohms_demo runs the demos in this order, and the training demo
    # makes the visitors' demo site require the induction once that demo has checked its visitors in.
    menu_order=610,
    permissions="ohms_training.permissions.RESOURCES",
    state_machines=(
        StateMachineSpec("ohms_training.TrainingProgress", resource="trainingprogress",
                         services="ohms_training.services.transition_services",
                         event_title="{{ object.label }}: {verb}"),
    ),
    event_types=(
        EventTypeSpec("training.trainingprogress.assigned", _("Training module assigned"),
                      title="Training assigned: {{ data.module_title }}", message="{{ object.label }}"),
        EventTypeSpec("training.certificate.issued", _("Training certificate issued"),
                      title="Certificate issued: {{ data.module }}", message="{{ object.label }}"),
        EventTypeSpec("training.certificate.expiring", _("Training certificate expiring"),
                      title="{{ data.module }}: certificate expires in {{ data.days_before }} days",
                      message="{{ object.label }}"),
    ),
    jobs=("ohms_training.tasks",),
    # Permits ask "trained or not, and why" through core; they never import this add-on.
    worker_checks=(("training.competency", "ohms_training.services.competency_check"),),
    competency_catalog="ohms_training.services.competency_catalog",
    # Visitors ask "may this invitation be checked in?" and "what must the visitor still do?" through core.
    visitor_access_checks=(("training.visitor_induction", "ohms_training.services.visitor_induction_check"),),
    visitor_entry_steps=(("training.visitor_induction", "ohms_training.services.visitor_induction_step"),),
    demo_command="ohms_training_demo",
)
