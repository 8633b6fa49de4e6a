"""An integer the column cannot hold is a 400 on every database (the serializer base bounds
model integer fields to the portable column range): SQLite stored 40000 in a small-integer
column, PostgreSQL answered 500."""
import pytest

from ohms_core import testing

from ..models import IsolationPointLibrary

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [40000, 10**30, -1])
def test_out_of_range_lock_count_is_400(w, value):
    client = testing.token_client(testing.make_member(w.org, "org_admin"), w.org)
    r = client.patch(f"/api/v1/ptw/isolation-points/{w.point.pk}/", {"default_lock_count": value}, format="json")
    assert r.status_code == 400, r.content
    assert "default_lock_count" in r.json()["errors"]
    assert IsolationPointLibrary.objects.get(pk=w.point.pk).default_lock_count == 1


def test_in_range_lock_count_is_saved(w):
    client = testing.token_client(testing.make_member(w.org, "org_admin"), w.org)
    r = client.patch(f"/api/v1/ptw/isolation-points/{w.point.pk}/", {"default_lock_count": 32767}, format="json")
    assert r.status_code == 200, r.content
    assert IsolationPointLibrary.objects.get(pk=w.point.pk).default_lock_count == 32767
