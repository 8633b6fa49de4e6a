"""System checks: ``manage.py check`` (and so every start and every CI run) refuses an
add-on set that does not add up.

- ohms.E001: an installed add-on depends on one that is not installed;
- ohms.E002: a state-machine transition has neither a ``permission=`` nor the explicit
  ``custom={"system": True}`` mark of a transition only jobs may run;
- ohms.E003: an add-on's code emits an event type that no manifest registers (events feed
  notification rules and webhooks: an unregistered type can be neither chosen nor delivered).
"""
from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.core import checks

#: ``events.emit(<literal dotted type>, ...)``: the literal event types an add-on emits.
_EMIT = re.compile(r"""\bemit\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""")


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


@checks.register()
def transitions_have_permissions(app_configs, **kwargs):
    from . import workflows

    errors = []
    for machine in workflows.machines():
        seen = set()
        for transition in machine.transitions():
            if transition.name in seen:
                continue
            seen.add(transition.name)
            if not transition.permission and not transition.custom.get("system"):
                errors.append(checks.Error(
                    f"Transition {machine.label}.{transition.name} has no permission.",
                    hint="Give it permission=role_permission(...) or mark it custom={'system': True} if only jobs run it.",
                    obj=machine.model, id="ohms.E002",
                ))
    return errors


def emitted_event_types(paths) -> dict[str, str]:
    """Literal event types emitted in the Python files under ``paths``: {type: "file:line"}."""
    found: dict[str, str] = {}
    for root in paths:
        for path in sorted(Path(root).rglob("*.py")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for match in _EMIT.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.setdefault(match.group(1), f"{path}:{line}")
    return found


def unregistered_events(paths) -> list[checks.Error]:
    from . import events

    known = {e.name for e in events.event_types()}
    return [
        checks.Error(f"Event type {name!r} is emitted ({where}) but no add-on registers it.",
                     hint="Add an EventTypeSpec to the add-on's manifest (or emit it from a registered transition).",
                     id="ohms.E003")
        for name, where in sorted(emitted_event_types(paths).items()) if name not in known
    ]


@checks.register()
def emitted_events_registered(app_configs, **kwargs):
    from .registry import addons

    return unregistered_events([path for path in (_app_path(m.label) for m in addons()) if path])


def _app_path(label: str) -> str | None:
    try:
        return apps.get_app_config(label).path
    except LookupError:
        return None
