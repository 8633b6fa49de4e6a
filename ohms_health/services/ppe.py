"""PPE compliance use cases (SPEC 3.5): record a check, bulk checks, the compliance rate,
expiring items, and the per-worker PPE facts of the risk score (SPEC 3.2).

Writes go through ``ohms_core.services.records`` (history, audit, version). The rate is one
aggregate query; its API answer is cached 30 minutes under a per-organization generation
number that every new check bumps, so a cached rate is never staler than the last check.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ohms_core.services.records import record_create, record_update

from ..models import ComplianceStatus, PPEComplianceRecord, PPECondition, PPEItem
from ..models.ppe import COMPLIANCE_TARGET

#: Item condition after a check of a given status (see ``models.ppe``); a compliant check
#: brings a damaged or lost item back to "good" (repaired / found).
CONDITION_AFTER = {
    ComplianceStatus.DAMAGED: PPECondition.DAMAGED,
    ComplianceStatus.LOST: PPECondition.LOST,
    ComplianceStatus.REPLACED: PPECondition.RETIRED,
}
RECOVERED = (PPECondition.DAMAGED, PPECondition.LOST)
#: Items no longer in service: not listed as expiring.
OUT_OF_SERVICE = (PPECondition.LOST, PPECondition.RETIRED)
RECENT_DAYS = 365


def default_status(item: PPEItem, on: date) -> str:
    """A bulk check without a status: compliant, unless the item is past its expiry date."""
    return ComplianceStatus.EXPIRED if item.is_expired(on) else ComplianceStatus.COMPLIANT


def _condition_after(item: PPEItem, status: str) -> str | None:
    if status in CONDITION_AFTER:
        return CONDITION_AFTER[status]
    if status == ComplianceStatus.COMPLIANT and item.condition in RECOVERED:
        return PPECondition.GOOD
    return None


def ppe_check_record(*, item: PPEItem, check_type: str, status: str | None = None, user=None, notes: str = "",
                     action_taken: str = "", checked_at=None) -> PPEComplianceRecord:
    """One check of one item: the record (with the item's current holder) and, when the
    status says so, the item's new condition; both in one transaction."""
    checked_at = checked_at or timezone.now()
    status = status or default_status(item, timezone.localdate(checked_at))
    with transaction.atomic():
        record = record_create(model=PPEComplianceRecord, organization=item.organization, user=user, data={
            "ppe_item": item, "worker": item.worker, "check_type": check_type, "status": status,
            "checked_by": user if getattr(user, "is_authenticated", False) else None, "checked_at": checked_at,
            "notes": notes, "action_taken": action_taken,
        })
        condition = _condition_after(item, status)
        if condition and condition != item.condition:
            item = record_update(instance=item, data={"condition": condition}, user=user)
            record.ppe_item = item
        # Now (this request's next read) and after commit (a reader that cached the old rate
        # between the two cannot keep it); a rolled-back bump only costs a cache miss.
        bump_generation(item.organization_id)
        transaction.on_commit(lambda: bump_generation(item.organization_id))
    return record


def ppe_bulk_check(*, items, check_type: str, status: str | None = None, user=None, notes: str = ""):
    """One record per item, all in one transaction (one failure creates nothing)."""
    now = timezone.now()
    with transaction.atomic():
        return [ppe_check_record(item=item, check_type=check_type, status=status, user=user, notes=notes,
                                 checked_at=now) for item in items]


@dataclass(frozen=True)
class ComplianceRate:
    rate: float | None
    compliant: int
    total: int
    target: int = COMPLIANCE_TARGET

    @property
    def meets_target(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target

    def as_dict(self) -> dict:
        return {"compliance_rate": self.rate, "compliant": self.compliant, "total": self.total,
                "target": self.target, "meets_target": self.meets_target}


def _rate(compliant: int, total: int) -> float | None:
    """compliant / total x 100, two decimals; None (not 0 %) when nothing was checked."""
    if not total:
        return None
    return float((Decimal(compliant) * 100 / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def compliance_rate(organization, enterprise_id=None, since=None) -> ComplianceRate:
    """SPEC 3.5 ``compliance_rate = compliant records / total records x 100`` (target 95 %),
    for the organization or one enterprise (the item's), optionally since a datetime; one
    aggregate query."""
    records = PPEComplianceRecord.objects.filter(organization=organization)
    if enterprise_id:
        records = records.filter(ppe_item__enterprise_id=enterprise_id)
    if since is not None:
        records = records.filter(checked_at__gte=since)
    row = records.aggregate(total=Count("pk"), compliant=Count("pk", filter=Q(is_compliant=True)))
    return ComplianceRate(rate=_rate(row["compliant"], row["total"]), compliant=row["compliant"], total=row["total"])


def compliance_by_enterprise(organization, since=None) -> list[dict]:
    """The rate of every enterprise with checks (the admin panel), one grouped query."""
    records = PPEComplianceRecord.objects.filter(organization=organization)
    if since is not None:
        records = records.filter(checked_at__gte=since)
    rows = (records.values("ppe_item__enterprise_id", "ppe_item__enterprise__name")
            .annotate(total=Count("pk"), compliant=Count("pk", filter=Q(is_compliant=True)))
            .order_by("ppe_item__enterprise__name"))
    return [{"enterprise_id": row["ppe_item__enterprise_id"], "enterprise": row["ppe_item__enterprise__name"],
             **ComplianceRate(rate=_rate(row["compliant"], row["total"]), compliant=row["compliant"],
                              total=row["total"]).as_dict()} for row in rows]


def expiring_items(queryset, *, within_days: int = 30, on: date | None = None):
    """Items in service whose expiry date is within ``within_days`` days, or already past."""
    on = on or timezone.localdate()
    return (queryset.filter(expiry_date__isnull=False, expiry_date__lte=on + timedelta(days=within_days))
            .exclude(condition__in=OUT_OF_SERVICE).order_by("expiry_date", "serial_number"))


@dataclass(frozen=True)
class WorkerPPEFacts:
    checks: int = 0
    noncompliant: int = 0


def worker_ppe_facts(worker_ids, *, on: date) -> dict:
    """``{worker_id: WorkerPPEFacts}`` of the checks made while the worker held the item,
    in the 12 months up to ``on``; one aggregate query for the whole batch."""
    since = on - timedelta(days=RECENT_DAYS)
    rows = (PPEComplianceRecord.objects.filter(worker_id__in=list(worker_ids), checked_at__date__gte=since,
                                               checked_at__date__lte=on)
            .values("worker_id").annotate(n=Count("pk"), bad=Count("pk", filter=Q(is_compliant=False))))
    return {row["worker_id"]: WorkerPPEFacts(checks=row["n"], noncompliant=row["bad"]) for row in rows}


# --- cache of the rate (SPEC 3.5: 30 min), invalidated by every new check --------------------

def _generation_key(organization_id) -> str:
    return f"ohms_health:ppe-generation:{organization_id}"


def generation(organization_id) -> int:
    return cache.get_or_set(_generation_key(organization_id), 1, timeout=None)


def bump_generation(organization_id) -> None:
    try:
        cache.incr(_generation_key(organization_id))
    except ValueError:
        cache.set(_generation_key(organization_id), 2, timeout=None)
