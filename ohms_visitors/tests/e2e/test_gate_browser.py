"""A gate check-in in a real browser on a phone-sized screen: the guard types the badge's
code, sees the check-in refused with the NDA reason, the visitor signs on the public page,
then the guard checks them in and the muster list counts them."""
import pytest
from playwright.sync_api import expect

from ohms_visitors.models import AccessLog
from ohms_visitors.states import InviteStatus
from ohms_visitors.tests.factories import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-1234-word"  # ohms_core.testing.make_user's default
PHONE = {"width": 390, "height": 844}


def test_guard_checks_a_visitor_in_on_a_phone(live_server, browser, shot):
    w = make_world("GATE")
    w.nda()
    invite = w.invite(name="Amani Kasongo", company="Bureau Veritas RDC")
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("input[name=username]", w.guard.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")

        page.goto(f"{live_server.url}/admin/visitors/gate/")
        page.fill("#gate-token", invite.qr_token)  # what a badge scanner types
        page.keyboard.press("Enter")
        page.wait_for_url("**/admin/visitors/gate/?token=*")
        expect(page.locator("[data-visitor] h2")).to_have_text("Amani Kasongo")
        expect(page.locator("button[data-check-in]")).to_be_disabled()
        expect(page.locator("[data-reason]").first).to_contain_text("NDA")
        shot(page, "visitors-01-gate-refused-nda-phone")

        # The visitor signs on the public page (no login), from their own phone.
        visitor = browser.new_context(viewport=PHONE, locale="fr-FR", is_mobile=True).new_page()
        visitor.goto(f"{live_server.url}/api/v1/visitors/public/nda/?token={invite.qr_token}")
        visitor.fill("#signed_name", "Amani Kasongo")
        visitor.check("input[name=accepted]")
        shot(visitor, "visitors-02-public-nda-phone")
        visitor.click("button[type=submit]")
        expect(visitor.locator(".ok")).to_contain_text("Amani Kasongo")
        visitor.context.close()

        page.reload()
        expect(page.locator("button[data-check-in]")).to_be_enabled()
        shot(page, "visitors-03-gate-ready-phone")
        page.click("button[data-check-in]")
        page.wait_for_url("**/admin/visitors/gate/?token=*")
        expect(page.locator("[data-status]")).to_have_text("Checked in")
        expect(page.locator("button[data-check-out]")).to_be_enabled()
        shot(page, "visitors-04-gate-checked-in-phone")
        invite.refresh_from_db()
        assert invite.status == InviteStatus.CHECKED_IN
        assert AccessLog.objects.filter(invite=invite, check_out_time__isnull=True).count() == 1

        page.goto(f"{live_server.url}/admin/visitors/muster/?site={w.site.pk}")
        expect(page.locator("[data-total]")).to_have_text("1")
        expect(page.locator("[data-by-company]")).to_contain_text("Bureau Veritas RDC")
        shot(page, "visitors-05-muster-phone")
    finally:
        context.close()
