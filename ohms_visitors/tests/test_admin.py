"""Admin screens: the gate (find by token, refused with the reason, check in/out, walk-in),
the muster list (counts, CSV, Excel), the badge PDF, the handover acknowledgement."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ohms_core.context import acting_as

from ..badge import badge_pdf
from ..models import AccessLog, ShiftHandover
from ..services.handovers import handover_create
from ..states import InviteStatus
from .factories import make_world


@pytest.fixture
def w(db):
    return make_world()


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_gate_screen_refuses_with_the_reason_then_checks_in(w):
    w.nda()
    invite = w.invite()
    guard = login(w.guard)
    page = guard.get(f"/admin/visitors/gate/?token={invite.qr_token}")
    html = page.content.decode()
    assert page.status_code == 200 and invite.visitor_name in html
    assert "data-check-in disabled" in html and "NDA" in html
    response = guard.post("/admin/visitors/gate/", {"token": invite.qr_token, "action": "check_in"}, follow=True)
    invite.refresh_from_db()
    assert invite.status == InviteStatus.INVITED and "NDA" in response.content.decode()
    w.client(w.host).post(f"/api/v1/visitors/invites/{invite.pk}/sign_nda/", {"signed_name": "A K", "accepted": True},
                          format="json")
    guard.post("/admin/visitors/gate/", {"token": invite.qr_token, "action": "check_in"})
    invite.refresh_from_db()
    assert invite.status == InviteStatus.CHECKED_IN and AccessLog.objects.filter(invite=invite).count() == 1
    guard.post("/admin/visitors/gate/", {"token": invite.qr_token, "action": "check_out"})
    invite.refresh_from_db()
    assert invite.status == InviteStatus.CHECKED_OUT and AccessLog.objects.get(invite=invite).check_out_time


def test_gate_screen_of_another_organization_does_not_find_the_token(w):
    invite = w.invite()
    other = make_world()
    page = login(other.guard).get(f"/admin/visitors/gate/?token={invite.qr_token}")
    assert page.status_code == 200 and invite.visitor_name not in page.content.decode()
    assert login(other.guard).post("/admin/visitors/gate/", {"token": invite.qr_token, "action": "check_in"}).status_code == 404


def test_gate_screen_is_for_guards(w):
    assert login(w.host).get("/admin/visitors/gate/").status_code in (302, 403)


def test_walk_in_and_muster_list_with_exports(w):
    guard = login(w.guard)
    for name, company in (("Jean", "Soudure Katanga"), ("Marie", "Soudure Katanga"), ("Paul", "Likasi Transport")):
        guard.post("/admin/visitors/gate/", {"action": "walk_in", "site": str(w.site.pk), "access_type": "contractor",
                                             "person_name": name, "person_company": company})
    assert AccessLog.objects.count() == 3
    page = guard.get(f"/admin/visitors/muster/?site={w.site.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and "Soudure Katanga" in html and "@media print" in html
    csv = guard.get(f"/admin/visitors/muster/?site={w.site.pk}&format=csv")
    assert csv["Content-Type"].startswith("text/csv") and "Soudure Katanga,2" in csv.content.decode("utf-8-sig")
    xlsx = guard.get(f"/admin/visitors/muster/?site={w.site.pk}&format=xlsx")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert ("Soudure Katanga", 2) in [tuple(r[:2]) for r in rows]
    leaving = AccessLog.objects.get(person_name="Paul")
    guard.post("/admin/visitors/gate/", {"action": "leave", "log": str(leaving.pk)})
    leaving.refresh_from_db()
    assert leaving.check_out_time is not None
    other = make_world()
    assert login(other.guard).get(f"/admin/visitors/muster/?site={w.site.pk}").status_code == 404


def test_badge_pdf_holds_the_visitor_and_the_qr(w):
    invite = w.invite(name="Amani Kasongo", company="Kivu Logistique")
    text = badge_pdf(invite, compress=False).decode("latin-1")
    assert text.startswith("%PDF") and "Amani Kasongo" in text and "Kivu Logistique" in text
    response = login(w.host).get(f"/admin/visitors/invites/{invite.pk}/badge/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    api = w.client(w.host).get(f"/api/v1/visitors/invites/{invite.pk}/badge/")
    assert api.status_code == 200 and api.content.startswith(b"%PDF")
    edit = login(w.host).get(f"/admin/visitors/invites/edit/{invite.pk}/")
    assert edit.status_code == 200 and "<svg" in edit.content.decode()


def test_badge_is_emailed_when_the_invite_is_created(w, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        w.invite(visitor_email="amani@kivu.test")
    to_visitor = [m for m in mailoutbox if "amani@kivu.test" in m.to]
    assert len(to_visitor) == 1
    assert to_visitor[0].attachments[0][2] == "application/pdf"
    assert "/api/v1/visitors/public/nda/?token=" in to_visitor[0].body


def test_invite_admin_list_filters_and_search(w):
    w.invite(name="Amani Kasongo")
    w.invite(name="Bob Mutombo")
    admin = login(w.admin)
    page = admin.get("/admin/visitors/invites/?q=Amani")
    assert page.status_code == 200 and "Amani Kasongo" in page.content.decode()
    assert "Bob Mutombo" not in page.content.decode()
    assert admin.get("/admin/visitors/invites/?status=invited").status_code == 200


def test_access_log_admin_has_no_edit_or_delete(w):
    guard = login(w.guard)
    guard.post("/admin/visitors/access-log/new/", {"site": str(w.site.pk), "access_type": "delivery",
                                                    "person_name": "Camion", "person_company": "Likasi"})
    log = AccessLog.objects.get()
    assert log.guard == w.guard
    assert guard.get(f"/admin/visitors/access-log/edit/{log.pk}/").status_code in (302, 403)
    assert guard.post(f"/admin/visitors/access-log/delete/{log.pk}/").status_code in (302, 403)
    assert AccessLog.objects.filter(pk=log.pk, is_deleted=False).exists()


def test_handover_carries_open_items_and_is_acknowledged_by_the_incoming_person(w):
    end = timezone.now()
    with acting_as(user=w.guard, organization=w.org, role="area_incharge"):
        first = handover_create(organization=w.org, user=w.guard, data={
            "site": w.site, "shift_start": end - timedelta(hours=8), "shift_end": end, "notes": "RAS",
            "open_items": ["Barrière 2 en panne", "  "]})
    assert first.open_items == ["Barrière 2 en panne"]
    api = w.client(w.admin)
    created = api.post("/api/v1/visitors/shift-handovers/", {
        "site": str(w.site.pk), "shift_start": end.isoformat(), "shift_end": (end + timedelta(hours=8)).isoformat(),
        "notes": "Nuit calme"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["open_items"] == ["Barrière 2 en panne"] and created.json()["previous"] == str(first.pk)
    own = w.client(w.guard).post(f"/api/v1/visitors/shift-handovers/{first.pk}/acknowledge/")
    assert own.status_code == 400 and "own_handover" in str(own.json())
    login(w.admin).post(f"/admin/visitors/shift-handovers/{first.pk}/acknowledge/")
    first.refresh_from_db()
    assert first.acknowledged_by == w.admin and first.acknowledged_at
    again = api.post(f"/api/v1/visitors/shift-handovers/{first.pk}/acknowledge/")
    assert again.status_code == 400
    guard = login(w.guard)
    response = guard.post("/admin/visitors/shift-handovers/new/", {
        "site": str(w.site.pk), "shift_start": (end + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M"),
        "shift_end": (end + timedelta(hours=16)).strftime("%Y-%m-%d %H:%M"), "notes": "", "open_items": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    latest = ShiftHandover.objects.order_by("-shift_end").first()
    assert latest.open_items == ["Barrière 2 en panne"]


def test_generic_admin_transition_url_runs_the_same_gate_and_service(w):
    from django.contrib.contenttypes.models import ContentType

    from ..models import VisitorInvite

    w.nda()
    invite = w.invite()
    url = f"/admin/ohms/transition/{ContentType.objects.get_for_model(VisitorInvite).pk}/{invite.pk}/check_in/"
    guard = login(w.guard)
    response = guard.post(url, {"next": "/admin/visitors/gate/"}, follow=True)
    assert any("NDA" in str(m) for m in response.context["messages"])
    invite.refresh_from_db()
    assert invite.status == InviteStatus.INVITED and AccessLog.objects.count() == 0
    w.client(w.host).post(f"/api/v1/visitors/invites/{invite.pk}/sign_nda/", {"signed_name": "A K", "accepted": True},
                          format="json")
    guard.post(url, {"next": "/admin/visitors/gate/"})
    invite.refresh_from_db()
    assert invite.status == InviteStatus.CHECKED_IN
    assert AccessLog.objects.filter(invite=invite, check_out_time__isnull=True).count() == 1  # the service ran
