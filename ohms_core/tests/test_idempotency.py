"""Idempotency-Key in core: every POST route of /api/v1/ has it, records expire and are
purged, and core endpoints replay like the add-ons' (the permit cases are in ohms_ptw)."""
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from ohms_core import idempotency, jobs, testing
from ohms_core.api.idempotency import IdempotentMixin
from ohms_core.models import IdempotencyRecord, JobRun, Site

#: POST-capable API views that deliberately do not take an Idempotency-Key, with the reason.
NOT_IDEMPOTENT: dict[str, str] = {}


def _api_views(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _accepts_post(callback) -> bool:
    cls = getattr(callback, "cls", None)
    if cls is None:
        return False
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a ViewSet route: the method map of this URL
        return "post" in actions
    return hasattr(cls, "post") and "post" in getattr(cls, "http_method_names", ["post"])


def test_every_post_route_of_the_api_takes_an_idempotency_key():
    post_routes = {path: cb.cls for path, cb in _api_views()
                   if path.startswith("api/v1/") and _accepts_post(cb)}
    # The walk found the routers' routes, not just a few (core alone has about 40; every add-on adds its own).
    assert len(post_routes) > 30 and any(path.startswith("api/v1/core/") for path in post_routes)
    missing = sorted(f"{path} ({cls.__name__})" for path, cls in post_routes.items()
                     if not issubclass(cls, IdempotentMixin) and cls.__name__ not in NOT_IDEMPOTENT)
    assert not missing, "POST routes without IdempotentMixin:\n" + "\n".join(missing)
    stale = set(NOT_IDEMPOTENT) - {cls.__name__ for cls in post_routes.values()}
    assert not stale, f"stale NOT_IDEMPOTENT entries: {stale}"


def test_core_create_replays_and_other_organization_acts_independently(client_a, client_b, org_a, org_b):
    body = {"name": "Kolwezi", "code": "KZI"}
    first = client_a.post("/api/v1/core/sites/", body, format="json", HTTP_IDEMPOTENCY_KEY="site-1")
    assert first.status_code == 201, first.json()
    again = client_a.post("/api/v1/core/sites/", body, format="json", HTTP_IDEMPOTENCY_KEY="site-1")
    assert again.status_code == 201 and again[idempotency.REPLAY_HEADER] == "true"
    assert again.json() == first.json()
    assert Site.objects.filter(organization=org_a, code="KZI").count() == 1
    other = client_b.post("/api/v1/core/sites/", body, format="json", HTTP_IDEMPOTENCY_KEY="site-1")
    assert other.status_code == 201 and other.get(idempotency.REPLAY_HEADER) is None
    assert Site.objects.filter(organization=org_b, code="KZI").count() == 1


def test_session_requests_are_covered_too(admin_a, org_a):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(admin_a)
    body = {"name": "Likasi", "code": "LKS"}
    for _ in range(2):
        r = client.post("/api/v1/core/sites/", body, format="json", HTTP_IDEMPOTENCY_KEY="session-key")
        assert r.status_code == 201
    assert r[idempotency.REPLAY_HEADER] == "true"
    assert Site.objects.filter(organization=org_a, code="LKS").count() == 1


def test_notifications_action_replays(client_a):
    r1 = client_a.post("/api/v1/notifications/mark_all_read/", {}, format="json", HTTP_IDEMPOTENCY_KEY="n-1")
    r2 = client_a.post("/api/v1/notifications/mark_all_read/", {}, format="json", HTTP_IDEMPOTENCY_KEY="n-1")
    assert r1.status_code == r2.status_code == 200
    assert r2[idempotency.REPLAY_HEADER] == "true" and r2.json() == r1.json()


def test_get_ignores_the_header(client_a):
    r = client_a.get("/api/v1/core/sites/", HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert r.status_code == 200
    assert not IdempotencyRecord.objects.exists()


def test_records_expire_after_the_retention_setting(client_a, settings):
    settings.OHMS_IDEMPOTENCY_HOURS = 72
    client_a.post("/api/v1/core/sites/", {"name": "Kipushi", "code": "KIP"}, format="json", HTTP_IDEMPOTENCY_KEY="ret")
    record = IdempotencyRecord.objects.get(key="ret")
    assert record.expires_at - record.created_at == timedelta(hours=72)
    assert record.status_code == 201 and record.token_id is not None


def test_purge_job_deletes_expired_records_only(client_a, monkeypatch):
    client_a.post("/api/v1/core/sites/", {"name": "Old", "code": "OLD"}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    client_a.post("/api/v1/core/sites/", {"name": "New", "code": "NEW"}, format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyRecord.objects.filter(key="old").update(expires_at=timezone.now() - timedelta(seconds=1))
    run = jobs.run_job("idempotency_purge")
    assert (run.success, run.items_processed) == (True, 1)
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert JobRun.objects.filter(name="idempotency_purge").count() == 1


def test_fingerprint_ignores_key_order_but_not_values():
    from django.http import QueryDict

    q = QueryDict("")
    a = idempotency.request_fingerprint(data={"a": 1, "b": [1, {"c": 2}]}, query_params=q)
    assert a == idempotency.request_fingerprint(data={"b": [1, {"c": 2}], "a": 1}, query_params=q)
    assert a != idempotency.request_fingerprint(data={"a": 2, "b": [1, {"c": 2}]}, query_params=q)
    assert a != idempotency.request_fingerprint(data={"a": 1, "b": [1, {"c": 2}]}, query_params=QueryDict("version=2"))


@pytest.mark.parametrize("key,ok", [("a", True), ("k" * 255, True), ("k" * 256, False), ("", False),
                                    ("é", False), ("line\nbreak", False)])
def test_key_validation(key, ok):
    from rest_framework.exceptions import ValidationError

    if ok:
        assert idempotency.key_validate(key) == key
    else:
        with pytest.raises(ValidationError):
            idempotency.key_validate(key)


def test_a_member_of_two_organizations_has_one_key_space_per_organization(org_a, org_b):
    user = testing.make_member(org_a, "org_admin")
    from ohms_core.context import acting_as
    from ohms_core.services.tenancy import membership_upsert

    with acting_as(organization=org_b):
        membership_upsert(organization=org_b, user=user, role="org_admin")
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(user)
    body = {"name": "Shared", "code": "SHR"}
    for org in (org_a, org_b):
        r = client.post("/api/v1/core/sites/", body, format="json", HTTP_IDEMPOTENCY_KEY="same",
                        HTTP_X_OHMS_ORGANIZATION=str(org.code))
        assert r.status_code == 201, r.json()
        assert r.get(idempotency.REPLAY_HEADER) is None
    assert Site.objects.filter(code="SHR").count() == 2


def test_openapi_documents_the_header_on_every_post(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    posts = [op for ops in schema["paths"].values() for method, op in ops.items() if method == "post"]
    assert posts
    for operation in posts:
        names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"]
        assert names.count("Idempotency-Key") == 1, operation["operationId"]
    # The enum post-processing kept running (named enums still in the components).
    assert "RoleEnum" in schema["components"]["schemas"]
