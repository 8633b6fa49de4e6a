"""Permits at mine scale, fast: shared by ``ohms_demo --scale`` and ``bench/ptw_bench.py``.

Thousands of permits cannot go through the services one by one (signals, history, audit,
events: hours, not minutes), so they are written with ``bulk_create`` in batches, with what
each state implies already in place: the workflow and its verification/approval steps once
submitted, the gas readings of types that need gas testing, the isolation points of types
that need structured isolation (verified once approved), two workers per permit, and a
completed closeout for completed permits. The status mix (``status_of``) is that of a
year on a real site: a handful waiting for a decision, a tenth in draft, a fifth at work,
half completed. No events are emitted: the scaled data is history, not news.
"""
from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

GASES = ("O2", "LEL", "H2S", "CO")
BATCH = 2000
LIVE = ("approved", "active", "suspended")
#: The library points each scaled organization gets: (code, asset, type, energy, location).
#: Forty, so live permits share a point now and then (SIMOPS shows) but not by the hundred.
SCALE_POINTS = [(f"MCC-{k:02d}", f"MOT-{k:02d}", "breaker", "electrical", "Salle MCC concentrateur") for k in range(1, 21)] + [
    (f"V-{100 + k}", f"CUVE-T{k:02d}", "valve", "hydraulic", f"Cuve de lixiviation T-{k:02d}") for k in range(1, 21)]


#: Statuses before the workflow starts (no steps, no readings yet).
UNSTARTED = ("draft", "submitted", "obsolete")
#: Statuses with the approval step still open.
AWAITING_APPROVAL = ("pending_approval", "under_review")


def status_of(n: int, *, every_state: bool = False) -> str:
    """A realistic mix per 1,000 permits: a handful waiting for a decision, a tenth in draft,
    a fifth at work, half completed, the rest closed otherwise. ``every_state`` (the demo):
    one in a thousand also submitted, under review and obsolete, so every state shows."""
    k = n % 1000
    if every_state and k in (2, 3, 999):
        return {2: "submitted", 3: "under_review", 999: "obsolete"}[k]
    if k == 0:
        return "pending_verification"
    if k == 1:
        return "pending_approval"
    for limit, status in ((100, "draft"), (150, "approved"), (300, "active"), (320, "suspended"),
                          (820, "completed"), (900, "cancelled"), (960, "expired")):
        if k < limit:
            return status
    return "rejected"


def bulk_permits(*, organization, total: int, permit_types, projects, points, workers, people: dict,
                 number_prefix: str, batch: int = BATCH, live_recent: bool = False, every_state: bool = False,
                 progress=None) -> dict:
    """Write ``total`` permits of ``organization`` with their children; return the row counts.

    ``people``: the users named on each permit (``requester``, ``verifier``, ``approver``,
    ``issuer``, ``area``: three different people, as segregation of duties asks). Types,
    projects, library points and workers are used in turn. ``live_recent``: approved, active
    and suspended permits started in the last hours and end within the type's validity (the
    demo); otherwise they keep the benchmark's spread over the year (its measurements were
    taken on that shape). ``every_state``: see ``status_of``."""
    from django.db import transaction
    from django.utils import timezone

    from ohms_ptw.models import (
        CloseoutChecklistTemplate,
        GasReading,
        Permit,
        PermitCloseout,
        PermitIsolationPoint,
        PermitWorker,
        WorkflowInstance,
        WorkflowStep,
    )

    now = timezone.now()
    span = timedelta(days=365)
    permit_types, projects, points, workers = list(permit_types), list(projects), list(points), list(workers)
    templates = {t.permit_type_id: t for t in CloseoutChecklistTemplate.objects.filter(
        organization=organization, permit_type__in=permit_types, is_active=True)}
    counts = dict.fromkeys(("permits", "gas_readings", "isolation_points", "workers", "workflow_steps", "closeouts"), 0)
    requester, verifier, approver = people["requester"], people["verifier"], people["approver"]
    issuer, area = people["issuer"], people["area"]
    for start in range(0, total, batch):
        rows, gas, isolation, crew, flows, steps, closeouts = [], [], [], [], [], [], []
        for n in range(start, min(start + batch, total)):
            status = status_of(n, every_state=every_state)
            permit_type = permit_types[n % len(permit_types)]
            pending = status in ("pending_verification", "submitted", *AWAITING_APPROVAL)
            # Pending permits are recent (a site has a few dozen waiting, not thousands):
            # some past the 4-hour escalation limit, most not.
            if pending:
                created = now - timedelta(hours=1 + n % 12)
            elif live_recent and status in LIVE:
                created = now - timedelta(hours=2 + n % 5)
            else:
                created = now - span * (1 - n / max(total, 1))
            start_time = created + timedelta(hours=2)
            if status not in LIVE:
                end_time = start_time + timedelta(hours=8)
            elif live_recent:
                end_time = start_time + timedelta(hours=min(8 + n % 4, permit_type.max_validity_hours or 8))
            else:
                end_time = now + timedelta(hours=1 + n % 72)
            permit = Permit(
                organization=organization, permit_number=f"{number_prefix}-{n:07d}", title=f"Travaux {n % 97}",
                description="Bench permit", permit_type=permit_type, project=projects[n % len(projects)],
                # Live demo permits each hold their own spot: types that block overlapping work
                # at one location (SIMOPS) must still let them be suspended and resumed.
                location=f"Zone {n % 50} — poste {n}" if live_recent and status in LIVE else f"Zone {n % 50}",
                priority=("low", "medium", "high", "urgent")[n % 4],
                likelihood=1 + n % 5, severity=1 + n % 3, risk_score=(1 + n % 5) * (1 + n % 3),
                risk_level=("low", "medium", "high")[n % 3], planned_start_time=start_time, planned_end_time=end_time,
                status=status, created_at=created, created_by=requester, verifier=verifier, approver=approver,
                issuer=issuer, area_incharge=area, ppe_requirements=list(permit_type.mandatory_ppe or ["Casque", "Harnais"]),
                safety_checklist={i["key"]: True for i in permit_type.safety_checklist_items or []}
                or {"area_barricaded": True},
                submitted_at=None if status in ("draft", "obsolete") else created + timedelta(minutes=10),
                verified_at=None if status in (*UNSTARTED, "pending_verification") else created + timedelta(minutes=40),
                approved_at=None if status in (*UNSTARTED, "pending_verification", *AWAITING_APPROVAL, "rejected")
                else created + timedelta(hours=1),
                completed_at=end_time if status == "completed" else None,
            )
            rows.append(permit)
            if permit_type.requires_structured_isolation and points:
                isolation.append(PermitIsolationPoint(organization=organization, permit=permit,
                                                      point=points[n % len(points)],
                                                      status="assigned" if status in UNSTARTED or pending
                                                      else "verified"))
            crew += [PermitWorker(organization=organization, permit=permit, worker=workers[(n + k) % len(workers)],
                                  role="Opérateur") for k in range(2)]
            if status in UNSTARTED:
                continue
            if permit_type.requires_gas_testing:
                gas += [GasReading(organization=organization, permit=permit, gas=g,
                                   value=Decimal("20.9") if g == "O2" else Decimal(0), unit="%", safe=True,
                                   tested_by=issuer, tested_at=created + timedelta(minutes=30)) for g in GASES]
            flow = WorkflowInstance(organization=organization, permit=permit, started_at=created + timedelta(minutes=10),
                                    state="active" if pending else "completed")
            flows.append(flow)
            verify_done = status != "pending_verification"
            steps.append(WorkflowStep(organization=organization, workflow=flow, step_type="verification", order=1,
                                      assignee=verifier, status="approved" if verify_done else "pending",
                                      assigned_at=created + timedelta(minutes=10),
                                      completed_at=created + timedelta(minutes=40) if verify_done else None))
            if verify_done:
                approval_done = status not in AWAITING_APPROVAL
                steps.append(WorkflowStep(organization=organization, workflow=flow, step_type="approval", order=2,
                                          assignee=approver,
                                          status=("rejected" if status == "rejected" else "approved") if approval_done
                                          else "pending",
                                          assigned_at=created + timedelta(minutes=40),
                                          completed_at=created + timedelta(hours=1) if approval_done else None))
            template = templates.get(permit_type.pk)
            if status == "completed" and template is not None:
                closeouts.append(PermitCloseout(
                    organization=organization, permit=permit, template=template,
                    checklist={i["key"]: True for i in template.items}, completed=True, completed_at=end_time,
                    completed_by=issuer))
        with transaction.atomic():
            Permit.objects.bulk_create(rows, batch_size=500)
            GasReading.objects.bulk_create(gas, batch_size=1000)
            PermitIsolationPoint.objects.bulk_create(isolation, batch_size=1000)
            PermitWorker.objects.bulk_create(crew, batch_size=1000)
            WorkflowInstance.objects.bulk_create(flows, batch_size=1000)
            WorkflowStep.objects.bulk_create(steps, batch_size=1000)
            PermitCloseout.objects.bulk_create(closeouts, batch_size=1000)
        counts["permits"] += len(rows)
        counts["gas_readings"] += len(gas)
        counts["isolation_points"] += len(isolation)
        counts["workers"] += len(crew)
        counts["workflow_steps"] += len(steps)
        counts["closeouts"] += len(closeouts)
        if progress and (start // batch) % 10 == 9:
            progress(f"  {organization.code}: {start + len(rows)} / {total} permits")
    return counts


def load(*, organization, user, people: dict, workers, size: dict, progress=None) -> str:
    """``ohms_demo --scale`` hook (manifest ``demo_scale``): the isolation library and
    ``size["permits"]`` permits of the scaled organization. Its permit types, closeout
    templates and risk matrix come from the organization's setup (created with it)."""
    from ohms_ptw.models import IsolationPointLibrary, Permit, PermitType
    from ohms_ptw.services.setup import permit_types_load_defaults

    if Permit.objects.filter(organization=organization).exists():
        return f"PTW: permits already present in {organization.code}; nothing to do."
    started = time.perf_counter()
    permit_types_load_defaults(organization=organization, user=user)  # idempotent; the setup ran it
    points = IsolationPointLibrary.objects.bulk_create(IsolationPointLibrary(
        organization=organization, project=None, point_code=code, asset_tag=asset, point_type=kind,
        energy_type=energy, location=location, isolation_method="Ouvrir, cadenasser, étiqueter", default_lock_count=1,
        created_by=user) for code, asset, kind, energy, location in SCALE_POINTS)
    from ohms_core.models import Project

    projects = list(Project.objects.filter(organization=organization).order_by("code"))
    types = list(PermitType.objects.filter(organization=organization, is_active=True).order_by("code"))
    counts = bulk_permits(organization=organization, total=size["permits"], permit_types=types, projects=projects,
                          points=points, workers=workers, people=people, number_prefix=f"PTW-{organization.code}",
                          live_recent=True, every_state=True, progress=progress)
    seconds = time.perf_counter() - started
    summary = ", ".join(f"{k} {v}" for k, v in counts.items())
    return f"PTW: {summary} in {seconds:.1f} s."

