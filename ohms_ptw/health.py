"""Reads behind ``GET /api/v1/ptw/health/`` (SPEC 5.4): is the permit machinery healthy?

Each figure comes from the place that already defines it, never from a copy of a rule:

- ``workflow``: the KPI overdue definitions (``kpis.overdue_verification_q`` and
  ``kpis.overdue_approval_q``), so the health page, the dashboard card and the filtered
  permit list always agree; one aggregate query over the caller's scoped permits.
- ``exports``: the bulk-export counter (``ExportLogEntry``) of the caller's organization.
- ``jobs``: core's ``JobRun`` rows of the PTW periodic jobs (system runs, and runs made
  for this organization), two queries whatever the number of runs or jobs.
- ``sync``: core's offline-sync ledger (``AppliedOfflineChange``: changes applied) and run
  log (``SyncRunLog``: conflicts and rejections), for the caller's organization.
"""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from ohms_core import jobs as core_jobs
from ohms_core.models import JobRun

from .kpis import overdue_approval_q, overdue_verification_q
from .models import ExportLogEntry

ADDON = "ohms_ptw"
WINDOW = timedelta(hours=24)


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def ptw_job_names() -> list[str]:
    """The PTW periodic jobs, in name order (whatever ``tasks.py`` registers)."""
    return [job.name for job in core_jobs.jobs() if job.addon == ADDON]


def sync_health(*, organization, since) -> dict:
    """Offline-sync figures of the last 24 hours for the organization (two queries): changes
    applied from the idempotency ledger (a replayed repeat is not counted twice), conflicts
    and rejections from the run log."""
    from django.db.models import Sum
    from django.db.models.functions import Coalesce

    from ohms_core.models import AppliedOfflineChange, SyncRunLog

    runs = SyncRunLog.objects.for_organization(organization).filter(started_at__gte=since).aggregate(
        conflicts=Coalesce(Sum("conflict_count"), 0), rejected=Coalesce(Sum("rejected_count"), 0))
    applied = AppliedOfflineChange.objects.for_organization(organization).filter(applied_at__gte=since).count()
    return {"conflicts_last_24h": runs["conflicts"], "applied_last_24h": applied, "rejected_last_24h": runs["rejected"]}


def exports_health(*, organization, since) -> dict:
    return {"bulk_exports_last_24h": ExportLogEntry.objects.for_organization(organization)
            .filter(created_at__gte=since).count()}


def workflow_health(permits, *, now) -> dict:
    """``permits``: already scoped to the caller (organization and projects)."""
    return permits.order_by().aggregate(overdue_verification=Count("pk", filter=overdue_verification_q(now)),
                                        overdue_approval=Count("pk", filter=overdue_approval_q(now)))


def jobs_health(*, organization, names=None) -> list[dict]:
    """One entry per PTW job: when it last ran and last succeeded, the error and duration of
    its last run (``last_error`` is ``null`` when the last run succeeded). A job that never
    ran has ``null`` everywhere. Two queries: the per-job maxima, then the last runs."""
    names = ptw_job_names() if names is None else names
    runs = JobRun.objects.filter(name__in=names).filter(Q(organization__isnull=True) | Q(organization=organization))
    summary = {row["name"]: row for row in runs.order_by().values("name").annotate(
        last_run_at=Max("started_at"), last_success_at=Max("finished_at", filter=Q(success=True)))}
    latest: dict[str, JobRun] = {}
    if summary:
        last = Q()
        for name, row in summary.items():
            last |= Q(name=name, started_at=row["last_run_at"])
        for run in runs.filter(last).order_by("-pk").only("name", "success", "error", "duration_ms"):
            latest.setdefault(run.name, run)
    entries = []
    for name in names:
        row, run = summary.get(name, {}), latest.get(name)
        entries.append({
            "name": name,
            "last_run_at": _iso(row.get("last_run_at")),
            "last_success_at": _iso(row.get("last_success_at")),
            "last_error": (run.error or None) if run is not None and run.success is False else None,
            "last_duration_ms": run.duration_ms if run is not None else None,
        })
    return entries


def ptw_health(*, organization, permits, now=None) -> dict:
    """The SPEC 5.4 payload (JSON-ready)."""
    now = now or timezone.now()
    since = now - WINDOW
    return {
        "as_of": _iso(now),
        "sync": sync_health(organization=organization, since=since),
        "exports": exports_health(organization=organization, since=since),
        "workflow": workflow_health(permits, now=now),
        "jobs": jobs_health(organization=organization),
    }


__all__ = ["exports_health", "jobs_health", "ptw_health", "ptw_job_names", "sync_health", "workflow_health"]
