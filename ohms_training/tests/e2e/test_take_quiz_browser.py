"""Taking a quiz in a real browser: a worker opens "My training", answers the questions (the
page holds no answers), passes, and downloads the certificate; the coordinator's matrix."""
import pytest
from playwright.sync_api import expect

from ohms_training.models import Certificate
from ohms_training.tests.factories import QUESTIONS, TrainingWorld

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-1234-word"


def _login(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_a_worker_takes_the_quiz_and_gets_the_certificate(live_server, page, shot):
    t = TrainingWorld(code="E2E")
    t.assign()
    _login(page, live_server, t.taker)
    page.goto(f"{live_server.url}/admin/training/my/")
    expect(page.locator("[data-my-training]")).to_contain_text("Consignation LOTO")
    shot(page, "training-01-my-training")
    page.click("[data-take-quiz]")
    expect(page.locator("[data-quiz-form] fieldset")).to_have_count(len(QUESTIONS))
    assert '"answer"' not in page.content()
    for index, question in enumerate(QUESTIONS):
        page.check(f"input[name=q{index}][value='{question['answer']}']")
    shot(page, "training-02-quiz-answered")
    page.click("[data-quiz-form] button[type=submit]")
    expect(page.locator("[data-quiz-result]")).to_have_attribute("data-quiz-result", "passed")
    shot(page, "training-03-quiz-passed")
    with page.expect_download() as download:
        page.click("[data-certificate-link]")
    assert download.value.suggested_filename.endswith(".pdf")
    assert Certificate.objects.filter(worker=t.worker).count() == 1

    page.context.clear_cookies()
    _login(page, live_server, t.coordinator)
    page.goto(f"{live_server.url}/admin/training/matrix/")
    expect(page.locator("[data-training-matrix] td[data-state='valid']")).to_have_count(1)
    shot(page, "training-04-matrix")
    code = Certificate.objects.get().code
    page.goto(f"{live_server.url}/api/v1/training/verify/?code={code}")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "valid")
    shot(page, "training-05-verification-page")
