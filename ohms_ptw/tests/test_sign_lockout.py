"""Signing re-asks the password: it must not be a password oracle (core lockout applies)."""
import pytest
from django.core.cache import cache

from ohms_ptw.models import DigitalSignature

from .helpers import purl

PASSWORD = "pass-1234-word"  # ohms_core.testing.make_user's default

pytestmark = pytest.mark.django_db


def test_sign_locks_after_n_wrong_passwords(w, settings):
    settings.OHMS_LOGIN_MAX_FAILURES = 3
    try:
        pid = w.create_permit()["id"]
        client = w.client(w.issuer)
        for _ in range(2):
            r = client.post(purl(pid, "sign"), {"meaning": "issuer", "password": "guess"}, format="json")
            assert r.status_code == 403 and r.json()["code"] == "wrong_password"
        r = client.post(purl(pid, "sign"), {"meaning": "issuer", "password": "guess"}, format="json")
        assert r.status_code == 403 and r.json()["code"] == "account_locked"
        r = client.post(purl(pid, "sign"), {"meaning": "issuer", "password": PASSWORD}, format="json")
        assert r.status_code == 403 and r.json()["code"] == "account_locked"
        assert not DigitalSignature.objects.filter(permit_id=pid).exists()
    finally:
        cache.clear()
