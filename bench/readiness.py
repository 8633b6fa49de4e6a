"""Benchmark: readiness and permit-list latency on a realistic data set.

    .venv/bin/python bench/readiness.py [--permits 300] [--runs 50]

Builds a throw-away SQLite database (or uses DATABASE_URL), loads permits with gas
readings and isolation points, then times GET /api/v1/ptw/permits/{id}/readiness/ and
GET /api/v1/ptw/permits/?page_size=50 with Django's test client. Prints p50/p95 (ms) and
query counts. Measures; asserts nothing (tests assert query counts).
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "site"), str(ROOT)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--permits", type=int, default=300)
    parser.add_argument("--runs", type=int, default=50)
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
    from ohms_ptw.models import GasReading, Permit, PermitIsolationPoint
    from ohms_ptw.tests.factories import PtwWorld

    world = PtwWorld(code="BENCH")
    ids = [world.create_permit()["id"] for _ in range(min(args.permits, 20))]
    template = Permit.objects.get(pk=ids[0])
    now = timezone.now()
    for pid in ids:
        for gas in ("O2", "LEL", "H2S", "CO"):
            GasReading.objects.create(organization=world.org, permit_id=pid, gas=gas, value=1, safe=True, tested_at=now)
        PermitIsolationPoint.objects.create(organization=world.org, permit_id=pid, point=world.point, status="verified")
    for n in range(args.permits - len(ids)):
        Permit.objects.create(organization=world.org, permit_number=f"PTW-BENCH-X-{n:05d}", title=template.title,
                              permit_type=template.permit_type, project=template.project, location=f"Zone {n}",
                              planned_start_time=template.planned_start_time, planned_end_time=template.planned_end_time)
    client = world.client(world.approver)

    def timed(url):
        samples, queries = [], 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.content[:200]
            queries = len(ctx)
        samples.sort()
        return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], queries

    for label, url in (("readiness", f"/api/v1/ptw/permits/{ids[0]}/readiness/"),
                       ("permit list (50)", "/api/v1/ptw/permits/?page_size=50")):
        p50, p95, queries = timed(url)
        print(f"{label:20s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {queries} queries   ({args.permits} permits, {connection.vendor})")


if __name__ == "__main__":
    main()
