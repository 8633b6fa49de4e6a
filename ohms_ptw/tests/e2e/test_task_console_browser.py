"""The task console in a real browser: the verifier opens My tasks, expands a quick view and
verifies the permit; the approver sees the blocked approve button with its reason."""
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ohms_ptw.models import Permit
from ohms_ptw.tests.factories import PtwWorld
from ohms_ptw.tests.helpers import purl
from ohms_ptw.tests.test_admin_helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_verifier_expands_a_quick_view_and_verifies(live_server, page, shot):
    w = PtwWorld(code="PLN", requires_gas_testing=False, requires_structured_isolation=False,
                 requires_deisolation_on_closeout=False)
    permits = []
    for title in ("Soudure trémie 3", "Entrée cuve T-12"):
        permit = w.create_permit(title=title)
        r = w.client(w.requester).post(purl(permit["id"], "workflow/initiate"), {}, format="json")
        assert r.status_code == 200, r.json()
        permits.append(permit)
    late = Permit.objects.get(pk=permits[1]["id"])
    Permit.objects.filter(pk=late.pk).update(submitted_at=timezone.now() - timedelta(hours=6))

    login(page, live_server, w.verifier)
    page.click("text=Permit to work")
    page.click("a[href='/admin/ptw/tasks/']")
    page.wait_for_url("**/admin/ptw/tasks/")
    expect(page.locator("[data-group=overdue] tr.ptw-task")).to_have_count(1)
    expect(page.locator("[data-group=verification] tr.ptw-task")).to_have_count(1)
    number = permits[0]["permit_number"]
    quick = page.locator(f"[data-quick-view='{number}']")
    quick.locator("summary").click()
    expect(quick.locator("[data-block=approve]")).to_be_visible()
    expect(quick.locator("button[data-action=verify]")).to_be_enabled()
    shot(page, "ptw-50-task-console-quick-view")

    quick.locator("textarea[name=comment]").fill("Contrôlé sur place")
    quick.locator("button[data-action=verify]").click()
    page.wait_for_url("**/admin/ptw/tasks/**")
    expect(page.get_by_text(f"{number} verified.")).to_be_visible()
    expect(page.locator(f"[data-quick-view='{number}']")).to_have_count(0)
    assert Permit.objects.get(pk=permits[0]["id"]).status == "pending_approval"
    shot(page, "ptw-51-task-console-verified")

    # The overdue quick filter keeps only the late permit.
    page.click("[data-quick-filter=overdue]")
    page.wait_for_url("**/admin/ptw/tasks/?overdue=1")
    expect(page.locator("tr.ptw-task")).to_have_count(1)
    expect(page.locator(f"tr.ptw-task[data-permit='{late.permit_number}']")).to_be_visible()
