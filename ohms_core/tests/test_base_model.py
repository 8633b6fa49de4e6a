"""BaseModel behaviour: soft delete and restore, version and 409, history, who/when fields."""
import pytest

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Site
from ohms_core.services.records import record_restore, record_soft_delete, record_update

pytestmark = pytest.mark.django_db

SITES = "/api/v1/core/sites/"


def _create_site(client, **data):
    response = client.post(SITES, {"name": "Kolwezi", "code": "KZI", **data}, format="json")
    assert response.status_code == 201, response.json()
    return Site.objects.get(pk=response.json()["id"])


# --- soft delete -----------------------------------------------------------------------------

def test_default_manager_hides_soft_deleted_rows(org_a):
    alive = testing.make_site(org_a, name="Vivant")
    gone = testing.make_site(org_a, name="Supprimé")
    gone.soft_delete()

    assert list(Site.objects.filter(organization=org_a)) == [alive]
    assert set(Site.all_objects.filter(organization=org_a)) == {alive, gone}
    assert list(Site.all_objects.deleted()) == [gone]
    assert list(Site.all_objects.alive()) == [alive]
    assert not Site.objects.filter(pk=gone.pk).exists()


def test_model_delete_is_a_soft_delete(org_a):
    site = testing.make_site(org_a)
    site.delete()
    row = Site.all_objects.get(pk=site.pk)
    assert row.is_deleted is True
    assert row.deleted_at is not None


def test_api_delete_soft_deletes_and_records_who(client_a, admin_a):
    site = _create_site(client_a)
    response = client_a.delete(f"{SITES}{site.pk}/")
    assert response.status_code == 204

    assert not Site.objects.filter(pk=site.pk).exists()
    row = Site.all_objects.get(pk=site.pk)
    assert row.is_deleted is True
    assert row.deleted_at is not None
    assert row.deleted_by_id == admin_a.pk
    # Gone from the API too.
    assert client_a.get(f"{SITES}{site.pk}/").status_code == 404
    assert str(site.pk) not in {r["id"] for r in client_a.get(SITES).json()["results"]}


def test_api_restore_brings_the_row_back(client_a):
    site = _create_site(client_a)
    assert client_a.delete(f"{SITES}{site.pk}/").status_code == 204

    response = client_a.post(f"{SITES}{site.pk}/restore/")
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == str(site.pk)

    row = Site.objects.get(pk=site.pk)
    assert row.is_deleted is False
    assert row.deleted_at is None
    assert row.deleted_by_id is None
    assert client_a.get(f"{SITES}{site.pk}/").status_code == 200


def test_restore_of_a_live_row_is_a_no_op(client_a):
    site = _create_site(client_a)
    response = client_a.post(f"{SITES}{site.pk}/restore/")
    assert response.status_code == 200
    site.refresh_from_db()
    assert site.version == 1
    assert site.history.count() == 1


def test_service_restore(org_a, admin_a):
    site = testing.make_site(org_a)
    with acting_as(user=admin_a, organization=org_a):
        record_soft_delete(instance=site)
        assert Site.all_objects.get(pk=site.pk).is_deleted is True
        restored = record_restore(instance=site)
    assert restored.is_deleted is False
    assert Site.objects.filter(pk=site.pk).exists()


def test_restore_refused_when_code_was_reused(client_a):
    """Unique codes only count live rows: restoring a row whose code is taken again is a 400."""
    old = _create_site(client_a, code="DUP")
    assert client_a.delete(f"{SITES}{old.pk}/").status_code == 204
    _create_site(client_a, code="DUP", name="Nouveau")

    response = client_a.post(f"{SITES}{old.pk}/restore/")
    assert response.status_code == 400, response.json()
    assert set(response.json()) == {"detail", "code", "errors"}
    assert Site.all_objects.get(pk=old.pk).is_deleted is True


# --- version, history, who -------------------------------------------------------------------

def test_version_starts_at_one_and_bumps_by_one_per_update(client_a):
    site = _create_site(client_a)
    assert site.version == 1
    assert client_a.get(f"{SITES}{site.pk}/").json()["version"] == 1
    for expected, name in ((2, "A"), (3, "B"), (4, "C")):
        response = client_a.patch(f"{SITES}{site.pk}/", {"name": name}, format="json")
        assert response.status_code == 200
        assert response.json()["version"] == expected
        site.refresh_from_db()
        assert site.version == expected
        assert site.name == name


def test_each_update_writes_exactly_one_history_row_with_the_acting_user(client_a, admin_a):
    site = _create_site(client_a)
    assert site.history.count() == 1
    first = site.history.first()
    assert first.history_type == "+"
    assert first.history_user == admin_a

    for n, name in enumerate(("Un", "Deux"), start=2):
        assert client_a.patch(f"{SITES}{site.pk}/", {"name": name}, format="json").status_code == 200
        assert site.history.count() == n
        latest = site.history.first()
        assert latest.history_type == "~"
        assert latest.history_user == admin_a
        assert latest.name == name
        assert latest.version == n

    assert client_a.delete(f"{SITES}{site.pk}/").status_code == 204
    assert site.history.count() == 4
    assert site.history.first().is_deleted is True
    assert site.history.first().history_user == admin_a


def test_history_user_is_the_token_user_not_someone_else(client_a, org_a, admin_a):
    other = testing.make_member(org_a, "safety_manager")
    client = testing.token_client(other, org_a)
    site = _create_site(client_a)
    assert client.patch(f"{SITES}{site.pk}/", {"name": "Par un autre"}, format="json").status_code == 200
    site.refresh_from_db()
    assert site.history.first().history_user == other
    assert site.created_by_id == admin_a.pk
    assert site.updated_by_id == other.pk


def test_created_and_updated_by_come_from_the_context(org_a, admin_a):
    other = testing.make_member(org_a, "safety_manager")
    with acting_as(user=admin_a, organization=org_a):
        site = Site.objects.create(name="Contexte", code="CTX")
    assert site.organization_id == org_a.pk  # filled from the context too
    assert site.created_by_id == admin_a.pk
    assert site.updated_by_id == admin_a.pk

    with acting_as(user=other, organization=org_a):
        site.name = "Changé"
        site.save()
    site.refresh_from_db()
    assert site.created_by_id == admin_a.pk
    assert site.updated_by_id == other.pk
    assert site.version == 2


def test_no_context_leaves_who_fields_empty(org_a):
    site = Site.objects.create(organization=org_a, name="Job", code="JOB")
    assert site.created_by_id is None and site.updated_by_id is None
    assert site.history.first().history_user is None


def test_context_reason_becomes_history_change_reason(org_a, admin_a):
    site = testing.make_site(org_a)
    with acting_as(user=admin_a, organization=org_a, reason="correction terrain"):
        record_update(instance=site, data={"name": "Corrigé"})
    assert site.history.first().history_change_reason == "correction terrain"


def test_api_sets_created_by_and_updated_by(client_a, admin_a):
    site = _create_site(client_a)
    assert site.created_by_id == admin_a.pk
    assert site.updated_by_id == admin_a.pk
    assert site.organization_id == admin_a.ohms_memberships.get().organization_id


# --- optimistic concurrency ------------------------------------------------------------------

def test_patch_with_stale_version_is_409_and_changes_nothing(client_a):
    site = _create_site(client_a)
    assert client_a.patch(f"{SITES}{site.pk}/", {"name": "Deuxième"}, format="json").status_code == 200

    response = client_a.patch(f"{SITES}{site.pk}/", {"name": "Périmé", "version": 1}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert body["code"] == "conflict"
    assert body["detail"]
    assert "version" in body["errors"]

    site.refresh_from_db()
    assert site.name == "Deuxième"
    assert site.version == 2
    assert site.history.count() == 2


def test_patch_with_current_version_succeeds(client_a):
    site = _create_site(client_a)
    response = client_a.patch(f"{SITES}{site.pk}/", {"name": "Bon", "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    site.refresh_from_db()
    assert site.name == "Bon"


def test_if_match_header(client_a):
    site = _create_site(client_a)
    stale = client_a.patch(f"{SITES}{site.pk}/", {"name": "Non"}, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    site.refresh_from_db()
    assert site.name == "Kolwezi" and site.version == 1

    ok = client_a.patch(f"{SITES}{site.pk}/", {"name": "Oui"}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200, ok.json()
    weak = client_a.patch(f"{SITES}{site.pk}/", {"name": "Faible"}, format="json", HTTP_IF_MATCH='W/"2"')
    assert weak.status_code == 200, weak.json()
    site.refresh_from_db()
    assert site.name == "Faible" and site.version == 3


def test_put_with_stale_version_is_409(client_a):
    site = _create_site(client_a)
    client_a.patch(f"{SITES}{site.pk}/", {"name": "V2"}, format="json")
    response = client_a.put(f"{SITES}{site.pk}/", {"name": "PUT", "code": "KZI", "version": 1}, format="json")
    assert response.status_code == 409
    site.refresh_from_db()
    assert site.name == "V2"


def test_delete_with_stale_version_is_409_and_keeps_the_row(client_a):
    site = _create_site(client_a)
    client_a.patch(f"{SITES}{site.pk}/", {"name": "V2"}, format="json")
    response = client_a.delete(f"{SITES}{site.pk}/", HTTP_IF_MATCH="1")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Site.objects.filter(pk=site.pk).exists()


def test_non_integer_version_is_400(client_a):
    site = _create_site(client_a)
    response = client_a.patch(f"{SITES}{site.pk}/", {"name": "X"}, format="json", HTTP_IF_MATCH="abc")
    assert response.status_code == 400
    assert "version" in response.json()["errors"]
    site.refresh_from_db()
    assert site.version == 1


def test_service_update_with_stale_version_raises_conflict(org_a, admin_a):
    from ohms_core.exceptions import ConflictError

    site = testing.make_site(org_a, name="Avant")
    with acting_as(user=admin_a, organization=org_a):
        record_update(instance=site, data={"name": "Après"}, expected_version=1)
        with pytest.raises(ConflictError):
            record_update(instance=site, data={"name": "Trop tard"}, expected_version=1)
    site.refresh_from_db()
    assert site.name == "Après" and site.version == 2
