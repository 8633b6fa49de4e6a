"""Markdown table of a ``scripts/loadtest.sh`` run: per endpoint and web worker count, requests/s,
p50/p95/p99 (ms), errors and database queries per request (median of ``X-OHMS-Queries``),
then the throughput of each worker count against one worker (the scale-out factor).

    python bench/loadtest_report.py var/loadtest/<stamp> --workers 1 2 --users 50 --time 2m
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
from pathlib import Path


def read_stats(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def report(out: Path, workers: list[str], *, users: str = "", time: str = "", pinned: str = "") -> str:
    lines = [f"Load test: {users} users for {time}; {pinned}.", ""]
    totals = {}
    for count in workers:
        stats_file = out / f"w{count}_stats.csv"
        if not stats_file.exists():
            lines.append(f"**{count} web worker(s)**: no locust results ({stats_file.name} missing).")
            continue
        queries = {}
        queries_file = out / f"queries-w{count}.json"
        if queries_file.exists():
            queries = json.loads(queries_file.read_text())
        lines += [f"**{count} web worker(s)**", "",
                  "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors | queries/request |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for row in read_stats(stats_file):
            name = f"{row['Type']} {row['Name']}".strip()
            if row["Name"] == "Aggregated":
                totals[count] = float(row["Requests/s"])
                name = "**all**"
            counts = queries.get(name, [])
            lines.append(f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.1f} | {row['50%']} | "
                         f"{row['95%']} | {row['99%']} | {row['Failure Count']} | "
                         f"{statistics.median(counts) if counts else ''} |")
        lines.append("")
    if workers and workers[0] in totals:
        base = totals[workers[0]]
        factors = ", ".join(f"{c} workers: {totals[c] / base:.2f}x" for c in workers[1:] if c in totals and base)
        if factors:
            lines.append(f"Throughput against {workers[0]} worker: {factors}.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--workers", nargs="+", default=["1", "2"])
    parser.add_argument("--users", default="")
    parser.add_argument("--time", default="")
    parser.add_argument("--pinned", default="")
    args = parser.parse_args(argv)
    print(report(Path(args.out), args.workers, users=args.users, time=args.time, pinned=args.pinned))


if __name__ == "__main__":
    main()
