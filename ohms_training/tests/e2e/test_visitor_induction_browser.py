"""The visitor induction on the gate tablet, in a real browser: the guard's check-in is
refused with the module's name, the guard opens the quiz for the visitor from the gate
screen, the visitor passes it (the page holds no answers), and the guard checks them in."""
import pytest
from django.apps import apps
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not apps.is_installed("ohms_visitors"), reason="ohms_visitors not in OHMS_ADDONS")]

PASSWORD = "pass-1234-word"  # ohms_core.testing.make_user's default
TABLET = {"width": 800, "height": 1280}


def test_visitor_passes_the_induction_on_the_gate_tablet_then_checks_in(live_server, browser, shot):
    from ohms_training.models import VisitorInductionAttempt
    from ohms_training.tests.test_visitor_induction import QUESTIONS_FR, InductionWorld
    from ohms_visitors.states import InviteStatus

    w = InductionWorld("IND")
    w.require(translated=True)
    invite = w.invite(name="Amani Kasongo", company="Bureau Veritas RDC")
    context = browser.new_context(viewport=TABLET, locale="fr-FR", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("input[name=username]", w.v.guard.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")

        page.goto(f"{live_server.url}/admin/visitors/gate/?token={invite.qr_token}")
        expect(page.locator("button[data-check-in]")).to_be_disabled()
        expect(page.locator("[data-reason]").first).to_contain_text("Induction visiteurs")
        shot(page, "induction-01-gate-refused")

        with context.expect_page() as opened:
            page.click("[data-step-link]")
        quiz = opened.value
        quiz.wait_for_load_state()
        expect(quiz.locator("[data-module]")).to_have_text("Induction visiteurs")
        expect(quiz.locator("[data-quiz] fieldset")).to_have_count(len(QUESTIONS_FR))
        assert '"answer"' not in quiz.content()
        for index, question in enumerate(QUESTIONS_FR):
            quiz.check(f"input[name=q{index}][value='{question['answer']}']")
        shot(quiz, "induction-02-quiz-answered")
        quiz.click("[data-quiz] button[type=submit]")
        expect(quiz.locator("[data-result]").first).to_have_attribute("data-result", "passed")
        shot(quiz, "induction-03-quiz-passed")
        quiz.close()
        assert VisitorInductionAttempt.objects.filter(invite_id=invite.pk, passed=True).count() == 1

        page.reload()
        expect(page.locator("button[data-check-in]")).to_be_enabled()
        page.click("button[data-check-in]")
        page.wait_for_url("**/admin/visitors/gate/?token=*")
        shot(page, "induction-04-checked-in")
        invite.refresh_from_db()
        assert invite.status == InviteStatus.CHECKED_IN
    finally:
        context.close()
