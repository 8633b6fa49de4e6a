"""The audit trail: what is written, that it cannot be changed, and its read-only API."""
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import AppendOnlyError, AuditLog, Site
from ohms_core.roles import Role
from ohms_core.services.audit import audit_record

pytestmark = pytest.mark.django_db

SITES = "/api/v1/core/sites/"
AUDIT = "/api/v1/core/audit-log/"
UA = "OHMS-Tablet/2.1 (gate 3)"
PASSWORD = "pass-1234-word"  # ohms_core.testing.make_user's default


def _rows_for(obj, action):
    return AuditLog.objects.filter(object_id=str(obj.pk), action=action)


# --- what is written -------------------------------------------------------------------------

def test_api_create_update_delete_restore_are_audited(client_a, org_a, admin_a):
    response = client_a.post(SITES, {"name": "Kolwezi", "code": "KZI"}, format="json", HTTP_USER_AGENT=UA)
    assert response.status_code == 201
    site = Site.objects.get(pk=response.json()["id"])
    assert client_a.patch(f"{SITES}{site.pk}/", {"name": "Kolwezi Nord"}, format="json", HTTP_USER_AGENT=UA).status_code == 200
    assert client_a.delete(f"{SITES}{site.pk}/", HTTP_USER_AGENT=UA).status_code == 204
    assert client_a.post(f"{SITES}{site.pk}/restore/", HTTP_USER_AGENT=UA).status_code == 200

    site_type = ContentType.objects.get_for_model(Site)
    rows = AuditLog.objects.filter(object_id=str(site.pk)).order_by("timestamp")
    assert [r.action for r in rows] == ["create", "update", "delete", "restore"]
    for row in rows:
        assert row.user_id == admin_a.pk
        assert row.username == admin_a.username
        assert row.organization_id == org_a.pk
        assert row.ip_address == "127.0.0.1"
        assert row.user_agent == UA
        assert row.content_type_id == site_type.pk
        assert row.success is True

    create, update, delete, restore = rows
    assert create.changes["name"] == {"before": None, "after": "Kolwezi"}
    assert create.changes["code"] == {"before": None, "after": "KZI"}
    assert update.changes == {"name": {"before": "Kolwezi", "after": "Kolwezi Nord"}}
    assert update.object_repr == "Kolwezi Nord"
    assert delete.changes == {"is_deleted": {"before": False, "after": True}}
    assert restore.changes == {"is_deleted": {"before": True, "after": False}}
    assert delete.risk_level == restore.risk_level == "medium"
    assert create.risk_level == update.risk_level == "low"


def test_exactly_one_audit_row_per_write(client_a):
    site_id = client_a.post(SITES, {"name": "A", "code": "A1"}, format="json").json()["id"]
    assert AuditLog.objects.filter(object_id=site_id).count() == 1
    client_a.patch(f"{SITES}{site_id}/", {"name": "B"}, format="json")
    assert AuditLog.objects.filter(object_id=site_id).count() == 2
    # A failed (stale) update writes nothing.
    assert client_a.patch(f"{SITES}{site_id}/", {"name": "C", "version": 1}, format="json").status_code == 409
    assert AuditLog.objects.filter(object_id=site_id).count() == 2


@pytest.fixture
def trusted_proxy(settings):
    settings.OHMS_TRUST_X_FORWARDED_FOR = True


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client_a):
    """Otherwise any client could write any address into the audit trail."""
    site_id = client_a.post(SITES, {"name": "A", "code": "A1"}, format="json", HTTP_X_FORWARDED_FOR="41.243.1.7").json()["id"]
    assert AuditLog.objects.get(object_id=site_id).ip_address == "127.0.0.1"


def test_forwarded_for_is_the_client_ip(client_a, trusted_proxy):
    site_id = client_a.post(SITES, {"name": "A", "code": "A1"}, format="json", HTTP_X_FORWARDED_FOR="41.243.1.7, 10.0.0.1").json()["id"]
    assert AuditLog.objects.get(object_id=site_id).ip_address == "41.243.1.7"


@pytest.mark.parametrize("forwarded", ["unknown", "not-an-ip, 10.0.0.1", "<script>", "999.1.1.1"])
def test_junk_forwarded_for_falls_back_to_remote_addr(client_a, forwarded, trusted_proxy):
    """A non-address in X-Forwarded-For must not break the write (inet column on PostgreSQL)."""
    response = client_a.post(SITES, {"name": "A", "code": "A1"}, format="json", HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 201, response.content
    assert AuditLog.objects.get(object_id=response.json()["id"]).ip_address == "127.0.0.1"


def test_junk_forwarded_for_on_failed_login(org_a, trusted_proxy):
    response = Client(HTTP_X_FORWARDED_FOR="unknown").post("/admin/login/", {"username": "x@y.z", "password": "no"})
    assert response.status_code == 200
    assert AuditLog.objects.get(action="login_failed").ip_address == "127.0.0.1"


def test_ipv6_forwarded_for_is_kept(client_a, trusted_proxy):
    site_id = client_a.post(SITES, {"name": "A", "code": "A1"}, format="json", HTTP_X_FORWARDED_FOR="2001:db8::7").json()["id"]
    assert AuditLog.objects.get(object_id=site_id).ip_address == "2001:db8::7"


def test_successful_login_is_audited(org_a):
    user = testing.make_member(org_a, "safety_manager", "chef@alpha.test")
    client = Client(HTTP_USER_AGENT=UA)
    response = client.post("/admin/login/", {"username": "chef@alpha.test", "password": PASSWORD})
    assert response.status_code == 302
    row = AuditLog.objects.get(action="login")
    assert row.user_id == user.pk
    assert row.username == "chef@alpha.test"
    assert row.success is True
    assert row.ip_address == "127.0.0.1"
    assert row.user_agent == UA


def test_failed_login_is_audited(org_a):
    testing.make_member(org_a, "safety_manager", "chef@alpha.test")
    response = Client().post("/admin/login/", {"username": "chef@alpha.test", "password": "wrong"})
    assert response.status_code == 200  # the form again, with an error
    row = AuditLog.objects.get(action="login_failed")
    assert row.success is False
    assert row.username == "chef@alpha.test"
    assert row.user_id is None
    assert row.risk_level == "high"
    assert row.ip_address == "127.0.0.1"
    assert not AuditLog.objects.filter(action="login").exists()


def test_logout_is_audited(org_a):
    user = testing.make_member(org_a, "safety_manager", "chef@alpha.test")
    client = Client()
    assert client.post("/admin/login/", {"username": "chef@alpha.test", "password": PASSWORD}).status_code == 302
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    row = AuditLog.objects.get(action="logout")
    assert row.user_id == user.pk
    assert row.success is True


def test_document_view_is_audited_for_logged_documents(client_a, org_a, admin_a):
    from django.core.files.base import ContentFile

    from ohms_core.models import Document

    doc = Document(organization=org_a, title="Dossier", privacy_level="internal", access_logging_required=True)
    doc.file.save("d.txt", ContentFile(b"x"), save=False)
    doc.save()
    assert client_a.get(f"/api/v1/core/documents/{doc.pk}/").status_code == 200
    row = AuditLog.objects.get(action="view", object_id=str(doc.pk))
    assert row.user_id == admin_a.pk
    assert row.changes == {"download": False}


# --- append only -----------------------------------------------------------------------------

@pytest.fixture
def row(org_a, admin_a):
    with acting_as(user=admin_a, organization=org_a):
        return audit_record(action="export", object_repr="registre")


def test_saving_an_existing_row_raises(row):
    row.object_repr = "falsifié"
    with pytest.raises(AppendOnlyError):
        row.save()
    assert AuditLog.objects.get(pk=row.pk).object_repr == "registre"


def test_deleting_a_row_raises(row):
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert AuditLog.objects.filter(pk=row.pk).exists()


def test_bulk_update_and_delete_raise(row):
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).update(object_repr="falsifié")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get(pk=row.pk).object_repr == "registre"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
def test_database_trigger_refuses_raw_update_and_delete(row):
    for sql in (
        "UPDATE ohms_core_auditlog SET object_repr = 'falsifié' WHERE id = %s",
        "DELETE FROM ohms_core_auditlog WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [row.pk])
    assert AuditLog.objects.get(pk=row.pk).object_repr == "registre"


# --- read-only API and filters ---------------------------------------------------------------

def test_api_is_read_only(client_a, row):
    before = AuditLog.objects.count()
    assert client_a.get(f"{AUDIT}{row.pk}/").status_code == 200
    attempts = [
        client_a.post(AUDIT, {"action": "login"}, format="json"),
        client_a.put(f"{AUDIT}{row.pk}/", {"action": "login"}, format="json"),
        client_a.patch(f"{AUDIT}{row.pk}/", {"object_repr": "falsifié"}, format="json"),
        client_a.delete(f"{AUDIT}{row.pk}/"),
    ]
    for response in attempts:
        assert response.status_code in (403, 405), (response.status_code, response.content)
        assert set(response.json()) == {"detail", "code", "errors"}
    assert AuditLog.objects.count() == before
    assert AuditLog.objects.get(pk=row.pk).object_repr == "registre"


def test_api_row_shape(client_a, row, admin_a):
    body = client_a.get(f"{AUDIT}{row.pk}/").json()
    assert body["action"] == "export"
    assert body["user"] == admin_a.pk
    assert body["object_repr"] == "registre"
    assert body["content_type"] is None
    assert "organization" not in body


def test_filters(client_a, org_a, admin_a):
    now = timezone.now()
    with acting_as(user=admin_a, organization=org_a):
        old = AuditLog.objects.create(organization=org_a, action="export", timestamp=now - timedelta(days=10))
        failed = audit_record(action="login_failed", success=False, username="x", organization=org_a)
        ok_export = audit_record(action="export", organization=org_a)

    def ids(**params):
        response = client_a.get(AUDIT, {"page_size": 200, **params})
        assert response.status_code == 200, response.json()
        return {r["id"] for r in response.json()["results"]}

    assert ids(action="export") == {str(old.pk), str(ok_export.pk)}
    assert ids(action="login_failed") == {str(failed.pk)}
    assert str(failed.pk) in ids(success="false")
    assert str(failed.pk) not in ids(success="true")
    assert all(r.success is False for r in AuditLog.objects.filter(pk__in=ids(success="false")))

    since = (now - timedelta(days=1)).isoformat()
    until = (now - timedelta(days=5)).isoformat()
    assert str(old.pk) not in ids(date_from=since)
    assert {str(failed.pk), str(ok_export.pk)} <= ids(date_from=since)
    assert ids(date_to=until) == {str(old.pk)}
    assert ids(action="export", date_from=since) == {str(ok_export.pk)}
    assert ids(action="export", date_from=(now - timedelta(days=11)).isoformat(), date_to=until) == {str(old.pk)}


def test_bad_filter_value_is_400(client_a):
    response = client_a.get(AUDIT, {"date_from": "hier"})
    assert response.status_code == 400
    assert "date_from" in response.json()["errors"]


@pytest.mark.parametrize("role", ["auditor", "compliance_officer", "safety_manager"])
def test_audit_readers_may_list(org_a, role, row):
    user = testing.make_member(org_a, role)
    response = testing.token_client(user, org_a).get(AUDIT)
    assert response.status_code == 200
    assert str(row.pk) in {r["id"] for r in response.json()["results"]}


@pytest.mark.parametrize("role", ["worker", "permit_requester", "medical_officer", "approver"])
def test_other_roles_are_refused_with_a_reason(org_a, role, row):
    user = testing.make_member(org_a, role)
    client = testing.token_client(user, org_a)
    for response in (client.get(AUDIT), client.get(f"{AUDIT}{row.pk}/")):
        assert response.status_code == 403
        body = response.json()
        assert body["code"] == "permission_denied"
        assert "audit log" in body["detail"]
        assert "may not" in body["detail"]
        assert str(Role(role).label) in body["detail"]
