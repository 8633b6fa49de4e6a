"""Core machinery in a real browser: the bell follows events, blocked buttons explain why."""
import re

import pytest
from playwright.sync_api import expect

from ohms_core import testing, workflows
from ohms_core.context import acting_as
from ohms_core.models import NotificationRule
from ohms_core.tests.workflow_app.models import Inspection

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-1234-word"


def _login(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_bell_rises_with_events_and_falls_after_mark_all_read(live_server, page, shot):
    org = testing.make_organization("SMK", "Société Minière du Katanga")
    manager = testing.make_member(org, "safety_manager", "hse@smk.test")
    requester = testing.make_member(org, "permit_requester", "demandeur@smk.test")
    NotificationRule.objects.create(organization=org, event_type="testflow.inspection.submitted", roles=["safety_manager"])
    _login(page, live_server, manager)
    bell = page.locator("[data-ohms-bell-count]")
    expect(bell).to_have_text("0")

    for title in ("Échafaudage broyeur 2", "Nacelle cellule flottation"):
        with acting_as(user=requester, organization=org, role="permit_requester"):
            inspection = Inspection.objects.create(organization=org, title=title, checklist_done=True)
            workflows.transition_perform(instance=inspection, name="submit", user=requester)
    page.reload()
    expect(bell).to_have_text("2")
    shot(page, "10-bell-two-unread")

    page.click("[data-ohms-bell]")
    page.wait_for_url(re.compile(r".*/admin/ohms/notifications/.*"))
    expect(page.locator("tr.ohms-unread")).to_have_count(2)
    expect(page.locator("text=Inspection Échafaudage broyeur 2 submitted")).to_be_visible()
    shot(page, "11-inbox-unread")
    page.click("[data-ohms-mark-all]")
    expect(page.locator("tr.ohms-unread")).to_have_count(0)
    expect(bell).to_have_text("0")
    shot(page, "12-inbox-all-read")


def test_blocked_transition_button_shows_reason_then_runs(live_server, page, shot):
    org = testing.make_organization("SMK", "Société Minière du Katanga")
    admin = testing.make_member(org, "org_admin", "admin@smk.test")
    with acting_as(user=admin, organization=org):
        inspection = Inspection.objects.create(organization=org, title="Inspection pont roulant")
    _login(page, live_server, admin)
    page.goto(f"{live_server.url}/admin/testflow/inspections/edit/{inspection.pk}/")
    submit = page.locator("button[data-ohms-transition=submit]")
    expect(submit).to_be_disabled()
    expect(submit).to_have_attribute("title", "Complete the checklist first.")
    expect(page.locator("[data-ohms-reasons=submit] li")).to_have_text("Complete the checklist first.")
    shot(page, "13-transition-blocked")

    page.check("input[name=checklist_done]")
    page.click("button[type=submit]:has-text('Save')")
    page.goto(f"{live_server.url}/admin/testflow/inspections/edit/{inspection.pk}/")
    submit = page.locator("button[data-ohms-transition=submit]")
    expect(submit).to_be_enabled()
    page.fill("#ohms-transition-comment", "Check-list complète")
    submit.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-ohms-state]")).to_have_text("Submitted")
    expect(page.locator(".ohms-timeline li")).to_contain_text("submit")
    expect(page.locator("button[data-ohms-transition=approve]")).to_be_disabled()
    expect(page.locator("[data-ohms-reasons=approve] li")).to_have_text("Record the findings before approval.")
    shot(page, "14-transition-done-next-blocked")
    inspection.refresh_from_db()
    assert inspection.status == "submitted"
