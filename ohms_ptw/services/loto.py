"""LOTO evidence and procedures (SPEC 2.7, issue 9).

* A LOTO log entry (written when a point is isolated or its locks come off) takes a photo
  of the locks: through ``photos.photo_fingerprint``, the one image check and hash every PTW
  photo goes through. The same photo sent again is the same evidence (200, nothing stored
  twice); a different photo never replaces the evidence (409).
* A LOTO procedure chosen for a permit copies its steps and its library points into the
  permit's isolation record (``PermitIsolationPoint.isolation_steps``); the copy is then the
  permit's own and stays editable (``isolation_steps_update``) without touching the procedure.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ohms_core.context import get_context
from ohms_core.exceptions import ConflictError, NotAllowedError
from ohms_core.services.records import record_update

from .. import gates
from .. import permissions as perms
from ..models import LotoLog, PermitIsolationPoint
from .audit import permit_audit
from .isolation import isolation_assign
from .offline import Submitted
from .photos import photo_fingerprint
from .rules import refuse_if


def loto_log_photo_attach(*, log: LotoLog, upload, user) -> Submitted:
    """Attach the lock photo to a LOTO log entry. The one who logged it, or anyone who may
    isolate on the permit, may attach it while the permit is open."""
    content_hash = photo_fingerprint(upload, field="photo")
    with transaction.atomic():
        locked = LotoLog.objects.select_for_update().select_related("permit").get(pk=log.pk)
        if locked.photo and locked.photo_hash == content_hash:
            return Submitted(locked, created=False)  # a retry: the same evidence
        permit = locked.permit
        if not (locked.user_id == user.pk or perms.user_may_isolate(permit, user, get_context().role)):
            raise NotAllowedError(_("Only the person who logged the locks, the issuer, the area in-charge, the verifier "
                                    "or a safety manager can attach the LOTO photo."))
        if locked.photo:
            raise ConflictError(_("This LOTO log entry already has its photo evidence; evidence is never replaced."),
                                code="loto_photo_exists")
        refuse_if(gates.permit_open_gate(permit))
        same = (LotoLog.objects.filter(permit_id=permit.pk, photo_hash=content_hash).exclude(photo="")
                .exclude(pk=locked.pk).only("photo").first())
        if same is not None:
            locked.photo.name = same.photo.name  # the same bytes are stored once
        else:
            locked.photo.save(upload.name or "loto.jpg", upload, save=False)
        locked.photo_hash = content_hash
        locked.save(update_fields=["photo", "photo_hash"])
        permit_audit(permit=permit, action="loto_photo_added", user=user,
                     data={"loto_log": str(locked.pk), "photo_hash": content_hash})
    return Submitted(locked, created=True)


def loto_procedure_apply(*, permit, procedure, user) -> list[PermitIsolationPoint]:
    """Assign the procedure's library points to the permit, each with the procedure's steps
    (a procedure without points becomes one custom point named after its asset). Points
    already on the permit are left as they are; nothing new to add is a 400."""
    refuse_if(gates.permit_open_gate(permit))
    if procedure.organization_id != permit.organization_id or (procedure.project_id and procedure.project_id != permit.project_id):
        raise ValidationError({"loto_procedure_id": [_("This LOTO procedure is not available for the permit's project.")]})
    library_points = [p for p in procedure.points.filter(is_active=True).order_by("point_code")
                      if p.project_id in (None, permit.project_id)]
    taken = set(permit.isolation_points.filter(point__isnull=False).values_list("point_id", flat=True))
    order = (permit.isolation_points.count() or 0)
    created = []
    with transaction.atomic():
        if not library_points:
            created.append(isolation_assign(permit=permit, user=user, custom_point_name=f"{procedure.asset_tag} — {procedure.name}"[:200],
                                            loto_procedure=procedure, order=order))
        for offset, point in enumerate(p for p in library_points if p.pk not in taken):
            created.append(isolation_assign(permit=permit, user=user, library_point=point, loto_procedure=procedure,
                                            order=order + offset))
        if not created:
            raise ValidationError({"loto_procedure_id": [_("Every point of this procedure is already on the permit.")]})
        permit_audit(permit=permit, action="loto_procedure_applied", user=user,
                     data={"procedure": str(procedure.pk), "asset_tag": procedure.asset_tag, "points": len(created)})
    return created


def isolation_steps_update(*, permit, point: PermitIsolationPoint, steps: str, user, expected_version=None) -> PermitIsolationPoint:
    """Edit the steps copied onto one point of this permit (the procedure is not changed)."""
    if point.permit_id != permit.pk:
        raise ValidationError({"permit_isolation_point_id": [_("This point belongs to another permit.")]})
    refuse_if(gates.permit_open_gate(permit))
    if not perms.user_may_assign_points(permit, user, get_context().role):
        raise NotAllowedError(_("Only the requester, the issuer, the area in-charge or a safety manager can change isolation steps."))
    with transaction.atomic():
        updated = record_update(instance=point, data={"isolation_steps": (steps or "").strip()},
                                expected_version=expected_version, user=user)
        permit_audit(permit=permit, action="isolation_steps_updated", user=user, data={"point": str(updated)})
    return updated
