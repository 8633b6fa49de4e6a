"""Demo data (every status, through the real services) and the expiry job."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from ohms_core.context import acting_as
from ohms_core.jobs import run_job
from ohms_core.models import TransitionLog

from ..models import Permit, PermitType
from ..services import workflow as workflow_services
from ..states import PermitStatus
from .factories import PtwWorld

pytestmark = pytest.mark.django_db


def test_demo_loads_permits_in_every_status_once():
    call_command("ohms_demo", stdout=io.StringIO())
    statuses = set(Permit.objects.values_list("status", flat=True))
    assert statuses == set(PermitStatus.values) - {PermitStatus.VERIFIED}
    assert PermitType.objects.filter(code__in=["hot-work", "confined-space", "electrical-isolation", "work-at-height",
                                               "excavation"]).count() == 5
    count = Permit.objects.count()
    call_command("ohms_demo", stdout=io.StringIO())
    assert Permit.objects.count() == count


def test_create_permit_types_is_idempotent():
    w = PtwWorld()
    out = io.StringIO()
    call_command("create_permit_types", "--org", w.org.code, stdout=out)
    assert "5 permit type(s) created" in out.getvalue()
    call_command("create_permit_types", "--org", w.org.code, stdout=io.StringIO())
    assert PermitType.objects.filter(organization=w.org).count() == 6  # 5 standard + the world's own


def test_expiry_job_expires_overdue_permits_only():
    w = PtwWorld(requires_gas_testing=False, requires_structured_isolation=False, requires_deisolation_on_closeout=False)
    overdue = Permit.objects.get(pk=w.create_permit()["id"])
    current = Permit.objects.get(pk=w.create_permit()["id"])
    for permit in (overdue, current):
        for name, user in (("initiate_workflow", w.admin), ("verify", w.verifier), ("approve", w.approver)):
            with acting_as(user=user, organization=w.org, role="org_admin"):
                permit = workflow_services.permit_transition(instance=Permit.objects.get(pk=permit.pk), name=name, user=user)
    Permit.objects.filter(pk=overdue.pk).update(planned_end_time=timezone.now() - timedelta(minutes=1))
    run = run_job("ptw_auto_expire_permits")
    assert run.success is True and run.items_processed == 1
    assert Permit.objects.get(pk=overdue.pk).status == "expired"
    assert Permit.objects.get(pk=current.pk).status == "approved"
    assert TransitionLog.objects.filter(object_id=str(overdue.pk), transition="expire", user=None).count() == 1
