"""One error format everywhere, and bad input never turns into a 500."""
import uuid

import pytest

from ohms_core import testing
from ohms_core.models import Enterprise, Site, Worker

pytestmark = pytest.mark.django_db

SITES = "/api/v1/core/sites/"
WORKERS = "/api/v1/core/workers/"
ENTERPRISES = "/api/v1/core/enterprises/"
ERROR_KEYS = {"detail", "code", "errors"}


def _error(response, status):
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], dict)
    return body


def test_malformed_json_is_400(client_a):
    body = _error(client_a.post(SITES, data="{bad", content_type="application/json"), 400)
    assert body["code"] == "parse_error"
    assert "JSON" in body["detail"]
    assert Site.objects.count() == 0


def test_malformed_json_on_patch_is_400(client_a, org_a):
    site = testing.make_site(org_a, name="Intact")
    _error(client_a.patch(f"{SITES}{site.pk}/", data='{"name": ', content_type="application/json"), 400)
    site.refresh_from_db()
    assert site.name == "Intact" and site.version == 1


def test_wrong_types_are_field_errors(client_a, org_a):
    enterprise = testing.make_enterprise(org_a)
    response = client_a.post(WORKERS, {
        "first_name": "Amani", "last_name": "Ilunga", "employee_number": "E1", "enterprise": str(enterprise.pk),
        "is_active": "notabool", "hire_date": "yesterday", "exit_date": "never",
    }, format="json")
    body = _error(response, 400)
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"is_active", "hire_date", "exit_date"}
    assert all(isinstance(m, list) and m and isinstance(m[0], str) for m in body["errors"].values())
    assert Worker.objects.count() == 0


def test_wrong_type_on_update(client_a, org_a):
    worker = testing.make_worker(org_a)
    body = _error(client_a.patch(f"{WORKERS}{worker.pk}/", {"hire_date": "yesterday"}, format="json"), 400)
    assert list(body["errors"]) == ["hire_date"]
    worker.refresh_from_db()
    assert worker.hire_date is None and worker.version == 1


def test_model_validation_is_a_field_error(client_a, org_a):
    """Worker.clean() rules come back keyed by field, not as a 500."""
    worker = testing.make_worker(org_a)
    response = client_a.patch(f"{WORKERS}{worker.pk}/", {"hire_date": "2020-01-10", "exit_date": "2019-01-01"}, format="json")
    body = _error(response, 400)
    assert "exit_date" in body["errors"]
    worker.refresh_from_db()
    assert worker.exit_date is None


def test_unknown_foreign_id_is_a_field_error(client_a):
    response = client_a.post(WORKERS, {
        "first_name": "Amani", "last_name": "Ilunga", "employee_number": "E1", "enterprise": str(uuid.uuid4()),
    }, format="json")
    body = _error(response, 400)
    assert list(body["errors"]) == ["enterprise"]
    assert Worker.objects.count() == 0


def test_malformed_foreign_id_is_a_field_error(client_a):
    response = client_a.post("/api/v1/core/projects/", {"name": "P", "code": "P", "site": "pas-un-uuid"}, format="json")
    body = _error(response, 400)
    assert list(body["errors"]) == ["site"]


@pytest.mark.parametrize("path", [
    "sites/not-a-uuid/", "workers/123/", "documents/xyz/", "documents/xyz/download/",
    "audit-log/not-a-uuid/", "tokens/nope/", "sites/not-a-uuid/restore/",
])
def test_non_uuid_id_in_url_is_404(client_a, path):
    method = client_a.post if path.endswith("restore/") else client_a.get
    body = _error(method(f"/api/v1/core/{path}"), 404)
    assert body["code"] == "not_found"


def test_unknown_uuid_in_url_is_404(client_a):
    body = _error(client_a.get(f"{SITES}{uuid.uuid4()}/"), 404)
    assert body["code"] == "not_found"


def test_page_size_is_clamped_to_200(client_a, org_a):
    Site.objects.bulk_create(
        [Site(organization=org_a, name=f"Site {n:03d}", code=f"S{n:03d}") for n in range(205)]
    )
    response = client_a.get(SITES, {"page_size": 100000})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 205
    assert len(body["results"]) == 200
    assert body["next"] is not None
    # The default page is 20.
    assert len(client_a.get(SITES).json()["results"]) == 20
    second = client_a.get(SITES, {"page_size": 100000, "page": 2}).json()
    assert len(second["results"]) == 5
    assert second["next"] is None


def test_page_beyond_the_last_is_404(client_a, org_a):
    testing.make_site(org_a)
    body = _error(client_a.get(SITES, {"page": 5}), 404)
    assert body["code"] == "not_found"
    _error(client_a.get(SITES, {"page": "abc"}), 404)


def test_duplicate_code_is_400_not_500(client_a):
    assert client_a.post(SITES, {"name": "Un", "code": "KZI"}, format="json").status_code == 201
    body = _error(client_a.post(SITES, {"name": "Deux", "code": "KZI"}, format="json"), 400)
    assert body["errors"].keys() & {"code", "non_field_errors"}
    assert Site.objects.filter(code="KZI").count() == 1


def test_duplicate_code_on_update_is_400(client_a, org_a):
    testing.make_site(org_a, code="PRIS")
    mine = testing.make_site(org_a, code="LIBRE")
    _error(client_a.patch(f"{SITES}{mine.pk}/", {"code": "PRIS"}, format="json"), 400)
    mine.refresh_from_db()
    assert mine.code == "LIBRE"


def test_same_code_in_another_organization_is_fine(client_a, org_b):
    testing.make_site(org_b, code="KZI")
    assert client_a.post(SITES, {"name": "Un", "code": "KZI"}, format="json").status_code == 201


def test_duplicate_employee_number_is_400(client_a, org_a):
    enterprise = testing.make_enterprise(org_a)
    data = {"first_name": "A", "last_name": "B", "employee_number": "E1", "enterprise": str(enterprise.pk)}
    assert client_a.post(WORKERS, data, format="json").status_code == 201
    _error(client_a.post(WORKERS, data, format="json"), 400)
    assert Worker.objects.count() == 1


def test_invalid_code_format_is_a_field_error(client_a):
    body = _error(client_a.post(SITES, {"name": "Un", "code": "pas bon!"}, format="json"), 400)
    assert list(body["errors"]) == ["code"]


def test_missing_required_fields_are_listed(client_a):
    body = _error(client_a.post(SITES, {"province": "Lualaba"}, format="json"), 400)
    assert set(body["errors"]) == {"name", "code"}
    body = _error(client_a.post(ENTERPRISES, {"name": "Sans code"}, format="json"), 400)
    assert list(body["errors"]) == ["code"]


def test_worker_without_contact_or_names_lists_the_names(client_a, org_a):
    enterprise = testing.make_enterprise(org_a)
    body = _error(client_a.post(WORKERS, {"employee_number": "E1", "enterprise": str(enterprise.pk)}, format="json"), 400)
    assert set(body["errors"]) == {"first_name", "last_name"}


def test_deleting_a_referenced_enterprise_soft_deletes_it(client_a, org_a):
    worker = testing.make_worker(org_a)
    enterprise = worker.enterprise
    response = client_a.delete(f"{ENTERPRISES}{enterprise.pk}/")
    assert response.status_code == 204
    assert Enterprise.all_objects.get(pk=enterprise.pk).is_deleted is True
    worker.refresh_from_db()
    assert worker.enterprise_id == enterprise.pk  # the worker keeps its employer row
    assert client_a.get(f"{WORKERS}{worker.pk}/").status_code == 200


def test_wrong_method_is_405_in_the_error_format(client_a):
    body = _error(client_a.patch(SITES, {"name": "x"}, format="json"), 405)
    assert body["code"] == "method_not_allowed"


def test_unknown_filter_choice_is_400(client_a):
    body = _error(client_a.get("/api/v1/core/documents/", {"privacy_level": "immortal"}), 400)
    assert "privacy_level" in body["errors"]
