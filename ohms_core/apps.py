from django.utils.translation import gettext_lazy as _

from .addons import AddonConfig


class OhmsCoreConfig(AddonConfig):
    name = "ohms_core"
    label = "ohms_core"
    verbose_name = _("OHMS core")

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers system checks and auth audit receivers)
        from .admin_views import sidebar
        from .api import schema  # noqa: F401  (OpenAPI extension for Bearer tokens)

        sidebar.install()  # the admin sidebar built once per person and state (issue 13)
        super().ready()
