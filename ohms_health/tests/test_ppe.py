"""PPE compliance (SPEC 3.5): items, checks, bulk checks, the rate and its cache, the
non-compliant list, expiring items, roles and other tenants."""
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing

from ..models import PPEComplianceRecord, PPEItem
from ..services.ppe import compliance_rate, ppe_bulk_check, ppe_check_record
from .factories import ppe_item, ppe_record

ITEMS = "/api/v1/health/ppe-items/"
CHECKS = "/api/v1/health/ppe-compliance/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def worker_a(org_a):
    return testing.make_worker(org_a)


@pytest.mark.django_db
def test_is_compliant_is_derived_from_the_status(worker_a):
    item = ppe_item(worker_a)
    assert ppe_record(item, "compliant").is_compliant is True
    record = ppe_record(item, "damaged")
    assert record.is_compliant is False
    record.status = "compliant"
    record.save()
    assert PPEComplianceRecord.objects.get(pk=record.pk).is_compliant is True


@pytest.mark.django_db
@pytest.mark.parametrize(("before", "status", "after"), [
    ("good", "damaged", "damaged"), ("good", "lost", "lost"), ("good", "replaced", "retired"),
    ("damaged", "compliant", "good"), ("lost", "compliant", "good"), ("worn", "non_compliant", "worn"),
    ("worn", "compliant", "worn"), ("good", "expired", "good"),
])
def test_a_check_updates_the_item_condition(worker_a, admin_a, before, status, after):
    item = ppe_item(worker_a, condition=before)
    record = ppe_check_record(item=item, check_type="routine", status=status, user=admin_a)
    item.refresh_from_db()
    assert item.condition == after
    assert record.worker == worker_a and record.checked_by == admin_a
    assert item.history.count() == (2 if before != after else 1)


@pytest.mark.django_db
def test_rate_calculation_and_target(org_a, worker_a):
    other_enterprise = testing.make_enterprise(org_a)
    item = ppe_item(worker_a)
    for status in ["compliant"] * 19 + ["damaged"]:
        ppe_record(item, status)
    elsewhere = ppe_item(enterprise=other_enterprise)
    ppe_record(elsewhere, "non_compliant")
    whole = compliance_rate(org_a)
    assert (whole.rate, whole.compliant, whole.total, whole.meets_target) == (90.48, 19, 21, False)
    one = compliance_rate(org_a, enterprise_id=worker_a.enterprise_id)
    assert (one.rate, one.compliant, one.total, one.target, one.meets_target) == (95.0, 19, 20, 95, True)
    assert compliance_rate(org_a, enterprise_id=other_enterprise.pk).rate == 0.0
    assert compliance_rate(org_a, since=timezone.now() + timedelta(days=1)).as_dict() == {
        "compliance_rate": None, "compliant": 0, "total": 0, "target": 95, "meets_target": None}


@pytest.mark.django_db
def test_rate_is_one_query(org_a, worker_a):
    ppe_record(ppe_item(worker_a), "compliant")
    with CaptureQueriesContext(connection) as queries:
        compliance_rate(org_a, enterprise_id=worker_a.enterprise_id)
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
def test_compliance_rate_endpoint_is_cached_and_a_new_check_drops_the_cache(client_a, worker_a):
    item = ppe_item(worker_a)
    ppe_record(item, "compliant")
    url = f"{CHECKS}compliance-rate/?enterprise_id={worker_a.enterprise_id}"
    first = client_a.get(url).json()
    assert first == {"compliance_rate": 100.0, "compliant": 1, "total": 1, "target": 95, "meets_target": True}
    ppe_record(item, "damaged")  # written behind the service's back: the cached answer stays
    assert client_a.get(url).json() == first
    response = client_a.post(CHECKS, {"ppe_item": str(item.pk), "check_type": "routine", "status": "lost"},
                             format="json")
    assert response.status_code == 201, response.content
    assert client_a.get(url).json()["total"] == 3  # the service bumped the generation
    assert client_a.get(f"{CHECKS}compliance-rate/").json()["compliance_rate"] == 33.33


@pytest.mark.django_db
def test_compliance_rate_bad_and_foreign_enterprise(client_a, org_b):
    assert client_a.get(f"{CHECKS}compliance-rate/?enterprise_id=1").status_code == 400
    foreign = testing.make_enterprise(org_b)
    assert client_a.get(f"{CHECKS}compliance-rate/?enterprise_id={foreign.pk}").status_code == 404


@pytest.mark.django_db
def test_create_check_defaults_and_validation(client_a, worker_a):
    expired = ppe_item(worker_a, expiry_date=timezone.localdate() - timedelta(days=1))
    response = client_a.post(CHECKS, {"ppe_item": str(expired.pk), "check_type": "expiry"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "expired" and response.json()["is_compliant"] is False
    bad = client_a.post(CHECKS, {"ppe_item": str(expired.pk), "check_type": "weekly", "status": "fine"},
                        format="json")
    assert bad.status_code == 400 and {"check_type", "status"} <= set(bad.json()["errors"])
    future = client_a.post(CHECKS, {"ppe_item": str(expired.pk), "check_type": "routine",
                                    "checked_at": (timezone.now() + timedelta(days=2)).isoformat()}, format="json")
    assert future.status_code == 400 and "checked_at" in future.json()["errors"]
    record = PPEComplianceRecord.objects.get()
    assert client_a.put(f"{CHECKS}{record.pk}/", {}, format="json").status_code in (403, 405)  # a log: no edits


@pytest.mark.django_db
def test_bulk_check_creates_one_record_per_item(client_a, admin_a, worker_a):
    fresh = ppe_item(worker_a)
    expired = ppe_item(worker_a, expiry_date=timezone.localdate() - timedelta(days=3))
    response = client_a.post(f"{CHECKS}bulk-check/", {"ppe_item_ids": [str(fresh.pk), str(expired.pk),
                                                                       str(fresh.pk)],
                                                      "check_type": "routine"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 2
    statuses = dict(PPEComplianceRecord.objects.values_list("ppe_item_id", "status"))
    assert statuses == {fresh.pk: "compliant", expired.pk: "expired"}
    explicit = client_a.post(f"{CHECKS}bulk-check/", {"ppe_item_ids": [str(fresh.pk)], "check_type": "damage",
                                                      "status": "damaged"}, format="json")
    assert explicit.status_code == 201
    fresh.refresh_from_db()
    assert fresh.condition == "damaged"


@pytest.mark.django_db
def test_bulk_check_with_another_organizations_item_creates_nothing(client_a, org_b, worker_a):
    mine = ppe_item(worker_a)
    theirs = ppe_item(testing.make_worker(org_b))
    response = client_a.post(f"{CHECKS}bulk-check/", {"ppe_item_ids": [str(mine.pk), str(theirs.pk)],
                                                      "check_type": "routine"}, format="json")
    assert response.status_code == 400 and "ppe_item_ids" in response.json()["errors"]
    assert not PPEComplianceRecord.objects.exists()
    for body in ({"ppe_item_ids": [], "check_type": "routine"}, {"ppe_item_ids": [str(mine.pk)]}):
        assert client_a.post(f"{CHECKS}bulk-check/", body, format="json").status_code == 400


@pytest.mark.django_db
def test_bulk_check_is_all_or_nothing(admin_a, worker_a, monkeypatch):
    items = [ppe_item(worker_a) for _ in range(3)]
    from ..services import ppe as ppe_services

    calls = []
    real = ppe_services.record_create

    def failing(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(ppe_services, "record_create", failing)
    with pytest.raises(RuntimeError):
        ppe_bulk_check(items=items, check_type="routine", user=admin_a)
    assert not PPEComplianceRecord.objects.exists()


@pytest.mark.django_db
def test_non_compliant_filter(client_a, worker_a):
    item = ppe_item(worker_a)
    ppe_record(item, "compliant")
    bad = [ppe_record(item, status) for status in ("non_compliant", "expired", "lost")]
    body = client_a.get(f"{CHECKS}non-compliant/").json()
    assert {row["id"] for row in body["results"]} == {str(r.pk) for r in bad}
    only = client_a.get(f"{CHECKS}non-compliant/?status=lost").json()
    assert [row["id"] for row in only["results"]] == [str(bad[2].pk)]
    assert client_a.get(f"{CHECKS}?is_compliant=true").json()["count"] == 1


@pytest.mark.django_db
def test_items_crud_filters_and_search(client_a, org_a, worker_a):
    response = client_a.post(ITEMS, {"worker": str(worker_a.pk), "ppe_type": "respirator",
                                     "serial_number": "RESP-001", "expiry_date": "2027-01-31"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["enterprise"] == str(worker_a.enterprise_id)
    duplicate = client_a.post(ITEMS, {"worker": str(worker_a.pk), "ppe_type": "gloves", "serial_number": "RESP-001"},
                              format="json")
    assert duplicate.status_code == 400
    other = testing.make_enterprise(org_a)
    mismatch = client_a.post(ITEMS, {"worker": str(worker_a.pk), "enterprise": str(other.pk), "ppe_type": "gloves",
                                     "serial_number": "G-1"}, format="json")
    assert mismatch.status_code == 400 and "worker" in mismatch.json()["errors"]
    inverted = client_a.post(ITEMS, {"enterprise": str(other.pk), "ppe_type": "gloves", "serial_number": "G-2",
                                     "issued_on": "2026-05-01", "expiry_date": "2026-04-01"}, format="json")
    assert inverted.status_code == 400 and "expiry_date" in inverted.json()["errors"]
    assert client_a.post(ITEMS, {"ppe_type": "gloves", "serial_number": "G-3"}, format="json").status_code == 400
    ppe_item(enterprise=other, serial_number="HELM-9", ppe_type="helmet", expiry_date=None)
    assert client_a.get(f"{ITEMS}?ppe_type=respirator").json()["count"] == 1
    assert client_a.get(f"{ITEMS}?enterprise={other.pk}").json()["count"] == 1
    assert client_a.get(f"{ITEMS}?worker={worker_a.pk}").json()["count"] == 1
    assert client_a.get(f"{ITEMS}?expiry_date__lte=2027-02-01").json()["count"] == 1
    assert [r["serial_number"] for r in client_a.get(f"{ITEMS}?search=HELM").json()["results"]] == ["HELM-9"]
    item = PPEItem.objects.get(serial_number="RESP-001")
    patch = client_a.patch(f"{ITEMS}{item.pk}/", {"condition": "worn", "version": 1}, format="json")
    assert patch.status_code == 200 and patch.json()["version"] == 2
    assert client_a.patch(f"{ITEMS}{item.pk}/", {"condition": "good", "version": 1},
                          format="json").status_code == 409
    assert client_a.delete(f"{ITEMS}{item.pk}/").status_code == 204
    assert PPEItem.all_objects.get(pk=item.pk).is_deleted


@pytest.mark.django_db
def test_expiring_items(client_a, worker_a):
    today = timezone.localdate()
    soon = ppe_item(worker_a, expiry_date=today + timedelta(days=10))
    past = ppe_item(worker_a, expiry_date=today - timedelta(days=1))
    ppe_item(worker_a, expiry_date=today + timedelta(days=90))
    ppe_item(worker_a, expiry_date=today - timedelta(days=5), condition="retired")
    body = client_a.get(f"{ITEMS}expiring/?days=30").json()
    assert [row["id"] for row in body["results"]] == [str(past.pk), str(soon.pk)]
    assert body["results"][0]["is_expired"] is True
    assert client_a.get(f"{ITEMS}expiring/?days=x").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "read", "write"), [
    ("safety_manager", 200, 201), ("medical_officer", 200, 201), ("auditor", 403, 403), ("worker", 403, 403),
    ("permit_requester", 403, 403)])
def test_ppe_per_role(org_a, worker_a, role, read, write):
    item = ppe_item(worker_a)
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    assert client.get(ITEMS).status_code == read
    assert client.get(f"{CHECKS}compliance-rate/").status_code == read
    assert client.post(CHECKS, {"ppe_item": str(item.pk), "check_type": "routine"},
                       format="json").status_code == write
    assert client.post(f"{CHECKS}bulk-check/", {"ppe_item_ids": [str(item.pk)], "check_type": "routine"},
                       format="json").status_code == write


@pytest.mark.django_db
def test_other_organization_is_404_on_every_ppe_endpoint(client_b, worker_a):
    item = ppe_item(worker_a)
    record = ppe_record(item, "damaged")
    for url in (f"{ITEMS}{item.pk}/", f"{CHECKS}{record.pk}/"):
        assert client_b.get(url).status_code == 404
        assert client_b.delete(url).status_code == 404
    assert client_b.patch(f"{ITEMS}{item.pk}/", {"condition": "lost"}, format="json").status_code == 404
    assert client_b.post(f"{CHECKS}{record.pk}/restore/").status_code == 404
    assert client_b.get(ITEMS).json()["count"] == 0
    assert client_b.get(f"{ITEMS}expiring/?days=10000").status_code == 400
    assert client_b.get(f"{ITEMS}expiring/?days=3650").json()["count"] == 0
    assert client_b.get(f"{CHECKS}non-compliant/").json()["count"] == 0
    assert client_b.get(f"{CHECKS}compliance-rate/").json()["total"] == 0
    assert client_b.post(CHECKS, {"ppe_item": str(item.pk), "check_type": "routine"},
                         format="json").status_code == 400
    assert PPEComplianceRecord.objects.count() == 1


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(client_a, worker_a, django_assert_max_num_queries):
    item = ppe_item(worker_a)
    ppe_record(item, "damaged")
    urls = (ITEMS, CHECKS, f"{CHECKS}non-compliant/", f"{ITEMS}expiring/?days=3650")
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as few:
            assert client_a.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    for _ in range(8):
        ppe_record(ppe_item(worker_a, expiry_date=timezone.localdate()), "lost")
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client_a.get(url).status_code == 200
