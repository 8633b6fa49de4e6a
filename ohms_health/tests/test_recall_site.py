"""The recall list by site (issue 8): ``recall_list(site_id=)`` and the screen's Site filter
narrow the list to the workers based at that site; another organization's site is refused
(form error, nobody listed); the list keeps its fixed number of queries."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing

from ..services.recall import recall_list
from .factories import exam, exposure

URL = "/admin/health/recall/"
pytestmark = pytest.mark.django_db


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


@pytest.fixture
def sites(org_a):
    """Two workers overdue at the mine, one at the plant, one without a site."""
    today = timezone.localdate()
    mine = testing.make_site(org_a, name="Mine de Kamoto")
    plant = testing.make_site(org_a, name="Concentrateur de Kolwezi")
    workers = {
        "ug1": testing.make_worker(org_a, employee_number="UG-1", site=mine),
        "ug2": testing.make_worker(org_a, employee_number="UG-2", site=mine),
        "pl1": testing.make_worker(org_a, employee_number="PL-1", site=plant),
        "nowhere": testing.make_worker(org_a, employee_number="NO-1"),
    }
    for worker in workers.values():
        exam(worker, exam_date=today - timedelta(days=400), next_due_date=today - timedelta(days=5))
    exposure(workers["ug2"], exposure_type="noise", measured_on=today - timedelta(days=10))
    return {"mine": mine, "plant": plant, **workers}


def _numbers(entries):
    return {entry.worker.employee_number for entry in entries}


def test_site_filter_narrows_the_recall_list(org_a, sites):
    assert _numbers(recall_list(org_a)) == {"UG-1", "UG-2", "PL-1", "NO-1"}
    assert _numbers(recall_list(org_a, site_id=sites["mine"].pk)) == {"UG-1", "UG-2"}
    assert _numbers(recall_list(org_a, site_id=sites["plant"].pk)) == {"PL-1"}
    # Combined with the other filters.
    assert _numbers(recall_list(org_a, site_id=sites["mine"].pk, exposure_group="noise")) == {"UG-2"}
    assert _numbers(recall_list(org_a, site_id=sites["plant"].pk, enterprise_id=sites["ug1"].enterprise_id)) == set()


def test_site_filter_keeps_a_fixed_number_of_queries(org_a, sites):
    with CaptureQueriesContext(connection) as few:
        assert len(recall_list(org_a, site_id=sites["mine"].pk)) == 2
    today = timezone.localdate()
    for _ in range(6):
        worker = testing.make_worker(org_a, site=sites["mine"])
        exam(worker, exam_date=today - timedelta(days=400), next_due_date=today)
        exposure(worker, exposure_type="noise", measured_on=today)
    with CaptureQueriesContext(connection) as many:
        assert len(recall_list(org_a, site_id=sites["mine"].pk)) == 8
    assert len(many.captured_queries) == len(few.captured_queries) == 4


def test_recall_screen_filters_by_site_and_shows_it(org_a, admin_a, sites):
    client = _login(admin_a)
    html = client.get(URL, {"site": str(sites["mine"].pk)}).content.decode()
    assert "UG-1" in html and "UG-2" in html and "PL-1" not in html and "NO-1" not in html
    assert "Mine de Kamoto" in html
    html = client.get(URL).content.decode()
    assert all(number in html for number in ("UG-1", "UG-2", "PL-1", "NO-1"))
    assert 'name="site"' in html and "Concentrateur de Kolwezi" in html


def test_recall_screen_refuses_another_organizations_site(org_a, admin_a, org_b, sites):
    theirs = testing.make_site(org_b, name="Site Bravo")
    client = _login(admin_a)
    response = client.get(URL, {"site": str(theirs.pk)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Site Bravo" not in html  # not even offered
    assert "valid choice" in html  # the field error
    assert not any(number in html for number in ("UG-1", "UG-2", "PL-1", "NO-1"))  # nobody listed


def test_recall_screen_query_count_is_flat_with_sites(org_a, admin_a, sites, django_assert_max_num_queries):
    client = _login(admin_a)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    today = timezone.localdate()
    for _ in range(6):
        exam(testing.make_worker(org_a, site=testing.make_site(org_a)), exam_date=today - timedelta(days=400),
             next_due_date=today)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).status_code == 200
