"""The add-on registry: each add-on is its manifest.

Like an Odoo ``__manifest__``: what the add-on is, what it depends on, and what it brings.
``ohms_core.addons.AddonConfig`` reads the manifest when Django starts and registers
everything it names (permissions, state machines with their services, event types,
subscribers, periodic jobs); core mounts the API routes and orders the admin menu from
it, and system checks (``ohms_core.checks``) refuse a manifest that does not add up.
Core never imports an add-on directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StateMachineSpec:
    """A django-fsm model of the add-on. ``services`` is the dotted path of a callable
    returning ``{transition name: service}``: the API, the admin buttons and the generic
    transition URL then run the add-on's service (with its extra rules) for that transition.
    Every transition yields an event type ``<addon>.<model>.<event>``, registered for you
    with ``event_title``/``event_message`` as the default notification text (``{verb}`` in
    them becomes the event's last word, e.g. "approved")."""

    model: str  # "ohms_ptw.Permit"
    resource: str  # the permission resource (ohms_core.permissions) of the model
    field: str = "status"
    services: str | None = None
    event_title: str = ""
    event_message: str = ""


@dataclass(frozen=True)
class EventTypeSpec:
    """An event the add-on emits besides its transitions (label: a lazy translation)."""

    name: str
    label: object
    title: str = ""
    message: str = ""
    #: Example of the event's ``data`` (the webhook catalogue shows it); ids only, no personal data.
    example: dict | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class SubscriberSpec:
    """An event-bus subscriber: ``handler`` is a dotted path; ``event_types`` None = all."""

    name: str
    handler: str
    event_types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class AddonManifest:
    label: str  # the app label, e.g. "ohms_ptw"
    name: str  # the short name used in /api/v1/<name>/ and /admin/<name>/, e.g. "ptw"
    version: str
    summary: str
    depends: tuple[str, ...] = ()
    api_urls: str | None = None  # dotted path of a urls module, mounted at /api/v1/<name>/
    menu_order: int = 500  # the add-on's admin menu group position
    permissions: str | None = None  # dotted path of {resource: {action: roles}}
    state_machines: tuple[StateMachineSpec, ...] = ()
    event_types: tuple[EventTypeSpec, ...] = ()
    subscribers: tuple[SubscriberSpec, ...] = ()
    jobs: tuple[str, ...] = ()  # modules whose @periodic_job functions are imported at start
    #: Answers this add-on gives other add-ons through ohms_core.providers (absent-safe):
    fitness_provider: str | None = None  # dotted path: provider(worker, *, on=None) -> Fitness
    worker_checks: tuple[tuple[str, str], ...] = ()  # (name, dotted path of the check)
    competency_catalog: str | None = None  # dotted path: catalog(organization, ids=None) -> {id: title}
    visitor_access_checks: tuple[tuple[str, str], ...] = ()  # (name, dotted path of check(invite, *, site, context))
    visitor_entry_steps: tuple[tuple[str, str], ...] = ()  # (name, dotted path of step(invite, *, site))
    visit_lookup: str | None = None  # dotted path: lookup(token) -> invite | None (the visitors add-on)
    demo_command: str | None = None
    #: Dotted path of ``load(*, organization, user, people, workers, size, progress) -> str``:
    #: this add-on's rows for one organization of ``ohms_demo --scale`` (bulk, fast; skips an
    #: organization that already has them). See ``ohms_core.demo_scale``.
    demo_scale: str | None = None
    #: Dotted path of ``setup(*, organization, user=None)``: what a new organization starts with
    #: (default configuration, notification rules). Run by core when an organization is created
    #: (``services.tenancy.organization_setup_run``); must be idempotent.
    organization_setup: str | None = None
    #: Dotted paths of ``ohms_core.sync.SyncAdapter`` instances (offline sync entities, SPEC 5.1).
    sync_adapters: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def machine_labels(self) -> tuple[str, ...]:
        return tuple(spec.model for spec in self.state_machines)


_addons: dict[str, AddonManifest] = {}


def register(manifest: AddonManifest) -> None:
    _addons[manifest.label] = manifest


def addons() -> list[AddonManifest]:
    return sorted(_addons.values(), key=lambda m: m.menu_order)


def get(label: str) -> AddonManifest | None:
    return _addons.get(label)
