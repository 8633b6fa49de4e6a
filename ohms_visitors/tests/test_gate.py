"""The gate: token → invite, check-in refused without the NDA (with the reason) and
accepted after, check-out closing the log, walk-ins, tenancy (404 for another
organization's token), the muster list, the no-show job, the append-only log."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from ohms_core import providers
from ohms_core.context import acting_as
from ohms_core.models import TransitionLog
from ohms_core.workflows import Reason

from .. import gates, selectors
from ..models import AccessLog, NDASignature, VisitorInvite
from ..models.access import AccessLogImmutable
from ..services.gate import invites_mark_no_show, nda_sign
from ..states import InviteStatus
from .factories import make_world


@pytest.fixture
def w(db):
    return make_world()


def _sign(w, invite):
    return w.client(w.host).post(f"/api/v1/visitors/invites/{invite.pk}/sign_nda/",
                                 {"signed_name": invite.visitor_name, "accepted": True}, format="json")


# --- gates on in-memory objects ------------------------------------------------------------
def _mem_invite(status=InviteStatus.INVITED, arrival=None):
    arrival = arrival or timezone.now()
    return SimpleNamespace(status=status, expected_arrival=arrival, expected_departure=arrival + timedelta(hours=2))


WINDOW = {"early_minutes": 120, "late_minutes": 60}


def test_gate_reasons_in_memory():
    nda = SimpleNamespace(pk=1, title="NDA", nda_version=2)
    now = timezone.now()
    codes = lambda invite, **kw: [r.code for r in gates.check_in_reasons(invite, now=kw.pop("now", now), **{  # noqa: E731
        "current_nda": nda, "signed_nda_ids": (), **WINDOW, **kw})]
    assert codes(_mem_invite()) == ["nda_not_signed"]
    assert codes(_mem_invite(), signed_nda_ids={1}) == []
    assert codes(_mem_invite(), current_nda=None) == []
    assert codes(_mem_invite(arrival=now + timedelta(hours=3)), signed_nda_ids={1}) == ["too_early"]
    assert codes(_mem_invite(arrival=now + timedelta(minutes=119)), signed_nda_ids={1}) == []
    assert codes(_mem_invite(arrival=now - timedelta(hours=4)), signed_nda_ids={1}) == ["window_passed"]
    assert codes(_mem_invite(InviteStatus.CHECKED_IN), signed_nda_ids={1}) == ["already_checked_in"]
    assert codes(_mem_invite(InviteStatus.CANCELLED)) == ["cancelled"]
    assert [r.code for r in gates.check_out_reasons(_mem_invite())] == ["not_checked_in"]


def test_handover_gate_in_memory():
    handover = SimpleNamespace(acknowledged_at=None, author_id=7)
    assert [r.code for r in gates.handover_acknowledge_reasons(handover, user=SimpleNamespace(pk=7))] == ["own_handover"]
    assert list(gates.handover_acknowledge_reasons(handover, user=SimpleNamespace(pk=8))) == []


# --- token and NDA -------------------------------------------------------------------------
def test_token_is_unguessable_and_resolves_to_the_invite(w):
    invite = w.invite()
    assert len(invite.qr_token) >= 43  # 32 random bytes
    assert selectors.invite_by_token(invite.qr_token, organization=w.org) == invite
    assert selectors.invite_by_token(invite.qr_token[:-1], organization=w.org) is None
    response = w.client(w.host).get(f"/api/v1/visitors/invites/{invite.pk}/")
    assert response.status_code == 200 and response.json()["qr_token"] == invite.qr_token
    assert response.json()["status"] == "invited"


def test_check_in_refused_without_the_nda_then_accepted_after(w):
    w.nda()
    invite = w.invite()
    guard = w.client(w.guard)
    refused = guard.post("/api/v1/visitors/check-in/", {"token": invite.qr_token}, format="json")
    assert refused.status_code == 400
    body = refused.json()
    assert "nda_not_signed" in str(body)
    assert "NDA" in str(body)
    assert AccessLog.objects.count() == 0
    invite.refresh_from_db()
    assert invite.status == InviteStatus.INVITED

    signed = _sign(w, invite)
    assert signed.status_code == 201, signed.content
    assert signed.json()["nda_version"] == 1 and signed.json()["accepted"] is True

    accepted = guard.post("/api/v1/visitors/check-in/", {"token": invite.qr_token}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "checked_in"
    log = AccessLog.objects.get()
    assert log.invite == invite and log.check_out_time is None and log.guard == w.guard
    assert log.person_company == "Kivu Logistique"
    assert TransitionLog.objects.filter(object_id=str(invite.pk), transition="check_in", user=w.guard).count() == 1

    again = guard.post("/api/v1/visitors/check-in/", {"token": invite.qr_token}, format="json")
    assert again.status_code == 400 and "already_checked_in" in str(again.json())


def test_check_out_closes_the_log(w):
    invite = w.invite()
    guard = w.client(w.guard)
    assert guard.post("/api/v1/visitors/check-in/", {"token": invite.qr_token}, format="json").status_code == 200
    out = guard.post("/api/v1/visitors/check-out/", {"token": invite.qr_token}, format="json")
    assert out.status_code == 200 and out.json()["status"] == "checked_out"
    log = AccessLog.objects.get()
    assert log.check_out_time is not None and log.checked_out_by == w.guard
    again = guard.post("/api/v1/visitors/check-out/", {"token": invite.qr_token}, format="json")
    assert again.status_code == 400 and "not_checked_in" in str(again.json())


def test_check_in_outside_the_window_is_refused(w):
    invite = w.invite(arrival=timezone.now() + timedelta(hours=5))
    response = w.client(w.guard).post(f"/api/v1/visitors/invites/{invite.pk}/check_in/", {}, format="json")
    assert response.status_code == 400 and "too_early" in str(response.json())


def test_cancelled_invite_is_refused_at_the_gate(w):
    invite = w.invite()
    host = w.client(w.host)
    no_comment = host.post(f"/api/v1/visitors/invites/{invite.pk}/transitions/cancel/", {}, format="json")
    assert no_comment.status_code == 400
    done = host.post(f"/api/v1/visitors/invites/{invite.pk}/transitions/cancel/", {"comment": "Visite reportée"},
                     format="json")
    assert done.status_code == 200, done.content
    response = w.client(w.guard).post("/api/v1/visitors/check-in/", {"token": invite.qr_token}, format="json")
    assert response.status_code == 400 and "cancelled" in str(response.json())


def test_only_guards_check_in(w):
    invite = w.invite()
    response = w.client(w.host).post("/api/v1/visitors/check-in/", {"token": invite.qr_token}, format="json")
    assert response.status_code == 403
    response = w.client(w.host).post(f"/api/v1/visitors/invites/{invite.pk}/check_in/", {}, format="json")
    assert response.status_code == 403


def test_the_generic_transition_route_runs_the_same_gate(w):
    w.nda()
    invite = w.invite()
    response = w.client(w.guard).post(f"/api/v1/visitors/invites/{invite.pk}/transitions/check_in/", {}, format="json")
    assert response.status_code == 400 and "nda_not_signed" in str(response.json())
    options = w.client(w.guard).get(f"/api/v1/visitors/invites/{invite.pk}/transitions/").json()
    check_in = next(o for o in (options.get("transitions", options) if isinstance(options, dict) else options)
                    if o["name"] == "check_in")
    assert check_in["allowed"] is False and check_in["reasons"][0]["code"] == "nda_not_signed"


def test_guard_of_another_organization_gets_404_for_a_token(w):
    invite = w.invite()
    other = make_world()
    for path in ("/api/v1/visitors/check-in/", "/api/v1/visitors/check-out/"):
        response = other.client(other.guard).post(path, {"token": invite.qr_token}, format="json")
        assert response.status_code == 404
    invite.refresh_from_db()
    assert invite.status == InviteStatus.INVITED and AccessLog.objects.count() == 0
    assert other.client(other.admin).get(f"/api/v1/visitors/invites/{invite.pk}/badge/").status_code == 404


def test_bad_input_is_400_with_field_errors(w):
    guard = w.client(w.guard)
    response = guard.post("/api/v1/visitors/check-in/", {}, format="json")
    assert response.status_code == 400 and "token" in str(response.json())
    host = w.client(w.host)
    now = timezone.now()
    response = host.post("/api/v1/visitors/invites/", {
        "site": str(w.site.pk), "visitor_name": "X", "expected_arrival": now.isoformat(),
        "expected_departure": (now - timedelta(hours=1)).isoformat()}, format="json")
    assert response.status_code == 400 and "expected_departure" in str(response.json())
    invite = w.invite()
    response = host.post(f"/api/v1/visitors/invites/{invite.pk}/sign_nda/", {"signed_name": "X", "accepted": False},
                         format="json")
    assert response.status_code == 400 and "accepted" in str(response.json())


def test_stale_write_is_409(w):
    invite = w.invite()
    response = w.client(w.host).patch(f"/api/v1/visitors/invites/{invite.pk}/", {"purpose": "Audit", "version": 99},
                                      format="json")
    assert response.status_code == 409


# --- walk-ins, muster ----------------------------------------------------------------------
def _walk_in(client, w, name, company, access_type="contractor"):
    return client.post("/api/v1/visitors/access-logs/walk_in/", {
        "site": str(w.site.pk), "access_type": access_type, "person_name": name, "person_company": company},
        format="json")


def test_on_site_counts_people_by_company(w):
    guard = w.client(w.guard)
    assert _walk_in(guard, w, "Jean", "Soudure Katanga").status_code == 201
    assert _walk_in(guard, w, "Marie", "Soudure Katanga").status_code == 201
    leaving = _walk_in(guard, w, "Paul", "Transports Likasi", "delivery").json()
    invite = w.invite()
    assert guard.post("/api/v1/visitors/check-in/", {"token": invite.qr_token}, format="json").status_code == 200
    assert guard.post(f"/api/v1/visitors/access-logs/{leaving['id']}/check_out/").status_code == 200
    other_site = make_world()  # another organization's people never count
    _walk_in(other_site.client(other_site.guard), other_site, "Zed", "Soudure Katanga")

    body = guard.get(f"/api/v1/visitors/on-site/?site={w.site.pk}").json()
    assert body["total"] == 3
    assert body["by_company"] == [{"company": "Soudure Katanga", "count": 2}, {"company": "Kivu Logistique", "count": 1}]
    assert {p["person_name"] for p in body["people"]} == {"Jean", "Marie", "Amani Kasongo"}
    assert guard.get(f"/api/v1/visitors/on-site/?site={other_site.site.pk}").status_code == 400


def test_a_visitor_needs_an_invitation(w):
    response = _walk_in(w.client(w.guard), w, "Jean", "X", access_type="visitor")
    assert response.status_code == 400 and "access_type" in str(response.json())


def test_access_log_is_append_only(w):
    guard = w.client(w.guard)
    entry = _walk_in(guard, w, "Jean", "Soudure Katanga").json()
    for method in ("put", "patch", "delete"):
        assert getattr(guard, method)(f"/api/v1/visitors/access-logs/{entry['id']}/", {}, format="json").status_code == 405
    assert guard.post("/api/v1/visitors/access-logs/", {}, format="json").status_code == 405
    log = AccessLog.objects.get()
    log.person_name = "Quelqu'un d'autre"
    with pytest.raises(AccessLogImmutable):
        log.save()
    log.refresh_from_db()
    with pytest.raises(AccessLogImmutable):
        log.delete()
    assert guard.post(f"/api/v1/visitors/access-logs/{entry['id']}/check_out/").status_code == 200
    assert guard.post(f"/api/v1/visitors/access-logs/{entry['id']}/check_out/").status_code == 409
    log.refresh_from_db()
    log.check_out_time = timezone.now()
    with pytest.raises(AccessLogImmutable):  # closed once, never re-closed
        log.save()
    assert AccessLog.all_objects.count() == 1


# --- no-shows ------------------------------------------------------------------------------
def test_no_show_job_is_idempotent(w):
    past = w.invite(arrival=timezone.now() - timedelta(hours=8))
    future = w.invite()
    assert invites_mark_no_show() == 1
    assert invites_mark_no_show() == 0
    past.refresh_from_db()
    future.refresh_from_db()
    assert past.status == InviteStatus.NO_SHOW and future.status == InviteStatus.INVITED
    assert TransitionLog.objects.filter(object_id=str(past.pk), transition="mark_no_show").count() == 1
    response = w.client(w.admin).post(f"/api/v1/visitors/invites/{future.pk}/transitions/mark_no_show/", {}, format="json")
    assert response.status_code in (400, 403)


# --- providers (training, later) -----------------------------------------------------------
def test_a_visitor_access_check_of_another_addon_blocks_check_in(w):
    invite = w.invite()
    providers.register_visitor_access_check(
        "test-induction", lambda invite, *, site, context: [Reason("induction_missing", "Induction visiteur requise.")])
    try:
        response = w.client(w.guard).post("/api/v1/visitors/check-in/", {"token": invite.qr_token}, format="json")
        assert response.status_code == 400 and "induction_missing" in str(response.json())
    finally:
        providers.unregister_visitor_access_check("test-induction")
    response = w.client(w.guard).post("/api/v1/visitors/check-in/", {"token": invite.qr_token}, format="json")
    assert response.status_code == 200


# --- NDA signing, public page --------------------------------------------------------------
def test_public_nda_page_signs_with_name_time_and_ip(w, client):
    w.nda()
    invite = w.invite()
    url = f"/api/v1/visitors/public/nda/?token={invite.qr_token}"
    page = client.get(url)
    assert page.status_code == 200 and "Accord de confidentialité" in page.content.decode()
    assert client.get("/api/v1/visitors/public/nda/?token=nope").status_code == 404
    refused = client.post(url, {"signed_name": "Amani Kasongo"}, REMOTE_ADDR="41.243.1.2")
    assert refused.status_code == 400 and NDASignature.objects.count() == 0
    done = client.post(url, {"signed_name": "Amani Kasongo", "accepted": "on"}, REMOTE_ADDR="41.243.1.2")
    assert done.status_code == 200
    signature = NDASignature.objects.get()
    assert signature.signed_name == "Amani Kasongo" and signature.ip == "41.243.1.2" and signature.signed_at
    assert signature.invite == invite and signature.created_by is None
    assert selectors.check_in_reasons_for(invite) == []


def test_signing_again_keeps_the_first_signature(w):
    w.nda()
    invite = w.invite()
    with acting_as(user=w.host, organization=w.org, role="permit_requester"):
        first = nda_sign(invite=invite, signed_name="A", accepted=True)
        second = nda_sign(invite=invite, signed_name="B", accepted=True)
    assert first == second and NDASignature.objects.count() == 1


def test_a_new_current_nda_must_be_signed_again(w):
    w.nda()
    invite = w.invite()
    assert _sign(w, invite).status_code == 201
    assert selectors.check_in_reasons_for(invite) == []
    w.nda()  # version 2 becomes current
    assert [r.code for r in selectors.check_in_reasons_for(invite)] == ["nda_not_signed"]


def test_lists_and_on_site_take_flat_query_counts(w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = w.client(w.guard)
    urls = ("/api/v1/visitors/invites/", f"/api/v1/visitors/on-site/?site={w.site.pk}", "/api/v1/visitors/access-logs/",
            "/api/v1/visitors/shift-handovers/", "/api/v1/visitors/ndas/")

    def add_rows(n, prefix):
        for i in range(n):
            invite = w.invite(name=f"{prefix}{i}")
            client.post("/api/v1/visitors/check-in/", {"token": invite.qr_token}, format="json")
            _walk_in(client, w, f"C{prefix}{i}", f"Company {i % 3}")
            client.post("/api/v1/visitors/shift-handovers/", {
                "site": str(w.site.pk), "shift_start": (timezone.now() - timedelta(hours=8)).isoformat(),
                "shift_end": timezone.now().isoformat(), "notes": "RAS", "open_items": [f"{prefix}{i}"]}, format="json")
        w.nda()

    def counts():
        result = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result[url] = len(queries.captured_queries)
        return result

    add_rows(2, "a")
    small = counts()
    add_rows(8, "b")
    assert counts() == small
    assert max(small.values()) <= 12


def test_visitor_invite_is_a_registered_state_machine(w):
    from ohms_core import workflows

    machine = workflows.machine_for(VisitorInvite)
    assert {t.name for t in machine.transitions()} >= {"check_in", "check_out", "cancel", "mark_no_show"}
