"""Worker risk profiles (SPEC 3.2): gather the facts for many workers at once, score them
(``ohms_health.scoring``) and store the profiles.

Facts come from a fixed number of queries whatever the number of workers (medical
profiles, exposure aggregates, latest exams per type), so the nightly job and the
command scale with the mine. Every calculation saves the profile, which writes a history
row: the history is the trend chart.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ohms_core.models import Worker

from .. import scoring
from ..models import (
    Exposure,
    FitnessStatus,
    Incident,
    MedicalExamination,
    MedicalProfile,
    OccupationalDisease,
    RiskSettings,
    WorkerRiskProfile,
)
from .medical import exam_series

RECENT_DAYS = 365
CHUNK = 500


def risk_settings_for(organization) -> RiskSettings:
    """The organization's settings, or the seed defaults (unsaved) when it has none."""
    return RiskSettings.objects.filter(organization=organization).first() or RiskSettings(organization=organization)



def _years(since: date | None, on: date) -> int | None:
    if since is None:
        return None
    return on.year - since.year - ((on.month, on.day) < (since.month, since.day))


def gather_facts(workers, *, on: date | None = None) -> dict:
    """``{worker_id: WorkerFacts}`` for the given workers (one organization), in 6 queries
    (incidents, diseases and PPE checks included: ``services.ppe.worker_ppe_facts``)."""
    on = on or timezone.localdate()
    ids = [w.pk for w in workers]
    recent = on - timedelta(days=RECENT_DAYS)
    profiles = {p.worker_id: p for p in MedicalProfile.objects.filter(worker_id__in=ids).only(
        "worker_id", "fitness_status", "fitness_valid_until", "chronic_conditions", "allergies")}
    exposures = {row["worker_id"]: row for row in Exposure.objects.filter(worker_id__in=ids, measured_on__gte=recent,
                                                                           measured_on__lte=on)
                 .values("worker_id").annotate(n=Count("pk"), high=Count("pk", filter=Q(high_risk=True)))}
    # The latest exam of each series decides whether that series is overdue; pre-employment,
    # periodic and return-to-work exams are one series (a periodic exam renews the
    # pre-employment one), each other type (audiometry, spirometry...) its own.
    latest = {}
    for worker_id, exam_type, due in (MedicalExamination.objects.filter(worker_id__in=ids)
                                      .order_by("exam_date", "created_at")
                                      .values_list("worker_id", "exam_type", "next_due_date")):
        latest[(worker_id, exam_series(exam_type))] = due
    latest_due = latest
    overdue = defaultdict(int)
    for (worker_id, _exam_type), due in latest_due.items():
        if due is not None and due < on:
            overdue[worker_id] += 1
    incidents = incident_counts(ids, since=recent, on=on)
    diseases = disease_counts(ids, on=on)
    from .ppe import WorkerPPEFacts, worker_ppe_facts

    ppe = worker_ppe_facts(ids, on=on)  # one aggregate query for the batch
    facts = {}
    for worker in workers:
        profile = profiles.get(worker.pk)
        status = profile.fitness_status if profile else FitnessStatus.UNKNOWN
        if profile and profile.fitness_valid_until and profile.fitness_valid_until < on:
            status = FitnessStatus.UNKNOWN
        exposure = exposures.get(worker.pk, {})
        facts[worker.pk] = scoring.WorkerFacts(
            age=_years(worker.date_of_birth, on), fitness_status=status,
            chronic_conditions=bool(profile and profile.chronic_conditions.strip()),
            allergies=bool(profile and profile.allergies.strip()),
            recent_exposures=exposure.get("n", 0), years_employed=_years(worker.hire_date, on),
            high_risk_exposure=bool(exposure.get("high")), overdue_exams=overdue[worker.pk],
            recent_incidents=incidents.get(worker.pk, 0), occupational_diseases=diseases.get(worker.pk, 0),
            ppe_checks=ppe.get(worker.pk, WorkerPPEFacts()).checks,
            ppe_noncompliance=ppe.get(worker.pk, WorkerPPEFacts()).noncompliant,
        )
    return facts


def incident_counts(worker_ids, *, since: date, on: date) -> dict:
    """``{worker_id: incidents involving them from since to on (local days)}``, one aggregate
    query; soft-deleted incidents do not count."""
    through = Incident.workers.through
    start = timezone.make_aware(datetime.combine(since, time.min))
    end = timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))
    return dict(through.objects.filter(worker_id__in=worker_ids, incident__is_deleted=False,
                                       incident__occurred_at__gte=start, incident__occurred_at__lt=end)
                .values("worker_id").annotate(n=Count("incident_id", distinct=True)).values_list("worker_id", "n"))


def disease_counts(worker_ids, *, on: date) -> dict:
    """``{worker_id: occupational diseases diagnosed by on}``, one aggregate query."""
    return dict(OccupationalDisease.objects.filter(worker_id__in=worker_ids, is_occupational=True,
                                                   diagnosed_on__lte=on)
                .values("worker_id").annotate(n=Count("pk")).values_list("worker_id", "n"))


def _apply(profile: WorkerRiskProfile, result: scoring.Score, now) -> None:
    profile.health_risk_score = result.health
    profile.exposure_risk_score = result.exposure
    profile.compliance_risk_score = result.compliance
    profile.overall_risk_score = result.overall
    profile.risk_level = result.level
    profile.intervention_required = result.intervention_required
    profile.recommendation = result.recommendation
    profile.last_calculated_at = now


def calculate_profiles(*, organization, workers, user=None, on: date | None = None) -> list[WorkerRiskProfile]:
    """Create or recalculate the profiles of ``workers`` (all of ``organization``)."""
    workers = list(workers)
    if not workers:
        return []
    settings = risk_settings_for(organization)
    facts = gather_facts(workers, on=on)
    existing = {p.worker_id: p for p in WorkerRiskProfile.all_objects.filter(worker__in=[w.pk for w in workers])}
    now = timezone.now()
    saved = []
    with transaction.atomic():
        for worker in workers:
            profile = existing.get(worker.pk) or WorkerRiskProfile(worker=worker, organization=organization,
                                                                    created_by=user)
            profile.is_deleted, profile.deleted_at = False, None
            _apply(profile, scoring.score(facts[worker.pk], settings), now)
            profile._change_reason = "risk calculation"
            profile.save()
            profile.worker = worker
            saved.append(profile)
    bump_generation(organization)
    return saved


def calculate_profile(*, worker, user=None) -> WorkerRiskProfile:
    return calculate_profiles(organization=worker.organization, workers=[worker], user=user)[0]


def workers_to_calculate(*, organization=None, recalculate_all=False, worker_id=None, enterprise_id=None):
    """The workers the command (and job) handle: by default those without a profile."""
    workers = Worker.objects.filter(is_active=True).select_related("organization").order_by("organization_id", "pk")
    if organization is not None:
        workers = workers.filter(organization=organization)
    if worker_id:
        workers = workers.filter(pk=worker_id)
    if enterprise_id:
        workers = workers.filter(enterprise_id=enterprise_id)
    if not recalculate_all and not worker_id:
        workers = workers.exclude(pk__in=WorkerRiskProfile.objects.values("worker_id"))
    return workers


def calculate_many(workers, *, progress=None) -> int:
    """Calculate in chunks per organization; ``progress(done, total)`` after each chunk."""
    total = workers.count()
    done = 0
    batch = []

    def flush():
        nonlocal done, batch
        if batch:
            calculate_profiles(organization=batch[0].organization, workers=batch)
            done += len(batch)
            batch = []
            if progress:
                progress(done, total)

    for worker in workers.iterator(chunk_size=CHUNK):
        if batch and (len(batch) >= CHUNK or batch[0].organization_id != worker.organization_id):
            flush()
        batch.append(worker)
    flush()
    return done


# --- cache of the high-risk list (SPEC 3.2: 1 h), invalidated by any calculation ------------

def _generation_key(organization) -> str:
    return f"ohms_health:risk-generation:{organization.pk}"


def generation(organization) -> int:
    return cache.get_or_set(_generation_key(organization), 1, timeout=None)


def bump_generation(organization) -> None:
    try:
        cache.incr(_generation_key(organization))
    except ValueError:
        cache.set(_generation_key(organization), 2, timeout=None)
