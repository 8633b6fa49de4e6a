"""Permit-to-work objects for the cross-tenant route matrix (``ohms_core.testing_routes``).

Objects are written straight to the database: the matrix needs rows to aim at, not the
use cases (those have their own tests), so the factories never depend on services.
"""
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import Worker
from ohms_core.testing_routes import register_factory, register_kwarg, register_route_model

from .models import (
    CloseoutChecklistTemplate,
    DigitalSignature,
    EscalationRule,
    ExportLogEntry,
    GasReading,
    IsolationPointLibrary,
    LotoLog,
    LotoProcedure,
    Permit,
    PermitAudit,
    PermitCloseout,
    PermitExtension,
    PermitHazard,
    PermitIsolationPoint,
    PermitPhoto,
    PermitType,
    PermitWorker,
    RiskMatrix,
    WorkflowInstance,
    WorkflowStep,
)


def _permit(w):
    start = timezone.now() + timedelta(hours=1)
    return Permit.objects.create(
        organization=w.org, project=w.project, permit_type=w.get(PermitType), permit_number=f"MX-{w.seq()}",
        title="Matrix permit", location="Cuve", planned_start_time=start, planned_end_time=start + timedelta(hours=4))


def _photo(w):
    photo = PermitPhoto(organization=w.org, permit=w.get(Permit), taken_at=timezone.now())
    photo.file.save("matrix.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    photo.save()
    return photo


def _permit_with_certificate(w):
    """A permit with an isolation certificate, so its download route serves something."""
    permit = _permit(w)
    permit.isolation_certificate.save("certificat.pdf", ContentFile(b"%PDF isolation"), save=True)
    return permit


def _loto_log(w):
    log = LotoLog(organization=w.org, permit=w.get(Permit), action="active")
    log.photo.save("cadenas.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    log.save()
    return log


def _step(w):
    workflow = w.get(WorkflowInstance)
    return WorkflowStep.objects.create(organization=w.org, workflow=workflow, step_type="verification",
                                       assignee=w.admin, assigned_at=timezone.now())


def _point_of_permit(obj, w):
    return w.get(PermitIsolationPoint).pk


register_factory(PermitType, lambda w: PermitType.objects.create(organization=w.org, name=f"Type {w.seq()}", code=f"T{w.seq()}"))
register_factory(RiskMatrix, lambda w: RiskMatrix.objects.create(organization=w.org, name=f"Matrice {w.seq()}"))
register_factory(CloseoutChecklistTemplate, lambda w: CloseoutChecklistTemplate.objects.create(
    organization=w.org, permit_type=w.get(PermitType), name="Clôture", items=[]))
register_factory(IsolationPointLibrary, lambda w: IsolationPointLibrary.objects.create(
    organization=w.org, project=w.project, point_code=f"MCC-{w.seq()}", asset_tag="A", point_type="breaker",
    energy_type="electrical", location="Salle"))
register_factory(LotoProcedure, lambda w: LotoProcedure.objects.create(
    organization=w.org, project=w.project, asset_tag=f"A{w.seq()}", name="Procédure"))
register_factory(Permit, _permit_with_certificate)
register_factory(PermitHazard, lambda w: PermitHazard.objects.create(organization=w.org, permit=w.get(Permit), hazard="H2S"))
register_factory(PermitWorker, lambda w: PermitWorker.objects.create(
    organization=w.org, permit=w.get(Permit), worker=w.get(Worker) or testing.make_worker(w.org)))
register_factory(GasReading, lambda w: GasReading.objects.create(
    organization=w.org, permit=w.get(Permit), gas="O2", value=20.9, tested_at=timezone.now()))
register_factory(DigitalSignature, lambda w: DigitalSignature.objects.create(
    organization=w.org, permit=w.get(Permit), signatory=w.admin, meaning="issuer", signed_at=timezone.now(),
    permit_version=1, content_hash="0" * 64))
register_factory(PermitPhoto, _photo)
register_factory(PermitAudit, lambda w: PermitAudit.objects.create(organization=w.org, permit=w.get(Permit), action="matrix"))
register_factory(PermitIsolationPoint, lambda w: PermitIsolationPoint.objects.create(
    organization=w.org, permit=w.get(Permit), point=w.get(IsolationPointLibrary)))
register_factory(LotoLog, _loto_log)  # with a photo: its download route serves a file
register_factory(WorkflowInstance, lambda w: WorkflowInstance.objects.create(
    organization=w.org, permit=w.get(Permit), started_at=timezone.now()))
register_factory(WorkflowStep, _step)
register_factory(PermitExtension, lambda w: PermitExtension.objects.create(
    organization=w.org, permit=w.get(Permit), previous_end_time=timezone.now(),
    new_end_time=timezone.now() + timedelta(hours=8), reason="matrix"))
register_factory(PermitCloseout, lambda w: PermitCloseout.objects.create(
    organization=w.org, permit=w.get(Permit), template=w.get(CloseoutChecklistTemplate)))
register_factory(EscalationRule, lambda w: EscalationRule.objects.create(
    organization=w.org, permit_type=w.get(PermitType), time_limit_hours=2))
register_kwarg("point_pk", _point_of_permit)
register_kwarg("action", lambda obj, w: "verify")
register_route_model("ohms_ptw_task_decide", WorkflowStep)  # the task console's quick action (a function view)
# The bulk-export counter has no route of its own (built only when a check asks for one).
# GET /api/v1/ptw/health/ has no object in its path: the matrix calls it like every list
# route (no 500, no id of another organization in the answer); its own cross-organization
# tests are in ohms_ptw/tests/test_health_endpoint.py.
register_factory(ExportLogEntry, lambda w: ExportLogEntry.objects.create(organization=w.org, user=w.admin, kind="xlsx",
                                                                         permit_count=1))
register_kwarg("log_pk", lambda obj, w: w.get(LotoLog).pk)  # admin LOTO photo upload (issue 9, offline/LOTO)
