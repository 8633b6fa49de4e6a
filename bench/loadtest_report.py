"""Markdown tables of a ``scripts/loadtest.sh`` run: for each pace (the users' wait between tasks)
and web worker count, per endpoint: requests/s, p50/p95/p99 (ms), errors and database queries per
request (median of ``X-OHMS-Queries``); then, per pace, the throughput of each worker count against
one worker (the scale-out factor; the capacity run, users waiting 0 s, is the one that measures it).

    python bench/loadtest_report.py var/loadtest/<stamp> --workers 1 2 --paces 1-3 0 --users 50 --time 2m
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


def _table(out: Path, tag: str, title: str) -> tuple[list[str], float | None]:
    stats_file = out / f"{tag}_stats.csv"
    if not stats_file.exists():
        return [f"**{title}**: no locust results ({stats_file.name} missing).", ""], None
    queries_file = out / f"queries-{tag}.json"
    queries = json.loads(queries_file.read_text()) if queries_file.exists() else {}
    lines = [f"**{title}**", "",
             "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors | queries/request |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    total = None
    for row in read_stats(stats_file):
        name = f"{row['Type']} {row['Name']}".strip()
        if row["Name"] == "Aggregated":
            total = float(row["Requests/s"])
            name = "**all**"
        counts = queries.get(name, [])
        lines.append(f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.1f} | {row['50%']} | "
                     f"{row['95%']} | {row['99%']} | {row['Failure Count']} | "
                     f"{statistics.median(counts) if counts else ''} |")
    return lines + [""], total


def report(out: Path, workers: list[str], *, paces: list[str] = ("1-3",), users: str = "", time: str = "",
           pinned: str = "") -> str:
    lines = [f"Load test: {users} users for {time}; {pinned}.", ""]
    for pace in paces:
        wait = "no wait (capacity run)" if pace in ("0", "0-0") else f"waiting {pace} s between tasks"
        totals = {}
        for count in workers:
            table, total = _table(out, f"wait{pace}-w{count}", f"{count} web worker(s), users {wait}")
            lines += table
            if total is not None:
                totals[count] = total
        base = totals.get(workers[0]) if workers else None
        factors = ", ".join(f"{c} workers: {totals[c] / base:.2f}x" for c in workers[1:] if c in totals and base)
        if factors:
            lines += [f"Throughput against {workers[0]} worker, users {wait}: {factors}.", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--workers", nargs="+", default=["1", "2"])
    parser.add_argument("--paces", nargs="+", default=["1-3"])
    parser.add_argument("--users", default="")
    parser.add_argument("--time", default="")
    parser.add_argument("--pinned", default="")
    args = parser.parse_args(argv)
    print(report(Path(args.out), args.workers, paces=args.paces, users=args.users, time=args.time,
                 pinned=args.pinned), end="")


if __name__ == "__main__":
    main()
