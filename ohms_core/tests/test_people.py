"""Workers and their contacts through the API."""
import pytest

from ohms_core import testing
from ohms_core.models import AuditLog, Contact, Worker

pytestmark = pytest.mark.django_db


def test_patch_worker_name_updates_its_contact(client_a, org_a):
    worker = testing.make_worker(org_a, contact=testing.make_contact(org_a, first_name="Jean", last_name="Kabongo"))
    response = client_a.patch(
        f"/api/v1/core/workers/{worker.pk}/",
        {"first_name": "Jean-Marie", "phone": "+243 970000001", "job_title": "Foreur", "version": worker.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["full_name"] == "Jean-Marie Kabongo"
    contact = Contact.objects.get(pk=worker.contact_id)
    assert (contact.first_name, contact.phone, contact.version) == ("Jean-Marie", "+243 970000001", 2)
    assert Worker.objects.get(pk=worker.pk).job_title == "Foreur"
    assert AuditLog.objects.filter(action="update", object_id=str(contact.pk)).count() == 1


def test_create_worker_with_existing_contact(client_a, org_a):
    contact = testing.make_contact(org_a)
    enterprise = testing.make_enterprise(org_a)
    response = client_a.post(
        "/api/v1/core/workers/",
        {"contact": str(contact.pk), "enterprise": str(enterprise.pk), "employee_number": "E-77", "hire_date": "2020-03-01",
         "date_of_birth": "1990-05-17"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Worker.objects.get(employee_number="E-77").contact_id == contact.pk
    assert Contact.objects.count() == 1


def test_exit_before_hire_is_rejected(client_a, org_a):
    enterprise = testing.make_enterprise(org_a)
    response = client_a.post(
        "/api/v1/core/workers/",
        {"first_name": "A", "last_name": "B", "enterprise": str(enterprise.pk), "employee_number": "E-78",
         "hire_date": "2020-03-01", "exit_date": "2019-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "exit_date" in response.json()["errors"]
    assert not Worker.objects.filter(employee_number="E-78").exists()
    assert Contact.objects.count() == 0
