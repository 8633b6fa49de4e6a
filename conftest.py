"""Fixtures shared by every add-on's tests."""
import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from ohms_core import testing

pytest_plugins = ["ohms_core.testing_e2e"]  # browser, page, shot fixtures for e2e tests

ROOT = Path(__file__).resolve().parent


#: ``make test`` installs the dev extra only; Playwright comes with ``make e2e``. Without it the
#: browser-test folders are not collected at all (``make e2e`` would then collect nothing and fail).
HAS_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None


def pytest_ignore_collect(collection_path, config):
    """Skip the tests of add-ons left out by OHMS_ADDONS (their models are not installed), and the
    browser tests when Playwright is not installed."""
    if not HAS_PLAYWRIGHT and "e2e" in collection_path.parts:
        return True
    selected = os.environ.get("OHMS_ADDONS", "").strip()
    if not selected:
        return None
    installed = {f"ohms_{name.strip()}" for name in selected.split(",")} | {"ohms_core"}
    try:
        top = collection_path.resolve().relative_to(ROOT).parts[0]
    except (ValueError, IndexError):
        return None
    if top.startswith("ohms_") and top not in installed:
        return True
    return None


@pytest.fixture(autouse=True, scope="session")
def _clean_test_media():
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_admin_sidebar():
    """Each test builds its own admin sidebar: ids are reused after a rollback (SQLite)."""
    from ohms_core.admin_views import sidebar

    sidebar.clear()


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
