"""Demo PPE: a helmet, boots and hearing protection (respirator in dusty groups) for each
demo worker, a routine check of each, some non-compliant, damaged and expired items, so
the compliance screen shows one enterprise under the 95 % target. Idempotent."""
from datetime import timedelta

from django.utils import timezone

from ohms_core.models import Worker

from ..models import PPEItem
from ..services.ppe import ppe_check_record

KITS = ("helmet", "safety_boots", "hearing_protection")


def load(*, organization, user, rng) -> str:
    if PPEItem.all_objects.filter(organization=organization).exists():
        return "PPE demo data already present."
    today = timezone.localdate()
    items = checks = 0
    for worker in Worker.objects.filter(organization=organization, is_active=True).select_related("enterprise"):
        kit = list(KITS) + (["respirator"] if "dust" in worker.exposure_group.lower()
                            or "concass" in worker.exposure_group.lower() else [])
        for ppe_type in kit:
            expiry = today + timedelta(days=rng.choice([-20, 12, 25, 200, 400, 700]))
            item = PPEItem.objects.create(
                organization=organization, enterprise=worker.enterprise, worker=worker, ppe_type=ppe_type,
                serial_number=f"{ppe_type[:3].upper()}-{worker.employee_number}", issued_on=today - timedelta(days=300),
                expiry_date=expiry, condition="good", created_by=user)
            items += 1
            status = None  # compliant, or expired when past the date
            if worker.enterprise.is_contractor and rng.random() < 0.25:
                status = rng.choice(["non_compliant", "damaged", "lost"])
            ppe_check_record(item=item, check_type="routine", status=status, user=user,
                             notes="Inspection mensuelle", checked_at=timezone.now() - timedelta(days=rng.randint(1, 60)))
            checks += 1
    return f"PPE demo: {items} items, {checks} checks."
