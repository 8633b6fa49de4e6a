"""Wagtail admin screens: scoped to the acting organization, writes through services."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ohms_core import testing
from ohms_core.models import AuditLog, Worker

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_worker_list_shows_only_own_organization(admin_a, org_a, org_b):
    mine = testing.make_worker(org_a, employee_number="MINE-1")
    theirs = testing.make_worker(org_b, employee_number="THEIRS-1")
    client = _login(admin_a)
    body = client.get("/admin/core/workers/").content.decode()
    assert "MINE-1" in body and "THEIRS-1" not in body
    for url in (f"/admin/core/workers/edit/{theirs.pk}/", f"/admin/core/workers/inspect/{theirs.pk}/", f"/admin/core/workers/delete/{theirs.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/core/workers/delete/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_deleted
    assert client.get(f"/admin/core/workers/edit/{mine.pk}/").status_code == 200


def test_worker_search_and_filter(admin_a, org_a):
    ent = testing.make_enterprise(org_a, name="Forages du Lualaba")
    testing.make_worker(org_a, employee_number="A-1", contact=testing.make_contact(org_a, first_name="Grâce", last_name="Ilunga"), enterprise=ent)
    testing.make_worker(org_a, employee_number="B-2", contact=testing.make_contact(org_a, first_name="Papy", last_name="Ngoy"))
    client = _login(admin_a)
    body = client.get("/admin/core/workers/", {"q": "Ilunga"}).content.decode()
    assert "A-1" in body and "B-2" not in body
    body = client.get("/admin/core/workers/", {"enterprise": str(ent.pk)}).content.decode()
    assert "A-1" in body and "B-2" not in body


def test_create_worker_in_admin_creates_contact_history_and_audit(admin_a, org_a):
    ent = testing.make_enterprise(org_a)
    client = _login(admin_a)
    response = client.post("/admin/core/workers/new/", {
        "first_name": "Amani", "last_name": "Mukendi", "employee_number": "NEW-7", "enterprise": str(ent.pk),
        "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    worker = Worker.objects.get(employee_number="NEW-7")
    assert worker.organization_id == org_a.pk
    assert worker.contact.full_name == "Amani Mukendi"
    assert worker.created_by == admin_a
    assert worker.history.count() == 1 and worker.history.first().history_user == admin_a
    assert AuditLog.objects.filter(action="create", object_id=str(worker.pk), user=admin_a, organization=org_a).count() == 1


def test_admin_duplicate_employee_number_is_a_form_error(admin_a, org_a):
    ent = testing.make_enterprise(org_a)
    testing.make_worker(org_a, employee_number="DUP-1")
    client = _login(admin_a)
    response = client.post("/admin/core/workers/new/", {
        "first_name": "A", "last_name": "B", "employee_number": "DUP-1", "enterprise": str(ent.pk),
    })
    assert response.status_code == 200
    assert Worker.objects.filter(employee_number="DUP-1").count() == 1


def test_admin_enterprise_choices_are_scoped(admin_a, org_a, org_b):
    testing.make_enterprise(org_a, name="Entreprise Alpha")
    testing.make_enterprise(org_b, name="Entreprise Bravo")
    body = _login(admin_a).get("/admin/core/workers/new/").content.decode()
    assert "Entreprise Alpha" in body and "Entreprise Bravo" not in body


def test_admin_delete_is_soft_and_audited(admin_a, org_a):
    worker = testing.make_worker(org_a)
    client = _login(admin_a)
    assert client.post(f"/admin/core/workers/delete/{worker.pk}/").status_code == 302
    assert Worker.all_objects.get(pk=worker.pk).is_deleted
    assert AuditLog.objects.filter(action="delete", object_id=str(worker.pk)).count() == 1


def test_auditor_cannot_add_or_edit(org_a):
    auditor = testing.make_member(org_a, "auditor")
    worker = testing.make_worker(org_a)
    client = _login(auditor)
    assert client.get("/admin/core/workers/").status_code == 200
    assert client.get("/admin/core/workers/new/").status_code in (302, 403)
    response = client.post(f"/admin/core/workers/edit/{worker.pk}/", {"employee_number": "HACK"})
    assert response.status_code in (302, 403)
    worker.refresh_from_db()
    assert worker.employee_number != "HACK"


def test_audit_log_is_read_only_in_admin(admin_a, org_a):
    admin_a.is_superuser = True
    admin_a.save()
    client = _login(admin_a)
    entry = AuditLog.objects.filter(organization=org_a).first()
    assert entry is not None  # the login itself
    assert client.get("/admin/core/audit-log/").status_code == 200
    assert client.get(f"/admin/core/audit-log/inspect/{entry.pk}/").status_code == 200
    assert client.get(f"/admin/core/audit-log/edit/{entry.pk}/").status_code in (302, 403)
    assert client.post(f"/admin/core/audit-log/delete/{entry.pk}/").status_code in (302, 403)
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_dashboard_shows_organization_and_projects(admin_a, org_a):
    testing.make_project(org_a, name="Arrêt annuel concentrateur")
    body = _login(admin_a).get("/admin/").content.decode()
    assert "Société Minière Alpha" in body
    assert "Arrêt annuel concentrateur" in body


def test_switch_organization(org_a, org_b):
    from ohms_core.context import acting_as
    from ohms_core.services.tenancy import membership_upsert

    user = testing.make_member(org_a, "org_admin")
    with acting_as(organization=org_b):
        membership_upsert(organization=org_b, user=user, role="org_admin")
    testing.make_worker(org_a, employee_number="IN-ALPHA")
    testing.make_worker(org_b, employee_number="IN-BRAVO")
    client = _login(user)
    assert client.post("/admin/ohms/switch-organization/", {"organization": str(org_b.pk)}).status_code == 302
    body = client.get("/admin/core/workers/").content.decode()
    assert "IN-BRAVO" in body and "IN-ALPHA" not in body
    stranger = testing.make_organization("ZULU")
    client.post("/admin/ohms/switch-organization/", {"organization": str(stranger.pk)})
    assert client.session["ohms_organization_id"] == str(org_b.pk)
    assert "IN-BRAVO" in client.get("/admin/core/workers/").content.decode()


@pytest.mark.parametrize("path", ["/admin/core/workers/", "/admin/core/contacts/", "/admin/core/documents/", "/admin/core/audit-log/", "/admin/core/memberships/"])
def test_admin_listing_queries_do_not_grow_with_rows(path, admin_a, org_a):
    from django.core.files.base import ContentFile

    from ohms_core.models import Document

    def add_rows(n):
        for _ in range(n):
            worker = testing.make_worker(org_a)
            doc = Document(organization=org_a, title="Doc", worker=worker, file_size=1)
            doc.file.save("d.txt", ContentFile(b"x"), save=False)
            doc.save()
            testing.make_member(org_a, "worker")

    client = _login(admin_a)
    add_rows(2)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    add_rows(8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_email_preference_toggle(admin_a):
    from ohms_core.models import NotificationPreference

    client = _login(admin_a)
    assert client.post("/admin/ohms/notifications/preferences/", {}).status_code == 302
    assert NotificationPreference.objects.get(user=admin_a).email_enabled is False
    client.post("/admin/ohms/notifications/preferences/", {"email_enabled": "on"})
    assert NotificationPreference.objects.get(user=admin_a).email_enabled is True
    assert 'name="email_enabled" checked' in client.get("/admin/ohms/notifications/").content.decode()
