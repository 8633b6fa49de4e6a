"""Shortcuts for the PTW tests: URLs, moving a permit along, readings and points.

REST is used where the behaviour under test is the endpoint; the ORM shortcuts
(``set_status``, ``orm_gas``, ``orm_point``) only prepare the ground for another check.
"""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ..models import GasReading, Permit, PermitIsolationPoint

BASE = "/api/v1/ptw/permits/"
SAFE = {"O2": "20.9", "LEL": "0", "H2S": "0", "CO": "2"}


def purl(pid, action: str = "") -> str:
    return f"{BASE}{pid}/{action + '/' if action else ''}"


def status_of(pid) -> str:
    return Permit.objects.get(pk=pid).status


def set_status(pid, status: str) -> None:
    """Put a permit straight into a status (test set-up only; bypasses the state machine)."""
    Permit.objects.filter(pk=pid).update(status=status)


def orm_gas(w, pid, values: dict | None = None, *, tested_at=None, safe: bool = True) -> list[GasReading]:
    tested_at = tested_at or timezone.now()
    return [GasReading.objects.create(organization=w.org, permit_id=pid, gas=gas, value=value, unit="", safe=safe,
                                      tested_at=tested_at)
            for gas, value in (values or SAFE).items()]


def orm_point(w, pid, *, status: str = "verified", library_point=None, name: str = "", required: bool = True):
    return PermitIsolationPoint.objects.create(
        organization=w.org, permit_id=pid, point=library_point, custom_point_name=name if library_point is None else "",
        status=status, required=required)


def api_gas(w, pid, gas: str, value, *, user=None, tested_at=None):
    return w.client(user or w.issuer).post("/api/v1/ptw/gas-readings/", {
        "permit": str(pid), "gas": gas, "value": str(value),
        "tested_at": (tested_at or timezone.now()).isoformat()}, format="json")


def assign(w, pid, *, user=None, library_point=None, **extra):
    body = {"library_point_id": str(library_point.pk)} if library_point is not None else {}
    body.update(extra)
    return w.client(user or w.requester).post(purl(pid, "assign_isolation"), body, format="json")


def point_action(w, pid, point_id, action: str, *, user=None, **extra):
    body = {"permit_isolation_point_id": str(point_id), "action": action, **extra}
    return w.client(user or w.issuer).post(purl(pid, "update_isolation"), body, format="json")


def verified_library_point(w, pid, library_point=None) -> str:
    """Assign the world's library point and isolate + verify it through REST."""
    r = assign(w, pid, library_point=library_point or w.point)
    assert r.status_code == 201, r.json()
    point_id = r.json()["id"]
    r = point_action(w, pid, point_id, "isolate", lock_ids=["L-1"])
    assert r.status_code == 200, r.json()
    r = point_action(w, pid, point_id, "verify", verification_notes="Zéro énergie")
    assert r.status_code == 200, r.json()
    return point_id


def to_pending_approval(w, pid) -> None:
    r = w.client(w.requester).post(purl(pid, "workflow/initiate"), {}, format="json")
    assert r.status_code == 200, r.json()
    r = w.client(w.verifier).post(purl(pid, "workflow/verify"), {"decision": "approve"}, format="json")
    assert r.status_code == 200, r.json()


def approve(w, pid, **extra):
    return w.client(w.approver).post(purl(pid, "workflow/approve"), {"decision": "approve", **extra}, format="json")


def update_status(w, pid, status: str, *, user=None, **extra):
    return w.client(user or w.issuer).post(purl(pid, "update_status"), {"status": status, **extra}, format="json")


def to_active(w, pid, *, gas: bool = True, point: bool = True) -> str | None:
    """initiate → verify → (gas, verified point) → approve → activate, all through REST."""
    to_pending_approval(w, pid)
    if gas:
        orm_gas(w, pid)
    point_id = verified_library_point(w, pid) if point else None
    r = approve(w, pid)
    assert r.status_code == 200, r.json()
    r = update_status(w, pid, "active")
    assert r.status_code == 200, r.json()
    return point_id


def window(hours_from_now: float = 0, length: float = 8):
    start = timezone.now() + timedelta(hours=hours_from_now, minutes=5)
    return {"planned_start_time": start.isoformat(), "planned_end_time": (start + timedelta(hours=length)).isoformat()}
