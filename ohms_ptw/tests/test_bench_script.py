"""bench/ptw_bench.py cannot rot: its seeding and every measurement run at a tiny N.

No timing is asserted (the machine is shared); the test checks that each measurement of
issue 9 is reported with its figures, and that the seeding made what it says."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from ohms_ptw.models import GasReading, Permit, PermitIsolationPoint, PermitWorker, WorkflowStep

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[2] / "bench" / "ptw_bench.py"
EXPECTED = ("permit list (page of 50)", "KPIs", "readiness (one permit)", "one PDF (API)", "bulk ZIP of",
            "Excel of", "escalation scan (all organizations)")


def _bench():
    spec = importlib.util.spec_from_file_location("ptw_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ptw_bench"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_bench_seeds_and_reports_every_measurement(capsys):
    bench = _bench()
    context = bench.seed(30, batch=7, progress=None)

    assert Permit.objects.count() == 30
    assert context["counts"]["permits"] == 30
    assert Permit.objects.values("organization").distinct().count() == 5
    numbers = list(Permit.objects.values_list("organization", "permit_number"))
    assert len(set(numbers)) == 30
    assert GasReading.objects.count() == context["counts"]["gas_readings"] > 0
    assert PermitIsolationPoint.objects.count() == 30
    assert PermitWorker.objects.count() == 60
    assert WorkflowStep.objects.count() == context["counts"]["workflow_steps"] > 0

    results = bench.run_all(context, runs=1, heavy_runs=1, bulk=3, excel_rows=6, excel_small=2, progress=None)

    names = [m.name for m in results]
    assert len(names) == len(EXPECTED)
    for expected, name in zip(EXPECTED, names, strict=True):
        assert name.startswith(expected)
    for m in results:
        assert m.median_ms > 0 and m.cpu_ms >= 0 and m.queries > 0 and m.rss_peak_mb > 0
        assert m.py_peak_mb is not None and m.py_peak_mb > 0
    by_name = dict(zip(names, results, strict=True))
    listing, kpis = by_name["permit list (page of 50)"], by_name["KPIs"]
    assert listing.floor_queries == 2 and listing.floor_ms > 0 and listing.extra["throughput_vs_floor"] > 0
    assert kpis.floor_queries == 3 and kpis.extra["limit_ms"] > 10
    bulk = results[4]
    assert bulk.extra["permits"] == 3 and bulk.extra["zip_bytes"] > 0
    excel = results[5]
    assert excel.extra["rows"] == 6 and excel.extra["small_rows"] == 2 and excel.extra["rows_per_s"] > 0
    scan = results[6]
    assert scan.extra["scanned"] >= 0 and "first_run_ms" in scan.extra
    assert all(m.target and m.met in (True, False) for m in results if m.name != "readiness (one permit)"
               and not m.name.startswith("one PDF"))

    text = bench.table(results)
    for name in names:
        assert name in text
    json.dumps([bench.asdict(m) for m in results], default=str)  # the --json output serializes
