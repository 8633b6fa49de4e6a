"""The permit's crew: workers added after the fitness / competency providers agree."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ohms_core import providers
from ohms_core.exceptions import BusinessRuleError
from ohms_core.services.records import record_create
from ohms_core.workflows import Reason, blocked_errors

from .. import gates
from ..models import PermitWorker
from .audit import permit_audit
from .rules import refuse_if


def permit_worker_add(*, permit, worker, user, crew_role: str = "", briefed: bool = False) -> PermitWorker:
    """``crew_role`` is the worker's job on this permit (e.g. "soudeur"), not a membership role."""
    refuse_if(gates.permit_open_gate(permit))
    reasons = [Reason(r.code, f"{worker}: {r.message}", "crew", (str(worker),))
               for r in providers.check_worker(worker, purpose="permit", context=permit)]
    if reasons:
        raise BusinessRuleError(_("This worker cannot join the permit."), code="crew_not_fit", errors=blocked_errors(reasons))
    with transaction.atomic():
        assignment = record_create(model=PermitWorker, organization=permit.organization, user=user,
                                   data={"permit": permit, "worker": worker, "role": crew_role, "briefed": briefed})
        permit_audit(permit=permit, action="worker_added", user=user, data={"worker": str(worker.pk)})
    return assignment
