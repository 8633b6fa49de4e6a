"""OHMS add-on: Occupational health."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OhmsHealthConfig(AppConfig):
    name = "ohms_health"
    label = "ohms_health"
    verbose_name = _("Occupational health")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ohms_core import providers
        from ohms_core.registry import register

        from .manifest import MANIFEST
        from .services import fitness_worker_check, worker_fitness

        register(MANIFEST)
        # Permits ask "fit or not, and why" through core; they never read medical content.
        providers.register_fitness_provider(worker_fitness)
        providers.register_worker_check("health.fitness", fitness_worker_check)
