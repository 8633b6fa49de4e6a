"""``manage.py check`` fails when an installed add-on depends on one that is not installed."""
from django.apps import apps
from django.core import checks


@checks.register()
def addon_dependencies(app_configs, **kwargs):
    from .registry import addons

    errors = []
    for manifest in addons():
        for dependency in manifest.depends:
            if not apps.is_installed(dependency):
                errors.append(
                    checks.Error(
                        f"Add-on {manifest.label} depends on {dependency}, which is not installed.",
                        hint=f"Add '{dependency.removeprefix('ohms_')}' to OHMS_ADDONS or remove '{manifest.name}'.",
                        id="ohms.E001",
                    )
                )
    return errors
