"""Small builders for health tests (rows straight to the database; the services have
their own tests)."""
from datetime import date
from decimal import Decimal

from ..models import Exposure, MedicalExamination


def exam(worker, **kw):
    data = {"exam_type": "periodic", "exam_date": date(2026, 1, 10), "findings": "Souffle cardiaque léger",
            "results": {}, "fitness_outcome": "fit", "next_due_date": None}
    data.update(kw)
    return MedicalExamination.objects.create(organization=worker.organization, worker=worker, **data)


def exposure(worker, **kw):
    data = {"exposure_type": "noise", "measured_level": Decimal("80"), "exposure_limit": Decimal("85"),
            "unit": "dB(A)", "measured_on": date(2026, 6, 1), "high_risk": False}
    data.update(kw)
    return Exposure.objects.create(organization=worker.organization, worker=worker, **data)


def ppe_item(worker=None, *, enterprise=None, **kw):
    from ..models import PPEItem

    enterprise = enterprise or worker.enterprise
    data = {"ppe_type": "helmet", "serial_number": f"SN-{PPEItem.all_objects.count() + 1}-{id(kw) % 9973}",
            "expiry_date": date(2030, 1, 1), "condition": "good"}
    data.update(kw)
    return PPEItem.objects.create(organization=enterprise.organization, enterprise=enterprise, worker=worker, **data)


def ppe_record(item, status="compliant", **kw):
    from ..models import PPEComplianceRecord

    return PPEComplianceRecord.objects.create(organization=item.organization, ppe_item=item, worker=item.worker,
                                              check_type=kw.pop("check_type", "routine"), status=status, **kw)
