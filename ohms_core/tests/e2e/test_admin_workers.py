"""A person's first flow: sign in, open workers, add one, find it, switch to French."""
import pytest

from ohms_core import testing

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-1234-word"


def test_login_create_worker_and_switch_to_french(live_server, page, shot):
    org = testing.make_organization("SMK", "Société Minière du Katanga")
    admin = testing.make_member(org, "org_admin", "chef.hse@smk.test")
    admin.first_name, admin.last_name = "Ange", "Mulumba"
    admin.save()
    testing.make_enterprise(org, name="Forages du Lualaba", code="FLU")
    testing.make_worker(org, employee_number="SMK-00001")

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", admin.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "Société Minière du Katanga" in page.content()
    shot(page, "01-dashboard")

    page.goto(f"{live_server.url}/admin/core/workers/")
    assert page.locator("text=SMK-00001").count() >= 1
    shot(page, "02-workers")

    page.goto(f"{live_server.url}/admin/core/workers/new/")
    page.fill("input[name=first_name]", "Héritier")
    page.fill("input[name=last_name]", "Kalenga")
    page.fill("input[name=employee_number]", "SMK-04242")
    page.select_option("select[name=enterprise]", label="Forages du Lualaba")
    page.fill("input[name=job_title]", "Électricien de maintenance")
    shot(page, "03-new-worker-form")
    page.click("button[type=submit]:has-text('Create')")
    page.wait_for_url(f"{live_server.url}/admin/core/workers/")
    assert page.locator("text=SMK-04242").count() >= 1
    assert page.locator("text=Héritier Kalenga").count() >= 1
    shot(page, "04-worker-listed")

    page.fill("input[name=q]", "Kalenga")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("text=SMK-04242").count() >= 1
    assert page.locator("text=SMK-00001").count() == 0

    # Switch the admin to French in the user's own preferences.
    page.goto(f"{live_server.url}/admin/account/")
    page.select_option("select[name='locale-preferred_language']", "fr")
    shot(page, "05-account-language")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/core/workers/")
    body = page.content()
    assert "Travailleurs" in body
    assert "Matricule" in body
    shot(page, "06-workers-in-french")
