"""Every rule that blocks a permit action, in one place.

Each gate takes a permit (or the object the action is about) and yields
``Reason(code, message, gate, items)``; nothing here writes and nothing here imports a
service (gates may read). The django-fsm conditions (``ohms_core.workflows.gate``), the
readiness endpoint, the admin buttons, the REST endpoints, sync and jobs all call these
functions, so a rule is written once and holds on every path. Services turn the reasons
into errors with ``services.rules.refuse_if``.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import providers
from ohms_core.workflows import Reason

from .states import (
    DEFAULT_GAS_LIMITS,
    FINAL_STATUSES,
    LIVE_STATUSES,
    ExtensionStatus,
    IsolationStatus,
    OverlapPolicy,
    PermitStatus,
)

DEFAULT_UNITS = {gas: limits.get("unit") for gas, limits in DEFAULT_GAS_LIMITS.items()}

#: Largest number of locks one point can carry (a typo like 30000 is refused, never stored).
MAX_LOCKS_PER_POINT = 100


# --- open permit ----------------------------------------------------------------------
def permit_open_gate(permit):
    """The closed-permit guard: a completed, cancelled, expired, rejected or obsolete permit
    is a record; nothing on it changes any more (fields, crew, readings, photos, points,
    signatures, closeout)."""
    if permit.status in FINAL_STATUSES:
        yield Reason("permit_closed", _("The permit is %(s)s: it can no longer change.") % {"s": permit.get_status_display()},
                     "permit")


#: Before the workflow starts: type, project and planned times may still change.
EDITABLE_STATUSES = frozenset({PermitStatus.DRAFT, PermitStatus.SUBMITTED, PermitStatus.REJECTED})


def permit_edit_gate(permit, fields):
    """Which fields an update may touch in the permit's state (the closed-permit guard first)."""
    yield from permit_open_gate(permit)
    fields = set(fields)
    if permit.status in EDITABLE_STATUSES:
        return
    if {"permit_type", "project"} & fields:
        yield Reason("permit_locked", _("Type and project can only change before the workflow starts."), "permit")
    if {"planned_start_time", "planned_end_time"} & fields:
        yield Reason("use_extension", _("Use an extension to change the end time of a permit in progress."), "permit")


# --- gas ------------------------------------------------------------------------------
def gas_limits_for(permit_type, gas: str) -> dict:
    return (permit_type.gas_limits or {}).get(gas) or DEFAULT_GAS_LIMITS.get(gas) or {}


def gas_value_is_safe(permit_type, gas: str, value) -> bool:
    limits = gas_limits_for(permit_type, gas)
    value = Decimal(str(value))
    if "min" in limits and value < Decimal(str(limits["min"])):
        return False
    if "max" in limits:
        top = Decimal(str(limits["max"]))
        if value > top or (limits.get("exclusive_max") and value >= top):
            return False
    return True


#: Physically possible values: a percentage (O2 %, %LEL) lies in 0-100, a ppm in 0-1 000 000.
PHYSICAL_LIMITS = {"%": 100, "%LEL": 100, "ppm": 1_000_000}


def gas_value_reasons(gas: str, value, unit: str = ""):
    """An impossible reading (negative, over 100 % or 10^6 ppm) is an input error, never a
    "safe" reading: it must not open the gas gate."""
    value = Decimal(str(value))
    unit = unit or (DEFAULT_UNITS.get(gas) or "")
    if value < 0:
        yield Reason("gas_value_impossible", _("A gas reading cannot be negative."), "gas", (gas,))
        return
    top = PHYSICAL_LIMITS.get(unit)
    if top is not None and value > top:
        yield Reason("gas_value_impossible", _("%(gas)s cannot exceed %(max)s %(unit)s.") % {"gas": gas, "max": top, "unit": unit},
                     "gas", (gas,))


def latest_gas_readings(permit) -> dict:
    """Latest reading per gas (one query; uses a prefetch when present)."""
    readings = getattr(permit, "_prefetched_objects_cache", {}).get("gas_readings")
    if readings is None:
        readings = permit.gas_readings.order_by("-tested_at")
    latest = {}
    for reading in sorted(readings, key=lambda r: r.tested_at, reverse=True):
        latest.setdefault(reading.gas, reading)
    return latest


def gas_gate(permit, *, now=None):
    permit_type = permit.permit_type
    if not permit_type.requires_gas_testing:
        return
    now = now or timezone.now()
    window = timedelta(minutes=permit_type.gas_reading_validity_minutes)
    latest = latest_gas_readings(permit)
    missing, stale, unsafe = [], [], []
    for gas in permit_type.required_gases or []:
        reading = latest.get(gas)
        if reading is None:
            missing.append(gas)
        elif not reading.safe:
            unsafe.append(f"{gas} {reading.value}{reading.unit}")
        elif now - reading.tested_at > window:
            stale.append(gas)
    if missing:
        yield Reason("gas_readings_missing", _("Gas readings missing: %(gases)s.") % {"gases": ", ".join(missing)}, "gas", tuple(missing))
    if unsafe:
        yield Reason("gas_unsafe", _("Unsafe gas readings: %(r)s.") % {"r": ", ".join(unsafe)}, "gas", tuple(unsafe))
    if stale:
        yield Reason("gas_readings_stale",
                     _("Gas readings older than %(m)s minutes: %(gases)s.") % {"m": permit_type.gas_reading_validity_minutes, "gases": ", ".join(stale)},
                     "gas", tuple(stale))


# --- isolation ------------------------------------------------------------------------
def _points(permit):
    points = getattr(permit, "_prefetched_objects_cache", {}).get("isolation_points")
    if points is None:
        points = permit.isolation_points.select_related("point").all()
    return [p for p in points if not p.is_deleted and p.status != IsolationStatus.CANCELLED]


def point_label(point) -> str:
    if point.point_id:
        return point.point.point_code
    return point.custom_point_name


def isolation_gate(permit):
    """Before approve and activate: structured (every required point verified) or legacy text."""
    permit_type = permit.permit_type
    if permit_type.requires_structured_isolation:
        required = [p for p in _points(permit) if p.required]
        if not required:
            yield Reason("isolation_points_missing", _("Assign at least one required isolation point."), "isolation")
            return
        pending = [point_label(p) for p in required if p.status not in (IsolationStatus.VERIFIED, IsolationStatus.DEISOLATED)]
        if pending:
            yield Reason("isolation_points_not_verified",
                         _("All required isolation points must be verified: %(p)s.") % {"p": ", ".join(pending)},
                         "isolation", tuple(pending))
    elif (permit_type.requires_isolation or permit.requires_isolation) and not permit.isolation_details.strip():
        yield Reason("isolation_details_missing", _("Describe the isolation (isolation details)."), "isolation")


def deisolation_gate(permit):
    """Before completion, when the type requires de-isolation on closeout."""
    if not permit.permit_type.requires_deisolation_on_closeout:
        return
    pending = [point_label(p) for p in _points(permit) if p.required and p.status != IsolationStatus.DEISOLATED]
    if pending:
        yield Reason("deisolation_required", _("De-isolate every required point first: %(p)s.") % {"p": ", ".join(pending)},
                     "isolation", tuple(pending))


def shared_point_holders(point) -> list[str]:
    """Other live permits relying on *this* permit's locks on a shared library point.

    Group lockout: a permit that put its own locks on the point removes them when it is
    done, whatever the others do. But a permit relying on the point without locks of its
    own depends on ours, so ours may not come off while it is live. (Two permits with their
    own locks never block each other, so there is no deadlock.)
    """
    from .models import PermitIsolationPoint

    if not point.point_id or not point.lock_applied:
        return []
    return list(
        PermitIsolationPoint.objects.filter(point_id=point.point_id, lock_applied=False, is_deleted=False,
                                            status__in=(IsolationStatus.ISOLATED, IsolationStatus.VERIFIED),
                                            permit__status__in=LIVE_STATUSES)
        .exclude(permit_id=point.permit_id).values_list("permit__permit_number", flat=True)
    )


def point_permit_open_gate(point):
    """Points of a closed permit are frozen (every isolation-point transition)."""
    yield from permit_open_gate(point.permit)


def deisolation_allowed_gate(point):
    if not point.permit.permit_type.requires_deisolation_on_closeout:
        yield Reason("deisolation_not_enabled", _("De-isolation is not tracked for this permit type."), "isolation")


def shared_point_gate(point):
    holders = shared_point_holders(point)
    if holders:
        yield Reason("isolation_point_shared",
                     _("Still relied on by %(p)s: it cannot be de-isolated yet.") % {"p": ", ".join(holders)},
                     "isolation", tuple(holders))


def deisolation_gates(point):
    yield from point_permit_open_gate(point)
    yield from deisolation_allowed_gate(point)
    yield from shared_point_gate(point)


def lock_count_reasons(lock_count):
    if lock_count is not None and not 0 <= int(lock_count) <= MAX_LOCKS_PER_POINT:
        yield Reason("lock_count_out_of_range", _("Give between 0 and %(n)s locks.") % {"n": MAX_LOCKS_PER_POINT}, "isolation")


def isolation_summary(permit) -> dict:
    points = _points(permit)
    required = [p for p in points if p.required]
    return {
        "total": len(points),
        "required": len(required),
        "verified_required": sum(1 for p in required if p.status in (IsolationStatus.VERIFIED, IsolationStatus.DEISOLATED)),
        "pending_required": sum(1 for p in required if p.status in (IsolationStatus.ASSIGNED, IsolationStatus.ISOLATED)),
        "deisolated_required": sum(1 for p in required if p.status == IsolationStatus.DEISOLATED),
    }


# --- PPE and checklist ----------------------------------------------------------------
def missing_ppe(permit) -> list[str]:
    have = {str(i).strip().lower() for i in (permit.ppe_requirements or [])}
    return [item for item in (permit.permit_type.mandatory_ppe or []) if item.strip().lower() not in have]


def ppe_gate(permit):
    missing = missing_ppe(permit)
    if missing:
        yield Reason("ppe_missing", _("Mandatory PPE missing: %(i)s.") % {"i": ", ".join(missing)}, "ppe", tuple(missing))


def missing_checklist(permit) -> list[str]:
    ticked = permit.safety_checklist or {}
    return [item["label"] for item in (permit.permit_type.safety_checklist_items or []) if ticked.get(item["key"]) is not True]


def checklist_gate(permit):
    missing = missing_checklist(permit)
    if missing:
        yield Reason("checklist_incomplete", _("Safety checklist incomplete: %(i)s.") % {"i": ", ".join(missing)}, "checklist", tuple(missing))


# --- closeout -------------------------------------------------------------------------
def closeout_open_gate(closeout):
    """A closeout checklist applies to the permit and is not completed yet (then it is read-only)."""
    if closeout is None:
        yield Reason("closeout_not_applicable", _("No closeout checklist applies to this permit."), "closeout")
    elif closeout.completed:
        yield Reason("closeout_completed", _("The closeout is completed and read-only."), "closeout")


def closeout_items_gate(closeout):
    """Completing a closeout record: every required item done."""
    missing = closeout.get_missing_required_items()
    if missing:
        yield Reason("closeout_incomplete", _("Required closeout items are not done: %(i)s.") % {"i": ", ".join(missing)},
                     "closeout", tuple(missing))


def closeout_gate(permit):
    """Blocks only completion, and only when a closeout template applies."""
    from .selectors import closeout_state

    state = closeout_state(permit)
    if state["template_exists"] and not state["is_complete"]:
        yield Reason("closeout_incomplete", _("Complete the closeout checklist: %(i)s.") % {"i": ", ".join(state["missing_items"]) or _("not completed")},
                     "closeout", tuple(state["missing_items"]))


# --- simultaneous operations ------------------------------------------------------------
#: At most this many conflicts of each kind are listed (readiness, the SIMOPS gate's message).
SIMOPS_LIMIT = 20


def simops_summary(permit, limit: int = SIMOPS_LIMIT) -> tuple[list[dict], bool]:
    """(conflicts, truncated): other live permits sharing an isolation point, or the same
    location in an overlapping window; at most ``limit`` of each kind, earliest start first.

    Bounded on purpose (issue 9 benchmarks): a site where one isolation point serves many live
    permits made readiness list — and build a model instance for — every one of them, so it
    grew with the organization's permits (0.9 s at 100,000). Two queries whatever the count,
    each reading ``limit + 1`` rows of plain values (the extra row tells ``truncated``)."""
    from .models import Permit, PermitIsolationPoint

    others = Permit.objects.filter(organization_id=permit.organization_id, status__in=LIVE_STATUSES).exclude(pk=permit.pk)
    conflicts, truncated = [], False
    location = permit.location.strip()
    if location:
        rows = list(others.filter(location__iexact=location, planned_start_time__lt=permit.planned_end_time,
                                  planned_end_time__gt=permit.planned_start_time)
                    .order_by("planned_start_time", "permit_number").values_list("permit_number", flat=True)[:limit + 1])
        truncated = len(rows) > limit
        conflicts += [{"permit_number": number, "kind": "location", "reason": _("Same location, overlapping time window")}
                      for number in rows[:limit]]
    point_ids = [p.point_id for p in _points(permit) if p.point_id]
    if point_ids:
        rows = list(PermitIsolationPoint.objects.filter(point_id__in=point_ids, permit__in=others)
                    .exclude(status=IsolationStatus.CANCELLED)
                    .order_by("permit__planned_start_time", "permit__permit_number", "pk")
                    .values_list("permit__permit_number", "point__point_code")[:limit + 1])
        truncated = truncated or len(rows) > limit
        conflicts += [{"permit_number": number, "kind": "isolation_point",
                       "reason": _("Shares isolation point %(p)s") % {"p": code}} for number, code in rows[:limit]]
    return conflicts, truncated


def simops_conflicts(permit, limit: int = SIMOPS_LIMIT) -> list[dict]:
    """The listed SIMOPS conflicts of ``permit`` (``simops_summary`` without the flag)."""
    return simops_summary(permit, limit)[0]


def simops_gate(permit):
    if permit.permit_type.location_overlap_policy != OverlapPolicy.BLOCK:
        return
    blocking = [c["permit_number"] for c in simops_conflicts(permit) if c["kind"] == "location"]
    if blocking:
        yield Reason("simops_location_conflict",
                     _("Another permit holds this location in the same window: %(p)s.") % {"p": ", ".join(blocking)},
                     "simops", tuple(blocking))


# --- crew -----------------------------------------------------------------------------
def crew_gate(permit):
    """Ask the registered fitness/competency providers about every assigned worker."""
    if not providers.worker_checks():
        return
    for assignment in permit.workers.select_related("worker__contact").all():
        for reason in providers.check_worker(assignment.worker, purpose="permit", context=permit):
            yield Reason(reason.code, f"{assignment.worker}: {reason.message}", "crew", (str(assignment.worker),))


# --- extensions -----------------------------------------------------------------------
def extension_state_gate(permit):
    """Only an approved or active permit can be extended (asked or granted)."""
    if permit.status not in (PermitStatus.APPROVED, PermitStatus.ACTIVE):
        yield Reason("invalid_state", _("Only approved or active permits can be extended."), "extensions")


def extension_pending_gate(extension):
    if extension.status != ExtensionStatus.REQUESTED:
        yield Reason("extension_decided", _("This extension was already decided."), "extensions")


def extension_gate(permit, new_end_time):
    permit_type = permit.permit_type
    if permit.extension_count >= permit_type.max_extensions:
        yield Reason("extensions_exhausted", _("No more extensions: %(n)s already granted (maximum %(m)s).")
                     % {"n": permit.extension_count, "m": permit_type.max_extensions}, "extensions")
    if new_end_time <= permit.planned_end_time:
        yield Reason("extension_not_later", _("The new end time must be after the current one."), "extensions")
    limit = permit.planned_start_time + timedelta(hours=permit_type.max_validity_hours)
    if new_end_time > limit:
        yield Reason("extension_beyond_validity", _("The permit cannot run past %(limit)s (maximum validity %(h)s h).")
                     % {"limit": timezone.localtime(limit).strftime("%Y-%m-%d %H:%M"), "h": permit_type.max_validity_hours}, "extensions")


# --- people ---------------------------------------------------------------------------
def workflow_people_gate(permit):
    missing = [name for name, value in (("verifier", permit.verifier_id), ("approver", permit.approver_id)) if not value]
    if missing:
        yield Reason("workflow_people_missing", _("Assign a verifier and an approver first."), "workflow", tuple(missing))


def segregation_gate(permit):
    """Segregation of duties on the people named (before initiate, verify and approve): the
    requester never verifies or approves their own permit; verifier and approver are two
    people unless the permit type allows one person for both (small sites)."""
    requester = permit.created_by_id
    if requester and permit.verifier_id == requester:
        yield Reason("requester_is_verifier", _("The requester cannot verify their own permit: name another verifier."),
                     "workflow", ("verifier",))
    if requester and permit.approver_id == requester:
        yield Reason("requester_is_approver", _("The requester cannot approve their own permit: name another approver."),
                     "workflow", ("approver",))
    if (permit.verifier_id and permit.verifier_id == permit.approver_id
            and not permit.permit_type.allow_verifier_as_approver):
        yield Reason("verifier_is_approver", _("The verifier and the approver must be two different people."),
                     "workflow", ("approver",))


def actor_segregation_reason(permit, user, step: str, *, verified_by_id=None) -> Reason | None:
    """Segregation of duties on the person acting (whatever their role, org admins and
    superusers included): the requester may not verify or approve their own permit, and
    whoever verified may not approve unless the permit type allows it."""
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return None
    if step in ("verify", "approve") and permit.created_by_id == user_id:
        code = "requester_is_verifier" if step == "verify" else "requester_is_approver"
        return Reason(code, _("You requested this permit: someone else must verify and approve it."), "workflow")
    if (step == "approve" and verified_by_id == user_id and not permit.permit_type.allow_verifier_as_approver):
        return Reason("verifier_is_approver", _("You verified this permit: someone else must approve it."), "workflow")
    return None


def approval_gates(permit):
    yield from gas_gate(permit)
    yield from isolation_gate(permit)
    yield from ppe_gate(permit)
    yield from checklist_gate(permit)
    yield from simops_gate(permit)


def activation_gates(permit):
    yield from approval_gates(permit)
    yield from crew_gate(permit)


def completion_gates(permit):
    yield from closeout_gate(permit)
    yield from deisolation_gate(permit)
