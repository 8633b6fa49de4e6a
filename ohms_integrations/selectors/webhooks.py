"""Reads for webhooks: the event catalogue (every installed add-on's event types)."""
from __future__ import annotations

from ohms_core import events, registry

EXAMPLE_TIMESTAMP = "2026-01-15T08:30:00+00:00"
EXAMPLE_IDS = {
    "event_id": "0b9f5c2e-6a1d-4f3b-9c8e-2d7a1e5f4b60",
    "organization_id": "5d2c8a71-3e4f-4b6a-8c1d-9e0f2a3b4c5d",
    "project_id": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "object_id": "3f4e5d6c-7b8a-4c9d-8e0f-1a2b3c4d5e6f",
}
#: Sent by "Send test"; not an event of the bus, but receivers see it.
TEST_EVENT_EXAMPLE = {"endpoint_id": "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                      "organization_id": EXAMPLE_IDS["organization_id"], "project_id": None}


#: Health events carry ids only; their free-text fields (transition comments) are never sent.
HEALTH_ADDON = "ohms_health"
FREE_TEXT_KEYS = ("comment",)


def outbound_data(type_name: str, addon: str, data: dict) -> dict:
    """The event's ``data`` as it may leave the server (no medical free text)."""
    data = dict(data or {})
    if addon == HEALTH_ADDON or type_name.startswith("health."):
        for key in FREE_TEXT_KEYS:
            data.pop(key, None)
    return data


def _object_type(name: str, addon: str) -> str:
    parts = name.split(".")
    return f"{addon}.{parts[1]}" if len(parts) >= 3 and addon else ""


def example_payload(event_type) -> dict:
    """What an endpoint receives for this type: ``{type, timestamp, data}``; ``data`` is the
    event's own example (transition events share one shape) plus the ids every event carries."""
    return {
        "type": event_type.name,
        "timestamp": EXAMPLE_TIMESTAMP,
        "data": {**outbound_data(event_type.name, event_type.addon, event_type.example or {}), **EXAMPLE_IDS,
                 "object_type": _object_type(event_type.name, event_type.addon)},
    }


def event_catalogue() -> list[dict]:
    """Every registered event type of every installed add-on, sorted by type."""
    summaries = {m.label: m.name for m in registry.addons()}
    return [{
        "type": et.name,
        "addon": summaries.get(et.addon, et.addon),
        "addon_label": et.addon,
        "label": str(et.label),
        "description": str(et.label),
        "example": example_payload(et),
    } for et in events.event_types()]
