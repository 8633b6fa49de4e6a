"""The admin sidebar is built once per person and state (``ohms_core.admin_views.sidebar``,
issue 13): reused from one page to the next, built again when the role, the unread count, the
person or the language changes, never shared between people."""
import json
import re

import pytest
from django.test import Client

from ohms_core import testing
from ohms_core.admin_views import sidebar
from ohms_core.models import Notification
from ohms_core.services.tenancy import membership_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch):
    """How many times Wagtail's own sidebar was built."""
    calls = []
    wagtail = sidebar._wagtail_sidebar_props
    monkeypatch.setattr(sidebar, "_wagtail_sidebar_props", lambda context: calls.append(1) or wagtail(context))
    return calls


def _sidebar(client) -> dict:
    response = client.get("/admin/")
    assert response.status_code == 200
    match = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    return json.loads(match.group(1))


def _menu_names(props) -> set[str]:
    return set(re.findall(r'"name": "([^"]+)"', json.dumps(props)))


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_second_page_reuses_the_sidebar_and_it_is_wagtails(admin_a, builds):
    client = _client(admin_a)
    first = _sidebar(client)
    assert client.get("/admin/core/sites/").status_code == 200
    assert _sidebar(client) == first
    assert len(builds) == 1
    assert "ohms-jobs" in _menu_names(first)  # an org admin's menu


def test_role_change_rebuilds_the_menu(org_a, admin_a, builds):
    auditor = testing.make_member(org_a, "auditor", "auditor@alpha.test")
    client = _client(auditor)
    assert "ohms-jobs" not in _menu_names(_sidebar(client))
    membership = auditor.ohms_memberships.get(organization=org_a)
    membership_update(instance=membership, data={"role": "org_admin"}, actor=admin_a)
    assert "ohms-jobs" in _menu_names(_sidebar(client))
    assert len(builds) == 2


def test_a_new_notification_shows_in_the_menu_at_once(org_a, admin_a, builds):
    client = _client(admin_a)
    assert "Notifications (1)" not in json.dumps(_sidebar(client))
    Notification.objects.create(user=admin_a, title="Permit waiting", message="PTW-1 waits for you",
                                event_type="permit.submitted", organization=org_a, dedupe_key="sidebar-test")
    assert "Notifications (1)" in json.dumps(_sidebar(client))
    assert len(builds) == 2


def test_people_never_share_a_sidebar(org_a, admin_a, builds):
    other = testing.make_member(org_a, "org_admin", "second@alpha.test")
    other.first_name, other.last_name = "Zéphyrin", "Admin"
    other.save()
    mine, theirs = _sidebar(_client(admin_a)), _sidebar(_client(other))
    assert "Zéphyrin" in json.dumps(theirs, ensure_ascii=False) and "Zéphyrin" not in json.dumps(mine, ensure_ascii=False)
    assert len(builds) == 2


def test_language_and_time_rebuild_it(admin_a, builds, monkeypatch):
    client = _client(admin_a)
    english = _sidebar(client)
    client.cookies["django_language"] = "fr"
    french = _sidebar(client)
    assert french != english and len(builds) == 2
    now = sidebar.time.monotonic()
    monkeypatch.setattr(sidebar.time, "monotonic", lambda: now + sidebar.TTL + 1)
    assert _sidebar(client) == french and len(builds) == 3


def test_anonymous_pages_are_not_cached(builds):
    assert Client().get("/admin/login/").status_code == 200
    assert not sidebar._entries
