"""Readiness stays bounded whatever the organization's permits (issue 9 benchmarks: it took
0.9 s at 100,000 permits because SIMOPS listed every live permit sharing a point or place)."""
from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .. import gates
from ..models import Permit, PermitIsolationPoint
from .helpers import orm_point, purl, set_status, window

pytestmark = pytest.mark.django_db


def _live_copies(w, template_pk, count: int) -> None:
    """``count`` active permits like ``template_pk`` (same place, window and isolation point)."""
    values = Permit.objects.filter(pk=template_pk).values().get()
    values.pop("id")
    rows = [Permit(**{**values, "id": uuid.uuid4(), "permit_number": f"SIM-{n:04d}", "status": "active"})
            for n in range(count)]
    Permit.objects.bulk_create(rows)
    PermitIsolationPoint.objects.bulk_create(PermitIsolationPoint(organization=w.org, permit=p, point=w.point,
                                                                  status="verified") for p in rows)


def _readiness(w, pid):
    client = w.client(w.issuer)
    client.get(purl(pid, "readiness"))  # warm: token, caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(purl(pid, "readiness"))
    assert response.status_code == 200
    return response.json()["details"]["simops"], len(ctx.captured_queries)


def test_readiness_query_count_and_simops_list_do_not_grow_with_live_permits(w):
    mine = w.create_permit(**window(1, length=4), location="Cuve T-12")["id"]
    orm_point(w, mine, status="assigned", library_point=w.point)
    other = w.create_permit(**window(0), location="Cuve T-12")["id"]
    orm_point(w, other, status="verified", library_point=w.point)
    set_status(other, "active")

    one, queries_one = _readiness(w, mine)
    assert sorted(c["kind"] for c in one["conflicts"]) == ["isolation_point", "location"]
    assert one["truncated"] is False

    _live_copies(w, other, 200)
    many, queries_many = _readiness(w, mine)
    assert queries_many == queries_one
    kinds = [c["kind"] for c in many["conflicts"]]
    assert kinds.count("location") == gates.SIMOPS_LIMIT and kinds.count("isolation_point") == gates.SIMOPS_LIMIT
    assert many["truncated"] is True


def test_simops_gate_still_blocks_with_many_conflicts_and_names_a_bounded_list(w):
    mine = w.create_permit(**window(1, length=4), location="Cuve T-12")["id"]
    other = w.create_permit(**window(0), location="Cuve T-12")["id"]
    set_status(other, "active")
    _live_copies(w, other, 30)
    permit = Permit.objects.select_related("permit_type").get(pk=mine)
    permit.permit_type.location_overlap_policy = "block"
    reasons = list(gates.simops_gate(permit))
    assert [r.code for r in reasons] == ["simops_location_conflict"]
    assert len(reasons[0].items) == gates.SIMOPS_LIMIT
