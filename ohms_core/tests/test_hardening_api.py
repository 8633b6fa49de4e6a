"""Hostile request bodies: deep nesting, oversize bodies, out-of-range integers, chosen versions.

Each case was a 500 (or silently accepted) before: the answer must be 400/413 in the API's
error format, and nothing must be written.
"""
import pytest
from django.db import DataError
from django.test import override_settings

from ohms_core.api.parsers import json_depth_exceeds
from ohms_core.models import Site

pytestmark = pytest.mark.django_db

SITES = "/api/v1/core/sites/"
ERROR_KEYS = {"detail", "code", "errors"}


def _post_raw(client, path, body: bytes, content_type="application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def test_deeply_nested_json_is_400_not_500(client_a):
    response = _post_raw(client_a, SITES, b"[" * 200_000)
    assert response.status_code == 400, response.content[:200]
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["code"] == "parse_error"
    assert Site.all_objects.count() == 0


def test_json_nested_beyond_the_limit_but_parseable_is_400(client_a, settings):
    settings.OHMS_JSON_MAX_DEPTH = 32
    nested = b'{"name": "X", "code": "X", "extra": ' + b"[" * 40 + b"]" * 40 + b"}"
    response = _post_raw(client_a, SITES, nested)
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert Site.all_objects.count() == 0


def test_json_within_the_depth_limit_is_accepted(client_a):
    response = _post_raw(client_a, SITES, b'{"name": "Kolwezi", "code": "KZI", "extra": [[[1]]]}')
    assert response.status_code == 201, response.content


def test_depth_check_is_iterative_and_exact():
    assert not json_depth_exceeds({"a": [1, 2]}, 2)
    assert json_depth_exceeds({"a": [[1]]}, 2)
    assert not json_depth_exceeds(5, 0)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_json_body_over_the_size_limit_is_a_json_413(client_a):
    body = b'{"name": "' + b"x" * 2000 + b'", "code": "BIG"}'
    response = _post_raw(client_a, SITES, body)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "request_too_large"
    assert Site.all_objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_form_body_over_the_size_limit_is_a_json_413(client_a):
    response = _post_raw(client_a, SITES, b"name=" + b"x" * 2000 + b"&code=BIG", "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_client_chosen_version_is_ignored_on_create(client_a):
    response = client_a.post(SITES, {"name": "Kamoto", "code": "KMT", "version": 99}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 1
    assert Site.objects.get(code="KMT").version == 1


def test_out_of_range_version_is_400_not_500(client_a, org_a):
    from ohms_core.testing import make_site

    site = make_site(org_a)
    response = client_a.patch(f"{SITES}{site.pk}/", {"name": "N", "version": 10**30}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()["errors"]


def test_model_integer_fields_are_bounded_to_the_column_range(org_a):
    """A PositiveIntegerField accepts 0..2**31-1 in every database: beyond is a field error."""
    from rest_framework import serializers

    from ohms_core.api.serializers import ScopedModelSerializer
    from ohms_core.models import JobRun

    class RunSerializer(ScopedModelSerializer):
        class Meta:
            model = JobRun
            fields = ("name", "items_processed")

    assert RunSerializer(data={"name": "x", "items_processed": 2**31}).is_valid() is False
    too_big = RunSerializer(data={"name": "x", "items_processed": 2**31})
    too_big.is_valid()
    assert "items_processed" in too_big.errors
    assert RunSerializer(data={"name": "x", "items_processed": -1}).is_valid() is False
    assert RunSerializer(data={"name": "x", "items_processed": 2**31 - 1}).is_valid() is True
    field = RunSerializer().fields["items_processed"]
    assert isinstance(field, serializers.IntegerField)
    assert (field.min_value, field.max_value) == (0, 2**31 - 1)


@pytest.mark.parametrize("exc", [OverflowError("Python int too large to convert to SQLite INTEGER"),
                                 DataError("integer out of range")])
def test_a_value_the_column_cannot_hold_is_400_not_500(exc):
    """Safety net for serializers that do not bound an integer (action serializers)."""
    from ohms_core.api.exceptions import exception_handler

    response = exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data["code"] == "out_of_range"
