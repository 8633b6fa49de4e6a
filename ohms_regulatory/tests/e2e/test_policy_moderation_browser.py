"""Publishing a policy through moderation in a real browser: the compliance officer submits,
the org admin approves, the page is live for a worker (screenshots in test-output/e2e)."""
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from ohms_core import testing

from ...models import PolicyPage
from ..factories import make_policy, policy_tree

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-1234-word"


def _login(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_compliance_officer_submits_org_admin_approves_policy_goes_live(live_server, page, shot):
    org = testing.make_organization("E2E", "Société Minière E2E")
    policy_tree(org)
    compliance = testing.make_member(org, "compliance_officer", email="conformite@e2e.test")
    admin = testing.make_member(org, "org_admin", email="admin@e2e.test")
    worker = testing.make_member(org, "worker", email="worker@e2e.test")
    policy = make_policy(org, title="Lockout / tagout", user=compliance)

    # 1. the compliance officer submits the draft for approval (no Publish offered)
    _login(page, live_server, compliance)
    page.goto(f"{live_server.url}/admin/pages/{policy.pk}/edit/")
    expect(page.locator("button[name=action-publish]")).to_have_count(0)
    page.locator("footer button[name=action-submit]").dispatch_event("click")
    page.wait_for_url(f"{live_server.url}/admin/pages/*/")
    expect(page.get_by_text("submitted").first).to_be_visible()
    shot(page, "regulatory-policy-01-submitted-by-compliance")
    policy.refresh_from_db()
    assert not policy.live and policy.workflow_in_progress

    # 2. the org admin sees it awaiting review on the dashboard and approves it
    _login(page, live_server, admin)
    expect(page.get_by_text("Lockout / tagout").first).to_be_visible()
    shot(page, "regulatory-policy-02-admin-dashboard-awaiting-review")
    page.goto(f"{live_server.url}/admin/pages/{policy.pk}/edit/")
    page.locator("button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])").first.dispatch_event("click")
    page.wait_for_url(f"{live_server.url}/admin/**")
    page.wait_for_load_state()
    shot(page, "regulatory-policy-03-approved")
    policy.refresh_from_db()
    assert policy.live and policy.version == 1

    # 3. a worker reads it on the site and acknowledges it
    _login(page, live_server, worker)
    expect(page.get_by_text("Policies to read")).to_be_visible()
    expect(page.get_by_role("link", name="Lockout / tagout")).to_be_visible()
    shot(page, "regulatory-policy-04-worker-dashboard")
    page.goto(f"{live_server.url}{PolicyPage.objects.get(pk=policy.pk).url}")
    expect(page.get_by_role("heading", name="Lockout / tagout")).to_be_visible()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("You acknowledged version 1")).to_be_visible()
    shot(page, "regulatory-policy-05-acknowledged")
    assert get_user_model().objects.get(pk=worker.pk)
