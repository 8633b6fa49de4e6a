"""Browser-side hardening: no open redirects, sessions that end, a CSP, no outside avatars."""
import time

import pytest
from django.test import Client

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Notification
from ohms_core.services.tenancy import membership_upsert
from ohms_core.tenancy import SESSION_KEY

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- open redirects ---------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/x", "https:/\\evil.example"])
def test_organization_switcher_refuses_an_offsite_next(org_a, admin_a, target):
    response = _login(admin_a).post("/admin/ohms/switch-organization/", {"organization": str(org_a.pk), "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_organization_switcher_keeps_a_local_next(org_a, admin_a):
    response = _login(admin_a).post("/admin/ohms/switch-organization/", {"organization": str(org_a.pk), "next": "/admin/core/sites/"})
    assert response["Location"] == "/admin/core/sites/"


@pytest.mark.parametrize("path", ["read/", None])
def test_mark_read_refuses_an_offsite_next(org_a, admin_a, path):
    note = Notification.objects.create(organization=org_a, user=admin_a, event_type="x", title="t", dedupe_key="k")
    url = f"/admin/ohms/notifications/{note.pk}/read/" if path else "/admin/ohms/notifications/mark-all-read/"
    response = _login(admin_a).post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/ohms/notifications/"
    note.refresh_from_db()
    assert note.is_read


# --- sessions ---------------------------------------------------------------------------------

def test_session_lives_one_shift_at_most(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.OHMS_SESSION_IDLE_MINUTES > 0


def test_idle_session_is_logged_out(admin_a, settings):
    settings.OHMS_SESSION_IDLE_MINUTES = 30
    client = _login(admin_a)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session["ohms_last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_background_polling_does_not_keep_a_session_alive(admin_a, settings):
    settings.OHMS_SESSION_IDLE_MINUTES = 30
    client = _login(admin_a)
    client.get("/admin/")
    session = client.session
    stamp = int(time.time()) - 10 * 60
    session["ohms_last_seen"] = stamp
    session.save()
    assert client.get("/admin/ohms/notifications/count/").status_code == 200
    assert client.session["ohms_last_seen"] == stamp  # polling is not activity
    client.get("/admin/")
    assert client.session["ohms_last_seen"] > stamp  # a page view is


# --- several memberships keep the chosen organization --------------------------------------------

def test_switch_keeps_the_chosen_organization_across_requests(org_a, org_b, admin_a):
    with acting_as(organization=org_b):
        membership_upsert(organization=org_b, user=admin_a, role="auditor")
    client = _login(admin_a)
    client.post("/admin/ohms/switch-organization/", {"organization": str(org_b.pk)})
    assert client.get("/admin/").status_code == 200
    assert client.session[SESSION_KEY] == str(org_b.pk)


# --- Content-Security-Policy and offline avatars ------------------------------------------------

@pytest.mark.parametrize("path", ["/admin/", "/admin/core/sites/", "/admin/core/sites/new/", "/admin/ohms/notifications/"])
def test_admin_pages_load_with_a_csp_that_allows_only_our_origin(admin_a, path):
    response = _login(admin_a).get(path)
    assert response.status_code == 200, path
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy
    assert "http" not in policy  # no outside origin allowed anywhere


def test_api_docs_load_with_the_csp_and_local_assets():
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    body = response.content.decode()
    assert "cdn.jsdelivr" not in body and "unpkg.com" not in body


def test_login_page_has_the_csp():
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_admin_fetches_no_avatar_from_an_outside_service(admin_a):
    body = _login(admin_a).get("/admin/").content.decode()
    assert "gravatar" not in body.lower()


def test_organization_member_page_works(org_a):
    """A plain member (not a superuser) loads the dashboard under the CSP too."""
    user = testing.make_member(org_a, "safety_manager")
    assert _login(user).get("/admin/").status_code == 200
