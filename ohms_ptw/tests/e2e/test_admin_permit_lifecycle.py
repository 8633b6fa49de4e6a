"""A permit's whole life through the admin screens, in a real browser, with screenshots."""
import re

import pytest
from playwright.sync_api import expect

from ohms_ptw.models import Permit, PermitCloseout, PermitIsolationPoint
from ohms_ptw.tests.factories import PtwWorld
from ohms_ptw.tests.test_admin_helpers import PASSWORD, make_permit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def _open_tab(page, key):
    page.click(f"#tab-label-{key}")
    expect(page.locator(f"#tab-{key}")).to_be_visible()


def _submit(page, locator):
    """Click a submit button and wait for the POST-redirect-GET back to the permit screen."""
    with page.expect_navigation():
        locator.click()


def _transition(page, name):
    button = page.locator(f"button[data-ohms-transition={name}]")
    expect(button).to_be_enabled()
    _submit(page, button)


def test_permit_lifecycle_through_the_admin(live_server, page, shot):
    w = PtwWorld()
    admin = w.admin
    admin.first_name, admin.last_name = "Ange", "Mulumba"
    admin.save()
    # One person verifies and approves here: a small site's permit type allows it (the
    # requester, w.requester, still never could).
    w.permit_type.allow_verifier_as_approver = True
    w.permit_type.save()
    permit = make_permit(w, status="pending_verification", verifier=admin, approver=admin, issuer=admin,
                         title="Nettoyage cuve de lixiviation T-12")
    screen = f"{live_server.url}/admin/ptw/permits/inspect/{permit.pk}/"

    _login(page, live_server, admin)
    page.goto(f"{live_server.url}/admin/ptw/permits/?status=pending_verification")
    expect(page.locator("text=" + permit.permit_number)).to_be_visible()
    shot(page, "ptw-01-permit-list")
    page.click(f"a:has-text('{permit.permit_number}')")
    page.wait_for_url(re.compile(r".*/admin/ptw/permits/inspect/.*"))
    expect(page.locator("[data-ptw-status]")).to_have_text("Pending verification")
    shot(page, "ptw-02-pending-verification")

    # Verify; approval is then blocked by gas and isolation, explained in the readiness panel.
    _transition(page, "verify")
    expect(page.locator("[data-ptw-status]")).to_have_text("Pending approval")
    expect(page.locator("button[data-ohms-transition=approve]")).to_be_disabled()
    approve_block = page.locator("[data-ptw-block=approve]")
    expect(approve_block.locator("[data-state=blocked]")).to_be_visible()
    expect(approve_block.locator("li[data-code=gas_readings_missing]")).to_contain_text("Gas readings missing")
    expect(approve_block.locator("li[data-code=isolation_points_missing]")).to_be_visible()
    shot(page, "ptw-03-approve-blocked")

    # Four safe gas readings.
    _open_tab(page, "gas")
    for gas, value in (("O2", "20.9"), ("LEL", "0"), ("H2S", "0"), ("CO", "2")):
        form = page.locator("[data-ptw-form=gas]")
        form.locator("select[name=gas-gas]").select_option(gas)
        form.locator("input[name=gas-value]").fill(value)
        _submit(page, form.locator("button[type=submit]"))
        expect(page.locator(".messages")).to_contain_text(f"Reading recorded: {gas}")
    expect(page.locator("#tab-gas")).to_be_visible()
    expect(page.locator("[data-ptw-gas-readings] .ohms-badge--ptw-ok")).to_have_count(4)
    expect(page.locator("[data-chip=gas]")).to_contain_text("Yes")
    page.locator("[data-ptw-gas-readings]").scroll_into_view_if_needed()
    shot(page, "ptw-04-gas-readings")

    # Assign the library point, isolate it with two locks, verify it.
    _open_tab(page, "isolation")
    page.locator("[data-ptw-form=assign] select").select_option(label="MCC-01 - breaker (electrical)")
    _submit(page, page.locator("[data-ptw-form=assign] button[type=submit]"))
    row = page.locator("tr[data-ptw-point='MCC-01']")
    expect(row.locator("[data-ptw-point-status]")).to_have_text("Assigned")
    row.locator("[data-ptw-action=isolate] summary").click()
    row.locator("input[name=lock_count]").fill("2")
    row.locator("input[name=lock_ids]").fill("L-101, L-102")
    shot(page, "ptw-05-isolate-form")
    _submit(page, row.locator("[data-ptw-action=isolate] button[type=submit]"))
    row = page.locator("tr[data-ptw-point='MCC-01']")
    expect(row.locator("[data-ptw-point-status]")).to_have_text("Isolated")
    expect(row).to_contain_text("L-101, L-102")
    row.locator("[data-ptw-action=verify] summary").click()
    row.locator("textarea[name=verification_notes]").fill("Essai de démarrage négatif")
    _submit(page, row.locator("[data-ptw-action=verify] button[type=submit]"))
    expect(page.locator("tr[data-ptw-point='MCC-01'] [data-ptw-point-status]")).to_have_text("Verified")
    expect(page.locator("[data-ptw-isolation-summary] [data-count=verified]")).to_have_text("1")
    page.locator("[data-ptw-points]").scroll_into_view_if_needed()
    shot(page, "ptw-06-isolation-verified")

    # Approve and activate.
    expect(page.locator("[data-ptw-block=approve] [data-state=allowed]")).to_be_visible()
    _transition(page, "approve")
    expect(page.locator("[data-ptw-status]")).to_have_text("Approved")
    _transition(page, "activate")
    expect(page.locator("[data-ptw-status]")).to_have_text("Active")

    # Completion is blocked by the closeout and the de-isolation.
    expect(page.locator("button[data-ohms-transition=complete]")).to_be_disabled()
    complete_block = page.locator("[data-ptw-block=complete]")
    expect(complete_block.locator("li[data-code=closeout_incomplete]")).to_contain_text("Outils retirés")
    expect(complete_block.locator("li[data-code=deisolation_required]")).to_contain_text("MCC-01")
    shot(page, "ptw-07-complete-blocked")

    _open_tab(page, "isolation")
    row = page.locator("tr[data-ptw-point='MCC-01']")
    row.locator("[data-ptw-action=deisolate] summary").click()
    row.locator("textarea[name=deisolated_notes]").fill("Cadenas retirés, consignation levée")
    _submit(page, row.locator("[data-ptw-action=deisolate] button[type=submit]"))
    expect(page.locator("tr[data-ptw-point='MCC-01'] [data-ptw-point-status]")).to_have_text("De-isolated")

    _open_tab(page, "closeout")
    closeout = page.locator("[data-ptw-form=closeout]")
    expect(closeout.locator(".ohms-badge--ptw-required")).to_have_count(2)
    closeout.locator("#closeout-tools_removed").check()
    closeout.locator("#closeout-area_clean").check()
    closeout.locator("#closeout-remarks").fill("Zone rendue propre à l'exploitation")
    shot(page, "ptw-08-closeout-ticked")
    _submit(page, closeout.locator("button[value=complete]"))
    expect(page.locator("[data-ptw-closeout-done]")).to_contain_text("Ange Mulumba")
    expect(page.locator("[data-ptw-block=complete] [data-state=allowed]")).to_be_visible()

    _transition(page, "complete")
    expect(page.locator("[data-ptw-status]")).to_have_text("Completed")
    expect(page.locator("[data-ptw-closed]")).to_be_visible()
    _open_tab(page, "history")
    expect(page.locator("[data-ptw-timeline] li")).to_have_count(5)
    page.locator("[data-ptw-timeline]").scroll_into_view_if_needed()
    shot(page, "ptw-09-completed-history")

    permit.refresh_from_db()
    assert permit.status == "completed" and permit.completed_at
    assert PermitIsolationPoint.objects.get(permit=permit).status == "deisolated"
    assert PermitCloseout.objects.get(permit=permit).completed_by == admin
    assert Permit.objects.get(pk=permit.pk).gas_readings.filter(safe=True).count() == 4
    page.goto(screen)
    expect(page.locator("[data-ptw-status]")).to_have_text("Completed")
