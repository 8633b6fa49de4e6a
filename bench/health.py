"""Benchmark: occupational-health batch work on a mine-sized data set.

    .venv/bin/python bench/health.py [--workers 2000]

Builds a throw-away SQLite database (or uses DATABASE_URL) with N workers, each with a
pre-employment and a periodic exam, an audiometry or spirometry, three exposure
measurements, a PPE item with a check, and an incident per 20 workers; then times (CPU
and wall) and counts the queries of: the nightly risk calculation of every worker, the
recall list, the PPE compliance rate and the alert detection over those exams and
measurements. Measures; asserts nothing (tests assert query counts).
"""
import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "site"), str(ROOT)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ohms_site.settings.test")
    tmp = tempfile.mkdtemp(prefix="ohms-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["OHMS_VAR_DIR"] = tmp

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from ohms_core import testing
    from ohms_core.models import Contact, Worker
    from ohms_health.models import (
        Exposure,
        Incident,
        MedicalExamination,
        PPEComplianceRecord,
        PPEItem,
    )
    from ohms_health.services import alerts, ppe, recall, risk

    org = testing.make_organization("BENCH")
    enterprise = testing.make_worker(org).enterprise
    today = timezone.localdate()
    contacts = Contact.objects.bulk_create(
        Contact(organization=org, first_name="W", last_name=f"{n:05d}") for n in range(args.workers))
    workers = Worker.objects.bulk_create(
        Worker(organization=org, contact=c, enterprise=enterprise, employee_number=f"B-{n:05d}",
               date_of_birth=date(1970 + n % 30, 1 + n % 12, 1), hire_date=date(2000 + n % 20, 1, 1),
               exposure_group=("Bruit", "Poussières/silice", "Cobalt")[n % 3])
        for n, c in enumerate(contacts))
    exams, exposures, items = [], [], []
    for n, worker in enumerate(workers):
        periodic = today - timedelta(days=n % 400)
        exams += [
            MedicalExamination(organization=org, worker=worker, exam_type="pre_employment", exam_date=worker.hire_date,
                               fitness_outcome="fit"),
            MedicalExamination(organization=org, worker=worker, exam_type="periodic", exam_date=periodic,
                               fitness_outcome="fit", next_due_date=periodic + timedelta(days=365)),
            MedicalExamination(organization=org, worker=worker, exam_type=("audiometry", "spirometry")[n % 2],
                               exam_date=today - timedelta(days=n % 7), fitness_outcome="fit",
                               results={"hearing_thresholds": {"left": {"4000": 20 + n % 40}}} if n % 2 == 0
                               else {"fev1": 3.0, "fvc": 4.2, "fev1_fvc": round(0.6 + (n % 30) / 100, 2)}),
        ]
        for k in range(3):
            exposures.append(Exposure(organization=org, worker=worker, exposure_type=("noise", "silica dust", "cobalt")[n % 3],
                                      measured_level=Decimal(60 + (n + k) % 70), exposure_limit=Decimal(100),
                                      unit="%", measured_on=today - timedelta(days=k * 30 + n % 5), high_risk=(n + k) % 9 == 0))
        items.append(PPEItem(organization=org, enterprise=enterprise, worker=worker, ppe_type="helmet",
                             serial_number=f"S-{n:05d}", issued_on=date(2025, 1, 1), expiry_date=date(2027, 1, 1)))
    MedicalExamination.objects.bulk_create(exams)
    Exposure.objects.bulk_create(exposures)
    PPEItem.objects.bulk_create(items)
    PPEComplianceRecord.objects.bulk_create(
        PPEComplianceRecord(organization=org, ppe_item=item, worker=item.worker, check_type="routine",
                            status="compliant" if n % 10 else "damaged", is_compliant=bool(n % 10),
                            checked_at=timezone.now() - timedelta(days=n % 60))
        for n, item in enumerate(items))
    for n in range(0, len(workers), 20):
        incident = Incident.objects.create(organization=org, enterprise=enterprise, occurred_at=timezone.now(),
                                           severity="first_aid", location="Bench", description="Bench")
        incident.workers.add(workers[n])
    print(f"{args.workers} workers, {len(exams)} exams, {len(exposures)} exposures, {len(items)} PPE items")

    def measure(label, func):
        connection.queries_log.clear()  # a full log (9000 rows) would miscount
        cpu, wall = time.process_time(), time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result = func()
        print(f"{label:<40} {time.perf_counter() - wall:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU "
              f"{len(queries):6d} queries  -> {result}")

    measure("risk: calculate every worker", lambda: risk.calculate_many(
        risk.workers_to_calculate(organization=org, recalculate_all=True)))
    measure("recall list (30 days)", lambda: len(recall.recall_list(org, within_days=30)))
    measure("PPE compliance rate", lambda: ppe.compliance_rate(org).rate)
    def detect():
        result = alerts.detect_alerts(days=7, organization=org)
        return f"examined {result.examined}, created {len(result.created)}, skipped {result.skipped}"

    measure("alert detection (7 days)", detect)
    measure("alert detection again (no duplicates)", detect)


if __name__ == "__main__":
    main()
