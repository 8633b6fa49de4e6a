"""The task console in a real browser: a verifier opens My tasks, expands a quick view and
verifies the permit (a test world, then the shipped demo data as the demo verifier)."""
import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ohms_core.management.commands.ohms_demo import DEFAULT_PASSWORD as DEMO_PASSWORD
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


def test_demo_verifier_verifies_from_my_tasks(live_server, page, shot):
    """The demo data as shipped: the demo verifier's pending permit, its quick view (approve is
    blocked until the isolation is verified), then Verify."""
    from django.core.management import call_command

    call_command("ohms_demo", workers=3)
    permit = Permit.objects.get(title__startswith="Remplacement contacteur pompe P-11")
    assert permit.status == "pending_verification"
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "verificateur@ohms.demo")
    page.fill("input[name=password]", os.environ.get("OHMS_DEMO_PASSWORD", DEMO_PASSWORD))
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/ptw/tasks/")
    row = page.locator(f"tr.ptw-task[data-permit='{permit.permit_number}']")
    expect(row).to_be_visible()
    quick = page.locator(f"[data-quick-view='{permit.permit_number}']")
    quick.locator("summary").click()
    expect(quick.locator("[data-block=approve] [data-missing]").first).to_be_visible()
    shot(page, "ptw-52-task-console-demo-verifier")
    quick.locator("textarea[name=comment]").fill("Vérifié avec le chef de quart")
    quick.locator("button[data-action=verify]").click()
    page.wait_for_url("**/admin/ptw/tasks/**")
    expect(page.get_by_text(f"{permit.permit_number} verified.")).to_be_visible()
    permit.refresh_from_db()
    assert permit.status == "pending_approval"
