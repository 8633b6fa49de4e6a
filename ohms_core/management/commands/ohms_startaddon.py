"""``manage.py ohms_startaddon visitors``: the skeleton of a new add-on (docs/addons.md).

Writes ``ohms_<name>/`` with the module set every add-on has (apps and manifest, models,
states, permissions, gates, services, selectors, API, admin hooks, tests), wired to the
registry, so that adding the name to ``OHMS_ADDONS`` gives an add-on that starts, passes
``manage.py check`` and shows on the About page. Nothing is overwritten.
"""
from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

FILES = {
    "__init__.py": '"""{title}: an OHMS add-on (see manifest.py for what it brings)."""\n',
    "apps.py": '''from django.utils.translation import gettext_lazy as _

from ohms_core.addons import AddonConfig


class {cls}Config(AddonConfig):
    """Everything the add-on registers is named in ``manifest.py``."""

    name = "ohms_{name}"
    label = "ohms_{name}"
    verbose_name = _("{title}")
''',
    "manifest.py": '''from ohms_core.registry import AddonManifest

MANIFEST = AddonManifest(
    label="ohms_{name}",
    name="{name}",
    version="0.1.0",
    summary="{title}.",
    depends=("ohms_core",),
    api_urls="ohms_{name}.api.urls",
    menu_order=600,
    permissions="ohms_{name}.permissions.RESOURCES",
    # state_machines=(StateMachineSpec("ohms_{name}.Thing", resource="thing", services="ohms_{name}.services.transition_services"),),
    # event_types=(EventTypeSpec("{name}.thing.flagged", _("Thing flagged")),),
    # jobs=("ohms_{name}.tasks",),
)
''',
    "models/__init__.py": '"""Models of the add-on: one module per aggregate, re-exported here. Inherit\n``ohms_core.models.BaseModel`` (UUID, organization, audit fields, soft delete, version, history)."""\n',
    "states.py": '"""State values (``models.TextChoices``) of the add-on\'s state machines."""\n',
    "permissions.py": '''"""Who may do what: {{resource: {{"view" | "add" | "change" | "delete": roles}}}}, read by the registry."""

RESOURCES: dict = {{}}
''',
    "gates.py": '"""Pure checks that block transitions, each yielding ``ohms_core.workflows.Reason``s.\nGates import no services; unit-test them on in-memory objects."""\n',
    "services.py": '"""Writes, one function per use case: ``<entity>_<verb>(*, ..., user)``, in a transaction,\nthrough ``ohms_core.services.records`` (history and audit) and emitting events."""\n',
    "selectors.py": '"""Reads: scoped querysets, KPIs and reports in few queries (``ohms_core.scoping``)."""\n',
    "api/__init__.py": "",
    "api/urls.py": '''"""Routes of /api/v1/{name}/: register ScopedModelViewSets here (and add them to the route matrix)."""
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
''',
    "wagtail_hooks.py": '"""Admin screens of the add-on: ScopedModelViewSets in one ViewSetGroup ordered by the manifest."""\n',
    "migrations/__init__.py": "",
    "tests/__init__.py": "",
    "tests/test_manifest.py": '''from ohms_core import registry


def test_the_addon_is_registered():
    manifest = registry.get("ohms_{name}")
    assert manifest is not None and manifest.depends == ("ohms_core",)
''',
}


class Command(BaseCommand):
    help = "Create the skeleton of a new OHMS add-on (ohms_<name>/)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="short name, e.g. visitors (the package is ohms_visitors)")
        parser.add_argument("--title", default="", help='human name, e.g. "Visitors"')
        parser.add_argument("--directory", default=str(settings.BASE_DIR), help="where to create ohms_<name>/")

    def handle(self, name, title, directory, **options):
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,30}", name):
            raise CommandError("The name must be lowercase letters, digits and underscores, e.g. visitors.")
        root = Path(directory) / f"ohms_{name}"
        if root.exists():
            raise CommandError(f"{root} exists already: nothing written.")
        title = title or name.replace("_", " ").capitalize()
        values = {"name": name, "title": title, "cls": "Ohms" + "".join(p.capitalize() for p in name.split("_"))}
        for relative, template in FILES.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(template.format(**values), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Created {root} ({len(FILES)} files)."))
        self.stdout.write(f"Next: add '{name}' to OHMS_ADDONS, then follow docs/addons.md.")
