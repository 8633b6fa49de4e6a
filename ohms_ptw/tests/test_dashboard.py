"""SPEC 2.9 admin dashboard: the eight cards and their numbers, the links carry the filters,
the tables, the charts, the refresh script, another organization never counted."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from ohms_core import testing

from .factories import PtwWorld
from .test_kpis import bulk, make

URL = "/admin/ptw/dashboard/"


@pytest.fixture
def other(db):
    return PtwWorld(code="OTH")


def cards(body: str) -> dict:
    found = re.findall(r'<a class="ptw-card[^"]*" href="([^"]+)" data-card="(\w+)">\s*<span class="ptw-card__value">(\d+)<',
                       body)
    return {key: (int(value), unescape(href)) for href, key, value in found}


def page(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_dashboard_cards_numbers_and_links(w, other, client):
    now = timezone.now()
    late = make(w, "pending_verification", submitted_at=now - timedelta(hours=9))
    make(w, "pending_verification", submitted_at=now)
    make(w, "pending_approval", verified_at=now)
    soon = make(w, "active", planned_end_time=now + timedelta(hours=1))  # also closeout pending (never opened)
    make(w, "draft")
    make(w, "completed", completed_at=now)
    bulk(other, 7, status="active", planned_end_time=now + timedelta(hours=1))  # never counted
    body = page(client, w.admin)
    found = cards(body)
    assert {key: value for key, (value, _url) in found.items()} == {
        "total_open": 5, "pending_verification": 2, "pending_approval": 1, "overdue": 2, "expiring_soon": 1,
        "active": 1, "isolation_pending": 0, "closeout_pending": 1}
    index = reverse("ptw_permit:index")
    assert found["pending_verification"][1] == f"{index}?status=pending_verification"
    assert found["overdue"][1] == f"{index}?kpi=overdue"
    assert found["expiring_soon"][1] == f"{index}?kpi=expiring_soon"
    assert found["total_open"][1].startswith(f"{index}?status=draft%2Csubmitted")
    # The tables link each permit to its screen.
    assert reverse("ptw_permit:inspect", args=[late.pk]) in body
    assert reverse("ptw_permit:inspect", args=[soon.pk]) in body
    # Server-rendered charts, no external script; the refresh script is a static file.
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="ohms-chart"') == 2
    assert 'data-status="pending_verification" data-count="2"' in body
    assert "ohms_ptw/dashboard.js" in body and 'data-refresh-seconds="60"' in body
    assert "http://" not in body.replace("http://www.w3.org/2000/svg", "").split("<body")[1]


def test_card_link_opens_the_same_permits(w, client):
    now = timezone.now()
    late = make(w, "pending_verification", submitted_at=now - timedelta(hours=9))
    fresh = make(w, "pending_verification", submitted_at=now)
    body = page(client, w.admin)
    link = cards(body)["overdue"][1]
    listing = client.get(link).content.decode()
    assert late.permit_number in listing and fresh.permit_number not in listing


def test_project_filter_is_applied_and_carried(w, client):
    bulk(w, 2, status="active")
    bulk(w, 3, status="active", project=w.other_project)
    found = cards(page(client, w.admin, project=str(w.other_project.pk)))
    assert found["active"][0] == 3
    assert found["active"][1] == f"{reverse('ptw_permit:index')}?project={w.other_project.pk}&status=active"


def test_other_organization_project_is_refused_not_counted(w, other, client):
    bulk(other, 4, status="active")
    body = page(client, w.admin, project=str(other.project.pk))
    assert "data-filter-errors" in body
    assert cards(body)["active"][0] == 0


def test_project_limited_member_sees_only_their_projects(w, client):
    bulk(w, 2, status="active")
    bulk(w, 3, status="active", project=w.other_project)
    limited = testing.make_member(w.org, "verifier", projects=[w.other_project])
    assert cards(page(client, limited))["active"][0] == 3


def test_weekly_trend_counts_created_permits(w, client):
    now = timezone.now()
    bulk(w, 2, created_at=now)
    bulk(w, 1, created_at=now - timedelta(days=7))
    body = page(client, w.admin)
    counts = [int(n) for n in re.findall(r'<circle [^>]*data-count="(\d+)"', body)]
    assert len(counts) == 8 and counts[-1] == 2 and counts[-2] == 1 and sum(counts) == 3


def test_menu_lists_the_dashboard(w, client):
    body = page(client, w.admin)
    assert URL in body


def test_anonymous_redirected(client, db):
    assert client.get(URL).status_code == 302
