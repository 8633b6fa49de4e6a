"""SPEC 2.11: the canonical PermitFilter (API list, admin list, KPIs) and pagination."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as

from ..filters import PermitFilterError, filter_permits
from ..models import Permit
from .factories import PtwWorld
from .test_kpis import bulk, make

LIST = "/api/v1/ptw/permits/"


@pytest.fixture
def other(db):
    return PtwWorld(code="OTH")


def ids(w, user=None, **params):
    response = w.client(user or w.admin).get(LIST, {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_permits_list_paginated_shape(w):
    bulk(w, 25)
    body = w.client(w.admin).get(LIST).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 25 and len(body["results"]) == 20 and body["previous"] is None
    assert "page=2" in body["next"]
    assert len(w.client(w.admin).get(LIST, {"page": 2}).json()["results"]) == 5


@pytest.mark.parametrize("path", ["permit-types/", "risk-matrices/", "closeout-templates/", "isolation-points/",
                                  "loto-procedures/", "permits/", "gas-readings/", "permit-hazards/",
                                  "permit-workers/", "permit-photos/", "permit-audits/", "permit-isolation-points/",
                                  "loto-logs/", "signatures/", "my-tasks/"])
def test_every_list_endpoint_is_paginated(w, path):
    body = w.client(w.admin).get(f"/api/v1/ptw/{path}").json()
    assert {"count", "next", "previous", "results"} <= set(body)


def test_project_scoping_blocks_other_project(w):
    mine = make(w, "active", project=w.other_project)
    theirs = make(w, "active")
    limited = testing.make_member(w.org, "verifier", projects=[w.other_project])
    assert ids(w, limited) == {str(mine.pk)}
    assert w.client(limited).get(f"{LIST}{theirs.pk}/").status_code == 404
    assert w.client(limited).get(LIST, {"project": str(w.project.pk)}).status_code == 400


def test_other_organization_never_listed_nor_choosable(w, other):
    make(other, "active")
    mine = make(w, "active")
    assert ids(w) == {str(mine.pk)}
    response = w.client(w.admin).get(LIST, {"permit_type": str(other.permit_type.pk)})
    assert response.status_code == 400 and "permit_type" in str(response.json())
    response = w.client(w.admin).get(LIST, {"created_by": str(other.admin.pk)})
    assert response.status_code == 400 and "created_by" in str(response.json())


def test_status_filter_multi(w):
    active, draft = make(w, "active"), make(w, "draft")
    make(w, "completed")
    assert ids(w, status="active,draft") == {str(active.pk), str(draft.pk)}
    assert ids(w, status="active") == {str(active.pk)}
    response = w.client(w.admin).get(f"{LIST}?status=active&status=draft")
    assert {r["id"] for r in response.json()["results"]} == {str(active.pk), str(draft.pk)}


def test_search_filter_matches_permit_number(w):
    one, two = make(w, "draft"), make(w, "draft", location="Fosse nord")
    assert ids(w, search=one.permit_number) == {str(one.pk)}
    assert ids(w, search="fosse") == {str(two.pk)}


def test_date_range_filter(w):
    now = timezone.now()
    old = make(w, created_at=now - timedelta(days=10), planned_start_time=now + timedelta(days=5))
    new = make(w, created_at=now, planned_start_time=now + timedelta(days=1))
    today = timezone.localdate().isoformat()
    assert ids(w, date_from=today) == {str(new.pk)}
    assert ids(w, date_to=(timezone.localdate() - timedelta(days=5)).isoformat()) == {str(old.pk)}
    assert ids(w, date_from=today, date_to=today) == {str(new.pk)}  # date_to includes the whole day
    assert ids(w, date_from=(now - timedelta(days=11)).isoformat()) == {str(old.pk), str(new.pk)}  # ISO date-time
    planned_day = timezone.localtime(now + timedelta(days=5)).date().isoformat()
    assert ids(w, planned_from=planned_day, planned_to=planned_day) == {str(old.pk)}


def test_created_by_priority_risk_type_and_ordering(w):
    a = make(w, created_by=w.requester, priority="urgent", risk_level="high",
             planned_end_time=timezone.now() + timedelta(days=3))
    b = make(w, created_by=w.admin, priority="low", planned_end_time=timezone.now() + timedelta(days=2))
    assert ids(w, created_by=str(w.requester.pk)) == {str(a.pk)}
    assert ids(w, priority="low") == {str(b.pk)}
    assert ids(w, risk_level="high") == {str(a.pk)}
    assert ids(w, permit_type=str(w.permit_type.pk), permit_category="confined_space") == {str(a.pk), str(b.pk)}
    rows = w.client(w.admin).get(LIST, {"ordering": "planned_end_time"}).json()["results"]
    assert [r["id"] for r in rows] == [str(b.pk), str(a.pk)]
    rows = w.client(w.admin).get(LIST, {"ordering": "-planned_end_time"}).json()["results"]
    assert [r["id"] for r in rows] == [str(a.pk), str(b.pk)]


@pytest.mark.parametrize("params, field", [
    ({"status": "active,nope"}, "status"), ({"date_from": "hier"}, "date_from"), ({"planned_to": "2026-13-45"}, "planned_to"),
    ({"ordering": "title; drop"}, "ordering"), ({"risk_level": "huge"}, "risk_level"), ({"project": "not-a-uuid"}, "project"),
    ({"kpi": "whatever"}, "kpi"),
])
def test_invalid_values_are_400_with_field_errors(w, params, field):
    response = w.client(w.admin).get(LIST, params)
    assert response.status_code == 400
    assert field in str(response.json())


def test_kpi_filter_lists_the_permits_behind_a_card(w):
    now = timezone.now()
    late = make(w, "pending_verification", submitted_at=now - timedelta(hours=9))
    make(w, "pending_verification", submitted_at=now)
    soon = make(w, "active", planned_end_time=now + timedelta(hours=1))
    assert ids(w, kpi="overdue_verification") == {str(late.pk)}
    assert ids(w, kpi="expiring_soon") == {str(soon.pk)}
    assert str(late.pk) in ids(w, kpi="overdue")


def test_list_queries_same_at_1_and_50_rows(w):
    client = w.client(w.admin)

    def count():
        client.get(LIST)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST, {"page_size": 50})
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["results"])

    make(w, "active")
    one, rows = count()
    assert rows == 1
    bulk(w, 49, status="active")
    fifty, rows = count()
    assert rows == 50
    assert fifty == one


def test_filter_permits_helper_for_exports_and_reports(w, other):
    active = make(w, "active")
    make(w, "draft")
    with acting_as(organization=w.org, user=w.admin):
        queryset = Permit.objects.filter(organization=w.org)
        assert list(filter_permits(queryset, {"status": ["active"]}, organization=w.org)) == [active]
        assert list(filter_permits(queryset, {"status": "active,draft", "ordering": "-created_at"},
                                   organization=w.org))[-1] == active
        with pytest.raises(PermitFilterError) as error:
            filter_permits(queryset, {"project": str(other.project.pk)}, organization=w.org)
        assert "project" in error.value.errors


def test_admin_list_accepts_the_same_params(w, client):
    now = timezone.now()
    late = make(w, "pending_verification", submitted_at=now - timedelta(hours=9))
    fresh = make(w, "active", created_at=now)
    client.force_login(w.admin)
    url = reverse("ptw_permit:index")
    body = client.get(url, {"kpi": "overdue_verification"}).content.decode()
    assert late.permit_number in body and fresh.permit_number not in body
    body = client.get(url, {"status": "active,draft"}).content.decode()
    assert fresh.permit_number in body and late.permit_number not in body
    body = client.get(url, {"search": fresh.permit_number}).content.decode()
    assert fresh.permit_number in body and late.permit_number not in body


def test_permit_audit_filter(w):
    from ..models import PermitAudit

    permit = make(w, "draft")
    old = PermitAudit.objects.create(organization=w.org, permit=permit, action="created", user=w.requester)
    PermitAudit.objects.filter(pk=old.pk).update(timestamp=timezone.now() - timedelta(days=5))
    new = PermitAudit.objects.create(organization=w.org, permit=permit, action="submitted", user=w.admin)
    client = w.client(w.admin)

    def audit_ids(**params):
        response = client.get("/api/v1/ptw/permit-audits/", params)
        assert response.status_code == 200, response.content
        body = response.json()
        assert {"count", "next", "previous", "results"} <= set(body)
        return {str(row["id"]) for row in body["results"]}

    assert audit_ids(action="created,submitted") == {str(old.pk), str(new.pk)}
    assert audit_ids(action="submitted") == {str(new.pk)}
    assert audit_ids(date_from=timezone.localdate().isoformat()) == {str(new.pk)}
    assert audit_ids(user=str(w.requester.pk)) == {str(old.pk)}
    assert client.get("/api/v1/ptw/permit-audits/", {"date_to": "hier"}).status_code == 400
