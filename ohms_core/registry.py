"""The add-on registry: each add-on's manifest, registered from its AppConfig.ready().

Like an Odoo ``__manifest__``: what the add-on is, what it depends on, and what it brings
(API routes, state machines, event types, demo command). Core reads it to mount URLs,
check dependencies and show the About page; core never imports an add-on directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AddonManifest:
    label: str  # the app label, e.g. "ohms_ptw"
    name: str  # the short name used in /api/v1/<name>/, e.g. "ptw"
    version: str
    summary: str
    depends: tuple[str, ...] = ()
    api_urls: str | None = None  # dotted path of a urls module
    menu_order: int = 500
    state_machines: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    demo_command: str | None = None
    extra: dict = field(default_factory=dict)


_addons: dict[str, AddonManifest] = {}


def register(manifest: AddonManifest) -> None:
    _addons[manifest.label] = manifest


def addons() -> list[AddonManifest]:
    return sorted(_addons.values(), key=lambda m: m.menu_order)


def get(label: str) -> AddonManifest | None:
    return _addons.get(label)
