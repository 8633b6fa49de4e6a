"""The base AppConfig of every add-on: it reads the manifest and registers what it brings.

An add-on's ``apps.py`` is a few lines::

    class OhmsPtwConfig(AddonConfig):
        name = label = "ohms_ptw"
        verbose_name = _("Permit to work")

``ready()`` imports ``<package>.manifest.MANIFEST`` and calls ``install()``, which
registers, in order: the manifest, the permission resources, the periodic jobs, the state
machines (with their services and one event type per transition), the add-on's own event
types, its subscribers and the answers it gives other add-ons (providers). See docs/addons.md.
"""
from __future__ import annotations

from importlib import import_module

from django.apps import AppConfig, apps
from django.utils.module_loading import import_string
from django.utils.text import capfirst, format_lazy


class AddonConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    manifest_module: str | None = None  # default: "<package>.manifest"
    # Django picks the one AppConfig of an apps.py marked default: the add-on's own, never
    # this base class imported beside it.
    default = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "default" not in cls.__dict__:
            cls.default = True

    def get_manifest(self):
        return import_module(self.manifest_module or f"{self.name}.manifest").MANIFEST

    def ready(self):
        install(self.get_manifest())


def transition_event_label(model, transition):
    """"Permit: Approve" — translated when shown, from the model and transition labels."""
    action = transition.custom.get("label") or transition.name.replace("_", " ")
    return format_lazy("{model}: {action}", model=capfirst(model._meta.verbose_name), action=action)


def transition_event_example(transition) -> dict:
    """The ``data`` every transition event carries (``workflows.transition_run``), as an example."""
    source = transition.source
    if isinstance(source, list | tuple | set):
        source = sorted(map(str, source))[0] if source else ""
    return {"transition": transition.name, "from": str(source), "to": str(transition.target), "comment": ""}


def install(manifest) -> None:
    from . import events, permissions, providers, registry, workflows

    registry.register(manifest)
    if manifest.permissions:
        for resource, rules in import_string(manifest.permissions).items():
            permissions.register_resource(resource, rules)
    for module in manifest.jobs:
        import_module(module)
    for spec in manifest.state_machines:
        model = apps.get_model(spec.model)
        services = import_string(spec.services)() if spec.services else {}
        machine = workflows.register(model, spec.field, resource=spec.resource, addon=manifest.label, services=services)
        for transition in machine.transitions():
            name = workflows.event_type_for(model, transition)
            if events.event_type(name) is None:
                verb = name.rsplit(".", 1)[-1].replace("_", " ")  # "{verb}" in the texts: "approved"
                events.register_event_type(name, transition_event_label(model, transition), addon=manifest.label,
                                           title=spec.event_title.replace("{verb}", verb),
                                           message=spec.event_message.replace("{verb}", verb),
                                           example=transition_event_example(transition))
    for spec in manifest.event_types:
        events.register_event_type(spec.name, spec.label, addon=manifest.label, title=spec.title, message=spec.message,
                                   example=spec.example)
    for spec in manifest.subscribers:
        events.subscribe(spec.name, import_string(spec.handler), event_types=spec.event_types)
    if manifest.fitness_provider:
        providers.register_fitness_provider(import_string(manifest.fitness_provider))
    for name, check in manifest.worker_checks:
        providers.register_worker_check(name, import_string(check))
    if manifest.sync_adapters:
        from . import sync

        for path in manifest.sync_adapters:
            sync.register_adapter(import_string(path))
    if manifest.competency_catalog:
        providers.register_competency_catalog(import_string(manifest.competency_catalog))
    for name, check in manifest.visitor_access_checks:
        providers.register_visitor_access_check(name, import_string(check))
    for name, step in manifest.visitor_entry_steps:
        providers.register_visitor_entry_step(name, import_string(step))
    if manifest.visit_lookup:
        providers.register_visit_lookup(import_string(manifest.visit_lookup))
