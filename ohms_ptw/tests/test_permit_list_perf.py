"""The permit list's one-query read (ohms_ptw.permit_list, issue 9 benchmarks): same output
as before (``gates.isolation_summary`` and the detail view), fewer queries, flat."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ohms_ptw import gates
from ohms_ptw.models import IsolationPointLibrary, Permit, PermitIsolationPoint
from ohms_ptw.tests.factories import PtwWorld

pytestmark = pytest.mark.django_db


def _points(world, permit, statuses):
    for n, (status, required, deleted) in enumerate(statuses):
        point = IsolationPointLibrary.objects.create(organization=world.org, project=world.project, point_code=f"P-{permit.pk.hex[:6]}-{n}",
                                                     asset_tag="A", point_type="breaker", energy_type="electrical")
        PermitIsolationPoint.objects.create(organization=world.org, permit=permit, point=point, status=status,
                                            required=required, is_deleted=deleted)


def test_list_isolation_summary_matches_the_gate_and_the_detail():
    world = PtwWorld()
    first = Permit.objects.get(pk=world.create_permit()["id"])
    second = Permit.objects.get(pk=world.create_permit()["id"])
    _points(world, first, [("assigned", True, False), ("isolated", True, False), ("verified", True, False),
                           ("deisolated", True, False), ("cancelled", True, False), ("verified", False, False),
                           ("assigned", True, True)])
    client = world.client(world.approver)

    listed = {row["id"]: row for row in client.get("/api/v1/ptw/permits/").json()["results"]}

    assert listed[str(first.pk)]["isolation_summary"] == {
        "total": 5, "required": 4, "verified_required": 2, "pending_required": 2, "deisolated_required": 1}
    assert listed[str(second.pk)]["isolation_summary"] == {
        "total": 0, "required": 0, "verified_required": 0, "pending_required": 0, "deisolated_required": 0}
    for permit in (first, second):
        detail = client.get(f"/api/v1/ptw/permits/{permit.pk}/").json()
        assert listed[str(permit.pk)] == detail
        assert detail["isolation_summary"] == gates.isolation_summary(Permit.objects.get(pk=permit.pk))


def test_list_query_count_is_flat_the_page_is_one_query_and_its_counts_one_more():
    world = PtwWorld()
    client = world.client(world.approver)
    first = world.create_permit()["id"]
    _points(world, Permit.objects.get(pk=first), [("verified", True, False)])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/ptw/permits/?page_size=50").status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    count()  # the token's first use is recorded once
    one = count()
    for _ in range(4):
        world.create_permit()
    five = count()

    assert len(one) == len(five)
    permit_reads = [sql for sql in five if 'FROM "ohms_ptw_permit"' in sql]
    assert len(permit_reads) == 2  # the count and the page: no joins, no correlated subqueries
    assert not any("JOIN" in sql or "(SELECT" in sql for sql in permit_reads)
    point_reads = [sql for sql in five if 'FROM "ohms_ptw_permitisolationpoint"' in sql]
    assert len(point_reads) == 1 and "GROUP BY" in point_reads[0]  # the page's counts, no model instances


def test_kpis_endpoint_reads_permits_in_three_queries_and_prefetches_nothing():
    world = PtwWorld()
    client = world.client(world.approver)
    for _ in range(2):
        world.create_permit()
    client.get("/api/v1/ptw/permits/kpis/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/ptw/permits/kpis/").status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len([s for s in sql if 'FROM "ohms_ptw_permit"' in s]) == 3
    assert not any(s.startswith('SELECT "ohms_ptw_permitisolationpoint"') for s in sql)
