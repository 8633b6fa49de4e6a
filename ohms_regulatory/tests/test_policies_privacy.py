"""Privacy of the policy pages: members of the organization only unless public, on the site,
in the admin (explorer, editor, history, usage, revisions, preview, search, chooser,
reports) and in Wagtail's API v2."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ohms_core import testing

from ..services.policies import policy_index_for, policy_moderate, policy_submit
from .factories import make_live_policy, make_policy, policy_tree

pytestmark = pytest.mark.django_db

SECRET = "Confidential blasting procedure"


@pytest.fixture
def world():
    org_a, org_b = testing.make_organization("AAA"), testing.make_organization("BBB")
    policy_tree(org_a), policy_tree(org_b)
    people = {
        "a_admin": testing.make_member(org_a, "org_admin"),
        "a_compliance": testing.make_member(org_a, "compliance_officer"),
        "a_worker": testing.make_member(org_a, "worker"),
        "b_admin": testing.make_member(org_b, "org_admin"),
        "b_compliance": testing.make_member(org_b, "compliance_officer"),
    }
    private = make_live_policy(org_a, title=SECRET)
    # a pending revision and a workflow in progress, so history, revisions and moderation views have content
    private.summary = "Draft change"
    private.save_revision(user=people["a_compliance"])
    policy_submit(page=private, user=people["a_compliance"])
    public = make_live_policy(org_a, title="Visitor safety rules", is_public=True)
    return {"a": org_a, "b": org_b, "private": private, "public": public, **people}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


# --- the site ---------------------------------------------------------------------------------
def test_private_policy_is_readable_by_members_only(world):
    url = world["private"].url
    assert url.startswith("/pages/")
    member = _client(world["a_worker"]).get(url)
    assert member.status_code == 200 and SECRET in member.content.decode()
    assert _client(world["b_admin"]).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/?next=")
    index_url = policy_index_for(world["a"]).url
    assert _client(world["b_admin"]).get(index_url).status_code == 404
    assert SECRET in _client(world["a_worker"]).get(index_url).content.decode()
    # the site's search: the member finds it, the other organization cannot even search the tree
    found = _client(world["a_worker"]).get(index_url + "?q=blasting").content.decode()
    assert found.count(SECRET) == 2  # in the results and in the list
    assert _client(world["b_admin"]).get(index_url + "?q=blasting").status_code == 404
    b_index = policy_index_for(world["b"]).url
    assert SECRET not in _client(world["b_admin"]).get(b_index + "?q=blasting").content.decode()


def test_public_policy_is_readable_by_anyone(world):
    response = Client().get(world["public"].url)
    assert response.status_code == 200
    assert "Visitor safety rules" in response.content.decode()
    assert "Acknowledge" not in response.content.decode()  # nobody to acknowledge for


def test_french_reader_gets_the_french_translation_at_the_same_address(world):
    from ..services.policies import policy_translation_create

    page = world["public"]
    french = policy_translation_create(page=page, language="fr")
    french.title = "Règles de sécurité des visiteurs"
    french.save_revision().publish()
    response = Client(headers={"accept-language": "fr"}).get(page.url)
    assert response.status_code == 200
    assert "Règles de sécurité des visiteurs" in response.content.decode()
    assert "Visitor safety rules" in Client(headers={"accept-language": "en"}).get(page.url).content.decode()


# --- the admin --------------------------------------------------------------------------------
def _page_urls(page):
    pk = page.pk
    revision = page.get_latest_revision()
    return [
        reverse("wagtailadmin_explore", args=[pk]),
        reverse("wagtailadmin_explore", args=[page.get_parent().pk]),
        reverse("wagtailadmin_pages:edit", args=[pk]),
        reverse("wagtailadmin_pages:history", args=[pk]),
        reverse("wagtailadmin_pages:usage", args=[pk]),
        reverse("wagtailadmin_pages:revisions_index", args=[pk]),
        reverse("wagtailadmin_pages:revisions_view", args=[pk, revision.pk]),
        f"/admin/pages/{pk}/revisions/compare/earliest...latest/",
        reverse("wagtailadmin_pages:view_draft", args=[pk]),
        reverse("wagtailadmin_pages:workflow_history", args=[pk]),
        reverse("wagtailadmin_pages:delete", args=[pk]),
        reverse("wagtailadmin_pages:unpublish", args=[pk]),
        reverse("wagtailadmin_pages:copy", args=[pk]),
        reverse("wagtailadmin_pages:move", args=[pk]),
        reverse("wagtailadmin_pages:set_privacy", args=[pk]),
        reverse("wagtailadmin_pages:preview_on_edit", args=[pk]),
        reverse("wagtailadmin_pages:history_results", args=[pk]),
        reverse("wagtailadmin_pages:lock", args=[pk]),
        reverse("wagtailadmin_pages:workflow_preview", args=[pk, page.current_workflow_task.pk]),
        reverse("wagtailadmin_pages:add_subpage", args=[page.get_parent().pk]),
        reverse("wagtailadmin_pages:add", args=["ohms_regulatory", "policypage", page.get_parent().pk]),
        reverse("ohms_policy_report", args=[pk]),
        reverse("ohms_policy_report_xlsx", args=[pk]),
        f"/admin/api/main/pages/{pk}/",
        f"/admin/api/main/pages/{page.get_parent().pk}/",
    ]


def _listing_urls():
    return [
        "/admin/",
        "/admin/pages/",
        "/admin/pages/search/?q=blasting",
        "/admin/pages/search/results/?q=blasting",
        "/admin/choose-page/?q=blasting",
        "/admin/choose-page/search/?q=blasting",
        "/admin/pages/usage/ohms_regulatory/policypage/",
        "/admin/pages/usage/ohms_regulatory/policypage/results/",
        "/admin/reports/workflow/",
        "/admin/reports/workflow_tasks/",
        "/admin/reports/site-history/",
        "/admin/reports/locked/",
        "/admin/reports/aging-pages/",
        "/admin/reports/page-types-usage/",
        "/admin/workflows/tasks/index/",
        "/admin/api/main/pages/?search=blasting",
        "/admin/api/main/pages/?descendant_of=1",
        reverse("ohms_policy_list"),
    ]


@pytest.mark.parametrize("who", ["b_admin", "b_compliance"])
def test_another_organization_never_reaches_the_policy_in_the_admin(world, who):
    client = _client(world[who])
    problems = []
    for url in _page_urls(world["private"]):
        response = client.get(url)
        if response.status_code not in (403, 404):
            problems.append(f"{url} answered {response.status_code} {response.get('Location', '')}")
    for url in _listing_urls():
        response = client.get(url)
        assert response.status_code < 500, url
        if SECRET in response.content.decode(errors="replace"):
            problems.append(f"{url} shows the other organization's policy")
    assert not problems, "\n".join(problems)


def test_members_see_their_tree_in_the_explorer_search_and_chooser(world):
    client = _client(world["a_compliance"])
    index = policy_index_for(world["a"])
    assert SECRET in client.get(reverse("wagtailadmin_explore", args=[index.pk])).content.decode()
    assert SECRET in client.get("/admin/pages/search/?q=blasting").content.decode()
    assert SECRET in client.get("/admin/choose-page/search/?q=blasting").content.decode()
    assert client.get(reverse("wagtailadmin_pages:edit", args=[world["private"].pk])).status_code == 200


def test_compliance_officer_cannot_publish_through_the_editor(world):
    """The editor's Publish action by a compliance officer leaves the live page unchanged
    (Wagtail refuses it without the publish permission)."""
    page = make_policy(world["a"], title="Hot work")
    client = _client(world["a_compliance"])
    edit = reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert "action-publish" not in client.get(edit).content.decode()
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    data = nested_form_data({"title": "Hot work", "slug": page.slug, "summary": "", "body": streamfield([]),
                             "effective_date": "", "review_date": "", "policy_owner": "", "action-publish": "1"})
    client.post(edit, data)
    page.refresh_from_db()
    assert not page.live and page.version == 0


def test_approval_through_the_admin_workflow_action(world):
    page = world["private"]
    task_state = page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])
    refused = _client(world["b_admin"]).post(url, {"comment": ""})
    assert refused.status_code in (302, 403, 404)
    page.refresh_from_db()
    assert page.summary == "" and page.version == 1
    response = _client(world["a_admin"]).post(url, {"comment": ""})
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.summary == "Draft change" and page.version == 2


# --- API v2 ----------------------------------------------------------------------------------
def test_api_v2_gives_each_reader_what_the_site_gives(world):
    private, public = world["private"], world["public"]
    own = testing.token_client(world["a_worker"], world["a"])
    other = testing.token_client(world["b_admin"], world["b"])
    ids = lambda response: {item["id"] for item in response.json()["items"]}  # noqa: E731

    mine = own.get("/api/v2/pages/")
    assert mine.status_code == 200 and ids(mine) == {private.pk, public.pk}
    detail = own.get(f"/api/v2/pages/{private.pk}/")
    assert detail.status_code == 200 and detail.json()["version"] == 1 and detail.json()["title"] == SECRET

    assert ids(other.get("/api/v2/pages/")) == {public.pk}
    assert other.get(f"/api/v2/pages/{private.pk}/").status_code == 404
    assert Client().get(f"/api/v2/pages/{private.pk}/").status_code == 404
    assert ids(Client().get("/api/v2/pages/")) == {public.pk}
    assert SECRET not in Client().get("/api/v2/pages/?search=blasting").content.decode()
    assert SECRET not in other.get("/api/v2/pages/?search=blasting").content.decode()
    assert ids(own.get("/api/v2/pages/?search=blasting")) == {private.pk}
    # only published policies: a draft is nowhere
    draft = make_policy(world["a"], title="Draft policy")
    assert draft.pk not in ids(own.get("/api/v2/pages/"))


def test_moderation_by_another_organization_admin_is_refused_by_the_service(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        policy_moderate(page=world["private"], user=world["b_admin"], approve=True)
