"""SPEC 2.9: GET /api/v1/ptw/permits/kpis/ (shape, definitions, filters, scope, query count)."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from ohms_core import testing
from ohms_core.roles import Role

from .. import kpis
from ..models import CloseoutChecklistTemplate, Permit, PermitCloseout, PermitIsolationPoint
from .factories import PtwWorld

KPIS = "/api/v1/ptw/permits/kpis/"
_seq = itertools.count(1)


def make(w, status="draft", *, project=None, permit_type=None, **fields) -> Permit:
    return bulk(w, 1, status=status, project=project, permit_type=permit_type, **fields)[0]


def bulk(w, n, *, status="draft", project=None, permit_type=None, **fields) -> list[Permit]:
    """Rows straight into the table (KPIs only read them; no workflow needed)."""
    now = timezone.now()
    defaults = {"planned_start_time": now + timedelta(days=1), "planned_end_time": now + timedelta(days=1, hours=8),
                "title": "Travaux cuve", "location": "Cuve T-12"}
    defaults.update(fields)
    rows = [Permit(organization=w.org, permit_number=f"K-{w.org.code}-{next(_seq):06d}",
                   permit_type=permit_type or w.permit_type, project=project or w.project, status=status, **defaults) for _ in range(n)]
    return Permit.objects.bulk_create(rows)


def get(w, user=None, **params):
    response = w.client(user or w.admin).get(KPIS, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def other(db):
    return PtwWorld(code="OTH")


def test_response_structure(w):
    body = get(w)
    assert set(body) == {"as_of", "counts", "overdue", "lists"}
    assert list(body["counts"]) == ["total_open", "draft", "submitted", "pending_verification", "pending_approval",
                                    "under_review", "approved", "active", "suspended", "completed_today",
                                    "cancelled_today", "expired", "rejected"]
    assert list(body["overdue"]) == ["pending_verification", "pending_approval", "closeout_pending",
                                     "isolation_pending", "expiring_soon"]
    assert set(body["lists"]) == {"top_overdue", "expiring_soon"}
    assert body["as_of"].endswith("Z")
    assert all(v == 0 for v in body["counts"].values())


def test_counts_match_seeded_statuses(w):
    now = timezone.now()
    bulk(w, 3, status="draft")
    bulk(w, 2, status="pending_verification", submitted_at=now)
    make(w, "pending_approval", verified_at=now)
    make(w, "under_review")
    make(w, "approved")
    bulk(w, 2, status="active")
    make(w, "suspended")
    make(w, "completed", completed_at=now)
    make(w, "completed", completed_at=now - timedelta(days=3))  # not today
    make(w, "cancelled")
    make(w, "expired")
    make(w, "rejected")
    counts = get(w)["counts"]
    assert counts == {"total_open": 11, "draft": 3, "submitted": 0, "pending_verification": 2, "pending_approval": 1,
                      "under_review": 1, "approved": 1, "active": 2, "suspended": 1, "completed_today": 1,
                      "cancelled_today": 1, "expired": 1, "rejected": 1}


def test_overdue_verification_and_approval_use_the_sla(w, settings):
    settings.PTW_VERIFICATION_SLA_HOURS = 4
    settings.PTW_APPROVAL_SLA_HOURS = 2
    now = timezone.now()
    late_v = make(w, "pending_verification", submitted_at=now - timedelta(hours=5))
    make(w, "pending_verification", submitted_at=now - timedelta(hours=3))  # within the SLA
    never_submitted = make(w, "pending_verification", created_at=now - timedelta(hours=9))  # created_at counts
    late_a = make(w, "pending_approval", verified_at=now - timedelta(hours=3))
    make(w, "pending_approval", verified_at=now - timedelta(hours=1))
    body = get(w)
    assert body["overdue"]["pending_verification"] == 2
    assert body["overdue"]["pending_approval"] == 1
    top = body["lists"]["top_overdue"]
    # Oldest first: 9 h, 5 h, 3 h.
    assert [row["id"] for row in top] == [str(never_submitted.pk), str(late_v.pk), str(late_a.pk)]
    assert 8.9 < top[0]["age_hours"] < 9.1
    assert set(top[0]) == {"id", "permit_number", "title", "status", "age_hours", "project", "permit_type",
                           "planned_end_time"}
    assert top[0]["permit_type"]["id"] == str(w.permit_type.pk)
    assert top[0]["project"] == str(w.project.pk)


def test_top_overdue_is_ten_oldest(w):
    now = timezone.now()
    rows = [make(w, "pending_verification", submitted_at=now - timedelta(hours=10 + i)) for i in range(12)]
    top = get(w)["lists"]["top_overdue"]
    assert len(top) == 10
    assert [r["id"] for r in top] == [str(p.pk) for p in reversed(rows)][:10]


def test_expiring_soon(w, settings):
    settings.PTW_EXPIRING_SOON_HOURS = 4
    now = timezone.now()
    soon = make(w, "active", planned_end_time=now + timedelta(hours=1))
    sooner = make(w, "suspended", planned_end_time=now + timedelta(minutes=30))
    make(w, "approved", planned_end_time=now + timedelta(hours=6))  # too far
    make(w, "completed", planned_end_time=now + timedelta(hours=1))  # not live
    make(w, "active", planned_end_time=now - timedelta(hours=1))  # already past its end
    body = get(w)
    assert body["overdue"]["expiring_soon"] == 2
    rows = body["lists"]["expiring_soon"]
    assert [r["id"] for r in rows] == [str(sooner.pk), str(soon.pk)]
    assert set(rows[0]) == {"id", "permit_number", "status", "hours_left", "planned_end_time"}
    assert 0.4 < rows[0]["hours_left"] < 0.6


def test_isolation_pending(w, plain):
    pending = make(w, "approved")
    PermitIsolationPoint.objects.create(organization=w.org, permit=pending, custom_point_name="Disj. 1", status="assigned")
    PermitIsolationPoint.objects.create(organization=w.org, permit=pending, custom_point_name="Disj. 2", status="verified")
    done = make(w, "active")
    PermitIsolationPoint.objects.create(organization=w.org, permit=done, custom_point_name="Disj. 3", status="verified")
    optional = make(w, "active")
    PermitIsolationPoint.objects.create(organization=w.org, permit=optional, custom_point_name="Disj. 4", required=False)
    draft = make(w, "draft")  # not counted in draft
    PermitIsolationPoint.objects.create(organization=w.org, permit=draft, custom_point_name="Disj. 5")
    make(w, "active")  # no points at all
    assert get(w)["overdue"]["isolation_pending"] == 1
    assert get(w, kpi="isolation_pending")["counts"]["approved"] == 1


def test_closeout_pending(w):
    never_opened = make(w, "active")
    incomplete = make(w, "active")
    PermitCloseout.objects.create(organization=w.org, permit=incomplete, template=w.template)
    complete = make(w, "active")
    PermitCloseout.objects.create(organization=w.org, permit=complete, template=w.template, completed=True)
    make(w, "approved")  # not active
    body = get(w)
    assert body["overdue"]["closeout_pending"] == 2
    assert {never_opened.pk, incomplete.pk} == set(
        Permit.objects.filter(kpis.closeout_pending_q(timezone.now())).values_list("pk", flat=True))


def test_closeout_pending_needs_a_template(plain):
    CloseoutChecklistTemplate.objects.filter(permit_type=plain.permit_type).update(is_active=False)
    make(plain, "active")
    assert get(plain)["overdue"]["closeout_pending"] == 0


def test_kpis_respects_project_filter(w):
    bulk(w, 2, status="active")
    bulk(w, 3, status="active", project=w.other_project)
    assert get(w, project=str(w.project.pk))["counts"]["active"] == 2
    assert get(w, project=str(w.other_project.pk))["counts"]["active"] == 3
    assert get(w, status="active,draft")["counts"]["total_open"] == 5


def test_kpis_respect_the_members_project_scope(w):
    bulk(w, 2, status="active")
    bulk(w, 3, status="active", project=w.other_project)
    limited = testing.make_member(w.org, "verifier", projects=[w.other_project])
    assert get(w, limited)["counts"]["active"] == 3
    # Naming a project outside the scope is an invalid choice, not another project's numbers.
    response = w.client(limited).get(KPIS, {"project": str(w.project.pk)})
    assert response.status_code == 400
    assert "project" in str(response.json())


def test_other_organization_permits_are_never_counted(w, other):
    bulk(other, 4, status="active")
    bulk(w, 1, status="active")
    assert get(w)["counts"]["active"] == 1
    assert get(other, other.admin)["counts"]["active"] == 4
    response = w.client(w.admin).get(KPIS, {"project": str(other.project.pk)})
    assert response.status_code == 400


def test_invalid_filters_are_400_with_field_errors(w):
    response = w.client(w.admin).get(KPIS, {"status": "bogus", "date_from": "hier"})
    assert response.status_code == 400
    text = str(response.json())
    assert "status" in text and "date_from" in text


@pytest.mark.parametrize("role", [r for r in Role.values])
def test_every_member_role_may_read_kpis(w, role):
    user = testing.make_member(w.org, role)
    assert w.client(user).get(KPIS).status_code == 200


def test_anonymous_and_outsiders_are_refused(w):
    assert APIClient().get(KPIS).status_code in (401, 403)
    outsider = testing.make_user()
    client = APIClient()
    client.force_authenticate(outsider)
    assert client.get(KPIS).status_code == 403


@pytest.mark.parametrize("n", [10, 1000])
def test_kpis_take_three_queries_whatever_the_count(w, n):
    now = timezone.now()
    statuses = ["draft", "pending_verification", "pending_approval", "approved", "active", "completed"]
    for status in statuses:
        bulk(w, n // len(statuses) + 1, status=status, submitted_at=now - timedelta(hours=9),
             verified_at=now - timedelta(hours=9), planned_end_time=now + timedelta(hours=1))
    queryset = Permit.objects.filter(organization=w.org)
    with CaptureQueriesContext(connection) as ctx:
        result = kpis.permit_kpis(queryset)
    assert len(ctx.captured_queries) <= 3
    assert result["counts"]["active"] == n // len(statuses) + 1
    assert len(result["top_overdue"]) == min(10, 2 * (n // len(statuses) + 1))


def test_kpi_endpoint_queries_do_not_grow_with_rows(w):
    now = timezone.now()
    client = w.client(w.admin)

    def count():
        client.get(KPIS)  # warm the per-process caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(KPIS, {"status": "active,pending_verification"}).status_code == 200
        return len(ctx.captured_queries)

    bulk(w, 5, status="active", planned_end_time=now + timedelta(hours=1))
    bulk(w, 5, status="pending_verification", submitted_at=now - timedelta(hours=9))
    few = count()
    bulk(w, 500, status="active", planned_end_time=now + timedelta(hours=1))
    bulk(w, 500, status="pending_verification", submitted_at=now - timedelta(hours=9))
    assert count() == few
