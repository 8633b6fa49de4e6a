"""Helpers of the admin tests (no tests here): permits made through the services, logged-in clients."""
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from ohms_core.context import acting_as

from ..services import gas as gas_services
from ..services import isolation as isolation_services
from ..services import permits as permit_services
from ..services import workflow as workflow_services

PASSWORD = "pass-1234-word"


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def make_permit(w, *, by=None, status="draft", title="Nettoyage cuve de lixiviation", **overrides):
    """A permit of PtwWorld ``w`` through the services, moved on to ``status``
    (draft, pending_verification, pending_approval, approved, active)."""
    by = by or w.requester
    start = timezone.now() + timedelta(minutes=5)
    data = {
        "title": title, "description": "Entrée en cuve T-12", "permit_type": w.permit_type, "project": w.project,
        "location": "Cuve T-12", "planned_start_time": start, "planned_end_time": start + timedelta(hours=8),
        "priority": "high", "likelihood": 3, "severity": 4, "ppe_requirements": ["Casque", "Harnais", "ARI"],
        "safety_checklist": {"area_barricaded": True}, "verifier": w.verifier, "approver": w.approver,
        "issuer": w.issuer, "area_incharge": w.area,
    }
    data.update(overrides)
    with acting_as(user=by, organization=w.org, role="permit_requester"):
        permit = permit_services.permit_create(organization=w.org, data=data, user=by)
    if status == "draft":
        return permit
    with acting_as(user=w.requester, organization=w.org, role="permit_requester"):
        permit = workflow_services.permit_transition(instance=permit, name="initiate_workflow", user=w.requester)
    if status == "pending_verification":
        return permit
    with acting_as(user=permit.verifier, organization=w.org, role="verifier"):
        permit = workflow_services.permit_transition(instance=permit, name="verify", user=permit.verifier)
    if status == "pending_approval":
        return permit
    make_ready(w, permit)
    with acting_as(user=permit.approver, organization=w.org, role="approver"):
        permit = workflow_services.permit_transition(instance=permit, name="approve", user=permit.approver)
    if status == "approved":
        return permit
    with acting_as(user=permit.issuer, organization=w.org, role="issuer"):
        permit = workflow_services.permit_transition(instance=permit, name="activate", user=permit.issuer)
    assert permit.status == status
    return permit


def safe_readings(w, permit, user=None):
    user = user or w.issuer
    with acting_as(user=user, organization=w.org, role="issuer"):
        for gas, value in (("O2", "20.9"), ("LEL", "0"), ("H2S", "0"), ("CO", "2")):
            gas_services.gas_reading_record(permit=permit, user=user,
                                               data={"gas": gas, "value": value, "tested_at": timezone.now()})


def make_ready(w, permit):
    """Safe gas readings and one verified isolation point: approval and activation open."""
    safe_readings(w, permit)
    with acting_as(user=w.issuer, organization=w.org, role="issuer"):
        point = isolation_services.isolation_assign(permit=permit, user=w.issuer, library_point=w.point)
        point = isolation_services.isolation_update(permit=permit, point=point, user=w.issuer, action="isolate",
                                                    lock_count=1, lock_ids=["L-1"])
        isolation_services.isolation_update(permit=permit, point=point, user=w.issuer, action="verify")
    return point
