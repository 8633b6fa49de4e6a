"""``Worker.site``: the site a worker is based at (issue 8, recall list by site).

Only a site of the worker's own organization is accepted on every path (model clean for
services, the REST serializer, the admin form), the REST list filters on ``?site=`` and the
admin list has a site filter; listing workers with sites costs no extra query per row."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ohms_core import testing
from ohms_core.models import Worker
from ohms_core.services.people import worker_create, worker_update

pytestmark = pytest.mark.django_db
URL = "/api/v1/core/workers/"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


def test_api_creates_and_reads_a_worker_with_its_site(client_a, org_a):
    site = testing.make_site(org_a, name="Mine de Kamoto")
    enterprise = testing.make_enterprise(org_a)
    response = client_a.post(URL, {"first_name": "Amani", "last_name": "Ilunga", "enterprise": str(enterprise.pk),
                                   "employee_number": "S-1", "site": str(site.pk)}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["site"] == str(site.pk) and response.json()["site_name"] == "Mine de Kamoto"
    assert Worker.objects.get(employee_number="S-1").site_id == site.pk
    worker = Worker.objects.get(employee_number="S-1")
    body = client_a.get(f"{URL}{worker.pk}/").json()
    assert body["site"] == str(site.pk)
    # No site is allowed (the field is optional) and reads back as null.
    patched = client_a.patch(f"{URL}{worker.pk}/", {"site": None, "version": worker.version}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["site"] is None and patched.json()["site_name"] is None


def test_api_rejects_another_organizations_site(client_a, org_a, org_b):
    theirs = testing.make_site(org_b)
    enterprise = testing.make_enterprise(org_a)
    response = client_a.post(URL, {"first_name": "A", "last_name": "B", "enterprise": str(enterprise.pk),
                                   "employee_number": "S-2", "site": str(theirs.pk)}, format="json")
    assert response.status_code == 400
    assert "site" in response.json()["errors"]
    assert not Worker.objects.filter(employee_number="S-2").exists()
    worker = testing.make_worker(org_a)
    response = client_a.patch(f"{URL}{worker.pk}/", {"site": str(theirs.pk), "version": worker.version},
                              format="json")
    assert response.status_code == 400 and "site" in response.json()["errors"]
    worker.refresh_from_db()
    assert worker.site_id is None and worker.version == 1


def test_services_reject_another_organizations_site(org_a, org_b, admin_a):
    theirs = testing.make_site(org_b)
    enterprise = testing.make_enterprise(org_a)
    with pytest.raises(ValidationError) as exc:
        worker_create(organization=org_a, data={"enterprise": enterprise, "employee_number": "S-3", "site": theirs},
                      contact_data={"first_name": "A", "last_name": "B"}, user=admin_a)
    assert "site" in exc.value.message_dict
    assert not Worker.objects.filter(employee_number="S-3").exists()
    worker = testing.make_worker(org_a)
    with pytest.raises(ValidationError):
        worker_update(worker=worker, data={"site": theirs}, user=admin_a)
    mine = testing.make_site(org_a)
    assert worker_update(worker=worker, data={"site": mine}, user=admin_a).site_id == mine.pk


def test_api_filter_by_site_narrows_the_list(client_a, org_a):
    mine, plant = testing.make_site(org_a), testing.make_site(org_a)
    testing.make_worker(org_a, employee_number="UG-1", site=mine)
    testing.make_worker(org_a, employee_number="UG-2", site=mine)
    testing.make_worker(org_a, employee_number="PL-1", site=plant)
    testing.make_worker(org_a, employee_number="NONE-1")
    numbers = {row["employee_number"] for row in client_a.get(URL, {"site": str(mine.pk)}).json()["results"]}
    assert numbers == {"UG-1", "UG-2"}
    assert {row["employee_number"] for row in client_a.get(URL).json()["results"]} == {"UG-1", "UG-2", "PL-1",
                                                                                      "NONE-1"}


def test_api_filter_by_another_organizations_site_is_400(client_a, org_a, org_b):
    testing.make_worker(org_a, site=testing.make_site(org_a))
    response = client_a.get(URL, {"site": str(testing.make_site(org_b).pk)})
    assert response.status_code == 400


def test_worker_list_query_count_is_flat_with_sites(client_a, org_a):
    site = testing.make_site(org_a)
    for _ in range(2):
        testing.make_worker(org_a, site=site)
    client_a.get(URL)
    with CaptureQueriesContext(connection) as few:
        assert len(client_a.get(URL).json()["results"]) == 2
    for _ in range(10):
        testing.make_worker(org_a, site=testing.make_site(org_a))
    with CaptureQueriesContext(connection) as many:
        assert len(client_a.get(URL).json()["results"]) == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_admin_form_sets_the_site_and_offers_only_own_sites(admin_a, org_a, org_b):
    mine = testing.make_site(org_a, name="Concentrateur Alpha")
    theirs = testing.make_site(org_b, name="Concentrateur Bravo")
    enterprise = testing.make_enterprise(org_a)
    client = _login(admin_a)
    body = client.get("/admin/core/workers/new/").content.decode()
    assert "Concentrateur Alpha" in body and "Concentrateur Bravo" not in body
    response = client.post("/admin/core/workers/new/", {
        "first_name": "Amani", "last_name": "Mukendi", "employee_number": "ADM-1", "enterprise": str(enterprise.pk),
        "site": str(theirs.pk), "is_active": "on",
    })
    assert response.status_code == 200  # form error: not a valid choice
    assert not Worker.objects.filter(employee_number="ADM-1").exists()
    response = client.post("/admin/core/workers/new/", {
        "first_name": "Amani", "last_name": "Mukendi", "employee_number": "ADM-1", "enterprise": str(enterprise.pk),
        "site": str(mine.pk), "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Worker.objects.get(employee_number="ADM-1").site_id == mine.pk


def test_admin_list_filters_by_site(admin_a, org_a):
    mine, plant = testing.make_site(org_a, name="Kamoto"), testing.make_site(org_a, name="Kolwezi")
    testing.make_worker(org_a, employee_number="UG-7", site=mine)
    testing.make_worker(org_a, employee_number="PL-7", site=plant)
    body = _login(admin_a).get("/admin/core/workers/", {"site": str(mine.pk)}).content.decode()
    assert "UG-7" in body and "PL-7" not in body


def test_demo_bases_workers_by_employer_and_job():
    """The demo's rule (``ohms_demo.demo_site``): the drilling contractor underground, the
    electrical contractor at the concentrator, the operator's staff by job."""
    from ohms_core.management.commands.ohms_demo import JOBS, demo_site

    operator, drilling, electric = object(), object(), object()
    sites = {"mine": "Kamoto", "plant": "Kolwezi", "camp": "Musonoi"}

    def where(employer, job):
        return demo_site(employer=employer, job=job, drilling=drilling, electric=electric, **sites)

    assert {where(drilling, job) for job in JOBS} == {"Kamoto"}
    assert {where(electric, job) for job in JOBS} == {"Kolwezi"}
    assert (where(operator, "Foreur"), where(operator, "Opérateur flottation"),
            where(operator, "Technicien HSE")) == ("Kamoto", "Kolwezi", "Musonoi")
    assert {where(operator, job) for job in JOBS} == {"Kamoto", "Kolwezi", "Musonoi"}
