"""Benchmark: permit to work at mine scale (issue 9 "Benchmarks", docs/performance.md).

    .venv/bin/python bench/ptw_bench.py [--permits 100000] [--runs 5] [--json out.json]
    make bench BENCH_ARGS="--permits 20000"

Creates N permits spread over 5 organizations (each with its project, people, permit type
and isolation point), with their children: four gas readings, one isolation point, two
workers, a workflow with its verification and approval steps. Rows go in with
``bulk_create`` in batches (no signals, no history: seeding a year of permits must take
minutes, not hours). Then, on that data, it measures each of:

* the permit list (API page of 50) next to its ``.values()`` floor (same 50 rows, same count);
* the KPIs endpoint next to the same figures in hand-written SQL;
* the readiness of one permit, one audit PDF (API);
* a bulk ZIP of 200 PDFs and an Excel workbook of 10,000 rows (the export functions the
  endpoints stream; the endpoints cap a request at 200 / 500 permits);
* the escalation scan over every organization.

For each: the median wall time over ``--runs`` runs, the query count, the Python peak
(tracemalloc, in one extra run: tracing slows the code, so it never runs during timing)
and the process peak RSS (the kernel's high-water mark, reset before each measurement
where Linux allows it). Targets are checked and printed; nothing is asserted (the tests
assert query counts, never timings). The database is DATABASE_URL, else a throw-away
SQLite file. The functions (``seed``, ``run_all``) are used by a small test at N=30 so the
script cannot rot.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path[:0] = [str(ROOT / "site"), str(ROOT)]

ORGANIZATIONS = 5
BATCH = 2000
PAGE = 50
BULK_PDFS = 200
EXCEL_ROWS = 10_000
EXCEL_SMALL = 1_000
GASES = ("O2", "LEL", "H2S", "CO")
WORKERS_PER_ORG = 40


# --- memory ---------------------------------------------------------------------------
def _reset_rss_peak() -> bool:
    """Reset the kernel's RSS high-water mark of this process (Linux ``clear_refs`` 5)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def rss_peak_mb() -> float:
    """The process's peak RSS (VmHWM since the last reset; else the lifetime ``ru_maxrss``)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- seeding --------------------------------------------------------------------------
def seed(permits: int, *, organizations: int = ORGANIZATIONS, batch: int = BATCH, progress=print) -> dict:
    """``permits`` permits over ``organizations`` organizations with their children, fast.

    The rows are written by ``ohms_ptw.demo_scale.bulk_permits`` (shared with ``ohms_demo
    --scale``). Permit numbers are ``PTW-<org>-<n>``: unique per organization as the
    constraint asks. Returns what the measurements need (the worlds, a client per world,
    sample permit ids)."""
    from ohms_core import testing
    from ohms_core.models import Contact, Worker
    from ohms_ptw.demo_scale import bulk_permits
    from ohms_ptw.models import Permit
    from ohms_ptw.tests.factories import PtwWorld

    started = time.perf_counter()
    worlds, counts = [], {}
    per_org = [permits // organizations + (1 if i < permits % organizations else 0) for i in range(organizations)]
    for index, total in enumerate(per_org):
        world = PtwWorld(code=f"BN{index}")
        enterprise = testing.make_enterprise(world.org)
        contacts = Contact.objects.bulk_create(Contact(organization=world.org, first_name="W", last_name=f"{index}-{n:04d}")
                                               for n in range(WORKERS_PER_ORG))
        workers = Worker.objects.bulk_create(Worker(organization=world.org, contact=c, enterprise=enterprise,
                                                    employee_number=f"BN{index}-{n:04d}") for n, c in enumerate(contacts))
        worlds.append(world)
        people = {"requester": world.requester, "verifier": world.verifier, "approver": world.approver,
                  "issuer": world.issuer, "area": world.area}
        made = bulk_permits(organization=world.org, total=total, permit_types=[world.permit_type],
                            projects=[world.other_project, world.project, world.project, world.project],
                            points=[world.point], workers=workers, people=people, number_prefix=f"PTW-BN{index}",
                            batch=batch, progress=progress)
        for key, value in made.items():
            counts[key] = counts.get(key, 0) + value
    seconds = time.perf_counter() - started
    if progress:
        progress(f"seeded {counts['permits']} permits over {organizations} organizations in {seconds:.1f} s "
                 f"({counts['permits'] / max(seconds, 1e-9):.0f} permits/s with children): {counts}")
    first = worlds[0]
    sample = (Permit.objects.filter(organization=first.org, status="active").order_by("-created_at").values_list("pk", flat=True)
              .first() or Permit.objects.filter(organization=first.org).values_list("pk", flat=True).first())
    return {"worlds": worlds, "counts": counts, "seconds": round(seconds, 1), "sample_permit": sample}


# --- measuring ------------------------------------------------------------------------
@dataclass
class Measurement:
    name: str
    median_ms: float
    cpu_ms: float
    runs: int
    queries: int
    py_peak_mb: float | None = None
    rss_peak_mb: float | None = None
    floor_ms: float | None = None
    floor_cpu_ms: float | None = None
    floor_queries: int | None = None
    extra: dict = field(default_factory=dict)
    target: str = ""
    met: bool | None = None


def _count_queries(func):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        result = func()
    return result, len(ctx)


def timed(func, runs: int) -> tuple[float, int, float, float]:
    """(median wall ms, queries of the last run, peak RSS MB over the runs, median CPU ms).

    CPU time (this process only) is reported next to wall time: on a machine shared with
    other work, wall time includes the waits for a core, CPU time does not."""
    samples, cpu, queries = [], [], 0
    gc.collect()
    _reset_rss_peak()
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        _, queries = _count_queries(func)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(samples), queries, rss_peak_mb(), statistics.median(cpu)


def python_peak_mb(func) -> float:
    """Peak Python allocation of one run of ``func`` (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def measure(name, func, *, runs, floor=None, memory=True, warm=True, **extra) -> Measurement:
    if warm:
        func()  # warm-up: imports, caches, first connection
    median, queries, rss, cpu = timed(func, runs)
    m = Measurement(name=name, median_ms=round(median, 2), cpu_ms=round(cpu, 2), runs=runs, queries=queries,
                    rss_peak_mb=round(rss, 1), extra=extra)
    if floor is not None:
        floor()
        floor_ms, m.floor_queries, _, floor_cpu = timed(floor, runs)
        m.floor_ms, m.floor_cpu_ms = round(floor_ms, 2), round(floor_cpu, 2)
    if memory:
        m.py_peak_mb = round(python_peak_mb(func), 2)
    return m


def _consume(response) -> int:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, (response.status_code, content[:300])
    return len(content)


def _list_fields():
    """The concrete columns the list serializer shows (the floor reads the same ones)."""
    from ohms_ptw.api.serializers import PermitSerializer
    from ohms_ptw.models import Permit

    names = {f.name: f for f in Permit._meta.concrete_fields}
    return [names[f].attname for f in PermitSerializer.Meta.fields if f in names]


KPI_SQL = """
SELECT
  {statuses},
  SUM(CASE WHEN p.status IN ({open}) THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.status = 'completed' AND p.completed_at >= %s THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.status = 'cancelled' AND p.updated_at >= %s THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.status = 'expired' THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.status = 'rejected' THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.status = 'pending_verification' AND COALESCE(p.submitted_at, p.created_at) < %s THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.status = 'pending_approval' AND COALESCE(p.verified_at, p.updated_at) < %s THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.status = 'active' AND p.permit_type_id IN
        (SELECT t.permit_type_id FROM {template} t WHERE t.is_active = %s AND t.is_deleted = %s)
      AND p.id NOT IN (SELECT c.permit_id FROM {closeout} c WHERE c.completed = %s AND c.is_deleted = %s)
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.status IN ('pending_approval', 'approved', 'active') AND pt.requires_structured_isolation = %s
      AND p.id IN (SELECT i.permit_id FROM {point} i WHERE i.required = %s AND i.is_deleted = %s
                   AND i.status NOT IN ('verified', 'deisolated', 'cancelled'))
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.status IN ('approved', 'active', 'suspended') AND p.planned_end_time >= %s
      AND p.planned_end_time <= %s THEN 1 ELSE 0 END)
FROM {permit} p JOIN {ptype} pt ON pt.id = p.permit_type_id
WHERE p.organization_id = %s AND p.is_deleted = %s
"""
KPI_TOP_SQL = """
SELECT p.id, p.permit_number, p.title, p.status, p.project_id, p.permit_type_id, pt.name, pt.code, pt.category,
       p.planned_end_time,
       CASE WHEN p.status = 'pending_verification' THEN COALESCE(p.submitted_at, p.created_at)
            ELSE COALESCE(p.verified_at, p.updated_at) END AS since
FROM {permit} p JOIN {ptype} pt ON pt.id = p.permit_type_id
WHERE p.organization_id = %s AND p.is_deleted = %s AND (
  (p.status = 'pending_verification' AND COALESCE(p.submitted_at, p.created_at) < %s) OR
  (p.status = 'pending_approval' AND COALESCE(p.verified_at, p.updated_at) < %s))
ORDER BY since, p.id LIMIT 10
"""
KPI_EXPIRING_SQL = """
SELECT p.id, p.permit_number, p.status, p.planned_end_time FROM {permit} p
WHERE p.organization_id = %s AND p.is_deleted = %s AND p.status IN ('approved', 'active', 'suspended')
  AND p.planned_end_time >= %s AND p.planned_end_time <= %s
ORDER BY p.planned_end_time, p.id LIMIT 10
"""


def kpi_floor(organization):
    """The KPI figures and lists in hand-written SQL (three statements, like the endpoint)."""
    from django.db import connection
    from django.utils import timezone

    from ohms_ptw import conf
    from ohms_ptw.kpis import COUNTED_STATUSES, OPEN_STATUSES, _start_of_today
    from ohms_ptw.models import (
        CloseoutChecklistTemplate,
        Permit,
        PermitCloseout,
        PermitIsolationPoint,
        PermitType,
    )

    tables = {"permit": Permit._meta.db_table, "ptype": PermitType._meta.db_table,
              "template": CloseoutChecklistTemplate._meta.db_table, "closeout": PermitCloseout._meta.db_table,
              "point": PermitIsolationPoint._meta.db_table}
    statuses = ",\n  ".join(f"SUM(CASE WHEN p.status = '{s}' THEN 1 ELSE 0 END)" for s in COUNTED_STATUSES)
    opened = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    counts_sql = KPI_SQL.format(statuses=statuses, open=opened, **tables)
    top_sql, expiring_sql = KPI_TOP_SQL.format(**tables), KPI_EXPIRING_SQL.format(**tables)
    org_id = Permit._meta.get_field("organization").get_db_prep_value(organization.pk, connection)

    def run():
        now = timezone.now()
        today = _start_of_today(now)
        verify_cut = now - timedelta(hours=conf.verification_sla_hours())
        approve_cut = now - timedelta(hours=conf.approval_sla_hours())
        soon = now + timedelta(hours=conf.expiring_soon_hours())
        with connection.cursor() as cursor:
            cursor.execute(counts_sql, [today, today, verify_cut, approve_cut, True, False, True, False, True, True, False,
                                        now, soon, org_id, False])
            row = cursor.fetchone()
            cursor.execute(top_sql, [org_id, False, verify_cut, approve_cut])
            top = cursor.fetchall()
            cursor.execute(expiring_sql, [org_id, False, now, soon])
            expiring = cursor.fetchall()
        return row, top, expiring

    return run


def bulk_ids(organization, count: int) -> list:
    from ohms_ptw.models import Permit

    return list(Permit.objects.filter(organization=organization).order_by("-created_at").values_list("pk", flat=True)[:count])


def probe_bulk_rss(code: str, count: int) -> dict:
    """In a fresh process (``--probe``): the RSS of a worker that serves one bulk ZIP, from
    start-up to the end of the stream. The benchmark process itself is no yardstick: it
    has seeded the data and keeps Python's freed memory."""
    from ohms_core.models import Organization
    from ohms_ptw.exports.bulk import stream_pdf_zip
    from ohms_ptw.models import Permit

    organization = Organization.objects.get(code=code)
    queryset = Permit.objects.filter(organization=organization)
    ids = bulk_ids(organization, count)
    before = rss_peak_mb()
    size = sum(len(chunk) for chunk in stream_pdf_zip(queryset, ids))
    return {"permits": len(ids), "zip_bytes": size, "rss_at_start_mb": round(before, 1), "rss_peak_mb": round(rss_peak_mb(), 1)}


def _run_probe(code: str, count: int) -> dict | None:
    import subprocess

    done = subprocess.run([sys.executable, __file__, "--probe", code, "--probe-count", str(count)],
                          capture_output=True, text=True, env=os.environ.copy(), timeout=1800)
    if done.returncode != 0:
        print(done.stderr[-2000:])
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_all(context: dict, *, runs: int = 5, heavy_runs: int = 3, bulk: int = BULK_PDFS, excel_rows: int = EXCEL_ROWS,
            excel_small: int = EXCEL_SMALL, probe: bool = False, progress=print) -> list[Measurement]:
    """Every measurement of the issue on the seeded data (``seed``'s return value).
    ``probe``: measure the bulk ZIP's RSS in a fresh process too (needs a database another
    process can read: not the test database)."""
    from django.db import connection
    from django.test import override_settings

    from ohms_ptw.exports.bulk import excel_file, stream_pdf_zip
    from ohms_ptw.models import Permit
    from ohms_ptw.services.escalations import escalations_check

    world = context["worlds"][0]
    client = world.client(world.approver)
    org = world.org
    results = []

    def note(m):
        results.append(m)
        if progress:
            progress(f"  {m.name}: {m.median_ms:.1f} ms, {m.queries} queries")

    # Permit list: the API page next to the same page and count through .values().
    fields = _list_fields()

    def api_list():
        response = client.get(f"/api/v1/ptw/permits/?page_size={PAGE}")
        _consume(response)

    def list_floor():
        rows = Permit.objects.filter(organization=org).order_by("-created_at").values(*fields)
        return rows.count(), list(rows[:PAGE])

    m = measure("permit list (page of 50)", api_list, runs=runs, floor=list_floor)
    m.extra["throughput_vs_floor"] = round(m.floor_ms / m.median_ms, 3)
    m.target, m.met = "throughput >= 0.35x the .values() floor", m.extra["throughput_vs_floor"] >= 0.35
    note(m)

    # KPIs: the endpoint next to the same three reads in SQL.
    m = measure("KPIs", lambda: _consume(client.get("/api/v1/ptw/permits/kpis/")), runs=runs, floor=kpi_floor(org))
    m.extra["limit_ms"] = round(1.5 * m.floor_ms + 10, 2)
    m.target, m.met = "<= 1.5x raw SQL + 10 ms", m.median_ms <= m.extra["limit_ms"]
    note(m)

    sample = context["sample_permit"]
    note(measure("readiness (one permit)", lambda: _consume(client.get(f"/api/v1/ptw/permits/{sample}/readiness/")),
                 runs=runs))
    m = measure("one PDF (API)", lambda: _consume(client.get(f"/api/v1/ptw/permits/{sample}/export_pdf/")), runs=runs)
    note(m)

    # Bulk ZIP of 200 PDFs: the streamed generator the bulk endpoint returns, drained.
    queryset = Permit.objects.filter(organization=org)
    ids = bulk_ids(org, bulk)

    def bulk_zip():
        return sum(len(chunk) for chunk in stream_pdf_zip(queryset, ids))

    # Seconds per run: no warm-up (one PDF above warmed reportlab), no tracemalloc run (it
    # would triple the time); the memory figure is the RSS, in a fresh process with ``probe``.
    sizes = []
    m = measure(f"bulk ZIP of {len(ids)} PDFs", lambda: sizes.append(bulk_zip()), runs=heavy_runs, warm=False,
                memory=not probe)
    m.extra.update(permits=len(ids), zip_bytes=sizes[-1])
    rss = m.rss_peak_mb
    if probe and (fresh := _run_probe(org.code, bulk)):
        m.extra["fresh_process"] = fresh
        rss = fresh["rss_peak_mb"]
    m.target = "<= 10 s and peak RSS < 150 MB"
    m.met = m.median_ms <= 10_000 and rss < 150
    note(m)

    # Excel: flat sheet of 10,000 rows (memory compared with 1,000 rows), taken from every
    # organization when one holds fewer (the export code is the same; only the row count matters).
    every = Permit.objects.all()

    def excel(count):
        rows = list(every.order_by("-created_at").values_list("pk", flat=True)[:count])

        def run():
            spool = excel_file(every, rows, detailed=False)
            size = spool.seek(0, 2)
            spool.close()
            return size
        return run, len(rows)

    small, small_rows = excel(excel_small)
    small_peak = round(python_peak_mb(small), 2)
    big, big_rows = excel(excel_rows)
    m = measure(f"Excel of {big_rows} rows", big, runs=heavy_runs, warm=False)
    m.extra.update(rows=big_rows, rows_per_s=round(big_rows / (m.median_ms / 1000)), py_peak_mb_small=small_peak,
                   small_rows=small_rows)
    m.target = ">= 3,000 rows/s, memory flat between 1,000 and 10,000 rows"
    # "Flat": ten times the rows may cost at most a quarter more Python memory.
    m.met = m.extra["rows_per_s"] >= 3000 and m.py_peak_mb <= 1.25 * small_peak + 1
    note(m)

    # Escalation scan, every organization: the first run escalates the late steps; the
    # following runs (the hourly job's normal case) find them in cooldown.
    with override_settings(ESCALATIONS_ENABLED=True):
        start = time.perf_counter()
        outcome, first_queries = _count_queries(escalations_check)
        first = (time.perf_counter() - start) * 1000
        m = measure("escalation scan (all organizations)", escalations_check, runs=heavy_runs)
        again = escalations_check()
    m.extra.update(first_run_ms=round(first, 1), first_run_queries=first_queries, scanned=again.scanned,
                   escalated_first_run=outcome.escalated, skipped_cooldown=again.skipped_cooldown)
    m.target, m.met = "<= 5 s", m.median_ms <= 5000
    note(m)
    for m in results:
        m.extra.setdefault("database", connection.vendor)
    return results


def table(results: list[Measurement]) -> str:
    lines = [f"{'measurement':<36} {'median':>10} {'CPU':>10} {'queries':>7} {'floor':>10} {'fl.q':>5} {'py peak':>9} "
             f"{'RSS peak':>9}  target", "-" * 130]
    for m in results:
        floor = f"{m.floor_ms:8.1f}ms" if m.floor_ms is not None else ""
        fq = str(m.floor_queries) if m.floor_queries is not None else ""
        py = f"{m.py_peak_mb:7.1f}MB" if m.py_peak_mb is not None else ""
        verdict = "" if m.met is None else ("MET" if m.met else "MISSED")
        lines.append(f"{m.name:<36} {m.median_ms:8.1f}ms {m.cpu_ms:8.1f}ms {m.queries:>7} {floor:>10} {fq:>5} {py:>9} "
                     f"{m.rss_peak_mb:7.1f}MB  {verdict} {m.target}")
        extra = {k: v for k, v in m.extra.items() if k != "database"}
        if extra:
            lines.append(f"{'':<36} {extra}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--permits", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timing runs of the quick measurements")
    parser.add_argument("--heavy-runs", type=int, default=3, help="timing runs of bulk ZIP, Excel and escalations")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--probe", help=argparse.SUPPRESS)  # organization code: the fresh-process RSS probe
    parser.add_argument("--probe-count", type=int, default=BULK_PDFS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ohms_site.settings.test")
    tmp = tempfile.mkdtemp(prefix="ohms-ptw-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("OHMS_VAR_DIR", tmp)  # the probe process inherits both

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if args.probe:
        print(json.dumps(probe_bulk_rss(args.probe, args.probe_count)))
        return
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated {connection.vendor} database in {time.perf_counter() - started:.1f} s")
    context = seed(args.permits)
    with connection.cursor() as cursor:  # fresh statistics, as a live database has
        cursor.execute("ANALYZE")
    results = run_all(context, runs=args.runs, heavy_runs=args.heavy_runs, probe=True)
    print()
    print(f"{args.permits} permits, {connection.vendor}, {os.cpu_count()} CPUs (shared), Python {sys.version.split()[0]}")
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "permits": args.permits, "database": connection.vendor, "seed": context["counts"],
            "seed_seconds": context["seconds"], "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "results": [asdict(m) for m in results]}, indent=2, default=str))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
