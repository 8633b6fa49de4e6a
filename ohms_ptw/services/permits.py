"""Permit use cases: create, update, hazards.

The other use cases have their own module: ``workflow`` (transitions and workflow steps),
``gas``, ``extensions``, ``signatures``, ``crew``, ``photos``, ``isolation``, ``closeout``.
Blocking rules come from ``ohms_ptw.gates``; every write goes through the record services
(``record_create`` / ``record_update``) so it has its audit row.
"""
from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ohms_core import events
from ohms_core.services.records import record_create, record_update

from .. import gates
from ..models import Permit, PermitHazard, RiskMatrix
from .audit import permit_audit
from .numbering import permit_number_next
from .rules import refuse_if
from .workflow import reassign_pending_step

EDITABLE_STATUSES = gates.EDITABLE_STATUSES


def _risk(permit, organization):
    matrix = permit.risk_matrix or RiskMatrix.objects.filter(organization=organization, is_active=True).order_by("-is_default", "created_at").first()
    if matrix is not None:
        permit.risk_matrix = matrix
        permit.risk_level = matrix.level_for(permit.likelihood, permit.severity)
    permit.risk_score = int(permit.likelihood) * int(permit.severity)


def _validate_times(data, permit_type):
    start, end = data.get("planned_start_time"), data.get("planned_end_time")
    if start and end:
        if end <= start:
            raise ValidationError({"planned_end_time": [_("The end must be after the start.")]})
        if permit_type and end - start > timedelta(hours=permit_type.max_validity_hours):
            raise ValidationError({"planned_end_time": [_("A %(type)s permit is valid %(h)s hours at most.")
                                                        % {"type": permit_type.name, "h": permit_type.max_validity_hours}]})


def permit_create(*, organization, data: dict, user) -> Permit:
    data = dict(data)
    permit_type = data.get("permit_type")
    _validate_times(data, permit_type)
    if permit_type is not None and permit_type.requires_isolation:
        data.setdefault("requires_isolation", True)
    with transaction.atomic():
        data["permit_number"] = permit_number_next(organization=organization)
        probe = Permit(organization=organization, **{k: v for k, v in data.items() if k in ("likelihood", "severity", "risk_matrix")})
        _risk(probe, organization)
        data.update(risk_matrix=probe.risk_matrix, risk_level=probe.risk_level, risk_score=probe.risk_score)
        permit = record_create(model=Permit, organization=organization, data=data, user=user)
        permit_audit(permit=permit, action="created", user=user)
        events.emit("ptw.permit.created", permit, actor=user, data={"permit_number": permit.permit_number})
    return permit


def permit_update(*, permit, data: dict, user, expected_version=None) -> Permit:
    refuse_if(gates.permit_edit_gate(permit, data))
    merged = {"planned_start_time": data.get("planned_start_time", permit.planned_start_time),
              "planned_end_time": data.get("planned_end_time", permit.planned_end_time)}
    _validate_times(merged, data.get("permit_type", permit.permit_type))
    with transaction.atomic():
        if {"likelihood", "severity", "risk_matrix"} & set(data):
            probe = Permit(organization=permit.organization, likelihood=data.get("likelihood", permit.likelihood),
                           severity=data.get("severity", permit.severity), risk_matrix=data.get("risk_matrix", permit.risk_matrix))
            _risk(probe, permit.organization)
            data.update(risk_matrix=probe.risk_matrix, risk_level=probe.risk_level, risk_score=probe.risk_score)
        updated = record_update(instance=permit, data=data, expected_version=expected_version, user=user)
        permit_audit(permit=updated, action="updated", user=user, data={"fields": sorted(data)})
        reassign_pending_step(updated, data, user)
    return updated


def permit_hazard_add(*, permit, data: dict, user) -> PermitHazard:
    """Record an identified hazard and its controls (admin and API)."""
    refuse_if(gates.permit_open_gate(permit))
    with transaction.atomic():
        hazard = record_create(model=PermitHazard, organization=permit.organization, user=user, data={**data, "permit": permit})
        permit_audit(permit=permit, action="hazard_added", user=user, data={"hazard": hazard.hazard})
    return hazard
