"""Issue 7 screens in a real browser: an object's real history, and an invitation the
invited person accepts (never an attachment), keeping the organization they act for."""
import pytest

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Membership
from ohms_core.services.people import worker_update
from ohms_core.services.tenancy import membership_add

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-1234-word"


def _login(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_history_page_shows_who_changed_what(live_server, page, shot):
    org = testing.make_organization("SMK", "Société Minière du Katanga")
    admin = testing.make_member(org, "org_admin", "chef.hse@smk.test")
    admin.first_name, admin.last_name = "Ange", "Mulumba"
    admin.save()
    worker = testing.make_worker(org, employee_number="SMK-00777")
    with acting_as(user=admin, organization=org, role="org_admin", reason="Promotion au poste de chef d'équipe"):
        worker_update(worker=worker, data={"job_title": "Chef d'équipe"}, user=admin)

    _login(page, live_server, admin)
    page.goto(f"{live_server.url}/admin/core/workers/history/{worker.pk}/")
    rows = page.locator("[data-ohms-history-row]")
    assert rows.count() >= 2
    body = page.locator("[data-ohms-history]").inner_text()
    assert "Ange Mulumba" in body and "Job title" in body
    assert "Promotion au poste de chef d'équipe" in body  # the reason given with the change
    shot(page, "30-worker-history")

    other = testing.make_organization("BRV", "Bravo Mining")
    theirs = testing.make_worker(other, employee_number="BRV-00001")
    response = page.goto(f"{live_server.url}/admin/core/workers/history/{theirs.pk}/")
    assert response.status == 404


def test_invited_user_accepts_and_keeps_acting_for_their_organization(live_server, page, shot):
    home = testing.make_organization("SMK", "Société Minière du Katanga")
    doctor = testing.make_member(home, "medical_officer", "medecin@smk.test")
    contractor = testing.make_organization("FLU", "Forages du Lualaba")
    their_admin = testing.make_member(contractor, "org_admin", "admin@flu.test")
    with acting_as(user=their_admin, organization=contractor, role="org_admin"):
        membership, invited = membership_add(organization=contractor, email=doctor.email, role="medical_officer",
                                             actor=their_admin)
    assert invited and not membership.is_active

    _login(page, live_server, doctor)
    assert "Société Minière du Katanga" in page.content()
    assert page.locator("text=Forages du Lualaba invites you").count() == 1
    shot(page, "31-invitation-on-dashboard")
    page.click("button:has-text('Accept')")
    page.wait_for_load_state("networkidle")
    shot(page, "32-invitation-accepted")
    membership.refresh_from_db()
    assert membership.is_active
    assert Membership.objects.filter(user=doctor, is_active=True).count() == 2
    # Accepting does not switch the organization the doctor acts for.
    page.goto(f"{live_server.url}/admin/")
    assert "Société Minière du Katanga (SMK)" in page.locator("main").inner_text()
