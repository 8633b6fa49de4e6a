"""Reads: scoped querysets, the competency answer, the training matrix (few queries)."""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from ohms_core.context import get_context
from ohms_core.roles import Role

from .models import Certificate, TrainingModule
from .states import CertificateState

#: A valid certificate expiring within this many days shows as "expiring" on the matrix.
EXPIRING_DAYS = 30


def own_rows_only(queryset, *, worker_path: str = "worker", role: str | None = None, user=None):
    """A worker (role) reads only their own progress and certificates; other roles read all
    rows of the organization (already scoped by core)."""
    ctx = get_context()
    role = role if role is not None else ctx.role
    user = user if user is not None else ctx.user
    if role == Role.WORKER and not getattr(user, "is_superuser", False):
        return queryset.filter(**{f"{worker_path}__user_id": getattr(user, "pk", None)})
    return queryset


def valid_certificates(*, now=None):
    """Certificates that count: not expired."""
    return Certificate.objects.filter(expires_at__gt=now or timezone.now())


def missing_modules(worker, module_ids, *, now=None) -> list[str]:
    """Titles of the modules of ``module_ids`` the worker holds no valid certificate for (2 queries)."""
    if not module_ids:
        return []
    modules = dict(TrainingModule.all_objects.filter(pk__in=list(module_ids), organization_id=worker.organization_id)
                   .values_list("pk", "title"))
    held = set(valid_certificates(now=now).filter(worker_id=worker.pk, module_id__in=list(modules))
               .values_list("module_id", flat=True))
    return [modules[pk] for pk in sorted(modules, key=lambda pk: modules[pk].lower()) if pk not in held]


def certificate_state(expires_at, *, now=None) -> str:
    now = now or timezone.now()
    if expires_at is None:
        return CertificateState.MISSING
    if expires_at <= now:
        return CertificateState.EXPIRED
    if expires_at <= now + timedelta(days=EXPIRING_DAYS):
        return CertificateState.EXPIRING
    return CertificateState.VALID


def training_matrix(*, workers, modules, now=None) -> list[dict]:
    """Workers x modules: per cell the state of the worker's latest certificate (valid,
    expiring, expired, missing) and its expiry. Three queries whatever the number of rows:
    workers, modules and one aggregate of the latest expiry per (worker, module)."""
    now = now or timezone.now()
    if hasattr(workers, "query") and not workers.query.is_sliced:
        workers = workers.select_related("contact", "enterprise")
    workers = list(workers)
    modules = list(modules)
    latest = {}
    if workers and modules:
        rows = (Certificate.objects.filter(worker_id__in=[w.pk for w in workers], module_id__in=[m.pk for m in modules])
                .values("worker_id", "module_id").annotate(latest=Max("expires_at")))
        latest = {(r["worker_id"], r["module_id"]): r["latest"] for r in rows}
    matrix = []
    for worker in workers:
        cells = []
        for module in modules:
            expires_at = latest.get((worker.pk, module.pk))
            state = certificate_state(expires_at, now=now)
            cells.append({"module": module, "expires_at": expires_at, "state": state,
                          "label": CertificateState(state).label})
        matrix.append({"worker": worker, "cells": cells})
    return matrix


def workers_for_assignment(*, organization, enterprise=None, site=None, job_title: str = "", permit_type=None):
    """Active workers selected for a bulk assignment: by enterprise, site, job title (exact,
    case-insensitive) or by having worked on permits of a permit type (when the permit-to-work
    add-on is installed; read through the app registry, never imported)."""
    from django.apps import apps

    from ohms_core.models import Worker

    workers = Worker.objects.filter(organization=organization, is_active=True)
    if enterprise is not None:
        workers = workers.filter(enterprise=enterprise)
    if site is not None:
        workers = workers.filter(site=site)
    if job_title:
        workers = workers.filter(job_title__iexact=job_title.strip())
    if permit_type is not None and apps.is_installed("ohms_ptw"):
        PermitWorker = apps.get_model("ohms_ptw", "PermitWorker")
        workers = workers.filter(pk__in=PermitWorker.objects.filter(permit__permit_type=permit_type)
                                 .values("worker_id"))
    return workers.select_related("contact").order_by("employee_number")


# --- visitor induction ----------------------------------------------------------------------
def site_induction_for(site_id):
    """The site's active induction requirement (None: visitors of the site take no quiz)."""
    from .models import SiteVisitorInduction

    if site_id is None:
        return None
    return (SiteVisitorInduction.objects.filter(site_id=site_id, is_active=True)
            .select_related("module", "translated_module", "organization").first())


def induction_quiz(module):
    """The quiz a visitor takes for ``module`` (its first one, as for workers)."""
    from .models import TrainingQuiz

    return TrainingQuiz.objects.filter(module=module).order_by("created_at").first()


def induction_quiz_for_language(requirement, language: str | None):
    """(module, quiz) in the visitor's language when the requirement has it, else the first module's."""
    modules = requirement.modules()
    module = next((m for m in modules if language and m.language == language), modules[0])
    return module, induction_quiz(module)


def visitor_induction_status(invite, requirement, *, now=None) -> dict:
    """{"passed", "used", "allowed"} for the invitation: passed when this invitation has a
    passing attempt (valid for the visit), or the same person (ID number) passed one of the
    requirement's modules and the pass is still within the module's validity. Three queries."""
    from django.db.models import Q

    from .models import TrainingQuiz, VisitorInductionAttempt

    now = now or timezone.now()
    module_ids = [m.pk for m in requirement.modules()]
    attempts = VisitorInductionAttempt.objects.filter(organization_id=requirement.organization_id,
                                                      quiz__module_id__in=module_ids)
    same_person = Q(invite_id=invite.pk)
    id_number = (getattr(invite, "visitor_id_number", "") or "").strip()
    if id_number:
        same_person |= Q(visitor_id_number=id_number, valid_until__gt=now)
    passed = attempts.filter(same_person, passed=True).exists()
    used = attempts.filter(invite_id=invite.pk).count()
    allowed = max(TrainingQuiz.objects.filter(module_id__in=module_ids).values_list("max_attempts", flat=True),
                  default=1)
    return {"passed": passed, "used": used, "allowed": allowed}
