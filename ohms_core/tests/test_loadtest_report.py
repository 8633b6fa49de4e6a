"""``bench/loadtest_report.py``: the tables and the scale-out factor of a ``make loadtest`` run,
from locust's CSV files and the per-route query counts (issue 13 "Load test")."""
import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "loadtest_report.py"
HEADER = "Type,Name,Request Count,Failure Count,Requests/s,50%,95%,99%\n"


def _module():
    spec = importlib.util.spec_from_file_location("loadtest_report", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(out, tag, rps, p95, failures=0):
    (out / f"{tag}_stats.csv").write_text(
        HEADER + f"GET,/api/v1/ptw/permits/[id]/,{int(rps * 120)},{failures},{rps},40,{p95},{p95 + 50}\n"
        f",Aggregated,{int(rps * 120)},{failures},{rps},40,{p95},{p95 + 50}\n")
    (out / f"queries-{tag}.json").write_text(json.dumps({"GET /api/v1/ptw/permits/[id]/": [9, 9, 11]}))


def test_report_has_a_table_per_pace_and_worker_count_and_the_scale_out_per_pace(tmp_path):
    _run(tmp_path, "wait1-3-w1", 20.0, 120)
    _run(tmp_path, "wait1-3-w2", 21.0, 80)
    _run(tmp_path, "wait0-w1", 30.0, 1900, failures=2)
    _run(tmp_path, "wait0-w2", 54.0, 1000)
    text = _module().report(tmp_path, ["1", "2"], paces=["1-3", "0"], users="50", time="2m", pinned="locust on CPU 0")

    assert text.startswith("Load test: 50 users for 2m; locust on CPU 0.")
    assert "**1 web worker(s), users waiting 1-3 s between tasks**" in text
    assert "**2 web worker(s), users no wait (capacity run)**" in text
    assert "| GET /api/v1/ptw/permits/[id]/ | 6480 | 54.0 | 40 | 1000 | 1050 | 0 | 9 |" in text  # median queries
    assert "| **all** | 3600 | 30.0 | 40 | 1900 | 1950 | 2 |  |" in text  # errors are reported, not hidden
    assert "Throughput against 1 worker, users waiting 1-3 s between tasks: 2 workers: 1.05x." in text
    assert "Throughput against 1 worker, users no wait (capacity run): 2 workers: 1.80x." in text


def test_report_says_which_run_is_missing(tmp_path):
    _run(tmp_path, "wait0-w1", 30.0, 900)
    text = _module().report(tmp_path, ["1", "2"], paces=["0"])
    assert "no locust results (wait0-w2_stats.csv missing)" in text
    assert "Throughput against" not in text
