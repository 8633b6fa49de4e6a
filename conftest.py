"""Fixtures shared by every add-on's tests."""
import shutil

import pytest
from django.conf import settings

from ohms_core import testing


@pytest.fixture(autouse=True, scope="session")
def _clean_test_media():
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def org_a(db):
    return testing.make_organization("ALPHA", "Société Minière Alpha")


@pytest.fixture
def org_b(db):
    return testing.make_organization("BRAVO", "Bravo Mining")


@pytest.fixture
def admin_a(org_a):
    return testing.make_member(org_a, "org_admin", "admin@alpha.test")


@pytest.fixture
def admin_b(org_b):
    return testing.make_member(org_b, "org_admin", "admin@bravo.test")


@pytest.fixture
def client_a(admin_a, org_a):
    return testing.token_client(admin_a, org_a)


@pytest.fixture
def client_b(admin_b, org_b):
    return testing.token_client(admin_b, org_b)
